"""from_stored / to_stored: other tools' orientations, checked on a lopsided matrix."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_priority import LOPSIDED, matrices

from itsm_core.errors import ConfigError
from itsm_core.priority import (
    PriorityMatrix,
    from_stored,
    glpi_fallback,
    to_stored,
)
from itsm_core.priority.convert import MostUrgent, Rows, flip_scale

LOP = PriorityMatrix.from_dict(LOPSIDED)
ORIENTATIONS = [(r, mu) for r in ("impact", "urgency") for mu in ("lowest", "highest")]


def _labels(m: PriorityMatrix, most_urgent: str) -> dict[str, Any]:
    """The labels in stored-value order, as from_stored expects them."""

    def order(labels: tuple[str, ...]) -> list[str]:
        return list(labels) if most_urgent == "lowest" else list(reversed(labels))

    return {
        "impact_labels": order(m.impact_labels),
        "urgency_labels": order(m.urgency_labels),
        "priority_labels": order(m.priority_labels),
    }


class TestLopsided:
    def test_impact_rows_one_is_urgent(self) -> None:
        assert to_stored(LOP, rows="impact", most_urgent="lowest") == {
            1: {1: 1, 2: 2, 3: 4, 4: 7},
            2: {1: 3, 2: 5, 3: 6, 4: 8},
        }

    def test_glpi_style_urgency_rows_high_is_urgent(self) -> None:
        # hand-computed: stored impact I-bottom=1, I-top=2; urgency U4=1 .. U1=4; Pk = 9 - k
        assert to_stored(LOP, rows="urgency", most_urgent="highest") == {
            1: {1: 1, 2: 2},
            2: {1: 3, 2: 5},
            3: {1: 4, 2: 7},
            4: {1: 6, 2: 8},
        }

    @pytest.mark.parametrize(("rows", "most_urgent"), ORIENTATIONS)
    def test_round_trip(self, rows: Rows, most_urgent: MostUrgent) -> None:
        stored = to_stored(LOP, rows=rows, most_urgent=most_urgent)
        back = from_stored(stored, rows=rows, most_urgent=most_urgent, **_labels(LOP, most_urgent))
        assert back == LOP

    def test_swapped_axes_are_refused(self) -> None:
        stored = to_stored(LOP, rows="impact", most_urgent="lowest")
        with pytest.raises(
            ConfigError, match=r"^stored\[1\]\[3\]: got 3; expected a stored level number 1\.\.2"
        ):
            from_stored(stored, rows="urgency", most_urgent="lowest", **_labels(LOP, "lowest"))

    def test_flipped_scale_gives_another_matrix(self) -> None:
        stored = to_stored(LOP, rows="impact", most_urgent="lowest")
        flipped = from_stored(
            stored, rows="impact", most_urgent="highest", **_labels(LOP, "lowest")
        )
        assert flipped != LOP
        # same label for label, but every scale upside down: P1 is now the least urgent
        assert flipped.priority(impact="I-top", urgency="U1").label == "P1"
        assert flipped.priority_level("P1").rank == 8
        assert flipped.impact_level("I-top").rank == 2


@given(matrices, st.sampled_from(ORIENTATIONS))
def test_round_trip_any_matrix(m: PriorityMatrix, orientation: tuple[Rows, MostUrgent]) -> None:
    rows, most_urgent = orientation
    stored = to_stored(m, rows=rows, most_urgent=most_urgent)
    as_json = json.loads(json.dumps(stored))  # keys become strings, as GLPI stores them
    for form in (stored, as_json):
        back = from_stored(form, rows=rows, most_urgent=most_urgent, **_labels(m, most_urgent))
        assert back == m


@given(matrices, st.data())
def test_stored_cell_is_the_flipped_lookup(m: PriorityMatrix, data: st.DataObject) -> None:
    n_i, n_u, n_p = len(m.impact_labels), len(m.urgency_labels), len(m.priority_labels)
    i = data.draw(st.integers(1, n_i))
    u = data.draw(st.integers(1, n_u))
    stored = to_stored(m, rows="urgency", most_urgent="highest")
    expected = n_p + 1 - m.priority(impact=n_i + 1 - i, urgency=n_u + 1 - u).rank
    assert stored[u][i] == expected


@given(st.integers(1, 50), st.data())
def test_flip_scale_is_an_involution(size: int, data: st.DataObject) -> None:
    v = data.draw(st.integers(1, size))
    assert flip_scale(flip_scale(v, size), size) == v
    assert 1 <= flip_scale(v, size) <= size


def _php_round_half(u: int, i: int) -> int:
    return int((Decimal(u + i) / 2).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class TestGlpiFallback:
    def test_php_rounding_not_python_rounding(self) -> None:
        # GLPI CommonITILObject::computePriority: round((u + i) / 2), PHP half away from zero
        assert glpi_fallback(2, 3) == 3
        assert glpi_fallback(1, 2) == 2
        assert glpi_fallback(4, 5) == 5
        assert round((2 + 3) / 2) == 2  # the bug a naive port would have

    @pytest.mark.parametrize("u", range(1, 6))
    @pytest.mark.parametrize("i", range(1, 6))
    def test_matches_decimal_half_up(self, u: int, i: int) -> None:
        assert glpi_fallback(u, i) == _php_round_half(u, i)

    def test_missing_cells_filled(self) -> None:
        glpi = PriorityMatrix.preset("glpi")
        stored: dict[int, dict[int, int]] = to_stored(glpi, rows="urgency", most_urgent="highest")
        del stored[2][3]  # urgency 2, impact 3: the default 2 ... fallback round(2.5) = 3
        del stored[5]
        labels = _labels(glpi, "highest")
        with pytest.raises(
            ConfigError, match=r"^stored\[2\]\[3\]: missing \(impact 3, urgency 2\)"
        ):
            from_stored(stored, rows="urgency", most_urgent="highest", **labels)
        filled = from_stored(
            stored, rows="urgency", most_urgent="highest", fill=glpi_fallback, **labels
        )
        assert filled.priority(impact="Medium", urgency="Low").label == "Medium"  # 3
        assert filled.priority(impact="Very low", urgency="Very high").label == "Medium"  # 3
        assert glpi.priority(impact="Very low", urgency="Very high").label == "Low"  # 2


LABELS: dict[str, Any] = {
    "impact_labels": ["a", "b"],
    "urgency_labels": ["x"],
    "priority_labels": ["p"],
}


class TestErrors:
    @pytest.mark.parametrize(
        ("stored", "options", "message"),
        [
            ([[1], [2]], {}, "stored[2][1]: got 2; expected a stored level number 1..1"),
            ([[1], [1], [1]], {}, "stored: has 3 entries; expected at most 2"),
            ({"3": [1]}, {}, "stored['3']: got 3; expected a stored level number 1..2"),
            ({"x": [1]}, {}, "stored['x']: got 'x'"),
            ([[1], "1"], {}, "stored[2]: got str; expected a list of rows or a mapping"),
            ([[1], [1.0]], {}, "stored[2][1]: got 1.0"),
            ([[1], [True]], {}, "stored[2][1]: got True"),
            (
                [[1], [1]],
                {"rows": "columns"},
                "rows: got 'columns'; expected 'impact' or 'urgency'",
            ),
            ([[1], [1]], {"most_urgent": 1}, "most_urgent: got 1"),
        ],
    )
    def test_errors_name_the_position(
        self, stored: Any, options: dict[str, Any], message: str
    ) -> None:
        args: dict[str, Any] = {"rows": "impact", "most_urgent": "lowest", **LABELS, **options}
        with pytest.raises(ConfigError) as info:
            from_stored(stored, **args)
        assert str(info.value).startswith(message)

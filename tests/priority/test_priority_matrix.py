"""PriorityMatrix: construction, plain-data round trip, lookups and their errors."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy  # installed with pandas (test extra): ranks from a DataFrame column
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_priority import LOPSIDED, matrices, matrix_dicts

from itsm_core._config import read_at
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    ItsmError,
    UnknownNameError,
)
from itsm_core.priority import Impact, Priority, PriorityMatrix, Urgency

DOCUMENTED_FORM = {  # the example of docs/priority.md, verbatim
    "impact": ["1 - High", "2 - Medium", "3 - Low"],
    "urgency": ["1 - High", "2 - Medium", "3 - Low"],
    "priority": ["1 - Critical", "2 - High", "3 - Moderate", "4 - Low", "5 - Planning"],
    "cells": [
        ["1 - Critical", "2 - High", "3 - Moderate"],
        ["2 - High", "3 - Moderate", "4 - Low"],
        ["3 - Moderate", "4 - Low", "5 - Planning"],
    ],
}


def _with(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(LOPSIDED)
    data.update(changes)
    return data


class TestRoundTrip:
    def test_documented_form_round_trips_exactly(self) -> None:
        assert PriorityMatrix.from_dict(DOCUMENTED_FORM).to_dict() == DOCUMENTED_FORM

    @given(matrix_dicts())
    def test_from_dict_to_dict_is_identity(self, data: dict[str, Any]) -> None:
        m = PriorityMatrix.from_dict(data)
        assert m.to_dict() == data
        assert PriorityMatrix.from_dict(m.to_dict()) == m

    @given(matrices)
    def test_hashable_picklable_and_equal_after_pickle(self, m: PriorityMatrix) -> None:
        back = pickle.loads(pickle.dumps(m))
        assert back == m
        assert hash(back) == hash(m)
        for i in range(1, len(m.impact_labels) + 1):
            assert back.priority(impact=i, urgency=1) == m.priority(impact=i, urgency=1)

    def test_tuples_are_accepted_as_lists(self) -> None:
        data = {k: tuple(v) for k, v in LOPSIDED.items()}
        data["cells"] = tuple(tuple(row) for row in LOPSIDED["cells"])
        assert PriorityMatrix.from_dict(data) == PriorityMatrix.from_dict(LOPSIDED)

    def test_different_cells_are_unequal(self) -> None:
        other = _with(cells=[["P1", "P2", "P4", "P7"], ["P3", "P5", "P6", "P6"]])
        assert PriorityMatrix.from_dict(other) != PriorityMatrix.from_dict(LOPSIDED)


class TestLookup:
    @given(matrices, st.data())
    def test_lookup_by_label_rank_and_level_agrees_with_cells(
        self, m: PriorityMatrix, data: st.DataObject
    ) -> None:
        i = data.draw(st.integers(1, len(m.impact_labels)))
        u = data.draw(st.integers(1, len(m.urgency_labels)))
        # the oracle: the plain-data cell, its rank found by a linear search
        label = m.to_dict()["cells"][i - 1][u - 1]
        expected = Priority(label, m.to_dict()["priority"].index(label) + 1)
        il, ul = m.impact_labels[i - 1], m.urgency_labels[u - 1]
        assert m.priority(impact=i, urgency=u) == expected
        assert m.priority(impact=il, urgency=ul) == expected
        assert m.priority(impact=il, urgency=u) == expected
        assert m.priority(impact=i, urgency=ul) == expected
        assert m.priority(impact=Impact(il, i), urgency=Urgency(ul, u)) == expected

    def test_lopsided_every_cell(self) -> None:
        m = PriorityMatrix.from_dict(LOPSIDED)
        got = [[m.priority(impact=i, urgency=u).label for u in range(1, 5)] for i in (1, 2)]
        assert got == [["P1", "P2", "P4", "P7"], ["P3", "P5", "P6", "P8"]]
        assert m.priority(impact="I-bottom", urgency="U1") == Priority("P3", 3)
        assert m.priority(impact="I-top", urgency="U4") == Priority("P7", 7)

    def test_swapped_axes_fail(self) -> None:
        m = PriorityMatrix.from_dict(LOPSIDED)
        with pytest.raises(UnknownNameError, match=r"^impact: unknown name 'U1'"):
            m.priority(impact="U1", urgency="I-top")
        with pytest.raises(InvalidArgumentError, match=r"^impact: no level of rank 4"):
            m.priority(impact=4, urgency=2)

    def test_levels(self) -> None:
        m = PriorityMatrix.from_dict(LOPSIDED)
        assert m.impact_levels == (Impact("I-top", 1), Impact("I-bottom", 2))
        assert m.urgency_levels[3] == Urgency("U4", 4)
        assert m.priority_levels[7] == Priority("P8", 8)
        assert m.priority_labels == tuple(LOPSIDED["priority"])

    def test_integer_like_ranks_work(self) -> None:
        m = PriorityMatrix.from_dict(LOPSIDED)
        assert m.priority(impact=numpy.int64(2), urgency=numpy.int8(1)) == Priority("P3", 3)


def test_str_subclasses_are_labels() -> None:
    class Label(str):
        pass

    m = PriorityMatrix.from_dict(LOPSIDED)
    assert m.priority(impact=Label("I-bottom"), urgency=Label("U2")) == Priority("P5", 5)
    assert m.priorities([(Label("I-top"), 1)]) == [Priority("P1", 1)]


class TestLookupErrors:
    m = PriorityMatrix.from_dict(LOPSIDED)

    @pytest.mark.parametrize(
        ("impact", "urgency", "error", "field"),
        [
            (0, 1, InvalidArgumentError, "impact"),
            (1, 5, InvalidArgumentError, "urgency"),
            (-1, 1, InvalidArgumentError, "impact"),
            (True, 1, ArgumentTypeError, "impact"),
            (1, False, ArgumentTypeError, "urgency"),
            (1.0, 1, ArgumentTypeError, "impact"),
            (None, 1, ArgumentTypeError, "impact"),
            ([1], 1, ArgumentTypeError, "impact"),
            (Urgency("U1", 1), 1, ArgumentTypeError, "impact"),
            (1, Impact("I-top", 1), ArgumentTypeError, "urgency"),
            (Impact("I-top", 2), 1, InvalidArgumentError, "impact"),
            (1, Priority("P1", 1), ArgumentTypeError, "urgency"),
        ],
    )
    def test_bad_level(self, impact: Any, urgency: Any, error: type[Exception], field: str) -> None:
        with pytest.raises(error, match=rf"^{field}: .*expected a label \('") as info:
            self.m.priority(impact=impact, urgency=urgency)
        assert isinstance(info.value, ItsmError)

    @pytest.mark.parametrize(
        ("impact", "urgency", "message"),
        [
            ("nope", "U1", "impact: unknown name 'nope'; expected one of 'I-top', 'I-bottom'"),
            (
                "I-top",
                "nope",
                "urgency: unknown name 'nope'; expected one of 'U1', 'U2', 'U3', 'U4'",
            ),
        ],
    )
    def test_unknown_label_is_an_unknown_name(
        self, impact: Any, urgency: Any, message: str
    ) -> None:
        with pytest.raises(UnknownNameError) as info:
            self.m.priority(impact=impact, urgency=urgency)
        assert str(info.value) == message
        assert isinstance(info.value, (ItsmError, KeyError))
        assert info.value.name == "nope"

    def test_message_lists_the_levels(self) -> None:
        with pytest.raises(UnknownNameError) as info:
            self.m.priority(impact="I-TOP", urgency=1)
        assert (
            str(info.value) == "impact: unknown name 'I-TOP'; expected one of 'I-top', 'I-bottom'"
        )
        assert info.value.known == ("I-top", "I-bottom")


class TestStructuralErrors:
    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (
                _with(cells=[["P1", "P2", "P4", "P7"]]),
                "cells: has 1 rows; no row for impact 'I-bottom'; expected 2 rows",
            ),
            (
                _with(cells=[["P1", "P2", "P4", "P7"], ["P3", "P5"]]),
                "cells[1]: has 2 cells; missing cells[1][2] (impact 'I-bottom', urgency 'U3'), "
                "cells[1][3] (impact 'I-bottom', urgency 'U4')",
            ),
            (
                _with(cells=[["P1", "P2", "P4", "P7", "P1"], ["P3", "P5", "P6", "P8"]]),
                "cells[0]: has 5 cells; expected 2 rows",
            ),
            (
                _with(cells=[["P1", "P2", "P4", "P7"], ["P3", "P5", "P9", "P8"]]),
                "cells[1][2]: 'P9' (impact 'I-bottom', urgency 'U3') is not a priority level; "
                "expected one of 'P1', ",
            ),
            (
                _with(cells=[["P1", "P2", "P4", "P7"], ["P3", "P5", 6, "P8"]]),
                "cells[1][2]: 6 (impact 'I-bottom', urgency 'U3') is not a priority level",
            ),
            (_with(cells=[["P1", "P2", "P4", "P7"], "P3"]), "cells[1]: got 'P3' (str)"),
            (_with(cells="P1"), "cells: got 'P1' (str)"),
            (
                _with(impact=["I-top", "I-top"]),
                "impact[1]: duplicate label 'I-top' (also impact[0]); expected distinct labels",
            ),
            (
                _with(priority=["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P1"]),
                "priority[7]: duplicate label 'P1' (also priority[0])",
            ),
            (_with(urgency=[]), "urgency: no levels"),
            (
                _with(urgency=["U1", "", "U3", "U4"]),
                "urgency[1]: got ''; expected a non-empty string",
            ),
            (
                _with(urgency=["U1", 2, "U3", "U4"]),
                "urgency[1]: got 2; expected a non-empty string",
            ),
            (_with(impact="I-top"), "impact: got 'I-top' (str); expected a list of labels"),
            (_with(extra=1), "extra: unknown key"),
            ({k: v for k, v in LOPSIDED.items() if k != "cells"}, "cells: missing"),
            ([1, 2], "got list; expected a mapping with keys 'impact'"),
        ],
    )
    def test_config_error_names_the_field(self, data: Any, message: str) -> None:
        with pytest.raises(ConfigError) as info:
            PriorityMatrix.from_dict(data)
        assert message in str(info.value)
        assert "expected" in str(info.value)

    def test_constructor_checks_too(self) -> None:
        with pytest.raises(ConfigError, match=r"^cells\[0\]\[0\]: 'X'"):
            PriorityMatrix(
                impact_labels=("a",), urgency_labels=("b",), priority_labels=("p",), cells=(("X",),)
            )
        with pytest.raises(ConfigError, match=r"^impact: got \['a'\] \(list\)"):
            PriorityMatrix(
                impact_labels=["a"],  # type: ignore[arg-type]
                urgency_labels=("b",),
                priority_labels=("p",),
                cells=(("p",),),
            )


class TestReadPriorityTable:
    m = PriorityMatrix.preset("servicenow-incident")

    def test_keys_by_label_or_priority_in_rank_order(self) -> None:
        table = {
            "5 - Planning": 5,
            Priority("1 - Critical", 1): 1,
            "2 - High": 2,
            "4 - Low": 4,
            "3 - Moderate": 3,
        }
        got = self.m.read_priority_table(table)
        assert list(got.items()) == [
            ("1 - Critical", 1),
            ("2 - High", 2),
            ("3 - Moderate", 3),
            ("4 - Low", 4),
            ("5 - Planning", 5),
        ]

    def test_partial_table_allowed_when_not_complete(self) -> None:
        got = self.m.read_priority_table({"2 - High": "PT8H"}, complete=False)
        assert got == {"2 - High": "PT8H"}

    @pytest.mark.parametrize(
        ("table", "message"),
        [
            ({"P1": 1}, "sla.targets['P1']: not a priority level; expected one entry per"),
            ({1: 1}, "sla.targets[1]: not a priority level"),
            (
                {Priority("1 - Critical", 2): 1},
                "sla.targets[Priority(label='1 - Critical', rank=2)]",
            ),
            ({"1 - Critical": 1, Priority("1 - Critical", 1): 2}, "given twice"),
            ({"1 - Critical": 1}, "sla.targets: no entry for '2 - High', '3 - Moderate'"),
            ([("1 - Critical", 1)], "sla.targets: got list"),
        ],
    )
    def test_errors(self, table: Any, message: str) -> None:
        with pytest.raises(ConfigError) as info:
            read_at("sla.targets", self.m.read_priority_table, table)
        assert message in str(info.value)

    def test_errors_are_relative_to_the_table(self) -> None:
        with pytest.raises(ConfigError) as info:
            self.m.read_priority_table({"P1": 1})
        assert info.value.path == "['P1']"
        with pytest.raises(ConfigError) as info:
            self.m.read_priority_table({"1 - Critical": 1})
        assert info.value.path == ""


class TestBulk:
    m = PriorityMatrix.from_dict(LOPSIDED)

    @given(matrices, st.data())
    def test_bulk_agrees_with_single_lookups(self, m: PriorityMatrix, data: st.DataObject) -> None:
        level = st.tuples(
            st.integers(1, len(m.impact_labels)) | st.sampled_from(m.impact_labels),
            st.integers(1, len(m.urgency_labels)) | st.sampled_from(m.urgency_labels),
        )
        pairs = data.draw(st.lists(level, max_size=20))
        expected = [m.priority(impact=i, urgency=u) for i, u in pairs]
        assert m.priorities(pairs) == expected
        assert m.priorities(iter(pairs)) == expected  # an iterator is read once

    def test_integer_like_ranks_take_the_checked_path(self) -> None:
        got = self.m.priorities([(numpy.int64(2), 1), ("I-top", "U4")])
        assert [p.label for p in got] == ["P3", "P7"]

    @pytest.mark.parametrize(
        ("pairs", "error", "message"),
        [
            ([(1, 1), (1, True)], ArgumentTypeError, "pairs[1].urgency: got True (bool)"),
            ([(1, 1), (3, 1)], InvalidArgumentError, "pairs[1].impact: no level of rank 3"),
            ([(1, 1), (1, "U9")], UnknownNameError, "pairs[1].urgency: unknown name 'U9'"),
            ([(1, 1), (1, 1, 1)], ArgumentTypeError, "pairs[1]: got (1, 1, 1); expected an"),
            ([(1, 1), "ab"], ArgumentTypeError, "pairs[1]: got 'ab'"),
            ([(1, [1])], ArgumentTypeError, "pairs[0].urgency: got [1] (list)"),
        ],
    )
    def test_errors_name_the_pair(self, pairs: Any, error: type[Exception], message: str) -> None:
        with pytest.raises(error) as info:
            self.m.priorities(pairs)
        assert str(info.value).startswith(message)

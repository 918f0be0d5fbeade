"""Import and export other tools' stored matrices: numbering direction and axis order.

Tools disagree on two things the canonical form fixes:

* **Which end is urgent.**  ServiceNow, ITIL and iTop number levels 1 = most urgent
  (``most_urgent="lowest"``); GLPI and Znuny number them 5 = most urgent
  (``most_urgent="highest"``).  The direction applies to all three scales.
* **Which axis is the row.**  GLPI stores ``[urgency][impact]`` (``rows="urgency"``);
  ServiceNow, iTop and Znuny store ``[impact][urgency]`` (``rows="impact"``).

A stored matrix is either a list of rows (row ``k`` holds stored value ``k + 1``) or a
mapping ``{row value: {column value: priority value}}`` whose keys may be ints or digit
strings (GLPI keeps its matrix as JSON).  Labels are given in stored-value order
(the label of stored value 1 first).

>>> stored = [[1, 1], [1, 2]]                   # GLPI style: [urgency][impact], 2 = urgent
>>> m = from_stored(stored, rows="urgency", most_urgent="highest",
...                 impact_labels=["low", "high"], urgency_labels=["low", "high"],
...                 priority_labels=["low", "high"])
>>> m.impact_labels, m.priority(impact="high", urgency="low").label
(('high', 'low'), 'low')
>>> to_stored(m, rows="urgency", most_urgent="highest")
{1: {1: 1, 2: 1}, 2: {1: 1, 2: 2}}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from itsm_core.errors import ConfigError
from itsm_core.priority.matrix import PriorityMatrix

__all__ = ["flip_scale", "from_stored", "glpi_fallback", "to_stored"]

Rows = Literal["impact", "urgency"]
MostUrgent = Literal["lowest", "highest"]


def flip_scale(value: int, size: int) -> int:
    """Turn a 1-is-urgent number into a 5-is-urgent one on a scale of ``size``, and back.

    >>> flip_scale(5, 5), flip_scale(1, 5), flip_scale(flip_scale(2, 4), 4)
    (1, 5, 2)
    """
    return size + 1 - value


def glpi_fallback(urgency: int, impact: int) -> int:
    """GLPI's priority for a cell missing from its matrix: PHP ``round((u + i) / 2)``.

    PHP rounds halves away from zero, unlike Python's ``round`` (source: GLPI
    ``CommonITILObject::computePriority``), so ``(2 + 3) / 2`` gives 3, not 2.

    >>> glpi_fallback(2, 3), round((2 + 3) / 2)
    (3, 2)
    """
    return (urgency + impact + 1) // 2


def _renumber(value: int, size: int, most_urgent: MostUrgent) -> int:
    """Stored number <-> rank (the same map both ways: flipping is its own inverse)."""
    return value if most_urgent == "lowest" else flip_scale(value, size)


def _check(rows: object, most_urgent: object) -> None:
    if rows not in ("impact", "urgency"):
        raise ConfigError("rows", f"got {rows!r}", "'impact' or 'urgency'")
    if most_urgent not in ("lowest", "highest"):
        raise ConfigError("most_urgent", f"got {most_urgent!r}", "'lowest' or 'highest'")


def _value(raw: object, size: int, path: str) -> int:
    if isinstance(raw, str) and raw.isdigit():
        raw = int(raw)
    if type(raw) is not int or not 1 <= raw <= size:
        raise ConfigError(path, f"got {raw!r}", f"a stored level number 1..{size}")
    return raw


def _entries(stored: object, size: int, path: str) -> dict[int, object]:
    """A stored row or table as ``{value: content}``, keys checked."""
    if isinstance(stored, Mapping):
        out: dict[int, object] = {}
        for key, content in stored.items():
            out[_value(key, size, f"{path}[{key!r}]")] = content
        return out
    if isinstance(stored, (list, tuple)):
        if len(stored) > size:
            raise ConfigError(path, f"has {len(stored)} entries", f"at most {size}")
        return dict(enumerate(stored, start=1))
    raise ConfigError(path, f"got {type(stored).__name__}", "a list of rows or a mapping")


def from_stored(
    stored: Sequence[Sequence[Any]] | Mapping[Any, Any],
    *,
    rows: Rows,
    most_urgent: MostUrgent,
    impact_labels: Sequence[str],
    urgency_labels: Sequence[str],
    priority_labels: Sequence[str],
    fill: Callable[[int, int], int] | None = None,
) -> PriorityMatrix:
    """Build a :class:`PriorityMatrix` from a tool's stored numeric matrix.

    Args:
        stored: the tool's table of stored priority numbers (see the module docstring).
        rows: which axis the outer index is.
        most_urgent: ``"lowest"`` if 1 is the most urgent number, ``"highest"`` if the
            largest number is.
        impact_labels, urgency_labels, priority_labels: labels in stored-value order.
        fill: computes a missing cell from ``(urgency, impact)`` stored numbers, e.g.
            :func:`glpi_fallback`; without it a missing cell is an error.

    Raises:
        ConfigError: a missing cell, a number outside the scale, a bad option, naming
            the stored position.

    >>> from_stored([[1, 2], [2, 2]], rows="impact", most_urgent="lowest",
    ...             impact_labels=["I1", "I2"], urgency_labels=["U1", "U2"],
    ...             priority_labels=["P1", "P2"]).cells
    (('P1', 'P2'), ('P2', 'P2'))
    >>> from_stored({"1": {"1": 1}}, rows="impact", most_urgent="lowest",
    ...             impact_labels=["I1"], urgency_labels=["U1", "U2"], priority_labels=["P1"])
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: stored[1][2]: missing (impact 1, urgency 2); expected a stored priority number 1..1
    """
    _check(rows, most_urgent)
    n_i, n_u, n_p = len(impact_labels), len(urgency_labels), len(priority_labels)
    n_rows, n_cols = (n_i, n_u) if rows == "impact" else (n_u, n_i)
    table = {
        r: _entries(content, n_cols, f"stored[{r}]")
        for r, content in _entries(stored, n_rows, "stored").items()
    }

    cells: list[list[str]] = [[""] * n_u for _ in range(n_i)]
    for r in range(1, n_rows + 1):
        for c in range(1, n_cols + 1):
            impact, urgency = (r, c) if rows == "impact" else (c, r)
            path = f"stored[{r}][{c}]"
            raw = table.get(r, {}).get(c)
            if raw is None and fill is not None:
                raw = fill(urgency, impact)
            if raw is None:
                raise ConfigError(
                    path,
                    f"missing (impact {impact}, urgency {urgency})",
                    f"a stored priority number 1..{n_p}",
                )
            p = _value(raw, n_p, path)
            label = priority_labels[p - 1]
            cells[_renumber(impact, n_i, most_urgent) - 1][
                _renumber(urgency, n_u, most_urgent) - 1
            ] = label

    def ordered(labels: Sequence[str]) -> tuple[str, ...]:
        return tuple(labels) if most_urgent == "lowest" else tuple(reversed(labels))

    return PriorityMatrix(
        impact_labels=ordered(impact_labels),
        urgency_labels=ordered(urgency_labels),
        priority_labels=ordered(priority_labels),
        cells=tuple(tuple(row) for row in cells),
    )


def to_stored(
    matrix: PriorityMatrix, *, rows: Rows, most_urgent: MostUrgent
) -> dict[int, dict[int, int]]:
    """The matrix as a tool would store it: ``{row value: {column value: priority value}}``.

    The labels to pass back to :func:`from_stored` are the matrix's labels in stored
    order: reversed when ``most_urgent="highest"``.

    >>> m = PriorityMatrix.preset("itil-v3")
    >>> to_stored(m, rows="urgency", most_urgent="highest")[3][1]  # urgency High, impact Low
    3
    """
    _check(rows, most_urgent)
    n_i, n_u, n_p = (
        len(matrix.impact_labels),
        len(matrix.urgency_labels),
        len(matrix.priority_labels),
    )

    out: dict[int, dict[int, int]] = {}
    n_rows, n_cols = (n_i, n_u) if rows == "impact" else (n_u, n_i)
    for r in range(1, n_rows + 1):
        out[r] = {}
        for c in range(1, n_cols + 1):
            impact, urgency = (r, c) if rows == "impact" else (c, r)
            p = matrix.priority(
                impact=_renumber(impact, n_i, most_urgent),
                urgency=_renumber(urgency, n_u, most_urgent),
            )
            out[r][c] = _renumber(p.rank, n_p, most_urgent)
    return out

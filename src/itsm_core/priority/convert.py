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
from typing import Any

from itsm_core.priority._stored import (
    MostUrgent,
    Rows,
    check_orientation,
    flip_scale,
    renumber,
    to_plain,
)
from itsm_core.priority.matrix import PriorityMatrix

__all__ = ["MostUrgent", "Rows", "flip_scale", "from_stored", "glpi_fallback", "to_stored"]


def glpi_fallback(urgency: int, impact: int) -> int:
    """GLPI's priority for a cell missing from its matrix: PHP ``round((u + i) / 2)``.

    PHP rounds halves away from zero, unlike Python's ``round`` (source: GLPI
    ``CommonITILObject::computePriority``), so ``(2 + 3) / 2`` gives 3, not 2.

    >>> glpi_fallback(2, 3), round((2 + 3) / 2)
    (3, 2)
    """
    return (urgency + impact + 1) // 2


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
    return PriorityMatrix.from_dict(
        to_plain(
            stored,
            rows=rows,
            most_urgent=most_urgent,
            impact_labels=impact_labels,
            urgency_labels=urgency_labels,
            priority_labels=priority_labels,
            fill=fill,
        )
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
    check_orientation(rows, most_urgent)
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
                impact=renumber(impact, n_i, most_urgent),
                urgency=renumber(urgency, n_u, most_urgent),
            )
            out[r][c] = renumber(p.rank, n_p, most_urgent)
    return out

"""Structural checks of a priority matrix's content: refused with a ConfigError naming the cell.

Private to :mod:`itsm_core.priority`: the constructor of
:class:`~itsm_core.priority.PriorityMatrix` runs these before it builds its lookup table.

>>> require_labels(("High", "High"), "impact")
Traceback (most recent call last):
...
itsm_core.errors.ConfigError: impact[1]: duplicate label 'High' (also impact[0]); expected distinct labels
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import Any

from itsm_core.errors import ConfigError, shown

__all__ = ["as_tuple", "quote", "require_cells", "require_labels"]


#: The most labels (or cells) one message lists; the rest are counted.
_LISTED = 10


def quote(labels: Sequence[object]) -> str:
    """Labels as a message lists them: each shown bounded, at most ten, the rest counted.

    >>> quote(["1 - High", "2 - Low"])
    "'1 - High', '2 - Low'"
    >>> quote([str(n) for n in range(12)])
    "'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ... (12 in all)"
    """
    listed = ", ".join(shown(label) for label in labels[:_LISTED])
    return listed + (f", ... ({len(labels)} in all)" if len(labels) > _LISTED else "")


def as_tuple(value: Any, path: str, expected: str) -> tuple[Any, ...]:
    """A list or tuple from plain data as a tuple; anything else is a ConfigError at *path*.

    >>> as_tuple(["A", "B"], "impact", "a list of labels")
    ('A', 'B')
    >>> as_tuple("A", "impact", "a list of labels")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: impact: got 'A' (str); expected a list of labels
    """
    if not isinstance(value, (list, tuple)):
        raise ConfigError(path, f"got {shown(value)} ({type(value).__name__})", expected)
    return tuple(value)


def require_labels(labels: Any, field: str) -> None:
    """Raise a ConfigError unless *labels* is a non-empty tuple of distinct non-empty strings.

    >>> require_labels(("High", ""), "urgency")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: urgency[1]: got ''; expected a non-empty string
    """
    expected = "a non-empty list of distinct non-empty label strings, most urgent first"
    if type(labels) is not tuple:
        raise ConfigError(field, f"got {shown(labels)} ({type(labels).__name__})", expected)
    if not labels:
        raise ConfigError(field, "no levels", expected)
    seen: dict[str, int] = {}
    for index, label in enumerate(labels):
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"{field}[{index}]", f"got {shown(label)}", "a non-empty string")
        if label in seen:
            raise ConfigError(
                f"{field}[{index}]",
                f"duplicate label {shown(label)} (also {field}[{seen[label]}])",
                "distinct labels",
            )
        seen[label] = index


def require_cells(
    impact_labels: Sequence[str],
    urgency_labels: Sequence[str],
    priority_labels: Sequence[str],
    cells: Any,
    priorities: Container[object],
) -> None:
    """Raise a ConfigError unless *cells* holds one row per impact, one label per urgency.

    Every cell must be one of *priorities*; the error names the first cell that is not.

    >>> require_cells(("A",), ("X", "Y"), ("P",), (("P",),), {"P"})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: cells[0]: has 1 cells; missing cells[0][1] (impact 'A', urgency 'Y'); expected 1 rows (one per impact level: 'A'), each of 2 priority labels (one per urgency level: 'X', 'Y')
    """
    n_i, n_u = len(impact_labels), len(urgency_labels)
    expected = (
        f"{n_i} rows (one per impact level: {quote(impact_labels)}), "
        f"each of {n_u} priority labels (one per urgency level: {quote(urgency_labels)})"
    )
    if type(cells) is not tuple:
        raise ConfigError("cells", f"got {type(cells).__name__}", expected)
    if len(cells) != n_i:
        missing = impact_labels[len(cells) :]
        what = f"; no row for impact {quote(missing)}" if missing else ""
        raise ConfigError("cells", f"has {len(cells)} rows{what}", expected)
    for i, row in enumerate(cells):
        if type(row) is not tuple:
            raise ConfigError(f"cells[{i}]", f"got {shown(row)}", expected)
        if len(row) != n_u:
            missing_cells = ", ".join(
                f"cells[{i}][{u}] (impact {shown(impact_labels[i])}, urgency {shown(urgency_labels[u])})"
                for u in range(len(row), min(n_u, len(row) + _LISTED))
            ) + (f", ... ({n_u - len(row)} in all)" if n_u - len(row) > _LISTED else "")
            problem = f"has {len(row)} cells" + (
                f"; missing {missing_cells}" if missing_cells else ""
            )
            raise ConfigError(f"cells[{i}]", problem, expected)
        for u, label in enumerate(row):
            if not isinstance(label, str) or label not in priorities:
                raise ConfigError(
                    f"cells[{i}][{u}]",
                    f"{shown(label)} (impact {shown(impact_labels[i])}, urgency "
                    f"{shown(urgency_labels[u])}) is not a priority level",
                    f"one of {quote(priority_labels)}",
                )

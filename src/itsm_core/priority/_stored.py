"""Stored numeric matrices → the plain-data form, without building a matrix.

Private: the one conversion behind :func:`itsm_core.priority.convert.from_stored` and the
GLPI and Znuny presets, which are kept in their tools' stored form.  It returns the
plain-data form (``PriorityMatrix.from_dict`` reads it), so this module needs nothing
but the error type and sits below the matrix in the import graph.

>>> to_plain([[1, 1], [1, 2]], rows="urgency", most_urgent="highest",
...          impact_labels=["low", "high"], urgency_labels=["low", "high"],
...          priority_labels=["low", "high"])["cells"]
[['high', 'low'], ['low', 'low']]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from itsm_core.errors import ConfigError, shown

__all__ = ["MostUrgent", "Rows", "flip_scale", "renumber", "check_orientation", "to_plain"]

#: Which axis a stored table's outer index is.
Rows = Literal["impact", "urgency"]
#: Which end of a stored scale is the most urgent.
MostUrgent = Literal["lowest", "highest"]


def flip_scale(value: int, size: int) -> int:
    """Turn a 1-is-urgent number into a 5-is-urgent one on a scale of ``size``, and back.

    >>> flip_scale(5, 5), flip_scale(1, 5), flip_scale(flip_scale(2, 4), 4)
    (1, 5, 2)
    """
    return size + 1 - value


def renumber(value: int, size: int, most_urgent: MostUrgent) -> int:
    """Stored number <-> rank (the same map both ways: flipping is its own inverse).

    >>> renumber(1, 5, "lowest"), renumber(1, 5, "highest")
    (1, 5)
    """
    return value if most_urgent == "lowest" else flip_scale(value, size)


def check_orientation(rows: object, most_urgent: object) -> None:
    """Raise a :class:`ConfigError` unless ``rows`` and ``most_urgent`` are known options.

    >>> check_orientation("impact", "up")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: most_urgent: got 'up'; expected 'lowest' or 'highest'
    """
    if rows not in ("impact", "urgency"):
        raise ConfigError("rows", f"got {shown(rows)}", "'impact' or 'urgency'")
    if most_urgent not in ("lowest", "highest"):
        raise ConfigError("most_urgent", f"got {shown(most_urgent)}", "'lowest' or 'highest'")


def _value(raw: object, size: int, path: str) -> int:
    if isinstance(raw, str) and raw.isdigit():
        raw = int(raw)
    if type(raw) is not int or not 1 <= raw <= size:
        raise ConfigError(path, f"got {shown(raw)}", f"a stored level number 1..{size}")
    return raw


def _entries(stored: object, size: int, path: str) -> dict[int, object]:
    """A stored row or table as ``{value: content}``, keys checked."""
    if isinstance(stored, Mapping):
        out: dict[int, object] = {}
        for key, content in stored.items():
            out[_value(key, size, f"{path}[{shown(key)}]")] = content
        return out
    if isinstance(stored, (list, tuple)):
        if len(stored) > size:
            raise ConfigError(path, f"has {len(stored)} entries", f"at most {size}")
        return dict(enumerate(stored, start=1))
    raise ConfigError(path, f"got {type(stored).__name__}", "a list of rows or a mapping")


def to_plain(
    stored: Sequence[Sequence[Any]] | Mapping[Any, Any],
    *,
    rows: Rows,
    most_urgent: MostUrgent,
    impact_labels: Sequence[str],
    urgency_labels: Sequence[str],
    priority_labels: Sequence[str],
    fill: Callable[[int, int], int] | None = None,
) -> dict[str, Any]:
    """The plain-data form of a stored numeric matrix (arguments as for ``from_stored``).

    Raises:
        ConfigError: a missing cell, a number outside the scale, a bad option, naming
            the stored position.

    >>> to_plain([[1, 2], [2, 2]], rows="impact", most_urgent="lowest",
    ...          impact_labels=["I1", "I2"], urgency_labels=["U1", "U2"],
    ...          priority_labels=["P1", "P2"])["cells"]
    [['P1', 'P2'], ['P2', 'P2']]
    """
    check_orientation(rows, most_urgent)
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
            cells[renumber(impact, n_i, most_urgent) - 1][
                renumber(urgency, n_u, most_urgent) - 1
            ] = label

    def ordered(labels: Sequence[str]) -> list[str]:
        return list(labels) if most_urgent == "lowest" else list(reversed(labels))

    return {
        "impact": ordered(impact_labels),
        "urgency": ordered(urgency_labels),
        "priority": ordered(priority_labels),
        "cells": cells,
    }

"""The impact × urgency → priority matrix: validated once, looked up in a dict.

The plain-data form leaves no doubt about orientation: levels are listed most severe /
most urgent first, and ``cells[i][u]`` is the priority for the ``i``-th impact and the
``u``-th urgency (0-based positions, so ranks ``i + 1`` and ``u + 1``).

>>> m = PriorityMatrix.from_dict({
...     "impact": ["High", "Low"], "urgency": ["High", "Medium", "Low"],
...     "priority": ["P1", "P2", "P3", "P4"],
...     "cells": [["P1", "P2", "P3"], ["P2", "P3", "P4"]]})
>>> m.priority(impact="Low", urgency="High")
Priority(label='P2', rank=2)
>>> m.priority(impact=1, urgency=3).label
'P3'
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from itsm_core._config import check_depth, reject_unknown
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    UnknownNameError,
    shown,
)
from itsm_core.priority._shape import as_tuple, quote, require_cells, require_labels
from itsm_core.priority.levels import Impact, Priority, Urgency
from itsm_core.priority.presets import preset_data

__all__ = ["LevelRef", "PriorityMatrix"]

#: A reference to a level: its label, its 1-based rank, or the level value itself.
LevelRef = str | int | Impact | Urgency | Priority

_L = TypeVar("_L", Impact, Urgency, Priority)
_V = TypeVar("_V")

_KEYS = ("impact", "urgency", "priority", "cells")
_FORM = "a mapping with keys 'impact', 'urgency', 'priority' (lists of labels) and 'cells'"


def _levels(kind: type[_L], labels: tuple[str, ...]) -> tuple[_L, ...]:
    return tuple(kind(label, rank) for rank, label in enumerate(labels, start=1))


def _index(levels: tuple[_L, ...]) -> dict[object, _L]:
    """Every way to name a level: label, rank and the level value itself."""
    by_key: dict[object, _L] = {}
    for level in levels:
        by_key[level.label] = by_key[level.rank] = by_key[level] = level
    return by_key


@attrs.frozen(kw_only=True)
class PriorityMatrix:
    """An ordered impact × urgency → priority matrix, checked at construction.

    Build one with :meth:`from_dict` (plain data) or :meth:`preset`; the constructor
    takes the same content as tuples.  Each axis lists its labels most severe / most
    urgent first; a level's rank is its 1-based position.

    Raises:
        ConfigError: a structural error (a missing or extra cell, a cell outside the
            priority levels, duplicate or empty labels, a ragged table), naming the cell.

    >>> m = PriorityMatrix.preset("servicenow-incident")
    >>> m.priority(impact="1 - High", urgency="2 - Medium")
    Priority(label='2 - High', rank=2)
    >>> m.priority_labels[0], len(m.cells), len(m.cells[0])
    ('1 - Critical', 3, 3)
    """

    impact_labels: tuple[str, ...]
    urgency_labels: tuple[str, ...]
    priority_labels: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    _impacts: dict[object, Impact] = attrs.field(init=False, eq=False, repr=False)
    _urgencies: dict[object, Urgency] = attrs.field(init=False, eq=False, repr=False)
    _priorities: dict[object, Priority] = attrs.field(init=False, eq=False, repr=False)
    _table: dict[tuple[object, type, object, type], Priority] = attrs.field(
        init=False, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        for field in ("impact", "urgency", "priority"):
            require_labels(getattr(self, f"{field}_labels"), field)
        impacts = _levels(Impact, self.impact_labels)
        urgencies = _levels(Urgency, self.urgency_labels)
        priorities = _index(_levels(Priority, self.priority_labels))
        require_cells(
            self.impact_labels, self.urgency_labels, self.priority_labels, self.cells, priorities
        )
        table: dict[tuple[object, type, object, type], Priority] = {}
        for impact, row in zip(impacts, self.cells, strict=True):
            for urgency, label in zip(urgencies, row, strict=True):
                for i_key in (impact.label, impact.rank, impact):
                    for u_key in (urgency.label, urgency.rank, urgency):
                        key = (i_key, i_key.__class__, u_key, u_key.__class__)
                        table[key] = priorities[label]
        object.__setattr__(self, "_impacts", _index(impacts))
        object.__setattr__(self, "_urgencies", _index(urgencies))
        object.__setattr__(self, "_priorities", priorities)
        object.__setattr__(self, "_table", table)

    # -- plain data -------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PriorityMatrix:
        """Build from the plain-data form (``cells[impact][urgency]``, most urgent first).

        Raises:
            ConfigError: unknown or missing keys, or any structural error, naming the field.

        >>> PriorityMatrix.from_dict({"impact": ["A"], "urgency": ["B"], "priority": ["P"],
        ...                           "cells": [["P"]]}).priority(impact=1, urgency=1)
        Priority(label='P', rank=1)
        >>> PriorityMatrix.from_dict({"impact": ["A"], "urgency": ["B"], "priority": ["P"],
        ...                           "cells": [["Q"]]})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: cells[0][0]: 'Q' (impact 'A', urgency 'B') is not a priority level; expected one of 'P'
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("", f"got {type(data).__name__}", _FORM)
        reject_unknown(data, _KEYS, "", _FORM)
        for key in _KEYS:
            if key not in data:
                raise ConfigError(key, "missing", _FORM)
        labels = "a list of labels, most urgent first"
        rows = "a list of rows, each a list of priority labels"
        return cls(
            impact_labels=as_tuple(data["impact"], "impact", labels),
            urgency_labels=as_tuple(data["urgency"], "urgency", labels),
            priority_labels=as_tuple(data["priority"], "priority", labels),
            cells=tuple(
                as_tuple(row, f"cells[{i}]", "a list of priority labels")
                for i, row in enumerate(as_tuple(data["cells"], "cells", rows))
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """The plain-data form :meth:`from_dict` reads (lists, labels only).

        >>> m = PriorityMatrix.preset("itil-v3")
        >>> PriorityMatrix.from_dict(m.to_dict()) == m
        True
        >>> m.to_dict()["cells"][2]
        ['Medium', 'Low', 'Planning']
        """
        return {
            "impact": list(self.impact_labels),
            "urgency": list(self.urgency_labels),
            "priority": list(self.priority_labels),
            "cells": [list(row) for row in self.cells],
        }

    @classmethod
    def preset(cls, name: str) -> PriorityMatrix:
        """A published default matrix: see :data:`itsm_core.priority.presets.PRESET_NAMES`.

        Raises:
            UnknownNameError: an unknown preset name; the message lists the known ones.

        >>> PriorityMatrix.preset("itop").priority(impact="A person", urgency="Critical")
        Priority(label='High', rank=2)
        >>> PriorityMatrix.preset("remedy")
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: preset: unknown name 'remedy'; expected one of 'itil-v3', 'servicenow-incident', 'servicenow-legacy', 'glpi', 'znuny-cip', 'itop'
        """
        return cls.from_dict(preset_data(name))

    # -- levels -----------------------------------------------------------------------------

    @property
    def impact_levels(self) -> tuple[Impact, ...]:
        """The impact levels, most severe first.

        >>> PriorityMatrix.preset("itil-v3").impact_levels[0]
        Impact(label='High', rank=1)
        """
        return _levels(Impact, self.impact_labels)

    @property
    def urgency_levels(self) -> tuple[Urgency, ...]:
        """The urgency levels, most urgent first.

        >>> PriorityMatrix.preset("itil-v3").urgency_levels[-1]
        Urgency(label='Low', rank=3)
        """
        return _levels(Urgency, self.urgency_labels)

    @property
    def priority_levels(self) -> tuple[Priority, ...]:
        """The priority levels, most urgent first.

        >>> [p.label for p in PriorityMatrix.preset("itop").priority_levels]
        ['Critical', 'High', 'Medium', 'Low']
        """
        return _levels(Priority, self.priority_labels)

    def impact_level(self, value: LevelRef, *, field: str = "impact") -> Impact:
        """Resolve a label, rank or :class:`Impact` to this matrix's impact level.

        Raises:
            ArgumentTypeError: ``value`` is not a label, rank or Impact.
            UnknownNameError: no level has that label; the message lists the valid ones.
            InvalidArgumentError: no level has that rank (or is that Impact).

        >>> PriorityMatrix.preset("itil-v3").impact_level(2)
        Impact(label='Medium', rank=2)
        """
        return _resolve(value, self._impacts, self.impact_labels, Impact, field)

    def urgency_level(self, value: LevelRef, *, field: str = "urgency") -> Urgency:
        """Resolve a label, rank or :class:`Urgency` to this matrix's urgency level.

        >>> PriorityMatrix.preset("itil-v3").urgency_level("Low").rank
        3
        """
        return _resolve(value, self._urgencies, self.urgency_labels, Urgency, field)

    def priority_level(self, value: LevelRef, *, field: str = "priority") -> Priority:
        """Resolve a label, rank or :class:`Priority` to this matrix's priority level.

        >>> PriorityMatrix.preset("servicenow-incident").priority_level("5 - Planning")
        Priority(label='5 - Planning', rank=5)
        """
        return _resolve(value, self._priorities, self.priority_labels, Priority, field)

    # -- queries ----------------------------------------------------------------------------

    def priority(self, *, impact: LevelRef, urgency: LevelRef) -> Priority:
        """The matrix priority for an impact and an urgency, each a label, rank or level.

        Raises:
            ArgumentTypeError: a level of the wrong kind (a float, a bool, an Urgency
                given as the impact, ...).
            UnknownNameError: an unknown label (a ``KeyError``).
            InvalidArgumentError: a rank out of range.

        >>> m = PriorityMatrix.preset("servicenow-legacy")
        >>> m.priority(impact="3 - Low", urgency=3)
        Priority(label='5 - Planning', rank=5)
        >>> m.priority(impact="High", urgency=1)
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: impact: unknown name 'High'; expected one of '1 - High', '2 - Medium', '3 - Low'
        >>> m.priority(impact=1, urgency=4)
        Traceback (most recent call last):
        ...
        itsm_core.errors.InvalidArgumentError: urgency: no level of rank 4; expected a label ('1 - High', '2 - Medium', '3 - Low') or a rank 1..3
        """
        try:  # the key carries the classes, so True, 1.0 or 1 as a label never pass as rank 1
            return self._table[impact, impact.__class__, urgency, urgency.__class__]
        except (KeyError, TypeError):
            pass
        return self._checked(impact, urgency, "")

    def priorities(self, pairs: Iterable[tuple[LevelRef, LevelRef]]) -> list[Priority]:
        """Many lookups at once: one :class:`Priority` per ``(impact, urgency)`` pair.

        The same answers as :meth:`priority`, without a method call per pair (for ticket
        exports).  Errors name the pair: ``pairs[3].urgency``.

        >>> m = PriorityMatrix.preset("itil-v3")
        >>> [p.label for p in m.priorities([("High", "High"), (3, "Low"), (2, 1)])]
        ['Critical', 'Planning', 'High']
        >>> m.priorities([("High", "High"), ("High", "Urgent")])
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: pairs[1].urgency: unknown name 'Urgent'; expected one of 'High', 'Medium', 'Low'
        """
        items = pairs if isinstance(pairs, (list, tuple)) else list(pairs)
        table = self._table
        try:
            return [table[i, i.__class__, u, u.__class__] for i, u in items]
        except (KeyError, TypeError, ValueError):
            pass
        out = []
        for k, pair in enumerate(items):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ArgumentTypeError(
                    f"pairs[{k}]: got {shown(pair)}; expected an (impact, urgency) pair"
                )
            out.append(self._checked(pair[0], pair[1], f"pairs[{k}]."))
        return out

    def _checked(self, impact: object, urgency: object, prefix: str) -> Priority:
        """The slow path: resolve each level with full checks and precise errors."""
        i = _resolve(impact, self._impacts, self.impact_labels, Impact, f"{prefix}impact")
        u = _resolve(urgency, self._urgencies, self.urgency_labels, Urgency, f"{prefix}urgency")
        return self._table[i.rank, int, u.rank, int]

    def read_priority_table(
        self, table: Mapping[Any, _V], *, complete: bool = True
    ) -> dict[str, _V]:
        """Read a priority → value table (e.g. SLA targets), keyed by this matrix's levels.

        Keys may be priority labels or :class:`Priority` values of this matrix.  The
        result is keyed by label, in priority order.  Like ``from_dict``, errors name
        the offending key relative to the table; place them under the table's own path
        with :func:`itsm_core._config.read_at`.

        Raises:
            ConfigError: a key that is not a priority level, a level given twice, or
                (with ``complete``) a priority level the table leaves out.

        >>> m = PriorityMatrix.preset("itil-v3")
        >>> t = m.read_priority_table({"Low": "PT48H", "Critical": "PT1H", "High": "PT8H",
        ...                            "Medium": "PT24H", "Planning": None})
        >>> list(t)[:2]
        ['Critical', 'High']
        >>> m.read_priority_table({"Critical": "PT1H", "Urgent": "PT2H"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: ['Urgent']: not a priority level; expected one entry per priority level: 'Critical', 'High', 'Medium', 'Low', 'Planning'
        >>> from itsm_core._config import read_at
        >>> read_at("targets", m.read_priority_table, {"Critical": "PT1H"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: targets: no entry for 'High', 'Medium', 'Low', 'Planning'; expected one entry per priority level: 'Critical', 'High', 'Medium', 'Low', 'Planning'
        """
        expected = f"one entry per priority level: {quote(self.priority_labels)}"
        if not isinstance(table, Mapping):
            raise ConfigError("", f"got {type(table).__name__}", f"a mapping with {expected}")
        by_label: dict[str, _V] = {}
        for key, value in table.items():
            level = self._priorities.get(key) if isinstance(key, (str, Priority)) else None
            if level is None:
                raise ConfigError(f"[{shown(key)}]", "not a priority level", expected)
            if level.label in by_label:
                raise ConfigError(f"[{shown(key)}]", "given twice", expected)
            by_label[level.label] = value
        missing = [label for label in self.priority_labels if label not in by_label]
        if complete and missing:
            raise ConfigError("", f"no entry for {quote(missing)}", expected)
        return {label: by_label[label] for label in self.priority_labels if label in by_label}


def _resolve(
    value: object,
    by_key: Mapping[object, _L],
    labels: Sequence[str],
    kind: type[_L],
    field: str,
) -> _L:
    expected = f"a label ({quote(labels)}) or a rank 1..{len(labels)}"
    cls = value.__class__
    if isinstance(value, str) or cls is kind:  # str subclasses (str enums) compare as str
        found = by_key.get(value)
    elif isinstance(value, numbers.Integral) and cls is not bool:
        found = by_key.get(int(value))
    else:
        raise ArgumentTypeError(
            f"{field}: got {shown(value)} ({cls.__name__}); expected {expected}, or an {kind.__name__}"
        )
    if found is None:
        if isinstance(value, str):
            raise UnknownNameError(field, value, labels)
        what = "no level of rank" if isinstance(value, numbers.Integral) else "unknown level"
        raise InvalidArgumentError(f"{field}: {what} {shown(value)}; expected {expected}")
    return found

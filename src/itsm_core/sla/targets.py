"""SLA targets: business-time durations keyed by priority label (or by another field).

In data, ``"targets"`` maps a label to an ISO 8601 duration (a day is 24 *business*
hours, as in ServiceNow) or a ``timedelta``.  The key ``"*"`` gives a fallback for
labels not listed; a single duration instead of a mapping applies to every ticket.
A definition's ``"targets_by"`` names the event field the labels are read from (default:
the event's ``priority``); it is the table's :attr:`Targets.by`.

>>> t = Targets.from_dict({"1 - Critical": "PT4H", "*": "P5D"})
>>> t.target("1 - Critical"), t.target("9 - Other")
(datetime.timedelta(seconds=14400), datetime.timedelta(days=5))
>>> t.to_dict()
{'1 - Critical': 'PT4H', '*': 'P5D'}
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import attrs

from itsm_core._config import join
from itsm_core._instant import duration_us, format_duration, parse_duration
from itsm_core.errors import ConfigError
from itsm_core.sla.events import TicketEvent

__all__ = ["DEFAULT_KEY", "Targets"]

DEFAULT_KEY = "*"
_FORM = ("a mapping of priority label to duration (ISO 8601 such as 'PT4H' or a timedelta), "
         "optionally with a '*' fallback, or a single duration")
_US = timedelta(microseconds=1)


def _rebuild(table: tuple[tuple[str, timedelta], ...], default: timedelta | None,
             by: str) -> Targets:
    return Targets(table=table, default=default, by=by)


def _positive(raw: object, path: str) -> timedelta:
    duration = parse_duration(raw, path)
    if duration_us(duration, path) <= 0:
        raise ConfigError(path, f"target {raw!r} is not positive", "a duration > 0")
    return duration


@attrs.frozen(kw_only=True)
class Targets:
    """The target table of one SLA definition.

    Attributes:
        table: ``(label, target)`` pairs in configuration order.
        default: the fallback target (``"*"``), or ``None``.
        by: ``"priority"`` or the name of the event field holding the label.

    >>> Targets.from_dict("PT8H").target(None)
    datetime.timedelta(seconds=28800)
    """

    table: tuple[tuple[str, timedelta], ...]
    default: timedelta | None = None
    by: str = "priority"
    # microseconds per label, built once (read-only): replay looks targets up here
    _lookup: Mapping[str, int] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _default_us: int | None = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        # ship the table, not the read-only lookup built from it
        return (_rebuild, (self.table, self.default, self.by))

    @_lookup.default
    def _build_lookup(self) -> Mapping[str, int]:
        return MappingProxyType({label: target // _US for label, target in self.table})

    @_default_us.default
    def _build_default(self) -> int | None:
        return None if self.default is None else self.default // _US

    @classmethod
    def from_dict(cls, data: object) -> Targets:
        """Read a ``targets`` value (labels are priority labels; see :attr:`by`).

        Raises:
            ConfigError: a label is not a string, a duration is unreadable or not positive.

        >>> Targets.from_dict({"P1": "PT0S"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: P1: target 'PT0S' is not positive; expected a duration > 0
        """
        if isinstance(data, (str, timedelta)):
            return cls(table=(), default=_positive(data, ""))
        if not isinstance(data, Mapping) or not data:
            raise ConfigError("", f"expected targets, got {data!r}", _FORM)
        table: list[tuple[str, timedelta]] = []
        default: timedelta | None = None
        for label, value in data.items():
            if not isinstance(label, str):
                raise ConfigError("", f"label {label!r} is not a string", _FORM)
            target = _positive(value, join("", label))
            if label == DEFAULT_KEY:
                default = target
            else:
                table.append((label, target))
        return cls(table=tuple(table), default=default)

    def to_dict(self) -> object:
        """The ``targets`` value as plain data: a mapping of ISO 8601 durations, or the one
        duration when there is only a fallback.

        >>> Targets.from_dict({"P1": "PT4H"}).to_dict(), Targets.from_dict("P1D").to_dict()
        ({'P1': 'PT4H'}, 'P1D')
        """
        if not self.table and self.default is not None:
            return format_duration(self.default)
        out: dict[str, Any] = {k: format_duration(v) for k, v in self.table}
        if self.default is not None:
            out[DEFAULT_KEY] = format_duration(self.default)
        return out

    def key_of(self, event: TicketEvent) -> Any:
        """The label *event* carries for this table (its priority, or field ``by``).

        >>> import attrs
        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New", "P1", {"tier": "gold"})
        >>> attrs.evolve(Targets.from_dict("PT1H"), by="tier").key_of(e)
        'gold'
        """
        if self.by == "priority":
            return event.priority
        return event.fields.get(self.by)

    def target(self, key: Any) -> timedelta | None:
        """The business-time target for label *key*, or ``None`` if none applies.

        >>> Targets.from_dict({"P1": "PT1H"}).target("P2") is None
        True
        """
        us = self._target_us(key)
        return None if us is None else timedelta(microseconds=us)

    def _target_us(self, key: Any) -> int | None:
        found = self._lookup.get(key) if isinstance(key, str) else None
        return self._default_us if found is None else found

    def labels(self) -> tuple[str, ...]:
        """The labels listed, in configuration order (without ``"*"``).

        >>> Targets.from_dict({"P1": "PT1H", "P2": "PT2H"}).labels()
        ('P1', 'P2')
        """
        return tuple(k for k, _ in self.table)

"""SLA targets: business-time durations keyed by priority label (or by another field).

In data, ``"targets"`` maps a label to an ISO 8601 duration (a day is 24 *business*
hours, as in ServiceNow) or a ``timedelta``.  The key ``"*"`` gives a fallback for
labels not listed; a single duration instead of a mapping applies to every ticket.
``"targets_by"`` names the event field the labels are read from (default: the event's
``priority``).

>>> t = Targets.from_data({"1 - Critical": "PT4H", "*": "P5D"}, "priority", "targets")
>>> t.target_us("1 - Critical") // 3_600_000_000, t.target_us("9 - Other") // 3_600_000_000
(4, 120)
>>> t.to_data()
{'1 - Critical': 'PT4H', '*': 'P5D'}
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs

from itsm_core._instant import duration_us, format_duration, parse_duration
from itsm_core.errors import ConfigError
from itsm_core.sla.events import TicketEvent

__all__ = ["DEFAULT_KEY", "Targets"]

DEFAULT_KEY = "*"
_FORM = ("a mapping of priority label to duration (ISO 8601 such as 'PT4H' or a timedelta), "
         "optionally with a '*' fallback, or a single duration")


def _positive_us(raw: object, path: str) -> int:
    us = duration_us(parse_duration(raw, path), path)
    if us <= 0:
        raise ConfigError(path, f"target {raw!r} is not positive", "a duration > 0")
    return us


@attrs.frozen(kw_only=True)
class Targets:
    """The target table of one SLA definition.

    Attributes:
        table: ``(label, microseconds)`` pairs in configuration order.
        default_us: the fallback target (``"*"``), or ``None``.
        by: ``"priority"`` or the name of the event field holding the key.

    >>> Targets.from_data("PT8H", "priority", "targets").target_us(None) // 3_600_000_000
    8
    """

    table: tuple[tuple[str, int], ...]
    default_us: int | None = None
    by: str = "priority"
    _lookup: dict[str, int] = attrs.field(init=False, eq=False, hash=False, repr=False)

    @_lookup.default
    def _build_lookup(self) -> dict[str, int]:
        return dict(self.table)

    @classmethod
    def from_data(cls, raw: object, by: object, path: str) -> Targets:
        """Read the ``targets`` value (and ``targets_by``); errors name *path*.

        Raises:
            ConfigError: a label is not a string, a duration is unreadable or not positive.

        >>> Targets.from_data({"P1": "PT0S"}, "priority", "targets")
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: targets.P1: target 'PT0S' is not positive; expected a duration > 0
        """
        if not isinstance(by, str) or not by:
            raise ConfigError("targets_by", f"expected a field name, got {by!r}",
                              "'priority' or the name of a ticket field")
        if isinstance(raw, (str, timedelta)):
            return cls(table=(), default_us=_positive_us(raw, path), by=by)
        if not isinstance(raw, Mapping) or not raw:
            raise ConfigError(path, f"expected targets, got {raw!r}", _FORM)
        table: list[tuple[str, int]] = []
        default: int | None = None
        for label, value in raw.items():
            if not isinstance(label, str):
                raise ConfigError(path, f"label {label!r} is not a string", _FORM)
            us = _positive_us(value, f"{path}.{label}")
            if label == DEFAULT_KEY:
                default = us
            else:
                table.append((label, us))
        return cls(table=tuple(table), default_us=default, by=by)

    def to_data(self) -> object:
        """The ``targets`` value as plain data (ISO 8601 strings).

        >>> Targets.from_data({"P1": "PT4H"}, "priority", "t").to_data()
        {'P1': 'PT4H'}
        """
        if not self.table and self.default_us is not None:
            return format_duration(timedelta(microseconds=self.default_us))
        out: dict[str, Any] = {k: format_duration(timedelta(microseconds=v))
                               for k, v in self.table}
        if self.default_us is not None:
            out[DEFAULT_KEY] = format_duration(timedelta(microseconds=self.default_us))
        return out

    def key_of(self, event: TicketEvent) -> Any:
        """The label *event* carries for this table (its priority, or field ``by``).

        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New", "P1", {"tier": "gold"})
        >>> Targets.from_data("PT1H", "tier", "t").key_of(e)
        'gold'
        """
        if self.by == "priority":
            return event.priority
        return event.fields.get(self.by)

    def target_us(self, key: Any) -> int | None:
        """The target for *key* in microseconds of business time, or ``None`` if none applies.

        >>> Targets.from_data({"P1": "PT1H"}, "priority", "t").target_us("P2") is None
        True
        """
        found = self._lookup.get(key) if isinstance(key, str) else None
        return self.default_us if found is None else found

    def labels(self) -> tuple[str, ...]:
        """The labels listed, in configuration order (without ``"*"``).

        >>> Targets.from_data({"P1": "PT1H", "P2": "PT2H"}, "priority", "t").labels()
        ('P1', 'P2')
        """
        return tuple(k for k, _ in self.table)

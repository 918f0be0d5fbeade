"""The engine's public datetime API seen in integer microseconds, like the oracle's.

:class:`EngineView` feeds aware datetimes (in a chosen input zone, UTC by default) to a
``BusinessCalendar`` and turns its answers back into integers, checking on the way that every
returned datetime is aware and in the calendar's own zone (``docs/design.md``, "Time").
Results are compared as instants, never as aware datetimes across zones (the PEP 495 overlap trap).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from oracle_calendar import OracleCalendar, from_us, to_us

from itsm_core import BusinessCalendar


def zone_key(zone: Any) -> str:
    """The IANA key of a zone (``ZoneInfo.key``), for comparing zones by name."""
    return str(getattr(zone, "key", zone))


class EngineView:
    """Integer-microsecond view of a ``BusinessCalendar``'s datetime API."""

    def __init__(self, calendar: BusinessCalendar, input_zone: tzinfo = timezone.utc):
        self.calendar = calendar
        self.input_zone = input_zone

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> EngineView:
        return cls(BusinessCalendar.from_dict(config))

    def _in(self, us: int) -> datetime:
        return from_us(us, self.input_zone)

    def _out(self, value: object) -> int:
        assert isinstance(value, datetime), value
        assert value.tzinfo is not None, value
        assert zone_key(value.tzinfo) == zone_key(self.calendar.timezone), (
            value, self.calendar.timezone)
        return to_us(value)

    def is_open(self, t: int) -> bool:
        return bool(self.calendar.is_open(self._in(t)))

    def elapsed(self, a: int, b: int) -> int:
        result = self.calendar.elapsed(self._in(a), self._in(b))
        assert isinstance(result, timedelta), result
        return result // timedelta(microseconds=1)

    def add(self, t: int, d: int) -> int:
        return self._out(self.calendar.add(self._in(t), timedelta(microseconds=d)))

    def subtract(self, t: int, d: int) -> int:
        return self._out(self.calendar.subtract(self._in(t), timedelta(microseconds=d)))

    def next_open(self, t: int) -> int:
        return self._out(self.calendar.next_open(self._in(t)))

    def next_close(self, t: int) -> int:
        return self._out(self.calendar.next_close(self._in(t)))

    def previous_close(self, t: int) -> int:
        return self._out(self.calendar.previous_close(self._in(t)))

    def open_intervals(self, a: int, b: int) -> list[tuple[int, int]]:
        return [(self._out(s), self._out(e))
                for s, e in self.calendar.open_intervals(self._in(a), self._in(b))]


def implementations(config: dict[str, Any]) -> dict[str, Any]:
    """The oracle and the engine (datetime API), built from the same config."""
    return {"oracle": OracleCalendar(config), "engine": EngineView.from_config(config)}

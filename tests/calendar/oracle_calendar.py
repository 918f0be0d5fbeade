"""A slow, obviously-correct business calendar: the oracle the fast engine must agree with.

It reads the same configuration dict as ``BusinessCalendar.from_dict`` (``docs/design.md``, "Business calendars")
and answers every query by stepping over UTC minutes.  Nothing here is clever:

* a shift ``[start, end)`` belongs to the local date it starts on; ``end < start`` runs
  overnight into the next date; ``"24:00"`` is midnight at the start of the next date;
* the shifts of a date are its ``special_hours`` entry if there is one (explicit beats
  generic, so it wins over a holiday), else nothing on a closed date or a holiday, else the
  weekly hours of its weekday;
* a wall time becomes an instant exactly as ``datetime(..., tzinfo=zone)`` with ``fold=0``
  does: a wall time in a DST gap moves forward by the gap, an ambiguous one is its first
  occurrence.  A shift whose end instant is not after its start instant is empty;
* the open set is the union of ``[start_instant, end_instant)`` over all shifts.

Configurations fed to the oracle are minute-aligned and every zone used has whole-minute
offsets, so openness is constant on each UTC minute ``[m, m + 1 min)``; the queries step minute
by minute and handle a partial first/last minute exactly, in integer microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_pkg

US_PER_MINUTE = 60_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
ONE_US = timedelta(microseconds=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HORIZON_DAYS = 60


class OracleHorizonError(Exception):
    """The oracle found no answer within its (short) search horizon."""


def to_us(value: datetime) -> int:
    """Aware datetime -> integer microseconds since the epoch."""
    return (value - EPOCH) // ONE_US


def from_us(us: int, zone: Any = timezone.utc) -> datetime:
    """Integer microseconds -> aware datetime in *zone*."""
    return (EPOCH + timedelta(microseconds=us)).astimezone(zone)


def _floor_minute(us: int) -> int:
    return us - us % US_PER_MINUTE


def _wall(text: str) -> tuple[int, int]:
    parts = [int(p) for p in text.split(":")]
    assert len(parts) in (2, 3) and (len(parts) == 2 or parts[2] == 0), text
    return parts[0], parts[1]


class OracleCalendar:
    """Answers the calendar queries by minute stepping; integer microseconds in and out."""

    def __init__(self, config: Mapping[str, Any], horizon_days: int = DEFAULT_HORIZON_DAYS):
        self.zone = ZoneInfo(config["timezone"])
        self.hours: Mapping[str, Sequence[Sequence[str]]] = config.get("hours", {})
        self.closed = {date.fromisoformat(d) for d in config.get("closed_dates", [])}
        self.special = {date.fromisoformat(k): v
                        for k, v in config.get("special_hours", {}).items()}
        self.holiday_sets = [
            holidays_pkg.country_holidays(
                spec["country"], subdiv=spec.get("subdivision"),
                categories=tuple(spec["categories"]) if "categories" in spec else None)
            for spec in config.get("holidays", [])
        ]
        self.horizon = horizon_days * 1440 * US_PER_MINUTE
        self._shift_cache: dict[date, list[tuple[int, int]]] = {}
        self._near_cache: dict[date, list[tuple[int, int]]] = {}
        self._minute_cache: dict[int, bool] = {}

    # -- the calendar rules, one date at a time ---------------------------------------------

    def wall_to_us(self, day: date, text: str) -> int:
        """The instant of wall time *text* on *day*, with fold=0 (gap: forward; overlap: first)."""
        hour, minute = _wall(text)
        if (hour, minute) == (24, 0):
            day, hour = day + timedelta(days=1), 0
        return to_us(datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone))

    def raw_shifts(self, day: date) -> Sequence[Sequence[str]]:
        """The wall-clock shifts that start on *day*."""
        if day in self.special:
            return self.special[day]
        if day in self.closed or any(day in h for h in self.holiday_sets):
            return []
        return self.hours.get(WEEKDAYS[day.weekday()], [])

    def shifts(self, day: date) -> list[tuple[int, int]]:
        """The shifts that start on *day* as ``[start_us, end_us)`` instants."""
        if day not in self._shift_cache:
            out = []
            for start, end in self.raw_shifts(day):
                end_day = day + timedelta(days=1) if _wall(end) < _wall(start) else day
                out.append((self.wall_to_us(day, start), self.wall_to_us(end_day, end)))
            self._shift_cache[day] = out
        return self._shift_cache[day]

    def shifts_near(self, day: date) -> list[tuple[int, int]]:
        """Every shift that can hold an instant of local date *day*: those starting on it or on
        either of the two dates before (an overnight shift ends the next day, a gap may push
        its end later still)."""
        if day not in self._near_cache:
            self._near_cache[day] = [
                pair for back in (0, 1, 2) for pair in self.shifts(day - timedelta(days=back))]
        return self._near_cache[day]

    def _open_minute(self, minute: int) -> bool:
        if minute not in self._minute_cache:
            local_day = from_us(minute, self.zone).date()
            self._minute_cache[minute] = any(
                start <= minute < end for start, end in self.shifts_near(local_day))
        return self._minute_cache[minute]

    # -- queries -------------------------------------------------------------------------------

    def is_open(self, t: int) -> bool:
        """Whether instant *t* lies in an open interval."""
        return self._open_minute(_floor_minute(t))

    def elapsed(self, a: int, b: int) -> int:
        """Signed business time in ``[a, b)``."""
        if a > b:
            return -self.elapsed(b, a)
        total, p = 0, a
        while p < b:
            nxt = min(b, _floor_minute(p) + US_PER_MINUTE)
            if self.is_open(p):
                total += nxt - p
            p = nxt
        return total

    def add(self, t: int, d: int) -> int:
        """Earliest ``u >= t`` with ``elapsed(t, u) == d``."""
        assert d >= 0
        p, remaining = t, d
        while remaining:
            if p - t > self.horizon:
                raise OracleHorizonError(f"add({t}, {d})")
            nxt = _floor_minute(p) + US_PER_MINUTE
            if self.is_open(p):
                if nxt - p >= remaining:
                    return p + remaining
                remaining -= nxt - p
            p = nxt
        return p

    def subtract(self, t: int, d: int) -> int:
        """Latest ``u <= t`` with ``elapsed(u, t) == d``."""
        assert d >= 0
        p, remaining = t, d
        while remaining:
            if t - p > self.horizon:
                raise OracleHorizonError(f"subtract({t}, {d})")
            prev = _floor_minute(p - 1)  # the minute holding the instant just before p
            if self.is_open(prev):
                if p - prev >= remaining:
                    return p - remaining
                remaining -= p - prev
            p = prev
        return p

    def next_open(self, t: int) -> int:
        """*t* if open, else the start of the next open interval."""
        if self.is_open(t):
            return t
        p = _floor_minute(t) + US_PER_MINUTE
        while not self.is_open(p):
            if p - t > self.horizon:
                raise OracleHorizonError(f"next_open({t})")
            p += US_PER_MINUTE
        return p

    def next_close(self, t: int) -> int:
        """The end of the open interval containing *t*, else of the next one."""
        p = _floor_minute(self.next_open(t)) + US_PER_MINUTE
        while self.is_open(p):
            if p - t > self.horizon:
                raise OracleHorizonError(f"next_close({t})")
            p += US_PER_MINUTE
        return p

    def previous_close(self, t: int) -> int:
        """*t* if it lies in ``(start, end]`` of an open interval, else the last end before it."""
        if self.is_open(t - 1):
            return t
        p = _floor_minute(t - 1)
        while not self.is_open(p - 1):
            if t - p > self.horizon:
                raise OracleHorizonError(f"previous_close({t})")
            p -= US_PER_MINUTE
        return p

    def open_intervals(self, a: int, b: int) -> list[tuple[int, int]]:
        """The open intervals clipped to ``[a, b)``, merged, in order."""
        out: list[tuple[int, int]] = []
        p = a
        while p < b:
            nxt = min(b, _floor_minute(p) + US_PER_MINUTE)
            if self.is_open(p):
                if out and out[-1][1] == p:
                    out[-1] = (out[-1][0], nxt)
                else:
                    out.append((p, nxt))
            p = nxt
        return out

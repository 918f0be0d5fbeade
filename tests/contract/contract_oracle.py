"""A slow, obviously-correct reading of the calendar rules for the contract tests.

The rules are those of ``docs/design.md`` ("Business calendars") and ``docs/calendar.md``
("The rules": shifts, ownership, exceptions by date, DST).

For each local date it takes that date's shifts (special hours, else nothing on a closed date,
else the weekday's shifts), maps each wall-clock bound to an instant exactly as Python's
``fold=0`` does, and merges the resulting UTC intervals.  Queries then walk the intervals one
by one.  It shares no code with ``itsm_core``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Pair = tuple[int, int]


def us(t: datetime) -> int:
    """An aware datetime as integer microseconds since the Unix epoch."""
    return (t - EPOCH) // timedelta(microseconds=1)


def _clock(text: str) -> tuple[int, int]:
    hours, minutes = text.split(":")
    return int(hours), int(minutes)


def _wall(day: date, text: str, zone: ZoneInfo) -> int:
    hours, minutes = _clock(text)
    if hours == 24:
        day, hours = day + timedelta(days=1), 0
    return us(datetime.combine(day, time(hours, minutes), tzinfo=zone))  # fold=0


def open_pairs(config: Mapping[str, object], first: date, last: date) -> list[Pair]:
    """The merged open intervals (µs) of shifts starting on local dates first..last."""
    zone = ZoneInfo(str(config["timezone"]))
    hours = config.get("hours", {})
    closed = {date.fromisoformat(d) for d in config.get("closed_dates", [])}  # type: ignore[attr-defined]
    special = {date.fromisoformat(k): v for k, v in config.get("special_hours", {}).items()}  # type: ignore[attr-defined]
    raw: list[Pair] = []
    day = first
    while day <= last:
        if day in special:
            shifts: Sequence[Sequence[str]] = special[day]
        elif day in closed:
            shifts = []
        else:
            shifts = hours.get(WEEKDAYS[day.weekday()], [])  # type: ignore[attr-defined]
        for start, end in shifts:
            overnight = end != "24:00" and _clock(end) < _clock(start)
            s = _wall(day, start, zone)
            e = _wall(day + timedelta(days=1) if overnight else day, end, zone)
            if e > s:
                raw.append((s, e))
        day += timedelta(days=1)
    raw.sort()
    merged: list[list[int]] = []
    for s, e in raw:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def elapsed(pairs: Iterable[Pair], a: int, b: int) -> int:
    """Signed open time in [a, b)."""
    lo, hi = min(a, b), max(a, b)
    total = sum(max(0, min(e, hi) - max(s, lo)) for s, e in pairs)
    return total if a <= b else -total


def add(pairs: Iterable[Pair], t: int, d: int) -> int:
    """The earliest u >= t with d of open time in [t, u)."""
    if d == 0:
        return t
    for start, e in pairs:
        s = max(start, t)
        if e <= s:
            continue
        if e - s >= d:
            return s + d
        d -= e - s
    raise AssertionError("oracle range too short")


def subtract(pairs: Sequence[Pair], t: int, d: int) -> int:
    """The latest u <= t with d of open time in [u, t)."""
    if d == 0:
        return t
    for s, end in reversed(pairs):
        e = min(end, t)
        if e <= s:
            continue
        if e - s >= d:
            return e - d
        d -= e - s
    raise AssertionError("oracle range too short")

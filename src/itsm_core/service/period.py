"""Reporting periods of service level management: a period key (``"2025-03"``) for an
instant in a time zone, its bounds, and its neighbours.

A period is a local calendar period in the agreement's time zone: a customer's March is
March on its own wall clock.  Keys of one kind sort in time order as plain strings.

>>> from datetime import datetime, timezone
>>> from zoneinfo import ZoneInfo
>>> sydney = ZoneInfo("Australia/Sydney")
>>> period_of(datetime(2025, 3, 31, 14, tzinfo=timezone.utc), "month", sydney)
'2025-04'
>>> [d.isoformat() for d in period_bounds("2025-Q1", sydney)]
['2025-01-01T00:00:00+11:00', '2025-04-01T00:00:00+11:00']
>>> shift("2025-01", -2), shift("2024-W52", 1)
('2024-11', '2025-W01')
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo

from itsm_core._instant import to_us
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, shown

__all__ = ["PERIODS", "check_period", "period_bounds", "period_of", "shift"]

PERIODS = ("week", "month", "quarter", "year")
_KEY = re.compile(r"(\d{4})(?:-W(\d{2})|-Q([1-4])|-(\d{2}))?")


def check_period(period: object, path: str = "period") -> str:
    """*period* if it is one of :data:`PERIODS`, else a ``ConfigError`` at *path*.

    >>> check_period("fortnight")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: period: unknown period 'fortnight'; expected one of week, month, quarter, year
    """
    if period.__class__ is not str or period not in PERIODS:
        raise ConfigError(path, f"unknown period {shown(period)}",
                          f"one of {', '.join(PERIODS)}")
    return str(period)


def period_of(instant: datetime, period: str, zone: tzinfo) -> str:
    """The key of the *period* (one of :data:`PERIODS`) holding *instant* in *zone*.

    Raises:
        ConfigError: *period* is not one of :data:`PERIODS`.
        ArgumentTypeError: *instant* is not an aware datetime, or *zone* not a tzinfo.
        InvalidArgumentError: *instant* in *zone* falls outside years 1-9999.

    >>> from datetime import timezone
    >>> period_of(datetime(2025, 1, 1, tzinfo=timezone.utc), "week", timezone.utc)
    '2025-W01'
    """
    check_period(period)
    if instant.__class__ is not datetime or instant.tzinfo is None:
        to_us(instant, "instant")  # anything but an aware datetime raises, naming it
    _check_zone(zone)
    try:
        local = instant.astimezone(zone)
    except (OverflowError, ValueError):
        raise InvalidArgumentError(f"instant: {shown(instant)} in zone {shown(zone)} is "
                                   "outside years 1-9999") from None
    return _key(local.date(), period)


def _check_zone(zone: object) -> None:
    if not isinstance(zone, tzinfo):
        raise ArgumentTypeError(f"zone: expected a tzinfo, got {type(zone).__name__} "
                                f"{shown(zone)}")


def _key(day: date, period: str) -> str:
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def _first_day(key: str) -> tuple[date, str]:
    """The first local date of the period *key* and the period's kind."""
    match = _KEY.fullmatch(key) if key.__class__ is str else None
    if match is None:
        raise InvalidArgumentError(f"period key: expected '2025', '2025-Q1', '2025-03' or "
                                   f"'2025-W09', got {shown(key)}")
    year, week, quarter, month = match.groups()
    try:
        if week is not None:
            return date.fromisocalendar(int(year), int(week), 1), "week"
        if quarter is not None:
            return date(int(year), 3 * int(quarter) - 2, 1), "quarter"
        if month is not None:
            return date(int(year), int(month), 1), "month"
        return date(int(year), 1, 1), "year"
    except ValueError as exc:
        raise InvalidArgumentError(f"period key {shown(key)}: {exc}") from None


def _after(first: date, kind: str) -> date:
    if kind == "week":
        return first + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_bounds(key: str, zone: tzinfo) -> tuple[datetime, datetime]:
    """The period *key* as ``[start, end)``: local midnights in *zone* (``fold=0``, as the
    calendars map wall times).

    >>> from datetime import timezone
    >>> [d.isoformat() for d in period_bounds("2025-W01", timezone.utc)]
    ['2024-12-30T00:00:00+00:00', '2025-01-06T00:00:00+00:00']
    >>> period_bounds("9999-Q4", timezone.utc)
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: period key '9999-Q4': ends after year 9999
    """
    first, kind = _first_day(key)
    _check_zone(zone)
    try:
        end = _after(first, kind)
    except (OverflowError, ValueError):
        raise InvalidArgumentError(f"period key {shown(key)}: ends after year 9999") from None
    return (datetime(first.year, first.month, first.day, tzinfo=zone),
            datetime(end.year, end.month, end.day, tzinfo=zone))


def shift(key: str, n: int) -> str:
    """The period *n* periods after *key* (before it when *n* is negative), of the same kind.

    >>> shift("2025-Q4", 1), shift("2025", -1)
    ('2026-Q1', '2024')
    >>> shift("9999-W52", 1)
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: period '9999-W52' shifted by 1: outside years 1-9999
    """
    first, kind = _first_day(key)
    if isinstance(n, bool) or not isinstance(n, int):
        raise ArgumentTypeError(f"n: expected an int, got {type(n).__name__} {shown(n)}")
    if kind == "week":
        try:
            return _key(first + timedelta(days=7 * n), kind)
        except OverflowError:
            raise InvalidArgumentError(f"period {shown(key)} shifted by {shown(n)}: outside "
                                       "years 1-9999") from None
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    index = first.year * 12 + first.month - 1 + months * n
    if not 12 <= index < 12 * 10000:
        raise InvalidArgumentError(f"period {shown(key)} shifted by {shown(n)}: outside years "
                                   "1-9999")
    return _key(date(index // 12, index % 12 + 1, 1), kind)

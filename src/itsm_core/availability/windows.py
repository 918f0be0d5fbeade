"""SLO windows: rolling (the last *length*) and calendar-aligned (this day, week, month...).

A *rolling* window is the last ``length`` before ``as_of``; a *calendar* window is the
current day, week, month, quarter or year in an IANA time zone, starting at local
midnight (a month in ``Europe/London`` starts at 00:00 local time, which is 23:00 UTC the
day before in summer).

>>> from datetime import datetime, timezone
>>> w = window_from_dict({"calendar": "month", "timezone": "Europe/London"})
>>> w.bounds(datetime(2025, 7, 15, tzinfo=timezone.utc))[0].isoformat()
'2025-07-01T00:00:00+01:00'
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Literal

import attrs

from itsm_core._instant import duration_us, format_duration, load_zone, parse_duration, to_us
from itsm_core.errors import ConfigError, shown

__all__ = ["CalendarWindow", "RollingWindow", "window_from_dict"]

CalendarUnit = Literal["day", "week", "month", "quarter", "year"]
_UNITS = ("day", "week", "month", "quarter", "year")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@attrs.frozen
class RollingWindow:
    """The last *length* before ``as_of``: ``[as_of - length, as_of)``.

    >>> from datetime import timezone
    >>> w = RollingWindow(timedelta(days=30))
    >>> [d.isoformat() for d in w.bounds(datetime(2025, 3, 31, tzinfo=timezone.utc))]
    ['2025-03-01T00:00:00+00:00', '2025-03-31T00:00:00+00:00']
    """

    length: timedelta = attrs.field()

    @length.validator
    def _check(self, _: object, value: object) -> None:
        if duration_us(value, "window.rolling") <= 0:
            raise ConfigError("window.rolling", f"length {value} is not positive",
                              "a positive duration such as 'P30D'")

    def bounds(self, as_of: datetime) -> tuple[datetime, datetime]:
        """The window ending at *as_of*.

        >>> from datetime import timezone
        >>> RollingWindow(timedelta(hours=1)).bounds(datetime(2025, 1, 1, tzinfo=timezone.utc))[0].hour
        23
        """
        to_us(as_of, "as_of")
        return as_of - self.length, as_of

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> RollingWindow(timedelta(days=28)).to_dict()
        {'rolling': 'P28D'}
        """
        return {"rolling": format_duration(self.length)}


@attrs.frozen(kw_only=True)
class CalendarWindow:
    """The current calendar *unit* in a time zone, from local midnight to local midnight.

    Weeks start on *week_start* (``"mon"`` by default, ISO 8601); quarters in January,
    April, July and October.  Local midnight follows the zone's rules with ``fold=0``: in
    a gap it moves forward, as everywhere in itsm_core.

    >>> from datetime import timezone
    >>> w = CalendarWindow(unit="month", timezone="Europe/London")
    >>> [d.isoformat() for d in w.bounds(datetime(2025, 7, 15, tzinfo=timezone.utc))]
    ['2025-07-01T00:00:00+01:00', '2025-08-01T00:00:00+01:00']
    """

    unit: CalendarUnit = attrs.field()
    timezone: str = attrs.field()
    week_start: str = attrs.field(default="mon")

    @unit.validator
    def _check_unit(self, _: object, value: object) -> None:
        if value not in _UNITS:
            raise ConfigError("window.calendar", f"unknown unit {shown(value)}",
                              f"one of {list(_UNITS)}")

    @timezone.validator
    def _check_zone(self, _: object, value: object) -> None:
        load_zone(value, "window.timezone")

    @week_start.validator
    def _check_week_start(self, _: object, value: object) -> None:
        if value not in _WEEKDAYS:
            raise ConfigError("window.week_start", f"unknown weekday {shown(value)}",
                              f"one of {list(_WEEKDAYS)}")

    def _start_date(self, day: date) -> date:
        if self.unit == "day":
            return day
        if self.unit == "week":
            back = (day.weekday() - _WEEKDAYS.index(self.week_start)) % 7
            return day - timedelta(days=back)
        if self.unit == "month":
            return day.replace(day=1)
        if self.unit == "quarter":
            return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return date(day.year, 1, 1)

    def _next_date(self, start: date) -> date:
        if self.unit == "day":
            return start + timedelta(days=1)
        if self.unit == "week":
            return start + timedelta(days=7)
        months = {"month": 1, "quarter": 3, "year": 12}[self.unit]
        index = start.year * 12 + start.month - 1 + months
        return date(index // 12, index % 12 + 1, 1)

    def bounds(self, as_of: datetime) -> tuple[datetime, datetime]:
        """The calendar unit containing *as_of*, as aware datetimes in the window's zone.

        >>> from datetime import timezone
        >>> w = CalendarWindow(unit="week", timezone="UTC")
        >>> [d.date().isoformat() for d in w.bounds(datetime(2025, 1, 1, tzinfo=timezone.utc))]
        ['2024-12-30', '2025-01-06']
        """
        to_us(as_of, "as_of")
        zone = load_zone(self.timezone, "window.timezone")
        start = self._start_date(as_of.astimezone(zone).date())
        end = self._next_date(start)
        return (datetime(start.year, start.month, start.day, tzinfo=zone),
                datetime(end.year, end.month, end.day, tzinfo=zone))

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> CalendarWindow(unit="month", timezone="UTC").to_dict()
        {'calendar': 'month', 'timezone': 'UTC', 'week_start': 'mon'}
        """
        return {"calendar": self.unit, "timezone": self.timezone, "week_start": self.week_start}


def window_from_dict(data: object) -> RollingWindow | CalendarWindow:
    """Read ``{"rolling": "P30D"}`` or ``{"calendar": "month", "timezone": ...}``.

    Errors name the path under ``window``.

    >>> window_from_dict({"calendar": "quarter", "timezone": "Asia/Tokyo"}).unit
    'quarter'
    >>> window_from_dict({"rolling": "P1M"})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: window.rolling: cannot read 'P1M' as a duration; expected an ISO 8601 duration such as 'PT4H', 'P3D' or 'P1DT2H30M' (weeks, days, hours, minutes, seconds; a day is 24 hours; no months or years) or a timedelta
    """
    return _read_window(data, "window")


def _read_window(data: object, path: str) -> RollingWindow | CalendarWindow:
    form = ("{'rolling': 'P30D'} or {'calendar': 'month', 'timezone': 'Europe/London'} "
            "(optional 'week_start')")
    if not isinstance(data, Mapping):
        raise ConfigError(path, f"expected a mapping, got {shown(data)}", form)
    if "rolling" in data and set(data) == {"rolling"}:
        return RollingWindow(parse_duration(data["rolling"], f"{path}.rolling"))
    if "calendar" in data and set(data) <= {"calendar", "timezone", "week_start"}:
        if "timezone" not in data:
            raise ConfigError(f"{path}.timezone", "missing", "an IANA name such as 'Europe/London'")
        return CalendarWindow(unit=data["calendar"], timezone=data["timezone"],
                              week_start=data.get("week_start", "mon"))
    raise ConfigError(path, f"cannot read {shown(dict(data))} as a window", form)

"""Business days: the local dates that hold open time, counted, stepped and bounded.

:class:`BusinessDays` is the base of :class:`~itsm_core.calendar.business.BusinessCalendar`
that answers questions about dates rather than instants (docs/calendar.md, "Business days");
the work is done by :mod:`itsm_core.calendar.days` on the calendar's compiled timeline.

>>> from itsm_core.calendar import BusinessCalendar
>>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"fri": [["09:00", "17:00"]]}})
>>> cal.add_business_days(date(2025, 1, 3), 1)
datetime.date(2025, 1, 10)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import overload
from zoneinfo import ZoneInfo

from itsm_core.calendar.days import add_to, as_day, count_between, day_bound
from itsm_core.calendar.days import is_business_day as holds_open_time
from itsm_core.calendar.timeline import Timeline

__all__ = ["BusinessDays"]


class BusinessDays:
    """What a calendar offers about business days (dates with open time); a base of
    :class:`~itsm_core.calendar.business.BusinessCalendar`.

    >>> from itsm_core.calendar import BusinessCalendar
    >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
    >>> isinstance(cal, BusinessDays), cal.is_business_day(date(2025, 1, 6))
    (True, True)
    """

    __slots__ = ()
    _zone: ZoneInfo
    _engine: Timeline

    def is_business_day(self, day: date | datetime) -> bool:
        """Whether local date *day* (an aware datetime: its date here) holds open time.

        >>> from itsm_core.calendar import BusinessCalendar
        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["22:00", "02:00"]]}})
        >>> [cal.is_business_day(date(2025, 1, d)) for d in (6, 7, 8)]   # Monday night into Tuesday
        [True, True, False]
        """
        return holds_open_time(self._engine, self._zone, as_day(day, self._zone, "day"))

    def business_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """The business days in ``(a, b]`` (dates; aware datetimes by their date), signed.

        >>> from itsm_core.calendar import BusinessCalendar
        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> cal.business_days_between(date(2025, 1, 6), date(2025, 1, 20)), cal.business_days_between(date(2025, 1, 20), date(2025, 1, 6))
        (2, -2)
        """
        return count_between(self._engine, self._zone, a, b)

    @overload
    def add_business_days(self, start: datetime, n: int) -> datetime: ...
    @overload
    def add_business_days(self, start: date, n: int) -> date: ...
    def add_business_days(self, start: date | datetime, n: int) -> date | datetime:
        """The *n*-th business day after the date *start* (before it if ``n < 0``; *start* is
        never counted); for an aware datetime, the same wall-clock time on that date.

        Raises:
            InvalidArgumentError: ``abs(n)`` over ``calendar.days.MAX_DAY_COUNT`` (36,525).

        >>> from datetime import timezone
        >>> from itsm_core.calendar import BusinessCalendar
        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> cal.add_business_days(date(2025, 1, 6), 1), cal.add_business_days(datetime(2025, 1, 8, 7, 30, tzinfo=timezone.utc), -1).isoformat()
        (datetime.date(2025, 1, 13), '2025-01-06T07:30:00+00:00')
        """
        return add_to(self._engine, self._zone, start, n)

    def start_of_business_day(self, day: date | datetime) -> datetime:
        """The first open instant of business day *day* (InvalidArgumentError if closed).

        >>> from itsm_core.calendar import BusinessCalendar
        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> cal.start_of_business_day(date(2025, 1, 6)).isoformat()
        '2025-01-06T09:00:00+00:00'
        """
        return day_bound(self._engine, self._zone, day, 0)

    def end_of_business_day(self, day: date | datetime) -> datetime:
        """The end of business day *day*'s last open time, clipped to the date.

        >>> from itsm_core.calendar import BusinessCalendar
        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["22:00", "02:00"]]}})
        >>> cal.end_of_business_day(date(2025, 1, 6)).isoformat()   # an overnight shift is cut at midnight
        '2025-01-07T00:00:00+00:00'
        """
        return day_bound(self._engine, self._zone, day, 1)

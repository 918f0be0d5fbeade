"""Agreed service time: the one calendar protocol availability, SLOs and budgets speak.

Availability is measured over *agreed service time*: the open time of a business
calendar.  Everything in :mod:`itsm_core.availability` that takes a ``calendar`` takes an
:class:`AgreedTimeCalendar`: an object with a ``timezone``, its ``open_intervals(a, b)``
and its ``elapsed(a, b)``, all in aware datetimes and timedeltas.
:class:`itsm_core.BusinessCalendar` and its composites satisfy it; so does any object a
caller writes (a test double, a calendar from another system).

>>> from datetime import datetime, timedelta, timezone
>>> from itsm_core.calendar import BusinessCalendar
>>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"wed": [["09:00", "17:00"]]}})
>>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)   # a Wednesday
>>> [(a.hour, b.hour) for a, b in cal.open_intervals(t, t + timedelta(days=1))]
[(9, 17)]
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from itsm_core._instant import from_us
from itsm_core.calendar import BusinessCalendar
from itsm_core.intervals import IntervalSet

__all__ = ["AgreedTimeCalendar"]


class AgreedTimeCalendar(Protocol):
    """A calendar of agreed service time, in aware datetimes.

    :func:`~itsm_core.availability.measure`, :class:`~itsm_core.availability.BadTime`
    and :func:`~itsm_core.availability.allowed_downtime` take one.
    ``itsm_core.BusinessCalendar`` satisfies it (and is read through its exact integer
    engine); any other object is read through these three members.

    >>> from datetime import datetime, timedelta, timezone
    >>> class Always:   # open around the clock, in UTC
    ...     timezone = timezone.utc
    ...     def open_intervals(self, a, b): return [(a, b)] if a < b else []
    ...     def elapsed(self, a, b): return b - a
    >>> from itsm_core.availability import Outage, measure
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> measure([Outage(t, t + timedelta(hours=6))], t, t + timedelta(days=1), Always()).availability
    Fraction(3, 4)
    """

    @property
    def timezone(self) -> tzinfo:
        """The zone results are shown in.

        >>> from itsm_core.calendar import BusinessCalendar
        >>> BusinessCalendar.from_dict({"timezone": "Europe/London"}).timezone
        zoneinfo.ZoneInfo(key='Europe/London')
        """
        ...

    def open_intervals(self, a: datetime, b: datetime, /) -> list[tuple[datetime, datetime]]:
        """The open intervals clipped to ``[a, b)``, sorted and disjoint.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.calendar import BusinessCalendar
        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC",
        ...                                   "hours": {"thu": [["09:00", "17:00"]]}})
        >>> [(s.hour, e.hour) for s, e in cal.open_intervals(
        ...     datetime(2025, 1, 2, 12, tzinfo=timezone.utc), datetime(2025, 1, 3, tzinfo=timezone.utc))]
        [(12, 17)]
        """
        ...

    def elapsed(self, a: datetime, b: datetime, /) -> timedelta:
        """The open time in ``[a, b)`` (signed: negative when *b* is before *a*).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.calendar import BusinessCalendar
        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC",
        ...                                   "hours": {"thu": [["09:00", "17:00"]]}})
        >>> cal.elapsed(datetime(2025, 1, 2, tzinfo=timezone.utc),
        ...             datetime(2025, 1, 3, tzinfo=timezone.utc))
        datetime.timedelta(seconds=28800)
        """
        ...


def _open_set(calendar: AgreedTimeCalendar | None, lo_us: int, hi_us: int) -> IntervalSet:
    """The calendar's open time in ``[lo_us, hi_us)`` as integer microseconds.

    A :class:`BusinessCalendar` answers from its integer engine (no datetimes built);
    any other calendar through ``open_intervals``; no calendar means always open.
    """
    if lo_us >= hi_us:
        return IntervalSet.empty()
    if calendar is None:
        return IntervalSet((lo_us, hi_us))
    if isinstance(calendar, BusinessCalendar):
        return calendar._engine.open_set(lo_us, hi_us)
    tz = calendar.timezone
    pairs = calendar.open_intervals(from_us(lo_us, tz), from_us(hi_us, tz))
    return IntervalSet.from_datetimes(pairs, "calendar.open_intervals").clip(lo_us, hi_us)

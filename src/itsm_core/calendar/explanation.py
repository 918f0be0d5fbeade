"""`CalendarExplanation`: why a calendar query gave its answer.

An explanation names the business time between two instants and the open intervals that
were counted, as aware datetimes in the calendar's zone.  ``to_dict()`` gives plain data
(ISO 8601 instants and durations) and ``str()`` a sentence for text reports.

>>> from datetime import datetime, timedelta, timezone
>>> at = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)
>>> print(CalendarExplanation(at, at + timedelta(hours=9), timedelta(hours=8),
...                           ((at, at + timedelta(hours=8)),)))
8 hours of business time in 1 interval: 2025-01-06 09:00–17:00 (UTC)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import attrs

from itsm_core._instant import duration_in_words, format_duration

__all__ = ["CalendarExplanation"]


def _clock(t: datetime) -> str:
    """``HH:MM``, with seconds and microseconds only when the instant has them."""
    if t.microsecond:
        return t.strftime("%H:%M:%S.%f").rstrip("0")
    return t.strftime("%H:%M:%S" if t.second else "%H:%M")


def _span(start: datetime, end: datetime, shown: date | None) -> str:
    """One interval, its date written only when it differs from the last one *shown*."""
    first = _clock(start) if start.date() == shown else f"{start.date()} {_clock(start)}"
    last = _clock(end) if end.date() == start.date() else f"{end.date()} {_clock(end)}"
    return f"{first}–{last}"


@attrs.frozen(repr=False)
class CalendarExplanation:
    """The business time between two instants and the open intervals it counted.

    Attributes:
        start: the first instant asked about, in the calendar's zone.
        end: the second instant asked about, in the calendar's zone.
        elapsed: the signed business time from *start* to *end*.
        intervals: the open intervals counted, ``(start, end)`` pairs in time order.

    >>> from itsm_core import BusinessCalendar
    >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
    >>> from datetime import datetime, timezone
    >>> ex = cal.explain(datetime(2025, 1, 6, tzinfo=timezone.utc), datetime(2025, 1, 7, tzinfo=timezone.utc))
    >>> ex.to_dict()["elapsed"], ex.to_dict()["intervals"]
    ('PT8H', [['2025-01-06T09:00:00+00:00', '2025-01-06T17:00:00+00:00']])
    """

    start: datetime
    end: datetime
    elapsed: timedelta
    intervals: tuple[tuple[datetime, datetime], ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ISO 8601 instants and durations.

        >>> from datetime import datetime
        >>> from zoneinfo import ZoneInfo
        >>> from itsm_core import BusinessCalendar
        >>> split = BusinessCalendar.from_dict({"timezone": "Europe/Berlin", "hours": {
        ...     "tue": [["08:00", "12:00"], ["13:00", "17:00"]]}})
        >>> berlin = ZoneInfo("Europe/Berlin")
        >>> data = split.explain(datetime(2025, 1, 7, 10, tzinfo=berlin),
        ...                      datetime(2025, 1, 7, 14, tzinfo=berlin)).to_dict()
        >>> data["elapsed"], data["intervals"]
        ('PT3H', [['2025-01-07T10:00:00+01:00', '2025-01-07T12:00:00+01:00'],
                  ['2025-01-07T13:00:00+01:00', '2025-01-07T14:00:00+01:00']])
        """
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "elapsed": format_duration(self.elapsed),
            "intervals": [[s.isoformat(), e.isoformat()] for s, e in self.intervals],
        }

    def __str__(self) -> str:
        """A sentence: the business time, then each interval counted, in the calendar's zone.

        >>> from datetime import datetime
        >>> from zoneinfo import ZoneInfo
        >>> from itsm_core import BusinessCalendar
        >>> split = BusinessCalendar.from_dict({"timezone": "Europe/Berlin", "hours": {
        ...     "tue": [["08:00", "12:00"], ["13:00", "17:00"]], "fri": [["22:00", "06:00"]]}})
        >>> berlin = ZoneInfo("Europe/Berlin")
        >>> print(split.explain(datetime(2025, 1, 7, 10, tzinfo=berlin),
        ...                     datetime(2025, 1, 7, 14, tzinfo=berlin)))
        3 hours of business time in 2 intervals: 2025-01-07 10:00–12:00, 13:00–14:00 (Europe/Berlin)
        >>> print(split.explain(datetime(2025, 1, 10, tzinfo=berlin),
        ...                     datetime(2025, 1, 11, 5, 30, tzinfo=berlin)))
        7 hours 30 minutes of business time in 1 interval: 2025-01-10 22:00–2025-01-11 05:30 (Europe/Berlin)
        >>> print(split.explain(datetime(2025, 1, 8, tzinfo=berlin), datetime(2025, 1, 9, tzinfo=berlin)))
        no business time between 2025-01-08 00:00 and 2025-01-09 00:00 (Europe/Berlin)
        """
        zone = self.start.tzinfo
        if not self.intervals:
            return (f"no business time between {self.start.date()} {_clock(self.start)} and "
                    f"{self.end.date()} {_clock(self.end)} ({zone})")
        spans = []
        shown: date | None = None
        for start, end in self.intervals:
            spans.append(_span(start, end, shown))
            shown = end.date()
        count = len(self.intervals)
        return (f"{duration_in_words(self.elapsed)} of business time in {count} interval"
                f"{'' if count == 1 else 's'}: {', '.join(spans)} ({zone})")

    def __repr__(self) -> str:
        return (f"CalendarExplanation(elapsed={format_duration(self.elapsed)}, "
                f"intervals={len(self.intervals)})")

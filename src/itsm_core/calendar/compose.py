"""Calendar composition: union, intersection, minus windows, effective-dated versions.

Each spec compiles its open set from its parts' open sets with interval algebra, so a
composite answers exactly the same queries as a leaf calendar (and caches its own timeline).
A composite's results are expressed in its first part's time zone.

>>> from itsm_core import BusinessCalendar
>>> day = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
>>> late = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["12:00", "20:00"]]}})
>>> (day | late).to_dict()["union"][1]["hours"]
{'mon': [['12:00', '20:00']]}
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs

from itsm_core._instant import to_us
from itsm_core.intervals import IntervalSet
from itsm_core.recurrence import Recurrence

if TYPE_CHECKING:
    from itsm_core.calendar.business import BusinessCalendar

__all__ = ["IntersectionSpec", "MinusSpec", "UnionSpec", "VersionedSpec"]

_UTC = timezone.utc


def _count(n: int, noun: str) -> str:
    """``"2 windows"``, ``"1 window"``, or ``""`` for none."""
    return "" if n == 0 else f"{n} {noun}" + ("" if n == 1 else "s")


@attrs.frozen
class UnionSpec:
    """Open when any part is open (follow-the-sun).

    >>> from itsm_core import BusinessCalendar
    >>> a = BusinessCalendar.always_open("UTC")
    >>> UnionSpec((a, a)).timezone
    'UTC'
    """

    parts: tuple[BusinessCalendar, ...]

    @property
    def timezone(self) -> str:
        """The first part's zone: the order of the parts decides how results are shown.

        >>> from itsm_core import BusinessCalendar
        >>> tokyo = BusinessCalendar.always_open("Asia/Tokyo")
        >>> utc = BusinessCalendar.always_open("UTC")
        >>> (tokyo | utc).spec.timezone, (utc | tokyo).spec.timezone
        ('Asia/Tokyo', 'UTC')
        """
        return self.parts[0].spec.timezone

    def compile(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """Concatenated open intervals of every part (merged by the timeline).

        Bounds and results are microseconds since the epoch; 1970-01-05 was a Monday, so
        its 09:00 UTC is hour 105.

        >>> from itsm_core import BusinessCalendar
        >>> early, late = (
        ...     BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [shift]}})
        ...     for shift in (["09:00", "17:00"], ["12:00", "20:00"]))
        >>> hour = 3_600_000_000
        >>> [(s // hour, e // hour) for s, e in (early | late).spec.compile(0, 168 * hour)]
        [(105, 113), (108, 116)]
        """
        return [pair for part in self.parts for pair in part._engine.open_set(lo, hi)]

    def to_dict(self) -> dict[str, Any]:
        """``{"union": [part, ...]}``, which ``BusinessCalendar.from_dict`` reads back.

        >>> from itsm_core import BusinessCalendar
        >>> london = BusinessCalendar.from_dict({"timezone": "Europe/London", "hours": {}})
        >>> both = london | BusinessCalendar.always_open("Asia/Tokyo")
        >>> [part["timezone"] for part in both.spec.to_dict()["union"]]
        ['Europe/London', 'Asia/Tokyo']
        >>> BusinessCalendar.from_dict(both.to_dict()) == both
        True
        """
        return {"union": [part.to_dict() for part in self.parts]}

    def describe(self) -> str:
        """A short summary for reprs.

        >>> from itsm_core import BusinessCalendar
        >>> emea, amer = (BusinessCalendar.from_dict({"timezone": zone, "hours": {"fri": [shift]}})
        ...               for zone, shift in (("Europe/Paris", ["08:00", "18:00"]),
        ...                                   ("America/Chicago", ["07:00", "16:00"])))
        >>> (emea | amer).spec.describe()
        'union of Europe/Paris, fri 08:00-18:00 | America/Chicago, fri 07:00-16:00'
        """
        return "union of " + " | ".join(p.spec.describe() for p in self.parts)


@attrs.frozen
class IntersectionSpec:
    """Open when every part is open (customer hours ∩ support hours).

    >>> from itsm_core import BusinessCalendar
    >>> a = BusinessCalendar.always_open("UTC")
    >>> IntersectionSpec((a, a)).compile(0, 10)
    [(0, 10)]
    """

    parts: tuple[BusinessCalendar, ...]

    @property
    def timezone(self) -> str:
        """The first part's zone.

        >>> from itsm_core import BusinessCalendar
        >>> customer = BusinessCalendar.from_dict({"timezone": "Australia/Sydney", "hours": {}})
        >>> (customer & BusinessCalendar.always_open("UTC")).spec.timezone
        'Australia/Sydney'
        """
        return self.parts[0].spec.timezone

    def compile(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The intersection of the parts' open sets in ``[lo, hi)`` (microseconds).

        >>> from itsm_core import BusinessCalendar
        >>> customer, support = (
        ...     BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [shift]}})
        ...     for shift in (["09:00", "17:00"], ["12:00", "20:00"]))
        >>> hour = 3_600_000_000   # hour 105 is Monday 1970-01-05 09:00 UTC
        >>> [(s // hour, e // hour) for s, e in (customer & support).spec.compile(0, 120 * hour)]
        [(108, 113)]
        """
        result = self.parts[0]._engine.open_set(lo, hi)
        for part in self.parts[1:]:
            result = result & part._engine.open_set(lo, hi)
        return list(result.pairs())

    def to_dict(self) -> dict[str, Any]:
        """``{"intersection": [part, ...]}``, which ``BusinessCalendar.from_dict`` reads back.

        >>> from itsm_core import BusinessCalendar
        >>> both = BusinessCalendar.always_open("UTC") & BusinessCalendar.from_dict(
        ...     {"timezone": "UTC", "hours": {"sat": [["10:00", "14:00"]]}})
        >>> both.spec.to_dict()["intersection"][1]
        {'timezone': 'UTC', 'hours': {'sat': [['10:00', '14:00']]}}
        >>> BusinessCalendar.from_dict(both.to_dict()) == both
        True
        """
        return {"intersection": [part.to_dict() for part in self.parts]}

    def describe(self) -> str:
        """A short summary for reprs.

        >>> from itsm_core import BusinessCalendar
        >>> support = BusinessCalendar.from_dict({"timezone": "UTC",
        ...                                       "hours": {"tue": [["07:00", "19:00"]]}})
        >>> (support & BusinessCalendar.always_open("UTC")).spec.describe()
        'intersection of UTC, tue 07:00-19:00 & UTC, mon 00:00-24:00, tue 00:00-24:00, ...'
        """
        return "intersection of " + " & ".join(p.spec.describe() for p in self.parts)


@attrs.frozen
class MinusSpec:
    """A calendar with windows (maintenance, freezes) removed: explicit intervals and
    RFC 5545 recurrences.

    >>> from itsm_core import BusinessCalendar
    >>> a = BusinessCalendar.always_open("UTC")
    >>> MinusSpec(a, IntervalSet.from_pairs([(2, 5)])).compile(0, 10)
    [(0, 2), (5, 10)]
    """

    calendar: BusinessCalendar
    windows: IntervalSet
    recurring: tuple[Recurrence, ...] = ()

    @property
    def timezone(self) -> str:
        """The calendar's zone (windows are instants and have none).

        >>> from itsm_core import BusinessCalendar
        >>> new_york = BusinessCalendar.always_open("America/New_York")
        >>> (new_york - [(datetime(2025, 1, 1, tzinfo=timezone.utc),) * 2]).spec.timezone
        'America/New_York'
        """
        return self.calendar.spec.timezone

    def compile(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The calendar's open set minus the windows, in ``[lo, hi)`` (microseconds).

        >>> from itsm_core import BusinessCalendar
        >>> office = BusinessCalendar.from_dict({"timezone": "UTC",
        ...                                      "hours": {"mon": [["09:00", "17:00"]]}})
        >>> outage = (datetime(1970, 1, 5, 12, tzinfo=timezone.utc),
        ...           datetime(1970, 1, 5, 13, tzinfo=timezone.utc))
        >>> hour = 3_600_000_000   # hour 105 is Monday 1970-01-05 09:00 UTC
        >>> [(s // hour, e // hour) for s, e in (office - [outage]).spec.compile(0, 120 * hour)]
        [(105, 108), (109, 113)]
        """
        removed = self.windows.clip(lo, hi)
        for recurrence in self.recurring:
            removed = removed | recurrence.occurrences(lo, hi)
        return list((self.calendar._engine.open_set(lo, hi) - removed).pairs())

    def to_dict(self) -> dict[str, Any]:
        """``{"minus": {"calendar": ..., "windows": [[start, end], ...], "recurring": [...]}}``
        (explicit windows as ISO 8601 instants in UTC; recurrences in their own form).

        >>> from zoneinfo import ZoneInfo
        >>> from itsm_core import BusinessCalendar
        >>> paris = ZoneInfo("Europe/Paris")
        >>> freeze = (datetime(2025, 12, 24, tzinfo=paris), datetime(2025, 12, 27, tzinfo=paris))
        >>> data = (BusinessCalendar.always_open("Europe/Paris") - [freeze]).spec.to_dict()
        >>> data["minus"]["windows"]
        [['2025-12-23T23:00:00+00:00', '2025-12-26T23:00:00+00:00']]
        """
        body: dict[str, Any] = {
            "calendar": self.calendar.to_dict(),
            "windows": [[s.isoformat(), e.isoformat()]
                        for s, e in self.windows.to_datetimes(_UTC)],
        }
        if self.recurring:
            body["recurring"] = [r.to_dict() for r in self.recurring]
        return {"minus": body}

    def describe(self) -> str:
        """A short summary for reprs.

        >>> from datetime import timedelta
        >>> from itsm_core import BusinessCalendar
        >>> from itsm_core.recurrence import Recurrence
        >>> start = datetime(2025, 1, 4, 22, tzinfo=timezone.utc)
        >>> saturday_nights = Recurrence(rule="FREQ=WEEKLY;BYDAY=SA", start=start,
        ...                              duration=timedelta(hours=4))
        >>> office = BusinessCalendar.from_dict({"timezone": "UTC",
        ...                                      "hours": {"sat": [["08:00", "24:00"]]}})
        >>> (office - [(start, start + timedelta(hours=1))]).spec.describe()
        'UTC, sat 08:00-24:00 minus 1 window'
        >>> (office - saturday_nights).spec.describe()
        'UTC, sat 08:00-24:00 minus 1 recurrence'
        """
        parts = [_count(len(self.windows), "window"), _count(len(self.recurring), "recurrence")]
        return (f"{self.calendar.spec.describe()} minus "
                + (" and ".join(p for p in parts if p) or "nothing"))


@attrs.frozen
class VersionedSpec:
    """Effective-dated versions: each version governs from local midnight of its date (in
    its own zone) until the next version starts; the first also governs all earlier time.

    >>> from itsm_core import BusinessCalendar
    >>> a = BusinessCalendar.always_open("UTC")
    >>> VersionedSpec(((date(2025, 1, 1), a),)).timezone
    'UTC'
    """

    versions: tuple[tuple[date, BusinessCalendar], ...]

    @property
    def timezone(self) -> str:
        """The latest version's zone (results are shown in it).

        >>> from itsm_core import BusinessCalendar
        >>> dublin = BusinessCalendar.always_open("Europe/Dublin")
        >>> kolkata = BusinessCalendar.always_open("Asia/Kolkata")
        >>> moved = BusinessCalendar.versioned([("2024-01-01", dublin), ("2025-01-01", kolkata)])
        >>> moved.spec.timezone
        'Asia/Kolkata'
        """
        return self.versions[-1][1].spec.timezone

    def boundaries(self) -> list[int]:
        """The instant (µs) each version takes over; the first is unbounded.

        >>> from itsm_core import BusinessCalendar
        >>> a = BusinessCalendar.always_open("UTC")
        >>> VersionedSpec(((date(1970, 1, 1), a), (date(1970, 1, 2), a))).boundaries()[1]
        86400000000
        """
        out = []
        for day, calendar in self.versions:
            midnight = datetime(day.year, day.month, day.day, tzinfo=calendar.timezone)
            out.append(to_us(midnight, "version"))
        return out

    def compile(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """Each version's open set within its own reign, clipped to ``[lo, hi)`` (microseconds).

        Monday hours until 1970-01-06, then always open:

        >>> from itsm_core import BusinessCalendar
        >>> mondays = BusinessCalendar.from_dict({"timezone": "UTC",
        ...                                       "hours": {"mon": [["09:00", "17:00"]]}})
        >>> always = BusinessCalendar.always_open("UTC")
        >>> cal = BusinessCalendar.versioned([("1970-01-01", mondays), ("1970-01-06", always)])
        >>> hour = 3_600_000_000   # hour 105 is Monday 1970-01-05 09:00 UTC; 120 is Tuesday 00:00
        >>> [(s // hour, e // hour) for s, e in cal.spec.compile(0, 168 * hour)]
        [(105, 113), (120, 168)]
        """
        starts = self.boundaries()
        out: list[tuple[int, int]] = []
        for i, (_, calendar) in enumerate(self.versions):
            start = lo if i == 0 else max(lo, starts[i])
            end = hi if i + 1 == len(starts) else min(hi, starts[i + 1])
            if start < end:
                out.extend(calendar._engine.open_set(start, end).pairs())
        return out

    def to_dict(self) -> dict[str, Any]:
        """``{"versions": [{"from": "YYYY-MM-DD", "calendar": ...}, ...]}``.

        >>> from itsm_core import BusinessCalendar
        >>> closed = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {}})
        >>> BusinessCalendar.versioned([("2025-03-01", closed)]).spec.to_dict()
        {'versions': [{'from': '2025-03-01', 'calendar': {'timezone': 'UTC', 'hours': {}}}]}
        """
        return {"versions": [{"from": day.isoformat(), "calendar": calendar.to_dict()}
                             for day, calendar in self.versions]}

    def describe(self) -> str:
        """A short summary for reprs.

        >>> from itsm_core import BusinessCalendar
        >>> always = BusinessCalendar.always_open("UTC")
        >>> cal = BusinessCalendar.versioned([("2025-06-01", always), ("2024-01-01", always)])
        >>> cal.spec.describe()
        'versions from 2024-01-01, 2025-06-01'
        """
        return "versions from " + ", ".join(day.isoformat() for day, _ in self.versions)


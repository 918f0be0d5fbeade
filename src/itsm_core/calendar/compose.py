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
        """The first part's zone."""
        return self.parts[0].spec.timezone

    def compile(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """Concatenated open intervals of every part (merged by the timeline)."""
        return [pair for part in self.parts for pair in part.open_set_us(lo, hi)]

    def to_dict(self) -> dict[str, Any]:
        """``{"union": [part, ...]}``."""
        return {"union": [part.to_dict() for part in self.parts]}

    def describe(self) -> str:
        """A short summary for reprs."""
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
        """The first part's zone."""
        return self.parts[0].spec.timezone

    def compile(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The intersection of the parts' open sets in ``[lo, hi)``."""
        result = self.parts[0].open_set_us(lo, hi)
        for part in self.parts[1:]:
            result = result & part.open_set_us(lo, hi)
        return list(result.pairs())

    def to_dict(self) -> dict[str, Any]:
        """``{"intersection": [part, ...]}``."""
        return {"intersection": [part.to_dict() for part in self.parts]}

    def describe(self) -> str:
        """A short summary for reprs."""
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
        """The calendar's zone."""
        return self.calendar.spec.timezone

    def compile(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The calendar's open set minus the windows, in ``[lo, hi)``."""
        removed = self.windows.clip(lo, hi)
        for recurrence in self.recurring:
            removed = removed | recurrence.occurrences(lo, hi)
        return list((self.calendar.open_set_us(lo, hi) - removed).pairs())

    def to_dict(self) -> dict[str, Any]:
        """``{"minus": {"calendar": ..., "windows": [[start, end], ...], "recurring": [...]}}``
        (explicit windows as ISO 8601 instants in UTC; recurrences in their own form)."""
        body: dict[str, Any] = {
            "calendar": self.calendar.to_dict(),
            "windows": [[s.isoformat(), e.isoformat()]
                        for s, e in self.windows.to_datetimes(_UTC)],
        }
        if self.recurring:
            body["recurring"] = [r.to_dict() for r in self.recurring]
        return {"minus": body}

    def describe(self) -> str:
        """A short summary for reprs."""
        return (f"{self.calendar.spec.describe()} minus {len(self.windows)} windows"
                + (f" and {len(self.recurring)} recurrences" if self.recurring else ""))


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
        """The latest version's zone (results are shown in it)."""
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
        """Each version's open set within its own reign, clipped to ``[lo, hi)``."""
        starts = self.boundaries()
        out: list[tuple[int, int]] = []
        for i, (_, calendar) in enumerate(self.versions):
            start = lo if i == 0 else max(lo, starts[i])
            end = hi if i + 1 == len(starts) else min(hi, starts[i + 1])
            if start < end:
                out.extend(calendar.open_set_us(start, end).pairs())
        return out

    def to_dict(self) -> dict[str, Any]:
        """``{"versions": [{"from": "YYYY-MM-DD", "calendar": ...}, ...]}``."""
        return {"versions": [{"from": day.isoformat(), "calendar": calendar.to_dict()}
                             for day, calendar in self.versions]}

    def describe(self) -> str:
        """A short summary for reprs."""
        return "versions from " + ", ".join(day.isoformat() for day, _ in self.versions)


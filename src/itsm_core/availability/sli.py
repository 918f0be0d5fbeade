"""SLI sources: how many good out of eligible in a window, by requests or by time.

:class:`RequestSeries` holds timestamped good/total request counts (a request-based SLI);
:class:`BadTime` holds bad (down) intervals measured against agreed service time (a
time-based SLI, optionally inside a business calendar's open hours).

>>> from datetime import datetime, timedelta, timezone
>>> from itsm_core.calendar import BusinessCalendar
>>> wednesdays = BusinessCalendar.from_dict({"timezone": "UTC",
...                                          "hours": {"wed": [["09:00", "17:00"]]}})
>>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)   # a Wednesday
>>> down = BadTime.from_pairs([(t + timedelta(hours=16), t + timedelta(hours=20))],
...                           calendar=wednesdays)
>>> m = down.measure(t, t + timedelta(days=1))
>>> m.bad // 3_600_000_000, m.eligible // 3_600_000_000, m.ratio   # 16:00-17:00 of 8 h
(1, 8, Fraction(7, 8))
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import datetime, timezone

import attrs

from itsm_core._instant import to_us
from itsm_core.availability.agreed import AgreedTimeCalendar, _open_set
from itsm_core.availability.budget import SliMeasurement
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown
from itsm_core.intervals import IntervalSet

__all__ = ["BadTime", "RequestSeries"]


@attrs.frozen(repr=False)
class RequestSeries:
    """Timestamped request counts, queried by window in ``O(log n)`` (prefix sums).

    A sample ``(t, good, total)`` counts in every window ``[start, end)`` containing ``t``.

    >>> from datetime import timedelta, timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> s = RequestSeries.from_samples([(t, 9, 10), (t + timedelta(hours=1), 5, 5)])
    >>> s.measure(t, t + timedelta(hours=1))
    SliMeasurement(good=9, eligible=10, unit='requests')
    """

    times: tuple[int, ...]
    good_sums: tuple[int, ...]
    total_sums: tuple[int, ...]

    @classmethod
    def from_samples(cls, samples: Iterable[tuple[datetime, int, int]]) -> RequestSeries:
        """Build from ``(aware instant, good, total)`` samples in any order.

        Raises:
            ArgumentTypeError: a sample is not a triple, or a count is not an int.
            InvalidArgumentError: a count is negative or ``good > total``.
            NaiveDatetimeError: an instant is naive.

        >>> RequestSeries.from_samples([]).times
        ()
        """
        rows = []
        for index, sample in enumerate(samples):
            if not isinstance(sample, tuple) or len(sample) != 3:
                raise ArgumentTypeError(
                    f"samples[{index}]: expected (aware datetime, good, total), got {shown(sample)}"
                )
            try:
                counts = SliMeasurement.requests(good=sample[1], total=sample[2])
            except (ArgumentTypeError, InvalidArgumentError) as exc:
                raise type(exc)(f"samples[{index}].{exc}") from exc
            rows.append((to_us(sample[0], f"samples[{index}][0]"), counts.good, counts.eligible))
        rows.sort(key=lambda row: row[0])
        good_sums, total_sums = [0], [0]
        for _, good, total in rows:
            good_sums.append(good_sums[-1] + good)
            total_sums.append(total_sums[-1] + total)
        return cls(tuple(r[0] for r in rows), tuple(good_sums), tuple(total_sums))

    def __repr__(self) -> str:
        return f"RequestSeries(<{len(self.times)} samples>)"

    def measure(self, start: datetime, end: datetime, /,
                as_of: datetime | None = None) -> SliMeasurement:
        """Good and total requests with timestamps in ``[start, min(end, as_of))``.

        >>> from datetime import timedelta, timezone
        >>> RequestSeries.from_samples([]).measure(datetime(2025, 1, 1, tzinfo=timezone.utc),
        ...                                        datetime(2025, 1, 2, tzinfo=timezone.utc))
        SliMeasurement(good=0, eligible=0, unit='requests')
        """
        lo, hi = _window_us(start, end, as_of)
        i, j = bisect_left(self.times, lo), bisect_left(self.times, max(lo, hi))
        return SliMeasurement.requests(self.good_sums[j] - self.good_sums[i],
                                    self.total_sums[j] - self.total_sums[i])


def _window_us(start: datetime, end: datetime, as_of: datetime | None) -> tuple[int, int]:
    lo, hi = to_us(start, "start"), to_us(end, "end")
    if hi < lo:
        raise InvalidArgumentError(f"end: {end} is before start {start}; expected start <= end")
    if as_of is not None:
        hi = min(hi, to_us(as_of, "as_of"))
    return lo, hi


@attrs.frozen
class BadTime:
    """A time-based SLI: bad (down) intervals against agreed service time.

    Eligible time is the calendar's open time in the window (all of it without a
    calendar).  Bad time is the union of the bad intervals inside eligible time, counted
    only before ``as_of`` when given: the window's eligible time stays whole, so a
    calendar month's budget is the whole month's from its first day.

    >>> from datetime import timedelta, timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> bad = BadTime.from_pairs([(t, t + timedelta(minutes=30)),
    ...                           (t + timedelta(minutes=10), t + timedelta(hours=1))])
    >>> bad.measure(t, t + timedelta(days=1)).bad // 60_000_000
    60
    """

    bad: IntervalSet
    calendar: AgreedTimeCalendar | None = attrs.field(default=None, kw_only=True)

    @classmethod
    def from_pairs(cls, pairs: Iterable[object], *,
                   calendar: AgreedTimeCalendar | None = None) -> BadTime:
        """From ``(start, end)`` aware pairs or objects with ``start`` / ``end`` (outages).

        An outage whose ``end`` is ``None`` (still open) runs to the end of any window.

        Raises:
            ArgumentTypeError: an item is neither a pair nor has ``start`` / ``end``.
            NaiveDatetimeError, InvalidArgumentError: as for ``IntervalSet.from_datetimes``.

        >>> BadTime.from_pairs([]).bad
        IntervalSet([])
        """
        converted: list[tuple[datetime, datetime]] = []
        for index, item in enumerate(pairs):
            if isinstance(item, tuple) and len(item) == 2:
                start, end = item
            elif hasattr(item, "start") and hasattr(item, "end"):
                start, end = item.start, item.end
            else:
                raise ArgumentTypeError(
                    f"bad[{index}]: expected a (start, end) pair of aware datetimes or an "
                    f"outage with start/end, got {shown(item)}"
                )
            converted.append((start, _FOREVER if end is None else end))
        return cls(IntervalSet.from_datetimes(converted, "bad"), calendar=calendar)

    def measure(self, start: datetime, end: datetime, /,
                as_of: datetime | None = None) -> SliMeasurement:
        """Good and eligible microseconds in ``[start, end)``; bad counted before *as_of*.

        >>> from datetime import timedelta, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> BadTime.from_pairs([(t, t + timedelta(hours=6))]).measure(
        ...     t, t + timedelta(days=1), as_of=t + timedelta(hours=1)).ratio
        Fraction(23, 24)
        """
        lo, hi = _window_us(start, end, None)
        _, cut = _window_us(start, end, as_of)
        eligible = _open_set(self.calendar, lo, hi)
        total = eligible.measure()
        bad = (self.bad.clip(lo, max(lo, cut)) & eligible).measure()
        return SliMeasurement.time(total - bad, total)


_FOREVER = datetime.max.replace(tzinfo=timezone.utc)  # an open outage's end: beyond any window

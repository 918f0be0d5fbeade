"""Service level objectives: SLI sources, rolling and calendar-aligned windows, status.

An :class:`Slo` is a target over a window.  A *rolling* window is the last ``length``
before ``as_of``; a *calendar* window is the current day, week, month, quarter or year in
an IANA time zone, starting at local midnight (a month in ``Europe/London`` starts at
00:00 local time, which is 23:00 UTC the day before in summer).

SLI sources answer "how many good out of eligible in ``[start, end)``":
:class:`RequestSeries` (timestamped good/total counts, request-based) and
:class:`BadTime` (outage intervals against agreed service time, time-based).

>>> from datetime import datetime, timedelta, timezone
>>> slo = Slo.from_dict({"target": "99.9%", "window": {"rolling": "P30D"}})
>>> t = datetime(2025, 6, 30, tzinfo=timezone.utc)
>>> series = RequestSeries.from_samples([(t - timedelta(days=1), 9_990, 10_000)])
>>> slo.status(series, as_of=t).status
'exhausted'
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from itsm_core._instant import duration_us, format_duration, parse_duration, to_us
from itsm_core.availability.budget import ErrorBudget, SliMeasurement
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError
from itsm_core.intervals import IntervalSet
from itsm_core.ratios import parse_ratio, ratio_text

__all__ = [
    "BadTime",
    "CalendarWindow",
    "OpenSetCalendar",
    "RequestSeries",
    "RollingWindow",
    "SliSource",
    "Slo",
    "window_from_dict",
]

CalendarUnit = Literal["day", "week", "month", "quarter", "year"]
_UNITS = ("day", "week", "month", "quarter", "year")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class OpenSetCalendar(Protocol):
    """What a time-based SLI needs from a business calendar: its open time as a set.

    ``itsm_core.BusinessCalendar`` satisfies it (``open_set(a_us, b_us)``): only agreed
    service time is eligible, and only bad time inside it counts.

    >>> from datetime import timezone
    >>> from itsm_core import BusinessCalendar
    >>> wednesdays = BusinessCalendar.from_dict({"timezone": "UTC",
    ...                                          "hours": {"wed": [["09:00", "17:00"]]}})
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)   # a Wednesday
    >>> down = BadTime.from_pairs([(t + timedelta(hours=16), t + timedelta(hours=20))],
    ...                           calendar=wednesdays)
    >>> m = down.measure(t, t + timedelta(days=1))
    >>> m.bad // 3_600_000_000, m.eligible // 3_600_000_000, m.ratio   # 16:00-17:00 of 8 h
    (1, 8, Fraction(7, 8))
    """

    def open_set(self, a: int, b: int, /) -> IntervalSet:
        """Open time clipped to ``[a, b)`` (integer microseconds)."""
        ...


class SliSource(Protocol):
    """Anything that measures good out of eligible over a window.

    :class:`RequestSeries` (requests) and :class:`BadTime` (microseconds) are sources, so
    one :class:`Slo` judges either:

    >>> from datetime import timezone
    >>> slo = Slo.from_dict({"target": "99%", "window": {"calendar": "day", "timezone": "UTC"}})
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> sources = {"requests": RequestSeries.from_samples([(t, 995, 1000)]),
    ...            "time": BadTime.from_pairs([(t, t + timedelta(minutes=36))])}
    >>> {name: slo.status(source, as_of=t + timedelta(hours=12)).status
    ...  for name, source in sources.items()}   # 0.5 % bad requests; 2.5 % of the day down
    {'requests': 'healthy', 'time': 'violated'}
    """

    def measure(self, start: datetime, end: datetime, /,
                as_of: datetime | None = None) -> SliMeasurement:
        """The measurement over ``[start, end)``, counting bad events before *as_of* only."""
        ...


# -- windows ----------------------------------------------------------------------------------


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


def _zone(name: object, path: str) -> ZoneInfo:
    if not isinstance(name, str):
        raise ConfigError(path, f"expected an IANA time zone name, got {name!r}",
                          "an IANA name such as 'Europe/London'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(path, f"unknown time zone {name!r}",
                          "an IANA name such as 'Europe/London'") from exc


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
            raise ConfigError("window.calendar", f"unknown unit {value!r}", f"one of {list(_UNITS)}")

    @timezone.validator
    def _check_zone(self, _: object, value: object) -> None:
        _zone(value, "window.timezone")

    @week_start.validator
    def _check_week_start(self, _: object, value: object) -> None:
        if value not in _WEEKDAYS:
            raise ConfigError("window.week_start", f"unknown weekday {value!r}",
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
        zone = ZoneInfo(self.timezone)
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


def window_from_dict(data: object, path: str = "window") -> RollingWindow | CalendarWindow:
    """Read ``{"rolling": "P30D"}`` or ``{"calendar": "month", "timezone": ...}``.

    >>> window_from_dict({"calendar": "quarter", "timezone": "Asia/Tokyo"}).unit
    'quarter'
    >>> window_from_dict({"rolling": "P1M"})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: window.rolling: cannot read 'P1M' as a duration; expected an ISO 8601 duration such as 'PT4H', 'P3D' or 'P1DT2H30M' (weeks, days, hours, minutes, seconds; a day is 24 hours; no months or years) or a timedelta
    """
    form = ("{'rolling': 'P30D'} or {'calendar': 'month', 'timezone': 'Europe/London'} "
            "(optional 'week_start')")
    if not isinstance(data, Mapping):
        raise ConfigError(path, f"expected a mapping, got {data!r}", form)
    if "rolling" in data and set(data) == {"rolling"}:
        return RollingWindow(parse_duration(data["rolling"], f"{path}.rolling"))
    if "calendar" in data and set(data) <= {"calendar", "timezone", "week_start"}:
        if "timezone" not in data:
            raise ConfigError(f"{path}.timezone", "missing", "an IANA name such as 'Europe/London'")
        return CalendarWindow(unit=data["calendar"], timezone=data["timezone"],
                              week_start=data.get("week_start", "mon"))
    raise ConfigError(path, f"cannot read {dict(data)!r} as a window", form)


# -- SLI sources ------------------------------------------------------------------------------


@attrs.frozen(repr=False)
class RequestSeries:
    """Timestamped request counts, queried by window in ``O(log n)`` (prefix sums).

    A sample ``(t, good, total)`` counts in every window ``[start, end)`` containing ``t``.

    >>> from datetime import timezone
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
                    f"samples[{index}]: expected (aware datetime, good, total), got {sample!r}"
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

        >>> from datetime import timezone
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

    >>> from datetime import timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> bad = BadTime.from_pairs([(t, t + timedelta(minutes=30)),
    ...                           (t + timedelta(minutes=10), t + timedelta(hours=1))])
    >>> bad.measure(t, t + timedelta(days=1)).bad // 60_000_000
    60
    """

    bad: IntervalSet
    calendar: OpenSetCalendar | None = attrs.field(default=None, kw_only=True)

    @classmethod
    def from_pairs(cls, pairs: Iterable[object], *,
                   calendar: OpenSetCalendar | None = None) -> BadTime:
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
                    f"outage with start/end, got {item!r}"
                )
            converted.append((start, _FOREVER if end is None else end))
        return cls(IntervalSet.from_datetimes(converted, "bad"), calendar=calendar)

    def measure(self, start: datetime, end: datetime, /,
                as_of: datetime | None = None) -> SliMeasurement:
        """Good and eligible microseconds in ``[start, end)``; bad counted before *as_of*.

        >>> from datetime import timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> BadTime.from_pairs([(t, t + timedelta(hours=6))]).measure(
        ...     t, t + timedelta(days=1), as_of=t + timedelta(hours=1)).ratio
        Fraction(23, 24)
        """
        lo, hi = _window_us(start, end, None)
        _, cut = _window_us(start, end, as_of)
        eligible = (IntervalSet.from_pairs([(lo, hi)]) if self.calendar is None
                    else self.calendar.open_set(lo, hi))
        total = eligible.measure()
        bad = (self.bad.clip(lo, max(lo, cut)) & eligible).measure()
        return SliMeasurement.time(total - bad, total)


_FOREVER = datetime.max.replace(tzinfo=timezone.utc)  # an open outage's end: beyond any window


# -- the SLO ----------------------------------------------------------------------------------


def _target(value: object) -> Fraction:
    return parse_ratio(value, "target")


@attrs.frozen(kw_only=True)
class Slo:
    """A target over a window, with an optional name.

    >>> Slo(target="99.5%", window=RollingWindow(timedelta(days=28))).target
    Fraction(199, 200)
    """

    target: Fraction = attrs.field(converter=_target)
    window: RollingWindow | CalendarWindow
    name: str = ""

    def bounds(self, as_of: datetime) -> tuple[datetime, datetime]:
        """The SLO window in force at *as_of*.

        >>> from datetime import timezone
        >>> Slo(target=0.99, window=CalendarWindow(unit="day", timezone="UTC")).bounds(
        ...     datetime(2025, 1, 1, 12, tzinfo=timezone.utc))[0].isoformat()
        '2025-01-01T00:00:00+00:00'
        """
        return self.window.bounds(as_of)

    def status(self, source: SliSource, as_of: datetime) -> ErrorBudget:
        """The error budget of the window in force at *as_of* (events before *as_of*).

        >>> from datetime import timezone
        >>> t = datetime(2025, 1, 31, tzinfo=timezone.utc)
        >>> slo = Slo(target="99%", window=CalendarWindow(unit="month", timezone="UTC"))
        >>> slo.status(BadTime.from_pairs([]), as_of=t).fraction_consumed
        Fraction(0, 1)
        """
        start, end = self.bounds(as_of)
        return ErrorBudget(target=self.target, measurement=source.measure(start, end, as_of))

    @classmethod
    def from_dict(cls, data: object, path: str = "slo") -> Slo:
        """Read ``{"target": "99.9%", "window": {...}, "name": "..."}``.

        >>> Slo.from_dict({"target": 0.999, "window": {"rolling": "P28D"}}).window.length.days
        28
        """
        if not isinstance(data, Mapping):
            raise ConfigError(path, f"expected a mapping, got {data!r}",
                              "{'target': '99.9%', 'window': {'rolling': 'P30D'}}")
        unknown = set(data) - {"target", "window", "name"}
        if unknown:
            raise ConfigError(path, f"unknown keys {sorted(unknown)}",
                              "keys 'target', 'window' and optionally 'name'")
        for key in ("target", "window"):
            if key not in data:
                raise ConfigError(f"{path}.{key}", "missing", "a target and a window")
        name = data.get("name", "")
        if not isinstance(name, str):
            raise ConfigError(f"{path}.name", f"expected a string, got {name!r}")
        return cls(target=parse_ratio(data["target"], f"{path}.target"),
                   window=window_from_dict(data["window"], f"{path}.window"), name=name)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back.

        >>> Slo(target="99.9%", window=RollingWindow(timedelta(days=30))).to_dict()
        {'target': '99.9%', 'window': {'rolling': 'P30D'}, 'name': ''}
        """
        return {"target": ratio_text(self.target), "window": self.window.to_dict(),
                "name": self.name}

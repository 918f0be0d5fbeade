"""`BusinessCalendar`: business time as an immutable value with exact queries.

A calendar turns local wall-clock rules into a set of open UTC intervals, compiled lazily a
chunk at a time, and answers every question about business time with a couple of bisects.
Instants are aware datetimes (naive ones are refused); results are aware datetimes in the
calendar's own time zone; durations are ``timedelta``.  See ``docs/calendar.md`` for the
semantics, with the surprising cases worked out.

>>> from datetime import datetime, timedelta
>>> from zoneinfo import ZoneInfo
>>> cal = BusinessCalendar.from_dict({
...     "timezone": "Europe/London",
...     "hours": {d: [["09:00", "17:00"]] for d in ["mon", "tue", "wed", "thu", "fri"]},
...     "holidays": [{"country": "GB", "subdivision": "ENG"}],
... })
>>> eve = datetime(2025, 12, 24, 15, 0, tzinfo=ZoneInfo("Europe/London"))
>>> cal.add(eve, timedelta(hours=8)).isoformat()   # Christmas and Boxing Day are closed
'2025-12-29T15:00:00+00:00'
>>> cal.elapsed(eve, datetime(2025, 12, 29, 10, tzinfo=ZoneInfo("Europe/London")))
datetime.timedelta(seconds=10800)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import attrs

from itsm_core._config import join
from itsm_core._instant import duration_us, format_duration, from_us, to_us
from itsm_core.calendar.bulk import elapsed_many
from itsm_core.calendar.business_days import BusinessDays
from itsm_core.calendar.compose import IntersectionSpec, MinusSpec, UnionSpec, VersionedSpec
from itsm_core.calendar.config import DAYS, parse_date
from itsm_core.calendar.explanation import CalendarExplanation
from itsm_core.calendar.reading import check_versions, read_calendar
from itsm_core.calendar.timeline import Timeline
from itsm_core.errors import ConfigError
from itsm_core.intervals import IntervalSet
from itsm_core.recurrence import Recurrence

__all__ = ["BusinessCalendar", "CalendarExplanation", "CalendarSpec"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_US = timedelta(microseconds=1)
_dt_sub = datetime.__sub__  # the C subtraction, whatever datetime subclass comes in
DEFAULT_HORIZON = timedelta(days=3653)


class CalendarSpec(Protocol):
    """What a calendar's rules provide: a zone, a compiler to UTC intervals, a dict form.

    A weekly spec and every composite (union, intersection, minus, versions) provide it:

    >>> mondays = BusinessCalendar.from_dict({"timezone": "UTC",
    ...                                       "hours": {"mon": [["09:00", "17:00"]]}})
    >>> lunch = (datetime(1970, 1, 5, 12, tzinfo=timezone.utc),    # 1970-01-05 was a Monday
    ...          datetime(1970, 1, 5, 13, tzinfo=timezone.utc))
    >>> hour = 3_600_000_000   # compile works in microseconds: hour 105 is that Monday 09:00
    >>> for spec in (mondays.spec, (mondays - [lunch]).spec):
    ...     print(spec.timezone, [(s // hour, e // hour) for s, e in spec.compile(0, 168 * hour)],
    ...           list(spec.to_dict()), spec.describe())
    UTC [(105, 113)] ['timezone', 'hours'] UTC, mon 09:00-17:00
    UTC [(105, 108), (109, 113)] ['minus'] UTC, mon 09:00-17:00 minus 1 window
    """

    @property
    def timezone(self) -> str: ...

    def compile(self, lo: int, hi: int) -> list[tuple[int, int]]: ...

    def to_dict(self) -> dict[str, Any]: ...

    def describe(self) -> str: ...


def _business_us(d: timedelta) -> int:
    """A non-negative duration argument as microseconds (fast path for timedeltas)."""
    try:
        us: int = d // _ONE_US
    except TypeError:
        us = duration_us(d, "d")  # raises the right error for a non-timedelta
    if us < 0:
        duration_us(d, "d")  # raises InvalidArgumentError naming d
    return us


@attrs.frozen(repr=False)
class BusinessCalendar(BusinessDays):
    """Business time: open intervals compiled from rules, with exact queries.

    Build one with :meth:`from_dict` (the configuration form; ``docs/design.md``, "Business
    calendars"),
    :meth:`always_open`, :meth:`versioned`, or by composing calendars with ``|`` (union),
    ``&`` (intersection) and ``-`` (minus windows: an ``IntervalSet``, ``(start, end)`` pairs
    of aware datetimes, or a :class:`~itsm_core.recurrence.Recurrence`).  Immutable, hashable, picklable and safe
    to share between threads; the compiled timeline is an invisible cache.

    Attributes:
        spec: the rules (a weekly spec or a composite).
        horizon: how far a search for open time may look before giving up.

    >>> cal = BusinessCalendar.always_open("UTC")
    >>> from datetime import datetime, timezone
    >>> cal.is_open(datetime(2025, 1, 1, tzinfo=timezone.utc))
    True
    """

    spec: CalendarSpec
    horizon: timedelta = DEFAULT_HORIZON
    _zone: ZoneInfo = attrs.field(init=False, eq=False, hash=False)
    _engine: Timeline = attrs.field(init=False, eq=False, hash=False)  # private integer engine

    def __attrs_post_init__(self) -> None:
        horizon_us = duration_us(self.horizon, "horizon")
        if horizon_us <= 0:
            raise ConfigError("horizon", f"{self.horizon} is not positive",
                              'a positive ISO 8601 duration such as "P3653D"')
        object.__setattr__(self, "_zone", ZoneInfo(self.spec.timezone))
        object.__setattr__(self, "_engine", Timeline(self.spec.compile, horizon_us))

    def __reduce__(self) -> tuple[Any, ...]:
        return (BusinessCalendar, (self.spec, self.horizon))

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.spec.describe()})"

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Build a calendar from its configuration mapping (validated; errors name the path).

        Besides the weekly form (see ``docs/calendar.md`` and ``docs/design.md``, "Business
        calendars"), the mapping may be a composite: ``{"union": [...]}``,
        ``{"intersection": [...]}``, ``{"minus": {"calendar": ..., "windows": [[start, end],
        ...]}}`` or ``{"versions": [{"from": date, "calendar": ...}, ...]}``; every form
        accepts an optional ``"horizon"`` (ISO 8601 duration).  An error inside a nested
        calendar names its full path, e.g. ``versions[0].calendar.hours.mon[0][1]``.

        >>> BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "9:00"]]}})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: hours.mon[0][1]: cannot read '9:00' as a time; expected "HH:MM" or "HH:MM:SS" from 00:00 to 23:59:59 ("24:00" only as an end)
        """
        return read_calendar(data, "", _make)

    def to_dict(self) -> dict[str, Any]:
        """The configuration mapping; ``from_dict(to_dict())`` gives an equal calendar.

        >>> BusinessCalendar.always_open("UTC").to_dict()["hours"]["sun"]
        [['00:00', '24:00']]
        """
        out = self.spec.to_dict()
        if self.horizon != DEFAULT_HORIZON:
            out["horizon"] = format_duration(self.horizon)
        return out

    @classmethod
    def always_open(cls, timezone: str) -> BusinessCalendar:
        """A 24×7 calendar in *timezone* (results are shown in that zone).

        >>> BusinessCalendar.always_open("Asia/Kolkata").timezone.key
        'Asia/Kolkata'
        """
        return cls.from_dict({"timezone": timezone,
                              "hours": {day: [["00:00", "24:00"]] for day in DAYS}})

    @classmethod
    def versioned(cls, versions: Iterable[tuple[date | str, BusinessCalendar]]) -> BusinessCalendar:
        """Effective-dated versions: each governs from local midnight of its date on.

        The earliest version also governs all time before its date.

        >>> from datetime import date
        >>> old = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> new = BusinessCalendar.always_open("UTC")
        >>> cal = BusinessCalendar.versioned([(date(2025, 1, 1), old), (date(2025, 6, 1), new)])
        >>> cal.to_dict()["versions"][1]["from"]
        '2025-06-01'
        """
        pairs = []
        for i, item in enumerate(versions):
            if not isinstance(item, tuple) or len(item) != 2 \
                    or not isinstance(item[1], BusinessCalendar):
                raise ConfigError(join("versions", i), f"expected (date, BusinessCalendar), got "
                                  f"{item!r}", "(date or 'YYYY-MM-DD', BusinessCalendar)")
            pairs.append((parse_date(item[0], join(join("versions", i), "from")), item[1]))
        return cls(VersionedSpec(check_versions(pairs, "versions")))

    # -- composition --------------------------------------------------------------------------

    def __or__(self, other: BusinessCalendar) -> BusinessCalendar:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return BusinessCalendar(UnionSpec((self, other)), self.horizon)

    def __and__(self, other: BusinessCalendar) -> BusinessCalendar:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return BusinessCalendar(IntersectionSpec((self, other)), self.horizon)

    def __sub__(self, windows: IntervalSet | Recurrence | Iterable[tuple[datetime, datetime]]
                ) -> BusinessCalendar:
        if isinstance(windows, Recurrence):
            return BusinessCalendar(MinusSpec(self, IntervalSet(), (windows,)), self.horizon)
        if not isinstance(windows, IntervalSet):
            if isinstance(windows, (BusinessCalendar, str, bytes, Mapping)) \
                    or not isinstance(windows, Iterable):
                return NotImplemented
            windows = IntervalSet.from_datetimes(windows, "windows")
        return BusinessCalendar(MinusSpec(self, windows), self.horizon)

    # -- properties ---------------------------------------------------------------------------

    @property
    def timezone(self) -> ZoneInfo:
        """The zone results are expressed in.

        >>> BusinessCalendar.always_open("UTC").timezone
        zoneinfo.ZoneInfo(key='UTC')
        """
        return self._zone

    # -- datetime API -------------------------------------------------------------------------

    def is_open(self, t: datetime) -> bool:
        """Whether *t* lies in an open interval (intervals are half-open).

        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> cal.is_open(datetime(2025, 1, 6, 17, 0, tzinfo=timezone.utc))
        False
        """
        return self._engine.is_open(to_us(t, "t"))

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        """Business time in ``[a, b)``, signed: ``elapsed(b, a) == -elapsed(a, b)``.

        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> monday_10, tuesday = (datetime(2025, 1, 6, 10, tzinfo=timezone.utc),
        ...                       datetime(2025, 1, 7, tzinfo=timezone.utc))
        >>> cal.elapsed(monday_10, tuesday), cal.elapsed(tuesday, monday_10) == -timedelta(hours=7)
        (datetime.timedelta(seconds=25200), True)
        """
        try:  # the hot path, inlined: aware datetimes in, timedelta out
            a_us: int = _dt_sub(a, _EPOCH) // _ONE_US
            b_us: int = _dt_sub(b, _EPOCH) // _ONE_US
        except TypeError:  # naive or not datetimes: let to_us name the argument
            a_us, b_us = to_us(a, "a"), to_us(b, "b")
        return _ONE_US * self._engine.elapsed(a_us, b_us)

    def elapsed_many(self, starts: Any, ends: Any) -> Any:
        """:meth:`elapsed` for many pairs at once (numpy ``searchsorted`` over the compiled
        timeline when the ``columnar`` extra is installed, else a loop; the same results).

        *starts* and *ends* are sequences of aware datetimes (a list of ``timedelta``
        back) or numpy ``datetime64`` arrays of UTC instants (``timedelta64[us]`` back);
        see :func:`itsm_core.calendar.bulk.elapsed_many`.

        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> monday_10 = datetime(2025, 1, 6, 10, tzinfo=timezone.utc)
        >>> cal.elapsed_many([monday_10], [monday_10 + timedelta(days=1)])
        [datetime.timedelta(seconds=25200)]
        """
        return elapsed_many(self, starts, ends)

    def add(self, t: datetime, d: timedelta) -> datetime:
        """The earliest ``u >= t`` with ``elapsed(t, u) == d`` (it may be a closing time).

        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> cal.add(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), timedelta(hours=8)).isoformat()
        '2025-01-06T17:00:00+00:00'
        """
        try:  # the hot path, inlined: timedelta in, aware datetime out
            us: int = d // _ONE_US
        except TypeError:
            us = duration_us(d, "d")  # raises the right error for a non-timedelta
        if us < 0:
            duration_us(d, "d")  # raises InvalidArgumentError naming d
        try:
            t_us: int = _dt_sub(t, _EPOCH) // _ONE_US
        except TypeError:  # naive or not a datetime: let to_us name the argument
            t_us = to_us(t, "t")
        result = self._engine.add(t_us, us)
        try:
            return (_EPOCH + _ONE_US * result).astimezone(self._zone)
        except OverflowError:
            return from_us(result, self._zone)  # raises the out-of-range error

    def subtract(self, t: datetime, d: timedelta) -> datetime:
        """The latest ``u <= t`` with ``elapsed(u, t) == d`` (it may be an opening time).

        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> cal.subtract(datetime(2025, 1, 7, tzinfo=timezone.utc), timedelta(hours=8)).isoformat()
        '2025-01-06T09:00:00+00:00'
        """
        return from_us(self._engine.subtract(to_us(t, "t"), _business_us(d)), self._zone)

    def next_open(self, t: datetime) -> datetime:
        """*t* if open, else the start of the next open interval.

        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> cal.next_open(datetime(2025, 1, 6, 17, tzinfo=timezone.utc)).isoformat()
        '2025-01-13T09:00:00+00:00'
        """
        return from_us(self._engine.next_open(to_us(t, "t")), self._zone)

    def next_close(self, t: datetime) -> datetime:
        """The end of the open interval containing *t*, else of the next one.

        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> cal.next_close(datetime(2025, 1, 6, 8, tzinfo=timezone.utc)).isoformat()
        '2025-01-06T17:00:00+00:00'
        """
        return from_us(self._engine.next_close(to_us(t, "t")), self._zone)

    def previous_close(self, t: datetime) -> datetime:
        """*t* if it lies in ``(start, end]`` of an open interval, else the end of the last
        interval before *t*.

        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> cal.previous_close(datetime(2025, 1, 13, 9, tzinfo=timezone.utc)).isoformat()
        '2025-01-06T17:00:00+00:00'
        """
        return from_us(self._engine.previous_close(to_us(t, "t")), self._zone)

    def open_intervals(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
        """The open intervals clipped to ``[a, b)``, in the calendar's zone.

        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> [(s.hour, e.hour) for s, e in cal.open_intervals(
        ...     datetime(2025, 1, 6, 12, tzinfo=timezone.utc), datetime(2025, 1, 14, tzinfo=timezone.utc))]
        [(12, 17), (9, 17)]
        """
        pairs = self._engine.open_pairs(to_us(a, "a"), to_us(b, "b"))
        return [(from_us(s, self._zone), from_us(e, self._zone)) for s, e in pairs]

    def explain(self, a: datetime, b: datetime) -> CalendarExplanation:
        """The business time between *a* and *b* with the open intervals it counted.

        For ``add(t, d)`` the intervals consumed are ``explain(t, add(t, d))``.

        >>> cal = BusinessCalendar.always_open("UTC")
        >>> cal.explain(datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 1, 2, tzinfo=timezone.utc)).elapsed
        datetime.timedelta(days=1)
        """
        a_us, b_us = to_us(a, "a"), to_us(b, "b")
        lo, hi = min(a_us, b_us), max(a_us, b_us)
        pairs = self._engine.open_pairs(lo, hi)
        return CalendarExplanation(
            start=from_us(a_us, self._zone),
            end=from_us(b_us, self._zone),
            elapsed=timedelta(microseconds=self._engine.elapsed(a_us, b_us)),
            intervals=tuple((from_us(s, self._zone), from_us(e, self._zone))
                            for s, e in pairs),
        )


def _make(spec: CalendarSpec, horizon: timedelta | None) -> BusinessCalendar:
    return BusinessCalendar(spec, DEFAULT_HORIZON if horizon is None else horizon)

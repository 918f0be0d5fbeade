"""Business days: local dates with open time, counted on a calendar's integer timeline.

A *business day* is a date, in the calendar's own zone, whose span (from its local midnight
to the next one) holds open time, however little: a half day counts, and an overnight shift
makes both dates it touches business days.  Every function here works on the calendar's
private :class:`~itsm_core.calendar.timeline.Timeline` (instants as integer microseconds) and
hops from one open interval to the next, never walking closed time date by date; see
``docs/calendar.md``, "Business days".

>>> from datetime import date
>>> from zoneinfo import ZoneInfo
>>> from itsm_core.calendar.timeline import Timeline
>>> hour = 3_600_000_000
>>> noon_to_two = Timeline(lambda lo, hi: [(d + 12 * hour, d + 14 * hour)   # every UTC day
...                                         for d in range(lo - lo % (24 * hour), hi, 24 * hour)],
...                        horizon_us=400 * 24 * hour)
>>> utc = ZoneInfo("UTC")
>>> add_business_days(noon_to_two, utc, date(2025, 1, 1), 3), is_business_day(noon_to_two, utc, date(2025, 1, 1))
(datetime.date(2025, 1, 4), True)
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from itsm_core._instant import US_PER_DAY, US_PER_SECOND, from_us, to_us
from itsm_core.calendar.timeline import Timeline
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, NoBusinessTimeError, shown

__all__ = [
    "MAX_DAY_COUNT",
    "add_business_days",
    "add_to",
    "as_count",
    "as_day",
    "business_day_bounds",
    "business_days_between",
    "count_between",
    "day_bound",
    "day_span",
    "is_business_day",
    "local_date",
    "next_business_day",
    "previous_business_day",
    "shift_instant",
    "wall_time_on",
]

_ONE_DAY = timedelta(days=1)

#: The most business days ``add_business_days`` counts either way (a century of dates):
#: the work is one search per business day counted, so the count bounds it.
MAX_DAY_COUNT = 36_525


def day_span(zone: ZoneInfo, day: date) -> tuple[int, int]:
    """``[start, end)`` of local date *day*: from its first instant to the next date's.

    A date starts at local midnight (``fold=0``); a midnight inside a DST gap moves forward
    by the gap, so the date starts at its first existing instant.

    >>> from zoneinfo import ZoneInfo
    >>> lo, hi = day_span(ZoneInfo("Europe/London"), date(2025, 3, 30))   # spring forward
    >>> (hi - lo) // 3_600_000_000
    23
    """
    start = to_us(datetime(day.year, day.month, day.day, tzinfo=zone), "day")
    if day == date.max:  # the next date is beyond datetime: the last date lasts 24 hours
        return start, start + US_PER_DAY
    after = day + _ONE_DAY
    return start, to_us(datetime(after.year, after.month, after.day, tzinfo=zone), "day")


def local_date(us: int, zone: ZoneInfo) -> date:
    """The local date of instant *us* in *zone*.

    >>> from zoneinfo import ZoneInfo
    >>> local_date(0, ZoneInfo("America/New_York"))
    datetime.date(1969, 12, 31)
    """
    return from_us(us, zone).date()


def is_business_day(engine: Timeline, zone: ZoneInfo, day: date) -> bool:
    """Whether local date *day* holds open time.

    >>> from zoneinfo import ZoneInfo
    >>> is_business_day(Timeline(lambda lo, hi: [], 2**45), ZoneInfo("UTC"), date(2025, 1, 1))
    False
    """
    lo, hi = _span(engine, zone, day)
    return bool(engine.open_pairs(lo, hi))


def business_day_bounds(engine: Timeline, zone: ZoneInfo, day: date) -> tuple[int, int]:
    """The first open instant of business day *day* and the end of its last open time
    (clipped to the date: an overnight shift's part on the next date belongs to that date).

    Raises:
        InvalidArgumentError: *day* holds no open time.

    >>> from zoneinfo import ZoneInfo
    >>> always = Timeline(lambda lo, hi: [(lo, hi)], 2**45)
    >>> business_day_bounds(always, ZoneInfo("UTC"), date(1970, 1, 2))
    (86400000000, 172800000000)
    """
    lo, hi = _span(engine, zone, day)
    try:
        first = engine.next_open(lo)  # two bisects, not a list of the day's intervals
    except NoBusinessTimeError:
        first = hi
    if first >= hi:
        raise InvalidArgumentError(f"day: {day.isoformat()} is not a business day (it holds "
                                   "no open time); expected a business day")
    return first, engine.previous_close(hi)


def _span(engine: Timeline, zone: ZoneInfo, day: date) -> tuple[int, int]:
    """:func:`day_span`, remembered by the engine (a date's span never changes)."""
    key = (zone, day)
    found = engine._day_spans.get(key)
    if found is None:
        found = engine._day_spans[key] = day_span(zone, day)
    return found


# a date found by stepping from a known one takes at most this many steps (a long closure
# is then found by converting the instant instead)
_STEPS = 16


def next_business_day(engine: Timeline, zone: ZoneInfo, day: date) -> date:
    """The first business day after *day* (one bisect, whatever closed time lies between).

    Raises:
        NoBusinessTimeError: no open time within the calendar's horizon.

    >>> from zoneinfo import ZoneInfo
    >>> always = Timeline(lambda lo, hi: [(lo, hi)], 2**45)
    >>> next_business_day(always, ZoneInfo("UTC"), date(2025, 1, 31))
    datetime.date(2025, 2, 1)
    """
    opens = engine.next_open(_span(engine, zone, day)[1])
    after = day
    for _ in range(_STEPS):  # the spans of consecutive dates are contiguous
        after += _ONE_DAY
        if opens < _span(engine, zone, after)[1]:
            return after
    return local_date(opens, zone)


def previous_business_day(engine: Timeline, zone: ZoneInfo, day: date) -> date:
    """The last business day before *day*.

    Raises:
        NoBusinessTimeError: no open time within the calendar's horizon.

    >>> from zoneinfo import ZoneInfo
    >>> always = Timeline(lambda lo, hi: [(lo, hi)], 2**45)
    >>> previous_business_day(always, ZoneInfo("UTC"), date(2025, 3, 1))
    datetime.date(2025, 2, 28)
    """
    last_open = engine.previous_close(_span(engine, zone, day)[0]) - 1
    before = day
    for _ in range(_STEPS):
        before -= _ONE_DAY
        if last_open >= _span(engine, zone, before)[0]:
            return before
    return local_date(last_open, zone)


def add_business_days(engine: Timeline, zone: ZoneInfo, day: date, n: int) -> date:
    """The *n*-th business day after *day* (before it for ``n < 0``); *day* itself for 0.

    *day* is never counted, whether it is a business day or not.  The work is one bisect
    per business day counted.

    >>> from zoneinfo import ZoneInfo
    >>> always = Timeline(lambda lo, hi: [(lo, hi)], 2**45)
    >>> add_business_days(always, ZoneInfo("UTC"), date(2025, 1, 1), -1)
    datetime.date(2024, 12, 31)
    """
    step = next_business_day if n > 0 else previous_business_day
    known = engine._day_steps
    for _ in range(abs(n)):
        key = (zone, day, n > 0)  # the neighbour of a date never changes: remembered
        found = known.get(key)
        if found is None:
            found = known[key] = step(engine, zone, day)
        day = found
    return day


def business_days_between(engine: Timeline, zone: ZoneInfo, a: date, b: date) -> int:
    """The business days in ``(a, b]``, signed: ``-business_days_between(b, a)``.

    Counted from the open intervals, not date by date: an interval covers every date from
    the one it starts on to the one holding its last instant.

    >>> from zoneinfo import ZoneInfo
    >>> always = Timeline(lambda lo, hi: [(lo, hi)], 2**45)
    >>> business_days_between(always, ZoneInfo("UTC"), date(2025, 1, 1), date(2024, 1, 1))
    -366
    """
    if a > b:
        return -business_days_between(engine, zone, b, a)
    if a == b:
        return 0
    lo = day_span(zone, a)[1]
    hi = day_span(zone, b)[1]
    count = 0
    last = a  # the latest date counted so far
    for start, end in engine.open_pairs(lo, hi):
        first = max(local_date(start, zone), last + _ONE_DAY)
        final = local_date(end - 1, zone)
        if final >= first:
            count += (final - first).days + 1
            last = final
    return count


def wall_time_on(zone: ZoneInfo, day: date, micros: int) -> int:
    """The instant showing *micros* after midnight on the wall clock of local date *day*.

    ``fold=0``, as for shifts: a wall time inside a DST gap moves forward by the gap and an
    ambiguous one takes its first occurrence.  ``micros == US_PER_DAY`` (24:00) is the start
    of the next date.

    >>> from zoneinfo import ZoneInfo
    >>> gap = wall_time_on(ZoneInfo("Europe/London"), date(2025, 3, 30), 5_400_000_000)
    >>> from_us(gap, ZoneInfo("Europe/London")).isoformat()   # 01:30 does not exist
    '2025-03-30T02:30:00+01:00'
    """
    if micros >= US_PER_DAY:
        return day_span(zone, day)[1]
    seconds, fraction = divmod(micros, US_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return to_us(datetime.combine(day, time(hour, minute, second, fraction), tzinfo=zone), "t")


def as_day(value: object, zone: ZoneInfo, name: str) -> date:
    """*value* as a local date: a ``date`` as given, an aware ``datetime`` by its date in
    *zone*.

    Raises:
        ArgumentTypeError: *value* is neither (NaiveDatetimeError for a naive datetime).

    >>> from zoneinfo import ZoneInfo
    >>> from datetime import timezone
    >>> as_day(datetime(2025, 1, 1, 3, tzinfo=timezone.utc), ZoneInfo("America/New_York"), "day")
    datetime.date(2024, 12, 31)
    """
    if isinstance(value, datetime):
        return local_date(to_us(value, name), zone)
    if isinstance(value, date):
        return value
    raise ArgumentTypeError(f"{name}: expected a date or an aware datetime, got "
                            f"{type(value).__name__} {shown(value)}")


def as_count(value: object, name: str) -> int:
    """*value*, which must be an ``int`` (not a ``bool``).

    >>> as_count(True, "n")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: n: expected an int, got bool True
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name}: expected an int, got {type(value).__name__} "
                                f"{shown(value)}")
    return value


def shift_instant(engine: Timeline, zone: ZoneInfo, t: int, n: int) -> int:
    """The same wall-clock time as instant *t*, *n* business days later (earlier if
    ``n < 0``), placed with :func:`wall_time_on`; *t* itself for ``n == 0``.

    >>> from zoneinfo import ZoneInfo
    >>> always = Timeline(lambda lo, hi: [(lo, hi)], 2**45)
    >>> shift_instant(always, ZoneInfo("UTC"), 3_600_000_000, 2) // 3_600_000_000
    49
    """
    if n == 0:
        return t
    local = from_us(t, zone)
    micros = ((local.hour * 60 + local.minute) * 60 + local.second) * US_PER_SECOND \
        + local.microsecond
    return wall_time_on(zone, add_business_days(engine, zone, local.date(), n), micros)


def count_between(engine: Timeline, zone: ZoneInfo, a: object, b: object) -> int:
    """:func:`business_days_between` for dates or aware datetimes (checked, by local date).

    >>> from zoneinfo import ZoneInfo
    >>> count_between(Timeline(lambda lo, hi: [], 2**45), ZoneInfo("UTC"), date(2025, 1, 1), "x")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: b: expected a date or an aware datetime, got str 'x'
    """
    return business_days_between(engine, zone, as_day(a, zone, "a"), as_day(b, zone, "b"))


def add_to(engine: Timeline, zone: ZoneInfo, start: object, n: object) -> date | datetime:
    """:func:`add_business_days` for a date, :func:`shift_instant` for an aware datetime
    (the result an aware datetime in *zone*); arguments checked.

    >>> from zoneinfo import ZoneInfo
    >>> always = Timeline(lambda lo, hi: [(lo, hi)], 2**45)
    >>> add_to(always, ZoneInfo("UTC"), datetime(2025, 1, 1, 12, tzinfo=ZoneInfo("UTC")), 1).isoformat()
    '2025-01-02T12:00:00+00:00'
    >>> add_to(always, ZoneInfo("UTC"), date(2025, 1, 1), 10**6)
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: n: 1000000 business days is out of range; expected an int from -36525 to 36525
    """
    count = as_count(n, "n")
    if not -MAX_DAY_COUNT <= count <= MAX_DAY_COUNT:
        raise InvalidArgumentError(f"n: {shown(count)} business days is out of range; expected "
                                   f"an int from -{MAX_DAY_COUNT} to {MAX_DAY_COUNT}")
    if isinstance(start, datetime):
        return from_us(shift_instant(engine, zone, to_us(start, "start"), count), zone)
    return add_business_days(engine, zone, as_day(start, zone, "start"), count)


def day_bound(engine: Timeline, zone: ZoneInfo, day: object, index: int) -> datetime:
    """The start (*index* 0) or end (1) of business day *day* (:func:`business_day_bounds`)
    as an aware datetime in *zone*.

    >>> from zoneinfo import ZoneInfo
    >>> always = Timeline(lambda lo, hi: [(lo, hi)], 2**45)
    >>> day_bound(always, ZoneInfo("UTC"), date(2025, 1, 1), 1).isoformat()
    '2025-01-02T00:00:00+00:00'
    """
    bounds = business_day_bounds(engine, zone, as_day(day, zone, "day"))
    return from_us(bounds[index], zone)

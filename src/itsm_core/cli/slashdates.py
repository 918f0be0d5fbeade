"""Slash dates (``D/M/YYYY HH:MM[:SS] [AM|PM]``, or month first) read part by part.

An export's time column holds a few hundred dates and at most 86,400 clock readings, in
tens of thousands of combinations.  :class:`SlashDates` reads each date part and each
clock part once and puts a text together from the two, with its wall-clock instant in
microseconds, so that a new text costs two dictionary lookups and one ``datetime``
(:class:`~itsm_core.cli.timeparse.TimeParser` reads every slash date with it, and keeps
no text: a column has too many distinct ones, repeated too far apart;
``benchmarks/bench_columnar.py`` measures the command it serves).

A text is in the slash form exactly when its part before the first space is a date part
``(\\d{1,2})/(\\d{1,2})/(\\d{4})`` and the rest a clock part ``(\\d{1,2}):(\\d{2})(?::(\\d{2}))?``
with an optional ``AM``/``PM`` (a date part holds no space, so the first space is the one
after the year): the same texts, and the same fields, as the whole pattern in
:mod:`itsm_core.cli.timeparse`.

>>> from zoneinfo import ZoneInfo
>>> dates = SlashDates("day-first", ZoneInfo("Europe/London"))
>>> value, wall = dates.read("29/2/2016 01:16")
>>> value.isoformat(), wall
('2016-02-29T01:16:00+00:00', 1456708560000000)
>>> dates.read("2016-02-29T01:16") is None
True
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo

__all__ = ["AMBIGUOUS", "DAY_FIRST", "MONTH_FIRST", "DateKinds", "SlashDates", "order_of"]

DAY_FIRST, MONTH_FIRST, AMBIGUOUS = "day-first", "month-first", "ambiguous"

_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AaPp][Mm]))?")
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_US_PER_DAY = 86_400_000_000
# a part that matches but names no date or time (31/2/2016, 13:00 PM), and one not looked
# at yet (both compared by identity)
_IMPOSSIBLE = (0, 0, 0, -1)
_UNREAD = (0, 0, 0, -2)
_PARTS = 1 << 17  # parts kept (a real column has a few thousand dates, 86,400 clocks)
_US_PER_HOUR = 3_600_000_000
_ONE_US = timedelta(microseconds=1)
_UNREAD_OFFSET = -(1 << 70)  # an hour not looked at yet (no offset is that large)


class SlashDates:
    """Reads slash dates in one *order* (``"day-first"`` or ``"month-first"``) as times in
    *tz* (naive without one), each date part and each clock part once.

    >>> from datetime import timezone
    >>> us = SlashDates("month-first", timezone.utc)
    >>> us.read("02/29/2016 01:23:00 PM")[0].isoformat()
    '2016-02-29T13:23:00+00:00'
    """

    def __init__(self, order: str, tz: tzinfo | None) -> None:
        self._day_first = order == DAY_FIRST
        self._tz = tz
        # part -> (year, month, day, µs of the day's start) or (hour, minute, second,
        # µs into the day); None: not such a part; _IMPOSSIBLE: no such date or time
        self._dates: dict[str, tuple[int, int, int, int] | None] = {}
        self._clocks: dict[str, tuple[int, int, int, int] | None] = {}
        self._offsets: dict[int, int | None] = {}  # wall-clock hour (µs) -> its offset

    def read(self, text: str) -> tuple[datetime, int] | None:
        """The time *text* names, with its wall-clock reading in µs since 1970-01-01
        (subtract the offset to get the instant); ``None`` when *text* is not in the slash
        form.

        Raises:
            ValueError: the form, naming no date or time (``31/2/2016 09:00``,
                ``0:30 AM``).

        >>> SlashDates("day-first", None).read("31/2/2016 09:00")
        Traceback (most recent call last):
        ...
        ValueError: no such date or time: '31/2/2016 09:00'
        """
        parts = self._parts(text)
        if parts is None:
            return None
        day, clock = parts
        return (datetime(day[0], day[1], day[2], clock[0], clock[1], clock[2], tzinfo=self._tz),
                day[3] + clock[3])

    def instant_us(self, text: str) -> int | None:
        """The instant *text* names (µs since the epoch), for a parser with a zone, without
        building its ``datetime``: each hour's offset is read once (per text in an hour
        that holds a change of offset); ``None`` when *text* is not in the slash form.

        Raises:
            ValueError: the form, naming no date or time.

        >>> from zoneinfo import ZoneInfo
        >>> dates = SlashDates("day-first", ZoneInfo("Europe/London"))
        >>> dates.instant_us("1/7/2016 09:00") == 1467360000 * 10**6  # 08:00 UTC
        True
        """
        parts = self._parts(text)
        if parts is None:
            return None
        day, clock = parts
        hour = day[3] + clock[0] * _US_PER_HOUR  # the wall clock's hour, as µs
        offset = self._offsets.get(hour, _UNREAD_OFFSET)
        if offset == _UNREAD_OFFSET:
            offset = self._hour_offset(day, clock[0])
            if len(self._offsets) >= _PARTS:
                self._offsets.clear()
            self._offsets[hour] = offset
        if offset is None:  # the offset changes within this hour: this time's own
            found = datetime(day[0], day[1], day[2], clock[0], clock[1], clock[2],
                             tzinfo=self._tz).utcoffset()
            if found is None:
                return None
            offset = found // _ONE_US
        return day[3] + clock[3] - offset

    def _parts(self, text: str) -> tuple[tuple[int, int, int, int],
                                         tuple[int, int, int, int]] | None:
        """The date part's and the clock part's fields, each read once; ``None`` when
        *text* is not in the slash form; ``ValueError`` when it names no date or time."""
        head, space, tail = text.partition(" ")
        if not space:
            return None
        day = self._dates.get(head, _UNREAD)
        if day is _UNREAD:
            day = _kept(self._dates, head, self._date(head))
        if day is None:
            return None
        clock = self._clocks.get(tail, _UNREAD)
        if clock is _UNREAD:
            clock = _kept(self._clocks, tail, self._clock(tail))
        if clock is None:
            return None
        if day is _IMPOSSIBLE or clock is _IMPOSSIBLE:
            raise ValueError(f"no such date or time: {text!r}")
        return day, clock

    def _hour_offset(self, day: tuple[int, int, int, int], hour: int) -> int | None:
        """The offset (µs) of the whole wall-clock *hour* of *day*, ``None`` if it changes."""
        first = datetime(day[0], day[1], day[2], hour, tzinfo=self._tz).utcoffset()
        last = datetime(day[0], day[1], day[2], hour, 59, 59, 999_999,
                        tzinfo=self._tz).utcoffset()
        if first is None or first != last:
            return None
        return first // _ONE_US

    def _date(self, part: str) -> tuple[int, int, int, int] | None:
        match = _DATE.fullmatch(part)
        if match is None:
            return None
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        day, month = (first, second) if self._day_first else (second, first)
        try:
            start = (date(year, month, day).toordinal() - _EPOCH_DAY) * _US_PER_DAY
        except ValueError:
            return _IMPOSSIBLE
        return year, month, day, start

    @staticmethod
    def _clock(part: str) -> tuple[int, int, int, int] | None:
        match = _CLOCK.fullmatch(part)
        if match is None:
            return None
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        half = match[4]
        if half is not None:  # 12 AM is midnight, 12 PM noon; 0 and 13+ are not 12-hour times
            if not 1 <= hour <= 12:
                return _IMPOSSIBLE
            hour = hour % 12 + (12 if half in ("PM", "pm", "Pm", "pM") else 0)
        if hour > 23 or minute > 59 or second > 59:
            return _IMPOSSIBLE
        return hour, minute, second, ((hour * 60 + minute) * 60 + second) * 1_000_000



class DateKinds(dict[str, str | None]):
    """Time text -> what it says of its column's date order, as
    :func:`~itsm_core.cli.timeparse.date_order` says it (:data:`DAY_FIRST`,
    :data:`MONTH_FIRST`, :data:`AMBIGUOUS` or ``None``), filled as texts are looked up
    (``kinds[text]``), each date part and clock part read once: a lookup of a text seen
    before is a plain ``dict`` one.

    >>> kinds = DateKinds()
    >>> [kinds[t] for t in ("25/3/2016 09:00", "3/25/2016 9:00 PM", "3/4/2016 09:00",
    ...                     "4/4/2016 09:00", "2016-03-04T09:00", " 3/4/2016 10:00 ")]
    ['day-first', 'month-first', 'ambiguous', None, None, 'ambiguous']
    """

    def __init__(self) -> None:
        super().__init__()
        self._dates: dict[str, str | None] = {}  # date part -> its kind
        self._clocks: dict[str, bool] = {}  # clock part -> whether it is one

    def __missing__(self, text: str) -> str | None:
        head, space, tail = text.strip().partition(" ")
        kind = None
        if space:
            clock = self._clocks.get(tail)
            if clock is None:
                if len(self._clocks) >= _PARTS:
                    self._clocks.clear()
                clock = self._clocks[tail] = _CLOCK.fullmatch(tail) is not None
            if clock:
                kind = self._dates.get(head, _UNREAD_KIND)
                if kind is _UNREAD_KIND:
                    if len(self._dates) >= _PARTS:
                        self._dates.clear()
                    kind = self._dates[head] = _kind(head)
        self[text] = kind
        return kind


_UNREAD_KIND = "unread"  # compared by identity


def _kind(part: str) -> str | None:
    """What a date part says of the order (see :class:`DateKinds`)."""
    match = _DATE.fullmatch(part)
    if match is None:
        return None
    return order_of(int(match[1]), int(match[2]))


def order_of(first: int, second: int) -> str | None:
    """What a slash date's *first* and *second* fields say of the order: :data:`DAY_FIRST`
    (the first is above 12, the second is not), :data:`MONTH_FIRST` (the other way),
    :data:`AMBIGUOUS` (both at most 12 and different), or ``None`` (equal fields, or
    fields no order reads: the order changes nothing).

    >>> order_of(25, 3), order_of(3, 25), order_of(3, 4), order_of(4, 4), order_of(0, 4)
    ('day-first', 'month-first', 'ambiguous', None, None)
    """
    if first > 12 and 1 <= second <= 12:
        return DAY_FIRST
    if second > 12 and 1 <= first <= 12:
        return MONTH_FIRST
    if 1 <= first <= 12 and 1 <= second <= 12 and first != second:
        return AMBIGUOUS
    return None

def _kept(parts: dict[str, tuple[int, int, int, int] | None], part: str,
          value: tuple[int, int, int, int] | None) -> tuple[int, int, int, int] | None:
    """*value*, kept as *part*'s in *parts* (which a column of junk cannot grow forever)."""
    if len(parts) >= _PARTS:
        parts.clear()
    parts[part] = value
    return value

"""Reading timestamps from exports: ISO 8601, ``D/M/YYYY HH:MM``, or a strptime format.

:func:`make_time_parser` returns a :class:`TimeParser`, a function from a cell's text to
an aware ``datetime`` whose :meth:`~TimeParser.stamp` also gives the instant in
microseconds.  Slash dates are read date part and clock part apart, each part once
(:mod:`itsm_core.cli.slashdates`); any other text is read once and kept (up to 65,536 of
them); the strptime formats of the ServiceNow form ``D/M/YYYY HH:MM`` take a hand-rolled
fast path.

* Without a format: ISO 8601 (``2016-02-29T01:16:00Z``, ``2016-02-29 01:16``), then the
  slash form ``D/M/YYYY HH:MM[:SS]`` that ServiceNow and most European exports write, or
  its US twin ``M/D/YYYY`` (also with a 12-hour clock: ``02/29/2016 01:23:00 AM``), in
  the *order* given.  The order is never guessed per value: the command line decides it
  once per column (:func:`date_order` on every value: a first field above 12 means
  day-first, a second field above 12 month-first) before any row is evaluated.
* A timestamp with a UTC offset keeps it.  A naive one is local time in ``tz``, mapped
  as Python's ``fold=0`` does (a time in a DST gap moves forward by the gap, an ambiguous
  one takes its first occurrence), the rule the calendars use.  Without ``tz`` a naive
  timestamp raises :class:`~itsm_core.errors.NaiveDatetimeError`, which the CLI turns
  into "pass --tz" (exit 2): guessing the zone would shift every clock silently.

>>> from zoneinfo import ZoneInfo
>>> parse = make_time_parser(None, ZoneInfo("Europe/London"))
>>> parse("29/2/2016 01:16").isoformat()
'2016-02-29T01:16:00+00:00'
>>> parse("2016-07-01T09:30:00+02:00").isoformat()
'2016-07-01T09:30:00+02:00'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo

from itsm_core._instant import to_us
from itsm_core.cli.slashdates import AMBIGUOUS, DAY_FIRST, MONTH_FIRST, SlashDates, order_of
from itsm_core.errors import InvalidArgumentError, NaiveDatetimeError, shown

__all__ = ["AMBIGUOUS", "DAY_FIRST", "DEFAULT_FORMS", "MONTH_FIRST", "ORDERS", "TimeParser",
           "date_order", "make_time_parser"]

_ONE_US = timedelta(microseconds=1)
_CACHED = 1 << 16  # distinct texts a parser keeps (then it starts again)
ORDERS = (DAY_FIRST, MONTH_FIRST)
DEFAULT_FORMS = "ISO 8601 (2016-02-29T01:16:00Z) or D/M/YYYY HH:MM[:SS] (29/2/2016 01:16)"
_FORMS = {DAY_FIRST: DEFAULT_FORMS,
          MONTH_FIRST: "ISO 8601 (2016-02-29T01:16:00Z) or M/D/YYYY HH:MM[:SS] [AM|PM] "
                       "(2/29/2016 01:16, 02/29/2016 01:16:00 AM)"}

_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?")
# either order, 24-hour or 12-hour clock (ServiceNow's US form: 02/29/2016 01:23:00 AM)
_SLASH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?"
                    r"(?: ?([AaPp][Mm]))?")
# the strptime formats the fast path reads exactly as strptime would (one or two digits)
_FAST_FORMATS = {
    "%d/%m/%Y %H:%M": re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{1,2})()"),
    "%d/%m/%Y %H:%M:%S": re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{1,2}):(\d{1,2})"),
}


def _parse_dmy(text: str, pattern: re.Pattern[str] = _DMY,
               tz: tzinfo | None = None) -> datetime | None:
    """``D/M/YYYY HH:MM[:SS]`` as a datetime in *tz* (naive without one), or ``None``."""
    match = pattern.fullmatch(text)
    if match is None:
        return None
    day, month, year, hour, minute, second = match.groups()
    return datetime(int(year), int(month), int(day), int(hour), int(minute),
                    int(second) if second else 0, tzinfo=tz)


def date_order(text: str) -> str | None:
    """What one value says about its column's date order: :data:`DAY_FIRST` (its first
    field is above 12, the second is not), :data:`MONTH_FIRST` (the other way),
    :data:`AMBIGUOUS` (both at most 12 and different: the order matters and this value
    cannot tell), or ``None`` (not the slash form, or a date both orders read alike).

    >>> [date_order(t) for t in ("25/3/2016 09:00", "02/29/2016 01:23:00 AM",
    ...                          "3/4/2016 09:00", "4/4/2016 09:00", "2016-03-04T09:00")]
    ['day-first', 'month-first', 'ambiguous', None, None]
    """
    match = _SLASH.fullmatch(text.strip())
    if match is None:
        return None
    return order_of(int(match[1]), int(match[2]))


def make_time_parser(time_format: str | None, tz: tzinfo | None, *,
                     order: str = DAY_FIRST) -> TimeParser:
    """Return a caching parser from text to an aware ``datetime``.

    Args:
        time_format: a ``strptime`` format, or ``None`` for ISO 8601 then the slash form.
        tz: the zone of naive timestamps, or ``None`` to refuse them.
        order: without a format, the slash form's order: :data:`DAY_FIRST`
            (``D/M/YYYY``, the default) or :data:`MONTH_FIRST` (``M/D/YYYY``); decide it
            for a whole column with :func:`date_order`.

    Raises:
        InvalidArgumentError: *order* is neither.

    The parser raises :class:`~itsm_core.errors.InvalidArgumentError` for text that is
    not a timestamp in the expected form, and
    :class:`~itsm_core.errors.NaiveDatetimeError` for a naive one when *tz* is ``None``.

    >>> parse = make_time_parser("%d.%m.%Y %H:%M", None)
    >>> parse("01.07.2016 09:00")
    Traceback (most recent call last):
    ...
    itsm_core.errors.NaiveDatetimeError: naive timestamp '01.07.2016 09:00' has no UTC offset; expected --tz ZONE (e.g. --tz Europe/London) to say which zone the export's local times are in
    >>> make_time_parser(None, None)("yesterday")
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: cannot read 'yesterday' as a time; expected ISO 8601 (2016-02-29T01:16:00Z) or D/M/YYYY HH:MM[:SS] (29/2/2016 01:16)
    >>> from datetime import timezone
    >>> us = make_time_parser(None, timezone.utc, order="month-first")
    >>> us("02/29/2016 01:23:00 PM").isoformat(), us("2/29/2016 12:05 AM").isoformat()
    ('2016-02-29T13:23:00+00:00', '2016-02-29T00:05:00+00:00')
    """
    if order not in ORDERS:
        raise InvalidArgumentError(f"order: expected one of {', '.join(ORDERS)}, "
                                   f"got {shown(order)}")
    expected = _FORMS[order] if time_format is None else f"the --time-format {shown(time_format)}"
    raw: Callable[[str], datetime | None]
    if time_format is None:  # the slash form is read by SlashDates first: ISO 8601 is left
        def raw(text: str) -> datetime | None:
            try:
                return datetime.fromisoformat(text)
            except ValueError:
                return None

        return TimeParser(raw, tz, expected, SlashDates(order, tz))
    if time_format in _FAST_FORMATS:
        pattern = _FAST_FORMATS[time_format]

        def raw(text: str) -> datetime | None:
            return _parse_dmy(text, pattern, tz)
    else:
        def raw(text: str) -> datetime | None:
            return datetime.strptime(text, time_format)

    return TimeParser(raw, tz, expected)


class TimeParser:
    """A caching reader of time texts (what :func:`make_time_parser` returns): called
    with a text, the aware ``datetime``; :meth:`stamp` gives it with its instant in
    microseconds too, each computed once per distinct text.

    >>> from datetime import timezone
    >>> parse = make_time_parser(None, timezone.utc)
    >>> parse("1/3/2016 09:00").hour, parse.stamp("1/3/2016 09:00")[1]
    (9, 1456822800000000)
    """

    def __init__(self, raw: Callable[[str], datetime | None], tz: tzinfo | None,
                 expected: str, slash: SlashDates | None = None) -> None:
        self._raw, self._tz, self._expected, self._slash = raw, tz, expected, slash
        self._cache: dict[str, tuple[datetime, int]] = {}

    def __call__(self, text: str) -> datetime:
        return self.stamp(text)[0]

    def instant(self, text: str) -> int:
        """The instant *text* names, in µs since the epoch: :meth:`stamp`'s, without
        building the ``datetime`` of a slash date (what counting needs of most rows).

        Raises:
            InvalidArgumentError, NaiveDatetimeError: as :meth:`stamp`.

        >>> from zoneinfo import ZoneInfo
        >>> parse = make_time_parser(None, ZoneInfo("Europe/London"))
        >>> parse.instant("1/7/2016 09:00") == parse.stamp("1/7/2016 09:00")[1]
        True
        """
        if self._slash is not None and self._tz is not None:
            try:  # the text as it is: one with blanks around goes to stamp, which strips
                found = self._slash.instant_us(text)
            except ValueError:  # no such date: stamp says so
                found = None
            if found is not None:
                return found
        return self.stamp(text)[1]

    def stamp(self, text: str) -> tuple[datetime, int]:
        """The aware ``datetime`` *text* names, and that instant in µs since the epoch.

        Raises:
            InvalidArgumentError: *text* is not a time in the expected form.
            NaiveDatetimeError: *text* is naive and the parser has no zone.

        >>> make_time_parser(None, None).stamp("2016-03-01T09:00Z")[1]
        1456822800000000
        """
        found = self._cache.get(text)
        if found is not None:
            return found
        tz = self._tz
        wall = None  # a slash date's wall-clock reading (µs), from which the instant follows
        try:
            stripped = text.strip()
            found = None if self._slash is None else self._slash.read(stripped)
            if found is None:
                value = self._raw(stripped)
            else:
                value, wall = found
        except ValueError:  # out-of-range fields, e.g. 30/2/2016, or strptime's mismatch
            value = None
        if value is None:
            raise InvalidArgumentError(f"cannot read {shown(text)} as a time; "
                                       f"expected {self._expected}")
        # a value read in a zone *tz* needs no check (its zone replaced by *tz*: no change)
        if (tz is None or value.tzinfo is not tz) and (value.tzinfo is None
                                                       or value.utcoffset() is None):
            if tz is None:
                raise NaiveDatetimeError(
                    f"naive timestamp {shown(text)} has no UTC offset; expected --tz ZONE "
                    "(e.g. --tz Europe/London) to say which zone the export's local times are in"
                )
            value = value.replace(tzinfo=tz)
        offset = None if wall is None else value.utcoffset()
        if wall is not None and offset is not None:
            # a slash date is read again from its parts next time (about as fast as a
            # lookup): an export has too many distinct ones, seen too far apart, to keep
            return value, wall - offset // _ONE_US
        if len(self._cache) >= _CACHED:  # memory follows the open tickets, not the file
            self._cache.clear()
        found = self._cache[text] = (value, to_us(value, "at"))
        return found

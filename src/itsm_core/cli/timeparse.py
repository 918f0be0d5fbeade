"""Reading timestamps from exports: ISO 8601, ``D/M/YYYY HH:MM``, or a strptime format.

:func:`make_time_parser` returns a function from a cell's text to an aware ``datetime``.
Each distinct string is parsed once (exports repeat timestamps a lot), and the exact
ServiceNow form ``D/M/YYYY HH:MM`` takes a hand-rolled fast path.

* Without a format: ISO 8601 (``2016-02-29T01:16:00Z``, ``2016-02-29 01:16``), then the
  day-first ``D/M/YYYY HH:MM[:SS]`` that ServiceNow and most European exports write.
  Month-first (US) exports must say so with ``--time-format "%m/%d/%Y %H:%M"``.
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
from datetime import datetime, tzinfo

from itsm_core.errors import InvalidArgumentError, NaiveDatetimeError, shown

__all__ = ["DEFAULT_FORMS", "TimeParser", "make_time_parser"]

TimeParser = Callable[[str], datetime]

DEFAULT_FORMS = "ISO 8601 (2016-02-29T01:16:00Z) or D/M/YYYY HH:MM[:SS] (29/2/2016 01:16)"

_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?")
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


def _parse_default(text: str, tz: tzinfo | None = None) -> datetime | None:
    # A D/M/YYYY text never reads as ISO 8601 (whose year comes first), so trying it first
    # when the text has a "/" gives the same answer, without a failed ISO attempt; a text
    # it does not fit may still be ISO 8601 ("2016-02-29/01:16": any separator is allowed).
    if "/" in text:
        value = _parse_dmy(text, tz=tz)
        if value is not None:
            return value
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def make_time_parser(time_format: str | None, tz: tzinfo | None) -> TimeParser:
    """Return a caching parser from text to an aware ``datetime``.

    Args:
        time_format: a ``strptime`` format, or ``None`` for ISO 8601 then ``D/M/YYYY HH:MM``.
        tz: the zone of naive timestamps, or ``None`` to refuse them.

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
    """
    expected = DEFAULT_FORMS if time_format is None else f"the --time-format {shown(time_format)}"
    raw: Callable[[str], datetime | None]
    if time_format is None:
        def raw(text: str) -> datetime | None:
            return _parse_default(text, tz)
    elif time_format in _FAST_FORMATS:
        pattern = _FAST_FORMATS[time_format]

        def raw(text: str) -> datetime | None:
            return _parse_dmy(text, pattern, tz)
    else:
        def raw(text: str) -> datetime | None:
            return datetime.strptime(text, time_format)

    cache: dict[str, datetime] = {}

    def parse(text: str) -> datetime:
        found = cache.get(text)
        if found is not None:
            return found
        try:
            value = raw(text.strip())
        except ValueError:  # out-of-range fields, e.g. 30/2/2016, or strptime's mismatch
            value = None
        if value is None:
            raise InvalidArgumentError(f"cannot read {shown(text)} as a time; expected {expected}")
        if value.tzinfo is None or value.utcoffset() is None:
            if tz is None:
                raise NaiveDatetimeError(
                    f"naive timestamp {shown(text)} has no UTC offset; expected --tz ZONE "
                    "(e.g. --tz Europe/London) to say which zone the export's local times are in"
                )
            value = value.replace(tzinfo=tz)
        cache[text] = value
        return value

    return parse

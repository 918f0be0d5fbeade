"""Instants as integer microseconds since the Unix epoch, and durations as integers.

Every engine in itsm_core computes on integers: an aware ``datetime`` enters through
:func:`to_us` and leaves through :func:`from_us`.  Naive datetimes are refused, because a
wall-clock time without a zone names no instant.

>>> from datetime import datetime, timezone
>>> to_us(datetime(1970, 1, 1, 0, 0, 1, tzinfo=timezone.utc), "t")
1000000
>>> from_us(1_000_000, timezone.utc)
datetime.datetime(1970, 1, 1, 0, 0, 1, tzinfo=datetime.timezone.utc)

The resolution is the microsecond.  A finer instant (a ``pandas.Timestamp`` with
nanoseconds) is truncated toward the past on the way in, by :func:`to_us` and by
:func:`instant`, which also makes it a plain ``datetime``; a finer fraction in ISO 8601 text
is truncated the same way by :func:`parse_instant`.  Durations are exact to the
microsecond: :func:`parse_duration` refuses a finer one rather than round it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pendulum

from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    NaiveDatetimeError,
    shown,
)

__all__ = [
    "US_PER_DAY",
    "US_PER_HOUR",
    "MAX_DURATION_TEXT",
    "US_PER_SECOND",
    "duration_in_words",
    "duration_us",
    "format_duration",
    "from_us",
    "instant",
    "load_zone",
    "parse_duration",
    "parse_instant",
    "td",
    "to_us",
]

US_PER_SECOND = 1_000_000
US_PER_HOUR = 3_600 * US_PER_SECOND
US_PER_DAY = 24 * US_PER_HOUR

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_US = timedelta(microseconds=1)
_MAX_US = timedelta.max // _ONE_US  # the range of timedelta, in microseconds
_MIN_US = timedelta.min // _ONE_US
_dt_sub = datetime.__sub__  # the C subtraction, whatever datetime subclass comes in


def to_us(value: object, name: str) -> int:
    """Return the aware datetime *value* as integer microseconds since the epoch.

    Subclasses (``pendulum.DateTime``, ``pandas.Timestamp``) are accepted unchanged.

    Raises:
        NaiveDatetimeError: *value* has no UTC offset.
        ArgumentTypeError: *value* is not a datetime.

    >>> from datetime import datetime
    >>> to_us(datetime(2025, 1, 1), "opened_at")
    Traceback (most recent call last):
    ...
    itsm_core.errors.NaiveDatetimeError: opened_at: naive datetime 2025-01-01 00:00:00; expected an aware datetime (with tzinfo)
    """
    try:
        result: int = _dt_sub(value, _EPOCH) // _ONE_US  # type: ignore[call-overload]
    except TypeError:
        pass  # naive, or not a datetime: diagnosed below, off the fast path
    else:
        return result
    if not isinstance(value, datetime):
        raise ArgumentTypeError(
            f"{name}: expected an aware datetime, got {type(value).__name__} {shown(value)}"
        )
    raise NaiveDatetimeError(
        f"{name}: naive datetime {value}; expected an aware datetime (with tzinfo)"
    )


def instant(value: object, name: str) -> datetime:
    """Return the aware datetime *value* as a plain ``datetime``, to the microsecond.

    A subclass (``pandas.Timestamp``, ``pendulum.DateTime``) becomes a plain ``datetime``
    with the same fields, zone and fold; a ``pandas.Timestamp``'s nanoseconds are dropped,
    which truncates toward the past, as :func:`to_us` does.  A value stored this way writes
    ISO 8601 text that :func:`parse_instant` reads back to an equal value.

    Raises:
        NaiveDatetimeError: *value* has no UTC offset.
        ArgumentTypeError: *value* is not a datetime.

    >>> import pandas as pd
    >>> stamp = pd.Timestamp("2025-01-06T09:00:00.000001999+00:00")
    >>> instant(stamp, "at")
    datetime.datetime(2025, 1, 6, 9, 0, 0, 1, tzinfo=datetime.timezone.utc)
    >>> to_us(instant(stamp, "at"), "at") == to_us(stamp, "at")
    True
    """
    to_us(value, name)  # an aware datetime, or an error
    if type(value) is datetime or not isinstance(value, datetime):
        return value  # type: ignore[return-value]  # not a datetime: to_us raised
    return datetime(value.year, value.month, value.day, value.hour, value.minute,
                    value.second, value.microsecond, value.tzinfo, fold=value.fold)


def load_zone(value: object, path: str) -> ZoneInfo:
    """Return the IANA zone named *value*, or raise a ConfigError naming *path*.

    >>> load_zone("Europe/London", "timezone").key
    'Europe/London'
    >>> load_zone("Mars/Olympus", "timezone")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: timezone: unknown time zone 'Mars/Olympus'; expected an IANA time zone name such as "Europe/London" or "UTC"
    """
    form = 'an IANA time zone name such as "Europe/London" or "UTC"'
    if not isinstance(value, str) or not value:
        raise ConfigError(path, f"expected a time zone name, got {shown(value)}", form)
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        raise ConfigError(path, f"unknown time zone {shown(value)}", form) from None


_INSTANT_FORM = "an aware ISO 8601 date-time such as '2025-03-01T22:00:00+00:00'"
_FINER = re.compile(r"([.,]\d{6})\d+")  # digits past the microsecond, cut before reading


def parse_instant(value: object, path: str) -> datetime:
    """Read an aware instant from an ISO 8601 string, or take an aware datetime.

    The result is a plain ``datetime`` (see :func:`instant`); digits past the microsecond
    are truncated, toward the past.

    >>> parse_instant("2025-03-01T22:00:00.0000019+00:00", "t").isoformat()
    '2025-03-01T22:00:00.000001+00:00'
    >>> parse_instant("2025-03-01T22:00:00+01:00", "start").isoformat()
    '2025-03-01T22:00:00+01:00'
    >>> parse_instant("2025-03-01T22:00", "changes[0].start")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: changes[0].start: '2025-03-01T22:00' has no UTC offset; expected an aware ISO 8601 date-time such as '2025-03-01T22:00:00+00:00'
    """
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, str):
        try:
            result = datetime.fromisoformat(_FINER.sub(r"\1", value, count=1))
        except ValueError:
            raise ConfigError(path, f"cannot read {shown(value)}", _INSTANT_FORM) from None
    else:
        raise ConfigError(path, f"expected a date-time, got {type(value).__name__} "
                          f"{shown(value)}", _INSTANT_FORM)
    try:
        offset = result.utcoffset()
    except (ValueError, TypeError, OverflowError):  # a broken tzinfo of a passed datetime
        offset = None
    if offset is None:
        raise ConfigError(path, f"{shown(value)} has no UTC offset", _INSTANT_FORM)
    try:
        return instant(result, path)
    except (ArgumentTypeError, NaiveDatetimeError, OverflowError) as exc:
        raise ConfigError(path, f"{shown(value)} is not a usable instant ({exc})",
                          _INSTANT_FORM) from None


def from_us(us: int, tz: tzinfo) -> datetime:
    """Return the instant *us* as an aware datetime in *tz* (exact, no float).

    Raises:
        InvalidArgumentError: the instant lies outside the years 1 to 9999.

    >>> from zoneinfo import ZoneInfo
    >>> from_us(0, ZoneInfo("Europe/London")).isoformat()
    '1970-01-01T01:00:00+01:00'
    >>> from_us(2**62, ZoneInfo("UTC"))
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: the result falls outside the years 1 to 9999 that datetime can represent
    """
    try:
        return (_EPOCH + _ONE_US * us).astimezone(tz)
    except OverflowError:
        raise InvalidArgumentError(
            "the result falls outside the years 1 to 9999 that datetime can represent"
        ) from None


def duration_us(value: object, name: str, *, allow_negative: bool = False) -> int:
    """Return the ``timedelta`` *value* as integer microseconds.

    Raises:
        ArgumentTypeError: *value* is not a timedelta.
        InvalidArgumentError: *value* is negative and *allow_negative* is false.

    >>> from datetime import timedelta
    >>> duration_us(timedelta(hours=1), "d")
    3600000000
    >>> duration_us(timedelta(hours=-1), "d")
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: d: negative duration -1 day, 23:00:00; expected a timedelta >= 0
    """
    if not isinstance(value, timedelta):
        raise ArgumentTypeError(
            f"{name}: expected a timedelta, got {type(value).__name__} {shown(value)}")
    us: int = value // _ONE_US
    if us < 0 and not allow_negative:
        raise InvalidArgumentError(f"{name}: negative duration {value}; expected a timedelta >= 0")
    return us


def td(us: int) -> timedelta:
    """Return integer microseconds as a ``timedelta``.

    Raises:
        InvalidArgumentError: *us* lies beyond the range of ``timedelta``
            (999,999,999 days either way).

    >>> td(90 * 60 * 1_000_000)
    datetime.timedelta(seconds=5400)
    >>> td(10**21)
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: the duration falls outside the 999999999 days either way that timedelta can represent
    """
    try:
        return _ONE_US * us
    except OverflowError:
        raise InvalidArgumentError(
            "the duration falls outside the 999999999 days either way that timedelta can "
            "represent") from None


_ISO_DURATION = re.compile(
    r"(?P<sign>[-+])?P(?!$)(?:(?P<W>\d+(?:[.,]\d+)?)W)?(?:(?P<D>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<H>\d+(?:[.,]\d+)?)H)?(?:(?P<M>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<S>\d+(?:[.,]\d+)?)S)?)?"
)
_UNIT_US = {"W": 7 * US_PER_DAY, "D": US_PER_DAY, "H": US_PER_HOUR, "M": 60 * US_PER_SECOND,
            "S": US_PER_SECOND}
_DURATION_FORM = (
    "an ISO 8601 duration such as 'PT4H', 'P3D' or 'P1DT2H30M' (weeks, days, hours, minutes, "
    "seconds; a day is 24 hours; no months or years) or a timedelta"
)
#: The longest text read as a duration; longer text is refused before it is parsed.
MAX_DURATION_TEXT = 100
_RANGE_FORM = "a duration within 999999999 days either way (the range of timedelta)"


def parse_duration(value: object, path: str, *, allow_negative: bool = False) -> timedelta:
    """Parse an ISO 8601 duration string (or pass a ``timedelta`` through), exactly.

    A day is 24 hours (of business time, where the duration is a business-time target,
    as in ServiceNow).  Months and years have no fixed length and are refused.  Any unit may
    carry a fraction (``.`` or ``,``), weeks combine with days (``P1W2D``) and a sign is read,
    and the total must be a whole number of microseconds: the digits are summed as exact
    fractions.  (pendulum's ISO 8601 parser rounds fractions of a second past the
    microsecond, truncates small fractions of hours and refuses ``P1W2D`` and signs, so it
    cannot read these durations exactly; pendulum words them, see
    :func:`duration_in_words`.)

    >>> parse_duration("P1DT2H", "targets.high")
    datetime.timedelta(days=1, seconds=7200)
    >>> parse_duration("PT0.1S", "x")
    datetime.timedelta(microseconds=100000)
    >>> parse_duration("P1M", "targets.low")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: targets.low: cannot read 'P1M' as a duration; expected an ISO 8601 duration such as 'PT4H', 'P3D' or 'P1DT2H30M' (weeks, days, hours, minutes, seconds; a day is 24 hours; no months or years) or a timedelta

    Text is at most :data:`MAX_DURATION_TEXT` characters, and the duration must lie in the
    range of ``timedelta`` (999,999,999 days either way):

    >>> parse_duration("P99999999999D", "targets.low")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: targets.low: 'P99999999999D' is too long a duration; expected a duration within 999999999 days either way (the range of timedelta)
    """
    if isinstance(value, timedelta):
        result = value
    elif isinstance(value, str):
        if len(value) > MAX_DURATION_TEXT:  # bounded before any digit is converted
            raise ConfigError(path, f"{shown(value)} is longer than {MAX_DURATION_TEXT} "
                              "characters", _DURATION_FORM)
        match = _ISO_DURATION.fullmatch(value.strip())
        if match is None or not any(match.group(u) for u in _UNIT_US):
            raise ConfigError(path, f"cannot read {shown(value)} as a duration", _DURATION_FORM)
        total = Fraction(0)
        for unit, scale in _UNIT_US.items():
            text = match.group(unit)
            if text:
                total += Fraction(text.replace(",", ".")) * scale
        if total.denominator != 1:
            raise ConfigError(path, f"{shown(value)} is not a whole number of microseconds",
                              _DURATION_FORM)
        us = -int(total) if match.group("sign") == "-" else int(total)
        if not _MIN_US <= us <= _MAX_US:
            raise ConfigError(path, f"{shown(value)} is too long a duration", _RANGE_FORM)
        result = timedelta(microseconds=us)
    else:
        raise ConfigError(path, f"expected a duration, got {type(value).__name__} "
                          f"{shown(value)}", _DURATION_FORM)
    if result < timedelta(0) and not allow_negative:
        raise ConfigError(path, f"negative duration {shown(value)}", "a duration >= 0")
    return result


def format_duration(value: timedelta) -> str:
    """Format a ``timedelta`` as the ISO 8601 string :func:`parse_duration` reads back.

    >>> format_duration(parse_duration("P3D", "x"))
    'P3D'
    >>> format_duration(parse_duration("PT1H30M0.5S", "x"))
    'PT1H30M0.5S'
    >>> format_duration(parse_duration("PT0S", "x"))
    'PT0S'
    """
    us = value // _ONE_US
    sign = "-" if us < 0 else ""
    us = abs(us)
    days, us = divmod(us, US_PER_DAY)
    hours, us = divmod(us, US_PER_HOUR)
    minutes, us = divmod(us, 60 * US_PER_SECOND)
    seconds, micros = divmod(us, US_PER_SECOND)
    time = ""
    if hours:
        time += f"{hours}H"
    if minutes:
        time += f"{minutes}M"
    if seconds or micros:
        time += f"{seconds}.{micros:06d}".rstrip("0").rstrip(".") + "S"
    if not days and not time:
        return "PT0S"
    return f"{sign}P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


def duration_in_words(value: timedelta) -> str:
    """A ``timedelta`` in English words for text reports, exact in every unit it shows.

    Whole weeks, days, hours, minutes and seconds are worded by pendulum (a week is seven
    24-hour days); a fraction of a second is shown to the microsecond.

    >>> duration_in_words(timedelta(hours=3, minutes=20))
    '3 hours 20 minutes'
    >>> duration_in_words(timedelta(days=9, seconds=1.5))
    '1 week 2 days 1.5 seconds'
    >>> duration_in_words(-timedelta(minutes=1)), duration_in_words(timedelta(0))
    ('-1 minute', '0 seconds')
    """
    us = value // _ONE_US
    if us == 0:
        return "0 seconds"
    sign = "-" if us < 0 else ""
    seconds, micros = divmod(abs(us), US_PER_SECOND)
    whole = seconds if not micros else seconds - seconds % 60
    words = [pendulum.duration(seconds=whole).in_words(locale="en")] if whole else []
    if micros:
        words.append(f"{seconds % 60}.{micros:06d}".rstrip("0") + " seconds")
    return sign + " ".join(words)

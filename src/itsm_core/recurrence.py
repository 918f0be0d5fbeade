"""RFC 5545 recurrences (``RRULE``) as sets of half-open intervals.

A :class:`Recurrence` is a rule, a first start (``DTSTART``, a wall-clock time in an IANA
zone) and a duration.  Occurrences are generated in **local wall time** with
``dateutil.rrule`` (a naive ``DTSTART``), then each wall start is mapped to an instant the way
Python's ``fold=0`` does: a start inside a DST gap moves forward by the gap, an ambiguous one
takes its first occurrence.  The end is the start instant plus the duration as *elapsed* time,
so a four-hour window is four real hours even across a DST change.

>>> from datetime import datetime, timedelta
>>> from zoneinfo import ZoneInfo
>>> from itsm_core._instant import to_us
>>> rec = Recurrence(rule="FREQ=WEEKLY;BYDAY=SA",
...                  start=datetime(2025, 1, 4, 22, 0, tzinfo=ZoneInfo("Europe/London")),
...                  duration=timedelta(hours=4))
>>> utc = ZoneInfo("UTC")
>>> a = to_us(datetime(2025, 1, 10, tzinfo=utc), "a")
>>> b = to_us(datetime(2025, 1, 20, tzinfo=utc), "b")
>>> [(s.isoformat(), e.isoformat()) for s, e in rec.occurrences(a, b).to_datetimes(utc)]
[('2025-01-11T22:00:00+00:00', '2025-01-12T02:00:00+00:00'), ('2025-01-18T22:00:00+00:00', '2025-01-19T02:00:00+00:00')]
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from dateutil.rrule import (
    DAILY,
    HOURLY,
    MINUTELY,
    MONTHLY,
    SECONDLY,
    WEEKLY,
    YEARLY,
    rrule,
    rrulestr,
)

from itsm_core._config import check_depth, reject_unknown
from itsm_core._instant import (
    duration_us,
    format_duration,
    from_us,
    load_zone,
    parse_duration,
    to_us,
)
from itsm_core.errors import ConfigError, InvalidArgumentError, shown
from itsm_core.intervals import IntervalSet

__all__ = ["MAX_COUNT", "MAX_OCCURRENCES", "Recurrence"]

#: The largest ``COUNT`` accepted: a counted rule is expanded once, when it is read.
MAX_COUNT = 100_000
#: The most occurrences a rule may have in one compiled chunk of time (2**45 µs, about 407
#: days), counted as an upper bound from the rule's frequency, interval and ``BY*`` parts:
#: a rule every 6 minutes fits (about 97,700), one every 5 minutes does not.
MAX_OCCURRENCES = 100_000

_RULE_FORM = "an RFC 5545 RRULE such as 'FREQ=WEEKLY;BYDAY=SA' (one rule, no DTSTART/EXDATE)"
_START_FORM = "a local date-time 'YYYY-MM-DDTHH:MM[:SS]' without offset"
_STEP = {WEEKLY: timedelta(weeks=1), DAILY: timedelta(days=1), HOURLY: timedelta(hours=1),
         MINUTELY: timedelta(minutes=1)}
_FREQ_NAMES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")
_PERIOD_SECONDS = (365 * 86_400, 28 * 86_400, 7 * 86_400, 86_400, 3_600, 60, 1)  # shortest
_CHUNK_SECONDS = 2**45 // 1_000_000 + 4 * 86_400  # a chunk and the slack around it
_KEYS = ("rrule", "start", "timezone", "duration")
_DATE_PARTS = ("byweekno", "byyearday", "bymonthday", "byweekday", "byeaster")
_WALL_MIN = datetime(1, 1, 3)
_WALL_MAX = datetime(9999, 12, 29)
_PROBE_START = datetime(9599, 1, 1)  # 400 Gregorian years before datetime.max: a full cycle


def _zone_of(start: datetime) -> ZoneInfo:
    tz = start.tzinfo
    if isinstance(tz, ZoneInfo):
        return tz
    if tz is timezone.utc:
        return ZoneInfo("UTC")
    raise ConfigError("start", f"time zone {shown(tz)} is not an IANA zone",
                      "a datetime whose tzinfo is a zoneinfo.ZoneInfo")


_UNTIL_UTC = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)


def _localise_until(body: str, zone: ZoneInfo) -> str:
    """RFC 5545 asks for a UTC ``UNTIL`` beside a zoned ``DTSTART``: turn it into wall time."""

    def local(match: re.Match[str]) -> str:
        instant = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=timezone.utc)
        return "UNTIL=" + instant.astimezone(zone).strftime("%Y%m%dT%H%M%S")

    return _UNTIL_UTC.sub(local, body)


def _parse_rule(text: object, dtstart: datetime, zone: ZoneInfo) -> rrule:
    if not isinstance(text, str) or not text.strip():
        raise ConfigError("rrule", f"expected a rule, got {shown(text)}", _RULE_FORM)
    body = text.strip()
    if "\n" in body or body.upper().startswith(("DTSTART", "EXDATE", "RDATE")):
        raise ConfigError("rrule", f"{shown(text)} holds more than one RRULE line", _RULE_FORM)
    try:
        rule = rrulestr(_localise_until(body, zone), dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise ConfigError("rrule", f"cannot read {shown(text)}: {str(exc)[:120]}",
                          _RULE_FORM) from None
    if not isinstance(rule, rrule):  # pragma: no cover - guarded by the single-line check
        raise ConfigError("rrule", f"{shown(text)} is not a single RRULE", _RULE_FORM)
    return bounded_rule(rule, "rrule", shown(text), MINUTELY)


def bounded_rule(rule: rrule, path: str, shown_text: str, finest: int, form: str = _RULE_FORM
                 ) -> rrule:
    """*rule* checked to be cheap to expand anywhere, as an equivalent rule without ``COUNT``.

    Refuses a frequency finer than *finest*, ``INTERVAL`` < 1, ``COUNT`` > :data:`MAX_COUNT`,
    more than :data:`MAX_OCCURRENCES` in a chunk, and date filters no date matches; a counted
    rule is expanded once and becomes the same rule ending (``UNTIL``) at its last occurrence.

    >>> from dateutil.rrule import rrulestr
    >>> bounded_rule(rrulestr("FREQ=DAILY;COUNT=3", dtstart=datetime(2025, 1, 1)), "r", "", DAILY)._until
    datetime.datetime(2025, 1, 3, 0, 0)
    >>> bounded_rule(rrulestr("FREQ=HOURLY", dtstart=datetime(2025, 1, 1)), "r", "", DAILY)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: r: FREQ=HOURLY is not allowed here; expected FREQ=DAILY or coarser (YEARLY, MONTHLY, WEEKLY, DAILY)
    """
    freq: int = getattr(rule, "_freq", YEARLY)
    if freq > finest:
        raise ConfigError(path, f"FREQ={_FREQ_NAMES[freq]} is not allowed here",
                          f"FREQ={_FREQ_NAMES[finest]} or coarser "
                          f"({', '.join(_FREQ_NAMES[:finest + 1])})")
    interval: int = getattr(rule, "_interval", 1)
    if interval < 1:
        raise ConfigError(path, f"INTERVAL={interval} is not allowed", "INTERVAL >= 1")
    count = getattr(rule, "_count", None)
    if count is not None and not 1 <= count <= MAX_COUNT:
        raise ConfigError(path, f"COUNT={count} is out of range", f"1 <= COUNT <= {MAX_COUNT}")
    most = _most_per_chunk(rule)
    if most > MAX_OCCURRENCES:
        raise ConfigError(path, f"{shown_text} may give about {most:,} occurrences in 407 days",
                          f"at most {MAX_OCCURRENCES:,} (a coarser FREQ, a larger INTERVAL or "
                          "fewer BY* values)")
    _require_some_date(rule, shown_text, path, form)
    if count is not None:
        last = deque(rule, maxlen=1)  # at most MAX_COUNT occurrences
        until = last[0] if last else rule._dtstart  # type: ignore[attr-defined]
        rule = rule.replace(count=None, until=until)
    return rule


def _size(values: Any) -> int:
    return len(values) if values else 0


def _most_per_chunk(rule: rrule) -> int:
    """An upper bound of the occurrences of *rule* in any span of :data:`_CHUNK_SECONDS`."""
    freq: int = getattr(rule, "_freq", YEARLY)
    interval: int = getattr(rule, "_interval", 1)
    times = 1
    for level, name in ((HOURLY, "_byhour"), (MINUTELY, "_byminute"), (SECONDLY, "_bysecond")):
        if freq < level:
            times *= max(1, _size(getattr(rule, name, None)))
    weekdays = _size(getattr(rule, "_byweekday", None))
    nweekdays = _size(getattr(rule, "_bynweekday", None))
    monthdays = _size(getattr(rule, "_bymonthday", None)) + _size(getattr(rule, "_bynmonthday", None))
    months = _size(getattr(rule, "_bymonth", None)) or 12
    bounds = {YEARLY: [366], MONTHLY: [31], WEEKLY: [7]}.get(freq, [1])
    if freq in (YEARLY, MONTHLY):
        per = months if freq == YEARLY else 1
        if monthdays:
            bounds.append(monthdays * per)
        if weekdays or nweekdays:
            bounds.append(weekdays * 5 * per + nweekdays * per)
        if freq == YEARLY:
            bounds.append(months * 31)
            for name, days in (("_byyearday", 1), ("_byweekno", 7), ("_byeaster", 1)):
                if getattr(rule, name, None):
                    bounds.append(_size(getattr(rule, name)) * days)
    per_period = min(bounds) * times
    setpos = _size(getattr(rule, "_bysetpos", None))
    if setpos:
        per_period = min(per_period, setpos)
    periods = _CHUNK_SECONDS // (_PERIOD_SECONDS[freq] * interval) + 2
    return periods * per_period


def anchored(rule: rrule, lo: datetime) -> rrule:
    """*rule* (without ``COUNT``) restarted at the start of a period shortly before *lo*, with
    every implied ``BY*`` part made explicit: the same occurrences from *lo* on, found without
    replaying those since its first start.

    >>> from dateutil.rrule import rrulestr
    >>> rule = rrulestr("FREQ=MONTHLY;INTERVAL=5", dtstart=datetime(1970, 1, 31, 9))
    >>> later = anchored(rule, datetime(9000, 1, 1))
    >>> later._dtstart, later.after(datetime(9000, 1, 1))
    (datetime.datetime(8999, 8, 1, 0, 0), datetime.datetime(9000, 1, 31, 9, 0))
    >>> rule.after(datetime(9000, 1, 1)) == later.after(datetime(9000, 1, 1))
    True
    """
    first: datetime = rule._dtstart  # type: ignore[attr-defined]
    freq: int = getattr(rule, "_freq", YEARLY)
    interval: int = getattr(rule, "_interval", 1)
    if getattr(rule, "_count", None) is not None:
        return rule
    if freq in _STEP:
        step = _STEP[freq] * interval
        periods = (lo - first) // step - 1
        start = first + periods * step if periods > 0 else None
    else:
        unit = 12 if freq == YEARLY else 1
        months = (lo.year - first.year) * 12 + lo.month - first.month
        periods = months // (unit * interval) - 1
        index = first.year * 12 + first.month - 1 + periods * unit * interval
        start = datetime(index // 12, index % 12 + 1, 1) if periods > 0 else None
    if start is None:
        return rule
    return rule.replace(dtstart=start, **_explicit(rule, first))


def _explicit(rule: rrule, first: datetime) -> dict[str, Any]:
    """The ``BY*`` parts *rule* takes from its first start, written out (dateutil's defaults)."""
    given: dict[str, Any] = dict(getattr(rule, "_original_rule", {}))
    freq: int = getattr(rule, "_freq", YEARLY)
    out: dict[str, Any] = {}
    if not any(given.get(part) for part in _DATE_PARTS):
        if freq == YEARLY:
            out["bymonth"] = given.get("bymonth") or first.month
            out["bymonthday"] = first.day
        elif freq == MONTHLY:
            out["bymonthday"] = first.day
        elif freq == WEEKLY:
            out["byweekday"] = first.weekday()
    for level, name, value in ((HOURLY, "byhour", first.hour), (MINUTELY, "byminute", first.minute),
                               (SECONDLY, "bysecond", first.second)):
        if freq < level and not given.get(name):
            out[name] = value
    return out


def _require_some_date(rule: rrule, text: str, path: str, form: str) -> None:
    """Refuse a rule whose date filters match no date at all (dateutil would scan to 9999)."""
    dtstart: datetime = rule._dtstart  # type: ignore[attr-defined]
    original: dict[str, Any] = dict(getattr(rule, "_original_rule", {}))
    freq: Any = getattr(rule, "_freq", DAILY)
    extra: dict[str, Any] = {}
    if not any(original.get(part) for part in _DATE_PARTS) and freq in (YEARLY, MONTHLY):
        extra["bymonthday"] = (dtstart.day,)
        if freq == YEARLY and not original.get("bymonth"):
            extra["bymonth"] = (dtstart.month,)
    probe = rule.replace(dtstart=_PROBE_START, freq=DAILY if freq >= DAILY else freq, interval=1, count=None,
                         until=None, bysetpos=None, byhour=0, byminute=0, bysecond=0, **extra)
    if probe.after(_PROBE_START, inc=True) is None:
        raise ConfigError(path, f"{text} matches no date in any year", form)


@attrs.frozen(kw_only=True)
class Recurrence:
    """A recurring interval: an RRULE, its first start in an IANA zone, and a duration.

    Attributes:
        rule: the RRULE text (``"FREQ=WEEKLY;BYDAY=SA"``; an ``RRULE:`` prefix is accepted).
        start: the aware ``DTSTART``; its wall time in its ``ZoneInfo`` drives the rule.
        duration: the length of each occurrence, elapsed time, ``> 0``.

    As in ``dateutil`` (and unlike RFC 5545), ``start`` is itself an occurrence only when it
    matches the rule.

    >>> from datetime import datetime, timedelta
    >>> from zoneinfo import ZoneInfo
    >>> Recurrence(rule="FREQ=DAILY", start=datetime(2025, 1, 1, 2, 0, tzinfo=ZoneInfo("UTC")),
    ...            duration=timedelta(hours=1)).to_dict()["duration"]
    'PT1H'
    """

    rule: str
    start: datetime
    duration: timedelta
    _zone: ZoneInfo = attrs.field(init=False, eq=False, repr=False)
    _rrule: rrule = attrs.field(init=False, eq=False, repr=False)
    _duration_us: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        to_us(self.start, "start")
        zone = _zone_of(self.start)
        try:
            dur = duration_us(self.duration, "duration")
        except (TypeError, ValueError) as exc:
            raise ConfigError("duration", str(exc), "a timedelta > 0") from None
        if dur <= 0:
            raise ConfigError("duration", f"{self.duration} is not positive", "a timedelta > 0")
        wall = self.start.replace(tzinfo=None, fold=0)
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_rrule", _parse_rule(self.rule, wall, zone))
        object.__setattr__(self, "_duration_us", dur)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Recurrence:
        """Build from plain data: ``rrule``, ``start`` (local wall time), ``timezone``, ``duration``.

        Errors name the field; read a nested recurrence with ``itsm_core._config.read_at`` to
        place them under its path.

        >>> rec = Recurrence.from_dict({"rrule": "FREQ=WEEKLY;BYDAY=SA",
        ...     "start": "2025-01-04T22:00", "timezone": "Europe/London", "duration": "PT4H"})
        >>> Recurrence.from_dict(rec.to_dict()) == rec
        True
        >>> from itsm_core._config import read_at
        >>> read_at("freezes[2]", Recurrence.from_dict, {"rrule": "FREQ=SOMETIMES",
        ...     "start": "2025-01-04T22:00", "timezone": "UTC", "duration": "PT4H"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: freezes[2].rrule: cannot read 'FREQ=SOMETIMES': invalid 'FREQ': SOMETIMES; expected an RFC 5545 RRULE such as 'FREQ=WEEKLY;BYDAY=SA' (one rule, no DTSTART/EXDATE)
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}",
                              "{'rrule', 'start', 'timezone', 'duration'}")
        reject_unknown(data, _KEYS)
        for key in _KEYS:
            if key not in data:
                raise ConfigError(key, "missing", "a value for this key")
        zone = load_zone(data["timezone"], "timezone")
        text = data["start"]
        try:
            if not isinstance(text, str):
                raise ValueError(text)
            wall = datetime.fromisoformat(text)
        except ValueError:
            raise ConfigError("start", f"cannot read {shown(text)}", _START_FORM) from None
        if wall.tzinfo is not None:
            raise ConfigError("start", f"{shown(text)} carries an offset", _START_FORM)
        duration = parse_duration(data["duration"], "duration")
        return cls(rule=data["rrule"], start=wall.replace(tzinfo=zone),  # type: ignore[arg-type]
                   duration=duration)

    def to_dict(self) -> dict[str, str]:
        """Plain data that :meth:`from_dict` reads back to an equal value.

        >>> from datetime import datetime, timedelta
        >>> from zoneinfo import ZoneInfo
        >>> Recurrence(rule="FREQ=MONTHLY;BYDAY=1SU",
        ...            start=datetime(2025, 1, 5, 1, 0, tzinfo=ZoneInfo("Europe/Paris")),
        ...            duration=timedelta(hours=3)).to_dict()
        {'rrule': 'FREQ=MONTHLY;BYDAY=1SU', 'start': '2025-01-05T01:00:00', 'timezone': 'Europe/Paris', 'duration': 'PT3H'}
        """
        return {"rrule": self.rule, "start": self.start.replace(tzinfo=None).isoformat(),
                "timezone": self._zone.key, "duration": format_duration(self.duration)}

    def occurrences(self, a: int, b: int) -> IntervalSet:
        """The occurrences overlapping ``[a, b)`` (microseconds), clipped to it.

        Only the window is expanded: a rule without ``COUNT`` is re-anchored (by whole
        periods, which keeps its phase) shortly before the window, so an infinite rule with a
        start decades ago costs no more than one starting today.

        >>> from datetime import datetime, timedelta
        >>> from zoneinfo import ZoneInfo
        >>> london = ZoneInfo("Europe/London")
        >>> rec = Recurrence(rule="FREQ=DAILY", start=datetime(2025, 3, 29, 1, 30, tzinfo=london),
        ...                  duration=timedelta(hours=1))
        >>> day = to_us(datetime(2025, 3, 30, tzinfo=london), "a")
        >>> [(s.isoformat(), e.isoformat()) for s, e in
        ...  rec.occurrences(day, day + 86_400_000_000).to_datetimes(london)]
        [('2025-03-30T02:30:00+01:00', '2025-03-30T03:30:00+01:00')]
        """
        if a >= b:
            return IntervalSet.empty()
        dur = self._duration_us
        slack = timedelta(days=2)  # wall time and instants differ by less than a day
        lo = self._wall(a - dur) - slack
        hi = self._wall(b) + slack
        rule = anchored(self._rrule, lo)
        pairs = []
        for wall in rule.between(lo, hi, inc=True):
            start = to_us(wall.replace(tzinfo=self._zone), "occurrence")
            if start < b and start + dur > a:
                pairs.append((max(start, a), min(start + dur, b)))
        return IntervalSet.from_pairs(pairs)

    def _wall(self, us: int) -> datetime:
        try:
            wall = from_us(us, self._zone).replace(tzinfo=None)
        except InvalidArgumentError:  # beyond the years 1 to 9999
            return _WALL_MIN if us < 0 else _WALL_MAX
        return min(max(wall, _WALL_MIN), _WALL_MAX)

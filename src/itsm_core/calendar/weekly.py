"""Weekly business hours with holidays, closed dates, special hours and recurring closures.

This is the leaf of every calendar: local wall-clock rules, compiled on demand into UTC
intervals.  A shift belongs to the local date on which it starts; a holiday, closed date or
recurring closure removes the shifts that start on it; ``special_hours`` replaces a date's
shifts and wins over a holiday (explicit beats generic).  Wall times become instants as
Python's ``fold=0`` does: a time in a DST gap moves forward by the gap, an ambiguous time
takes its first occurrence.

>>> spec = WeeklySpec.from_dict({"timezone": "Europe/London",
...                              "hours": {"mon": [["09:00", "17:00"]]}})
>>> spec.to_dict()
{'timezone': 'Europe/London', 'hours': {'mon': [['09:00', '17:00']]}}
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from dateutil.rrule import DAILY, rrule, rruleset, rrulestr

from itsm_core._config import check_depth, join, read_at, reject_unknown
from itsm_core._instant import load_zone
from itsm_core.calendar.config import (
    DAYS,
    SECONDS_PER_DAY,
    HolidaySource,
    Shift,
    parse_date,
    parse_shifts,
    shifts_overlap,
)
from itsm_core.errors import ConfigError, shown
from itsm_core.recurrence import anchored, bounded_rule

__all__ = ["WeeklySpec"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_FIRST_DATE = date.min  # the compiled dates: every date datetime can represent
_LAST_DATE = date.max
_RRULE_ANCHOR = datetime(1970, 1, 1)
_KEYS = ("timezone", "hours", "holidays", "closed_dates", "special_hours", "closed_rules")
_RRULE_FORM = (
    'an RFC 5545 rule such as "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24" (dates: FREQ=DAILY or '
    'coarser; an optional "DTSTART:20250103" line anchors INTERVAL rules, default 1970-01-01)'
)


def _local_date(us: int, zone: ZoneInfo) -> date:
    try:
        return (_EPOCH + timedelta(microseconds=us)).astimezone(zone).date()
    except OverflowError:
        return _FIRST_DATE if us < 0 else _LAST_DATE


def _key(key: object) -> str:
    """A mapping key as a path part: itself if a string, else shown bounded."""
    return key if isinstance(key, str) else shown(key)


def _check_keys(value: Mapping[Any, Any], allowed: tuple[str, ...], path: str,
                also: tuple[str, ...] = ()) -> None:
    """Refuse keys outside *allowed*; the message also lists *also* (keys a caller
    already took out, such as a calendar's ``horizon``)."""
    reject_unknown(value, allowed, path, f"one of {', '.join(allowed + also)}")


@attrs.frozen
class WeeklySpec:
    """The rules of a weekly business-hours calendar (the leaf of every calendar).

    Attributes:
        timezone: IANA zone name the rules are written in.
        hours: seven tuples of shifts, Monday first.
        holidays: holiday sources whose dates close the day.
        closed_dates: explicit dates closed.
        special_hours: ``(date, shifts)`` replacing a date's weekly shifts.
        closed_rules: RFC 5545 rules whose dates close the day.

    >>> spec = WeeklySpec.from_dict({"timezone": "UTC", "hours": {"sat": [["10:00", "14:00"]]}})
    >>> spec.hours[5]
    (Shift(start=36000, end=50400),)
    """

    timezone: str
    hours: tuple[tuple[Shift, ...], ...]
    holidays: tuple[HolidaySource, ...] = ()
    closed_dates: tuple[date, ...] = ()
    special_hours: tuple[tuple[date, tuple[Shift, ...]], ...] = ()
    closed_rules: tuple[str, ...] = ()
    _rules: tuple[_ClosedRule, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_rules", tuple(
            _ClosedRule.parse(rule, join("closed_rules", i))
            for i, rule in enumerate(self.closed_rules)))

    # -- configuration ------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WeeklySpec:
        """Validate the weekly configuration mapping (without composition keys).

        The keys are those of ``BusinessCalendar.from_dict`` less ``horizon``; a nested spec
        is read with ``itsm_core._config.read_at``, which places errors under its path.

        >>> WeeklySpec.from_dict({"timezone": "UTC", "hours": {"funday": []}})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: hours.funday: unknown key; expected one of mon, tue, wed, thu, fri, sat, sun
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}",
                              '{"timezone": ..., "hours": {"mon": [["09:00", "17:00"]], ...}}')
        _check_keys(data, _KEYS, "",
                    also=("horizon", "union", "intersection", "minus", "versions"))
        if "timezone" not in data:
            raise ConfigError("timezone", "missing",
                              'an IANA time zone name such as "Europe/London"')
        zone = load_zone(data["timezone"], "timezone")

        raw_hours = data.get("hours", {})
        hours_path = "hours"
        if not isinstance(raw_hours, Mapping):
            raise ConfigError(hours_path, f"expected a mapping of days, got {shown(raw_hours)}",
                              '{"mon": [["09:00", "17:00"]], ...}')
        _check_keys(raw_hours, DAYS, hours_path)
        hours = tuple(parse_shifts(raw_hours.get(day, []), join(hours_path, day)) for day in DAYS)

        raw_holidays = data.get("holidays", [])
        holidays_path = "holidays"
        if not isinstance(raw_holidays, (list, tuple)):
            raise ConfigError(holidays_path, f"expected a list, got {shown(raw_holidays)}",
                              '[{"country": "GB", "subdivision": "ENG"}]')
        holidays = tuple(read_at(join(holidays_path, i), HolidaySource.from_dict, item)
                         for i, item in enumerate(raw_holidays))

        raw_closed = data.get("closed_dates", [])
        closed_path = "closed_dates"
        if not isinstance(raw_closed, (list, tuple)):
            raise ConfigError(closed_path, f"expected a list of dates, got {shown(raw_closed)}",
                              '["2025-08-01", ...]')
        closed = tuple(sorted({parse_date(item, join(closed_path, i))
                               for i, item in enumerate(raw_closed)}))

        raw_special = data.get("special_hours", {})
        special_path = "special_hours"
        if not isinstance(raw_special, Mapping):
            raise ConfigError(special_path, f"expected a mapping, got {shown(raw_special)}",
                              '{"2025-12-24": [["09:00", "13:00"]]}')
        special: dict[date, tuple[Shift, ...]] = {}
        for key, shifts_value in raw_special.items():
            where = join(special_path, _key(key))
            day = parse_date(key, where)
            if day in special:
                raise ConfigError(where, f"{day} is given twice", "each date once")
            shifts = parse_shifts(shifts_value, where)
            clash = shifts_overlap(shifts)
            if clash is not None:
                raise ConfigError(
                    where, f"shifts {clash[0].to_dict()} and {clash[1].to_dict()} overlap",
                    "the special hours of one date as disjoint shifts",
                )
            if day in closed:
                raise ConfigError(where, f"{day} is also in closed_dates",
                                  "a date either closed or with special hours, not both")
            special[day] = shifts

        raw_rules = data.get("closed_rules", [])
        rules_path = "closed_rules"
        if not isinstance(raw_rules, (list, tuple)):
            raise ConfigError(rules_path, f"expected a list of rules, got {shown(raw_rules)}",
                              _RRULE_FORM)
        rules = tuple(_check_rule(item, join(rules_path, i)) for i, item in enumerate(raw_rules))

        return cls(zone.key, hours, holidays, closed,
                   tuple(sorted(special.items())), rules)

    def to_dict(self) -> dict[str, Any]:
        """The configuration mapping; ``from_dict(to_dict())`` gives an equal spec.

        >>> WeeklySpec.from_dict({"timezone": "UTC", "closed_dates": ["2025-01-02"]}).to_dict()
        {'timezone': 'UTC', 'hours': {}, 'closed_dates': ['2025-01-02']}
        """
        out: dict[str, Any] = {
            "timezone": self.timezone,
            "hours": {day: [s.to_dict() for s in shifts]
                      for day, shifts in zip(DAYS, self.hours, strict=True) if shifts},
        }
        if self.holidays:
            out["holidays"] = [h.to_dict() for h in self.holidays]
        if self.closed_dates:
            out["closed_dates"] = [d.isoformat() for d in self.closed_dates]
        if self.special_hours:
            out["special_hours"] = {d.isoformat(): [s.to_dict() for s in shifts]
                                    for d, shifts in self.special_hours}
        if self.closed_rules:
            out["closed_rules"] = list(self.closed_rules)
        return out

    # -- compilation --------------------------------------------------------------------------

    def compile(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The open intervals (UTC microseconds) of shifts that may meet ``[lo, hi)``.

        >>> spec = WeeklySpec.from_dict({"timezone": "UTC", "hours": {"thu": [["09:00", "10:00"]]}})
        >>> spec.compile(0, 86_400_000_000)  # 1970-01-01 was a Thursday
        [(32400000000, 36000000000)]
        """
        zone = ZoneInfo(self.timezone)
        first = date.fromordinal(max(_local_date(lo, zone).toordinal() - 2, 1))
        last = date.fromordinal(min(_local_date(hi, zone).toordinal() + 1, _LAST_DATE.toordinal()))
        if first > last:
            return []
        closed = {d for d in self.closed_dates if first <= d <= last}
        for source in self.holidays:
            closed.update(source.dates(first.year, last.year))
        for rule in self._rules:
            closed.update(rule.dates(first, last))
        special = {d: shifts for d, shifts in self.special_hours if first <= d <= last}
        hours = self.hours
        out: list[tuple[int, int]] = []
        day = first
        while True:
            shifts = special.get(day)
            if shifts is None:
                shifts = () if day in closed else hours[day.weekday()]
            if shifts:
                midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
                for shift in shifts:
                    end_seconds = shift.end + (SECONDS_PER_DAY if shift.overnight else 0)
                    # aware + timedelta is wall-clock arithmetic: fold=0 semantics
                    start = (midnight + timedelta(seconds=shift.start) - _EPOCH) // _ONE_US
                    try:
                        end = (midnight + timedelta(seconds=end_seconds) - _EPOCH) // _ONE_US
                    except OverflowError:  # the last date, past 9999-12-31 24:00 local
                        end = (midnight - _EPOCH) // _ONE_US + end_seconds * 1_000_000
                    if start < end:
                        out.append((start, end))
            if day == last:
                return out
            day += _ONE_DAY

    def describe(self) -> str:
        """A one-line summary for reprs.

        >>> WeeklySpec.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}}).describe()
        'UTC, mon 09:00-17:00'
        """
        days = ", ".join(
            f"{name} " + " ".join("-".join(s.to_dict()) for s in shifts)
            for name, shifts in zip(DAYS, self.hours, strict=True) if shifts
        )
        extra = []
        if self.holidays:
            extra.append("holidays " + " ".join(
                h.country + (f"-{h.subdivision}" if h.subdivision else "") for h in self.holidays))
        if self.closed_dates or self.special_hours or self.closed_rules:
            extra.append(f"{len(self.closed_dates) + len(self.special_hours)} dated exceptions"
                         + (f", {len(self.closed_rules)} rules" if self.closed_rules else ""))
        return ", ".join([self.timezone, days or "always closed", *extra])


def _check_rule(value: object, path: str) -> str:
    _ClosedRule.parse(value, path)
    assert isinstance(value, str)  # parse refused anything else
    return value


@attrs.frozen
class _ClosedRule:
    """A parsed ``closed_rules`` entry: rules and dates that add, rules and dates that remove."""

    rules: tuple[rrule, ...]
    rdates: tuple[datetime, ...]
    exrules: tuple[rrule, ...]
    exdates: tuple[datetime, ...]

    @classmethod
    def parse(cls, value: object, path: str) -> _ClosedRule:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(path, f"expected an RRULE string, got {shown(value)}", _RRULE_FORM)
        try:
            parsed = rrulestr(value, dtstart=_RRULE_ANCHOR, forceset=True)
            assert isinstance(parsed, rruleset)
            rules, exrules = parsed._rrule, parsed._exrule  # type: ignore[attr-defined]
            dates, exdates = parsed._rdate, parsed._exdate  # type: ignore[attr-defined]
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError):
            raise ConfigError(path, f"cannot read {shown(value)} as a recurrence rule",
                              _RRULE_FORM) from None
        if any(d.tzinfo is not None for d in (*dates, *exdates)) \
                or any(r._dtstart.tzinfo is not None for r in (*rules, *exrules)):
            raise ConfigError(path, f"{shown(value)} carries a time zone", _RRULE_FORM)
        return cls(tuple(bounded_rule(r, path, shown(value), DAILY, _RRULE_FORM) for r in rules),
                   tuple(dates),
                   tuple(bounded_rule(r, path, shown(value), DAILY, _RRULE_FORM) for r in exrules),
                   tuple(exdates))

    def dates(self, first: date, last: date) -> set[date]:
        """The dates from *first* to *last* (inclusive) an occurrence falls on."""
        lo = datetime(first.year, first.month, first.day)
        hi = datetime(last.year, last.month, last.day, 23, 59, 59)
        found = {d for d in self.rdates if lo <= d <= hi}
        for rule in self.rules:
            found.update(anchored(rule, lo).between(lo, hi, inc=True))
        found.difference_update(self.exdates)
        for rule in self.exrules:
            found.difference_update(anchored(rule, lo).between(lo, hi, inc=True))
        return {d.date() for d in found}

"""Deadlines people write in contracts: business days, relative deadlines, negotiated dates.

A target is either a business-time budget (an ISO 8601 duration, see :mod:`.targets`) or a
*deadline*: a rule giving the due instant from the moment the clock starts.  Three kinds:

* :class:`BusinessDayDeadline` -- "end of the 2nd business day" (``"P2BD"`` or
  ``{"business_days": 2}``), "by 16:00 next business day" (``{"business_days": 1, "by":
  "16:00"}``), "2 business days to the minute" (``{"business_days": 2, "by": "same_time"}``);
* :class:`CutoffDeadline` -- "same business day by 17:00 if received before 14:00, else next
  business day by 12:00";
* :class:`FieldDeadline` -- a due date negotiated per ticket, read from one of its fields.

The semantics, with worked examples, are in ``docs/deadlines.md``.

>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> from itsm_core.calendar import BusinessCalendar
>>> london = ZoneInfo("Europe/London")
>>> cal = BusinessCalendar.from_dict({"timezone": "Europe/London", "hours": {
...     d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}})
>>> friday_3pm = datetime(2025, 1, 10, 15, tzinfo=london)
>>> BusinessDayDeadline.from_dict("P2BD").due(friday_3pm, cal).isoformat()
'2025-01-14T17:00:00+00:00'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Protocol

import attrs

from itsm_core._config import read_at, reject_unknown
from itsm_core._instant import US_PER_SECOND, from_us, parse_instant, to_us
from itsm_core.calendar import days
from itsm_core.calendar.business import BusinessCalendar
from itsm_core.calendar.config import format_time, parse_time
from itsm_core.errors import ConfigError, InvalidArgumentError, ItsmError, shown
from itsm_core.ratios import parse_number

__all__ = [
    "MAX_BUSINESS_DAYS",
    "BusinessDayDeadline",
    "CutoffDeadline",
    "Deadline",
    "FieldDeadline",
]

#: The most business days a deadline may count (about fourteen years of working weeks): the
#: due instant is found one business day at a time, so the count bounds the work.
MAX_BUSINESS_DAYS = 3653

END_OF_DAY = "end_of_day"
SAME_TIME = "same_time"
_NO_FIELDS: Mapping[str, Any] = MappingProxyType({})
_BD = re.compile(r"P(\d{1,9})BD")
_FORM = ('a deadline: "P<n>BD", {"business_days": n, "by": "end_of_day" | "same_time" | '
         '"HH:MM"}, {"cutoff": "HH:MM", "before": ..., "after": ...} or {"due_field": name}')
_BY_FORM = '"end_of_day", "same_time" or a time of day "HH:MM" or "HH:MM:SS" up to "24:00"'
_INSTANT_FORM = "an aware datetime or ISO 8601 date-time such as '2025-03-01T22:00:00+00:00'"
_TIME_FORM = 'a time of day "HH:MM" or "HH:MM:SS" from 00:00 to 24:00'


class Deadline(Protocol):
    """What every deadline provides: the due instant for a clock started at *start*.

    ``due`` takes and returns aware datetimes; ``_due_us`` is the replay's integer form,
    returning a reason (a string) instead of raising when the ticket's own data cannot give
    a due instant.

    >>> from datetime import datetime, timezone
    >>> from itsm_core.calendar import BusinessCalendar
    >>> deadline: Deadline = FieldDeadline("due_date")
    >>> deadline.due(datetime(2025, 1, 1, tzinfo=timezone.utc), BusinessCalendar.always_open("UTC"),
    ...              {"due_date": "2025-01-03T12:00:00+00:00"}).isoformat()
    '2025-01-03T12:00:00+00:00'
    """

    def due(self, start: datetime, calendar: BusinessCalendar,
            fields: Mapping[str, Any] = ...) -> datetime: ...

    def _due_us(self, start_us: int, calendar: BusinessCalendar,
                fields: Mapping[str, Any]) -> int | str: ...

    def to_dict(self) -> object: ...


def _due(deadline: Deadline, start: datetime, calendar: BusinessCalendar,
         fields: Mapping[str, Any]) -> datetime:
    """The public ``due``: check the arguments, compute, raise the reason if there is one."""
    if not isinstance(calendar, BusinessCalendar):
        raise InvalidArgumentError(f"calendar: expected a BusinessCalendar, got "
                                   f"{type(calendar).__name__}")
    if not isinstance(fields, Mapping):
        raise InvalidArgumentError(f"fields: expected a mapping, got {type(fields).__name__}")
    found = deadline._due_us(to_us(start, "start"), calendar, fields)
    if isinstance(found, str):
        raise InvalidArgumentError(found)
    return from_us(found, calendar.timezone)


def _time_us(value: object, path: str, form: str) -> int:
    """A time of day ``"HH:MM[:SS]"`` from 00:00 to 24:00 as microseconds after midnight."""
    if not isinstance(value, str) or len(value) > 8:
        raise ConfigError(path, f"expected a time of day, got {shown(value)}", form)
    try:
        return parse_time(value, path, is_end=True) * US_PER_SECOND
    except ConfigError:
        raise ConfigError(path, f"cannot read {shown(value)} as a time of day", form) from None


def _canonical_by(value: object) -> str:
    """*value* as ``by`` is stored: a keyword, or the time of day in its shortest form."""
    if value in (END_OF_DAY, SAME_TIME):
        return str(value)
    return format_time(_time_us(value, "by", _BY_FORM) // US_PER_SECOND)


def _canonical_cutoff(value: object) -> str:
    return format_time(_time_us(value, "cutoff", _TIME_FORM) // US_PER_SECOND)


def _check_days(_: object, __: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) \
            or not 0 <= value <= MAX_BUSINESS_DAYS:
        raise ConfigError("business_days", f"expected a whole number of business days, got "
                          f"{shown(value)}", f"an integer from 0 to {MAX_BUSINESS_DAYS}")


def _receipt(start_us: int, calendar: BusinessCalendar) -> int:
    """When the clock effectively starts: *start* if open, else the next opening."""
    return calendar._engine.next_open(start_us)


def _wall_us(us: int, calendar: BusinessCalendar) -> int:
    """The wall-clock reading of instant *us* in the calendar's zone, as microseconds
    after local midnight."""
    local = from_us(us, calendar.timezone)
    return ((local.hour * 60 + local.minute) * 60 + local.second) * US_PER_SECOND \
        + local.microsecond


@attrs.frozen
class BusinessDayDeadline:
    """Due on the *days*-th business day after the day the ticket is received.

    The ticket is *received* when its clock starts, or at the next opening when that is
    closed (a ticket logged on Saturday is received on Monday morning); the day received is
    business day 0.  On business day *days*, the ticket is due at *by*: ``"end_of_day"``
    (the end of that day's open time), ``"same_time"`` (the wall-clock time it was received)
    or a time of day ``"HH:MM"``.  A time of day before the day's first opening moves to the
    opening, one after its last close moves back to the close; ``docs/deadlines.md`` works
    the cases.

    Attributes:
        days: business days to count, 0 (the same business day) to :data:`MAX_BUSINESS_DAYS`.
        by: ``"end_of_day"``, ``"same_time"`` or ``"HH:MM"``/``"HH:MM:SS"`` (up to 24:00).

    >>> from datetime import datetime, timezone
    >>> from itsm_core.calendar import BusinessCalendar
    >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {
    ...     d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}})
    >>> BusinessDayDeadline(1, "16:00").due(datetime(2025, 1, 10, 11, tzinfo=timezone.utc), cal).isoformat()
    '2025-01-13T16:00:00+00:00'
    """

    days: int = attrs.field(validator=_check_days)
    by: str = attrs.field(default=END_OF_DAY, converter=_canonical_by)
    _by_us: int | None = attrs.field(init=False, eq=False, hash=False, repr=False)

    @_by_us.default
    def _wall_by(self) -> int | None:
        return None if self.by in (END_OF_DAY, SAME_TIME) else _time_us(self.by, "by", _BY_FORM)

    @classmethod
    def from_dict(cls, data: object) -> BusinessDayDeadline:
        """Read ``"P<n>BD"`` or ``{"business_days": n, "by": ...}``.

        >>> BusinessDayDeadline.from_dict({"business_days": 2, "by": "25:00"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: by: cannot read '25:00' as a time of day; expected "end_of_day", "same_time" or a time of day "HH:MM" or "HH:MM:SS" up to "24:00"
        """
        if isinstance(data, str):
            match = _BD.fullmatch(data.strip())
            if match is None:
                raise ConfigError("", f"cannot read {shown(data)} as business days",
                                  '"P<n>BD" such as "P2BD"')
            return cls(_day_count(match[1], ""))
        mapping = _mapping(data, {"business_days", "by"}, "business_days")
        return cls(_day_count(mapping["business_days"], "business_days"),
                   _canonical_by(mapping.get("by", END_OF_DAY)))

    def to_dict(self) -> dict[str, Any]:
        """The mapping form (``"P2BD"`` reads back as ``{"business_days": 2}``).

        >>> BusinessDayDeadline.from_dict("P2BD").to_dict()
        {'business_days': 2}
        """
        if self.by == END_OF_DAY:
            return {"business_days": self.days}
        return {"business_days": self.days, "by": self.by}

    def due(self, start: datetime, calendar: BusinessCalendar,
            fields: Mapping[str, Any] = _NO_FIELDS) -> datetime:
        """The due instant for a clock started at *start* (in the calendar's zone).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.calendar import BusinessCalendar
        >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
        >>> BusinessDayDeadline(0).due(datetime(2025, 1, 7, tzinfo=timezone.utc), cal).isoformat()
        '2025-01-13T17:00:00+00:00'
        """
        return _due(self, start, calendar, fields)

    def _due_us(self, start_us: int, calendar: BusinessCalendar,
                fields: Mapping[str, Any]) -> int:
        engine, zone = calendar._engine, calendar.timezone
        received = _receipt(start_us, calendar)
        day = days.add_business_days(engine, zone, days.local_date(received, zone), self.days)
        first, last = days.business_day_bounds(engine, zone, day)
        if self.by == END_OF_DAY:
            return last
        wall = _wall_us(received, calendar) if self._by_us is None else self._by_us
        return min(max(days.wall_time_on(zone, day, wall), first), last)


@attrs.frozen
class CutoffDeadline:
    """One deadline for tickets received before a time of day, another for the rest.

    "Same business day by 17:00 if received before 14:00, else next business day by 12:00"
    is ``{"cutoff": "14:00", "before": {"business_days": 0, "by": "17:00"}, "after":
    {"business_days": 1, "by": "12:00"}}``.  The cutoff is compared with the wall-clock time
    the ticket is received (its start, or the next opening when that is closed).

    Attributes:
        cutoff: ``"HH:MM"`` or ``"HH:MM:SS"`` from 00:00 to 24:00.
        before: the deadline for tickets received strictly before the cutoff.
        after: the deadline for the others.

    >>> from datetime import datetime, timezone
    >>> from itsm_core.calendar import BusinessCalendar
    >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {
    ...     d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}})
    >>> rule = CutoffDeadline("14:00", BusinessDayDeadline(0, "17:00"), BusinessDayDeadline(1, "12:00"))
    >>> [rule.due(datetime(2025, 1, 6, h, tzinfo=timezone.utc), cal).isoformat() for h in (13, 15)]
    ['2025-01-06T17:00:00+00:00', '2025-01-07T12:00:00+00:00']
    """

    cutoff: str = attrs.field(converter=_canonical_cutoff)
    before: BusinessDayDeadline = attrs.field(
        validator=attrs.validators.instance_of(BusinessDayDeadline))
    after: BusinessDayDeadline = attrs.field(
        validator=attrs.validators.instance_of(BusinessDayDeadline))
    # the cutoff in microseconds after midnight, read once (the replay asks per cycle)
    _cutoff_us: int = attrs.field(init=False, eq=False, hash=False, repr=False)

    @_cutoff_us.default
    def _wall_cutoff(self) -> int:
        return _time_us(self.cutoff, "cutoff", _TIME_FORM)

    @classmethod
    def from_dict(cls, data: object) -> CutoffDeadline:
        """Read ``{"cutoff": "HH:MM", "before": deadline, "after": deadline}``.

        >>> CutoffDeadline.from_dict({"cutoff": "25:00", "before": "P0BD", "after": "P1BD"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: cutoff: cannot read '25:00' as a time of day; expected a time of day "HH:MM" or "HH:MM:SS" from 00:00 to 24:00
        """
        mapping = _mapping(data, {"cutoff", "before", "after"}, "cutoff", "before", "after")
        return cls(_canonical_cutoff(mapping["cutoff"]), read_at("before", BusinessDayDeadline.from_dict, mapping["before"]),
                   read_at("after", BusinessDayDeadline.from_dict, mapping["after"]))

    def to_dict(self) -> dict[str, Any]:
        """The mapping form.

        >>> CutoffDeadline("14:00", BusinessDayDeadline(0), BusinessDayDeadline(1)).to_dict()
        {'cutoff': '14:00', 'before': {'business_days': 0}, 'after': {'business_days': 1}}
        """
        return {"cutoff": self.cutoff, "before": self.before.to_dict(),
                "after": self.after.to_dict()}

    def due(self, start: datetime, calendar: BusinessCalendar,
            fields: Mapping[str, Any] = _NO_FIELDS) -> datetime:
        """The due instant for a clock started at *start* (in the calendar's zone).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.calendar import BusinessCalendar
        >>> rule = CutoffDeadline.from_dict({"cutoff": "12:00", "before": "P0BD", "after": "P1BD"})
        >>> rule.due(datetime(2025, 1, 6, 12, tzinfo=timezone.utc), BusinessCalendar.always_open("UTC")).isoformat()
        '2025-01-08T00:00:00+00:00'
        """
        return _due(self, start, calendar, fields)

    def _due_us(self, start_us: int, calendar: BusinessCalendar,
                fields: Mapping[str, Any]) -> int:
        received = _receipt(start_us, calendar)
        early = _wall_us(received, calendar) < self._cutoff_us
        return (self.before if early else self.after)._due_us(start_us, calendar, fields)


@attrs.frozen
class FieldDeadline:
    """Due at the instant a ticket field holds (a due date negotiated per ticket).

    The field's value is an aware ``datetime`` or an aware ISO 8601 string.  A ticket whose
    field is missing or unreadable gets no due instant: the reason names the field (the
    replay reports it for that ticket; :meth:`due` raises it).

    Attributes:
        field: the name of the ticket field.

    >>> from datetime import datetime, timezone
    >>> from itsm_core.calendar import BusinessCalendar
    >>> FieldDeadline("due_date").due(datetime(2025, 1, 1, tzinfo=timezone.utc),
    ...                               BusinessCalendar.always_open("UTC"), {"due_date": "soon"})
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: field 'due_date' holds 'soon'; expected an aware ISO 8601 date-time such as '2025-03-01T22:00:00+00:00'
    """

    field: str = attrs.field(validator=lambda _, __, v: _field_name(v, "due_field"))

    @classmethod
    def from_dict(cls, data: object) -> FieldDeadline:
        """Read ``{"due_field": name}``.

        >>> FieldDeadline.from_dict({"due_field": "due_date"})
        FieldDeadline(field='due_date')
        """
        mapping = _mapping(data, {"due_field"}, "due_field")
        return cls(_field_name(mapping["due_field"], "due_field"))

    def to_dict(self) -> dict[str, Any]:
        """The mapping form.

        >>> FieldDeadline("agreed_by").to_dict()
        {'due_field': 'agreed_by'}
        """
        return {"due_field": self.field}

    def due(self, start: datetime, calendar: BusinessCalendar,
            fields: Mapping[str, Any] = _NO_FIELDS) -> datetime:
        """The instant the field holds (InvalidArgumentError naming the field if it cannot).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.calendar import BusinessCalendar
        >>> FieldDeadline("due_date").due(datetime(2025, 1, 1, tzinfo=timezone.utc),
        ...                               BusinessCalendar.always_open("UTC"))
        Traceback (most recent call last):
        ...
        itsm_core.errors.InvalidArgumentError: field 'due_date' is missing
        """
        return _due(self, start, calendar, fields)

    def _due_us(self, start_us: int, calendar: BusinessCalendar,
                fields: Mapping[str, Any]) -> int | str:
        value = fields.get(self.field)
        if value is None:
            return f"field {shown(self.field)} is missing"
        if not isinstance(value, (str, datetime)) or (isinstance(value, str) and len(value) > 64):
            return f"field {shown(self.field)} holds {shown(value)}; expected {_INSTANT_FORM}"
        try:
            return to_us(parse_instant(value, ""), "")
        except ItsmError as exc:
            expected = getattr(exc, "expected", None)
            return f"field {shown(self.field)} holds {shown(value)}" + (
                f"; expected {expected}" if expected else "")


def _field_name(value: object, path: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise ConfigError(path, f"expected a field name, got {shown(value)}",
                          "the name of a ticket field (a non-empty string)")
    return value


def _day_count(value: object, path: str) -> int:
    count = parse_number(value, path, integer=True)
    if not 0 <= count <= MAX_BUSINESS_DAYS:
        raise ConfigError(path, f"{shown(value)} business days is out of range",
                          f"an integer from 0 to {MAX_BUSINESS_DAYS}")
    return int(count)


def _mapping(data: object, keys: set[str], *required: str) -> Mapping[str, Any]:
    """*data* as a mapping with only *keys*, all of *required* present."""
    if not isinstance(data, Mapping):
        raise ConfigError("", f"expected a mapping, got {shown(data)}", _FORM)
    reject_unknown(data, sorted(keys))
    for key in required:
        if key not in data:
            raise ConfigError(key, "missing", _FORM)
    return data

"""What the incident KPIs read from a ticket's events: :class:`KpiSettings`.

The conditions (``itsm_core.sla.conditions``) say when a ticket is acknowledged, resolved
and reopened; the calendar gives business time; the group field says which team holds the
ticket (for first-contact resolution); the ageing buckets split the backlog by age.

>>> s = KpiSettings.from_dict({"resolved": {"state_in": ["Resolved"]},
...                            "buckets": ["P1D", "P7D"]})
>>> s.to_dict()["buckets"], s.group_field
(['P1D', 'P7D'], 'group')
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs

from itsm_core._config import check_depth, join, read_at, reject_unknown
from itsm_core._instant import duration_us, format_duration, parse_duration
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, shown
from itsm_core.sla.conditions import Condition, parse_condition
from itsm_core.sla.schedule import read_calendar

__all__ = ["DEFAULT_BUCKETS", "KpiSettings"]

_KEYS = ("acknowledged", "resolved", "reopened", "calendar", "group_field", "buckets")
#: The default upper bounds of the backlog's ageing buckets: 0-1 d, 1-3 d, 3-7 d,
#: 7-30 d and over 30 days.
DEFAULT_BUCKETS = (timedelta(days=1), timedelta(days=3), timedelta(days=7), timedelta(days=30))
_DEFAULT_ACKNOWLEDGED = {"state_not_in": ["New"]}
_DEFAULT_RESOLVED = {"state_in": ["Resolved", "Closed"]}
_BUCKETS_FORM = "a list of increasing positive ISO 8601 durations such as ['P1D', 'P3D']"


def _condition(value: object) -> Condition:
    return parse_condition(value)


def _misplaced(bounds: tuple[timedelta, ...]) -> tuple[int, str] | None:
    """The first bound that is not positive or not after the previous one, and why."""
    previous = timedelta(0)
    for index, bound in enumerate(bounds):
        if bound <= previous:
            return index, "is not after the previous bound" if index else "is not positive"
        previous = bound
    return None


def _read_buckets(value: object) -> tuple[timedelta, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise ConfigError("", f"expected a list of durations, got {shown(value)}",
                          _BUCKETS_FORM)
    bounds = tuple(parse_duration(item, join("", index)) for index, item in enumerate(value))
    wrong = _misplaced(bounds)
    if wrong is not None:
        raise ConfigError(join("", wrong[0]), f"{shown(value[wrong[0]])} {wrong[1]}",
                          _BUCKETS_FORM)
    return bounds


def _buckets(value: object) -> tuple[timedelta, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise ArgumentTypeError(f"buckets: expected a sequence of timedeltas, got "
                                f"{shown(value)}")
    for index, bound in enumerate(value):
        duration_us(bound, f"buckets[{index}]")
    bounds = tuple(value)
    wrong = _misplaced(bounds)
    if wrong is not None:
        raise InvalidArgumentError(f"buckets[{wrong[0]}]: {bounds[wrong[0]]} {wrong[1]}; "
                                   "expected increasing positive timedeltas")
    return bounds


def _group_field(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ArgumentTypeError(f"group_field: expected a non-empty str, got {shown(value)}")


@attrs.frozen(kw_only=True)
class KpiSettings:
    """How the incident KPIs read tickets.

    Attributes:
        acknowledged: holds at the event that acknowledges the ticket (the first event it
            holds at); default ``{"state_not_in": ["New"]}``.
        resolved: holds at an event that resolves an open ticket; default
            ``{"state_in": ["Resolved", "Closed"]}``.
        reopened: holds at an event that reopens a resolved ticket, or ``None`` (default):
            the ticket reopens when ``resolved`` stops holding.
        calendar: the business calendar (business-time means, and the zone periods are
            local to); default 24x7 in UTC, where business time is wall-clock time.
        calendar_name: the catalogue calendar it was named by, if any (not compared).
        group_field: the field naming the team that holds the ticket (default
            ``"group"``), read for first-contact resolution.
        buckets: increasing upper bounds of the backlog's ageing buckets (default
            :data:`DEFAULT_BUCKETS`); the last bucket is open-ended.

    >>> KpiSettings().reopened is None, KpiSettings().calendar.timezone.key
    (True, 'UTC')
    """

    acknowledged: Condition = attrs.field(factory=lambda: parse_condition(_DEFAULT_ACKNOWLEDGED),
                                          converter=_condition)
    resolved: Condition = attrs.field(factory=lambda: parse_condition(_DEFAULT_RESOLVED),
                                      converter=_condition)
    reopened: Condition | None = attrs.field(
        default=None, converter=attrs.converters.optional(_condition))
    calendar: BusinessCalendar = attrs.field(
        factory=lambda: BusinessCalendar.always_open("UTC"),
        validator=attrs.validators.instance_of(BusinessCalendar))
    calendar_name: str | None = attrs.field(default=None, eq=False)
    group_field: str = attrs.field(default="group", validator=_group_field)
    buckets: tuple[timedelta, ...] = attrs.field(default=DEFAULT_BUCKETS, converter=_buckets)

    @classmethod
    def from_dict(cls, data: object, *,
                  calendars: Mapping[str, BusinessCalendar] | None = None) -> KpiSettings:
        """Read ``{"acknowledged": condition, "resolved": condition, "reopened": condition,
        "calendar": {...} or name, "group_field": "group", "buckets": ["P1D", ...]}``; every
        key is optional.  A calendar name is looked up in *calendars* (a catalogue's).

        Raises:
            ConfigError: a key is unknown or a value malformed (the path names it).
            UnknownNameError: the calendar names none of *calendars*.

        >>> KpiSettings.from_dict({"buckets": ["P3D", "P1D"]})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: buckets[1]: 'P1D' is not after the previous bound; expected a list of increasing positive ISO 8601 durations such as ['P1D', 'P3D']
        >>> KpiSettings.from_dict({"calendar": "london"}, calendars={})
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: calendar: unknown name 'london'
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}",
                              f"a mapping with keys among {', '.join(_KEYS)}")
        reject_unknown(data, _KEYS)
        kwargs: dict[str, Any] = {}
        for key in ("acknowledged", "resolved", "reopened"):
            if data.get(key) is not None:
                kwargs[key] = read_at(key, parse_condition, data[key])
        if data.get("calendar") is not None:
            raw = data["calendar"]
            kwargs["calendar"] = read_calendar(raw, calendars or {}, "calendar")
            kwargs["calendar_name"] = raw if isinstance(raw, str) else None
        if "group_field" in data:
            field = data["group_field"]
            if not isinstance(field, str) or not field:
                raise ConfigError("group_field", f"expected a field name, got {shown(field)}",
                                  "a non-empty string")
            kwargs["group_field"] = field
        if "buckets" in data:
            kwargs["buckets"] = read_at("buckets", _read_buckets, data["buckets"])
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back to equal settings (a calendar named
        from a catalogue is written as its name).

        >>> KpiSettings().to_dict()
        {'acknowledged': {'state_not_in': ['New']}, 'resolved': {'state_in': ['Resolved', 'Closed']}, 'group_field': 'group', 'buckets': ['P1D', 'P3D', 'P7D', 'P30D']}
        """
        out: dict[str, Any] = {"acknowledged": self.acknowledged.to_dict(),
                               "resolved": self.resolved.to_dict()}
        if self.reopened is not None:
            out["reopened"] = self.reopened.to_dict()
        if self.calendar_name is not None:
            out["calendar"] = self.calendar_name
        elif self.calendar != BusinessCalendar.always_open("UTC"):
            out["calendar"] = self.calendar.to_dict()
        out["group_field"] = self.group_field
        out["buckets"] = [format_duration(b) for b in self.buckets]
        return out

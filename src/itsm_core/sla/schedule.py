"""Which schedule and which target a ticket's SLA clock runs on, and which version governs it.

- :class:`CalendarChoice` (``"calendar_by"``): the calendar comes from a ticket field
  (assignment group, customer, caller location) through a mapping with an optional default;
  when the field changes mid-cycle, each stretch is measured on the calendar then in force.
- :class:`Goal` (``"goals"``): ordered ``{when, targets, calendar}`` entries, the first whose
  ``when`` holds wins (Jira Service Management and Zendesk work this way).
- :class:`SlaVersion` (``"versions"``): effective-dated versions of a definition; a cycle
  is governed by the version in force when it started.

The semantics, with worked edge cases, are in ``docs/sla-schedules.md``.

>>> choice = CalendarChoice.from_dict({"field": "group", "calendars": {
...     "EU": {"timezone": "Europe/London"}, "APAC": {"timezone": "Australia/Sydney"}}})
>>> choice.calendar_for({"group": "APAC"}).timezone.key
'Australia/Sydney'
>>> print(choice.calendar_for({"group": "US"}))
None
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from itsm_core._config import join, read_at
from itsm_core._instant import parse_instant, to_us
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ConfigError, UnknownNameError, shown
from itsm_core.sla.conditions import Always, Condition, parse_condition
from itsm_core.sla.cycle import SlaCycle
from itsm_core.sla.events import TicketEvent
from itsm_core.sla.outcome import SlaOutcome, skipped
from itsm_core.sla.targets import Targets

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.sla.definition import SlaDefinition

__all__ = ["CalendarChoice", "Goal", "SlaVersion"]

_CAL_FORM = "a calendar mapping (timezone, hours, holidays, ...) or a policy calendar name"
_CHOICE_KEYS = ("field", "calendars", "default")
_CHOICE_FORM = ("{'field': name, 'calendars': {field value: calendar, ...}, "
                "'default': calendar (optional)}")
_GOAL_KEYS = ("when", "targets", "calendar")
_GOAL_FORM = "{'when': condition (optional), 'targets': targets, 'calendar': calendar (optional)}"
_ALWAYS = Always(True)
_NEVER = Always(False)


def read_calendar(raw: object, calendars: Mapping[str, BusinessCalendar],
                  path: str) -> BusinessCalendar:
    """A calendar written as a mapping, a ``BusinessCalendar``, or a name in *calendars*.

    Raises:
        UnknownNameError: a name *calendars* does not hold (under *path*).
        ConfigError: anything else.

    >>> read_calendar("uk", {}, "calendar_by.default")
    Traceback (most recent call last):
    ...
    itsm_core.errors.UnknownNameError: calendar_by.default: unknown name 'uk'
    """
    if isinstance(raw, BusinessCalendar):
        return raw
    if isinstance(raw, str):
        if raw not in calendars:
            raise UnknownNameError(path or "calendar", raw, sorted(calendars))
        return calendars[raw]
    if isinstance(raw, Mapping):
        return read_at(path, BusinessCalendar.from_dict, dict(raw))
    raise ConfigError(path, f"cannot read {shown(raw)} as a calendar", _CAL_FORM)


def _mapping(data: object, keys: tuple[str, ...], form: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ConfigError("", f"expected a mapping, got {shown(data)}", form)
    unknown = sorted(shown(k) if not isinstance(k, str) else k for k in data if k not in keys)
    if unknown:
        raise ConfigError(unknown[0], "unknown key", f"one of {', '.join(keys)}")
    return data


@attrs.frozen(kw_only=True)
class CalendarChoice:
    """The calendar of a ticket, chosen by the value of one of its fields.

    Attributes:
        field: the ticket field read (``"state"`` and ``"priority"`` are not fields).
        calendars: ``(field value, calendar)`` pairs, in configuration order.
        default: the calendar for a value not listed, or ``None`` (then such a ticket is
            skipped with a reason).

    >>> CalendarChoice.from_dict({"field": "group", "calendars": {},
    ...                           "default": {"timezone": "UTC"}}).to_dict()["default"]["timezone"]
    'UTC'
    """

    field: str
    calendars: tuple[tuple[str, BusinessCalendar], ...]
    default: BusinessCalendar | None = None
    _lookup: Mapping[str, BusinessCalendar] = attrs.field(init=False, eq=False, hash=False,
                                                          repr=False)

    @_lookup.default
    def _build(self) -> Mapping[str, BusinessCalendar]:
        return MappingProxyType(dict(self.calendars))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_choice, (self.field, self.calendars, self.default))

    @classmethod
    def from_dict(cls, data: object) -> CalendarChoice:
        """Read ``{"field": ..., "calendars": {...}, "default": ...}`` (calendars as mappings).

        Raises:
            ConfigError: anything malformed, naming the path.

        >>> CalendarChoice.from_dict({"field": "group", "calendars": {"EU": 5}})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: calendars.EU: cannot read 5 as a calendar; expected a calendar mapping (timezone, hours, holidays, ...) or a policy calendar name
        """
        return _read_choice(data, {})

    def to_dict(self) -> dict[str, Any]:
        """Plain data :meth:`from_dict` reads back (calendars written out in full).

        >>> c = CalendarChoice.from_dict({"field": "g", "calendars": {"A": {"timezone": "UTC"}}})
        >>> CalendarChoice.from_dict(c.to_dict()) == c
        True
        """
        out: dict[str, Any] = {"field": self.field,
                               "calendars": {k: c.to_dict() for k, c in self.calendars}}
        if self.default is not None:
            out["default"] = self.default.to_dict()
        return out

    def calendar_for(self, fields: Mapping[str, Any]) -> BusinessCalendar | None:
        """The calendar for a ticket with these *fields*, or ``None`` when none applies.

        >>> c = CalendarChoice.from_dict({"field": "g", "calendars": {"A": {"timezone": "UTC"}}})
        >>> c.calendar_for({"g": "A"}).timezone.key, c.calendar_for({})
        ('UTC', None)
        """
        value = fields.get(self.field)
        found = self._lookup.get(value) if isinstance(value, str) else None
        return self.default if found is None else found

    def _missing(self, fields: Mapping[str, Any]) -> str:
        return (f"{self.field} {shown(fields.get(self.field))} has no calendar; expected one "
                f"of {shown([k for k, _ in self.calendars])}")


def _rebuild_choice(field: str, calendars: tuple[tuple[str, BusinessCalendar], ...],
                    default: BusinessCalendar | None) -> CalendarChoice:
    return CalendarChoice(field=field, calendars=calendars, default=default)


def _read_choice(data: object, named: Mapping[str, BusinessCalendar]) -> CalendarChoice:
    body = _mapping(data, _CHOICE_KEYS, _CHOICE_FORM)
    field = body.get("field")
    if not isinstance(field, str) or not field:
        raise ConfigError("field", f"expected a field name, got {shown(field)}", _CHOICE_FORM)
    raw = body.get("calendars")
    if not isinstance(raw, Mapping):
        raise ConfigError("calendars", f"expected a mapping, got {shown(raw)}", _CHOICE_FORM)
    pairs: list[tuple[str, BusinessCalendar]] = []
    for value, cal in raw.items():
        if not isinstance(value, str):
            raise ConfigError("calendars", f"field value {shown(value)} is not a string",
                              _CHOICE_FORM)
        pairs.append((value, read_calendar(cal, named, join("calendars", value))))
    default = body.get("default")
    return CalendarChoice(field=field, calendars=tuple(pairs),
                          default=None if default is None
                          else read_calendar(default, named, "default"))


@attrs.frozen(kw_only=True)
class Goal:
    """One entry of a definition's ordered ``goals``: the first whose ``when`` holds wins.

    Attributes:
        when: the condition choosing this goal (default: always).
        targets: its target table (read with the definition's ``targets_by``).
        calendar: its calendar, or ``None`` for the definition's schedule.

    >>> g = Goal.from_dict({"when": {"field": "tier", "in": ["gold"]}, "targets": "PT2H"})
    >>> g.targets.target(None), g.to_dict()["when"]
    (datetime.timedelta(seconds=7200), {'field': 'tier', 'in': ['gold']})
    """

    when: Condition = _ALWAYS
    targets: Targets
    calendar: BusinessCalendar | None = None

    @classmethod
    def from_dict(cls, data: object) -> Goal:
        """Read ``{"when": ..., "targets": ..., "calendar": ...}`` (calendar as a mapping).

        >>> Goal.from_dict({"when": True})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: targets: missing; expected {'when': condition (optional), 'targets': targets, 'calendar': calendar (optional)}
        """
        return _read_goal(data, {}, "priority")

    def to_dict(self) -> dict[str, Any]:
        """Plain data :meth:`from_dict` reads back.

        >>> Goal.from_dict({"targets": {"P1": "PT1H"}}).to_dict()
        {'targets': {'P1': 'PT1H'}}
        """
        out: dict[str, Any] = {}
        if self.when != _ALWAYS:
            out["when"] = self.when.to_dict()
        out["targets"] = self.targets.to_dict()
        if self.calendar is not None:
            out["calendar"] = self.calendar.to_dict()
        return out


def _read_goal(data: object, named: Mapping[str, BusinessCalendar], by: str) -> Goal:
    body = _mapping(data, _GOAL_KEYS, _GOAL_FORM)
    if "targets" not in body:
        raise ConfigError("targets", "missing", _GOAL_FORM)
    when = read_at("when", parse_condition, body["when"]) if "when" in body else _ALWAYS
    if when == _NEVER:
        raise ConfigError("when", "this goal can never match", "a condition that can hold")
    targets = read_at("targets", Targets.from_dict, body["targets"])
    raw = body.get("calendar")
    return Goal(when=when, targets=targets if by == "priority" else attrs.evolve(targets, by=by),
                calendar=None if raw is None else read_calendar(raw, named, "calendar"))


def read_goals(data: object, named: Mapping[str, BusinessCalendar],
               by: str) -> tuple[Goal, ...]:
    """The ``goals`` list: at least one goal, none that can never match.

    A goal after one that always matches (``when`` absent or ``true``) can never be chosen.

    >>> read_goals([{"targets": "PT1H"}, {"when": {"state_in": ["New"]}, "targets": "PT2H"}],
    ...            {}, "priority")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: goals[1]: this goal can never match (goals[0] always matches); expected goals ordered from the most specific, an unconditional goal last
    """
    if not isinstance(data, (list, tuple)) or not data:
        raise ConfigError("goals", f"expected a non-empty list, got {shown(data)}",
                          f"a list of goals {_GOAL_FORM}")
    goals: list[Goal] = []
    for index, raw in enumerate(data):
        path = join("goals", index)
        if goals and goals[-1].when == _ALWAYS:
            raise ConfigError(path, f"this goal can never match (goals[{index - 1}] always "
                              "matches)", "goals ordered from the most specific, an "
                              "unconditional goal last")
        goals.append(read_at(path, lambda body: _read_goal(body, named, by), raw))
    return tuple(goals)


@attrs.frozen(kw_only=True)
class SlaVersion:
    """One effective-dated version of a definition.

    Attributes:
        valid_from: when it comes into force (``None`` for the first: since always).
        definition: the definition in force from then until the next version.

    >>> from itsm_core.sla import SlaDefinition
    >>> d = SlaDefinition.from_dict({"name": "fix", "versions": [
    ...     {"targets": "PT8H"}, {"from": "2025-07-01T00:00:00+00:00", "targets": "PT4H"}]})
    >>> [(str(v.valid_from), v.definition.targets.target(None)) for v in d.versions]
    [('None', datetime.timedelta(seconds=28800)), ('2025-07-01 00:00:00+00:00', datetime.timedelta(seconds=14400))]
    """

    valid_from: datetime | None
    definition: SlaDefinition
    _from_us: int | None = attrs.field(init=False, eq=False, hash=False, repr=False)

    @_from_us.default
    def _instant(self) -> int | None:
        return None if self.valid_from is None else to_us(self.valid_from, "from")

    def to_dict(self) -> dict[str, Any]:
        """The version as plain data: the definition's keys without ``name``, and ``from``.

        >>> from itsm_core.sla import SlaDefinition
        >>> d = SlaDefinition.from_dict({"name": "fix", "versions": [
        ...     {"targets": "PT8H"}, {"from": "2025-07-01T00:00:00+00:00", "targets": "PT4H"}]})
        >>> d.versions[1].to_dict()["from"]
        '2025-07-01T00:00:00+00:00'
        """
        out = self.definition.to_dict()
        del out["name"]
        if self.valid_from is not None:
            out = {"from": self.valid_from.isoformat(), **out}
        return out


_VERSION_FORM = ("a non-empty list of definitions without name, each but the first with "
                 "'from': the instant it comes into force, in increasing order")


def read_versions(name: str, raw: object,
                  read_body: Callable[[Mapping[str, Any]], SlaDefinition]) -> SlaDefinition:
    """A versioned definition from the ``versions`` list: the last version's definition
    holding every version (each body read by *read_body*, named *name*).

    >>> from itsm_core.sla import SlaDefinition
    >>> SlaDefinition.from_dict({"name": "x", "versions": [{"targets": "PT1H"},
    ...                                                   {"targets": "PT2H"}]})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: versions[1].from: missing; expected a non-empty list of definitions without name, each but the first with 'from': the instant it comes into force, in increasing order
    """
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ConfigError("versions", f"expected a non-empty list, got {shown(raw)}",
                          _VERSION_FORM)
    versions: list[SlaVersion] = []
    for index, body in enumerate(raw):
        path = join("versions", index)
        if not isinstance(body, Mapping):
            raise ConfigError(path, f"expected a mapping, got {shown(body)}", _VERSION_FORM)
        for key in ("name", "versions"):
            if key in body:
                raise ConfigError(join(path, key), "not allowed in a version", _VERSION_FORM)
        since = body.get("from")
        if since is None and index:
            raise ConfigError(join(path, "from"), "missing", _VERSION_FORM)
        valid_from = None if since is None else parse_instant(since, join(path, "from"))
        inner = read_at(path, lambda b: read_body(
            {**{k: v for k, v in b.items() if k != "from"}, "name": name}), body)
        version = SlaVersion(valid_from=valid_from, definition=inner)
        previous = versions[-1]._from_us if versions else None
        if previous is not None and version._from_us is not None \
                and version._from_us <= previous:
            raise ConfigError(join(path, "from"), f"{shown(since)} is not after the previous "
                              "version's", _VERSION_FORM)
        versions.append(version)
    return attrs.evolve(versions[-1].definition, versions=tuple(versions), calendar_name=None)


def evaluate_versions(definition: SlaDefinition, events: Iterable[TicketEvent],
                      as_of: datetime | None, ticket: Any, strict: bool) -> SlaOutcome:
    """Replay the history under each version that may govern a cycle; keep each version's
    cycles that started within its validity (docs/sla-schedules.md, "Versions").

    >>> from itsm_core.sla import SlaDefinition
    >>> d = SlaDefinition.from_dict({"name": "x", "versions": [{"targets": "PT1H"}]})
    >>> evaluate_versions(d, [], None, "T", True).cycles
    ()
    """
    listed = list(events)
    stamps = [e._at_us for e in listed if isinstance(e, TicketEvent)]
    first = min(stamps, default=None)
    last = max(stamps, default=None) if as_of is None else to_us(as_of, "as_of")
    versions = definition.versions
    kept: list[SlaCycle] = []
    applies = False
    outcome: SlaOutcome | None = None
    for index, version in enumerate(versions):
        lo = version._from_us
        hi = versions[index + 1]._from_us if index + 1 < len(versions) else None
        retro = version.definition.start_from is not None
        if first is None or (lo is not None and last is not None and lo > last) or \
                (hi is not None and not retro and first >= hi):
            continue
        outcome = version.definition.evaluate(listed, as_of, ticket, strict=False)
        if outcome.skipped is not None:
            since = "always" if version.valid_from is None else version.valid_from.isoformat()
            return skipped(definition.name, outcome, f"version {index} (from {since}): "
                           f"{outcome.skipped}", strict)
        applies = applies or outcome.applies
        kept.extend(c for c in outcome.cycles
                    if (lo is None or c._start_us >= lo) and (hi is None or c._start_us < hi))
    if outcome is None:  # no version governs any instant of this history
        return versions[-1].definition.evaluate(listed if first is None else [], as_of, ticket,
                                                strict=strict)
    kept.sort(key=lambda c: c._start_us)
    return SlaOutcome(definition=definition.name, ticket=ticket, applies=applies,
                      cycles=tuple(kept), fields=outcome.fields)

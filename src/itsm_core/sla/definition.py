"""SLA definitions: which tickets, when the clock starts, pauses, stops, and the targets.

``SlaDefinition.from_dict`` validates plain data once into a frozen value;
``to_dict`` writes it back (round-trip); ``evaluate`` replays a ticket's events.

>>> d = SlaDefinition.from_dict({
...     "name": "resolution",
...     "calendar": {"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}},
...     "targets": {"1 - Critical": "PT4H", "4 - Low": "P5D"},
...     "pause": {"state_in": ["Awaiting User Info"]},
...     "stop": {"state_in": ["Resolved", "Closed"]},
...     "warnings": [0.5, 0.75],
... })
>>> d.name, d.to_dict()["targets"]
('resolution', {'1 - Critical': 'PT4H', '4 - Low': 'P5D'})
>>> SlaDefinition.from_dict(d.to_dict()) == d
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._config import check_depth, join, read_at, reject_unknown
from itsm_core._instant import format_duration, parse_duration
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ConfigError, shown
from itsm_core.priority import PriorityMatrix
from itsm_core.ratios import parse_number
from itsm_core.sla.clock import FLAGS, ClockRules
from itsm_core.sla.conditions import Always, Condition, parse_condition
from itsm_core.sla.events import TicketEvent
from itsm_core.sla.lean import Replay, replay_for
from itsm_core.sla.outcome import SlaOutcome
from itsm_core.sla.schedule import (
    CalendarChoice,
    Goal,
    SlaVersion,
    _read_choice,
    evaluate_versions,
    read_calendar,
    read_goals,
    read_versions,
)
from itsm_core.sla.scheduled import signature
from itsm_core.sla.targets import Targets

__all__ = ["SlaDefinition"]

_ALWAYS = Always(True)
_NEVER = Always(False)
_DEFAULTS = {"applies": _ALWAYS, "start": _ALWAYS, "pause": _NEVER, "stop": _NEVER,
             "cancel": _NEVER, "reset": _NEVER}

_KEYS = ("name", "calendar", "targets", "targets_by", "applies", "start", "pause", "stop",
         "cancel", "reset", "start_from", "retroactive_pause", "warnings", "on_priority_change",
         "on_reopen", "calendar_by", "goals", "escalations", "versions")
_PRIORITY_MODES = ("keep_elapsed", "restart")
_REOPEN_MODES = ("resume", "new_cycle")
_THRESHOLD_FORM = "a list of numbers > 0 (fractions of the target, e.g. [0.5, 0.75, 0.9])"


def _threshold(raw: object, path: str) -> Fraction:
    try:
        value = parse_number(raw, path)
    except ConfigError:
        raise ConfigError(path, f"cannot read {shown(raw)} as a threshold", _THRESHOLD_FORM) from None
    if value <= 0:
        raise ConfigError(path, f"threshold {shown(raw)} is not positive", _THRESHOLD_FORM)
    return value


def _threshold_data(value: Fraction) -> float | str:
    as_float = float(value)
    return as_float if Fraction(repr(as_float)) == value else str(value)


def _choice(data: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str:
    value = data.get(key, choices[0])
    if value not in choices:
        raise ConfigError(key, f"unknown mode {shown(value)}", " or ".join(map(repr, choices)))
    return str(value)


def _calendar(raw: object, calendars: Mapping[str, BusinessCalendar]) -> BusinessCalendar:
    if raw is None:
        return BusinessCalendar.always_open("UTC")
    return read_calendar(raw, calendars, "calendar")


#: How far from the due instant an escalation level may lie (about ten years).
_MAX_ESCALATION = timedelta(days=3653)
_ESCALATION_FORM = ("a list of ISO 8601 durations of business time after the due instant "
                    "(negative: before it), e.g. ['-PT1H', 'PT0S', 'PT4H']")


def _escalations(raw: object) -> tuple[timedelta, ...]:
    if not isinstance(raw, (list, tuple)):
        raise ConfigError("escalations", f"expected a list, got {shown(raw)}", _ESCALATION_FORM)
    out: set[timedelta] = set()
    for index, item in enumerate(raw):
        path = join("escalations", index)
        offset = parse_duration(item, path, allow_negative=True)
        if abs(offset) > _MAX_ESCALATION:
            raise ConfigError(path, f"{shown(item)} is more than {_MAX_ESCALATION.days} days "
                              "from the due instant", _ESCALATION_FORM)
        out.add(offset)
    return tuple(sorted(out))


def _rebuild(init: dict[str, Any]) -> SlaDefinition:
    return SlaDefinition(**init)


@attrs.frozen(kw_only=True)
class SlaDefinition:
    """One SLA: its calendar, targets, conditions, warning thresholds and modes.

    Attributes:
        name: identifies the definition in outcomes and reports.
        calendar: the business calendar elapsed time is measured on.
        targets: the target table (by priority label, or by ``targets.by`` field).
        applies: which tickets get this SLA (default: all).
        start: when the clock attaches (default: the first event).
        pause / stop / cancel: when the clock pauses, stops (met or breached), is cancelled.
        reset: when the running cycle restarts from zero.
        start_from: the field holding the instant a cycle starts at (retroactive start),
            or ``None`` to start at the event where the start condition holds.
        retroactive_pause: with ``start_from``, whether the pause condition also applies
            to the events between that instant and the attaching event.
        warnings: thresholds as fractions of the target.
        on_priority_change: ``"keep_elapsed"`` (switch target) or ``"restart"``.
        on_reopen: ``"resume"`` (same cycle) or ``"new_cycle"``.
        calendar_by: the calendar chosen per ticket from one of its fields, or ``None``.
        goals: ordered goals (the first whose ``when`` holds wins), or ``()`` for ``targets``.
        escalations: escalation levels, business time after (negative: before) the due
            instant.
        versions: effective-dated versions (each cycle is governed by the version in force
            when it started), or ``()``; the other attributes are then the last version's.
        calendar_name: the policy calendar name it was read from, if any (not compared).

    >>> SlaDefinition.from_dict({"name": "x", "targets": "PT1H"}).on_reopen
    'resume'
    """

    name: str
    calendar: BusinessCalendar
    targets: Targets
    applies: Condition = _ALWAYS
    start: Condition = _ALWAYS
    pause: Condition = _NEVER
    stop: Condition = _NEVER
    cancel: Condition = _NEVER
    reset: Condition = _NEVER
    start_from: str | None = None
    retroactive_pause: bool = False
    warnings: tuple[Fraction, ...] = ()
    on_priority_change: str = "keep_elapsed"
    on_reopen: str = "resume"
    calendar_by: CalendarChoice | None = None
    goals: tuple[Goal, ...] = ()
    escalations: tuple[timedelta, ...] = ()
    versions: tuple[SlaVersion, ...] = ()
    calendar_name: str | None = attrs.field(default=None, eq=False)
    # the conditions compiled into the clock's flag bits, once (read-only; see sla.clock)
    _rules: ClockRules = attrs.field(init=False, eq=False, hash=False, repr=False)
    # what the calendar and goal choice read from an event (see schedule.signature)
    _signature: Callable[[TicketEvent], object] | None = attrs.field(
        init=False, eq=False, hash=False, repr=False)
    # (warnings, escalations), one tuple every cycle of this definition shares
    _levels: tuple[tuple[Fraction, ...], tuple[timedelta, ...]] = attrs.field(
        init=False, eq=False, hash=False, repr=False)
    # the replay chosen once for what the definition uses (see sla.lean)
    _replay: Replay = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        # ship the rules as configured, not their compiled form (it holds a closure)
        init = {f.alias: getattr(self, f.name) for f in attrs.fields(SlaDefinition) if f.init}
        return (_rebuild, (init,))

    @_rules.default
    def _compile(self) -> ClockRules:
        return ClockRules.compile({name: getattr(self, name) for name, _ in FLAGS})

    @_signature.default
    def _compile_signature(self) -> Callable[[TicketEvent], object] | None:
        return signature(self.calendar_by, self.goals)

    @_levels.default
    def _pair_levels(self) -> tuple[tuple[Fraction, ...], tuple[timedelta, ...]]:
        return (self.warnings, self.escalations)

    @_replay.default
    def _choose_replay(self) -> Replay:
        return replay_for(self)

    @classmethod
    def from_dict(cls, data: object, *,
                  priority_matrix: PriorityMatrix | None = None) -> SlaDefinition:
        """Validate plain data (the form of docs/sla.md) into a definition.

        Args:
            data: the mapping; ``calendar`` is a calendar mapping, a ``BusinessCalendar``,
                or absent (24x7 UTC); in a :class:`SlaPolicy` it may also name one of the
                policy's calendars.
            priority_matrix: when given, a target table keyed by priority must name exactly
                this matrix's priority levels (every level, unless a ``"*"`` fallback is
                given), checked with :meth:`PriorityMatrix.read_priority_table`.

        >>> from itsm_core.priority import PriorityMatrix
        >>> SlaDefinition.from_dict({"name": "fix", "targets": {"1 - Critical": "PT4H"}},
        ...                         priority_matrix=PriorityMatrix.preset("servicenow-incident"))
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: targets: no entry for '2 - High', '3 - Moderate', '4 - Low', '5 - Planning'; expected one entry per priority level: '1 - Critical', '2 - High', '3 - Moderate', '4 - Low', '5 - Planning'

        Raises:
            ConfigError: anything malformed, naming the field path.
            UnknownNameError: ``calendar`` is a name (only a policy has named calendars).

        >>> SlaDefinition.from_dict({"name": "x", "targets": "PT1H", "on_reopen": "again"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: on_reopen: unknown mode 'again'; expected 'resume' or 'new_cycle'
        """
        check_depth(data)
        return _read(data, {}, priority_matrix)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back to an equal definition.

        Raises:
            ConfigError: a condition is a Python callable (it has no data form).

        >>> d = SlaDefinition.from_dict({"name": "r", "targets": {"P1": "PT4H"},
        ...                              "stop": {"state_in": ["Closed"]}})
        >>> d.to_dict()["stop"], sorted(d.to_dict())  # doctest: +NORMALIZE_WHITESPACE
        ({'state_in': ['Closed']},
         ['calendar', 'name', 'on_priority_change', 'on_reopen', 'stop', 'targets', 'warnings'])
        """
        if self.versions:
            return {"name": self.name, "versions": [v.to_dict() for v in self.versions]}
        out: dict[str, Any] = {"name": self.name}
        if self.calendar_by is None:
            out["calendar"] = self.calendar.to_dict()
        else:
            out["calendar_by"] = self.calendar_by.to_dict()
        if self.goals:
            out["goals"] = [goal.to_dict() for goal in self.goals]
        else:
            out["targets"] = self.targets.to_dict()
        if self.targets.by != "priority":
            out["targets_by"] = self.targets.by
        for key, _ in FLAGS:
            condition = getattr(self, key)
            if condition != _DEFAULTS[key]:  # defaults stay implicit, as in the input
                try:
                    out[key] = condition.to_dict()
                except ConfigError as exc:
                    raise exc.under(key) from None
        if self.start_from is not None:
            out["start_from"] = self.start_from
        if self.retroactive_pause:
            out["retroactive_pause"] = True
        out["warnings"] = [_threshold_data(w) for w in self.warnings]
        if self.escalations:
            out["escalations"] = [format_duration(e) for e in self.escalations]
        out["on_priority_change"] = self.on_priority_change
        out["on_reopen"] = self.on_reopen
        return out

    def evaluate(self, events: Iterable[TicketEvent], as_of: datetime | None = None,
                 ticket: Any = None, *, strict: bool = True) -> SlaOutcome:
        """Replay *events* (any order; ties keep input order) and say where the clock stands.

        Args:
            events: the ticket's :class:`TicketEvent` snapshots.
            as_of: evaluate at this instant, ignoring later events (default: the last
                event's instant -- there is no implicit clock).
            ticket: an identifier carried on the outcome.
            strict: when a cycle needs a target its priority has none, raise
                ``InvalidArgumentError`` (default) or, if false, return an outcome with
                ``skipped`` set to the reason and no cycles.

        >>> from datetime import datetime, timezone
        >>> d = SlaDefinition.from_dict({"name": "r", "targets": {"P1": "PT4H"}})
        >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New", "P9")
        >>> d.evaluate([e], ticket="INC1", strict=False).skipped
        "event 0 (2025-01-06T09:00:00+00:00): priority 'P9' has no target; expected one of ['P1']"
        """
        if self.versions:
            return evaluate_versions(self, events, as_of, ticket, strict)
        return self._replay(self, events, as_of, ticket, strict=strict)


def _check_matrix(matrix: PriorityMatrix, path: str, table: Mapping[Any, Any]) -> None:
    complete = "*" not in table
    read_at(path, lambda rows: matrix.read_priority_table(rows, complete=complete),
            {k: v for k, v in table.items() if k != "*"})


def _read(data: object, calendars: Mapping[str, BusinessCalendar],
          priority_matrix: PriorityMatrix | None) -> SlaDefinition:
    """``SlaDefinition.from_dict``, with the named *calendars* of a policy."""
    if not isinstance(data, Mapping):
        raise ConfigError("", f"expected a mapping, got {type(data).__name__}",
                          "an SLA definition mapping with name and targets")
    reject_unknown(data, _KEYS)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError("name", f"expected a non-empty string, got {shown(name)}", "a name")
    if "versions" in data:
        extra = sorted(str(k) for k in data if k not in ("name", "versions"))
        if extra:
            raise ConfigError(extra[0], "given with versions", "every other key inside a version")
        return read_versions(name, data["versions"],
                             lambda body: _read(body, calendars, priority_matrix))
    if "goals" in data:
        if "targets" in data:
            raise ConfigError("goals", "given with targets", "either targets or goals")
    elif "targets" not in data:
        raise ConfigError("targets", "missing", "targets by priority label")
    if "calendar_by" in data and "calendar" in data:
        raise ConfigError("calendar_by", "given with calendar",
                          "either calendar or calendar_by (with its default)")
    raw_warnings = data.get("warnings", [])
    if not isinstance(raw_warnings, (list, tuple)):
        raise ConfigError("warnings", f"expected a list, got {shown(raw_warnings)}", _THRESHOLD_FORM)
    warnings = tuple(sorted({_threshold(w, join("warnings", i))
                             for i, w in enumerate(raw_warnings)}))
    by = data.get("targets_by", "priority")
    if not isinstance(by, str) or not by:
        raise ConfigError("targets_by", f"expected a field name, got {shown(by)}",
                          "'priority' or the name of a ticket field")
    goals = read_goals(data["goals"], calendars, by) if "goals" in data else ()
    tables = ([(join(join("goals", i), "targets"), g["targets"])
               for i, g in enumerate(data["goals"])] if goals else [("targets", data["targets"])])
    for path, raw_targets in tables:
        if priority_matrix is not None and isinstance(raw_targets, Mapping) and by == "priority":
            _check_matrix(priority_matrix, path, raw_targets)
    raw_calendar = data.get("calendar")
    conditions: dict[str, Any] = {key: read_at(key, parse_condition, data[key])
                                  for key, _ in FLAGS if key in data}
    choice = (read_at("calendar_by", lambda raw: _read_choice(raw, calendars),
                      data["calendar_by"]) if "calendar_by" in data else None)
    if choice is None:
        calendar = _calendar(raw_calendar, calendars)
    else:
        calendar = choice.default or (choice.calendars[0][1] if choice.calendars
                                      else _calendar(None, calendars))
    targets = goals[0].targets if goals else read_at("targets", Targets.from_dict,
                                                     data["targets"])
    start_from = data.get("start_from")
    if start_from is not None and (not isinstance(start_from, str) or not start_from):
        raise ConfigError("start_from", f"expected a field name, got {shown(start_from)}",
                          "the name of the ticket field holding the start instant, "
                          "e.g. 'opened_at'")
    retroactive_pause = data.get("retroactive_pause", False)
    if not isinstance(retroactive_pause, bool):
        raise ConfigError("retroactive_pause", f"expected true or false, got "
                          f"{shown(retroactive_pause)}", "true or false")
    if retroactive_pause and start_from is None:
        raise ConfigError("retroactive_pause", "needs start_from",
                          "start_from naming the field the cycle starts at")
    return SlaDefinition(
        name=name,
        calendar=calendar,
        targets=targets if by == "priority" else attrs.evolve(targets, by=by),
        warnings=warnings,
        on_priority_change=_choice(data, "on_priority_change", _PRIORITY_MODES),
        on_reopen=_choice(data, "on_reopen", _REOPEN_MODES),
        start_from=start_from,
        retroactive_pause=retroactive_pause,
        calendar_name=raw_calendar if isinstance(raw_calendar, str) else None,
        calendar_by=choice,
        goals=goals,
        escalations=_escalations(data.get("escalations", [])),
        **conditions,
    )


def _as_definition(value: object, path: str) -> SlaDefinition:
    """*value*, which must be a definition; else raise ``ConfigError`` naming *path*.

    >>> _as_definition(1, "definitions[0]")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: definitions[0]: expected an SlaDefinition, got int
    """
    if not isinstance(value, SlaDefinition):
        raise ConfigError(path, f"expected an SlaDefinition, got {type(value).__name__}")
    return value

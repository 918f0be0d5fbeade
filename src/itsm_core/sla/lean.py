"""The replay of a plain SLA definition: the same clock, without the schedule machinery.

Most definitions use none of the features that make the clock re-read a ticket at every
event: no per-ticket calendar (``calendar_by``), no ordered ``goals``, no ``versions``, no
retroactive start (``start_from``), no ``reset`` condition, and business-time budgets only
(no deadlines).  For those, :func:`plain_replay` runs the state machine of
:mod:`itsm_core.sla.replay` with the branches such a definition can never take left out;
the cycles it builds are finished by the same
:func:`~itsm_core.sla.building.finish_on` (the one-calendar case of ``finish``).
:func:`replay_for` chooses between the two once, when the definition is built, so an
evaluation tests nothing per event that the definition settled in advance
(docs/design.md, "Scale and embedding").

There is one set of rules: for a plain definition both replays give equal outcomes
(tests/sla/test_lean_path.py checks it on random definitions and histories).

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaDefinition, TicketEvent
>>> d = SlaDefinition.from_dict({"name": "r", "targets": "PT2H",
...                              "pause": {"state_in": ["Waiting"]},
...                              "stop": {"state_in": ["Done"]}})
>>> replay_for(d) is plain_replay
True
>>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
>>> out = plain_replay(d, [TicketEvent(at(9), "New"), TicketEvent(at(10), "Waiting"),
...                        TicketEvent(at(12), "Active"), TicketEvent(at(14), "Done")], None, "T")
>>> [(c.stage.value, c.elapsed.seconds // 3600) for c in out.cycles]
[('breached', 3)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from itsm_core._instant import to_us
from itsm_core.errors import InvalidArgumentError, NoBusinessTimeError
from itsm_core.sla.building import OpenCycle, finish_on, no_target
from itsm_core.sla.clock import APPLIES, CANCEL, PAUSE, START, STOP
from itsm_core.sla.conditions import Always
from itsm_core.sla.cycle import SlaCycle
from itsm_core.sla.events import Fields, TicketEvent
from itsm_core.sla.outcome import SlaOutcome
from itsm_core.sla.replay import ordered, replay, skip

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.sla.definition import SlaDefinition

__all__ = ["Replay", "is_plain", "plain_replay", "replay_for"]

#: A replay function: ``(definition, events, as_of, ticket, *, strict)`` to an outcome.
Replay = Callable[..., SlaOutcome]

_ENDS = STOP | CANCEL
_ATTACH_MASK = APPLIES | START | STOP | CANCEL
_ATTACH = APPLIES | START
_NEVER = Always(False)


def is_plain(definition: SlaDefinition) -> bool:
    """Whether *definition* uses none of the schedule features (see the module docstring).

    >>> from itsm_core.sla import SlaDefinition
    >>> is_plain(SlaDefinition.from_dict({"name": "r", "targets": "PT1H"}))
    True
    >>> is_plain(SlaDefinition.from_dict({"name": "r", "targets": "PT1H",
    ...                                   "reset": {"state_in": ["Reopened"]}}))
    False
    """
    targets = definition.targets
    budgets = (*targets._lookup.values(), targets._default_us)
    return (not definition.versions and definition.calendar_by is None and not definition.goals
            and definition.start_from is None and definition.reset == _NEVER
            and all(goal is None or type(goal) is int for goal in budgets))


def replay_for(definition: SlaDefinition) -> Replay:
    """The replay *definition* evaluates with: :func:`plain_replay` for a plain one, else
    :func:`itsm_core.sla.replay.replay` (``versions`` are dispatched before either).

    >>> from itsm_core.sla import SlaDefinition
    >>> replay_for(SlaDefinition.from_dict({"name": "r", "targets": "P2BD"})).__name__
    'replay'
    """
    return plain_replay if is_plain(definition) else replay


def plain_replay(definition: SlaDefinition, events: Iterable[TicketEvent],
                 as_of: datetime | None, ticket: Any, *, strict: bool = True) -> SlaOutcome:
    """:func:`itsm_core.sla.replay.replay` for a definition :func:`is_plain` accepts
    (the same arguments, outcome and errors).

    >>> from datetime import datetime, timezone
    >>> from itsm_core.sla import SlaDefinition
    >>> d = SlaDefinition.from_dict({"name": "r", "targets": {"P1": "PT1H"}})
    >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New", "P2")
    >>> plain_replay(d, [e], None, "T", strict=False).skipped
    "event 0 (2025-01-06T09:00:00+00:00): priority 'P2' has no target; expected one of ['P1']"
    """
    listed, order, latest = ordered(events)
    pairs: Iterable[tuple[int, TicketEvent]] = (
        enumerate(listed) if order is None else [(i, listed[i]) for i in order])
    if as_of is None:
        as_of_us = latest
    else:
        as_of_us = to_us(as_of, "as_of")
        if as_of_us < latest:  # the events up to as_of: a prefix, in time order
            pairs = [pair for pair in pairs if pair[1]._at_us <= as_of_us]
    rules = definition._rules
    classify, by_state, other_states = rules.classify, rules.by_state, rules.other_states
    targets = definition.targets
    key_of = None if targets.by == "priority" else targets.key_of
    target_of = targets._target_us
    resume = definition.on_reopen == "resume"
    restart = definition.on_priority_change == "restart"

    cycles: list[OpenCycle] = []
    cur: OpenCycle | None = None
    stopped: OpenCycle | None = None
    applies = False
    ended_first = False  # an applying event stopped or cancelled before any cycle attached
    last: TicketEvent | None = None
    for index, event in pairs:
        t = event._at_us
        flags = (classify(event, last) if by_state is None
                 else by_state.get(event.state, other_states))
        last = event
        if not applies and flags & APPLIES:
            applies = True
        key = event.priority if key_of is None else key_of(event)
        if cur is None:
            if stopped is not None and not flags & _ENDS:
                if resume and not (restart and key != stopped.key):
                    cur = stopped
                    cur.switch(False, t if cur.stop is None else cur.stop, cur.key,
                               cur.stop_event or event)
                    cur.stop = None
                elif resume:  # restart wins: the stopped cycle keeps its verdict
                    flags |= _ATTACH
                stopped = None
            if cur is None:
                if flags & _ATTACH_MASK == _ATTACH:
                    target = target_of(key)
                    if target is None:
                        return skip(definition, ticket, strict,
                                    (index, event, no_target(targets, key)))
                    cur = OpenCycle(t, key, target, not flags & PAUSE, event)
                    cycles.append(cur)
                elif flags & APPLIES and flags & _ENDS and not cycles:
                    ended_first = True
                continue
        if key != cur.key:
            target = target_of(key)
            if target is None:
                return skip(definition, ticket, strict, (index, event, no_target(targets, key)))
            if restart:
                cur.stop = t
                cur.cancelled = True
                cur = None
                if not flags & _ENDS:
                    cur = OpenCycle(t, key, target, not flags & PAUSE, event)
                    cycles.append(cur)
                continue
            cur.target = target
            cur.switch(cur.running, t, key, event)
        if flags & _ENDS:
            cur.stop = t
            if flags & CANCEL:
                cur.cancelled = True
            else:
                cur.stop_event = event
                stopped = cur
            cur = None
        elif (not flags & PAUSE) != cur.running:
            cur.switch(not cur.running, t, key, event)
        else:
            cur.marks.append(event)
    name = definition.name
    if last is None:
        return _outcome(name, ticket, applies, (), Fields({}), unstarted=None)
    if cycles:
        calendar, levels = definition.calendar, definition._levels
        try:
            built = ((finish_on(calendar, levels, cycles[0], as_of_us),) if len(cycles) == 1
                     else tuple([finish_on(calendar, levels, c, as_of_us) for c in cycles]))
        except (InvalidArgumentError, NoBusinessTimeError) as exc:  # a span the calendar refuses
            if strict:
                raise
            return SlaOutcome(definition=name, ticket=ticket, applies=True, cycles=(),
                              fields=last.fields, skipped=f"cannot measure the cycles: {exc}")
        return _outcome(name, ticket, applies, built, last.fields, unstarted=None)
    unstarted = None
    if applies:
        unstarted = "stopped before it started" if ended_first else "never started"
    return _outcome(name, ticket, applies, (), last.fields, unstarted=unstarted)


# SlaOutcome's fields, set straight into its slots by _outcome (as building._cycle does a
# cycle's)
_OUTCOME_FIELDS = ("definition", "ticket", "applies", "cycles", "fields", "skipped", "unstarted")
(_set_definition, _set_ticket, _set_applies, _set_cycles, _set_fields, _set_skipped,
 _set_unstarted) = (SlaOutcome.__dict__[field].__set__ for field in _OUTCOME_FIELDS)
if (set(_OUTCOME_FIELDS) != {field.name for field in attrs.fields(SlaOutcome)}
        or any(field.validator or field.converter
               for field in attrs.fields(SlaOutcome))):  # pragma: no cover
    raise TypeError("_outcome must set every field of SlaOutcome, none checked or converted")
_NEW = object.__new__


def _outcome(name: str, ticket: Any, applies: bool, cycles: tuple[SlaCycle, ...],
             fields: Fields, *, unstarted: str | None) -> SlaOutcome:
    """The evaluated (not skipped) :class:`SlaOutcome`, its fields set straight into its
    slots: the frozen class's ``__init__`` would pass each through ``object.__setattr__``."""
    outcome: SlaOutcome = _NEW(SlaOutcome)
    _set_definition(outcome, name)
    _set_ticket(outcome, ticket)
    _set_applies(outcome, applies)
    _set_cycles(outcome, cycles)
    _set_fields(outcome, fields)
    _set_skipped(outcome, None)
    _set_unstarted(outcome, unstarted)
    return outcome

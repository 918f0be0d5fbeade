"""Replaying a ticket's events through one SLA definition: the clock state machine.

Per event (time order, ties in input order, nothing after ``as_of``) the definition's
conditions give six bits -- applies, start, pause, stop, cancel, reset (``changed``
conditions compare the event with the ticket's previous one) -- and:

- no open cycle: a met/breached cycle is *reopened* by an event where neither stop, cancel
  nor reset holds (``resume``: the same cycle continues, the stopped stretch counted as a
  pause; ``new_cycle``: a new cycle may attach); a cycle *attaches* at an event where
  applies and start hold and neither stop nor cancel does (start and stop together attach
  nothing -- unless reset holds too: a reset attaches despite stop).  The ticket's first
  cycle starts at the instant in the field ``start_from`` names, if set (with
  ``retroactive_pause``, the events between that instant and the attaching event pause it
  as they would have).
- open cycle: a change of target key (priority) switches the target (``keep_elapsed``) or
  cancels the cycle and attaches a new one at once (``restart``); then cancel, else stop,
  else reset (cancelled, and a new cycle attaches at once if applies and start hold), else
  pause, else run.  Stop and reset together end the cycle met or breached and attach the
  next one at once (an interval metric such as "periodic update").

Elapsed and paused business time are measured on the definition's calendar, on integer
microseconds inside (one calendar call per running segment; docs/design.md, "Time").

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaDefinition, TicketEvent
>>> d = SlaDefinition.from_dict({"name": "r", "targets": "PT2H",
...                              "pause": {"state_in": ["Waiting"]},
...                              "stop": {"state_in": ["Done"]}})
>>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
>>> out = replay(d, [TicketEvent(at(9), "New"), TicketEvent(at(10), "Waiting"),
...                  TicketEvent(at(12), "Active"), TicketEvent(at(14), "Done")], None, "T1")
>>> [(c.stage.value, c.elapsed.seconds // 3600, c.paused_wall.seconds // 3600) for c in out.cycles]
[('breached', 3, 2)]
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from itsm_core._instant import parse_instant, to_us
from itsm_core.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    ItsmError,
    NoBusinessTimeError,
    shown,
)
from itsm_core.sla.building import OpenCycle, finish
from itsm_core.sla.clock import APPLIES, CANCEL, PAUSE, RESET, START, STOP
from itsm_core.sla.events import Fields, TicketEvent
from itsm_core.sla.outcome import SlaOutcome, skipped
from itsm_core.sla.scheduled import open_cycle

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.sla.definition import SlaDefinition

__all__ = ["replay"]

_ENDS = STOP | CANCEL
_CLOSES = STOP | CANCEL | RESET  # an open cycle ends at this event
_ATTACH_MASK = APPLIES | START | STOP | CANCEL
_ATTACH = APPLIES | START
_RESET_MASK = APPLIES | START | CANCEL | RESET  # a reset attaches even where stop holds
_RESET_ATTACH = APPLIES | START | RESET

# an event seen before the ticket's first cycle attached: (instant, flags, event)
_Seen = tuple[int, int, TicketEvent]


_ONLY_EVENTS = frozenset({TicketEvent})
_AT_US = attrgetter("_at_us")


def ordered(events: Iterable[TicketEvent]) -> tuple[list[TicketEvent], list[int] | None, int]:
    """The events as a list; ``None`` if already in time order, else the stable order; and
    the latest instant (µs; 0 without events): one walk over the instants gives all three.

    >>> from datetime import datetime, timezone
    >>> at = lambda h: TicketEvent(datetime(2025, 1, 6, h, tzinfo=timezone.utc), "New")
    >>> listed, order, last = ordered((at(10), at(9), at(10)))
    >>> order, last == at(10)._at_us
    ([1, 0, 2], True)
    """
    if type(events) is list:
        listed = events
    else:
        try:
            listed = list(events)
        except TypeError:
            if hasattr(events, "__iter__"):
                raise
            raise ArgumentTypeError(
                f"events: expected an iterable of TicketEvent, got {type(events).__name__} "
                f"{shown(events)}"
            ) from None
    if not _ONLY_EVENTS.issuperset(map(type, listed)):  # a subclass, or not an event
        for index, event in enumerate(listed):
            if not isinstance(event, TicketEvent):
                raise ArgumentTypeError(
                    f"events[{index}]: expected a TicketEvent, got {type(event).__name__} "
                    f"{shown(event)}"
                )
    stamps = list(map(_AT_US, listed))
    if not stamps:
        return listed, None, 0
    in_order = sorted(stamps)
    if stamps == in_order:
        return listed, None, in_order[-1]
    return listed, sorted(range(len(listed)), key=stamps.__getitem__), in_order[-1]  # stable


def _start_instant(name: str, event: TicketEvent, t: int) -> int | str:
    """The instant (µs) in field *name* of the attaching *event* (at *t*), or why not."""
    where = f"start_from field {shown(name)}"
    value = event.fields.get(name)
    if value is None:
        return f"{where} is missing; expected an aware date-time"
    try:
        begin = to_us(parse_instant(value, where), where)
    except ItsmError as exc:
        return str(exc)
    if begin > t:
        return (f"{where} ({shown(value)}) is after the event that starts the clock; "
                "expected an instant at or before it")
    return begin


def _open_first(definition: SlaDefinition, key: Any, attaching: _Seen,
                seen: list[_Seen]) -> OpenCycle | str:
    """The ticket's first cycle of a definition with ``start_from``, attaching at
    *attaching*: it starts at the field's instant; the events *seen* since then are stepped
    through (pausing it, with ``retroactive_pause``, where the pause condition held)."""
    assert definition.start_from is not None
    t, flags, event = attaching
    begin = _start_instant(definition.start_from, event, t)
    if isinstance(begin, str):
        return begin
    retro = definition.retroactive_pause
    before = [item for item in seen if item[0] <= begin]
    after = [item for item in seen if item[0] > begin]
    if before:  # the ticket's state at the field's instant is the last event's
        _, first_flags, first = before[-1]
        running = not (retro and first_flags & PAUSE)
    elif after:  # before the ticket's first event: nothing paused it
        first, running = after[0][2], True
    else:
        first, running = event, True
    if begin == t and not before:
        running = not flags & PAUSE
    opened = open_cycle(definition, begin, key, first, running)
    if isinstance(opened, str):
        return opened
    for at, seen_flags, seen_event in after:
        opened.step(not (retro and seen_flags & PAUSE), at, key, seen_event)
    opened.step(not flags & PAUSE, t, key, event)
    return opened


def replay(definition: SlaDefinition, events: Iterable[TicketEvent], as_of: datetime | None,
           ticket: Any, *, strict: bool = True) -> SlaOutcome:
    """Replay *events* through *definition* (see the module docstring for the rules).

    Raises:
        ArgumentTypeError: *events* is not an iterable, or an event is not a ``TicketEvent``.
        NaiveDatetimeError: *as_of* is naive.
        InvalidArgumentError: *strict*, and a cycle's target key has no target or the
            ``start_from`` field of the event that attaches the first cycle is missing or
            not an aware instant at or before that event.

    >>> from itsm_core.sla import SlaDefinition
    >>> replay(SlaDefinition.from_dict({"name": "r", "targets": "PT1H"}), [], None, "T").cycles
    ()
    """
    listed, order, latest = ordered(events)
    as_of_us = latest if as_of is None else to_us(as_of, "as_of")
    rules = definition._rules
    classify, by_state, other_states = rules.classify, rules.by_state, rules.other_states
    targets = definition.targets
    key_of = None if targets.by == "priority" else targets.key_of
    resume = definition.on_reopen == "resume"
    restart = definition.on_priority_change == "restart"
    # with start_from: the events before the first cycle attaches (None: not needed)
    seen: list[_Seen] | None = [] if definition.start_from is not None else None

    cycles: list[OpenCycle] = []
    cur: OpenCycle | None = None
    stopped: OpenCycle | None = None
    applies = False
    ended_first = False  # an applying event stopped or cancelled before any cycle attached
    last: TicketEvent | None = None
    pairs = enumerate(listed) if order is None else ((i, listed[i]) for i in order)
    for index, event in pairs:
        t = event._at_us
        if t > as_of_us:
            break
        flags = (classify(event, last) if by_state is None
                 else by_state.get(event.state, other_states))
        last = event
        applies = applies or bool(flags & APPLIES)
        key = event.priority if key_of is None else key_of(event)
        if cur is None:
            if stopped is not None:
                if flags & RESET:  # a reset never reopens: the verdict stands
                    stopped = None
                elif not flags & _ENDS:
                    if resume and not (restart and key != stopped.key):
                        cur = stopped
                        cur.switch(False, t if cur.stop is None else cur.stop, cur.key,
                                   cur.stop_event or event)
                        cur.stop = None
                    elif resume:  # restart wins: the stopped cycle keeps its verdict
                        flags |= _ATTACH
                    stopped = None
            if cur is None:
                if (flags & _ATTACH_MASK == _ATTACH
                        or flags & _RESET_MASK == _RESET_ATTACH):
                    if seen is not None:
                        opened = _open_first(definition, key, (t, flags, event), seen)
                        seen = None
                    else:
                        opened = open_cycle(definition, t, key, event, not flags & PAUSE)
                    if isinstance(opened, str):
                        return skip(definition, ticket, strict, (index, event, opened))
                    cur = opened
                    cycles.append(cur)
                else:
                    if flags & APPLIES and flags & _ENDS and not cycles:
                        ended_first = True
                    if seen is not None:
                        seen.append((t, flags, event))
                continue
        if key != cur.key:
            if restart:
                opened = open_cycle(definition, t, key, event, not flags & PAUSE)
                if isinstance(opened, str):
                    return skip(definition, ticket, strict, (index, event, opened))
                cur.stop = t
                cur.cancelled = True
                cur = None
                if not flags & _ENDS:
                    cur = opened
                    cycles.append(cur)
                continue
            reason = cur.retarget(definition, t, key, event)
            if reason is not None:
                return skip(definition, ticket, strict, (index, event, reason))
        if flags & _CLOSES:
            cur.stop = t
            if flags & _ENDS and not flags & CANCEL:
                cur.stop_event = event
                stopped = cur
            else:  # cancel, or a reset without stop: no verdict
                cur.cancelled = True
            cur = None
            if flags & RESET:
                stopped = None
                if flags & _RESET_MASK == _RESET_ATTACH:
                    opened = open_cycle(definition, t, key, event, not flags & PAUSE)
                    if isinstance(opened, str):
                        return skip(definition, ticket, strict, (index, event, opened))
                    cur = opened
                    cycles.append(cur)
        else:
            cur.step(not flags & PAUSE, t, key, event)
    fields = last.fields if last is not None else Fields({})
    for opened in cycles:
        if opened.problem is not None:  # a schedule's choice failed on a later event
            return skipped(definition.name, SlaOutcome(
                definition=definition.name, ticket=ticket, applies=True, cycles=(),
                fields=fields), opened.problem, strict)
    try:
        built = tuple(finish(definition, c, as_of_us) for c in cycles)
    except (InvalidArgumentError, NoBusinessTimeError) as exc:  # a span the calendar refuses
        if strict:
            raise
        return SlaOutcome(definition=definition.name, ticket=ticket, applies=True, cycles=(),
                          fields=fields, skipped=f"cannot measure the cycles: {exc}")
    unstarted = None
    if applies and not built:
        unstarted = "stopped before it started" if ended_first else "never started"
    return SlaOutcome(definition=definition.name, ticket=ticket, applies=applies, cycles=built,
                      fields=fields, unstarted=unstarted)


def skip(definition: SlaDefinition, ticket: Any, strict: bool,
          where: tuple[int, TicketEvent, str]) -> SlaOutcome:
    index, event, why = where
    reason = f"event {index} ({event.at.isoformat()}): {why}"
    if strict:
        raise InvalidArgumentError(f"ticket {shown(ticket)}, SLA {shown(definition.name)}: "
                                   f"{reason}")
    return SlaOutcome(definition=definition.name, ticket=ticket, applies=True, cycles=(),
                      fields=event.fields, skipped=reason)

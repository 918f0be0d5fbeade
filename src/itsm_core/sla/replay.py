"""Replaying a ticket's events through one SLA definition: the clock state machine.

Per event (time order, ties in input order, nothing after ``as_of``) the definition's
conditions give five bits -- applies, start, pause, stop, cancel -- and:

- no open cycle: a met/breached cycle is *reopened* by an event where neither stop nor
  cancel holds (``resume``: the same cycle continues, the stopped stretch counted as a
  pause; ``new_cycle``: a new cycle may attach); a cycle *attaches* at an event where
  applies and start hold and neither stop nor cancel does (start and stop together attach
  nothing).
- open cycle: a change of target key (priority) switches the target (``keep_elapsed``) or
  cancels the cycle and attaches a new one at once (``restart``); then cancel, else stop,
  else pause, else run.

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
from typing import TYPE_CHECKING, Any

from itsm_core._instant import to_us
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError
from itsm_core.sla.building import OpenCycle, finish, open_cycle
from itsm_core.sla.clock import APPLIES, CANCEL, PAUSE, START, STOP
from itsm_core.sla.events import Fields, TicketEvent
from itsm_core.sla.outcome import SlaOutcome

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.sla.definition import SlaDefinition

__all__ = ["replay"]

_ENDS = STOP | CANCEL
_ATTACH_MASK = APPLIES | START | STOP | CANCEL
_ATTACH = APPLIES | START


def _ordered(events: Iterable[TicketEvent]) -> tuple[list[TicketEvent], list[int] | None]:
    """The events as a list, and ``None`` if already in time order, else the stable order."""
    listed = events if type(events) is list else list(events)
    for index, event in enumerate(listed):
        if not isinstance(event, TicketEvent):
            raise ArgumentTypeError(
                f"events[{index}]: expected a TicketEvent, got {type(event).__name__} {event!r}"
            )
    stamps = [event._at_us for event in listed]
    if stamps == sorted(stamps):
        return listed, None
    return listed, sorted(range(len(listed)), key=stamps.__getitem__)  # stable for ties


def replay(definition: SlaDefinition, events: Iterable[TicketEvent], as_of: datetime | None,
           ticket: Any, *, strict: bool = True) -> SlaOutcome:
    """Replay *events* through *definition* (see the module docstring for the rules).

    Raises:
        ArgumentTypeError: an event is not a ``TicketEvent``.
        NaiveDatetimeError: *as_of* is naive.
        InvalidArgumentError: *strict* and a cycle's target key has no target.

    >>> from itsm_core.sla import SlaDefinition
    >>> replay(SlaDefinition.from_dict({"name": "r", "targets": "PT1H"}), [], None, "T").cycles
    ()
    """
    listed, order = _ordered(events)
    if as_of is not None:
        as_of_us = to_us(as_of, "as_of")
    elif listed:
        as_of_us = max(event._at_us for event in listed)
    else:
        as_of_us = 0
    rules = definition._rules
    classify, by_state, other_states = rules.classify, rules.by_state, rules.other_states
    targets = definition.targets
    key_of = None if targets.by == "priority" else targets.key_of
    resume = definition.on_reopen == "resume"
    restart = definition.on_priority_change == "restart"

    cycles: list[OpenCycle] = []
    cur: OpenCycle | None = None
    stopped: OpenCycle | None = None
    applies = False
    last: TicketEvent | None = None
    pairs = enumerate(listed) if order is None else ((i, listed[i]) for i in order)
    for index, event in pairs:
        t = event._at_us
        if t > as_of_us:
            break
        last = event
        flags = (classify(event) if by_state is None
                 else by_state.get(event.state, other_states))
        applies = applies or bool(flags & APPLIES)
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
                    opened = open_cycle(definition, t, key, event, not flags & PAUSE)
                    if isinstance(opened, str):
                        return _skip(definition, ticket, strict, (index, event, opened))
                    cur = opened
                    cycles.append(cur)
                continue
        if key != cur.key:
            if restart:
                opened = open_cycle(definition, t, key, event, not flags & PAUSE)
                if isinstance(opened, str):
                    return _skip(definition, ticket, strict, (index, event, opened))
                cur.stop = t
                cur.cancelled = True
                cur = None
                if not flags & _ENDS:
                    cur = opened
                    cycles.append(cur)
                continue
            reason = cur.retarget(definition, t, key, event)
            if reason is not None:
                return _skip(definition, ticket, strict, (index, event, reason))
        if flags & _ENDS:
            cur.stop = t
            if flags & CANCEL:
                cur.cancelled = True
            else:
                cur.stop_event = event
                stopped = cur
            cur = None
        else:
            cur.step(not flags & PAUSE, t, key, event)
    fields = last.fields if last is not None else Fields({})
    built = tuple(finish(definition, c, as_of_us) for c in cycles)
    return SlaOutcome(definition=definition.name, ticket=ticket, applies=applies, cycles=built,
                      fields=fields)


def _skip(definition: SlaDefinition, ticket: Any, strict: bool,
          where: tuple[int, TicketEvent, str]) -> SlaOutcome:
    index, event, why = where
    reason = f"event {index} ({event.at.isoformat()}): {why}"
    if strict:
        raise InvalidArgumentError(f"ticket {ticket!r}, SLA {definition.name!r}: {reason}")
    return SlaOutcome(definition=definition.name, ticket=ticket, applies=True, cycles=(),
                      fields=event.fields, skipped=reason)

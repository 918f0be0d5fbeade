"""The columnar evaluation's common case in numpy: every ticket with a simple history at once.

A ticket's history is *simple* for a definition when its replay
(:mod:`itsm_core.integrations.columnar_core_replay`, the state machine of
:mod:`itsm_core.sla.replay`)
opens at most one cycle and never needs a decision that depends on the cycles before:

- the cycle opens at the first event whose state applies and starts it (and neither stops
  nor cancels it) and ends at the first stopping or cancelling event after it (or stays
  open at ``as_of``);
- every priority the cycle sees has a budget, and, for ``on_priority_change: restart``,
  the priority does not change while it runs;
- nothing after the end reopens it or opens another: after a stop with ``on_reopen:
  resume`` every later state stops or cancels, otherwise no later state starts a cycle.

A ticket that never starts is simple too (its reason, or "does not apply", is read off
the flags).  For the simple tickets the running stretches are the event pairs between
the points where the clock pauses, resumes or changes priority, measured in ONE
:func:`~itsm_core.calendar.bulk._elapsed_many_us` call and summed per cycle; stages are
comparisons.  Every other ticket goes through the per-event machine, so the result is
the machine's, exactly (the tests run both on the same logs).

>>> [stage.value for stage in STAGES]
['met', 'breached', 'running', 'paused', 'cancelled']
"""

from __future__ import annotations

from typing import Any

import attrs

from itsm_core.calendar.bulk import _elapsed_many_us
from itsm_core.sla.clock import APPLIES, CANCEL, PAUSE, START, STOP
from itsm_core.sla.outcome import Stage

__all__ = ["STAGES", "VectorCycles", "simple_cycles"]

#: The stage of each code :func:`simple_cycles` gives.
STAGES = (Stage.MET, Stage.BREACHED, Stage.RUNNING, Stage.PAUSED, Stage.CANCELLED)
_MET, _BREACHED, _RUNNING, _PAUSED, _CANCELLED = range(5)
_ENDS = STOP | CANCEL
_ATTACH_MASK = APPLIES | START | STOP | CANCEL
_ATTACH = APPLIES | START


def _numpy() -> Any:
    import numpy  # noqa: PLC0415 - optional dependency
    return numpy


@attrs.frozen(kw_only=True)
class VectorCycles:
    """What :func:`simple_cycles` gives (numpy arrays).

    ``simple`` per ticket: whether it was evaluated here; ``unstarted`` per ticket: 0 (a
    cycle, or the definition does not apply), 1 never started, 2 stopped before it
    started; then one value per cycle: ``ticket``, ``stage`` (a code into
    :data:`STAGES`), ``elapsed`` (µs), ``key`` (the priority code), ``start`` (µs) and
    ``overdue``.

    >>> VectorCycles.__name__
    'VectorCycles'
    """

    simple: Any
    unstarted: Any
    ticket: Any
    stage: Any
    elapsed: Any
    key: Any
    start: Any
    overdue: Any


def simple_cycles(tix: Any, t: Any, state: Any, key: Any, tickets: int, *, flags: Any,
                  budgets: Any, resume: bool, restart: bool, as_of_us: Any, engine: Any,
                  ) -> VectorCycles:
    """Replay the simple tickets of one definition (see the module docstring).

    Args:
        tix: each event's ticket index (non-decreasing; events in time order per ticket,
            those after ``as_of`` left out).
        t: each event's instant (UTC µs); state, key: its state and priority codes.
        tickets: how many tickets there are (some may have no event).
        flags: the clock flags of each state code; budgets: the budget (µs) of each
            priority code, ``-1`` for none.
        resume, restart: ``on_reopen == "resume"``, ``on_priority_change == "restart"``.
        as_of_us: the instant an open cycle is measured to (µs), or an array of one per
            ticket; engine: the calendar's timeline.

    Raises:
        InvalidArgumentError, NoBusinessTimeError: the calendar refuses a span (the caller
            measures ticket by ticket).

    One ticket resolved 90 µs after it opened, on a calendar always open, against a
    60 µs budget: a breached cycle (stage code 1).

    >>> import numpy as np
    >>> from itsm_core.sla.clock import APPLIES, START, STOP
    >>> from itsm_core.calendar.timeline import CHUNK_US, Timeline
    >>> always = Timeline(lambda lo, hi: [(lo, hi)], CHUNK_US)
    >>> go, done = APPLIES | START, APPLIES | START | STOP
    >>> found = simple_cycles(np.array([0, 0]), np.array([0, 90]), np.array([0, 1]),
    ...                       np.array([0, 0]), 1, flags=np.array([go, done]),
    ...                       budgets=np.array([60]), resume=False, restart=False, as_of_us=90,
    ...                       engine=always)
    >>> found.simple.tolist(), found.ticket.tolist(), found.elapsed.tolist(), found.stage.tolist()
    ([True], [0], [90], [1])
    """
    np = _numpy()
    n = len(tix)
    simple = np.ones(tickets, dtype=bool)
    unstarted = np.zeros(tickets, dtype=np.int8)
    if not n:
        empty = np.zeros(0, dtype=np.int64)
        return VectorCycles(simple=simple, unstarted=unstarted, ticket=empty, stage=empty,
                            elapsed=empty, key=empty, start=empty,
                            overdue=np.zeros(0, dtype=bool))
    f = flags[state]
    applies = (f & APPLIES) != 0
    ends = (f & _ENDS) != 0
    attach = (f & _ATTACH_MASK) == _ATTACH
    cancel = (f & CANCEL) != 0
    run = (f & PAUSE) == 0
    idx = np.arange(n, dtype=np.int64)
    head = np.ones(n, dtype=bool)
    head[1:] = tix[1:] != tix[:-1]
    seg = np.flatnonzero(head)  # each ticket with events: its first event
    who = tix[seg]
    segno = np.cumsum(head) - 1
    hi = np.append(seg[1:], n)
    first = np.minimum.reduceat(np.where(attach, idx, n), seg)  # the cycle's first event
    started = first < n
    first_ev = first[segno]
    stop_at = np.minimum.reduceat(np.where(ends & (idx > first_ev), idx, n), seg)
    ended = stop_at < n
    last = np.where(ended, stop_at, hi - 1)  # the cycle's last event
    last_ev = last[segno]
    in_cycle = (idx >= first_ev) & (idx <= last_ev)
    budget = budgets[key]
    key_change = np.zeros(n, dtype=bool)
    key_change[1:] = (key[1:] != key[:-1]) & ~head[1:]
    odd = in_cycle & (budget < 0)
    if restart:
        odd |= in_cycle & (idx > first_ev) & key_change
    stopped = ended & ~cancel[np.minimum(stop_at, n - 1)]
    inert = np.where(stopped[segno], ends, ~attach) if resume else ~attach
    odd |= (idx > last_ev) & ~inert
    hard = np.logical_or.reduceat(odd, seg)
    simple[who[hard]] = False
    # tickets that never start: the reason, or nothing when the definition does not apply
    idle = ~started & np.logical_or.reduceat(applies, seg)
    early = np.logical_or.reduceat(applies & ends, seg)
    unstarted[who[idle]] = np.where(early[idle], 2, 1)
    # the cycles: stretches between the points where the clock changes
    ok = started & ~hard
    body = (idx > first_ev) & (idx < np.where(ended, stop_at, hi)[segno])
    changed = np.zeros(n, dtype=bool)
    changed[1:] = run[1:] != run[:-1]
    bounds = np.flatnonzero(ok[segno] & ((idx == first_ev) | (body & (changed | key_change))))
    until = as_of_us[who] if np.ndim(as_of_us) else as_of_us  # per ticket, or one instant
    stop_us = np.where(ended, t[np.minimum(stop_at, n - 1)], until)
    owner = segno[bounds]
    upto = stop_us[owner]
    if len(bounds) > 1:
        same = owner[1:] == owner[:-1]
        upto[:-1] = np.where(same, t[bounds[1:]], upto[:-1])
    running = run[bounds]
    measured = _elapsed_many_us(engine, t[bounds][running], upto[running])
    spent_per = np.zeros(len(seg), dtype=np.int64)
    np.add.at(spent_per, owner[running], measured)
    cycles = np.flatnonzero(ok)
    spent = spent_per[cycles]
    final_key = key[last[cycles]]
    target = budgets[final_key]
    done = ended[cycles]
    late = spent > target
    stage = np.where(done, np.where(cancel[last[cycles]], _CANCELLED,
                                    np.where(late, _BREACHED, _MET)),
                     np.where(run[last[cycles]], _RUNNING, _PAUSED))
    return VectorCycles(simple=simple, unstarted=unstarted, ticket=who[cycles], stage=stage,
                        elapsed=spent, key=final_key, start=t[first[cycles]],
                        overdue=~done & late)

"""A plain definition's clock on integers: one ticket's cycles from its rows' clock flags,
priorities and instants, with no event or outcome object.

It is the state machine of :func:`itsm_core.sla.lean.plain_replay` (a definition
:func:`~itsm_core.sla.lean.is_plain` accepts, whose conditions read the state alone and
whose targets are by priority), for the paths that count many tickets: the command
line's count on integers (:mod:`itsm_core.cli.plain_count`) and the columnar core
(:mod:`itsm_core.integrations.columnar_core_replay`).  Both are checked against the
engine's own evaluation by their tests.

>>> from itsm_core.sla.clock import APPLIES, PAUSE, START, STOP
>>> go, wait, done = APPLIES | START, APPLIES | START | PAUSE, APPLIES | START | STOP
>>> [cycle] = clock_cycles([go, wait, go, done], ["P1"] * 4, [0, 10, 40, 50], {"P1": 30}.get,
...                        resume=False, restart=False)
>>> cycle[4], cycle[5]  # running 0-10, waiting 10-40, running 40-50, stopped at 50
([(True, 0), (False, 10), (True, 40)], 50)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from itsm_core.sla.clock import APPLIES, CANCEL, PAUSE, START, STOP

__all__ = ["ENGINE", "clock_cycles", "switch"]

#: What :func:`clock_cycles` gives for a ticket the engine must evaluate itself.
ENGINE = "engine"
_ENDS = STOP | CANCEL
_ATTACH_MASK = APPLIES | START | STOP | CANCEL
_ATTACH = APPLIES | START


def clock_cycles(flags: list[int], keys: Sequence[Any], times: Sequence[int],
                 budget: Callable[[Any], int | None], *, resume: bool, restart: bool,
                 ) -> list[list[Any]] | str | None:
    """One plain definition's clock over one ticket's rows in time order: *flags* (the
    clock flags of each row's state), *keys* (its priority), *times* (its instant, µs; or
    its position, ``range(len(flags))``: the clock's choices never depend on the
    instants, and rows at one instant then keep a segment each, empty),
    *budget* (a priority's budget in µs, ``None`` for none), and the definition's
    ``on_reopen == "resume"`` and ``on_priority_change == "restart"``.

    Returns:
        The cycles ``[start, key, target, running, segments [(running, start)], stop,
        cancelled]`` (each instant in µs; ``stop`` ``None`` while open); ``None`` when the
        definition does not apply; why it never started; or :data:`ENGINE` when a
        priority has no target (the engine says why).

    >>> from itsm_core.sla.clock import APPLIES, START, STOP
    >>> go, done = APPLIES | START, APPLIES | START | STOP
    >>> clock_cycles([go, done], ["P1", "P1"], [0, 90], {"P1": 60}.get, resume=False,
    ...              restart=False)
    [[0, 'P1', 60, True, [(True, 0)], 90, False]]
    >>> clock_cycles([done], ["P1"], [0], {"P1": 60}.get, resume=False, restart=False)
    'stopped before it started'
    """
    cycles: list[list[Any]] = []
    cur: list[Any] | None = None
    stopped: list[Any] | None = None
    applies = ended_first = False
    for flag, key, t in zip(flags, keys, times, strict=True):
        if not applies and flag & APPLIES:
            applies = True
        if cur is None:
            if stopped is not None and not flag & _ENDS:
                if resume and not (restart and key != stopped[1]):
                    cur = stopped
                    switch(cur, False, t if cur[5] is None else cur[5], cur[1])
                    cur[5] = None
                elif resume:  # restart wins: the stopped cycle keeps its verdict
                    flag |= _ATTACH  # noqa: PLW2901 - the event now attaches
                stopped = None
            if cur is None:
                if flag & _ATTACH_MASK == _ATTACH:
                    target = budget(key)
                    if target is None:
                        return ENGINE
                    running = not flag & PAUSE
                    cur = [t, key, target, running, [(running, t)], None, False]
                    cycles.append(cur)
                elif flag & APPLIES and flag & _ENDS and not cycles:
                    ended_first = True
                continue
        if key != cur[1]:
            target = budget(key)
            if target is None:
                return ENGINE
            if restart:
                cur[5] = t
                cur[6] = True
                cur = None
                if not flag & _ENDS:
                    running = not flag & PAUSE
                    cur = [t, key, target, running, [(running, t)], None, False]
                    cycles.append(cur)
                continue
            cur[2] = target
            switch(cur, cur[3], t, key)
        if flag & _ENDS:
            cur[5] = t
            if flag & CANCEL:
                cur[6] = True
            else:
                stopped = cur
            cur = None
        elif (not flag & PAUSE) != cur[3]:
            switch(cur, not cur[3], t, key)
    if cycles:
        return cycles
    if not applies:
        return None
    return "stopped before it started" if ended_first else "never started"


def switch(cycle: list[Any], running: bool, t: int, key: Any) -> None:
    """Begin a segment of *cycle* at *t*, running or not, with *key* (replacing one
    that began at the same instant).

    >>> cycle = [0, "P1", 60, True, [(True, 0)], None, False]
    >>> switch(cycle, False, 30, "P1")
    >>> cycle[4], cycle[3]
    ([(True, 0), (False, 30)], False)
    """
    segs = cycle[4]
    if segs[-1][1] == t:
        segs[-1] = (running, t)
    else:
        segs.append((running, t))
    cycle[3] = running
    cycle[1] = key

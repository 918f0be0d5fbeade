"""The columnar evaluation's replay: every ticket of an export through every definition.

:class:`Replay` takes the rows
:func:`~itsm_core.integrations.columnar_core.evaluate_columns` sorted by ticket, then
time, then line.  Per definition, the tickets with a simple history are replayed in numpy
(:mod:`itsm_core.integrations.columnar_core_vector`); the others go through the
per-event state machine on integers (:func:`itsm_core.sla.integer_clock.clock_cycles`),
whose running stretches are measured in bulk on the calendar; a ticket that machine cannot decide (a priority without a budget, a span
the calendar refuses) is evaluated by the core itself, for its exact reason.  Cycles are
counted in bulk; tickets not evaluated are added in ticket order, then definition order,
as the pure path adds them.

>>> Replay.__name__
'Replay'
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from itsm_core.calendar.bulk import _elapsed_many_us
from itsm_core.errors import InvalidArgumentError, NoBusinessTimeError
from itsm_core.integrations.columnar_core_groups import _add_groups, _distinct
from itsm_core.integrations.columnar_core_vector import STAGES, simple_cycles
from itsm_core.sla.compliance import ComplianceAccumulator
from itsm_core.sla.definition import SlaDefinition
from itsm_core.sla.events import TicketEvent
from itsm_core.sla.grouping import getters
from itsm_core.sla.integer_clock import ENGINE, clock_cycles
from itsm_core.sla.outcome import SlaOutcome, Stage
from itsm_core.sla.policy import SlaPolicy

__all__ = ["Replay"]

_ONE_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_OPEN = (Stage.RUNNING, Stage.PAUSED)
_STAGE_CODE = {stage: code for code, stage in enumerate(STAGES)}
_UNSTARTED = ("", "never started", "stopped before it started")  # by code; 0: a cycle


def _numpy() -> Any:
    import numpy  # noqa: PLC0415 - optional dependency
    return numpy


class Replay:
    """One export's tickets through every definition (see the module docstring).

    Built with the sorted rows and their context: ``read`` (the
    :class:`~itsm_core.integrations.columnar_core.ColumnArrays`), ``rows`` (row indices,
    sorted), ``t`` (their instants), ``cut`` (at or before ``as_of``), ``starts``/``ends``
    (each ticket's slice), ``as_of_us`` (``None``: each ticket as of its own last event),
    ``policy``, ``by``, ``period``, ``parse`` (the time text of ``read.times`` to an aware
    datetime, as the caller reads it) and
    ``strict`` (a ticket the core evaluates itself: as ``SlaDefinition.evaluate``).

    >>> Replay(by=("definition",)).by
    ('definition',)
    """

    def __init__(self, **parts: Any) -> None:
        self.__dict__.update(parts)

    read: Any
    rows: Any
    t: Any
    cut: Any
    starts: list[int]
    ends: list[int]
    as_of_us: int | None  # None: each ticket as of its own last event
    policy: SlaPolicy
    by: tuple[str, ...]
    period: str | None
    parse: Callable[[Any], datetime]
    strict: bool = False

    def run(self, accumulator: ComplianceAccumulator, *, vector: bool = True) -> None:
        """Count every ticket's outcomes in *accumulator* (*vector*: the simple tickets
        in numpy; otherwise every ticket through the per-event machine).

        >>> Replay.run.__name__
        'run'
        """
        np = _numpy()
        read, rows = self.read, self.rows
        tickets = len(self.starts)
        starts = np.array(self.starts, dtype=np.int64)
        sizes = np.array(self.ends, dtype=np.int64) - starts
        counts = np.add.reduceat(self.cut.astype(np.int64), starts)
        self.limit = (starts + counts).tolist()
        # the instant each ticket's open cycle is measured to: as_of, or its last event
        own = self.as_of_us is None
        self.until: list[int] = (self.t[np.array(self.ends, dtype=np.int64) - 1].tolist()
                                 if self.as_of_us is None else [self.as_of_us] * tickets)
        self.ticket_ids = [read.tickets[c] for c in read.ticket[rows[starts]].tolist()]
        tix = np.repeat(np.arange(tickets, dtype=np.int64), sizes)[self.cut]
        t_cut = self.t[self.cut]
        state_cut = read.state[rows][self.cut]
        key_cut = read.priority[rows][self.cut]
        self._lists: tuple[list[int], list[int], list[int]] | None = None
        found: list[Any] = []  # (ticket, definition, stage code, elapsed, key, start, late)
        others: list[tuple[int, int, str]] = []  # (ticket, definition, reason or "pure")
        for d_index, definition in enumerate(self.policy.definitions):
            rules = definition._rules
            assert rules.by_state is not None
            flags = [rules.by_state.get(s, rules.other_states) for s in read.states]
            budgets = [definition.targets._target_us(p) for p in read.priorities]
            machine = np.arange(tickets)
            if vector:
                try:
                    simple = simple_cycles(
                        tix, t_cut, state_cut, key_cut, tickets,
                        flags=np.array(flags, dtype=np.int64),
                        budgets=np.array([-1 if b is None else b for b in budgets],
                                         dtype=np.int64),
                        resume=definition.on_reopen == "resume",
                        restart=definition.on_priority_change == "restart",
                        as_of_us=np.array(self.until, dtype=np.int64) if own
                        else self.as_of_us, engine=definition.calendar._engine)
                except (InvalidArgumentError, NoBusinessTimeError):
                    pass  # a span the calendar refuses: ticket by ticket
                else:
                    machine = np.flatnonzero(~simple.simple)
                    found.append((simple.ticket, d_index, simple.stage, simple.elapsed,
                                  simple.key, simple.start, simple.overdue))
                    for ticket in np.flatnonzero(simple.unstarted).tolist():
                        others.append((ticket, d_index,
                                       _UNSTARTED[int(simple.unstarted[ticket])]))
            chosen = machine.tolist()
            if chosen:
                per_ticket = self._replay(definition, chosen, flags, budgets)
                columns: list[list[Any]] = [[], [], [], [], [], []]
                for ticket, cycles in zip(chosen, per_ticket, strict=True):
                    if isinstance(cycles, str):
                        others.append((ticket, d_index, cycles))
                    elif cycles is not None:
                        for cycle in cycles:
                            columns[0].append(ticket)
                            for column, value in zip(columns[1:], cycle, strict=True):
                                column.append(value)
                found.append((np.array(columns[0], dtype=np.int64), d_index,
                              *(np.array(c, dtype=np.int64) for c in columns[1:5]),
                              np.array(columns[5], dtype=bool)))
        for ticket, d_index, reason in sorted(others, key=lambda o: (o[0], o[1])):
            definition = self.policy.definitions[d_index]
            if reason == "pure":
                accumulator.add(self._pure(definition, ticket))
            else:
                accumulator.add(SlaOutcome(definition=definition.name,
                                           ticket=self.ticket_ids[ticket], applies=True,
                                           cycles=(), unstarted=reason))
        self._count(accumulator, found)

    def _count(self, accumulator: ComplianceAccumulator, found: list[Any]) -> None:
        """Count the cycles: their group keys built column by column."""
        np = _numpy()
        if not found:
            return
        ticket = np.concatenate([f[0] for f in found])
        definition = np.concatenate([np.full(len(f[0]), f[1], dtype=np.int64) for f in found])
        stage, elapsed, key, start = (np.concatenate([f[k] for f in found]) for k in range(2, 6))
        late = np.concatenate([f[6] for f in found])
        read = self.read
        names = [d.name for d in self.policy.definitions]
        columns: list[tuple[Any, list[Any]]] = []  # (codes, the values they index)
        for name in self.by:
            if name == "definition":
                columns.append(_distinct(np, names, definition))
            elif name == "ticket":
                columns.append(_distinct(np, self.ticket_ids, ticket))
            elif name == "priority":
                columns.append(_distinct(np, read.priorities, key))
            elif name == "stage":
                columns.append(_distinct(np, [s.value for s in STAGES], stage))
            else:
                columns.append(_distinct(np, self._last_values(np, name), ticket))
        if self.period is not None:
            get: Any = getters(("definition",), self.period)[-1]
            seen: dict[tuple[int, int], str] = {}
            calendars = [d.calendar.timezone for d in self.policy.definitions]
            periods = []
            for d_index, us in zip(definition.tolist(), start.tolist(), strict=True):
                value = seen.get((d_index, us))
                if value is None:
                    started = (_EPOCH + _ONE_US * us).astimezone(calendars[d_index])
                    value = seen[(d_index, us)] = str(get(None, _Started(started)))
                periods.append(value)
            columns.append(_distinct(np, periods, np.arange(len(periods))))
        _add_groups(np, accumulator, columns, stage=stage, elapsed=elapsed, late=late)

    def _last_values(self, np: Any, name: str) -> list[Any]:
        """Each ticket's value of field *name* at its last event at or before ``as_of``."""
        codes = self.read.fields[name]
        values = self.read.values[name]
        limit = np.array(self.limit, dtype=np.int64)
        has = limit > np.array(self.starts, dtype=np.int64)
        at = codes[self.rows[np.maximum(limit - 1, 0)]] if len(limit) else limit
        return [values[c] if h else None for c, h in zip(at.tolist(), has.tolist(),
                                                           strict=True)]

    def _pure(self, definition: SlaDefinition, index: int) -> SlaOutcome:
        """The core's own evaluation of one ticket (for its exact reason)."""
        parse = self.parse
        read = self.read
        events = []
        for row in sorted(self.rows[self.starts[index]:self.ends[index]].tolist()):  # file order
            values = {name: read.values[name][int(read.fields[name][row])]
                      for name in read.fields}
            events.append(TicketEvent(parse(read.times[int(read.at[row])]),
                                      read.states[int(read.state[row])],
                                      read.priorities[int(read.priority[row])],
                                      {k: v for k, v in values.items() if v is not None}))
        as_of = None if self.as_of_us is None else _EPOCH + _ONE_US * self.as_of_us
        return definition.evaluate(events, as_of, self.ticket_ids[index],
                                   strict=self.strict)

    def _event_lists(self) -> tuple[list[int], list[int], list[int]]:
        """Times, state codes and priority codes of the sorted rows, as lists (once)."""
        if self._lists is None:
            self._lists = (self.t.tolist(), self.read.state[self.rows].tolist(),
                           self.read.priority[self.rows].tolist())
        return self._lists

    def _replay(self, definition: SlaDefinition, chosen: list[int], table: list[int],
                budgets: list[int | None]) -> list[Any]:
        """Per ticket of *chosen*: ``None`` (does not apply), a reason it did not start,
        ``"pure"``, or its cycles ``(stage code, elapsed µs, key, start µs, overdue)``."""
        times, state, keys = self._event_lists()
        resume = definition.on_reopen == "resume"
        restart = definition.on_priority_change == "restart"
        until = self.until
        # cycles: [start, key, target, running, segs(list of (running, start)), stop, cancelled]
        per_ticket: list[Any] = []
        seg_a: list[int] = []
        seg_b: list[int] = []
        for index in chosen:
            lo, hi = self.starts[index], self.limit[index]
            found = clock_cycles([table[code] for code in state[lo:hi]], keys[lo:hi],
                                 times[lo:hi], budgets.__getitem__, resume=resume,
                                 restart=restart)
            if not isinstance(found, list):
                per_ticket.append("pure" if found == ENGINE else found)
            else:
                for cycle in found:
                    segs = cycle[4]
                    stop = until[index] if cycle[5] is None else cycle[5]
                    for k, (running, start) in enumerate(segs):
                        if running:
                            seg_a.append(start)
                            seg_b.append(segs[k + 1][1] if k + 1 < len(segs) else stop)
                per_ticket.append(found)
        try:
            elapsed = _elapsed_many_us(definition.calendar._engine, seg_a, seg_b).tolist()
        except (InvalidArgumentError, NoBusinessTimeError):
            return self._measure_each(definition, chosen, per_ticket)
        return _finish(per_ticket, iter(elapsed))

    def _measure_each(self, definition: SlaDefinition, chosen: list[int],
                      per_ticket: list[Any]) -> list[Any]:
        """One ticket at a time, for a calendar that refuses some span: those tickets go
        to the core (for its exact message)."""
        engine = definition.calendar._engine
        out = []
        for index, found in zip(chosen, per_ticket, strict=True):
            if not isinstance(found, list):
                out.append(found)
                continue
            try:
                values = []
                for cycle in found:
                    segs = cycle[4]
                    stop = self.until[index] if cycle[5] is None else cycle[5]
                    for k, (running, start) in enumerate(segs):
                        if running:
                            values.append(engine.elapsed(
                                start, segs[k + 1][1] if k + 1 < len(segs) else stop))
            except (InvalidArgumentError, NoBusinessTimeError):
                out.append("pure")
                continue
            out.extend(_finish([found], iter(values)))
        return out


def _finish(per_ticket: list[Any], elapsed: Any) -> list[Any]:
    """The cycles of each ticket as ``(stage code, elapsed, key, start, overdue)``."""
    out: list[Any] = []
    for found in per_ticket:
        if not isinstance(found, list):
            out.append(found)
            continue
        cycles = []
        for start, key, target, running, segs, stop, cancelled in found:
            spent = sum(next(elapsed) for run, _ in segs if run)
            if cancelled:
                stage = Stage.CANCELLED
            elif stop is not None:
                stage = Stage.BREACHED if spent > target else Stage.MET
            else:
                stage = Stage.RUNNING if running else Stage.PAUSED
            cycles.append((_STAGE_CODE[stage], spent, key, start,
                           stage in _OPEN and spent > target))
        out.append(cycles)
    return out


@attrs.frozen
class _Started:
    started_at: datetime

"""The columnar path: an export evaluated column by column (the ``columnar`` extra).

:func:`evaluate_columnar` reads an event-log CSV with pyarrow (only the needed columns;
times parsed and localised in one vectorised step, :mod:`itsm_core.cli.columnar_read`),
replays each ticket through each definition on plain integers (the state machine of
:mod:`itsm_core.sla.replay` for the definitions it supports), measures every running
stretch on the calendar in bulk (:meth:`~itsm_core.calendar.business.BusinessCalendar.elapsed_many`)
and counts the cycles in a :class:`~itsm_core.sla.compliance.ComplianceAccumulator`:
exactly the accumulator, skipped rows and not-evaluated tickets the pure path gives
(``tests/cli/test_cli_columnar.py`` runs one suite against both).

Supported (:func:`columnar_support` says why not otherwise): definitions whose conditions
read the state alone, with business-time targets by priority on the definition's calendar
(no deadlines, ``calendar_by``, ``goals``, ``versions``, ``start_from`` or ``reset``); the
time column in ISO 8601 or the slash form (no ``time_format``); a UTF-8 file whose values
do not span lines.  A ticket the state machine cannot decide (a priority without a target,
a span the calendar refuses) is evaluated by the core itself, for its exact reason.

>>> import io
>>> from itsm_core.sla import SlaPolicy
>>> policy = SlaPolicy.from_dict({"definitions": [{"name": "fix", "targets": "PT4H",
...                                                "stop": {"state_in": ["Resolved"]}}]})
>>> csv = b"n,s,t\\nA,New,2016-03-01T09:00Z\\nA,Resolved,2016-03-01T15:00Z\\n"
>>> result = evaluate_columnar(io.BytesIO(csv), policy, roles={"ticket": "n", "state": "s",
...                            "at": "t"}, by=("definition", "stage"))
>>> [(row.keys, row.total) for row in result.accumulator.report().rows]
[((('definition', 'fix'), ('stage', 'breached')), 1)]
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from typing import IO, Any

import attrs

from itsm_core._instant import to_us
from itsm_core.calendar.bulk import _elapsed_many_us
from itsm_core.cli.columnar_read import Columns, instants_us, read_columns
from itsm_core.cli.csvread import DEFAULT_MISSING, SkippedRow
from itsm_core.cli.timeparse import DAY_FIRST, make_time_parser
from itsm_core.errors import InvalidArgumentError, NaiveDatetimeError, NoBusinessTimeError
from itsm_core.sla.clock import APPLIES, CANCEL, PAUSE, START, STOP
from itsm_core.sla.compliance import ComplianceAccumulator
from itsm_core.sla.conditions import Always
from itsm_core.sla.definition import SlaDefinition
from itsm_core.sla.events import TicketEvent
from itsm_core.sla.grouping import getters
from itsm_core.sla.outcome import SlaOutcome, Stage
from itsm_core.sla.policy import SlaPolicy

__all__ = ["ColumnarResult", "ColumnarUnsupported", "columnar_support", "evaluate_columnar",
           "run_columns"]

_ONE_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ENDS = STOP | CANCEL
_ATTACH_MASK = APPLIES | START | STOP | CANCEL
_ATTACH = APPLIES | START
_NEVER = Always(False)
_OPEN = (Stage.RUNNING, Stage.PAUSED)


class ColumnarUnsupported(Exception):
    """The columnar path cannot give the pure path's answer for this input; the message
    says why (the caller uses the pure path).

    >>> str(ColumnarUnsupported("a quoted header"))
    'a quoted header'
    """


@attrs.frozen(kw_only=True)
class ColumnarResult:
    """What :func:`evaluate_columnar` gives: the counts, every data row read, the rows left
    out (line order), the tickets evaluated, the instant they were evaluated at and the
    earliest time read (both as the pure path reads them: the first row holding each).

    >>> ColumnarResult(accumulator=ComplianceAccumulator(), rows=0, skipped=(), tickets=0,
    ...                as_of=None).rows
    0
    """

    accumulator: ComplianceAccumulator
    rows: int
    skipped: tuple[SkippedRow, ...]
    tickets: int
    as_of: datetime | None
    earliest: datetime | None = None


def _definition_support(definition: SlaDefinition) -> str | None:
    targets = definition.targets
    budgets = (*targets._lookup.values(), targets._default_us)
    if definition.versions or definition.calendar_by is not None or definition.goals:
        return f"SLA {definition.name!r} uses versions, calendar_by or goals"
    if definition.start_from is not None or definition.reset != _NEVER:
        return f"SLA {definition.name!r} uses start_from or reset"
    if not all(goal is None or type(goal) is int for goal in budgets):
        return f"SLA {definition.name!r} has deadline targets"
    if targets.by != "priority":
        return f"SLA {definition.name!r} keys its targets by a field"
    if definition._rules.by_state is None:
        return f"SLA {definition.name!r} has conditions that read more than the state"
    return None


def columnar_support(policy: SlaPolicy, *, time_format: str | None = None) -> str | None:
    """Why the columnar path cannot evaluate *policy* (``None``: it can).

    >>> from itsm_core.sla import SlaPolicy
    >>> columnar_support(SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H",
    ...     "applies": {"field": "category", "in": ["Network"]}}]}))
    "SLA 'r' has conditions that read more than the state"
    """
    if time_format is not None:
        return "a --time-format is given"
    for definition in policy.definitions:
        reason = _definition_support(definition)
        if reason is not None:
            return reason
    return None


def evaluate_columnar(source: str | IO[bytes], policy: SlaPolicy, *,
                      roles: Mapping[str, str], fields: Sequence[str] = (),
                      tz: tzinfo | None = None, order: str = DAY_FIRST,
                      as_of: datetime | None = None,
                      by: Sequence[str] = ("definition", "priority"), period: str | None = None,
                      delimiter: str = ",", missing: Collection[str] = DEFAULT_MISSING,
                      ) -> ColumnarResult:
    """Evaluate an event-log export (a path or a binary file) on the columnar path.

    Args:
        source: the CSV file (header first; UTF-8).
        policy: the SLA policy (see :func:`columnar_support`).
        roles: column names of ``ticket``, ``at``, ``state`` and optionally ``priority``.
        fields: other columns to carry (the ``by`` keys that are ticket fields).
        tz: the zone of naive times (``None``: a naive time raises).
        order: the slash form's date order (``"day-first"`` or ``"month-first"``).
        as_of: the instant to evaluate at (default: the latest time read).
        by: the grouping keys; period: as for ``ComplianceAccumulator``.
        delimiter: the field separator; missing: the cells meaning "no value".

    Raises:
        ColumnarUnsupported: the policy or the input is not supported (use the pure path).
        NaiveDatetimeError: a naive time without *tz* (the message names its first line).

    >>> import io
    >>> from itsm_core.sla import SlaPolicy
    >>> p = SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H"}]})
    >>> evaluate_columnar(io.BytesIO(b"n,s,t\\nA,New,1/3/2016 09:00\\n"), p,
    ...                   roles={"ticket": "n", "state": "s", "at": "t"}).skipped
    Traceback (most recent call last):
    ...
    itsm_core.errors.NaiveDatetimeError: line 2, column 't': naive timestamp '1/3/2016 09:00' has no UTC offset; expected --tz ZONE (e.g. --tz Europe/London) to say which zone the export's local times are in
    """
    reason = columnar_support(policy)
    if reason is not None:
        raise ColumnarUnsupported(reason)
    import numpy as np  # noqa: PLC0415 - optional dependency
    read = read_columns(source, roles=roles, fields=fields, delimiter=delimiter, missing=missing)
    if isinstance(read, str):
        raise ColumnarUnsupported(read)
    at_name = roles["at"]
    stamps, reasons, naive = instants_us(read.times, tz=tz, order=order, at_name=at_name)
    if naive:
        hit = np.isin(read.at, np.array(sorted(naive), dtype=np.int64))
        if hit.any():
            first = int(np.flatnonzero(hit)[0])
            raise NaiveDatetimeError(f"line {int(read.line[first])}, column {at_name!r}: "
                                     f"{naive[int(read.at[first])]}")
    return run_columns(read, stamps, reasons, policy, tz=tz, order=order, as_of=as_of, by=by,
                       period=period)


def run_columns(read: Columns, stamps: Any, reasons: Sequence[str | None],
                policy: SlaPolicy, *, tz: tzinfo | None, order: str,
                as_of: datetime | None, by: Sequence[str], period: str | None,
                ) -> ColumnarResult:
    """Evaluate the rows *read* (:func:`~itsm_core.cli.columnar_read.read_columns`) whose
    distinct times are *stamps* (UTC µs) or, where *reasons* says, unreadable
    (:func:`~itsm_core.cli.columnar_read.instants_us`); the arguments as for
    :func:`evaluate_columnar`.

    >>> import io
    >>> from itsm_core.sla import SlaPolicy
    >>> from itsm_core.cli.columnar_read import Columns, instants_us, read_columns
    >>> p = SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H"}]})
    >>> read = read_columns(io.BytesIO(b"n,s,t\\nA,New,2016-03-01T09:00+01:00\\n"),
    ...                     roles={"ticket": "n", "state": "s", "at": "t"}, fields=())
    >>> stamps, reasons, _ = instants_us(read.times, tz=None)
    >>> run_columns(read, stamps, reasons, p, tz=None, order="day-first", as_of=None,
    ...             by=("definition",), period=None).as_of.isoformat()
    '2016-03-01T09:00:00+01:00'
    """
    import numpy as np  # noqa: PLC0415 - optional dependency
    skipped = list(read.skipped)
    bad = [k for k, why in enumerate(reasons) if why is not None]
    keep = np.ones(len(read.line), dtype=bool)
    if bad:
        unreadable = np.isin(read.at, np.array(bad, dtype=np.int64))
        skipped += [SkippedRow(int(n), reasons[int(c)]) for n, c in  # type: ignore[arg-type]
                    zip(read.line[unreadable], read.at[unreadable], strict=True)]
        skipped.sort(key=lambda s: s.line)
        keep = ~unreadable
    # ticket order: first row passing the checks made before times are read
    ticket_codes = read.ticket
    present, first_rows = np.unique(ticket_codes, return_index=True)
    rank = np.empty(len(read.tickets) or 1, dtype=np.int64)
    rank[present[np.argsort(first_rows, kind="stable")]] = np.arange(len(present))
    t = stamps[read.at][keep]
    rows_kept = np.flatnonzero(keep)
    order_rows = np.lexsort((rows_kept, t, rank[ticket_codes[keep]]))
    rows_sorted = rows_kept[order_rows]
    t = t[order_rows]
    parse = make_time_parser(None, tz, order=order)
    latest = earliest = None
    if len(t):  # the first row (ticket order, then file order) holding each, as read
        latest = parse(read.times[int(read.at[rows_sorted[int(np.argmax(t))]])])
        earliest = parse(read.times[int(read.at[rows_sorted[int(np.argmin(t))]])])
    shown_as_of = as_of if as_of is not None else latest
    as_of_us = None if shown_as_of is None else to_us(shown_as_of, "as_of")
    tk = ticket_codes[rows_sorted]
    bounds = np.flatnonzero(np.diff(tk)) + 1
    starts = np.concatenate(([0], bounds)).tolist() if len(tk) else []
    ends = np.concatenate((bounds, [len(tk)])).tolist() if len(tk) else []
    accumulator = ComplianceAccumulator(tuple(by), period)
    tickets = len(starts)
    if tickets:
        job = _Job(read=read, rows=rows_sorted, t=t, cut=t <= as_of_us, starts=starts,
                   ends=ends, as_of_us=as_of_us, policy=policy, by=tuple(by), period=period,
                   tz=tz, order=order, stamps=stamps)
        job.run(accumulator)
    return ColumnarResult(accumulator=accumulator, rows=read.rows, skipped=tuple(skipped),
                          tickets=tickets, as_of=shown_as_of, earliest=earliest)


def _aware(us: int, tz: tzinfo | None) -> datetime:
    return (_EPOCH + _ONE_US * us).astimezone(tz or timezone.utc)


class _Job:
    """One export's tickets through every definition (see the module docstring)."""

    def __init__(self, **parts: Any) -> None:
        self.__dict__.update(parts)

    read: Any
    rows: Any
    t: Any
    cut: Any
    starts: list[int]
    ends: list[int]
    as_of_us: int
    policy: SlaPolicy
    by: tuple[str, ...]
    period: str | None
    tz: tzinfo | None
    order: str
    stamps: Any

    def run(self, accumulator: ComplianceAccumulator) -> None:
        read, rows = self.read, self.rows
        times = self.t.tolist()
        state = read.state[rows].tolist()
        prio = read.priority[rows]
        keys = [read.priorities[c] for c in prio.tolist()]
        limit = [int(s + c) for s, c in zip(self.starts, _counts(self.cut, self.starts,
                                                                  self.ends), strict=True)]
        ticket_ids = [read.tickets[int(c)] for c in read.ticket[rows[self.starts]]]
        per_definition = [self._replay(d, times, state, keys, limit)
                          for d in self.policy.definitions]
        names = (*self.by, "period") if self.period is not None else self.by
        field_names = [n for n in self.by if n not in ("definition", "ticket", "priority",
                                                       "stage")]
        last_fields = {name: self._last_values(name, limit) for name in field_names}
        period_of = None
        if self.period is not None:
            period_of = getters(("definition",), self.period)[-1]
        groups: list[tuple[Any, ...]] = []
        stages: list[Stage] = []
        spent: list[int] = []
        late: list[bool] = []
        for index, ticket in enumerate(ticket_ids):
            for d_index, definition in enumerate(self.policy.definitions):
                found = per_definition[d_index][index]
                if found is None:
                    continue
                if isinstance(found, str):
                    if found == "pure":
                        accumulator.add(self._pure(definition, index, ticket))
                    else:
                        accumulator.add(SlaOutcome(definition=definition.name, ticket=ticket,
                                                   applies=True, cycles=(), unstarted=found))
                    continue
                for stage, elapsed, key, start, overdue in found:
                    values: list[Any] = []
                    for name in names:
                        if name == "definition":
                            values.append(definition.name)
                        elif name == "ticket":
                            values.append(ticket)
                        elif name == "priority":
                            values.append(key)
                        elif name == "stage":
                            values.append(stage.value)
                        elif name == "period":
                            values.append(_period(period_of, definition, start))
                        else:
                            values.append(last_fields[name][index])
                    groups.append(tuple(values))
                    stages.append(stage)
                    spent.append(elapsed)
                    late.append(overdue)
        accumulator._add_counts(groups, stages, spent, late)

    def _last_values(self, name: str, limit: list[int]) -> list[Any]:
        codes = self.read.fields[name]
        values = self.read.values[name]
        out = []
        for start, end in zip(self.starts, limit, strict=True):
            out.append(values[int(codes[self.rows[end - 1]])] if end > start else None)
        return out

    def _pure(self, definition: SlaDefinition, index: int, ticket: str) -> SlaOutcome:
        """The core's own evaluation of one ticket (for its exact reason)."""
        parse = make_time_parser(None, self.tz, order=self.order)
        read = self.read
        events = []
        for row in sorted(self.rows[self.starts[index]:self.ends[index]].tolist()):  # file order
            values = {name: read.values[name][int(read.fields[name][row])]
                      for name in read.fields}
            events.append(TicketEvent(parse(read.times[int(read.at[row])]),
                                      read.states[int(read.state[row])],
                                      read.priorities[int(read.priority[row])],
                                      {k: v for k, v in values.items() if v is not None}))
        as_of = _aware(self.as_of_us, timezone.utc)
        return definition.evaluate(events, as_of, ticket, strict=False)

    def _replay(self, definition: SlaDefinition, times: list[int], state: list[int],
                keys: list[Any], limit: list[int]) -> list[Any]:
        """Per ticket: ``None`` (does not apply), a reason it did not start, ``"pure"``,
        or its cycles ``(stage, elapsed µs, key, start µs, overdue)``."""
        rules = definition._rules
        assert rules.by_state is not None
        table = [rules.by_state.get(s, rules.other_states) for s in self.read.states]
        flags_of = [table[s] for s in state]
        target_of = definition.targets._target_us
        resume = definition.on_reopen == "resume"
        restart = definition.on_priority_change == "restart"
        as_of_us = self.as_of_us
        # cycles: [start, key, target, running, segs(list of (running, start)), stop, cancelled]
        per_ticket: list[Any] = []
        seg_a: list[int] = []
        seg_b: list[int] = []
        for first, end in zip(self.starts, limit, strict=True):
            cycles: list[list[Any]] = []
            cur: list[Any] | None = None
            stopped: list[Any] | None = None
            applies = ended_first = pure = False
            for i in range(first, end):
                flags = flags_of[i]
                t = times[i]
                key = keys[i]
                applies = applies or bool(flags & APPLIES)
                if cur is None:
                    if stopped is not None and not flags & _ENDS:
                        if resume and not (restart and key != stopped[1]):
                            cur = stopped
                            _switch(cur, False, t if cur[5] is None else cur[5], cur[1])
                            cur[5] = None
                        elif resume:
                            flags |= _ATTACH
                        stopped = None
                    if cur is None:
                        if flags & _ATTACH_MASK == _ATTACH:
                            target = target_of(key)
                            if target is None:
                                pure = True
                                break
                            cur = [t, key, target, not flags & PAUSE,
                                   [(not flags & PAUSE, t)], None, False]
                            cycles.append(cur)
                        elif flags & APPLIES and flags & _ENDS and not cycles:
                            ended_first = True
                        continue
                if key != cur[1]:
                    target = target_of(key)
                    if target is None:
                        pure = True
                        break
                    if restart:
                        cur[5] = t
                        cur[6] = True
                        cur = None
                        if not flags & _ENDS:
                            cur = [t, key, target, not flags & PAUSE,
                                   [(not flags & PAUSE, t)], None, False]
                            cycles.append(cur)
                        continue
                    cur[2] = target
                    _switch(cur, cur[3], t, key)
                if flags & _ENDS:
                    cur[5] = t
                    if flags & CANCEL:
                        cur[6] = True
                    else:
                        stopped = cur
                    cur = None
                elif (not flags & PAUSE) != cur[3]:
                    _switch(cur, not cur[3], t, key)
            if pure:
                per_ticket.append("pure")
            elif not cycles:
                per_ticket.append(None if not applies else
                                  "stopped before it started" if ended_first else "never started")
            else:
                for cycle in cycles:
                    segs = cycle[4]
                    stop = as_of_us if cycle[5] is None else cycle[5]
                    for k, (running, start) in enumerate(segs):
                        if running:
                            seg_a.append(start)
                            seg_b.append(segs[k + 1][1] if k + 1 < len(segs) else stop)
                per_ticket.append(cycles)
        try:
            elapsed = _elapsed_many_us(definition.calendar._engine, seg_a, seg_b).tolist()
        except (InvalidArgumentError, NoBusinessTimeError):
            return self._measure_each(definition, per_ticket)
        return self._finish(per_ticket, iter(elapsed))

    def _measure_each(self, definition: SlaDefinition, per_ticket: list[Any]) -> list[Any]:
        """One ticket at a time, for a calendar that refuses some span: those tickets go
        to the core (for its exact message)."""
        engine = definition.calendar._engine
        out = []
        for found in per_ticket:
            if not isinstance(found, list):
                out.append(found)
                continue
            try:
                values = []
                for cycle in found:
                    segs = cycle[4]
                    stop = self.as_of_us if cycle[5] is None else cycle[5]
                    for k, (running, start) in enumerate(segs):
                        if running:
                            values.append(engine.elapsed(
                                start, segs[k + 1][1] if k + 1 < len(segs) else stop))
            except (InvalidArgumentError, NoBusinessTimeError):
                out.append("pure")
                continue
            out.extend(self._finish([found], iter(values)))
        return out

    def _finish(self, per_ticket: list[Any], elapsed: Any) -> list[Any]:
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
                cycles.append((stage, spent, key, start, stage in _OPEN and spent > target))
            out.append(cycles)
        return out


def _switch(cycle: list[Any], running: bool, t: int, key: Any) -> None:
    segs = cycle[4]
    if segs[-1][1] == t:
        segs[-1] = (running, t)
    else:
        segs.append((running, t))
    cycle[3] = running
    cycle[1] = key


def _counts(cut: Any, starts: list[int], ends: list[int]) -> list[int]:
    """How many of each ticket's events (time order) are at or before ``as_of``."""
    import numpy as np  # noqa: PLC0415 - optional dependency
    totals = np.add.reduceat(cut.astype(np.int64), np.array(starts, dtype=np.int64))
    return [int(v) for v in totals.tolist()]


def _period(get: Any, definition: SlaDefinition, start_us: int) -> str:
    """The period key of a cycle starting at *start_us* (the core's own getter, given a
    stand-in cycle with the start instant in the calendar's zone)."""
    started = (_EPOCH + _ONE_US * start_us).astimezone(definition.calendar.timezone)
    return str(get(None, _Started(started)))


@attrs.frozen
class _Started:
    started_at: datetime

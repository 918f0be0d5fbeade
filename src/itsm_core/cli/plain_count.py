"""Counting an export's tickets on integers, for a policy of plain definitions that read
the state alone: no event and no outcome object per row.

``sla-report`` reads a chunk's rows, builds each ticket's events, evaluates them through
the policy and adds the outcomes to a :class:`~itsm_core.sla.compliance.ComplianceAccumulator`
(:meth:`~itsm_core.cli.worker.Evaluator.read` and
:meth:`~itsm_core.cli.worker.Evaluator.count`).  For the most common policy (every
definition plain, :func:`~itsm_core.sla.lean.is_plain`, with conditions on the state
alone and targets by priority) and report (grouped by built-in keys and ticket fields,
no period, no ``--cycles``), :class:`PlainCount` gives the same count from the rows
themselves: each row's instant as an integer (:meth:`~itsm_core.cli.timeparse.TimeParser.instant`),
each definition's clock replayed on the state's flags and the priority's budget, each
running stretch measured on the calendar, each cycle counted in its group.  A ticket it
cannot decide alone (a priority without a target, a span the calendar refuses) goes
through the engine itself, for its exact reason.  It is the command's speed trick, in
one place: ``tests/cli/test_cli_plain_count.py`` checks it against the engine on random
exports, and ``benchmarks/bench_columnar.py`` measures the command.

>>> from itsm_core.cli.policyfile import load_demo_policy
>>> from itsm_core.cli.timeparse import make_time_parser
>>> from datetime import timezone
>>> policy = load_demo_policy()
>>> count = PlainCount(policy, by=("definition",), fields=(), at_name="at")
>>> rows = [2, "1/3/2016 09:00", "New", "2 - High", 3, "1/3/2016 09:20", "Active", "2 - High"]
>>> tally = count.count([("T1", rows)], make_time_parser(None, timezone.utc), None)
>>> [(row.keys, row.met) for row in tally.accumulator.report().rows], tally.pending
([((('definition', 'response'),), 1)], [(0, (1,))])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import attrs

from itsm_core._instant import to_us
from itsm_core.cli.csvread import FlatRows, SkippedRow
from itsm_core.cli.evaluate import events_from_flat
from itsm_core.cli.timeparse import TimeParser
from itsm_core.errors import InvalidArgumentError, NaiveDatetimeError, NoBusinessTimeError, shown
from itsm_core.sla.compliance import ComplianceAccumulator
from itsm_core.sla.events import Fields
from itsm_core.sla.integer_clock import ENGINE, clock_cycles
from itsm_core.sla.lean import is_plain
from itsm_core.sla.outcome import SlaOutcome, Stage
from itsm_core.sla.policy import SlaPolicy

__all__ = ["PlainCount", "Tally", "plain_support"]

_BUILT_IN = ("definition", "ticket", "priority", "stage")
_CANCELLED, _BREACHED, _MET, _RUNNING, _PAUSED = (Stage.CANCELLED, Stage.BREACHED, Stage.MET,
                                                  Stage.RUNNING, Stage.PAUSED)
_OPEN = (_RUNNING, _PAUSED)
_FAR = 1 << 80  # further from 1970 than any instant, in µs
_SHAPES = 1 << 12  # tickets' shapes (states and priorities) whose clocks are kept


def plain_support(policy: SlaPolicy, *, by: Sequence[str], fields: Sequence[str],
                  period: str | None, cycles: bool) -> str | None:
    """Why :class:`PlainCount` cannot count for this report (``None``: it can).

    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> plain_support(load_demo_policy(), by=("definition", "group"), fields=(), period=None,
    ...               cycles=False)
    "grouping by 'group', not a column read"
    """
    if cycles:
        return "--cycles lists every cycle"
    if period is not None:
        return "a period"
    for name in by:
        if name not in _BUILT_IN and name not in fields:
            return f"grouping by {name!r}, not a column read"
    for definition in policy.definitions:
        if (not is_plain(definition) or definition.targets.by != "priority"
                or definition._rules.by_state is None):
            return f"SLA {definition.name!r} is not plain, by priority, on the state alone"
    return None


@attrs.frozen(kw_only=True)
class Tally:
    """What :meth:`PlainCount.count` gives for a chunk: the counts, the unreadable rows,
    the first naive time (then nothing is counted), the tickets read, the latest and
    earliest times, and the outcomes with an open cycle left for later, by position in
    the chunk and definition index (as :class:`~itsm_core.cli.worker.Counted` has them).

    >>> Tally(accumulator=ComplianceAccumulator(), skipped=[], naive=None, tickets=0,
    ...       latest=None, earliest=None, pending=[]).tickets
    0
    """

    accumulator: ComplianceAccumulator
    skipped: list[SkippedRow]
    naive: tuple[int, str] | None
    tickets: int
    latest: datetime | None
    earliest: datetime | None
    pending: list[tuple[int, tuple[int, ...]]]


class PlainCount:
    """Counts chunks of tickets for *policy* (which :func:`plain_support` accepts), grouped
    by *by*; *fields* are the ticket fields each raw row carries, *at_name* the time
    column's name (for the reasons rows are skipped).

    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> PlainCount(load_demo_policy(), by=("definition",), fields=(), at_name="at").by
    ('definition',)
    """

    def __init__(self, policy: SlaPolicy, *, by: Sequence[str], fields: Sequence[str],
                 at_name: str) -> None:
        self.policy, self.by, self.fields, self.at_name = policy, tuple(by), tuple(fields), at_name
        # per definition: its name, state -> flags, other states' flags, budget of a
        # priority, resume on reopen, restart on a change of priority, the calendar's measure
        self._plans = [(d.name, dict(d._rules.by_state or {}), d._rules.other_states,
                        _Budgets(d.targets._target_us).__getitem__, d.on_reopen == "resume",
                        d.on_priority_change == "restart", d.calendar._engine.elapsed)
                       for d in policy.definitions]
        self._shared: dict[tuple[str | None, ...], Fields] = {}
        # (states, priorities) of a ticket's rows -> each definition's clock on positions
        self._clocks: dict[tuple[tuple[Any, ...], tuple[Any, ...]], list[Any]] = {}

    def count(self, chunk: Sequence[tuple[str, FlatRows]], parse: TimeParser,
              as_of: datetime | None) -> Tally:
        """Count *chunk* (``(ticket, flat raw rows)``, times read by *parse*) as of *as_of*
        (``None``: each ticket as of its own last row, its outcomes with an open cycle
        left ``pending``).

        >>> from datetime import timezone
        >>> from itsm_core.cli.policyfile import load_demo_policy
        >>> from itsm_core.cli.timeparse import make_time_parser
        >>> count = PlainCount(load_demo_policy(), by=("stage",), fields=(), at_name="at")
        >>> tally = count.count([("T1", [2, "soon", "New", None])],
        ...                     make_time_parser(None, timezone.utc), None)
        >>> tally.tickets, tally.skipped[0].line
        (0, 2)
        """
        accumulator = ComplianceAccumulator(self.by, None)
        skipped: list[SkippedRow] = []
        naive: list[tuple[int, str]] = []
        pending: list[tuple[int, tuple[int, ...]]] = []
        stride = 4 + len(self.fields)
        instant, at_name = parse.instant, self.at_name
        as_of_us = None if as_of is None else to_us(as_of, "as_of")
        top, bottom = -_FAR, _FAR  # the latest and earliest instant read, and their texts
        top_text = bottom_text = None
        tickets = 0
        for position, (ticket, flat) in enumerate(chunk):
            times: list[int] = []
            dropped: list[int] = []  # the index in flat of each row left out
            last_text, last_us = None, 0
            error = None
            for index in range(0, len(flat), stride):
                text = flat[index + 1]
                if text == last_text:
                    us = last_us
                else:
                    try:
                        us = instant(text)
                    except NaiveDatetimeError as exc:
                        line = flat[index]
                        error = (line, f"line {line}, column {shown(at_name)}: {exc}")
                        break
                    except InvalidArgumentError as exc:
                        skipped.append(SkippedRow(flat[index], f"column {shown(at_name)}: {exc}"))
                        dropped.append(index)
                        continue
                    last_text, last_us = text, us
                times.append(us)
            if error is not None:
                naive.append(error)
                continue
            if not times:
                continue
            # the index in flat of each row read (most often: every row)
            rows = range(0, len(flat), stride) if not dropped else [
                index for index in range(0, len(flat), stride) if index not in dropped]
            high, low = max(times), min(times)
            if high > top:  # at a tie, the first row read holds it (as the events' do)
                top, top_text = high, flat[rows[times.index(high)] + 1]
            if low < bottom:
                bottom, bottom_text = low, flat[rows[times.index(low)] + 1]
            tickets += 1
            if naive:
                continue  # the chunk will count nothing: no need to replay
            later = self._ticket(accumulator, ticket, flat, rows=rows, times=times,
                                 as_of_us=as_of_us, parse=parse, as_of=as_of)
            if later:
                pending.append((position, later))
        if naive:
            return Tally(accumulator=ComplianceAccumulator(self.by, None), skipped=skipped,
                         naive=min(naive), tickets=0, latest=None, earliest=None, pending=[])
        return Tally(accumulator=accumulator, skipped=skipped, naive=None, tickets=tickets,
                     latest=None if top_text is None else parse.stamp(top_text)[0],
                     earliest=None if bottom_text is None else parse.stamp(bottom_text)[0],
                     pending=pending)

    def _ticket(self, accumulator: ComplianceAccumulator, ticket: str, flat: FlatRows, *,
                rows: Sequence[int], times: list[int], as_of_us: int | None,
                parse: TimeParser, as_of: datetime | None) -> tuple[int, ...]:
        """Count one ticket's outcomes; the definitions left for later (an open cycle)."""
        if times != sorted(times):  # the rows in time order, ties in file order
            order = sorted(range(len(times)), key=times.__getitem__)
            rows, times = [rows[i] for i in order], [times[i] for i in order]
        until = times[-1] if as_of_us is None else as_of_us
        if as_of_us is not None and as_of_us < times[-1]:
            kept = sum(1 for t in times if t <= as_of_us)
            rows, times = rows[:kept], times[:kept]
        if not rows:
            return ()  # nothing up to as_of: no definition applies
        if isinstance(rows, range):  # every row, in file order: the columns as slices
            stride = rows.step
            states, keys = flat[2:rows.stop:stride], flat[3:rows.stop:stride]
        else:
            states, keys = [flat[i + 2] for i in rows], [flat[i + 3] for i in rows]
        # each definition's clock, with the rows' positions for instants: it depends on the
        # states and priorities alone, which many tickets share (kept, by their shape)
        shape = (tuple(states), tuple(keys))
        clocks = self._clocks.get(shape)
        if clocks is None:
            if len(self._clocks) >= _SHAPES:
                self._clocks.clear()
            positions = range(len(times))
            clocks = self._clocks[shape] = [
                clock_cycles([by_state.get(s, other) for s in states], keys, positions, budget,
                             resume=resume, restart=restart)
                for _, by_state, other, budget, resume, restart, _ in self._plans]
        later: list[int] = []
        for d_index, (plan, found) in enumerate(zip(self._plans, clocks, strict=True)):
            name, measure = plan[0], plan[6]
            if found == ENGINE or isinstance(found, list):
                counted = (_measured(found, times, until, measure) if isinstance(found, list)
                           else None)
                if counted is None:  # the engine's own evaluation, for its exact reason
                    outcome = self._engine(d_index, ticket, flat, parse, as_of)
                    if as_of is None and any(c.stage in _OPEN for c in outcome.cycles):
                        later.append(d_index)
                    else:
                        accumulator.add(outcome)
                    continue
                if as_of is None and counted[-1][0] in _OPEN:  # only the last can be open
                    later.append(d_index)
                    continue
                last = rows[-1]
                for stage, elapsed, key, overdue in counted:
                    accumulator._count(self._keys(name, ticket, key, stage, flat=flat,
                                                  last=last), stage, elapsed, overdue)
            elif found is not None:  # applies, never started: why
                accumulator.add(SlaOutcome(definition=name, ticket=ticket, applies=True,
                                           cycles=(), unstarted=found))
        return tuple(later)

    def _keys(self, name: str, ticket: str, key: Any, stage: Stage, *, flat: FlatRows,
              last: int) -> tuple[Any, ...]:
        """A cycle's group: each ``by`` key, a field's value read on the last row."""
        out: list[Any] = []
        for part in self.by:
            if part == "definition":
                out.append(name)
            elif part == "ticket":
                out.append(ticket)
            elif part == "priority":
                out.append(key)
            elif part == "stage":
                out.append(stage.value)
            else:
                out.append(flat[last + 4 + self.fields.index(part)])
        return tuple(out)

    def _engine(self, d_index: int, ticket: str, flat: FlatRows, parse: TimeParser,
                as_of: datetime | None) -> SlaOutcome:
        """The engine's evaluation of one ticket through one definition."""
        events, _ = events_from_flat(flat, self.fields, parse, at_name=self.at_name,
                                     skipped=[], shared=self._shared)
        return self.policy.definitions[d_index].evaluate(events, as_of, ticket, strict=False)


class _Budgets(dict[Any, "int | None"]):
    """A definition's budget (µs) of each priority, each looked up once."""

    def __init__(self, target_us: Callable[[Any], int | None]) -> None:
        super().__init__()
        self._target_us = target_us

    def __missing__(self, key: Any) -> int | None:
        found = self[key] = self._target_us(key)
        return found


def _measured(cycles: list[list[Any]], times: list[int], until: int,
              measure: Callable[[int, int], int]) -> list[tuple[Stage, int, Any, bool]] | None:
    """Each cycle's stage, business time elapsed, key and whether it is overdue, measured
    as :func:`itsm_core.sla.building.finish_on` measures it, for cycles whose instants are
    positions in *times* (an open cycle runs to *until*); ``None`` when the calendar
    refuses a span (the engine says why).  Where rows share an instant the clock kept one
    segment per row, of which the empty ones are not measured, as ``finish_on`` drops them."""
    out = []
    try:
        for _, key, target, running, segs, stop, cancelled in cycles:
            end = until if stop is None else times[stop]
            elapsed = 0
            last = len(segs) - 1
            if not last:  # one stretch (the most common)
                run, begin = segs[0]
                begin = times[begin]
                if run and (end != begin or stop is None):
                    elapsed = measure(begin, end)
            for k, (run, at) in enumerate(segs if last else ()):
                begin = times[at]
                seg_end = times[segs[k + 1][1]] if k < last else end
                if seg_end == begin and (k < last or stop is not None):
                    continue  # an empty stretch (an open cycle's current one is measured)
                if run:
                    elapsed += measure(begin, seg_end)
            if cancelled:
                stage = _CANCELLED
            elif stop is not None:
                stage = _BREACHED if elapsed > target else _MET
            else:
                stage = _RUNNING if running else _PAUSED
            out.append((stage, elapsed, key, stage in _OPEN and elapsed > target))
    except (InvalidArgumentError, NoBusinessTimeError):
        return None
    return out

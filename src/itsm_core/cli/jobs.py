"""Evaluating an export's tickets in this process or, with ``--jobs N``, in N processes.

This process reads the CSV (the ``csv`` module, rows grouped by ticket: the cheap part)
and, as it reads, folds the tickets that look complete into the report
(:class:`~itsm_core.cli.stream.Stream`): the costly part (reading the times, building
events, replaying them, counting the cycles) runs on chunks of whole tickets here or in
:class:`concurrent.futures.ProcessPoolExecutor` workers (:mod:`itsm_core.cli.worker`),
whichever is free.  Each worker receives the policy and the reading rules once, when it
starts; for each chunk (packed with ``marshal``) it returns a
:class:`~itsm_core.sla.compliance.ComplianceAccumulator`, the chunk's unreadable rows and
(with ``--cycles``) its cycles' lines: no outcome crosses a process boundary, and no row
object stays after its chunk.  The report is the one a single process gives, byte for
byte:

- **Chunks** are consecutive runs of tickets in first-row order, merged back in that
  order.  An export not sorted by ticket (a ticket folded gets rows again) is evaluated
  once it is read, whole (:mod:`itsm_core.cli.stream`).
- **The date order** of slash dates (``D/M/YYYY`` or ``M/D/YYYY``) is decided once for
  the whole time column (:func:`~itsm_core.cli.scan.decide_order` on the column's marks,
  :mod:`itsm_core.cli.stream_facts`), never per value.  A chunk is folded while the file
  is read only if its dates read the same in the order decided so far.
- **Skipped rows** carry their file line and are listed in line order.
- **A naive time without ``--tz``** is reported for the first such line in the file.
- **The default ``as_of``** (the latest time in the export) is not known until every
  time is read.  Chunks are evaluated as of each ticket's own last event and count the
  outcomes whose cycles are all finished (those do not depend on ``as_of``); an outcome
  with a running or paused cycle is evaluated again, in a second round, as of the
  export's latest time (its ticket's raw rows are kept for it).

>>> import csv
>>> from functools import partial
>>> from itsm_core.cli.csvread import collect_rows, read_header
>>> from itsm_core.cli.policyfile import load_demo_policy
>>> reader = csv.reader(["ticket,at,state,priority\\n", "T1,2016-03-01T09:00Z,New,2 - High\\n"])
>>> collect = partial(collect_rows, reader, columns=read_header(reader, {}))
>>> work = ExportWork(policy=load_demo_policy(), time_format=None, tz=None, at_name="at",
...                   fields=(), by=("definition",), period=None)
>>> result = evaluate_export(collect, work, jobs=1, as_of=None)
>>> [(row.keys, row.running) for row in result.accumulator.report().rows], result.rows
([((('definition', 'resolution'),), 1), ((('definition', 'response'),), 1)], 1)
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, tzinfo
from typing import Protocol

import attrs

from itsm_core.cli.csvread import FlatRows, RowLog, SkippedRow
from itsm_core.cli.cycles import CycleLine, in_file_order
from itsm_core.cli.evaluate import group_keys
from itsm_core.cli.pool import demo_chunk, recount_chunk, start_worker
from itsm_core.cli.scan import check_evaluated, column_notes, decide_order
from itsm_core.cli.stream import Stream, bounds
from itsm_core.cli.stream_facts import column_log, marks_of
from itsm_core.cli.stream_pack import unpack_chunk, unpacked
from itsm_core.cli.timeparse import AMBIGUOUS, DAY_FIRST, ORDERS
from itsm_core.cli.worker import Counted, DemoWork, Evaluator, ExportWork
from itsm_core.demo.generator import SyntheticTicket
from itsm_core.errors import NaiveDatetimeError
from itsm_core.sla.compliance import ComplianceAccumulator
from itsm_core.sla.policy import SlaPolicy

__all__ = ["ExportResult", "ExportWork", "evaluate_demo", "evaluate_export"]


class Collect(Protocol):
    """Reads the export's rows grouped by ticket, calling *watch* (if any) as they come."""

    def __call__(self, *, watch: Callable[[dict[str, FlatRows]], None] | None) -> RowLog:
        """Read the rows."""


@attrs.frozen(kw_only=True)
class ExportResult:
    """An export's tickets, evaluated and counted.

    Attributes:
        accumulator: the counts, ready for ``report()``.
        skipped: every unreadable row, in file order (the reader's and the times').
        rows: data rows seen (read + skipped).
        tickets: tickets with at least one readable row.
        as_of: the instant the tickets were evaluated at (``None``: no readable row).
        notes: what the reader should know about how the export was read (for stderr):
            ``definition`` added to the grouping, a time column that cannot run a clock.
        order: the slash dates' order (``"day-first"`` or ``"month-first"``), ``None``
            when there was none to decide (no slash date, or ``--time-format``).
        cycles: with ``ExportWork.cycles``, a line per cycle counted
            (:mod:`itsm_core.cli.cycles`), in ticket, definition and cycle order.

    >>> ExportResult(accumulator=ComplianceAccumulator(), skipped=(), rows=0, tickets=0,
    ...              as_of=None).tickets
    0
    """

    accumulator: ComplianceAccumulator
    skipped: tuple[SkippedRow, ...]
    rows: int
    tickets: int
    as_of: datetime | None
    notes: tuple[str, ...] = ()
    order: str | None = None
    cycles: tuple[CycleLine, ...] = ()


def _raise_naive(found: Sequence[tuple[int, str] | None]) -> None:
    naive = [n for n in found if n is not None]
    if naive:
        raise NaiveDatetimeError(min(naive)[1])


def _pick_latest(parts: Sequence[Counted]) -> datetime | None:
    """The latest time over the chunks; at a tie, the first chunk's (first-row order)."""
    found = [p.latest for p in parts if p.latest is not None]
    if not found:
        return None
    top = max(found)  # the first maximum, as a running ``>`` comparison keeps it
    return next(value for value in found if value >= top)


def _result(log: RowLog, work: ExportWork, parts: Sequence[Counted], as_of: datetime | None,
            more: Sequence[tuple[ComplianceAccumulator, list[tuple[int, CycleLine]]]], *,
            tickets: list[str], notes: tuple[str, ...], order: str | None) -> ExportResult:
    accumulator = ComplianceAccumulator(work.by, work.period)
    for part in parts:
        accumulator.merge(part.accumulator)
    for extra, _ in more:
        accumulator.merge(extra)
    lines: list[CycleLine] = []
    if work.cycles:
        lines = in_file_order(itertools.chain(*(p.cycles for p in parts),
                                              *(found for _, found in more)), tickets)
    skipped = sorted(itertools.chain(log.skipped, *(p.skipped for p in parts)),
                     key=lambda row: row.line)
    result = ExportResult(accumulator=accumulator, skipped=tuple(skipped), rows=log.rows,
                          tickets=sum(p.tickets for p in parts), as_of=as_of, notes=notes,
                          order=order, cycles=tuple(lines))
    earliest = min((p.earliest for p in parts if p.earliest is not None), default=None)
    check_evaluated(result.tickets, accumulator, earliest, as_of)
    return result


def evaluate_export(collect: Collect, work: ExportWork, *, jobs: int, as_of: datetime | None,
                    start_method: str | None = None) -> ExportResult:
    """Read the rows with *collect* and evaluate every ticket in *jobs* processes.

    The grouping gets ``definition`` first when it lacks it and the policy has several
    definitions (:func:`~itsm_core.cli.evaluate.group_keys`); the slash dates' order is
    decided from the whole column (:func:`~itsm_core.cli.evaluate.decide_order`); both
    are said in the result's ``notes``, with a time column that cannot run a clock.

    Args:
        collect: reads the rows grouped by ticket (e.g.
            :func:`~itsm_core.cli.csvread.collect_rows` on an open reader), calling the
            watch it is given as rows come.
        work: the policy, the reading rules and the report's grouping.
        jobs: 1 evaluates here; N > 1 here and in N - 1 worker processes (same result).
        as_of: the evaluation instant; ``None`` for the export's latest time.
        start_method: the workers' ``multiprocessing`` start method (default: the
            platform's).

    Raises:
        NaiveDatetimeError: the first naive time in the file, when there is no ``--tz``.
        ConfigError: the time column mixes or cannot tell the date orders
            (``--time-format``); or tickets were read and not one clock was measured:
            ``--as-of`` is before every row, or the policy fits none of the tickets
            (``--policy``, naming the reasons and how many tickets each).

    >>> import csv
    >>> from functools import partial
    >>> from itsm_core.cli.csvread import collect_rows, read_header
    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> lines = ["ticket,at,state,priority\\n"] + [
    ...     f"T{n},2016-03-01T{9 + n:02d}:00Z,{state},2 - High\\n" for n in range(6)
    ...     for state in ("New", "Active", "Resolved")]
    >>> work = ExportWork(policy=load_demo_policy(), time_format=None, tz=None, at_name="at",
    ...                   fields=(), by=("definition",), period=None)
    >>> def rows():
    ...     reader = csv.reader(lines)
    ...     return partial(collect_rows, reader, columns=read_header(reader, {}))
    >>> one = evaluate_export(rows(), work, jobs=1, as_of=None)
    >>> two = evaluate_export(rows(), work, jobs=2, as_of=None)
    >>> two.accumulator.report() == one.accumulator.report(), two.tickets, str(two.as_of)
    (True, 6, '2016-03-01 14:00:00+00:00')
    >>> late = datetime(2015, 1, 1, tzinfo=one.as_of.tzinfo)
    >>> evaluate_export(rows(), work, jobs=1, as_of=late)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --as-of: 2015-01-01T00:00:00+00:00 is before every row of the export (the first is at 2016-03-01T09:00:00+00:00): nothing to evaluate; expected an instant at or after 2016-03-01T09:00:00+00:00
    """
    by, note = group_keys(work.policy, work.by)
    work = attrs.evolve(work, by=by)
    notes = () if note is None else (note,)
    evaluator = Evaluator(work)
    with contextlib.ExitStack() as stack:
        pool = None if jobs == 1 else stack.enter_context(ProcessPoolExecutor(
            jobs - 1, mp_context=multiprocessing.get_context(start_method),
            initializer=start_worker, initargs=(work,)))
        stream = Stream(evaluator, as_of, pool, jobs - 1)
        log = collect(watch=stream)
        order = _decide(stream, log, work)
        parts = stream.finish(log.tickets, order or DAY_FIRST)
        facts = column_log([*(p.marks for p in parts)], log.columns)
        _raise_naive([p.naive for p in parts])
        when = as_of if as_of is not None else _pick_latest(parts)
        again = [(ticket, definitions) for part in parts
                 for ticket, (_, definitions) in zip(unpack_chunk(part.held), part.pending,
                                                     strict=True)]
        more: list[tuple[ComplianceAccumulator, list[tuple[int, CycleLine]]]] = []
        if again and when is not None:
            pieces = [[again[i] for i in piece]
                      for piece in bounds([len(rows) for (_, rows), _ in again], jobs)]
            futures = [] if pool is None else [
                pool.submit(recount_chunk, piece, when, order or DAY_FIRST)
                for piece in pieces[1:]]
            lines: list[tuple[int, CycleLine]] = []
            more = [(evaluator.recount(pieces[0], when, order or DAY_FIRST, lines), lines)]
            if pool is None:
                for piece in pieces[1:]:
                    found: list[tuple[int, CycleLine]] = []
                    more.append((evaluator.recount(piece, when, order or DAY_FIRST, found),
                                 found))
            more += (f.result() for f in futures)
    return _result(log, work, parts, when, more, tickets=stream.order_of,
                   notes=(*notes, *column_notes(facts)), order=order)


def _decide(stream: Stream, log: RowLog, work: ExportWork) -> str | None:
    """The column's date order: from the date kinds of every time read when they agree;
    else from the column's marks (which raises the error :func:`decide_order` raises on
    the whole column)."""
    if work.time_format is not None:
        return None
    kinds = stream.kinds_left(log.tickets)
    orders = [order for order in ORDERS if order in kinds]
    if len(orders) == 1:
        return orders[0]
    if not orders and AMBIGUOUS not in kinds:
        return None
    parts = [part.result() for part in stream.parts]
    live = marks_of(unpacked(list(log.tickets.items())), stream.evaluator.kept, work.time_format,
                    work.tz, stream.seen)
    return decide_order(column_log([*(p.marks for p in parts), live], log.columns),
                        work.time_format, work.tz)


def evaluate_demo(policy: SlaPolicy, tickets: Sequence[SyntheticTicket], *, as_of: datetime,
                  tz: tzinfo, by: Sequence[str], period: str | None, jobs: int,
                  start_method: str | None = None,
                  cycles: list[CycleLine] | None = None) -> ComplianceAccumulator:
    """The demo's tickets evaluated at *as_of* and counted, in *jobs* processes (this one
    and ``jobs - 1`` workers); given a list *cycles*, a line per cycle is appended to it
    (:mod:`itsm_core.cli.cycles`), in ticket, definition and cycle order.

    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> from itsm_core.demo.generator import AS_OF, LONDON, generate_incident_log
    >>> counted = evaluate_demo(load_demo_policy(), generate_incident_log(tickets=5), as_of=AS_OF,
    ...                         tz=LONDON, by=("definition",), period=None, jobs=1)
    >>> [row.total for row in counted.report().rows]
    [5, 5]
    """
    work = DemoWork(policy=policy, as_of=as_of, tz=tz, by=group_keys(policy, by)[0],
                    period=period, cycles=cycles is not None)
    if jobs == 1:
        return work.count(tickets, cycles)
    pieces = [[tickets[i] for i in piece]
              for piece in bounds([len(t.updates) for t in tickets], 4 * jobs)]
    mine = len(pieces) // jobs  # this process takes the last share, the workers the rest
    with ProcessPoolExecutor(jobs - 1, mp_context=multiprocessing.get_context(start_method),
                             initializer=start_worker, initargs=(work,)) as pool:
        futures = [pool.submit(demo_chunk, piece) for piece in pieces[:len(pieces) - mine]]
        here: list[tuple[ComplianceAccumulator, list[CycleLine]]] = []
        for piece in pieces[len(pieces) - mine:]:
            found: list[CycleLine] = []
            here.append((work.count(piece, found), found))
        parts = [*(future.result() for future in futures), *here]
    merged = ComplianceAccumulator(work.by, period)
    for part, found in parts:
        merged.merge(part)
        if cycles is not None:
            cycles += found
    return merged

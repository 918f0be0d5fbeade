"""Evaluating an export's tickets in this process or, with ``--jobs N``, in N processes.

This process reads the CSV (the ``csv`` module, rows grouped by ticket: the cheap part);
the costly part (reading the times, building events, replaying them, counting the
cycles) runs on chunks of whole tickets in :class:`concurrent.futures.ProcessPoolExecutor`
workers (:mod:`itsm_core.cli.worker`).  Each worker receives the policy and the reading
rules once, when it starts; for each chunk it returns a
:class:`~itsm_core.sla.compliance.ComplianceAccumulator` and the chunk's unreadable
rows (with ``--cycles``, its cycles' lines: tuples of strings): no outcome crosses a
process boundary.  The report is the one a single process gives, byte for byte:

- **Chunks** are consecutive runs of tickets in first-row order, merged back in that
  order.  They are sent while the file is still being read, every 10,000 rows, leaving
  out the ticket being read.  A chunk whose tickets got more rows later (an export not
  sorted by ticket) is sent again, whole, once the file is read, and its first result
  is dropped; sending stops at the first such chunk, and the rest waits for the end of
  the file.
- **The date order** of slash dates (``D/M/YYYY`` or ``M/D/YYYY``) is decided once for
  the whole time column (:func:`decide_order`), never per value.  A chunk is sent while
  the file is read only if its dates read the same in the order decided so far (it has
  no slash date that needs an order, or a date above 12 has already decided it); any
  other waits for the end of the file, when the whole column has been seen.
- **Skipped rows** carry their file line and are listed in line order.
- **A naive time without ``--tz``** is reported for the first such line in the file.
- **The default ``as_of``** (the latest time in the export) is not known until every
  time is read.  Workers evaluate each ticket as of its own last event and count the
  outcomes whose cycles are all finished (those do not depend on ``as_of``); an outcome
  with a running or paused cycle is evaluated again, in a second round, as of the
  export's latest time.

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

import itertools
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime, tzinfo
from typing import Protocol

import attrs

from itsm_core.cli.csvread import FlatRows, RowLog, SkippedRow
from itsm_core.cli.cycles import CycleLine, in_file_order
from itsm_core.cli.evaluate import group_keys
from itsm_core.cli.scan import (
    check_evaluated,
    classes_of,
    column_notes,
    decide_order,
)
from itsm_core.cli.timeparse import AMBIGUOUS, DAY_FIRST, ORDERS
from itsm_core.cli.worker import (
    Counted,
    DemoWork,
    Evaluator,
    ExportWork,
    count_chunk,
    demo_chunk,
    pack_chunk,
    recount_chunk,
    start_worker,
)
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


def _bounds(weights: Sequence[int], parts: int) -> list[range]:
    """Consecutive ranges of about equal total weight, at most *parts* of them."""
    total = sum(weights) or 1
    ranges: list[range] = []
    start, seen = 0, 0
    for index, weight in enumerate(weights):
        seen += weight
        if seen * parts >= total * (len(ranges) + 1):
            ranges.append(range(start, index + 1))
            start = index + 1
    if start < len(weights):
        ranges.append(range(start, len(weights)))
    return ranges


_LAST_ROWS = 2_500  # rows per chunk once the file is read: the last ones end close together


@attrs.define
class _Chunk:
    """A chunk of tickets: their ids, their row counts when last looked at (``None``: the
    file is read), then the result to come."""

    tickets: list[str]
    sizes: list[int] | None
    future: Future[Counted] | None = None
    classes: frozenset[str | None] | None = None  # its dates' orders, when last looked at

    def grew(self, rows: dict[str, FlatRows]) -> bool:
        return self.sizes is not None and any(
            len(rows[t]) != n for t, n in zip(self.tickets, self.sizes, strict=True))


class _Stream:
    """Sends chunks of the tickets read so far to the workers while the file is read, and
    shares the rest between the workers and this process once it is read."""

    def __init__(self, pool: ProcessPoolExecutor, workers: int, evaluator: Evaluator,
                 as_of: datetime | None) -> None:
        self.pool, self.workers, self.evaluator, self.as_of = pool, workers, evaluator, as_of
        self.chunks: list[_Chunk] = []
        self.start = 0  # the first ticket (in first-row order) not in a chunk yet
        self.streaming = True
        self.seen: dict[str, str | None] = {}  # time text -> date_order (the texts seen)
        self.order: str | None = None  # the first date order a sent chunk showed
        self.final: str = DAY_FIRST  # the column's order, once the file is read

    def _order_for(self, chunk: _Chunk, rows: dict[str, FlatRows]) -> str | None:
        """The order to send *chunk* with before the file is read: the order decided so
        far, or any when its dates need none; ``None`` (wait) when one of its dates needs
        an order and none is decided yet."""
        if chunk.classes is None or chunk.grew(rows):
            stride = 4 + self.evaluator.kept
            texts: set[str] = set()
            for ticket in chunk.tickets:
                texts.update(rows[ticket][1::stride])
            chunk.classes = frozenset(classes_of(texts, self.seen))
        if self.order is None:
            self.order = next((o for o in ORDERS if o in chunk.classes), None)
        if self.order is not None:
            return self.order
        return None if AMBIGUOUS in chunk.classes else DAY_FIRST

    def submit(self, rows: dict[str, FlatRows], *, read: bool = False) -> None:
        """Submit waiting chunks, from the front, while fewer than two per worker are
        pending (a worker never waits for this busy process to hand it the next one).
        Before the file is *read*, a chunk whose tickets got more rows stops the stream (an
        export not sorted by ticket): it waits for the end of the file."""
        pending = sum(1 for c in self.chunks if c.future is not None and not c.future.done())
        for chunk in self.chunks:
            if pending >= 2 * self.workers:
                break
            if chunk.future is None:
                if not read and chunk.grew(rows):
                    self.streaming = False
                    break
                order = self.final if read else self._order_for(chunk, rows)
                if order is None:  # its dates need the column's order: not known yet
                    break
                chunk.sizes = [len(rows[t]) for t in chunk.tickets]  # what the worker sees
                chunk.future = self.pool.submit(
                    count_chunk, pack_chunk([(t, rows[t]) for t in chunk.tickets]), self.as_of,
                    order)
                pending += 1

    def __call__(self, rows: dict[str, FlatRows]) -> None:
        """Cut a chunk of the tickets first seen since the last call, but the one being
        read, and submit what the workers can take; stop once the last chunk's tickets got
        more rows (an export not sorted by ticket)."""
        if self.chunks and self.chunks[-1].grew(rows):
            self.streaming = False
        if self.streaming:
            end = len(rows) - 1
            if end > self.start:
                tickets = list(itertools.islice(rows, self.start, end))
                self.chunks.append(_Chunk(tickets, [len(rows[t]) for t in tickets]))
                self.start = end
            self.submit(rows)

    def finish(self, rows: dict[str, FlatRows]) -> list[Counted]:
        """Renew the submitted chunks whose tickets grew, cut every ticket not submitted yet
        into small chunks (so that this process and the workers finish close together), and
        evaluate chunks here, from the last one back, while the workers take them from the
        front; the results, in order."""
        chunks: list[_Chunk] = []
        waiting: list[str] = []
        for chunk in self.chunks:
            if chunk.future is not None and chunk.grew(rows):
                chunk.future.cancel()
                chunk.future = None
            if chunk.future is None:
                waiting += chunk.tickets
            else:
                chunks += self._cut(waiting, rows)
                waiting = []
                chunks.append(chunk)
        chunks += self._cut([*waiting, *itertools.islice(rows, self.start, None)], rows)
        self.chunks = chunks
        here = self.evaluator
        for chunk in reversed(chunks):
            if chunk.future is not None:
                continue
            self.submit(rows, read=True)
            if chunk.future is None:  # still not taken by a worker
                mine = [(t, rows[t]) for t in chunk.tickets]
                done: Future[Counted] = Future()
                done.set_result(here.count(here.read(mine, self.final), self.as_of))
                chunk.future = done
        return [chunk.future.result() for chunk in chunks if chunk.future is not None]

    def _cut(self, tickets: list[str], rows: dict[str, FlatRows]) -> list[_Chunk]:
        """*tickets* in consecutive chunks of about ``_LAST_ROWS`` rows."""
        weights = [len(rows[t]) for t in tickets]
        parts = -(-sum(weights) // (_LAST_ROWS * (4 + self.evaluator.kept)))
        return [_Chunk([tickets[i] for i in piece], None) for piece in _bounds(weights, parts)]


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
            notes: tuple[str, ...], order: str | None) -> ExportResult:
    accumulator = ComplianceAccumulator(work.by, work.period)
    for part in parts:
        accumulator.merge(part.accumulator)
    for extra, _ in more:
        accumulator.merge(extra)
    lines: list[CycleLine] = []
    if work.cycles:
        lines = in_file_order(itertools.chain(*(p.cycles for p in parts),
                                              *(found for _, found in more)), log.tickets)
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
    if jobs == 1:
        log = collect(watch=None)
        order = decide_order(log, work.time_format, work.tz)
        evaluator = Evaluator(work)
        read = evaluator.read(list(log.tickets.items()), order or DAY_FIRST)
        _raise_naive([read.naive])
        when = as_of if as_of is not None else read.latest
        return _result(log, work, [evaluator.count(read, when)], when, [],
                       notes=(*notes, *column_notes(log)), order=order)
    evaluator = Evaluator(work)
    with ProcessPoolExecutor(jobs - 1, mp_context=multiprocessing.get_context(start_method),
                             initializer=start_worker, initargs=(work,)) as pool:
        stream = _Stream(pool, jobs - 1, evaluator, as_of)
        log = collect(watch=stream)
        order = decide_order(log, work.time_format, work.tz)  # the whole column, read
        stream.final = order or DAY_FIRST
        parts = stream.finish(log.tickets)
        _raise_naive([p.naive for p in parts])
        when = as_of if as_of is not None else _pick_latest(parts)
        again = [((t, log.tickets[t]), definitions) for chunk, part in
                 zip(stream.chunks, parts, strict=True) for t, definitions in
                 ((chunk.tickets[i], d) for i, d in part.pending)]
        more: list[tuple[ComplianceAccumulator, list[tuple[int, CycleLine]]]] = []
        if again and when is not None:
            pieces = [[again[i] for i in piece]
                      for piece in _bounds([len(rows) for (_, rows), _ in again], jobs)]
            futures = [pool.submit(recount_chunk, piece, when, stream.final)
                       for piece in pieces[1:]]
            lines: list[tuple[int, CycleLine]] = []
            more = [(evaluator.recount(pieces[0], when, stream.final, lines), lines),
                    *(f.result() for f in futures)]
    return _result(log, work, parts, when, more, notes=(*notes, *column_notes(log)),
                   order=order)


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
              for piece in _bounds([len(t.updates) for t in tickets], 4 * jobs)]
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

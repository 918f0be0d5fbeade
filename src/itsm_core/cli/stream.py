"""Folding an export's tickets into the report while it is read, in bounded memory.

:class:`Stream` is the *watch* that :func:`~itsm_core.cli.csvread.collect_rows` calls
every 10,000 rows with the tickets read so far.  It takes out of that dict the longest
run of tickets, from the first one (first-row order), that got no row since the last
call: they look complete.  Each such chunk is evaluated (here, or in a worker process
when one is free, :func:`~itsm_core.cli.pool.fold_chunk`) and only what the report
needs stays: its :class:`~itsm_core.sla.compliance.ComplianceAccumulator`, its
unreadable rows, the raw rows of the tickets with a clock still running (evaluated again
at the end, as of the export's latest time), the time column's marks
(:mod:`itsm_core.cli.stream_facts`) and the chunk itself, packed and compressed.  A file
sorted by ticket, or by time with tickets closing, is so read in memory bounded by its
open tickets, plus a few bytes per row for the compressed chunks.

The compressed chunks are what keeps the report exact on any file: when a ticket taken
out gets rows again (an export not sorted by ticket), the folding stops, every chunk is
unpacked back into the dict, in first-row order, the counts made so far are dropped, and
the whole file is evaluated once it is read (as the first-row order demands).

Slash dates are read in the order decided so far (the first date above 12 decides it);
a chunk with a date that needs an order while none is decided stays in the dict until
one is.  At the end, the column's whole order is checked against the marks
(:func:`~itsm_core.cli.scan.decide_order`): a column that mixes both orders is an error,
whatever was folded.

>>> from itsm_core.cli.policyfile import load_demo_policy
>>> from itsm_core.cli.worker import Evaluator, ExportWork
>>> work = ExportWork(policy=load_demo_policy(), time_format=None, tz=None, at_name="at",
...                   fields=(), by=("definition",), period=None)
>>> stream = Stream(Evaluator(work), None)
>>> rows = {"T1": [2, "2016-03-01T09:00Z", "New", "2 - High"]}
>>> stream(rows), stream(rows)  # the second call finds T1 idle: folded, taken out
(None, None)
>>> rows, len(stream.parts)
({}, 1)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime

from itsm_core.cli.csvread import FlatRows
from itsm_core.cli.pool import fold_chunk
from itsm_core.cli.scan import classes_of
from itsm_core.cli.stream_pack import (
    Packed,
    Ticket,
    pack_chunk,
    rows_in,
    unarchive,
    unpacked,
)
from itsm_core.cli.timeparse import AMBIGUOUS, DAY_FIRST, ORDERS
from itsm_core.cli.worker import Counted, Evaluator

__all__ = ["Stream", "bounds"]

_PIECE_ROWS = 10_000  # rows per chunk while the file is read (at most one per look)
_LAST_ROWS = 2_500  # rows per chunk once it is read: the last ones end close together
_AHEAD = 4  # chunks waiting per worker before this process evaluates one itself


def bounds(weights: Sequence[int], parts: int) -> list[range]:
    """Consecutive ranges of about equal total weight, at most *parts* of them.

    >>> bounds([5, 1, 1, 1, 5, 1], 2)
    [range(0, 3), range(3, 6)]
    """
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


class Stream:
    """Folds the tickets that look complete while the file is read (see the module).

    Args:
        evaluator: this process's :class:`~itsm_core.cli.worker.Evaluator`.
        as_of: the evaluation instant; ``None`` for the export's latest time.
        pool: the worker processes (their initializer got the same work), or ``None``.
        workers: how many processes *pool* has.

    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> from itsm_core.cli.worker import Evaluator, ExportWork
    >>> work = ExportWork(policy=load_demo_policy(), time_format=None, tz=None,
    ...                   at_name="at", fields=(), by=("definition",), period=None)
    >>> Stream(Evaluator(work), None).streaming
    True
    """

    def __init__(self, evaluator: Evaluator, as_of: datetime | None,
                 pool: ProcessPoolExecutor | None = None, workers: int = 0) -> None:
        self.evaluator, self.as_of, self.pool, self.workers = evaluator, as_of, pool, workers
        self.parts: list[Future[Counted]] = []  # the chunks folded, in first-row order
        self.waiting: list[Future[Counted]] = []  # the parts still in a worker's hands
        self.order_of: list[str] = []  # with --cycles: the tickets folded, in that order
        self.done: set[str] = set()  # the tickets taken out of the dict
        self.sizes: dict[str, int] = {}  # a ticket left in -> its row count at the last call
        self.known = 0  # tickets in the dict after the last call (new ones come after)
        self.streaming = True
        self.seen = evaluator.seen  # time text -> its date kind (shared with the marks)
        self.kinds: set[str | None] = set()  # the date kinds of the folded chunks
        self.order: str | None = None  # the slash dates' order decided so far
        # a chunk was folded while no order was decided: its unreadable times' messages
        # name the day-first form, which the column's order may later contradict
        self.guessed = False
        self.calls = self.packed_at = 0  # calls since folding stopped, the last packing's

    def __call__(self, rows: dict[str, FlatRows]) -> None:
        """Fold the idle tickets at the front of *rows* and take them out of it; on a
        ticket taken out that got rows again, put every chunk back and stop folding."""
        if not self.streaming:
            self._pack(rows)
            return
        if any(t in self.done for t in itertools.islice(rows, self.known, None)):
            self._put_back(rows)
            return
        idle: list[str] = []
        sizes = self.sizes
        for ticket, flat in rows.items():
            if sizes.get(ticket) != len(flat):
                break
            idle.append(ticket)
        weights = [len(rows[t]) for t in idle]
        stride = 4 + self.evaluator.kept
        for piece in bounds(weights, -(-sum(weights) // (_PIECE_ROWS * stride))):
            chunk = [(idle[i], rows[idle[i]]) for i in piece]
            order = self._order_for(chunk, stride)
            if order is None:  # a date needs the column's order: not known yet
                break
            self._fold(chunk, order)
            for ticket, _ in chunk:
                del rows[ticket]
                self.done.add(ticket)
        self.sizes = {ticket: len(flat) for ticket, flat in rows.items()}
        self.known = len(rows)

    def _order_for(self, chunk: list[tuple[str, FlatRows]], stride: int) -> str | None:
        """The order to read *chunk*'s slash dates in: the one decided so far, or any
        when none of its dates needs one; ``None`` (wait) when one does and none is."""
        if self.order is not None:
            return self.order  # its date kinds come back with its marks (kinds_left)
        texts: set[str] = set()
        for _, flat in chunk:
            texts.update(flat[1::stride])
        kinds = classes_of(texts, self.seen)
        if self.order is None:
            self.order = next((o for o in ORDERS if o in kinds), None)
        if self.order is None and AMBIGUOUS in kinds:
            return None
        self.kinds |= kinds
        self.guessed = self.guessed or self.order is None
        return self.order or DAY_FIRST

    def _fold(self, chunk: list[tuple[str, FlatRows]], order: str) -> None:
        """Evaluate *chunk* in a free worker, or here when every worker has four
        waiting (:data:`_AHEAD` each)."""
        if self.evaluator.work.cycles:
            self.order_of += (ticket for ticket, _ in chunk)
        if self.pool is not None:
            self.waiting = [part for part in self.waiting if not part.done()]
            if len(self.waiting) < _AHEAD * self.workers:
                part = self.pool.submit(fold_chunk, pack_chunk(chunk), self.as_of, order)
                self.parts.append(part)
                self.waiting.append(part)
                return
        self.parts.append(_done(self.evaluator.fold(chunk, order, self.as_of)))

    def _put_back(self, rows: dict[str, FlatRows]) -> None:
        """Unpack every chunk folded back into *rows*, in first-row order, with the rows
        read since; stop folding."""
        restored: dict[str, FlatRows] = {}
        for part in self.parts:
            for ticket, flat in unarchive(part.result().archive):
                restored[ticket] = flat + rows.pop(ticket, [])
        restored.update(rows)
        rows.clear()
        rows.update(restored)
        self.parts, self.order_of, self.kinds = [], [], set()
        self.done.clear()
        self.streaming = False

    def _pack(self, rows: dict[str, FlatRows]) -> None:
        """Once folding has stopped: pack, in place, the rows read since the last packing
        (:class:`~itsm_core.cli.stream_pack.Packed`), so that an unsorted export waits
        for its end as compact strings, not as row objects.  It looks at every ticket,
        so only when the rows read since the last time are a fifth of all (or more):
        a few dozen times on a file of millions of rows."""
        self.calls += 1
        if self.calls < 1.2 * self.packed_at:
            return
        self.packed_at = self.calls
        stride = 4 + self.evaluator.kept
        for ticket, flat in rows.items():
            if flat:
                self.kinds |= classes_of(flat[1::stride], self.seen)
                if isinstance(flat, Packed):
                    flat.pack()
                else:
                    rows[ticket] = Packed(flat)

    def kinds_left(self, rows: dict[str, FlatRows]) -> set[str | None]:
        """The date kinds of every time read: folded, and left in *rows*.

        >>> from itsm_core.cli.policyfile import load_demo_policy
        >>> from itsm_core.cli.worker import Evaluator, ExportWork
        >>> work = ExportWork(policy=load_demo_policy(), time_format=None, tz=None,
        ...                   at_name="at", fields=(), by=("definition",), period=None)
        >>> Stream(Evaluator(work), None).kinds_left({"T1": [2, "25/3/2016 09:00", "New", None]})
        {'day-first'}
        """
        stride = 4 + self.evaluator.kept
        texts: set[str] = set()
        for flat in rows.values():
            texts.update(flat[1::stride])
        # a folded chunk's marks hold a row of each date kind it has (waits for the workers)
        texts.update(row[1] for part in self.parts for row in part.result().marks[0])
        return self.kinds | classes_of(texts, self.seen)

    def finish(self, rows: dict[str, FlatRows], order: str) -> list[Counted]:
        """Evaluate the tickets left in *rows* (slash dates in *order*; *rows* is emptied)
        in small chunks, the workers taking them from the front and this process from the
        back; every
        chunk's result, folded ones first, in first-row order (rows read since the last
        call that reach a ticket folded put every chunk back first, and so does an order
        other than the day-first one the folded chunks assumed, when they skipped rows: the
        reasons name the form in the column's order).

        >>> from itsm_core.cli.policyfile import load_demo_policy
        >>> from itsm_core.cli.worker import Evaluator, ExportWork
        >>> work = ExportWork(policy=load_demo_policy(), time_format=None, tz=None,
        ...                   at_name="at", fields=(), by=("definition",), period=None)
        >>> parts = Stream(Evaluator(work), None).finish(
        ...     {"T1": [2, "2016-03-01T09:00Z", "New", "2 - High"]}, "day-first")
        >>> [(part.tickets, part.pending) for part in parts]  # both clocks run: pending
        [(1, [(0, (0, 1))])]
        """
        if self.streaming and (
                any(t in self.done for t in itertools.islice(rows, self.known, None))
                or (self.guessed and order != DAY_FIRST
                    and any(part.result().skipped for part in self.parts))):
            self._put_back(rows)
        if self.evaluator.work.cycles:
            self.order_of += rows
        tickets = list(rows.items())
        stride = 4 + self.evaluator.kept
        weights = [rows_in(flat) for _, flat in tickets]
        pieces = [[tickets[i] for i in piece] for piece in
                  bounds(weights, -(-sum(weights) // (_LAST_ROWS * stride)))]
        del tickets
        rows.clear()  # each piece's rows are let go once it is evaluated

        def take(index: int) -> list[Ticket]:
            piece, pieces[index] = pieces[index], []
            return unpacked(piece)

        tail: list[Future[Counted] | None] = [None] * len(pieces)
        front = 0
        for index in reversed(range(len(pieces))):
            if tail[index] is not None:
                break
            while self.pool is not None and front < index and sum(
                    1 for f in tail if f is not None and not f.done()) < _AHEAD * self.workers:
                tail[front] = self.pool.submit(fold_chunk, pack_chunk(take(front)),
                                               self.as_of, order, archive=False)
                front += 1
            if tail[index] is None:
                tail[index] = _done(self.evaluator.fold(take(index), order, self.as_of,
                                                        archive=False))
        return [part.result() for part in [*self.parts, *tail] if part is not None]


def _done(counted: Counted) -> Future[Counted]:
    future: Future[Counted] = Future()
    future.set_result(counted)
    return future

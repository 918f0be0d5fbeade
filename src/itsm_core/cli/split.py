"""Reading one export in several processes, each parsing and evaluating its own stretch.

The export is decoded once in full first (an encoding problem is reported before any
row, whatever ``--jobs`` is).  With ``--jobs N`` its bytes are then cut into N stretches
of whole lines; each process (this one and N - 1 others) reads its stretch with the same
row rules and evaluates the tickets found only there.  The report is the one a single
process gives, byte for byte:

- **Where to cut.** After a ``\\n`` with an even number of ``"`` before it (so normally
  outside quotes), in an encoding where those two bytes mean only themselves (UTF-8,
  ASCII, the ISO 8859 and Windows code pages).  A cut is only *trusted* once the stretch
  before it has been read to exactly its end: each stretch is read with a marker line
  after it, and the marker must come back as a row of its own.  A quoted field running
  over a cut (or a stray ``"`` in an unquoted field) fails that check, and the whole
  file is then read by this process: slower, never different.
- **Line numbers** of skipped rows are the file's: each stretch knows its first line.
- **Errors in rows** (a naive timestamp without ``--tz``) are those of the first stretch
  in file order that has one, which is the first in the file.
- **Tickets across stretches.** A ticket whose rows lie in more than one stretch is
  evaluated by this process on all its rows (in file order); every other ticket by the
  process that read it.  Outcomes are put back in the order of each ticket's first row,
  which is the single-process order; workers send theirs as plain tuples
  (:func:`itsm_core.parallel.pack_outcomes`).
- **The default ``as_of``** (the latest timestamp) is taken over all stretches, with the
  single-process tie rule: the first ticket, in first-row order, holding the latest instant.

Small files (under :data:`PART_MIN_BYTES` a stretch) are read by this process alone and
evaluated with :func:`itsm_core.parallel.evaluate_tickets` in ``jobs`` processes.

>>> plan_parts(b"h\\n" + b"a,b\\n" * 4, 2, 2, 2, min_bytes=1)
[Part(start=2, end=10, first_line=2, next_line=4), Part(start=10, end=18, first_line=4, next_line=6)]
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs

from itsm_core._instant import to_us
from itsm_core.cli.columns import ColumnMap
from itsm_core.cli.csvread import (
    EventLog,
    Record,
    SkippedRow,
    read_event_log,
    read_header,
    read_rows,
)
from itsm_core.cli.evaluate import histories_from_records
from itsm_core.cli.timeparse import make_time_parser
from itsm_core.parallel import (
    chunk_bounds,
    evaluate_tickets,
    pack_outcomes,
    portable_policy,
    resolve_start_method,
    restore_policy,
    unpack_outcomes,
)
from itsm_core.sla.outcome import SlaOutcome
from itsm_core.sla.policy import SlaPolicy

__all__ = ["PART_MIN_BYTES", "STREAM_TICKETS", "Export", "Part", "RowRules", "Summary",
           "plan_parts"]

#: the least a stretch must hold for another process to be worth starting (~1,500 rows of
#: a 36-column ServiceNow export, ~50 ms of work)
PART_MIN_BYTES = 500_000
_SEARCH_LINES = 1_000  # how far a cut may move to find an even number of quotes before it
#: tickets a worker evaluates before sending their outcomes (so the caller rebuilds them
#: while the worker goes on, instead of all at the end)
STREAM_TICKETS = 500
# A row no export holds: read after a stretch, it comes back as a row of its own only if
# the stretch ended outside quotes.
_MARKER = "itsm-core: end of a stretch (6f1d2c)\n"
# codecs in which the bytes of "\n", "\r" and '"' only ever stand for those characters
_SPLITTABLE = ("utf-8", "utf-8-sig", "ascii", "iso8859-", "cp125", "latin")


@attrs.frozen
class Part:
    """A stretch of the export: ``data[start:end]``, whole lines, from *first_line* to the
    line before *next_line*.

    >>> Part(10, 20, 3, 5).end
    20
    """

    start: int
    end: int
    first_line: int
    next_line: int


def _lines(data: bytes, start: int, end: int) -> int:
    """Lines in ``data[start:end]`` as a ``newline=""`` reader counts them (CR, LF, CRLF)."""
    lines = data.count(b"\n", start, end)
    if data.find(b"\r", start, end) >= 0:
        lines += data.count(b"\r", start, end) - data.count(b"\r\n", start, end)
    return lines


def plan_parts(data: bytes, start: int, first_line: int, count: int, *,
               min_bytes: int | None = None) -> list[Part]:
    """Cut ``data[start:]`` into at most *count* stretches of whole lines, about equal.

    Each stretch has at least *min_bytes* (default :data:`PART_MIN_BYTES`), each cut
    follows a ``\\n`` with an even number of ``"`` between *start* and it; fewer
    stretches when the data is short or no such cut is found nearby.

    >>> data = b'h\\nx,"1\\n2\\n3\\n4"\\ny,z\\n'  # the middle falls inside the quotes
    >>> plan_parts(data, 2, 2, 2, min_bytes=1)
    [Part(start=2, end=14, first_line=2, next_line=6), Part(start=14, end=18, first_line=6, next_line=7)]
    """
    size = len(data) - start
    least = PART_MIN_BYTES if min_bytes is None else min_bytes
    count = max(1, min(count, size // max(1, least)))
    cuts = [start]
    quotes = 0  # the number of '"' between start and the last cut
    for k in range(1, count):
        cut = data.find(b"\n", max(start + size * k // count, cuts[-1] + 1) - 1) + 1
        seen = quotes + data.count(b'"', cuts[-1], cut) if cut > 0 else quotes
        for _ in range(_SEARCH_LINES):
            if cut <= 0 or cut >= len(data) or seen % 2 == 0:
                break
            after = data.find(b"\n", cut) + 1
            seen += data.count(b'"', cut, after) if after > 0 else 0
            cut = after
        if 0 < cut < len(data) and seen % 2 == 0:
            cuts.append(cut)
            quotes = seen
    cuts.append(len(data))
    parts = []
    line = first_line
    for a, b in itertools.pairwise(cuts):
        after = line + _lines(data, a, b)
        parts.append(Part(a, b, line, after))
        line = after
    return parts


def _body(data: bytes, encoding: str, spec: dict[str, str]) -> tuple[ColumnMap, int] | None:
    """The columns and where the rows start, if the header can be read on its own (it ends
    at the first ``\\n`` with an even number of ``"`` before it); else ``None``."""
    end = 0
    while True:
        end = data.find(b"\n", end) + 1
        if end <= 0:
            return None
        if data.count(b'"', 0, end) % 2 == 0:
            break
    lines = io.StringIO(data[:end].decode(encoding), newline="")
    reader = csv.reader(itertools.chain(lines, [_MARKER]))
    columns = read_header(reader, spec)
    if next(reader, None) != [_MARKER.rstrip("\n")]:
        return None
    return columns, end


@attrs.frozen(kw_only=True)
class RowRules:
    """How rows are read (``--time-format``, ``--tz``, ``--missing``, the kept columns):
    plain data, so another process reads its stretch exactly as this one would.

    >>> RowRules(time_format=None, tz=None, missing=frozenset({""}), keep=None).keep is None
    True
    """

    time_format: str | None
    tz: tzinfo | None
    missing: frozenset[str]
    keep: frozenset[str] | None

    def read(self, lines: Iterable[str], columns: ColumnMap, first_line: int,
             progress: Callable[[int], None] | None = None) -> EventLog:
        """Read data rows from *lines*, the first on *first_line*.

        >>> from itsm_core.cli.columns import ColumnMap
        >>> rules = RowRules(time_format=None, tz=None, missing=frozenset({""}), keep=None)
        >>> cols = ColumnMap.resolve(["ticket", "at", "state"], {})
        >>> rules.read(["T,2016-03-01T09:00Z,New\\n"], cols, 2).rows
        1
        """
        return read_rows(csv.reader(lines), make_time_parser(self.time_format, self.tz),
                         columns=columns, first_line=first_line, missing=self.missing,
                         keep=self.keep, progress=progress)


def _read_part(data: bytes, part: Part, encoding: str, columns: ColumnMap, rules: RowRules,
               *, last: bool, progress: Callable[[int], None] | None = None
               ) -> tuple[EventLog, bool]:
    """The stretch's rows, and whether it ended outside quotes (always, for the last)."""
    lines = io.TextIOWrapper(io.BytesIO(data[part.start:part.end]), encoding=encoding,
                             newline="")
    if last:
        return rules.read(lines, columns, part.first_line, progress), True
    log = rules.read(itertools.chain(lines, [_MARKER]), columns, part.first_line, progress)
    if not log.skipped or log.skipped[-1].line != part.next_line:
        return log, False  # the marker was swallowed by a quoted field: a bad cut
    return attrs.evolve(log, skipped=log.skipped[:-1], rows=log.rows - 1), True


@attrs.frozen(kw_only=True)
class Summary:
    """What reading an export gave, for the report: counts, skipped rows, the latest time.

    Attributes:
        columns: the resolved columns.
        rows: data rows seen (read + skipped).
        skipped: unreadable rows, in file order.
        tickets: tickets with at least one readable row.
        latest: the latest timestamp (the default ``as_of``), or ``None`` with no rows.

    >>> columns = ColumnMap.resolve(["ticket", "at", "state"], {})
    >>> Summary(columns=columns, rows=0, skipped=(), tickets=0, latest=None).tickets
    0
    """

    columns: ColumnMap
    rows: int
    skipped: tuple[SkippedRow, ...]
    tickets: int
    latest: datetime | None


# The latest instant of a stretch, and per ticket (in first-row order) its first record
# at that instant: enough to pick, over all stretches, what max() picks over all tickets.
_Latest = tuple[int, tuple[tuple[str, datetime], ...]] | None


def _latest(tickets: dict[str, list[Record]]) -> _Latest:
    top: datetime | None = None
    for records in tickets.values():
        for record in records:
            if top is None or record[0] > top:
                top = record[0]
    if top is None:
        return None
    firsts = []
    for ticket, records in tickets.items():
        for record in records:
            if record[0] >= top:  # the same instant (== would differ across zones, PEP 495)
                firsts.append((ticket, record[0]))
                break
    return to_us(top, "at"), tuple(firsts)


@attrs.frozen(kw_only=True)
class _Read:
    """A stretch, read: what a worker sends back before it evaluates."""

    tickets: tuple[str, ...]  # in first-row order
    skipped: tuple[SkippedRow, ...]
    rows: int
    latest: _Latest
    clean: bool

    @classmethod
    def of(cls, log: EventLog, clean: bool) -> _Read:
        return cls(tickets=tuple(log.tickets), skipped=log.skipped, rows=log.rows,
                   latest=_latest(log.tickets), clean=clean)


def _worker(conn: Connection, data: bytes, part: Part, *, encoding: str, columns: ColumnMap,
            rules: RowRules, policy: SlaPolicy | tuple[str, object], last: bool,
            spill: str) -> None:
    """A worker process: read the stretch, report, then evaluate the tickets it owns."""
    try:
        try:
            log, clean = _read_part(data, part, encoding, columns, rules, last=last)
        except Exception as exc:  # the row error, raised by the caller if the cut holds
            conn.send(("error", exc))
            return
        conn.send(("read", _Read.of(log, clean)))
        message = conn.recv()
        if message[0] != "go":
            return
        _, as_of, shared = message
        conn.send(("records", {ticket: log.tickets[ticket] for ticket in shared}))
        own = [(t, records) for t, records in log.tickets.items() if t not in shared]
        if not isinstance(policy, SlaPolicy):
            policy = restore_policy(*policy)
        try:  # a stretch of outcomes at a time, so the caller rebuilds them meanwhile
            for number, (a, b) in enumerate(chunk_bounds(len(own), 1, STREAM_TICKETS)):
                outcomes = evaluate_tickets(policy, own[a:b], as_of, strict=False,
                                            prepare=histories_from_records)
                path = Path(spill, f"{part.first_line}-{number}.outcomes")
                path.write_bytes(pack_outcomes(outcomes))  # not through the pipe: see parallel
                conn.send(("outcomes", str(path)))
        except Exception as exc:
            conn.send(("error", exc))
            return
        conn.send(("done", None))
    finally:
        conn.close()


@attrs.define
class _Child:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    tickets: tuple[str, ...] = ()
    outcomes: list[SlaOutcome] = attrs.Factory(list)
    done: bool = False

    def receive(self) -> Any:
        kind, value = self.conn.recv()
        if kind == "error":
            raise value
        return value

    def take_outcomes(self, policy: SlaPolicy, *, block: bool) -> None:
        """Rebuild the outcomes the worker has sent (until it is done, if *block*)."""
        while not self.done and (block or self.conn.poll()):
            path = self.receive()
            if path is None:
                self.done = True
            else:
                self.outcomes.extend(unpack_outcomes(Path(path).read_bytes(), policy))
                os.remove(path)


class Export:
    """An export, read and evaluated in up to *jobs* processes; use as a context manager
    (the worker processes never outlive it).

    Steps: :meth:`open` decodes the whole export and plans the stretches, :meth:`read`
    reads the rows (raising the first error in the file), :meth:`evaluate` the tickets.

    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> rules = RowRules(time_format=None, tz=None, missing=frozenset({""}), keep=None)
    >>> data = b"ticket,at,state,priority\\nT1,2016-03-01T09:00Z,New,2 - High\\n"
    >>> with Export.open(data, "utf-8", {}, rules, policy=load_demo_policy(), jobs=2) as export:
    ...     summary = export.read()
    ...     [o.definition for o in export.evaluate(summary.latest)]
    ['response', 'resolution']
    """

    def __init__(self, data: bytes, *, encoding: str, spec: dict[str, str],
                 rules: RowRules, policy: SlaPolicy, jobs: int, method: str,
                 progress: Callable[[int], None] | None) -> None:
        self._data, self._encoding, self._spec, self._rules = data, encoding, spec, rules
        self._policy, self._jobs, self._method, self._progress = policy, jobs, method, progress
        self._columns: ColumnMap | None = None
        self._parts: list[Part] = []
        self._children: list[_Child] = []
        self._spill: tempfile.TemporaryDirectory[str] | None = None  # the workers' outcomes
        self._whole: EventLog | None = None  # the rows, when this process read them all
        self._own: EventLog | None = None  # the first stretch's rows, when split
        self._order: list[str] = []
        self._where: dict[str, int] = {}
        self._shared: set[str] = set()

    @classmethod
    def open(cls, data: bytes, encoding: str, spec: dict[str, str], rules: RowRules, *,
             policy: SlaPolicy, jobs: int, progress: Callable[[int], None] | None = None,
             start_method: str | None = None) -> Export:
        """Decode the whole of *data* (the export's bytes) and plan the stretches.

        Raises:
            UnicodeDecodeError: *data* is not in *encoding*.
            LookupError: *encoding* is unknown.
            ConfigError: the file is empty or a role has no column.

        >>> from itsm_core.cli.policyfile import load_demo_policy
        >>> rules = RowRules(time_format=None, tz=None, missing=frozenset({""}), keep=None)
        >>> Export.open(b"ticket,at,state\\n\\xe9\\n", "utf-8", {}, rules,
        ...             policy=load_demo_policy(), jobs=2)
        Traceback (most recent call last):
        ...
        UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 16: invalid continuation byte
        """
        data.decode(encoding)  # the whole file decodes, or nothing is read
        export = cls(data, encoding=encoding, spec=spec, rules=rules, policy=policy,
                     jobs=jobs, method=resolve_start_method(start_method), progress=progress)
        body = None
        if jobs > 1 and len(data) >= 2 * PART_MIN_BYTES \
                and codecs.lookup(encoding).name.startswith(_SPLITTABLE):
            body = _body(data, encoding, spec)
        if body is not None:
            export._columns, start = body
            export._parts = plan_parts(data, start, 1 + _lines(data, 0, start), jobs)
        return export

    def __enter__(self) -> Export:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop()

    def _stop(self) -> None:
        for child in self._children:
            if child.process.is_alive():
                child.process.kill()
            child.process.join()
            child.conn.close()
        self._children = []
        if self._spill is not None:
            self._spill.cleanup()
            self._spill = None

    def _start(self, columns: ColumnMap) -> None:
        context: Any = multiprocessing.get_context(self._method)  # typeshed: no .Process
        policy: SlaPolicy | tuple[str, object] = (
            self._policy if self._method == "fork" else portable_policy(self._policy))
        body = "utf-8" if codecs.lookup(self._encoding).name == "utf-8-sig" else self._encoding
        last = len(self._parts) - 1
        self._spill = tempfile.TemporaryDirectory(prefix="itsm-core-")
        for index, whole in enumerate(self._parts[1:], start=1):
            data, part = self._data, whole  # inherited under fork
            if self._method != "fork":  # only the stretch travels
                data = data[whole.start:whole.end]
                part = attrs.evolve(whole, start=0, end=whole.end - whole.start)
            mine, theirs = context.Pipe()
            process = context.Process(
                target=_worker, daemon=True, args=(theirs, data, part),
                kwargs={"encoding": body, "columns": columns, "rules": self._rules,
                        "policy": policy, "last": index == last, "spill": self._spill.name})
            process.start()
            theirs.close()
            self._children.append(_Child(process, mine))

    def read(self) -> Summary:
        """Read the rows (in every process); the first row error in the file is raised.

        >>> from itsm_core.cli.policyfile import load_demo_policy
        >>> rules = RowRules(time_format=None, tz=None, missing=frozenset({""}), keep=None)
        >>> data = b"ticket,at,state\\nT1,2016-03-01T09:00Z,New\\n,,\\n"
        >>> with Export.open(data, "utf-8", {}, rules, policy=load_demo_policy(),
        ...                  jobs=1) as export:
        ...     summary = export.read()
        >>> summary.rows, summary.tickets, summary.skipped[0].line, summary.latest.hour
        (2, 1, 3, 9)
        """
        columns = self._columns
        if columns is not None and len(self._parts) > 1:
            self._start(columns)
            body = "utf-8" if codecs.lookup(self._encoding).name == "utf-8-sig" \
                else self._encoding
            self._own, clean = _read_part(self._data, self._parts[0], body, columns,
                                          self._rules, last=False, progress=self._progress)
            reads = [_Read.of(self._own, clean)]
            for child in self._children:
                if not reads[-1].clean:
                    break  # the next stretch's start is not trusted: read the file here
                reads.append(child.receive())
            if all(r.clean for r in reads[:-1]) and len(reads) == len(self._parts):
                return self._summary(columns, reads)
            self._stop()
        lines = io.TextIOWrapper(io.BytesIO(self._data), encoding=self._encoding, newline="")
        self._whole = read_event_log(lines, make_time_parser(self._rules.time_format,
                                                             self._rules.tz),
                                     spec=self._spec, missing=self._rules.missing,
                                     keep=self._rules.keep, progress=self._progress)
        return self._summary(self._whole.columns, [_Read.of(self._whole, True)])

    def _summary(self, columns: ColumnMap, reads: list[_Read]) -> Summary:
        for index, read in enumerate(reads):
            for ticket in read.tickets:  # each once per stretch
                if ticket not in self._where:
                    self._where[ticket] = index
                    self._order.append(ticket)
                else:
                    self._shared.add(ticket)
        for child, read in zip(self._children, reads[1:], strict=True):
            child.tickets = read.tickets
        return Summary(columns=columns, rows=sum(r.rows for r in reads),
                       skipped=tuple(s for r in reads for s in r.skipped),
                       tickets=len(self._order), latest=self._pick_latest(reads))

    def _pick_latest(self, reads: list[_Read]) -> datetime | None:
        found = [r.latest for r in reads if r.latest is not None]
        if not found:
            return None
        top = max(us for us, _ in found)
        rank = {ticket: i for i, ticket in enumerate(self._order)}
        # the first ticket (first-row order) with a record at the latest instant; within
        # it, the earliest stretch's record, which is the first in file order
        candidates = [(rank[ticket], index, at) for index, read in enumerate(reads)
                      if read.latest is not None and read.latest[0] == top
                      for ticket, at in read.latest[1]]
        return min(candidates, key=lambda c: (c[0], c[1]))[2]

    def evaluate(self, as_of: datetime | None) -> list[SlaOutcome]:
        """Every ticket through every definition; the outcomes in first-row order (call
        :meth:`read` first).

        >>> from itsm_core.cli.policyfile import load_demo_policy
        >>> rules = RowRules(time_format=None, tz=None, missing=frozenset({""}), keep=None)
        >>> data = b"ticket,at,state,priority\\nT1,2016-03-01T09:00Z,New,9 - Unknown\\n"
        >>> with Export.open(data, "utf-8", {}, rules, policy=load_demo_policy(),
        ...                  jobs=1) as export:
        ...     [(o.definition, o.skipped is not None) for o in
        ...      export.evaluate(export.read().latest)]
        [('response', True), ('resolution', True)]
        """
        if self._whole is not None:
            return evaluate_tickets(self._policy, list(self._whole.tickets.items()), as_of,
                                    jobs=self._jobs, strict=False,
                                    prepare=histories_from_records, start_method=self._method)
        assert self._own is not None
        for child in self._children:
            child.conn.send(("go", as_of, [t for t in child.tickets if t in self._shared]))
        records: dict[str, list[Record]] = {t: list(self._own.tickets[t]) for t in
                                            self._own.tickets if t in self._shared}
        for child in self._children:
            for ticket, more in child.receive().items():
                records.setdefault(ticket, []).extend(more)
        mine = [(t, r) for t, r in self._own.tickets.items() if t not in self._shared]
        shared = [(t, records[t]) for t in self._order if t in self._shared]
        todo = [*mine, *shared]
        here: list[SlaOutcome] = []
        for a, b in chunk_bounds(len(todo), 1, STREAM_TICKETS):
            here.extend(evaluate_tickets(self._policy, todo[a:b], as_of, strict=False,
                                         prepare=histories_from_records))
            for child in self._children:
                child.take_outcomes(self._policy, block=False)
        for child in self._children:
            child.take_outcomes(self._policy, block=True)
        width = len(self._policy.definitions)
        by_part = [here[:len(mine) * width], *(child.outcomes for child in self._children)]
        by_shared = {t: here[(len(mine) + i) * width:(len(mine) + i + 1) * width]
                     for i, (t, _) in enumerate(shared)}
        out: list[SlaOutcome] = []
        taken = [0] * len(by_part)
        for ticket in self._order:
            if ticket in self._shared:
                out.extend(by_shared[ticket])
            else:
                index = self._where[ticket]
                out.extend(by_part[index][taken[index]:taken[index] + width])
                taken[index] += width
        return out

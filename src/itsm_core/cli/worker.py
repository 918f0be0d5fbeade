"""The work of one process: read a chunk's times, build events, evaluate, count.

:class:`Evaluator` runs in this process (``--jobs 1``) or in each worker process of the
pool, which receives the fixed part (:class:`ExportWork`: the policy, the reading rules,
the grouping) once, and then chunks of whole tickets (:mod:`itsm_core.cli.pool`).  What
comes back is small: a :class:`~itsm_core.sla.compliance.ComplianceAccumulator`, the
unreadable rows, counts; never outcome objects.

>>> from itsm_core.cli.policyfile import load_demo_policy
>>> work = ExportWork(policy=load_demo_policy(), time_format=None, tz=None, at_name="at",
...                   fields=(), by=("definition",), period=None)
>>> evaluator = Evaluator(work)
>>> read = evaluator.read([("T1", [2, "2016-03-01T09:00Z", "New", "2 - High"])])
>>> counted = evaluator.count(read, None)
>>> counted.pending, counted.tickets  # both clocks still run: evaluated again at the end
([(0, (0, 1))], 1)
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime, tzinfo

import attrs

from itsm_core.cli.csvread import SkippedRow
from itsm_core.cli.cycles import CycleLine, outcome_lines
from itsm_core.cli.evaluate import events_from_flat, histories_from_demo
from itsm_core.cli.plain_count import PlainCount, plain_support
from itsm_core.cli.slashdates import DateKinds
from itsm_core.cli.stream_facts import Marks, marks_of
from itsm_core.cli.stream_pack import Ticket, pack_chunk, unarchive, unpack_chunk
from itsm_core.cli.timeparse import DAY_FIRST, TimeParser, make_time_parser
from itsm_core.demo.generator import SyntheticTicket
from itsm_core.sla.compliance import ComplianceAccumulator
from itsm_core.sla.events import Fields, TicketEvent
from itsm_core.sla.outcome import SlaOutcome, Stage
from itsm_core.sla.policy import SlaPolicy

__all__ = ["ChunkRead", "Counted", "DemoWork", "Evaluator", "ExportWork", "pack_chunk",
           "unarchive", "unpack_chunk"]

_OPEN = frozenset({Stage.RUNNING, Stage.PAUSED})  # a cycle evaluated again at the end
_PIECE = 64  # tickets read and counted at a time


@attrs.frozen(kw_only=True)
class ExportWork:
    """What every process needs to evaluate tickets of an export (sent once per worker).

    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> ExportWork(policy=load_demo_policy(), time_format=None, tz=None, at_name="at",
    ...            fields=(), by=("definition",), period="month").period
    'month'
    """

    policy: SlaPolicy
    time_format: str | None
    tz: tzinfo | None
    at_name: str
    fields: tuple[str, ...]
    by: tuple[str, ...]
    period: str | None
    cycles: bool = False  # also return one line per cycle counted (--cycles)


@attrs.frozen(kw_only=True)
class ChunkRead:
    """A chunk's tickets with their times read (as events), or the first naive time it
    holds.

    >>> ChunkRead(tickets=[], skipped=[], naive=(7, "line 7: naive"), latest=None).naive[0]
    7
    """

    tickets: list[tuple[int, str, list[TicketEvent]]]  # (position in the chunk, id, events)
    skipped: list[SkippedRow]
    naive: tuple[int, str] | None
    latest: datetime | None
    earliest: datetime | None = None


@attrs.frozen(kw_only=True)
class Counted:
    """What a worker sends back for a chunk: small, plain values (``pending``: the
    outcomes with an open cycle, by position and definition index, when the chunk was
    evaluated before ``as_of`` was known; ``cycles``: with ``--cycles``, a line per cycle
    counted, with its definition's index).

    >>> Counted(accumulator=ComplianceAccumulator(), skipped=[], naive=None, tickets=0,
    ...         latest=None, pending=[]).tickets
    0
    """

    accumulator: ComplianceAccumulator
    skipped: list[SkippedRow]
    naive: tuple[int, str] | None
    tickets: int
    latest: datetime | None
    pending: list[tuple[int, tuple[int, ...]]]  # (position, definitions) to evaluate again
    earliest: datetime | None = None
    cycles: list[tuple[int, CycleLine]] = attrs.field(factory=list)
    held: bytes = b""  # the pending tickets' raw rows, packed (pack_chunk): kept untracked
    marks: Marks = attrs.field(factory=lambda: ([], []))  # the chunk's column marks
    archive: bytes = b""  # the chunk, packed and compressed (see :meth:`Evaluator.fold`)


def _span(tickets: list[tuple[int, str, list[TicketEvent]]]) -> tuple[datetime | None,
                                                                      datetime | None]:
    """The earliest and the latest time; at a tie for the latest, the first ticket's first
    event holding it."""
    stamps = [event.at for _, _, events in tickets for event in events]
    if not stamps:
        return None, None
    top = max(stamps)
    return min(stamps), next(at for at in stamps if at >= top)


class Evaluator:
    """One process's side: reads times, builds events, evaluates, counts.

    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> evaluator = Evaluator(ExportWork(policy=load_demo_policy(), time_format=None, tz=None,
    ...                                  at_name="at", fields=(), by=("stage",), period=None))
    >>> evaluator.work.by
    ('stage',)
    """

    def __init__(self, work: ExportWork) -> None:
        self.work = work
        self.parse_time = make_time_parser(work.time_format, work.tz)
        self._parsers: dict[str, TimeParser] = {DAY_FIRST: self.parse_time}
        self.kept = len(work.fields)  # kept field values per raw row
        self.shared: dict[tuple[str | None, ...], Fields] = {}
        self.seen = DateKinds()  # time text -> its date kind (the marks')
        # the common policy and report are counted on integers (same counts, no events)
        self.plain = None if plain_support(work.policy, by=work.by, fields=work.fields,
                                           period=work.period, cycles=work.cycles) \
            else PlainCount(work.policy, by=work.by, fields=work.fields, at_name=work.at_name)

    def parser(self, order: str) -> TimeParser:
        """The time parser for the slash form's *order* (one per order, kept).

        >>> from itsm_core.cli.policyfile import load_demo_policy
        >>> evaluator = Evaluator(ExportWork(policy=load_demo_policy(), time_format=None,
        ...     tz=None, at_name="at", fields=(), by=("stage",), period=None))
        >>> evaluator.parser("month-first")("2/29/2016 01:00 AM +00:00")
        Traceback (most recent call last):
        ...
        itsm_core.errors.InvalidArgumentError: cannot read '2/29/2016 01:00 AM +00:00' as a time; expected ISO 8601 (2016-02-29T01:16:00Z) or M/D/YYYY HH:MM[:SS] [AM|PM] (2/29/2016 01:16, 02/29/2016 01:16:00 AM)
        """
        found = self._parsers.get(order)
        if found is None:
            found = self._parsers[order] = make_time_parser(self.work.time_format, self.work.tz,
                                                            order=order)
        return found

    def read(self, chunk: Sequence[Ticket], order: str = DAY_FIRST) -> ChunkRead:
        """Read the times of a chunk's rows (a slash date in *order*): the tickets with a
        readable row, the rows that are not, the earliest and latest times, or the first
        naive time.

        >>> from itsm_core.cli.policyfile import load_demo_policy
        >>> evaluator = Evaluator(ExportWork(policy=load_demo_policy(), time_format=None,
        ...     tz=None, at_name="at", fields=(), by=("stage",), period=None))
        >>> read = evaluator.read([("T1", [2, "2016-03-01T09:00Z", "New", None,
        ...                                3, "soon", "Active", None])])
        >>> read.latest.hour, read.skipped[0].line
        (9, 3)
        """
        skipped: list[SkippedRow] = []
        naive: list[tuple[int, str]] = []
        tickets = []
        parse_time = self.parser(order)
        fields, at_name, shared = self.work.fields, self.work.at_name, self.shared
        for position, (ticket, rows) in enumerate(chunk):
            events, error = events_from_flat(rows, fields, parse_time, at_name=at_name,
                                             skipped=skipped, shared=shared)
            if error is not None:
                naive.append(error)
            elif events:
                tickets.append((position, ticket, events))
        if naive:
            return ChunkRead(tickets=[], skipped=skipped, naive=min(naive), latest=None)
        earliest, latest = _span(tickets)
        return ChunkRead(tickets=tickets, skipped=skipped, naive=None, latest=latest,
                         earliest=earliest)

    def count(self, read: ChunkRead, as_of: datetime | None) -> Counted:
        """Count every outcome; with no *as_of*, keep back those with an open cycle.

        >>> from itsm_core.cli.policyfile import load_demo_policy
        >>> evaluator = Evaluator(ExportWork(policy=load_demo_policy(), time_format=None,
        ...     tz=None, at_name="at", fields=(), by=("stage",), period=None))
        >>> read = evaluator.read([("T1", [2, "2016-03-01T09:00Z", "New", "2 - High",
        ...                                3, "2016-03-01T09:10Z", "Active", "2 - High"])])
        >>> counted = evaluator.count(read, None)  # response met, resolution still running
        >>> [row.keys for row in counted.accumulator.report().rows], counted.pending
        ([(('stage', 'met'),)], [(0, (1,))])
        """
        work = self.work
        accumulator = ComplianceAccumulator(work.by, work.period)
        pending = []
        lines: list[tuple[int, CycleLine]] = []
        add, evaluate, cycles = accumulator.add, work.policy.evaluate, work.cycles
        for position, ticket, events in read.tickets:
            later: list[int] = []
            for index, outcome in enumerate(evaluate(events, as_of, ticket, strict=False)):
                if as_of is None and _open(outcome):
                    later.append(index)
                    continue
                add(outcome)
                if cycles:
                    lines += ((index, line) for line in outcome_lines(outcome))
            if later:
                pending.append((position, tuple(later)))
        return Counted(accumulator=accumulator, skipped=read.skipped, naive=read.naive,
                       tickets=len(read.tickets), latest=read.latest, pending=pending,
                       earliest=read.earliest, cycles=lines)

    def fold(self, chunk: list[Ticket], order: str, as_of: datetime | None,
             packed: bytes | None = None, *, archive: bool = True) -> Counted:
        """Count a chunk of whole tickets (:meth:`read`, :meth:`count`) as the streaming
        report does: with the pending tickets' raw rows (``held``), the chunk's column
        marks (:func:`~itsm_core.cli.stream_facts.marks_of`) and the chunk packed and
        compressed (``archive``, :func:`unarchive` gives it back; without *archive*,
        once the file is read, none), kept in case one of its tickets turns out to have
        more rows later in the file.

        >>> from itsm_core.cli.policyfile import load_demo_policy
        >>> evaluator = Evaluator(ExportWork(policy=load_demo_policy(), time_format=None,
        ...     tz=None, at_name="at", fields=(), by=("stage",), period=None))
        >>> chunk = [("T1", [2, "2016-03-01T09:00Z", "New", "2 - High"])]
        >>> counted = evaluator.fold(chunk, "day-first", None)
        >>> unpack_chunk(counted.held) == chunk, unarchive(counted.archive) == chunk
        (True, True)
        """
        work = self.work
        if self.plain is not None:  # counted on integers: no object per row, at once
            counted = self._piece(chunk, order, as_of)
        else:  # events and outcomes a few tickets at a time: they die young, and the
            # garbage collector is not kept walking a whole chunk's
            counted = _joined([(start, self._piece(chunk[start:start + _PIECE], order, as_of))
                               for start in range(0, len(chunk), _PIECE)], work)
        kept = b""
        if archive:
            kept = zlib.compress(pack_chunk(chunk) if packed is None else packed, 1)
        return attrs.evolve(
            counted, held=pack_chunk([chunk[position] for position, _ in counted.pending]),
            marks=marks_of(chunk, self.kept, work.time_format, work.tz, self.seen),
            archive=kept)

    def _piece(self, piece: Sequence[Ticket], order: str, as_of: datetime | None) -> Counted:
        """:meth:`count` of :meth:`read` of *piece*, on integers when the policy allows."""
        if self.plain is None:
            return self.count(self.read(piece, order), as_of)
        tally = self.plain.count(piece, self.parser(order), as_of)
        return Counted(accumulator=tally.accumulator, skipped=tally.skipped,
                       naive=tally.naive, tickets=tally.tickets, latest=tally.latest,
                       pending=tally.pending, earliest=tally.earliest)

    def recount(self, chunk: Sequence[tuple[Ticket, tuple[int, ...]]],
                as_of: datetime, order: str = DAY_FIRST,
                lines: list[tuple[int, CycleLine]] | None = None) -> ComplianceAccumulator:
        """Evaluate the given definitions of the given tickets as of *as_of* (a slash date
        read in *order*); with ``--cycles``, append their cycles' lines to *lines*.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.cli.policyfile import load_demo_policy
        >>> evaluator = Evaluator(ExportWork(policy=load_demo_policy(), time_format=None,
        ...     tz=None, at_name="at", fields=(), by=("stage",), period=None))
        >>> rows = [2, "2016-03-01T09:00Z", "New", "2 - High"]
        >>> later = datetime(2016, 3, 9, tzinfo=timezone.utc)
        >>> [r.overdue for r in evaluator.recount([(("T1", rows), (1,))], later).report().rows]
        [1]
        """
        work = self.work
        accumulator = ComplianceAccumulator(work.by, work.period)
        parse_time = self.parser(order)
        for (ticket, rows), definitions in chunk:
            events, _ = events_from_flat(rows, work.fields, parse_time, at_name=work.at_name,
                                         skipped=[], shared=self.shared)
            for index in definitions:
                outcome = work.policy.definitions[index].evaluate(events, as_of, ticket,
                                                                  strict=False)
                accumulator.add(outcome)
                if work.cycles and lines is not None:
                    lines += ((index, line) for line in outcome_lines(outcome))
        return accumulator


def _joined(parts: list[tuple[int, Counted]], work: ExportWork) -> Counted:
    """The pieces of a chunk counted (each with its first position), as one count of the
    whole chunk: what :meth:`Evaluator.count` gives on :meth:`Evaluator.read` of it."""
    accumulator = ComplianceAccumulator(work.by, work.period)
    naive = [part.naive for _, part in parts if part.naive is not None]
    latest = earliest = None
    for _, part in parts:
        accumulator.merge(part.accumulator)
        if part.latest is not None and (latest is None or part.latest > latest):
            latest = part.latest  # at a tie, the first piece's (as the whole chunk's)
        if part.earliest is not None and (earliest is None or part.earliest < earliest):
            earliest = part.earliest
    skipped = [row for _, part in parts for row in part.skipped]
    if naive:  # as the whole chunk read: nothing counted, the first naive time
        return Counted(accumulator=ComplianceAccumulator(work.by, work.period),
                       skipped=skipped, naive=min(naive), tickets=0, latest=None, pending=[])
    return Counted(accumulator=accumulator, skipped=skipped, naive=None,
                   tickets=sum(part.tickets for _, part in parts), latest=latest,
                   pending=[(start + position, later) for start, part in parts
                            for position, later in part.pending],
                   earliest=earliest, cycles=[line for _, part in parts for line in part.cycles])


def _open(outcome: SlaOutcome) -> bool:
    return any(cycle.stage in _OPEN for cycle in outcome.cycles)


@attrs.frozen(kw_only=True)
class DemoWork:
    """What every process needs to evaluate demo tickets: the policy, the instant, the
    grouping.

    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> from itsm_core.demo.generator import AS_OF, LONDON, generate_incident_log
    >>> work = DemoWork(policy=load_demo_policy(), as_of=AS_OF, tz=LONDON, by=("definition",),
    ...                 period=None)
    >>> [row.total for row in work.count(generate_incident_log(tickets=4)).report().rows]
    [4, 4]
    """

    policy: SlaPolicy
    as_of: datetime
    tz: tzinfo
    by: tuple[str, ...]
    period: str | None
    cycles: bool = False  # also give one line per cycle (--cycles)

    def count(self, tickets: Sequence[SyntheticTicket],
              lines: list[CycleLine] | None = None) -> ComplianceAccumulator:
        """Evaluate *tickets* and count their outcomes; with ``cycles``, append a line per
        cycle to *lines*, in ticket, definition and cycle order.

        >>> from itsm_core.cli.policyfile import load_demo_policy
        >>> from itsm_core.demo.generator import AS_OF, LONDON, generate_incident_log
        >>> work = DemoWork(policy=load_demo_policy(), as_of=AS_OF, tz=LONDON, by=("stage",),
        ...                 period=None)
        >>> sum(row.total for row in work.count(generate_incident_log(tickets=3)).report().rows)
        6
        """
        accumulator = ComplianceAccumulator(self.by, self.period)
        for number, events in histories_from_demo(tickets, self.tz):
            for outcome in self.policy.evaluate(events, self.as_of, number, strict=False):
                accumulator.add(outcome)
                if self.cycles and lines is not None:
                    lines += outcome_lines(outcome)
        return accumulator

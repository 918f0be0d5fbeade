"""Compliance reports: SLA cycles grouped and counted, with exact compliance and statistics.

Each cycle of each outcome counts once in the group its keys select.  ``compliance`` is
``met / (met + breached)`` as an exact ``Fraction`` (``None`` when nothing has finished);
running, paused and cancelled cycles do not enter it.  Elapsed-time statistics cover every
cycle of the group: the mean and the median (rounded to the microsecond, half to even) and
the 90th percentile by nearest rank (an observed value).

A report is a mergeable value: a :class:`ComplianceAccumulator` keeps, per group, the
counts and the elapsed times the exact statistics need (no outcome objects), so the
accumulators of any split of the tickets, merged, report exactly what one pass reports.
:func:`compliance_report` is one accumulator, every outcome added, then reported.

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaDefinition, TicketEvent
>>> d = SlaDefinition.from_dict({"name": "fix", "targets": {"P1": "PT4H"},
...                              "stop": {"state_in": ["Resolved"]}})
>>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
>>> outcomes = [d.evaluate([TicketEvent(at(8), "New", "P1"), TicketEvent(at(8 + h), "Resolved", "P1")],
...                        ticket=f"INC{h}") for h in (1, 3, 6)]
>>> report = compliance_report(outcomes)
>>> row = report.rows[0]
>>> row.total, row.met, row.breached, row.compliance, row.median_elapsed
(3, 2, 1, Fraction(2, 3), datetime.timedelta(seconds=10800))
>>> print(report.to_text())
definition  priority  total  met  breached  running  paused  cancelled  compliance  mean     median   p90
fix         P1        3      2    1         0        0       0          66.7%       3:20:00  3:00:00  6:00:00
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta
from fractions import Fraction
from typing import Any

from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown
from itsm_core.sla.grouping import PERIODS, check_grouping, getters
from itsm_core.sla.outcome import SlaOutcome, Stage
from itsm_core.sla.report import ComplianceReport, ComplianceRow, group_order

__all__ = ["PERIODS", "ComplianceAccumulator", "ComplianceReport", "ComplianceRow",
           "compliance_report", "reason_kind"]

_ONE_US = timedelta(microseconds=1)
# a group: [met, breached, running, paused, cancelled, overdue, elapsed in microseconds]
_OPEN = frozenset({Stage.RUNNING, Stage.PAUSED})  # a cycle that has not stopped
_SLOT = {Stage.MET: 0, Stage.BREACHED: 1, Stage.RUNNING: 2, Stage.PAUSED: 3,
         Stage.CANCELLED: 4}
_OVERDUE, _ELAPSED = 5, 6
_Group = list[Any]
# "event 3 (2016-03-01T09:00:00+00:00): " / "version 1 (from ...): ": where, not why
_WHERE = re.compile(r"(?:event \d+ \([^)]*\)|version \d+ \(from [^)]*\)): ")
_NO_TARGET = re.compile(r"(\w+) (.*) has no target; expected one of .*", re.DOTALL)


def reason_kind(reason: str) -> str:
    """The kind of a per-ticket reason, for counting: the engine's reason without where it
    happened (the event or version it names), a missing target as ``no target for ...``.

    >>> reason_kind("event 0 (2016-03-01T09:00:00+00:00): priority '9 - Unknown' has no "
    ...             "target; expected one of ['1 - Critical']")
    "no target for priority '9 - Unknown'"
    >>> reason_kind("stopped before it started")
    'stopped before it started'
    """
    kind = _WHERE.sub("", reason, count=1) if _WHERE.match(reason) else reason
    missing = _NO_TARGET.fullmatch(kind)
    return f"no target for {missing[1]} {missing[2]}" if missing else kind


def _round(value: Fraction) -> timedelta:
    return timedelta(microseconds=round(value))


def _row(keys: tuple[tuple[str, Any], ...], group: _Group) -> ComplianceRow:
    met, breached, running, paused, cancelled, overdue, values = group
    elapsed = sorted(values)
    n = len(elapsed)
    finished = met + breached
    middle = Fraction(elapsed[(n - 1) // 2] + elapsed[n // 2], 2)
    return ComplianceRow(
        keys=keys, total=n, met=met, breached=breached, running=running, paused=paused,
        cancelled=cancelled, overdue=overdue,
        compliance=Fraction(met, finished) if finished else None,
        mean_elapsed=_round(Fraction(sum(elapsed), n)), median_elapsed=_round(middle),
        p90_elapsed=timedelta(microseconds=elapsed[(9 * n + 9) // 10 - 1]),
    )


class ComplianceAccumulator:
    """A compliance report in the making: add outcomes, merge partial accumulators, report.

    Per group it keeps the six counts and each cycle's elapsed time in microseconds (what
    the exact mean, median and 90th percentile need), plus, in the order they were added,
    the entries of the outcomes that were *not evaluated*: skipped ones (the engine could
    not decide them) and unstarted ones (the definition applies but no cycle attached,
    :attr:`~itsm_core.sla.outcome.SlaOutcome.unstarted`).  No outcome objects, so it
    pickles small and can be built in another process.  Merging is associative: ``a.merge(b)`` then ``.merge(c)``
    reports what adding the outcomes of ``a``, ``b`` and ``c`` in that order reports, so
    any split of the tickets, merged back in order, gives the single-pass report (the
    rows and the not-evaluated counts do not depend on the order at all; the skipped and
    not-evaluated lists follow it).

    Args:
        by: grouping keys, as in :func:`compliance_report`.
        period: ``"day"``, ``"week"``, ``"month"``, ``"year"`` or ``None``, as there.

    Raises:
        ConfigError: *by* or *period* is malformed.

    >>> from datetime import datetime, timezone
    >>> from itsm_core.sla import SlaDefinition, TicketEvent
    >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
    ...                                "stop": {"state_in": ["Resolved"]}})
    >>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
    >>> outcomes = [fix.evaluate([TicketEvent(at(8), "New"), TicketEvent(at(8 + h), "Resolved")])
    ...             for h in (1, 3, 6)]
    >>> left, right = ComplianceAccumulator(by=("definition",)), ComplianceAccumulator(by=("definition",))
    >>> left.add(outcomes[0])
    >>> for outcome in outcomes[1:]:
    ...     right.add(outcome)
    >>> left.merge(right).report() == compliance_report(outcomes, by=("definition",))
    True
    """

    __slots__ = ("_by", "_getters", "_groups", "_period", "_skipped", "_unstarted")

    def __init__(self, by: Sequence[str] = ("definition", "priority"),
                 period: str | None = None) -> None:
        check_grouping(by, period)
        self._by = tuple(by)
        self._period = period
        self._getters = getters(self._by, period)
        self._groups: dict[tuple[Any, ...], _Group] = {}
        self._skipped: list[tuple[str, Any, str]] = []
        self._unstarted: list[tuple[str, Any, str]] = []

    def __getstate__(self) -> tuple[Any, ...]:
        return self._by, self._period, self._groups, self._skipped, self._unstarted

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._by, self._period, self._groups, self._skipped, self._unstarted = state
        self._getters = getters(self._by, self._period)

    def __repr__(self) -> str:
        cycles = self.cycles
        return (f"ComplianceAccumulator(by={self._by!r}, period={self._period!r}: "
                f"{len(self._groups)} groups, {cycles} cycles, {len(self._skipped)} skipped)")

    @property
    def by(self) -> tuple[str, ...]:
        """The grouping keys (without the period).

        >>> ComplianceAccumulator(by=["definition"], period="week").by
        ('definition',)
        """
        return self._by

    @property
    def period(self) -> str | None:
        """The period grouped by, or ``None``.

        >>> ComplianceAccumulator(period="week").period
        'week'
        """
        return self._period

    def add(self, outcome: SlaOutcome) -> None:
        """Count *outcome*'s cycles in their groups (and list it if it was skipped or
        did not start).

        Raises:
            ArgumentTypeError: *outcome* is not an ``SlaOutcome``.

        >>> ComplianceAccumulator().add("INC1")
        Traceback (most recent call last):
        ...
        itsm_core.errors.ArgumentTypeError: outcomes: expected SlaOutcome values, got 'INC1'
        """
        if not isinstance(outcome, SlaOutcome):
            raise ArgumentTypeError(f"outcomes: expected SlaOutcome values, got {shown(outcome)}")
        if outcome.skipped is not None:
            self._skipped.append((outcome.definition, outcome.ticket, outcome.skipped))
        elif outcome.unstarted is not None:
            self._unstarted.append((outcome.definition, outcome.ticket, outcome.unstarted))
        count, getters = self._count, self._getters
        for cycle in outcome.cycles:
            stage = cycle.stage
            elapsed = cycle._elapsed_us  # the cycle's own integers: this module is in its package
            overdue = stage in _OPEN and (elapsed > cycle._target_us if cycle._due_us is None
                                          else cycle.breached)  # a deadline: the wall clock
            count(tuple([get(outcome, cycle) for get in getters]), stage, elapsed, overdue)

    def add_cycle(self, keys: Sequence[Any], stage: Stage, elapsed: timedelta, *,
                  overdue: bool = False) -> None:
        """Count one cycle given as data: its group *keys* (one value per ``by`` name, then
        the period if there is one), its *stage*, its business *elapsed* time, and whether
        it is *overdue* (open and past its target).  For front ends that hold cycles as
        rows of a table rather than as ``SlaCycle`` values.

        Raises:
            InvalidArgumentError: *keys* has the wrong length, or *overdue* is set on a
                finished cycle.
            ArgumentTypeError: *stage* is not a ``Stage`` or *elapsed* not a timedelta.

        >>> from datetime import timedelta
        >>> accumulator = ComplianceAccumulator(by=("definition",))
        >>> accumulator.add_cycle(("fix",), Stage.RUNNING, timedelta(hours=5), overdue=True)
        >>> row = accumulator.report().rows[0]
        >>> row.running, row.overdue, row.mean_elapsed
        (1, 1, datetime.timedelta(seconds=18000))
        """
        names = self._names()
        if isinstance(keys, (str, bytes)) or not isinstance(keys, Sequence):
            raise ArgumentTypeError(f"keys: expected a sequence of group key values, got "
                                    f"{type(keys).__name__}")
        if len(keys) != len(names):
            raise InvalidArgumentError(f"keys: {len(keys)} values for {len(names)} group keys; "
                                       f"expected one per name of {names}")
        if not isinstance(stage, Stage):
            raise ArgumentTypeError(f"stage: expected a Stage, got {shown(stage)}")
        if not isinstance(elapsed, timedelta):
            raise ArgumentTypeError(f"elapsed: expected a timedelta, got {shown(elapsed)}")
        if overdue and stage not in (Stage.RUNNING, Stage.PAUSED):
            raise InvalidArgumentError(f"overdue: a {stage.value} cycle is finished; expected "
                                       f"overdue only for running or paused cycles")
        self._count(tuple(keys), stage, elapsed // _ONE_US, overdue)

    def _count(self, key: tuple[Any, ...], stage: Stage, elapsed_us: int, overdue: bool) -> None:
        try:
            group = self._groups.get(key)
        except TypeError:  # an unhashable key value: name the key, not a bare TypeError
            raise ArgumentTypeError(self._unhashable(key)) from None
        if group is None:
            group = self._groups[key] = [0, 0, 0, 0, 0, 0, []]
        group[_SLOT[stage]] += 1
        group[_OVERDUE] += overdue
        group[_ELAPSED].append(elapsed_us)

    def _add_counts(self, key: tuple[Any, ...], stages: Iterable[tuple[Stage, int]],
                    overdue: int, elapsed_us: Sequence[int]) -> None:
        """Count a group's cycles at once, given as checked data (the columnar path's bulk
        :meth:`add_cycle`): the group *key*, how many cycles of each stage, how many are
        overdue, and their elapsed µs (in the order they were counted)."""
        try:
            group = self._groups.get(key)
        except TypeError:
            raise ArgumentTypeError(self._unhashable(key)) from None
        if group is None:
            group = self._groups[key] = [0, 0, 0, 0, 0, 0, []]
        for stage, count in stages:
            group[_SLOT[stage]] += count
        group[_OVERDUE] += overdue
        group[_ELAPSED].extend(elapsed_us)

    def _unhashable(self, key: tuple[Any, ...]) -> str:
        for name, value in zip(self._names(), key, strict=True):
            try:
                hash(value)
            except TypeError:
                return (f"{name}: cannot group by the unhashable value {shown(value)}; expected "
                        "a string, number, None or other hashable value")
        return f"keys: cannot group by {shown(key)}"  # pragma: no cover - one is unhashable

    def merge(self, other: ComplianceAccumulator) -> ComplianceAccumulator:
        """Fold *other* (grouped the same way) into this accumulator; return this one.

        *other* is left as it was.  ``functools.reduce(ComplianceAccumulator.merge, parts)``
        merges a list of partial accumulators in order.

        Raises:
            ArgumentTypeError: *other* is not a ``ComplianceAccumulator``.
            InvalidArgumentError: *other* groups by other keys or another period.

        >>> ComplianceAccumulator(by=("definition",)).merge(ComplianceAccumulator())
        Traceback (most recent call last):
        ...
        itsm_core.errors.InvalidArgumentError: other: groups by ('definition', 'priority') per None; expected ('definition',) per None, as this accumulator
        """
        if not isinstance(other, ComplianceAccumulator):
            raise ArgumentTypeError(f"other: expected a ComplianceAccumulator, got "
                                    f"{type(other).__name__}")
        if (other._by, other._period) != (self._by, self._period):
            raise InvalidArgumentError(
                f"other: groups by {shown(other._by)} per {shown(other._period)}; expected "
                f"{shown(self._by)} per {shown(self._period)}, as this accumulator")
        groups = self._groups
        for key, theirs in other._groups.items():
            mine = groups.get(key)
            if mine is None:
                groups[key] = [*theirs[:_ELAPSED], list(theirs[_ELAPSED])]
            else:
                for slot in range(_ELAPSED):
                    mine[slot] += theirs[slot]
                mine[_ELAPSED].extend(theirs[_ELAPSED])
        self._skipped.extend(other._skipped)
        self._unstarted.extend(other._unstarted)
        return self

    @property
    def cycles(self) -> int:
        """How many cycles were counted (``0``: nothing was evaluated).

        >>> ComplianceAccumulator().cycles
        0
        """
        return sum(len(group[_ELAPSED]) for group in self._groups.values())

    def not_evaluated(self) -> tuple[tuple[str, Any, str], ...]:
        """``(definition, ticket, reason)`` for every outcome that applies but has no cycle:
        the skipped ones first, then the unstarted ones, each in the order added; the
        reason is its kind (:func:`reason_kind`).  A ticket the definition does not apply
        to is not listed: it is not measured by that definition, by design.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
        ...                                "stop": {"state_in": ["Resolved"]}})
        >>> at = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)
        >>> accumulator = ComplianceAccumulator()
        >>> accumulator.add(fix.evaluate([TicketEvent(at, "Resolved")], ticket="INC7"))
        >>> accumulator.not_evaluated()
        (('fix', 'INC7', 'stopped before it started'),)
        """
        return tuple((d, t, reason_kind(r)) for d, t, r in (*self._skipped, *self._unstarted))

    def not_evaluated_counts(self) -> tuple[tuple[str, str, int], ...]:
        """``(definition, reason, tickets)`` per definition and reason kind of
        :meth:`not_evaluated`, sorted by definition, then most tickets first, then reason.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": {"P1": "PT4H"},
        ...                                "stop": {"state_in": ["Resolved"]}})
        >>> at = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)
        >>> accumulator = ComplianceAccumulator()
        >>> for ticket, state, priority in [("A", "New", "P3"), ("B", "New", "P3"),
        ...                                 ("C", "Resolved", "P1")]:
        ...     accumulator.add(fix.evaluate([TicketEvent(at, state, priority)], ticket=ticket,
        ...                                  strict=False))
        >>> accumulator.not_evaluated_counts()
        (('fix', "no target for priority 'P3'", 2), ('fix', 'stopped before it started', 1))
        """
        counts = Counter((d, r) for d, _, r in self.not_evaluated())
        return tuple(sorted(((d, r, n) for (d, r), n in counts.items()),
                            key=lambda item: (item[0], -item[2], item[1])))

    def _names(self) -> tuple[str, ...]:
        return (*self._by, "period") if self._period is not None else self._by

    def report(self) -> ComplianceReport:
        """The report of everything added and merged so far.

        >>> ComplianceAccumulator(by=("ticket",), period="month").report().by
        ('ticket', 'period')
        """
        names = self._names()
        rows = tuple(_row(tuple(zip(names, key, strict=True)), self._groups[key])
                     for key in sorted(self._groups, key=group_order))
        return ComplianceReport(by=names, rows=rows, skipped=tuple(self._skipped))


def compliance_report(outcomes: Iterable[SlaOutcome],
                      by: Sequence[str] = ("definition", "priority"),
                      period: str | None = None) -> ComplianceReport:
    """Group the cycles of *outcomes* and count them.

    Args:
        outcomes: results of ``SlaDefinition.evaluate`` / ``SlaPolicy.evaluate``.
        by: grouping keys: ``"definition"``, ``"priority"`` (the cycle's target key),
            ``"ticket"``, ``"stage"``, or any ticket field name (read from the outcome's
            fields as of its last event; missing reads ``None``).
        period: also group by ``"day"``, ``"week"`` (ISO), ``"month"`` or ``"year"`` of
            the cycle's start in its calendar's zone; the key column is ``"period"``.

    Raises:
        ConfigError: *by* or *period* is malformed.
        ArgumentTypeError: *outcomes* is not an iterable, an item of it is not an
            ``SlaOutcome``, or a group key value (a ticket id, a field) is unhashable.

    >>> compliance_report([], period="fortnight")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: period: unknown period 'fortnight'; expected one of day, week, month, year, or None
    """
    accumulator = ComplianceAccumulator(by, period)
    if isinstance(outcomes, (str, bytes, SlaOutcome)) or not isinstance(outcomes, Iterable):
        raise ArgumentTypeError(f"outcomes: expected an iterable of SlaOutcome values, got "
                                f"{type(outcomes).__name__}")
    for outcome in outcomes:
        accumulator.add(outcome)
    return accumulator.report()

"""What attainment works out once per catalogue rather than once per ticket: each
agreement's plan (its dates as integer microseconds, the definitions it evaluates, its
ticket targets), the final cycles of an outcome, and what an agreement took for one
customer (its :class:`Slot`, with its routing of a final cycle to its targets' periods).
Private helpers of :mod:`itsm_core.service.attainment` (see ``docs/service.md``,
Attainment); :class:`PeriodIndex` is :mod:`itsm_core.service._period_index`'s.

>>> from datetime import timezone
>>> a = Agreement.from_dict({"name": "a", "from": "1970-01-01", "workload": {"limit": 9}})
>>> plan = AgreementPlan(a, (0, 2**62), PeriodIndex("month", timezone.utc))
>>> plan.sla, plan.limit, plan.period_of(0)
(True, 9, '1970-01')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone, tzinfo
from typing import Any

from itsm_core._instant import to_us
from itsm_core.service._period_index import QUARTER, CycleKey, PeriodIndex
from itsm_core.service.agreement import Agreement
from itsm_core.service.catalogue import Catalogue
from itsm_core.sla import SlaDefinition, SlaOutcome, Stage

__all__ = ["QUARTER", "AgreementPlan", "CycleKey", "PeriodIndex", "Slot", "final_cycles",
           "service_start_us", "service_starts"]

_MET = Stage.MET
_BREACHED = Stage.BREACHED
_CANCELLED = Stage.CANCELLED

# a final cycle: (priority, period key, met); a pending one: (priority, stage)
Final = tuple[Any, str, bool]
# one counted cycle: (first event us, ticket sequence number, ticket, met, the reason the
# ticket is excluded for or None).  Sorting a list of them orders by first event, then
# ticket: the sequence numbers are unique per ticket and a ticket's own contributions share
# its id and reason objects, so a comparison never orders two ticket ids (it may only find
# an id equal to itself).
Contribution = tuple[int, int, Any, bool, str | None]
# a ticket an agreement took: (first event us, ticket sequence number, ticket)
Load = tuple[int, int, Any]


def final_cycles(outcome: SlaOutcome, key: PeriodIndex
                 ) -> tuple[Sequence[Final], Sequence[tuple[Any, str]]]:
    """The final cycles of *outcome* as ``(priority, period key, met)`` and the pending ones
    as ``(priority, stage)``: met or breached count at their stop, a running cycle already
    breached at its breach; cancelled cycles never count.

    >>> from datetime import timezone
    >>> from itsm_core.sla import TicketEvent
    >>> d = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
    ...                              "stop": {"state_in": ["Resolved"]}})
    >>> at = lambda h: datetime(2025, 1, 31, h, tzinfo=timezone.utc)
    >>> final_cycles(d.evaluate([TicketEvent(at(9), "New"), TicketEvent(at(10), "Resolved")]),
    ...              PeriodIndex("month", timezone.utc))
    (((None, '2025-01', True),), ())
    """
    cycles = outcome.cycles
    if len(cycles) == 1:  # the common case: one cycle, met or breached
        cycle = cycles[0]
        stage = cycle.stage
        if stage is _MET or stage is _BREACHED:
            # _stop_us is the engine's integer twin of stopped_at (set when met/breached)
            stop: int = cycle._stop_us  # type: ignore[assignment]
            return ((cycle.priority, key.hours.get(stop // QUARTER >> 2) or key.of(stop),
                     stage is _MET),), ()
    final: list[Final] = []
    pending: list[tuple[Any, str]] = []
    for cycle in cycles:
        stage = cycle.stage
        if stage is _MET or stage is _BREACHED:
            final.append((cycle.priority, key(cycle._stop_us),  # type: ignore[arg-type]
                          stage is _MET))
        elif stage is not _CANCELLED:
            breached_at = cycle.breached_at
            if breached_at is None:
                pending.append((cycle.priority, stage.value))
            else:
                final.append((cycle.priority, key(to_us(breached_at, "breached_at")), False))
    return final, pending


def service_start_us(start: Any, zone: tzinfo) -> int | None:
    """The local midnight of a service's start day in *zone*, or ``None``.

    >>> from datetime import date, timezone
    >>> service_start_us(date(1970, 1, 2), timezone.utc)
    86400000000
    """
    if start is None:
        return None
    return to_us(datetime(start.year, start.month, start.day, tzinfo=zone), "start")


def service_starts(catalogue: Catalogue) -> dict[str, int | None]:
    """Each service's start (:func:`service_start_us` in its calendar's zone, else UTC).

    >>> service_starts(Catalogue.from_dict({"services": [{"name": "vpn",
    ...                                                   "start": "1970-01-02"}]}))
    {'vpn': 86400000000}
    """
    out: dict[str, int | None] = {}
    for service in catalogue.services:
        zone = (catalogue.calendar(service.calendar).timezone
                if service.calendar is not None else timezone.utc)
        out[service.name] = service_start_us(service.start, zone)
    return out


class AgreementPlan:
    """One agreement as attainment applies it to each ticket.

    Attributes:
        targets: ``(target name, definition name, priorities or None)`` of its ticket
            targets, in order.
        measured: ``(definition name, token, cycle key)`` of each definition its
            ticket targets count, without repeats (the token keys a ticket's outcome of
            that definition, the :class:`CycleKey` its final cycles in the period index).
        names: the definitions it evaluates (its own, then its targets'), without repeats.
        evaluates: ``(definition name, token)`` of each of *names*.
        cycles: the :class:`CycleKey` of each definition of *measured*, by name.
        steps: ``(definition name, token, cycle key or None)`` of each of *names*:
            *evaluates*, with the key of *cycles* for those its ticket targets count.
        hours: the period keys its :class:`PeriodIndex` remembers per hour (see
            :meth:`PeriodIndex.of`; a lookup of ``us // QUARTER >> 2`` that finds no key
            falls back to ``period_of``).
        limit: its workload limit, or ``None``.

    A definition's token is its name unless *token* says otherwise: two accumulators
    that share a ticket's outcomes (a what-if) give equal tokens only to equal
    definitions.

    >>> from datetime import timezone
    >>> a = Agreement.from_dict({"name": "a", "from": "1970-01-01", "definitions": ["fix"],
    ...     "targets": [{"name": "t", "definition": "fix", "priorities": ["P1"],
    ...                  "at_least": "90%"}]})
    >>> plan = AgreementPlan(a, (0, 2**62), PeriodIndex("month", timezone.utc))
    >>> plan.names, plan.targets
    (('fix',), (('t', 'fix', frozenset({'P1'})),))
    """

    __slots__ = (
        "agreement",
        "before_start",
        "cause_field",
        "causes",
        "cycles",
        "evaluates",
        "excludes",
        "hi",
        "hours",
        "idle",
        "key",
        "limit",
        "lo",
        "measured",
        "name",
        "names",
        "per_customer",
        "period_of",
        "sla",
        "steps",
        "targets",
    )

    def __init__(self, agreement: Agreement, bounds: tuple[int, int], key: PeriodIndex, *,
                 starts: bool = True, token: Callable[[str], object] = str) -> None:
        self.agreement = agreement
        self.name = agreement.name
        self.sla = agreement.kind == "sla"
        self.lo, self.hi = bounds
        self.key = key
        self.period_of = key.of
        self.per_customer = bool(agreement.customers)
        self.limit = agreement.workload_limit
        rules = agreement.exclusions
        self.causes = rules.causes
        self.cause_field = rules.cause_field
        self.before_start = rules.before_service_start
        # whether static_reason can give a reason at all (*starts*: a service has a start)
        self.excludes = bool(rules.causes) or (rules.before_service_start and starts)
        self.targets = tuple((t.name, t.definition, frozenset(t.priorities) or None)
                             for t in agreement.targets if t.definition is not None)
        self.cycles = {name: key.cycle_key(token(name))
                       for name in dict.fromkeys(d for _, d, _ in self.targets)}
        self.measured = tuple((name, cycle_key.token, cycle_key)
                              for name, cycle_key in self.cycles.items())
        self.names = tuple(dict.fromkeys([*agreement.definitions,
                                          *(d for _, d, _ in self.targets)]))
        self.evaluates = tuple((name, token(name)) for name in self.names)
        self.steps = tuple((name, tok, self.cycles.get(name)) for name, tok in self.evaluates)
        self.hours = key.hours
        # whether the accumulator leaves this agreement to another one that measures it
        # the same (a what-if's unchanged agreement): it applies, and counts nothing
        self.idle = False

    def static_reason(self, fields: Any, first: int, service: object,
                      starts: dict[str, int | None]) -> str | None:
        """Why every cycle of a ticket is excluded from this agreement's targets, if so.

        >>> from datetime import timezone
        >>> a = Agreement.from_dict({"name": "a", "from": "1970-01-01",
        ...                          "exclusions": {"causes": ["customer"]}})
        >>> AgreementPlan(a, (0, 1), PeriodIndex("month", timezone.utc)).static_reason(
        ...     {"cause": "customer"}, 0, None, {})
        'cause customer'
        """
        cause = fields.get(self.cause_field)
        if cause is not None and cause in self.causes:
            return f"cause {cause}"
        if self.before_start and isinstance(service, str):
            start = starts.get(service)
            if start is not None and first < start:
                return "before the service start"
        return None


def definitions_of(plans: list[AgreementPlan], find: Callable[[str], SlaDefinition]
                   ) -> dict[str, SlaDefinition]:
    """Every definition the *plans* evaluate, by name.

    >>> definitions_of([], lambda name: None)
    {}
    """
    return {name: find(name) for plan in plans for name in plan.names}


class Slot:
    """What one agreement took for one customer (``who``; ``None`` for an agreement that
    covers any customer): the tickets per period (``counts`` how many, without a workload
    limit; ``loads`` which, under one) and the counted cycles per ticket target and period
    (``found``, in the order of the plan's targets).  ``static`` says whether a ticket of
    this slot was excluded by a static reason (cause, service start), ``repeat`` whether
    a ticket had several final cycles of one definition.  :meth:`route`
    gives the ``found`` of the targets a cycle of a definition and priority counts for.

    >>> from datetime import timezone
    >>> a = Agreement.from_dict({"name": "a", "from": "1970-01-01", "definitions": ["fix"],
    ...     "targets": [{"name": "t", "definition": "fix", "at_least": "90%"}]})
    >>> slot = Slot(AgreementPlan(a, (0, 2**62), PeriodIndex("month", timezone.utc)), "acme")
    >>> slot.who, slot.found, slot.counts, slot.route("fix", "P1")
    ('acme', ({},), {}, ({},))
    """

    __slots__ = ("cells", "counts", "found", "loads", "plan", "repeat", "routes", "static",
                 "who")

    def __init__(self, plan: AgreementPlan, who: str | None) -> None:
        self.plan = plan
        self.who = who
        self.counts: dict[str, int] = {}
        self.loads: dict[str, list[Load]] = {}
        self.found: tuple[dict[str, list[Contribution]], ...] = tuple(
            {} for _ in plan.targets)
        self.static = False
        self.repeat = False
        # definition -> priority -> the found of the targets such a cycle counts for
        self.routes: dict[str, dict[Any, tuple[dict[str, list[Contribution]], ...]]] = {
            name: {} for name, _, _ in plan.measured}
        # definition -> final cycle -> the period lists of the targets it counts in
        self.cells: dict[str, dict[Final, tuple[list[Contribution], ...]]] = {
            name: {} for name, _, _ in plan.measured}

    def route(self, definition: str, priority: Any) -> tuple[dict[str, list[Contribution]], ...]:
        """The ``found`` of the targets that count a cycle of *definition* and *priority*
        (remembered).

        >>> from datetime import timezone
        >>> a = Agreement.from_dict({"name": "a", "from": "1970-01-01", "definitions": ["fix"],
        ...     "targets": [{"name": "t", "definition": "fix", "priorities": ["P1"],
        ...                  "at_least": "90%"}]})
        >>> Slot(AgreementPlan(a, (0, 1), PeriodIndex("month", timezone.utc)), None
        ...      ).route("fix", "P2")
        ()
        """
        found = self.routes[definition][priority] = tuple(
            bucket for (_, name, priorities), bucket in zip(self.plan.targets, self.found,
                                                            strict=True)
            if name == definition and (priorities is None or priority in priorities))
        return found

    def cell(self, definition: str, cycle: Final) -> tuple[list[Contribution], ...]:
        """The lists (in ``found``, one per target) a final *cycle* of *definition* counts
        in: those of its period, in the targets :meth:`route` gives (remembered).

        >>> from datetime import timezone
        >>> a = Agreement.from_dict({"name": "a", "from": "1970-01-01", "definitions": ["fix"],
        ...     "targets": [{"name": "t", "definition": "fix", "at_least": "90%"}]})
        >>> slot = Slot(AgreementPlan(a, (0, 1), PeriodIndex("month", timezone.utc)), None)
        >>> slot.cell("fix", ("P1", "1970-01", True)) == ([],) and slot.found
        ({'1970-01': []},)
        """
        priority, period, _ = cycle
        targets = self.routes[definition].get(priority)
        if targets is None:
            targets = self.route(definition, priority)
        found = self.cells[definition][cycle] = tuple(
            target.setdefault(period, []) for target in targets)
        return found

    def merge(self, other: Slot, offset: int) -> None:
        """Add *other*'s tickets after this slot's, their sequence numbers moved by *offset*.

        >>> from datetime import timezone
        >>> a = Agreement.from_dict({"name": "a", "from": "1970-01-01"})
        >>> plan = AgreementPlan(a, (0, 2**62), PeriodIndex("month", timezone.utc))
        >>> one, two = Slot(plan, None), Slot(plan, None)
        >>> one.counts["1970-01"] = two.counts["1970-01"] = 1
        >>> one.merge(two, 1); one.counts
        {'1970-01': 2}
        """
        counts = self.counts
        for period, count in other.counts.items():
            counts[period] = counts.get(period, 0) + count
        for period, loads in other.loads.items():
            self.loads.setdefault(period, []).extend(
                (f, seq + offset, t) for f, seq, t in loads)
        for mine, theirs in zip(self.found, other.found, strict=True):
            for period, items in theirs.items():
                mine.setdefault(period, []).extend(
                    (f, seq + offset, t, m, r) for f, seq, t, m, r in items)
        self.static = self.static or other.static
        self.repeat = self.repeat or other.repeat

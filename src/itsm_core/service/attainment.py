"""Attainment: every agreement's service level targets, per customer and period, from
ticket histories and outages (see ``docs/service.md``, Attainment).

The SLA clocks are the definitions' own (``SlaDefinition.evaluate``) and availability is
``availability.measure``; this layer only decides which agreement a ticket falls under,
which period each cycle counts in, and the verdict.  An :class:`AttainmentAccumulator`
takes tickets and outages one at a time and merges with another exactly.

>>> from datetime import datetime, timezone
>>> from itsm_core.service.catalogue import Catalogue
>>> from itsm_core.sla import TicketEvent
>>> cat = Catalogue.from_dict({
...     "definitions": [{"name": "fix", "targets": "PT4H", "stop": {"state_in": ["Resolved"]}}],
...     "customers": [{"name": "acme"}],
...     "agreements": [{"name": "gold", "from": "2025-01-01", "customers": ["acme"],
...                     "definitions": ["fix"],
...                     "targets": [{"name": "fix 90%", "definition": "fix",
...                                  "at_least": "90%"}]}]})
>>> at = lambda h: datetime(2025, 3, 3, h, tzinfo=timezone.utc)
>>> events = [TicketEvent(at(9), "New", fields={"customer": "acme"}),
...           TicketEvent(at(10), "Resolved", fields={"customer": "acme"})]
>>> result = attainment(cat, [("INC1", events)]).results[0]
>>> result.period, result.measured, result.verdict.value
('2025-03', Fraction(1, 1), 'met')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from itsm_core._args import items_of
from itsm_core._instant import to_us
from itsm_core.errors import ArgumentTypeError
from itsm_core.service._availability import group_outages
from itsm_core.service._plan import (
    QUARTER,
    AgreementPlan,
    CycleKey,
    Final,
    PeriodIndex,
    Slot,
    definitions_of,
    final_cycles,
    service_starts,
)
from itsm_core.service._tickets import Scanned, check_iterable, checked_outage, scan, ticket_pair
from itsm_core.service.accumulate import (
    Attainment,
    NotCovered,
    NotEvaluated,
    Pending,
    WorkloadUsage,
    agreement_results,
    workload_usage,
)
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.period import check_period
from itsm_core.service.result import TargetResult
from itsm_core.sla import SlaOutcome, TicketEvent

__all__ = ["Attainment", "AttainmentAccumulator", "NotCovered", "NotEvaluated", "Pending",
           "WorkloadUsage", "attainment"]


def _sort_key(result: TargetResult) -> tuple[str, ...]:
    return (result.agreement, result.customer or "", result.target, result.service or "",
            result.period)


class AttainmentAccumulator:
    """Attainment built one ticket and one outage at a time; :meth:`merge` adds another
    accumulator's input after this one's, so any split of the input, merged in order, gives
    exactly the one-pass result.

    Args:
        catalogue: the :class:`~itsm_core.service.catalogue.Catalogue`.
        period: ``"week"``, ``"month"`` (default), ``"quarter"`` or ``"year"``.
        as_of: evaluate clocks and outages at this instant (default: the last instant seen).

    >>> from itsm_core.service.catalogue import Catalogue
    >>> acc = AttainmentAccumulator(Catalogue(), "fortnight")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: period: unknown period 'fortnight'; expected one of week, month, quarter, year
    """

    def __init__(self, catalogue: Catalogue, period: str = "month", *,
                 as_of: datetime | None = None) -> None:
        if not isinstance(catalogue, Catalogue):
            raise ArgumentTypeError(f"catalogue: expected a Catalogue, got "
                                    f"{type(catalogue).__name__}")
        self._catalogue = catalogue
        self._period = check_period(period)
        self._as_of = as_of
        self._as_of_us = None if as_of is None else to_us(as_of, "as_of")
        self._count = 0
        self._lo: int | None = None
        self._hi: int | None = None
        self._slots: dict[tuple[str, str | None], Slot] = {}
        self._outages: list[ServiceOutage] = []
        self._not_covered: list[NotCovered] = []
        self._not_evaluated: list[NotEvaluated] = []
        self._pending: list[Pending] = []
        self._starts = service_starts(catalogue)
        self._zones: dict[int, PeriodIndex] = {}
        self._plan_agreements(str)
        self._when = tuple(dict.fromkeys(f for a in catalogue.agreements for f, _ in a.when))
        self._candidates: dict[tuple[Any, ...], tuple[Slot, ...]] = {}

    def _plan_agreements(self, token: Callable[[str], object]) -> None:
        """Plan every agreement, a ticket's outcome of a definition keyed by
        ``token(name)`` (a what-if gives two accumulators tokens that are equal only for
        equal definitions, and lets them share a ticket's outcomes)."""
        cat = self._catalogue
        starts = any(start is not None for start in self._starts.values())
        self._token = token
        self._plans: dict[str, AgreementPlan] = {}
        for agreement in cat.agreements:
            zone = cat._index["zones"][agreement.name]
            key = self._zones.setdefault(id(zone), PeriodIndex(self._period, zone))
            self._plans[agreement.name] = AgreementPlan(
                agreement, cat._index["bounds"][agreement.name], key, starts=starts,
                token=token)
        self._definitions = definitions_of(list(self._plans.values()), cat.definition)
        self._evaluators = {name: d.evaluate for name, d in self._definitions.items()}

    def _seen(self, lo: int, hi: int) -> None:
        self._lo = lo if self._lo is None else min(self._lo, lo)
        self._hi = hi if self._hi is None else max(self._hi, hi)

    def _slot(self, plan: AgreementPlan, who: str | None) -> Slot:
        found = self._slots.get((plan.name, who))
        if found is None:
            found = self._slots[plan.name, who] = Slot(plan, who)
        return found

    def _covering(self, raw_customer: object, service: Any, fields: Any,
                  key: tuple[Any, ...] | None) -> tuple[Slot, ...]:
        """The slots of the agreements covering a ticket, dates aside, in catalogue order,
        remembered under *key* (the customer field, service and ``when`` field values;
        ``None``: not remembered).

        >>> from itsm_core.service.catalogue import Catalogue
        >>> AttainmentAccumulator(Catalogue())._covering("acme", None, {}, None)
        ()
        """
        customer = self._catalogue.customer_of(raw_customer)
        found = tuple(
            self._slot(plan, customer if plan.per_customer else None)
            for plan in (self._plans[a.name] for a in
                         self._catalogue._index["by_customer"].get(customer, ()))
            if plan.agreement.covers(customer, service, fields))
        if key is not None:
            self._candidates[key] = found
        return found

    def add_ticket(self, events: Iterable[TicketEvent], ticket: Any = None) -> None:
        """Add one ticket's events (see ``SlaDefinition.evaluate``).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.service.catalogue import Catalogue
        >>> acc = AttainmentAccumulator(Catalogue())
        >>> acc.add_ticket([TicketEvent(datetime(2025, 1, 6, tzinfo=timezone.utc), "New")], "T1")
        >>> acc.result().not_covered[0].reason
        'no SLA matches (customer None, service None)'
        """
        listed = events if type(events) is list else items_of(events, "events", "TicketEvent")
        self._add(listed, ticket, scan(listed, self._as_of_us, None), {}, {})

    def _add(self, listed: list[TicketEvent], ticket: Any, scanned: Scanned | None,
             outcomes: dict[object, SlaOutcome],
             counted: dict[CycleKey, tuple[Sequence[Final], Sequence[Any]]],
             ) -> list[AgreementPlan]:
        """Add a scanned ticket; *outcomes* (by definition token) and *counted* (final
        cycles by :class:`~itsm_core.service._plan.CycleKey`) are what is known of it,
        shared with a what-if's other side.  Returns the plans that applied.

        >>> from itsm_core.service.catalogue import Catalogue
        >>> AttainmentAccumulator(Catalogue())._add([], "T1", None, {}, {})
        []
        """
        seq = self._count
        self._count = seq + 1
        applied: list[AgreementPlan] = []
        if scanned is None:
            self._not_covered.append(NotCovered(ticket=ticket, reason="no event up to as_of"))
            return applied
        first, last, last_event = scanned
        if self._lo is None or self._hi is None:
            self._lo, self._hi = first, last
        else:
            if first < self._lo:  # noqa: PLR1730 - faster than min() per ticket
                self._lo = first
            if last > self._hi:  # noqa: PLR1730 - faster than max() per ticket
                self._hi = last
        cat = self._catalogue
        fields = last_event.fields._data  # the plain dict: its get is quicker
        raw_customer = fields.get(cat.customer_field)
        service = fields.get(cat.service_field)
        when = self._when
        key: tuple[Any, ...] | None = ((raw_customer, service, *(fields.get(f) for f in when))
                                       if when else (raw_customer, service))
        try:
            slots = self._candidates.get(key)  # type: ignore[arg-type]
        except TypeError:  # an unhashable field value: not remembered
            slots = key = None
        if slots is None:
            slots = self._covering(raw_customer, service, fields, key)
        sla = False
        evaluators = self._evaluators
        as_of = self._as_of
        hour = first // QUARTER >> 2  # the UTC hour of the first event (see PeriodIndex)
        for slot in slots:
            plan = slot.plan
            if not plan.lo <= first < plan.hi:
                continue
            if plan.sla:
                if sla:
                    continue
                sla = True
            applied.append(plan)
            if plan.idle:
                continue
            period = plan.hours.get(hour) or plan.period_of(first)
            if plan.limit is None:
                counts = slot.counts
                counts[period] = counts.get(period, 0) + 1
            else:
                loads = slot.loads.get(period)
                if loads is None:
                    slot.loads[period] = [(first, seq, ticket)]
                else:
                    loads.append((first, seq, ticket))
            reason = None
            if plan.excludes:
                reason = plan.static_reason(fields, first, service, self._starts)
                if reason is not None:
                    slot.static = True
            waiting = False
            # evaluate each definition (once per ticket: *outcomes*), then count the final
            # cycles of those the ticket targets measure into their targets' periods
            for name, token, cached in plan.steps:
                outcome = outcomes.get(token)
                if outcome is None:
                    outcome = outcomes[token] = evaluators[name](listed, as_of, ticket,
                                                                 strict=False)
                why = outcome.skipped or outcome.unstarted
                if why is not None:
                    self._not_evaluated.append(NotEvaluated(
                        agreement=plan.name, definition=name, ticket=ticket, reason=why))
                if cached is None:
                    continue
                cycles = counted.get(cached)
                if cycles is None:
                    cycles = counted[cached] = final_cycles(outcome, plan.key)
                final, pending = cycles
                if pending or len(final) != 1:
                    if pending:
                        waiting = True
                    if len(final) > 1:  # a ticket may count twice for one target
                        slot.repeat = True
                cells = slot.cells[name]
                for cycle in final:
                    lists = cells.get(cycle)
                    if lists is None:
                        lists = slot.cell(name, cycle)
                    if lists:  # else a priority none of the targets counts
                        item = (first, seq, ticket, cycle[2], reason)
                        for bucket in lists:
                            bucket.append(item)
            if waiting:
                for target, definition, priorities in plan.targets:
                    self._pending.extend(
                        Pending(agreement=plan.name, customer=slot.who, target=target,
                                ticket=ticket, stage=stage)
                        for priority, stage in counted[plan.cycles[definition]][1]
                        if priorities is None or priority in priorities)
        if not sla:
            self._not_covered.append(NotCovered(
                ticket=ticket, reason=f"no SLA matches (customer {raw_customer}"
                                      f", service {service})"))
        return applied

    def add_outage(self, outage: ServiceOutage) -> None:
        """Add one outage.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.service.catalogue import Catalogue
        >>> acc = AttainmentAccumulator(Catalogue())
        >>> acc.add_outage("OUT-1")
        Traceback (most recent call last):
        ...
        itsm_core.errors.ArgumentTypeError: outage: expected a ServiceOutage, got str
        """
        if not isinstance(outage, ServiceOutage):
            raise ArgumentTypeError(f"outage: expected a ServiceOutage, got "
                                    f"{type(outage).__name__}")
        raw = outage.outage
        self._seen(raw._start_us, raw._start_us if raw._end_us is None else raw._end_us)
        self._outages.append(outage)

    def merge(self, other: AttainmentAccumulator) -> None:
        """Add *other*'s input after this one's (same catalogue, period and as_of).

        >>> from itsm_core.service.catalogue import Catalogue
        >>> a, b = AttainmentAccumulator(Catalogue()), AttainmentAccumulator(Catalogue())
        >>> a.merge(b); a.result() == b.result()
        True
        """
        if (other._catalogue != self._catalogue or other._period != self._period
                or other._as_of_us != self._as_of_us):
            raise ArgumentTypeError("other: expected an accumulator of the same catalogue, "
                                    "period and as_of")
        offset = self._count
        self._count += other._count
        if other._lo is not None and other._hi is not None:
            self._seen(other._lo, other._hi)
        for slot in other._slots.values():
            self._slot(self._plans[slot.plan.name], slot.who).merge(slot, offset)
        self._outages.extend(other._outages)
        self._not_covered.extend(other._not_covered)
        self._not_evaluated.extend(other._not_evaluated)
        self._pending.extend(other._pending)

    def result(self) -> Attainment:
        """The attainment of everything added so far.

        >>> from itsm_core.service.catalogue import Catalogue
        >>> AttainmentAccumulator(Catalogue()).result().results
        ()
        """
        workload, beyond = workload_usage(self._slots.values())
        grouped = group_outages(self._outages)
        horizon = self._as_of_us if self._as_of_us is not None else self._hi
        results: list[TargetResult] = []
        for agreement in self._catalogue.agreements:
            if not self._plans[agreement.name].idle:
                results.extend(agreement_results(
                    self._catalogue, agreement, slots=self._slots, lo=self._lo,
                    horizon=horizon, period=self._period, starts=self._starts,
                    beyond=beyond, grouped=grouped))
        results.sort(key=_sort_key)
        return Attainment(results=tuple(results), not_covered=tuple(self._not_covered),
                          not_evaluated=tuple(self._not_evaluated), pending=tuple(self._pending),
                          workload=tuple(workload))


def attainment(catalogue: Catalogue, tickets: Iterable[tuple[Any, Iterable[TicketEvent]]],
               outages: Iterable[ServiceOutage] = (), period: str = "month",
               as_of: datetime | None = None) -> Attainment:
    """The attainment of *tickets* (``(ticket_id, events)`` pairs) and *outages* under
    *catalogue* in one pass (see :class:`AttainmentAccumulator`).

    >>> from itsm_core.service.catalogue import Catalogue
    >>> attainment(Catalogue(), []).results
    ()
    """
    check_iterable(tickets, "tickets", "(ticket, events) pairs")
    check_iterable(outages, "outages", "ServiceOutage values")
    accumulator = AttainmentAccumulator(catalogue, period, as_of=as_of)
    as_of_us = accumulator._as_of_us
    add = accumulator._add
    listed: list[Any]
    for index, pair in enumerate(tickets):
        if type(pair) is tuple and len(pair) == 2 and type(pair[1]) is list:
            # the common case, without a call (the events are checked by scan)
            ticket, listed = pair  # type: ignore[assignment]
        else:
            ticket, listed = ticket_pair(pair, index)
        add(listed, ticket, scan(listed, as_of_us, index), {}, {})
    for index, outage in enumerate(outages):
        accumulator.add_outage(checked_outage(outage, index))
    return accumulator.result()


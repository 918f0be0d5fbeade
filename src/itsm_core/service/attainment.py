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

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from itsm_core._args import items_of
from itsm_core._instant import from_us, to_us
from itsm_core.errors import ArgumentTypeError
from itsm_core.service.accumulate import (
    Attainment,
    Contribution,
    NotCovered,
    NotEvaluated,
    Pending,
    WorkloadUsage,
    availability_results,
    count_cycles,
    period_cache,
    period_keys,
    ticket_results,
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
        self._found: dict[tuple[str, str | None, str], list[Contribution]] = {}
        self._load: dict[tuple[str, str | None, str], list[tuple[int, int, Any]]] = {}
        self._outages: list[ServiceOutage] = []
        self._not_covered: list[NotCovered] = []
        self._not_evaluated: list[NotEvaluated] = []
        self._pending: list[Pending] = []
        self._keys = {a.name: period_cache(self._period, catalogue.zone_of(a.name))
                      for a in catalogue.agreements}
        self._starts = {s.name: self._service_start(s.name) for s in catalogue.services}

    def _seen(self, lo: int, hi: int) -> None:
        self._lo = lo if self._lo is None else min(self._lo, lo)
        self._hi = hi if self._hi is None else max(self._hi, hi)

    def add_ticket(self, events: Iterable[TicketEvent], ticket: Any = None) -> None:
        """Add one ticket's events (see ``SlaDefinition.evaluate``).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.service.catalogue import Catalogue
        >>> acc = AttainmentAccumulator(Catalogue())
        >>> acc.add_ticket([TicketEvent(datetime(2025, 1, 6, tzinfo=timezone.utc), "New")], "T1")
        >>> acc.result().not_covered[0].reason
        'no SLA matches (customer None, service None)'
        """
        listed = items_of(events, "events", "TicketEvent")
        seq, self._count = self._count, self._count + 1
        considered = [e for e in listed if self._as_of_us is None or e._at_us <= self._as_of_us]
        if not considered:
            self._not_covered.append(NotCovered(ticket=ticket, reason="no event up to as_of"))
            return
        first = min(e._at_us for e in considered)
        last = max(e._at_us for e in considered)
        last_event = [e for e in considered if e._at_us == last][-1]  # ties: input order
        self._seen(first, last)
        cat = self._catalogue
        fields = last_event.fields
        customer = cat.customer_of(fields.get(cat.customer_field))
        agreements = cat._matching(customer, fields, first)
        if not any(a.kind == "sla" for a in agreements):
            self._not_covered.append(NotCovered(
                ticket=ticket, reason=f"no SLA matches (customer {fields.get(cat.customer_field)}"
                                      f", service {fields.get(cat.service_field)})"))
        outcomes: dict[str, SlaOutcome] = {}
        for agreement in agreements:
            zone = cat._index["zones"][agreement.name]
            who = customer if agreement.customers else None
            key_of = self._keys[agreement.name]
            opened = key_of(from_us(first, zone))
            self._load.setdefault((agreement.name, who, opened), []).append((first, seq, ticket))
            reason = self._static_reason(agreement, fields, first)
            names = dict.fromkeys([*agreement.definitions,
                                   *(t.definition for t in agreement.targets if t.definition)])
            for name in names:
                outcome = outcomes.get(name)
                if outcome is None:
                    outcome = outcomes[name] = cat.definition(name).evaluate(
                        listed, self._as_of, ticket, strict=False)
                why = outcome.skipped or outcome.unstarted
                if why is not None:
                    self._not_evaluated.append(NotEvaluated(
                        agreement=agreement.name, definition=name, ticket=ticket, reason=why))
            for target in agreement.targets:
                if target.definition is None:
                    continue
                final, pending = count_cycles(outcomes[target.definition], target.priorities,
                                              key_of)
                bucket = self._found.setdefault((agreement.name, who, target.name), [])
                bucket.extend((key, first, seq, ticket, met, reason) for key, met in final)
                self._pending.extend(Pending(agreement=agreement.name, customer=who,
                                             target=target.name, ticket=ticket, stage=stage)
                                     for stage in pending)

    def _static_reason(self, agreement: Any, fields: Any, first: int) -> str | None:
        rules = agreement.exclusions
        cause = fields.get(rules.cause_field)
        if cause is not None and cause in rules.causes:
            return f"cause {cause}"
        if rules.before_service_start:
            service = fields.get(self._catalogue.service_field)
            start = self._starts.get(service) if isinstance(service, str) else None
            if start is not None and first < start:
                return "before the service start"
        return None

    def _service_start(self, name: object) -> int | None:
        service = self._catalogue._index["services"].get(name) if isinstance(name, str) else None
        if service is None or service.start is None:
            return None
        zone = (self._catalogue.calendar(service.calendar).timezone
                if service.calendar is not None else timezone.utc)
        day = service.start
        return to_us(datetime(day.year, day.month, day.day, tzinfo=zone), "start")

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
        for key, items in other._found.items():
            self._found.setdefault(key, []).extend(
                (p, f, seq + offset, t, m, r) for p, f, seq, t, m, r in items)
        for key, loads in other._load.items():
            self._load.setdefault(key, []).extend((f, seq + offset, t) for f, seq, t in loads)
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
        cat = self._catalogue
        beyond: dict[str, dict[int, str]] = {}
        workload = []
        for (name, who, key), loads in sorted(self._load.items(),
                                             key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])):
            limit = cat.agreement(name).workload_limit
            loads.sort(key=lambda item: (item[0], item[1]))
            over = loads[limit:] if limit is not None else []
            reason = f"beyond the workload limit of {limit}"
            beyond.setdefault(name, {}).update((seq, reason) for _, seq, _ in over)
            workload.append(WorkloadUsage(agreement=name, customer=who, period=key,
                                          count=len(loads), limit=limit,
                                          excluded=tuple(t for _, _, t in over)))
        results: list[TargetResult] = []
        for agreement in cat.agreements:
            results.extend(self._agreement_results(agreement, beyond.get(agreement.name, {})))
        results.sort(key=_sort_key)
        return Attainment(results=tuple(results), not_covered=tuple(self._not_covered),
                          not_evaluated=tuple(self._not_evaluated), pending=tuple(self._pending),
                          workload=tuple(workload))

    def _agreement_results(self, agreement: Any, beyond: dict[int, str]) -> list[TargetResult]:
        cat = self._catalogue
        zone = cat._index["zones"][agreement.name]
        lo_a, hi_a = cat._index["bounds"][agreement.name]
        horizon = self._as_of_us if self._as_of_us is not None else self._hi
        keys: list[str] = []
        if self._lo is not None and horizon is not None:
            lo, hi = max(lo_a, self._lo), min(hi_a - 1, horizon)
            keys = period_keys(from_us(lo, zone), from_us(hi, zone), self._period, zone)
        customers: list[str | None] = list(agreement.customers) or [None]
        by_service: dict[str, list[ServiceOutage]] = {}
        for outage in self._outages:
            by_service.setdefault(outage.service, []).append(outage)
        calendar = None if agreement.calendar is None else cat.calendar(agreement.calendar)
        out: list[TargetResult] = []
        for who in customers:
            for target in agreement.targets:
                if target.kind == "tickets":
                    found = self._found.get((agreement.name, who, target.name), [])
                    out.extend(ticket_results(agreement, who, target, keys=keys, found=found,
                                              beyond=beyond))
                    continue
                services = (target.services or agreement.services
                            or tuple(s.name for s in cat.services))
                for service in services:
                    start = (self._service_start(service)
                             if agreement.exclusions.before_service_start else None)
                    outages = by_service.get(service, [])
                    out.extend(availability_results(
                        agreement, who, target, service=service, keys=keys,
                        window=(lo_a, min(hi_a, horizon or 0)), calendar=calendar, zone=zone,
                        outages=outages,
                        as_of=from_us(horizon, zone) if horizon is not None else None,
                        service_start_us=start))
        return out


def attainment(catalogue: Catalogue, tickets: Iterable[tuple[Any, Iterable[TicketEvent]]],
               outages: Iterable[ServiceOutage] = (), period: str = "month",
               as_of: datetime | None = None) -> Attainment:
    """The attainment of *tickets* (``(ticket_id, events)`` pairs) and *outages* under
    *catalogue* in one pass (see :class:`AttainmentAccumulator`).

    >>> from itsm_core.service.catalogue import Catalogue
    >>> attainment(Catalogue(), []).results
    ()
    """
    accumulator = AttainmentAccumulator(catalogue, period, as_of=as_of)
    for ticket, events in tickets:
        accumulator.add_ticket(events, ticket)
    for outage in outages:
        accumulator.add_outage(outage)
    return accumulator.result()

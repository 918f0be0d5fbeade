"""The values attainment produces (:class:`Attainment` and what it lists besides the
results) and the machinery behind it: counting SLA cycles into periods and building the
:class:`~itsm_core.service.result.TargetResult` of every agreement x customer x target x
period, tickets and availability.  Private helpers of :mod:`itsm_core.service.attainment`.

>>> verdict(volume=3, met=3, missed=0, goal=Fraction(9, 10), min_volume=1, small=None)
(Fraction(1, 1), <Verdict.MET: 'met'>, 'at least 90%')
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from fractions import Fraction
from itertools import compress
from operator import itemgetter, not_
from typing import Any

import attrs

from itsm_core._instant import from_us
from itsm_core.ratios import format_percent
from itsm_core.service._availability import (
    Window,
    availability_results,
    outages_of,
    period_windows,
)
from itsm_core.service._plan import Contribution, Load, Slot
from itsm_core.service.agreement import Agreement
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.period import period_of, shift
from itsm_core.service.result import Exclusion, TargetResult, Verdict
from itsm_core.service.target import ServiceTarget, SmallVolume

__all__ = ["Attainment", "NotCovered", "NotEvaluated", "Pending", "WorkloadUsage",
           "agreement_results", "period_keys", "ticket_results", "verdict", "workload_usage"]

_first, _ticket, _met = itemgetter(0), itemgetter(2), itemgetter(3)  # of a Contribution


@attrs.frozen(kw_only=True)
class NotCovered:
    """A ticket no SLA covers (counted and listed, never dropped).

    >>> NotCovered(ticket="INC1", reason="no SLA matches").to_dict()
    {'ticket': 'INC1', 'reason': 'no SLA matches'}
    """

    ticket: Any
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> NotCovered(ticket=1, reason="r").to_dict()["ticket"]
        1
        """
        return {"ticket": self.ticket, "reason": self.reason}


@attrs.frozen(kw_only=True)
class NotEvaluated:
    """A ticket an agreement's SLA definition could not evaluate (skipped or unstarted).

    >>> NotEvaluated(agreement="gold", definition="fix", ticket="INC1",
    ...              reason="never started").to_dict()["reason"]
    'never started'
    """

    agreement: str
    definition: str
    ticket: Any
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> NotEvaluated(agreement="a", definition="d", ticket=1, reason="r").to_dict()["definition"]
        'd'
        """
        return {"agreement": self.agreement, "definition": self.definition,
                "ticket": self.ticket, "reason": self.reason}


@attrs.frozen(kw_only=True)
class Pending:
    """A cycle not final yet (running or paused, not breached): counted in no period.

    >>> Pending(agreement="gold", customer="acme", target="fix 90%", ticket="INC2",
    ...         stage="running").to_dict()["stage"]
    'running'
    """

    agreement: str
    customer: str | None
    target: str
    ticket: Any
    stage: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> Pending(agreement="a", customer=None, target="t", ticket=1, stage="paused").to_dict()["customer"]
        """
        return {"agreement": self.agreement, "customer": self.customer, "target": self.target,
                "ticket": self.ticket, "stage": self.stage}


@attrs.frozen(kw_only=True)
class WorkloadUsage:
    """Tickets an agreement took for one customer in one period, against its limit.

    Attributes:
        count: tickets whose first event fell in the period.
        limit: the agreement's workload limit, or ``None``.
        excluded: the tickets beyond the limit (in order of first event).

    >>> WorkloadUsage(agreement="gold", customer="acme", period="2025-03", count=3,
    ...               limit=2, excluded=("INC3",)).to_dict()["excluded"]
    ['INC3']
    """

    agreement: str
    customer: str | None
    period: str
    count: int
    limit: int | None
    excluded: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> WorkloadUsage(agreement="a", customer=None, period="2025", count=0,
        ...               limit=None).to_dict()["limit"]
        """
        return {"agreement": self.agreement, "customer": self.customer, "period": self.period,
                "count": self.count, "limit": self.limit, "excluded": list(self.excluded)}


@attrs.frozen(kw_only=True)
class Attainment:
    """Every target's result per customer and period, and what was left out and why.

    Attributes:
        results: sorted by (agreement, customer, target, service, period).
        not_covered: tickets no SLA covers, in input order.
        not_evaluated: tickets a definition skipped or never started, in input order.
        pending: cycles not final yet, in input order.
        workload: per agreement x customer x period, sorted.

    >>> Attainment().to_dict()
    {'results': [], 'not_covered': [], 'not_evaluated': [], 'pending': [], 'workload': []}
    """

    results: tuple[TargetResult, ...] = ()
    not_covered: tuple[NotCovered, ...] = ()
    not_evaluated: tuple[NotEvaluated, ...] = ()
    pending: tuple[Pending, ...] = ()
    workload: tuple[WorkloadUsage, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> Attainment().to_dict()["results"]
        []
        """
        return {"results": [r.to_dict() for r in self.results],
                "not_covered": [n.to_dict() for n in self.not_covered],
                "not_evaluated": [n.to_dict() for n in self.not_evaluated],
                "pending": [p.to_dict() for p in self.pending],
                "workload": [w.to_dict() for w in self.workload]}



def verdict(*, volume: int, met: int, missed: int, goal: Fraction, min_volume: int,
            small: SmallVolume | None, at_least: str | None = None,
            ) -> tuple[Fraction | None, Verdict, str]:
    """The measured share, the verdict and the rule that decided it (see docs/service.md);
    *at_least* is the rule of the goal, ``"at least <goal as a percent>"``, when the caller
    already has it.

    >>> verdict(volume=10, met=8, missed=2, goal=Fraction(95, 100), min_volume=1,
    ...         small=SmallVolume(below=40, max_misses=2))[1:]
    (<Verdict.MET: 'met'>, 'at most 2 misses (fewer than 40 cycles)')
    """
    measured = Fraction(met, volume) if volume else None
    if volume < min_volume or measured is None:
        return measured, Verdict.NOT_ENOUGH_VOLUME, f"fewer than {max(min_volume, 1)} cycles"
    if small is not None and volume < small.below:
        return (measured, Verdict.MET if missed <= small.max_misses else Verdict.MISSED,
                f"at most {small.max_misses} misses (fewer than {small.below} cycles)")
    return (measured, Verdict.MET if measured >= goal else Verdict.MISSED,
            at_least or f"at least {format_percent(goal)}")


def period_keys(lo: datetime, hi: datetime, period: str, zone: tzinfo) -> list[str]:
    """The keys of every period holding an instant of ``[lo, hi]`` (empty when hi < lo).

    >>> from datetime import datetime, timezone
    >>> period_keys(datetime(2025, 1, 5, tzinfo=timezone.utc),
    ...             datetime(2025, 3, 1, tzinfo=timezone.utc), "month", timezone.utc)
    ['2025-01', '2025-02', '2025-03']
    """
    if hi < lo:
        return []
    key, last = period_of(lo, period, zone), period_of(hi, period, zone)
    keys = [key]
    while key < last:
        key = shift(key, 1)
        keys.append(key)
    return keys


def workload_usage(slots: Iterable[Slot]
                   ) -> tuple[list[WorkloadUsage], dict[tuple[str, str | None], dict[int, str]]]:
    """The workload of every slot per period, sorted by agreement, customer and period, and
    the tickets beyond the workload limit per ``(agreement, customer)``: their sequence
    numbers and the reason.  Under a limit, the tickets of a period are taken in order of
    first event (then of input) and those after the first *limit* are beyond it.

    >>> from datetime import timezone
    >>> from itsm_core.service._plan import AgreementPlan, PeriodIndex
    >>> a = Agreement.from_dict({"name": "a", "from": "1970-01-01", "workload": {"limit": 1}})
    >>> slot = Slot(AgreementPlan(a, (0, 2**62), PeriodIndex("month", timezone.utc)), None)
    >>> slot.loads["1970-01"] = [(5, 0, "late"), (1, 1, "early")]
    >>> usage, beyond = workload_usage([slot])
    >>> usage[0].excluded, beyond
    (('late',), {('a', None): {0: 'beyond the workload limit of 1'}})
    """
    beyond: dict[tuple[str, str | None], dict[int, str]] = {}
    workload = []
    for slot in sorted(slots, key=lambda slot: (slot.plan.name, slot.who or "")):
        limit = slot.plan.limit
        reason = f"beyond the workload limit of {limit}"
        for key in sorted(slot.counts if limit is None else slot.loads):
            over: list[Load] = []
            if limit is None:
                count = slot.counts[key]
            else:
                loads = slot.loads[key]
                count = len(loads)
                if count > limit:
                    loads.sort(key=_first)  # by first event, then sequence (see Load)
                    over = loads[limit:]
                    beyond.setdefault((slot.plan.name, slot.who), {}).update(
                        (seq, reason) for _, seq, _ in over)
            workload.append(WorkloadUsage(agreement=slot.plan.name, customer=slot.who,
                                          period=key, count=count, limit=limit,
                                          excluded=tuple(t for _, _, t in over)))
    return workload, beyond


def ticket_results(agreement: Agreement, customer: str | None, target: ServiceTarget, *,
                   keys: Iterable[str], found: dict[str, list[Contribution]],
                   beyond: dict[int, str], static: bool = True, repeat: bool = True,
                   ) -> list[TargetResult]:
    """One result per period key (those in *keys* and those *found* holds), from the
    contributions *found* per period and the tickets *beyond* the workload limit (by
    sequence number).  *static*: whether a contribution may carry a static reason (when
    false, and nothing is beyond the limit, nothing is excluded); *repeat*: whether a
    ticket may contribute twice (when false, the tickets need no deduplication).

    >>> a = Agreement.from_dict({"name": "a", "from": "2025-01-01"})
    >>> t = ServiceTarget.from_dict({"name": "t", "definition": "d", "at_least": "90%"})
    >>> found = {"2025-01": [(0, 0, "T1", True, None), (1, 1, "T2", False, None)]}
    >>> r = ticket_results(a, None, t, keys=["2025-01"], found=found, beyond={1: "over"})[0]
    >>> r.tickets, r.measured, [e.reason for e in r.excluded]
    (('T1',), Fraction(1, 1), ['over'])
    """
    by_period: dict[str, list[Contribution]] = {key: [] for key in keys}
    for key, items in found.items():
        by_period[key] = items
    out = []
    slow = static or bool(beyond)
    at_least = f"at least {format_percent(target.at_least)}"
    for key, items in by_period.items():
        # by first event, then ticket: a bucket holds its contributions in sequence order
        # (see Contribution), which a stable sort on the first event alone keeps
        items.sort(key=_first)
        excluded: dict[tuple[Any, str], None] = {}
        tickets: Iterable[Any] = ()
        breaches: Iterable[Any] = ()
        met = missed = 0
        if slow:
            counted: dict[Any, None] = {}
            late: dict[Any, None] = {}
            for _, seq, ticket, ok, static_reason in items:
                reason = static_reason or beyond.get(seq)
                if reason is not None:
                    excluded[ticket, reason] = None
                    continue
                counted[ticket] = None
                if ok:
                    met += 1
                else:
                    missed += 1
                    late[ticket] = None
            tickets, breaches = counted, late
        elif items:
            met = sum(map(_met, items))
            missed = len(items) - met
            tickets = tuple(map(_ticket, items))
            if missed:
                breaches = compress(tickets, map(not_, map(_met, items)))
            if repeat:  # each ticket once, at its first contribution
                tickets, breaches = dict.fromkeys(tickets), dict.fromkeys(breaches)
        measured, judged, rule = verdict(volume=met + missed, met=met, missed=missed,
                                         goal=target.at_least, min_volume=target.min_volume,
                                         small=target.small_volume, at_least=at_least)
        out.append(TargetResult(
            agreement=agreement.name, customer=customer, service=None, target=target.name,
            kind="tickets", period=key, goal=target.at_least, measured=measured,
            verdict=judged, rule=rule, volume=met + missed, met=met, missed=missed,
            tickets=tuple(tickets), breaches=tuple(breaches),
            excluded=tuple(Exclusion(kind="ticket", item=t, reason=r) for t, r in excluded)))
    return out


def agreement_results(catalogue: Catalogue, agreement: Agreement, *,
                      slots: dict[tuple[str, str | None], Slot], lo: int | None,
                      horizon: int | None, period: str, starts: dict[str, int | None],
                      beyond: dict[tuple[str, str | None], dict[int, str]],
                      grouped: dict[str, dict[str | None, list[tuple[int, ServiceOutage]]]],
                      ) -> list[TargetResult]:
    """Every result of *agreement*: per customer (``None`` for an agreement of any
    customer), target (and service, for availability) and period of ``[lo, horizon]``
    within its dates, from the *slots* the accumulator filled, the tickets *beyond* the
    workload limit (see :func:`workload_usage`) and the outages *grouped* by service and
    customer (see :func:`~itsm_core.service._availability.group_outages`).

    >>> from itsm_core.service.catalogue import Catalogue
    >>> cat = Catalogue.from_dict({
    ...     "definitions": [{"name": "fix", "targets": "PT4H"}],
    ...     "agreements": [{"name": "a", "from": "2025-01-01", "definitions": ["fix"],
    ...                     "targets": [{"name": "t", "definition": "fix", "at_least": "90%"}]}]})
    >>> jan = 1_736_000_000 * 10**6
    >>> [(r.period, r.verdict.value) for r in agreement_results(
    ...     cat, cat.agreements[0], slots={}, lo=jan, horizon=jan, period="month", starts={},
    ...     beyond={}, grouped={})]
    [('2025-01', 'not enough volume')]
    """
    zone = catalogue._index["zones"][agreement.name]
    lo_a, hi_a = catalogue._index["bounds"][agreement.name]
    keys: list[str] = []
    if lo is not None and horizon is not None:
        first, last = max(lo_a, lo), min(hi_a - 1, horizon)
        keys = period_keys(from_us(first, zone), from_us(last, zone), period, zone)
    customers: list[str | None] = list(agreement.customers) or [None]
    calendar = (None if agreement.calendar is None
                else catalogue.calendar(agreement.calendar))
    out: list[TargetResult] = []
    windows: list[Window] | None = None
    for who in customers:
        for target in agreement.targets:
            if target.kind == "tickets":
                slot = slots.get((agreement.name, who))
                if slot is None:
                    out.extend(ticket_results(agreement, who, target, keys=keys, found={},
                                              beyond={}, static=False, repeat=False))
                    continue
                index = [t[0] for t in slot.plan.targets].index(target.name)
                out.extend(ticket_results(agreement, who, target, keys=keys,
                                          found=slot.found[index],
                                          beyond=beyond.get((agreement.name, who), {}),
                                          static=slot.static, repeat=slot.repeat))
                continue
            services = (target.services or agreement.services
                        or tuple(s.name for s in catalogue.services))
            if windows is None:
                windows = period_windows(keys, zone, (lo_a, min(hi_a, horizon or 0)))
            for service in services:
                start = (starts.get(service)
                         if agreement.exclusions.before_service_start else None)
                out.extend(availability_results(
                    agreement, who, target, service=service, windows=windows,
                    calendar=calendar, zone=zone,
                    outages=outages_of(grouped.get(service, {}), who),
                    as_of=from_us(horizon, zone) if horizon is not None else None,
                    service_start_us=start))
    return out

"""The values attainment produces (:class:`Attainment` and what it lists besides the
results) and the machinery behind it: counting SLA cycles into periods and building the
:class:`~itsm_core.service.result.TargetResult` of every agreement x customer x target x
period, tickets and availability.  Private helpers of :mod:`itsm_core.service.attainment`.

>>> verdict(volume=3, met=3, missed=0, goal=Fraction(9, 10), min_volume=1, small=None)
(Fraction(1, 1), <Verdict.MET: 'met'>, 'at least 90%')
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from fractions import Fraction
from itertools import compress
from operator import not_
from typing import Any

import attrs

from itsm_core._instant import format_duration, from_us, to_us
from itsm_core.availability import Outage, measure
from itsm_core.calendar import BusinessCalendar
from itsm_core.ratios import format_percent
from itsm_core.service._plan import Contribution, Load, Slot
from itsm_core.service.agreement import Agreement
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.period import period_bounds, period_of, shift
from itsm_core.service.result import Exclusion, TargetResult, Verdict
from itsm_core.service.target import ServiceTarget, SmallVolume

__all__ = ["Attainment", "NotCovered", "NotEvaluated", "Pending", "WorkloadUsage",
           "availability_results", "period_keys", "ticket_results", "verdict",
           "workload_usage"]

_FOREVER = 2 ** 62


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
            small: SmallVolume | None) -> tuple[Fraction | None, Verdict, str]:
    """The measured share, the verdict and the rule that decided it (see docs/service.md).

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
            f"at least {format_percent(goal)}")


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
                    loads.sort()  # by first event, then sequence (unique)
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
    for key, items in by_period.items():
        items.sort()  # by first event, then ticket (see Contribution)
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
            _, _, column, oks, _ = zip(*items, strict=True)
            met = sum(oks)
            missed = len(items) - met
            if missed:
                breaches = compress(column, map(not_, oks))
            tickets = column
            if repeat:  # each ticket once, at its first contribution
                tickets, breaches = dict.fromkeys(tickets), dict.fromkeys(breaches)
        measured, judged, rule = verdict(volume=met + missed, met=met, missed=missed,
                                         goal=target.at_least, min_volume=target.min_volume,
                                         small=target.small_volume)
        out.append(TargetResult(
            agreement=agreement.name, customer=customer, service=None, target=target.name,
            kind="tickets", period=key, goal=target.at_least, measured=measured,
            verdict=judged, rule=rule, volume=met + missed, met=met, missed=missed,
            tickets=tuple(tickets), breaches=tuple(breaches),
            excluded=tuple(Exclusion(kind="ticket", item=t, reason=r) for t, r in excluded)))
    return out


def _outage_reason(agreement: Agreement, outage: ServiceOutage) -> str | None:
    rules = agreement.exclusions
    if outage.cause is not None and outage.cause in rules.causes:
        return f"cause {outage.cause}"
    end = outage.outage.end
    if rules.min_outage is not None and end is not None and end - outage.start < rules.min_outage:
        return f"shorter than {format_duration(rules.min_outage)}"
    return None


def availability_results(agreement: Agreement, customer: str | None, target: ServiceTarget, *,
                         service: str, keys: Iterable[str], window: tuple[int, int],
                         calendar: BusinessCalendar | None, zone: tzinfo,
                         outages: list[ServiceOutage], as_of: datetime | None,
                         service_start_us: int | None) -> list[TargetResult]:
    """One availability result per period key: ``availability.measure`` over the period
    cut to *window* (the agreement in force, up to the horizon) and to the service start.

    >>> from datetime import datetime, timezone
    >>> a = Agreement.from_dict({"name": "a", "from": "2025-01-01"})
    >>> t = ServiceTarget.from_dict({"name": "up", "kind": "availability", "at_least": "99%"})
    >>> day = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> down = ServiceOutage(id="O1", outage=Outage(day, day.replace(hour=6), service="vpn"))
    >>> r = availability_results(a, None, t, service="vpn", keys=["2025-01"],
    ...     window=(to_us(day, "lo"), to_us(day.replace(day=2), "hi")), calendar=None,
    ...     zone=timezone.utc, outages=[down], as_of=None, service_start_us=None)[0]
    >>> r.measured, r.verdict.value
    (Fraction(3, 4), 'missed')
    """
    out = []
    relevant = [o for o in outages if customer is None or o.customer in (None, customer)]
    # closed outages by start (an index into relevant each), the longest one's length and
    # the open ones: the outages overlapping [first, hi) start in [first - longest, hi)
    # or are open
    closed = sorted((o.outage._start_us, i) for i, o in enumerate(relevant)
                    if o.outage._end_us is not None)
    starts = [start for start, _ in closed]
    longest = max((o.outage._end_us - o.outage._start_us for o in relevant
                   if o.outage._end_us is not None), default=0)
    still = [i for i, o in enumerate(relevant) if o.outage._end_us is None]
    for key in keys:
        lo_dt, hi_dt = period_bounds(key, zone)
        first = max(to_us(lo_dt, "start"), window[0])
        hi = min(to_us(hi_dt, "end"), window[1])
        lo = first if service_start_us is None else max(first, service_start_us)
        counted: list[Outage] = []
        ids: list[Any] = []
        excluded: list[Exclusion] = []
        near = [i for _, i in closed[bisect_left(starts, first - longest):
                                     bisect_left(starts, hi)]]
        near.extend(still)
        near.sort()  # input order
        for index in near:
            item = relevant[index]
            raw = item.outage
            end = _FOREVER if raw._end_us is None else raw._end_us
            if raw._start_us >= hi or end <= first:
                continue
            reason = "before the service start" if end <= lo else _outage_reason(agreement, item)
            if reason is not None:
                excluded.append(Exclusion(kind="outage", item=item.id, reason=reason))
                continue
            counted.append(raw)
            ids.append(item.id)
        if hi <= lo:
            measured = None
            agreed = downtime = timedelta(0)
        else:
            result = measure(tuple(counted), from_us(lo, zone), from_us(hi, zone), calendar,
                             as_of=as_of)
            measured, agreed, downtime = result.availability, result.agreed_time, result.downtime
        if measured is None or not agreed:
            measured, judged, rule = None, Verdict.NOT_ENOUGH_VOLUME, "no agreed service time"
        else:
            judged = Verdict.MET if measured >= target.at_least else Verdict.MISSED
            rule = f"at least {format_percent(target.at_least)}"
        out.append(TargetResult(
            agreement=agreement.name, customer=customer, service=service, target=target.name,
            kind="availability", period=key, goal=target.at_least, measured=measured,
            verdict=judged, rule=rule, volume=len(ids), outages=tuple(ids),
            excluded=tuple(excluded), agreed_time=agreed, downtime=downtime))
    return out

"""The values attainment produces (:class:`Attainment` and what it lists besides the
results) and the machinery behind it: counting SLA cycles into periods and building the
:class:`~itsm_core.service.result.TargetResult` of every agreement x customer x target x
period, tickets and availability.  Private helpers of :mod:`itsm_core.service.attainment`.

>>> verdict(volume=3, met=3, missed=0, goal=Fraction(9, 10), min_volume=1, small=None)
(Fraction(1, 1), <Verdict.MET: 'met'>, 'at least 90%')
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from fractions import Fraction
from operator import itemgetter
from typing import Any

import attrs

from itsm_core._instant import format_duration, from_us, to_us
from itsm_core.availability import Outage, measure
from itsm_core.calendar import BusinessCalendar
from itsm_core.ratios import format_percent
from itsm_core.service.agreement import Agreement
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.period import period_bounds, period_of, shift
from itsm_core.service.result import Exclusion, TargetResult, Verdict
from itsm_core.service.target import ServiceTarget, SmallVolume

__all__ = ["Attainment", "NotCovered", "NotEvaluated", "Pending", "WorkloadUsage",
           "availability_results", "period_keys", "ticket_results", "verdict"]

# one counted cycle: (period, first event us, ticket sequence number, ticket, met, reason
# the ticket is excluded for or None)
Contribution = tuple[str, int, int, Any, bool, str | None]
_FOREVER = 2 ** 62
_FIRST_SEQ = itemgetter(1, 2)  # a contribution's (first event, ticket sequence)


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


def ticket_results(agreement: Agreement, customer: str | None, target: ServiceTarget, *,
                   keys: Iterable[str], found: list[Contribution],
                   beyond: dict[int, str]) -> list[TargetResult]:
    """One result per period key (those in *keys* and those *found* holds), from the
    contributions *found* and the tickets *beyond* the workload limit (by sequence).

    >>> a = Agreement.from_dict({"name": "a", "from": "2025-01-01"})
    >>> t = ServiceTarget.from_dict({"name": "t", "definition": "d", "at_least": "90%"})
    >>> found = [("2025-01", 0, 0, "T1", True, None), ("2025-01", 1, 1, "T2", False, None)]
    >>> r = ticket_results(a, None, t, keys=["2025-01"], found=found, beyond={1: "over"})[0]
    >>> r.tickets, r.measured, [e.reason for e in r.excluded]
    (('T1',), Fraction(1, 1), ['over'])
    """
    by_period: dict[str, list[Contribution]] = {key: [] for key in keys}
    for item in found:
        by_period.setdefault(item[0], []).append(item)
    out = []
    for key, items in by_period.items():
        items.sort(key=_FIRST_SEQ)
        tickets: dict[Any, None] = {}
        breaches: dict[Any, None] = {}
        excluded: dict[tuple[Any, str], None] = {}
        met = missed = 0
        for _, _, seq, ticket, ok, static in items:
            reason = static or beyond.get(seq)
            if reason is not None:
                excluded[ticket, reason] = None
                continue
            tickets[ticket] = None
            if ok:
                met += 1
            else:
                missed += 1
                breaches[ticket] = None
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
    for key in keys:
        lo_dt, hi_dt = period_bounds(key, zone)
        first = max(to_us(lo_dt, "start"), window[0])
        hi = min(to_us(hi_dt, "end"), window[1])
        lo = first if service_start_us is None else max(first, service_start_us)
        counted: list[Outage] = []
        ids: list[Any] = []
        excluded: list[Exclusion] = []
        for item in relevant:
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

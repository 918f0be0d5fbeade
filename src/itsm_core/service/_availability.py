"""Availability targets: ``availability.measure`` of each period on the agreement's
calendar, over the outages that count for a customer, after the agreement's exclusions.
Private helpers of :mod:`itsm_core.service.attainment` (see ``docs/service.md``,
Attainment).

>>> outages_of({None: [(1, "every customer's")], "acme": [(0, "acme's")]}, "acme")
["acme's", "every customer's"]
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from itsm_core._instant import format_duration, from_us, to_us
from itsm_core.availability import Outage, measure
from itsm_core.calendar import BusinessCalendar
from itsm_core.ratios import format_percent
from itsm_core.service.agreement import Agreement
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.period import period_bounds
from itsm_core.service.result import Exclusion, TargetResult, Verdict
from itsm_core.service.target import ServiceTarget

__all__ = ["Window", "availability_results", "group_outages", "outages_of", "period_windows"]

_FOREVER = 2 ** 62
# a period cut to an agreement's window: (key, first us, end us, the two as datetimes)
Window = tuple[str, int, int, datetime, datetime]


def group_outages(outages: Iterable[ServiceOutage]
                  ) -> dict[str, dict[str | None, list[tuple[int, ServiceOutage]]]]:
    """*outages* by service, then by customer (``None``: every customer's), each with its
    input index, in input order.

    >>> from datetime import datetime, timezone
    >>> day = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> down = ServiceOutage(id="O1", outage=Outage(day, service="vpn"), customer="acme")
    >>> group_outages([down])["vpn"]["acme"][0][0]
    0
    """
    grouped: dict[str, dict[str | None, list[tuple[int, ServiceOutage]]]] = {}
    for index, outage in enumerate(outages):
        grouped.setdefault(outage.service, {}).setdefault(outage.customer, []).append(
            (index, outage))
    return grouped


def outages_of(by_customer: dict[Any, list[tuple[int, Any]]], customer: str | None
               ) -> list[Any]:
    """The outages that count for *customer* (all of them for ``None``), in input order,
    from ``(input index, outage)`` pairs by customer (``None``: every customer's).

    >>> outages_of({None: [(2, "all")], "acme": [(0, "acme's")], "globex": [(1, "x")]},
    ...            "acme")
    ["acme's", 'all']
    """
    if customer is None:
        lists = list(by_customer.values())
    else:
        lists = [by_customer.get(None, []), by_customer.get(customer, [])]
    merged = [item for part in lists for item in part]
    merged.sort(key=lambda item: item[0])
    return [outage for _, outage in merged]


def _outage_reason(agreement: Agreement, outage: ServiceOutage) -> str | None:
    rules = agreement.exclusions
    if outage.cause is not None and outage.cause in rules.causes:
        return f"cause {outage.cause}"
    end = outage.outage.end
    if rules.min_outage is not None and end is not None and end - outage.start < rules.min_outage:
        return f"shorter than {format_duration(rules.min_outage)}"
    return None


def period_windows(keys: Iterable[str], zone: tzinfo, window: tuple[int, int]
                   ) -> list[Window]:
    """Each period of *keys* cut to *window*: ``(key, first, hi, first as a datetime, hi
    as a datetime)``, the instants in microseconds (worked out once per agreement, for
    every customer and service).

    >>> from datetime import timezone
    >>> [(key, hi - first) for key, first, hi, _, _ in period_windows(
    ...     ["1970-01"], timezone.utc, (0, 86_400_000_000))]
    [('1970-01', 86400000000)]
    """
    out = []
    for key in keys:
        lo_dt, hi_dt = period_bounds(key, zone)
        first = max(to_us(lo_dt, "start"), window[0])
        hi = min(to_us(hi_dt, "end"), window[1])
        out.append((key, first, hi, from_us(first, zone), from_us(hi, zone)))
    return out


def availability_results(agreement: Agreement, customer: str | None, target: ServiceTarget, *,
                         service: str, windows: Iterable[Window],
                         calendar: BusinessCalendar | None, zone: tzinfo,
                         outages: list[ServiceOutage], as_of: datetime | None,
                         service_start_us: int | None) -> list[TargetResult]:
    """One availability result per period window (see :func:`period_windows`: the period
    cut to the agreement in force, up to the horizon): ``availability.measure`` over it,
    cut to the service start.

    >>> from datetime import datetime, timezone
    >>> a = Agreement.from_dict({"name": "a", "from": "2025-01-01"})
    >>> t = ServiceTarget.from_dict({"name": "up", "kind": "availability", "at_least": "99%"})
    >>> day = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> down = ServiceOutage(id="O1", outage=Outage(day, day.replace(hour=6), service="vpn"))
    >>> windows = period_windows(["2025-01"], timezone.utc,
    ...                          (to_us(day, "lo"), to_us(day.replace(day=2), "hi")))
    >>> r = availability_results(a, None, t, service="vpn", windows=windows, calendar=None,
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
    rules = agreement.exclusions
    checks = bool(rules.causes) or rules.min_outage is not None  # may _outage_reason say why
    at_least = f"at least {format_percent(target.at_least)}"
    for key, first, hi, first_dt, hi_dt in windows:
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
            reason = ("before the service start" if end <= lo
                      else _outage_reason(agreement, item) if checks else None)
            if reason is not None:
                excluded.append(Exclusion(kind="outage", item=item.id, reason=reason))
                continue
            counted.append(raw)
            ids.append(item.id)
        if hi <= lo:
            measured = None
            agreed = downtime = timedelta(0)
        else:
            result = measure(tuple(counted), first_dt if lo == first else from_us(lo, zone),
                             hi_dt, calendar, as_of=as_of)
            measured, agreed, downtime = result.availability, result.agreed_time, result.downtime
        if measured is None or not agreed:
            measured, judged, rule = None, Verdict.NOT_ENOUGH_VOLUME, "no agreed service time"
        else:
            judged = Verdict.MET if measured >= target.at_least else Verdict.MISSED
            rule = at_least
        out.append(TargetResult(
            agreement=agreement.name, customer=customer, service=service, target=target.name,
            kind="availability", period=key, goal=target.at_least, measured=measured,
            verdict=judged, rule=rule, volume=len(ids), outages=tuple(ids),
            excluded=tuple(excluded), agreed_time=agreed, downtime=downtime))
    return out

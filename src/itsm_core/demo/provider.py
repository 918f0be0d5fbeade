"""A deterministic synthetic service provider (the ``demo`` command's data): three
customers whose SLAs differ, six months of their incidents, and the outages of the
services they use.

The catalogue is package data (``catalogue.json``): Northwind (London business hours,
response and resolution targets, tiered credits), Contoso (New York business hours, a
resolution target with a small-volume rule and a workload limit, linear credits) and
Fabrikam (Sydney, round the clock, an availability target, credits per breach and an
at-risk pool with earn-back).  Tickets carry the fields the catalogue matches on
(``customer``, ``service``) and ``assignment_group`` and ``cause``; a few outages are
customer-caused or too short to count, so the exclusions show.  The services carry
continuity objectives (RTO, RPO, MTPD, WRT) in the catalogue, with recovery exercises
(:func:`provider_exercises`) and a nightly backup history (:func:`provider_backups`); the
incident KPIs group the tickets by ``assignment_group`` (:data:`PROVIDER_KPIS`).

Only integer random draws are used (``randrange``), so the data is the same on every
platform and Python version for a given seed.

>>> tickets = provider_tickets(seed=7, per_month=5)
>>> tickets == provider_tickets(seed=7, per_month=5)
True
>>> sorted({dict(t.updates[0].fields)['customer'] for t in tickets})
['contoso', 'fabrikam', 'northwind']
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from itsm_core._instant import US_PER_SECOND, from_us, to_us
from itsm_core.demo.generator import SyntheticTicket, Update
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown

__all__ = ["FIRST_MONTH", "PERIOD", "PROVIDER_AS_OF", "PROVIDER_KPIS", "load_catalogue_data",
           "provider_backups", "provider_exercises", "provider_outages", "provider_tickets"]

#: the demo's six months: January to June 2025; evaluated at the start of July (UTC)
FIRST_MONTH = date(2025, 1, 1)
MONTHS = 6
PROVIDER_AS_OF = datetime(2025, 7, 1, tzinfo=ZoneInfo("UTC"))
#: the period the demo reports on (the trend covers the five before it)
PERIOD = "2025-06"
MAX_PER_MONTH = 5_000
_MINUTE = 60 * US_PER_SECOND
# customer -> (zone, services, tickets per month relative to per_month in percent)
_CUSTOMERS: dict[str, tuple[str, tuple[str, ...], int]] = {
    "northwind": ("Europe/London", ("email", "erp"), 100),
    "contoso": ("America/New_York", ("email", "vpn"), 120),
    "fabrikam": ("Australia/Sydney", ("vpn", "erp"), 60),
}
_PRIORITIES = ("P1", "P2", "P3", "P4")
_PRIORITY_WEIGHTS = (5, 15, 45, 35)
_GROUPS = ("Service Desk", "Network", "Applications")
_CAUSES = ("software", "hardware", "network", "customer")
_CAUSE_WEIGHTS = (45, 25, 22, 8)
_RESPOND = {"P1": 15, "P2": 45, "P3": 120, "P4": 300}  # typical minutes
_WORK = {"P1": 180, "P2": 480, "P3": 1_200, "P4": 2_400}
_SERVICES = ("email", "vpn", "erp")
#: the incident KPI settings of the demo (``KpiSettings.from_dict`` reads them): the
#: tickets' team is their ``assignment_group``
PROVIDER_KPIS: dict[str, Any] = {"group_field": "assignment_group"}
# service -> (months of its recovery exercises, first day of its backups)
_CONTINUITY = {"email": ((3, 6), date(2024, 12, 31)), "vpn": ((2, 5), date(2024, 12, 31)),
               "erp": ((4,), date(2025, 2, 1))}


def load_catalogue_data() -> dict[str, Any]:
    """The demo provider's catalogue, as plain data (``Catalogue.from_dict`` reads it).

    >>> sorted(c["name"] for c in load_catalogue_data()["customers"])
    ['contoso', 'fabrikam', 'northwind']
    """
    text = resources.files("itsm_core.demo").joinpath("catalogue.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _draw(rng: random.Random, items: tuple[str, ...], weights: tuple[int, ...]) -> str:
    pick = rng.randrange(sum(weights))
    for item, weight in zip(items, weights, strict=True):
        if pick < weight:
            return item
        pick -= weight
    raise AssertionError("unreachable: pick < sum(weights)")  # pragma: no cover


def _minutes(rng: random.Random, typical: int, late: int) -> int:
    """Minutes: mostly under *typical*; *late* percent of the time several times more."""
    if rng.randrange(100) < late:
        return rng.randrange(2 * typical, 8 * typical + 1)
    return rng.randrange(1, typical + 1)


def _ticket(rng: random.Random, number: str, customer: str, month: date, *,
            horizon: int, late: int) -> SyntheticTicket:
    zone_name, services, _ = _CUSTOMERS[customer]
    zone = ZoneInfo(zone_name)
    days = ((month.replace(day=28) + timedelta(days=4)).replace(day=1) - month).days
    day = month + timedelta(days=rng.randrange(days))
    opened = datetime(day.year, day.month, day.day, 8 + rng.randrange(10), rng.randrange(60),
                      tzinfo=zone)
    priority = _draw(rng, _PRIORITIES, _PRIORITY_WEIGHTS)
    fields = (("assignment_group", _GROUPS[rng.randrange(len(_GROUPS))]),
              ("cause", _draw(rng, _CAUSES, _CAUSE_WEIGHTS)),
              ("customer", customer),
              ("service", services[rng.randrange(len(services))]))
    now = to_us(opened, "opened")
    updates: list[Update] = []

    def emit(state: str) -> None:
        if now < horizon:
            updates.append(Update(at=from_us(now, zone), state=state, priority=priority,
                                  fields=fields))

    emit("New")
    now += _minutes(rng, _RESPOND[priority], late) * _MINUTE
    emit("Active")
    if rng.randrange(100) < 20:
        now += _minutes(rng, _WORK[priority] // 4, late) * _MINUTE
        emit("Awaiting User Info")
        now += _minutes(rng, 600, 0) * _MINUTE
        emit("Active")
    now += _minutes(rng, _WORK[priority], late) * _MINUTE
    emit("Resolved")
    now += 3 * 24 * 60 * _MINUTE
    emit("Closed")
    return SyntheticTicket(number, tuple(updates))


def _check(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name}: expected an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise InvalidArgumentError(f"{name}: {shown(value)}; expected an integer from {low} "
                                   f"to {high}")
    return value


def provider_tickets(*, seed: int = 2025, per_month: int = 120) -> tuple[SyntheticTicket, ...]:
    """Six months of incidents of the three customers, about *per_month* a month each
    (Contoso somewhat more, Fabrikam fewer); each month one customer has a bad month
    (more late responses and fixes), so verdicts and credits vary.

    Raises:
        ArgumentTypeError: *seed* or *per_month* is not an integer.
        InvalidArgumentError: *per_month* is not from 0 to 5,000.

    >>> [t.number for t in provider_tickets(per_month=1)][:2]
    ['INC0000001', 'INC0000002']
    >>> provider_tickets(per_month=-1)
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: per_month: -1; expected an integer from 0 to 5000
    """
    _check(seed, "seed", -(2**63), 2**63)
    _check(per_month, "per_month", 0, MAX_PER_MONTH)
    rng = random.Random(seed)
    horizon = to_us(PROVIDER_AS_OF, "as_of")
    out: list[SyntheticTicket] = []
    customers = sorted(_CUSTOMERS)
    for m in range(MONTHS):
        month = date(FIRST_MONTH.year, FIRST_MONTH.month + m, 1)
        bad = customers[rng.randrange(len(customers))]
        for customer in customers:
            late = 25 if customer == bad else 4
            for _ in range(per_month * _CUSTOMERS[customer][2] // 100):
                ticket = _ticket(rng, f"INC{len(out) + 1:07d}", customer, month, horizon=horizon,
                                 late=late)
                if ticket.updates:
                    out.append(ticket)
    out.sort(key=lambda t: (t.updates[0].at, t.number))
    return tuple(SyntheticTicket(f"INC{n:07d}", t.updates) for n, t in enumerate(out, 1))


def provider_outages(*, seed: int = 2025, per_month: int = 3) -> tuple[dict[str, Any], ...]:
    """The outages of the three services over the six months, as the plain data
    ``ServiceOutage.from_dict`` reads (id, service, start, end, cause and, for some, the one
    customer hit); a few are customer-caused or only minutes long.

    >>> outages = provider_outages(per_month=1)
    >>> len(outages), sorted(outages[0])
    (18, ['cause', 'end', 'id', 'service', 'start'])
    """
    _check(seed, "seed", -(2**63), 2**63)
    _check(per_month, "per_month", 0, 1_000)
    rng = random.Random(seed + 1)
    utc = ZoneInfo("UTC")
    found: list[tuple[datetime, str, dict[str, Any]]] = []
    for m in range(MONTHS):
        month = date(FIRST_MONTH.year, FIRST_MONTH.month + m, 1)
        for service in _SERVICES:
            for _ in range(per_month):
                start = datetime(month.year, month.month, 1 + rng.randrange(28),
                                 rng.randrange(24), rng.randrange(60), tzinfo=utc)
                roll = rng.randrange(100)
                minutes = (rng.randrange(1, 5) if roll < 15
                           else rng.randrange(10, 90) if roll < 85
                           else rng.randrange(120, 360))
                item: dict[str, Any] = {
                    "service": service, "start": start.isoformat(),
                    "end": (start + timedelta(minutes=minutes)).isoformat(),
                    "cause": _draw(rng, ("power", "network", "change", "customer"),
                                   (20, 40, 30, 10))}
                if rng.randrange(100) < 20:
                    item["customer"] = sorted(_CUSTOMERS)[rng.randrange(len(_CUSTOMERS))]
                found.append((start, service, item))
    found.sort(key=lambda f: (f[0], f[1]))
    return tuple({"id": f"OUT-{n:04d}", **item} for n, (_, _, item) in enumerate(found, 1))


def provider_exercises(*, seed: int = 2025) -> tuple[dict[str, Any], ...]:
    """The recovery exercises of the three services over the six months, as the plain data
    ``Exercise.from_dict`` reads: each disrupted one evening, recovered some hours later,
    restored to a point before the disruption, and back to normal business after it.

    >>> [(e["service"], e["disrupted_at"][:7]) for e in provider_exercises()]
    [('vpn', '2025-02'), ('email', '2025-03'), ('erp', '2025-04'), ('vpn', '2025-05'), ('email', '2025-06')]
    """
    _check(seed, "seed", -(2**63), 2**63)
    rng = random.Random(seed + 2)
    utc = ZoneInfo("UTC")
    found = []
    for service in _SERVICES:
        for month in _CONTINUITY[service][0]:
            disrupted = datetime(2025, month, 1 + rng.randrange(27), 20, tzinfo=utc)
            recovered = disrupted + timedelta(minutes=rng.randrange(60, 300))
            found.append({"service": service, "disrupted_at": disrupted.isoformat(),
                          "recovered_at": recovered.isoformat(),
                          "restored_to": (disrupted - timedelta(
                              minutes=rng.randrange(30, 1_200))).isoformat(),
                          "resumed_at": (recovered + timedelta(
                              minutes=rng.randrange(30, 300))).isoformat()})
    found.sort(key=lambda e: (e["disrupted_at"], e["service"]))
    return tuple(found)


def provider_backups(*, seed: int = 2025) -> tuple[dict[str, Any], ...]:
    """The nightly backups (02:00 UTC) of the three services up to the end of June, as the
    plain data ``BackupRun.from_dict`` reads; about one in thirty fails.

    >>> backups = provider_backups()
    >>> backups[0], sum(1 for b in backups if not b["ok"]) > 0
    ({'service': 'email', 'at': '2024-12-31T02:00:00+00:00', 'ok': True}, True)
    """
    _check(seed, "seed", -(2**63), 2**63)
    rng = random.Random(seed + 3)
    utc = ZoneInfo("UTC")
    out = []
    for service in _SERVICES:
        day = _CONTINUITY[service][1]
        while day < PROVIDER_AS_OF.date():
            out.append({"service": service,
                        "at": datetime(day.year, day.month, day.day, 2, tzinfo=utc).isoformat(),
                        "ok": rng.randrange(30) != 0})
            day += timedelta(days=1)
    return tuple(out)

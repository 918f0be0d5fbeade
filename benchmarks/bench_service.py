"""The service report over many tickets and outages, against the SLA clocks alone.

Over the same tickets and outages, in one run, in CPU time (``time.process_time``, so
that other work on the machine does not count):

1. the SLA clocks alone: each ticket evaluated by the definitions its agreements measure;
2. attainment (``service.attainment``: matching, periods, verdicts, availability);
3. the whole service report: attainment, the credits due (``credits_due``), every
   customer's ``ServiceReport`` and the ``PortfolioReport`` of the last period (what the
   ``service-report`` command builds before rendering);
4. with ``--whatif``, a what-if (``service.whatif.what_if``) of one agreement measured by a
   tighter definition.

Each figure is also given as a ratio to the clocks alone: the cost of the layer above.
Before each timed part the benchmark runs a full garbage collection, so that the debt of
building a million synthetic tickets is not paid inside whichever part happens to
trigger the next full collection (the library itself never touches ``gc``).

    python benchmarks/bench_service.py --full     # 1,000,000 tickets, 100,000 outages
    python benchmarks/bench_service.py            # 200,000 tickets, 20,000 outages
    python benchmarks/bench_service.py --quick    # 20,000 tickets, 2,000 outages
    python benchmarks/bench_service.py --quick --whatif

Every size has 50 customers.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from datetime import datetime, timedelta, timezone

from itsm_core.cli.service_report import build_reports
from itsm_core.service.agreement import Agreement
from itsm_core.service.attainment import attainment
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.credits_due import credits_due
from itsm_core.service.outages import ServiceOutage
from itsm_core.sla import TicketEvent

UTC = timezone.utc
CUSTOMERS = [f"c{i:02d}" for i in range(50)]
SERVICES = ["email", "vpn", "crm"]
CREDITS = {"rules": [{"kind": "tiers", "target": "fix", "bands": [
                         {"from": "85%", "to": "90%", "credit": "5%"},
                         {"from": "0%", "to": "85%", "credit": "10%"}]},
                     {"kind": "linear", "target": "availability", "per_point": "2%"},
                     {"kind": "per_breach", "target": "P1 fix", "amount": "50.00"}],
           "cap": "20%"}


def sla(customer: str, definition: str = "fix") -> dict[str, object]:
    """The SLA of one customer."""
    return {"name": f"sla-{customer}", "from": "2025-01-01", "customers": [customer],
            "calendar": "office", "definitions": list(dict.fromkeys(["fix", definition])),
            "workload": {"limit": 5000},
            "targets": [{"name": "fix", "definition": definition, "at_least": "90%"},
                        {"name": "P1 fix", "definition": "fix", "priorities": ["P1"],
                         "at_least": "95%"},
                        {"name": "availability", "kind": "availability",
                         "at_least": "99.5%"}],
            "fee": "10000.00", "currency": "EUR", "credits": CREDITS}


def catalogue() -> Catalogue:
    hours = {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    return Catalogue.from_dict({
        "calendars": {"office": {"timezone": "Europe/London", "hours": hours}},
        "definitions": [{"name": "fix", "calendar": "office",
                         "targets": {"P1": "PT4H", "P2": "PT8H", "P3": "P2D"},
                         "stop": {"state_in": ["Resolved"]}},
                        {"name": "desk", "calendar": "office",
                         "targets": {"P1": "PT2H", "P2": "PT4H", "P3": "P1D"},
                         "stop": {"state_in": ["Resolved"]}}],
        "services": [{"name": s} for s in SERVICES],
        "customers": [{"name": c} for c in CUSTOMERS],
        "agreements": [
            *(sla(c) for c in CUSTOMERS),
            {"name": "ola-desk", "kind": "ola", "from": "2025-01-01", "definitions": ["desk"],
             "targets": [{"name": "desk", "definition": "desk", "at_least": "90%"}]}]})


def tickets(n: int) -> list[tuple[str, list[TicketEvent]]]:
    rng = random.Random(13)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        at = start + timedelta(minutes=rng.randrange(180 * 24 * 60))
        fields = {"customer": rng.choice(CUSTOMERS), "service": rng.choice(SERVICES)}
        priority = rng.choice(("P1", "P2", "P3"))
        out.append((f"T{i}", [TicketEvent(at, "New", priority, fields),
                              TicketEvent(at + timedelta(hours=rng.randrange(1, 60)),
                                          "Resolved", priority, fields)]))
    return out


def outages(n: int) -> list[ServiceOutage]:
    rng = random.Random(14)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        at = start + timedelta(minutes=rng.randrange(180 * 24 * 60))
        out.append(ServiceOutage.from_dict({
            "id": f"O{i}", "service": rng.choice(SERVICES), "start": at.isoformat(),
            "end": (at + timedelta(minutes=rng.randrange(1, 120))).isoformat(),
            "customer": rng.choice([None, *CUSTOMERS])}))
    return out


def main() -> None:
    if "--full" in sys.argv:
        n, m = 1_000_000, 100_000
    elif "--quick" in sys.argv:
        n, m = 20_000, 2_000
    else:
        n, m = 200_000, 20_000
    cat = catalogue()
    data, downs = tickets(n), outages(m)
    fix, desk = cat.definition("fix"), cat.definition("desk")

    gc.collect()
    began = time.process_time()
    for name, events in data:
        fix.evaluate(events, None, name, strict=False)
        desk.evaluate(events, None, name, strict=False)
    clocks = time.process_time() - began

    gc.collect()
    began = time.process_time()
    found = attainment(cat, data, downs)
    layer = time.process_time() - began

    gc.collect()
    began = time.process_time()
    due = credits_due(cat, found)
    credited = time.process_time() - began
    began = time.process_time()
    reports, portfolio = build_reports(cat, found, period=None)
    reported = time.process_time() - began
    whole = layer + credited + reported

    print(f"{n:,} tickets, {m:,} outages, {len(CUSTOMERS)} customers: "
          f"{len(found.results):,} target results, {len(due)} credited agreements, "
          f"{len(reports)} customer reports"
          f"{'' if portfolio is None else ' and the portfolio of ' + portfolio.period}")
    print("CPU time (time.process_time)")
    print(f"SLA clocks alone:  {clocks:7.2f} s")
    print(f"attainment:        {layer:7.2f} s  (ratio {layer / clocks:.2f})")
    print(f"  credits_due:     {credited:7.2f} s")
    print(f"  reports:         {reported:7.2f} s")
    print(f"service report:    {whole:7.2f} s  (ratio {whole / clocks:.2f})")
    if "--whatif" in sys.argv:
        try:
            from itsm_core.service.whatif import what_if  # noqa: PLC0415 - optional part
        except ImportError:
            print("what-if:           not available")
            return
        tighter = Agreement.from_dict(sla(CUSTOMERS[0], "desk"))
        gc.collect()
        began = time.process_time()
        changes = what_if(cat, tighter, data, downs)
        spent = time.process_time() - began
        print(f"what-if:           {spent:7.2f} s  (ratio {spent / clocks:.2f}; "
              f"{changes.changed:,} tickets changed, {len(changes.targets)} targets changed)")


if __name__ == "__main__":
    main()

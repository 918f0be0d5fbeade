"""Attainment over many tickets and outages, against the SLA clocks alone.

Compares, over the same tickets: (1) the clocks alone, each ticket evaluated by the
definitions its agreements measure, and (2) ``service.attainment`` over the catalogue
(matching, periods, verdicts, availability).  The ratio is the cost of the layer above
the clocks.

    python benchmarks/bench_service.py            # 1,000,000 tickets, 100,000 outages
    python benchmarks/bench_service.py --quick    # 20,000 tickets, 2,000 outages
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta, timezone

from itsm_core.service.attainment import attainment
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.outages import ServiceOutage
from itsm_core.sla import TicketEvent

UTC = timezone.utc
CUSTOMERS = [f"c{i:02d}" for i in range(50)]
SERVICES = ["email", "vpn", "crm"]


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
            *({"name": f"sla-{c}", "from": "2025-01-01", "customers": [c],
               "calendar": "office", "definitions": ["fix"], "workload": {"limit": 5000},
               "targets": [{"name": "fix", "definition": "fix", "at_least": "90%"},
                           {"name": "P1 fix", "definition": "fix", "priorities": ["P1"],
                            "at_least": "95%"},
                           {"name": "availability", "kind": "availability",
                            "at_least": "99.5%"}]} for c in CUSTOMERS),
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
    quick = "--quick" in sys.argv
    n, m = (20_000, 2_000) if quick else (1_000_000, 100_000)
    cat = catalogue()
    data, downs = tickets(n), outages(m)
    fix, desk = cat.definition("fix"), cat.definition("desk")
    began = time.perf_counter()
    for name, events in data:
        fix.evaluate(events, None, name, strict=False)
        desk.evaluate(events, None, name, strict=False)
    clocks = time.perf_counter() - began
    began = time.perf_counter()
    result = attainment(cat, data, downs)
    layer = time.perf_counter() - began
    print(f"{n:,} tickets, {m:,} outages, {len(CUSTOMERS)} customers: "
          f"{len(result.results):,} target results")
    print(f"SLA clocks alone: {clocks:.2f} s")
    print(f"attainment:       {layer:.2f} s  (ratio {layer / clocks:.2f})")


if __name__ == "__main__":
    main()

"""Attainment against a slow, obviously correct re-count of every ticket and availability
result: which tickets count, in which order, which are excluded and why, the workload,
and which outages count in each period (see docs/service.md, Attainment)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.service._plan import PeriodIndex, Slot
from itsm_core.service.attainment import AttainmentAccumulator, attainment
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.period import period_bounds, period_of
from itsm_core.sla import Stage, TicketEvent

UTC = timezone.utc
START = datetime(2025, 1, 25, tzinfo=UTC)


def catalogue(limit: int | None) -> Catalogue:
    gold = {"name": "gold", "from": "2025-01-01", "customers": ["acme", "globex"],
            "calendar": "sydney", "definitions": ["fix"],
            "targets": [{"name": "fix", "definition": "fix", "at_least": "50%"},
                        {"name": "P1 fix", "definition": "fix", "priorities": ["P1"],
                         "at_least": "90%"},
                        {"name": "up", "kind": "availability", "at_least": "99%"}],
            "exclusions": {"causes": ["customer"], "min_outage": "PT20M",
                           "before_service_start": True}}
    if limit is not None:
        gold["workload"] = {"limit": limit}
    return Catalogue.from_dict({
        "calendars": {"sydney": {"timezone": "Australia/Sydney",
                                 "hours": {d: [["00:00", "24:00"]] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}},
        # a reopened ticket gets a new cycle: two cycles of one ticket, often in one period
        "definitions": [{"name": "fix", "calendar": "sydney",
                         "targets": {"P1": "PT4H", "P2": "PT8H"}, "on_reopen": "new_cycle",
                         "stop": {"state_in": ["Resolved"]}}],
        "services": [{"name": "email", "start": "2025-02-10"}, {"name": "vpn"}],
        "customers": [{"name": "acme"}, {"name": "globex"}],
        "agreements": [gold]})


def ticket(hour: int, fix: int, again: int | None, priority: str, customer: str,
           service: str, cause: str | None) -> list[TicketEvent]:
    fields = {"customer": customer, "service": service, "cause": cause}
    at = START + timedelta(hours=hour)
    events = [TicketEvent(at, "New", priority, fields),
              TicketEvent(at + timedelta(hours=fix), "Resolved", priority, fields)]
    if again is not None:
        back = at + timedelta(hours=fix + again)
        events += [TicketEvent(back, "Active", priority, fields),
                   TicketEvent(back + timedelta(hours=fix), "Resolved", priority, fields)]
    return events


def reference_tickets(cat: Catalogue, tickets: list[tuple[str, list[TicketEvent]]],
                      limit: int | None) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Every (customer, target, period) of a ticket target: tickets, breaches, excluded."""
    zone = cat.zone_of("gold")
    definition = cat.definition("fix")
    starts = {"email": datetime(2025, 2, 10, tzinfo=UTC)}  # the service has no calendar: UTC
    # the workload: tickets per customer and period of the first event, in order of it
    taken: dict[tuple[str, str], list[tuple[datetime, int]]] = {}
    for seq, (_, events) in enumerate(tickets):
        customer = events[-1].fields["customer"]
        key = (customer, period_of(events[0].at, "month", zone))
        taken.setdefault(key, []).append((events[0].at, seq))
    beyond = set()
    for loads in taken.values():
        loads.sort()
        beyond |= {seq for _, seq in (loads[limit:] if limit is not None else [])}
    counted: dict[tuple[Any, ...], list[tuple[datetime, int, str, bool, str | None]]] = {}
    for seq, (name, events) in enumerate(tickets):
        fields = events[-1].fields
        reason = None
        if fields["cause"] == "customer":
            reason = "cause customer"
        elif fields["service"] in starts and events[0].at < starts[fields["service"]]:
            reason = "before the service start"
        elif seq in beyond:
            reason = f"beyond the workload limit of {limit}"
        for cycle in definition.evaluate(events, ticket=name).cycles:
            if cycle.stage not in (Stage.MET, Stage.BREACHED):
                continue
            assert cycle.stopped_at is not None
            period = period_of(cycle.stopped_at, "month", zone)
            for target in ("fix", "P1 fix"):
                if target == "fix" or cycle.priority == "P1":
                    counted.setdefault((fields["customer"], target, period), []).append(
                        (events[0].at, seq, name, cycle.stage is Stage.MET, reason))
    out = {}
    for key, items in counted.items():
        items.sort(key=lambda item: (item[0], item[1]))
        kept = [item for item in items if item[4] is None]
        out[key] = (tuple(dict.fromkeys(i[2] for i in kept)),
                    tuple(dict.fromkeys(i[2] for i in kept if not i[3])),
                    sum(i[3] for i in kept), sum(not i[3] for i in kept),
                    tuple(dict.fromkeys((i[2], i[4]) for i in items if i[4] is not None)))
    return out


def reference_outages(cat: Catalogue, outages: list[ServiceOutage], customer: str,
                      service: str, period: str, horizon: datetime,
                      ) -> tuple[tuple[Any, ...], tuple[tuple[Any, str], ...]]:
    """The outages counted and excluded (with reasons) in one period, in input order."""
    zone = cat.zone_of("gold")
    lo, hi = period_bounds(period, zone)
    lo, hi = max(lo, datetime(2025, 1, 1, tzinfo=zone)), min(hi, horizon)
    start = max(lo, datetime(2025, 2, 10, tzinfo=UTC)) if service == "email" else lo
    counted, excluded = [], []
    for item in outages:
        raw = item.outage
        if item.service != service or item.customer not in (None, customer):
            continue
        assert raw.end is not None
        if raw.start >= hi or raw.end <= lo:
            continue
        if raw.end <= start:
            excluded.append((item.id, "before the service start"))
        elif item.cause == "customer":
            excluded.append((item.id, "cause customer"))
        elif raw.end - raw.start < timedelta(minutes=20):
            excluded.append((item.id, "shorter than PT20M"))
        else:
            counted.append(item.id)
    return tuple(counted), tuple(excluded)


raw_tickets = st.lists(st.tuples(st.integers(0, 24 * 60), st.integers(1, 12),
                                 st.none() | st.integers(0, 30), st.sampled_from(["P1", "P2"]),
                                 st.sampled_from(["acme", "globex"]),
                                 st.sampled_from(["email", "vpn"]),
                                 st.sampled_from([None, None, "customer"])), max_size=30)
raw_outages = st.lists(st.tuples(st.integers(0, 24 * 60), st.integers(1, 24 * 60 * 3),
                                 st.sampled_from(["email", "vpn"]),
                                 st.sampled_from([None, "acme", "globex"]),
                                 st.sampled_from([None, None, "customer"])), max_size=20)


@settings(max_examples=60, deadline=None)
@given(raw_tickets, raw_outages, st.sampled_from([None, 0, 1, 3]))
def test_results_equal_a_slow_recount(tickets_raw: list[Any], outages_raw: list[Any],
                                      limit: int | None) -> None:
    cat = catalogue(limit)
    tickets = [(f"T{i}", ticket(*row)) for i, row in enumerate(tickets_raw)]
    outages = [ServiceOutage.from_dict({
        "id": f"O{i}", "service": service, "customer": customer, "cause": cause,
        "start": (START + timedelta(hours=h)).isoformat(),
        "end": (START + timedelta(hours=h, minutes=m)).isoformat()})
        for i, (h, m, service, customer, cause) in enumerate(outages_raw)]
    found = attainment(cat, tickets, outages)
    expected = reference_tickets(cat, tickets, limit)
    got = {(r.customer, r.target, r.period): (r.tickets, r.breaches, r.met, r.missed,
                                              tuple((e.item, e.reason) for e in r.excluded))
           for r in found.results if r.kind == "tickets"}
    assert {k: v for k, v in got.items() if any(v)} == expected
    for r in found.results:
        if r.kind == "tickets" and r.volume:
            assert r.measured == Fraction(r.met, r.volume)
    instants = [e.at for _, events in tickets for e in events] + [
        t for o in outages for t in (o.outage.start, o.outage.end) if t is not None]
    for r in found.results:
        if r.kind == "availability":
            assert r.customer is not None and r.service is not None
            ids, excluded = reference_outages(cat, outages, r.customer, r.service, r.period,
                                              max(instants))
            assert (r.outages, tuple((e.item, e.reason) for e in r.excluded)) == (
                ids, excluded)
    # the workload: every ticket counted once, in the period of its first event
    assert sum(w.count for w in found.workload) == len(tickets)
    if limit is not None:
        assert all(len(w.excluded) == max(0, w.count - limit) for w in found.workload)


def test_a_slot_merges_counts_loads_and_contributions() -> None:
    cat = catalogue(2)
    one, two = AttainmentAccumulator(cat), AttainmentAccumulator(cat)
    one.add_ticket(ticket(0, 1, None, "P1", "acme", "vpn", None), "A")
    two.add_ticket(ticket(1, 9, None, "P1", "acme", "vpn", "customer"), "B")
    one.merge(two)
    slot = one._slots["gold", "acme"]
    assert isinstance(slot, Slot) and slot.static
    assert slot.loads == {"2025-01": [(slot.loads["2025-01"][0][0], 0, "A"),
                                      (slot.loads["2025-01"][1][0], 1, "B")]}
    assert [item[1:] for item in slot.found[0]["2025-01"]] == [
        (0, "A", True, None), (1, "B", False, "cause customer")]
    assert slot.route("fix", "P2") == (slot.found[0],)


def test_period_index_of_is_the_call() -> None:
    keys = PeriodIndex("week", UTC)
    assert keys.of(0) == keys(0) == "1970-W01"

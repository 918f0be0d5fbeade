"""Attainment: cycles into periods, verdicts, workload, exclusions, availability, merge."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.service.attainment import AttainmentAccumulator, attainment
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.result import Verdict
from itsm_core.sla import TicketEvent

UTC = timezone.utc
ALWAYS = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def catalogue(**agreement: Any) -> Catalogue:
    gold = {"name": "gold", "from": "2025-01-01", "customers": ["acme", "globex"],
            "calendar": "sydney", "definitions": ["fix"],
            "targets": [{"name": "fix", "definition": "fix", "at_least": "50%"},
                        {"name": "P1 fix", "definition": "fix", "priorities": ["P1"],
                         "at_least": "90%", "small_volume": {"below": 3, "max_misses": 1}},
                        {"name": "up", "kind": "availability", "at_least": "99%",
                         "services": ["email"]}]}
    gold.update(agreement)
    return Catalogue.from_dict({
        "calendars": {"sydney": {"timezone": "Australia/Sydney", "hours": ALWAYS}},
        "definitions": [{"name": "fix", "calendar": "sydney", "targets": {"P1": "PT4H",
                                                                         "P2": "PT8H"},
                         "stop": {"state_in": ["Resolved"]},
                         "cancel": {"state_in": ["Cancelled"]}}],
        "services": [{"name": "email", "start": "2025-01-01"}, {"name": "vpn"}],
        "customers": [{"name": "acme", "aliases": ["ACME Corp"]}, {"name": "globex"}],
        "agreements": [gold]})


def ticket(start: datetime, hours: float | None, priority: str = "P1", customer: str = "acme",
           end_state: str = "Resolved", **fields: Any) -> list[TicketEvent]:
    data = {"customer": customer, "service": "email", **fields}
    events = [TicketEvent(start, "New", priority, data)]
    if hours is not None:
        events.append(TicketEvent(start + timedelta(hours=hours), end_state, priority, data))
    return events


def find(result: Any, target: str, customer: str | None = "acme", period: str = "2025-03",
         service: str | None = None) -> Any:
    return next(r for r in result.results if r.target == target and r.customer == customer
                and r.period == period and r.service == service)


T0 = datetime(2025, 3, 10, 0, tzinfo=UTC)


def test_met_missed_and_rules() -> None:
    tickets = [("A", ticket(T0, 1)), ("B", ticket(T0, 5)), ("C", ticket(T0, 2, "P2"))]
    result = attainment(catalogue(), tickets, as_of=T0 + timedelta(days=1))
    fix = find(result, "fix")
    assert (fix.volume, fix.met, fix.missed, fix.measured) == (3, 2, 1, Fraction(2, 3))
    assert fix.verdict is Verdict.MET and fix.rule == "at least 50%"
    assert fix.tickets == ("A", "B", "C") and fix.breaches == ("B",)
    p1 = find(result, "P1 fix")
    assert (p1.volume, p1.missed, p1.verdict) == (2, 1, Verdict.MET)
    assert p1.rule == "at most 1 misses (fewer than 3 cycles)"
    quiet = find(result, "fix", customer="globex")
    assert quiet.verdict is Verdict.NOT_ENOUGH_VOLUME and quiet.measured is None


def test_cycle_counts_in_the_period_of_its_stop_in_local_time() -> None:
    # opened 30 March (UTC), resolved 31 March 14:00 UTC = 1 April 01:00 in Sydney
    opened = datetime(2025, 3, 31, 12, tzinfo=UTC)
    result = attainment(catalogue(), [("A", ticket(opened, 2))])
    assert find(result, "fix", period="2025-04").tickets == ("A",)


def test_pending_breached_running_and_cancelled() -> None:
    as_of = T0 + timedelta(hours=6)
    tickets = [("run", ticket(T0 + timedelta(hours=5), None)),        # 1h in: pending
               ("late", ticket(T0, None)),                             # 6h in: breached
               ("gone", ticket(T0, 1, end_state="Cancelled"))]
    result = attainment(catalogue(), tickets, as_of=as_of)
    fix = find(result, "fix")
    assert fix.tickets == ("late",) and fix.breaches == ("late",)
    assert {(p.ticket, p.target, p.stage) for p in result.pending} == {
        ("run", "fix", "running"), ("run", "P1 fix", "running")}


def test_not_covered_and_not_evaluated_are_listed() -> None:
    tickets = [("X", ticket(T0, 1, customer="initech")),
               ("Y", ticket(T0, 1, priority="P9")),
               ("Z", ticket(T0, 1, customer="ACME Corp"))]
    result = attainment(catalogue(), tickets)
    assert [(n.ticket, n.reason) for n in result.not_covered] == [
        ("X", "no SLA matches (customer initech, service email)")]
    assert [(n.ticket, n.definition) for n in result.not_evaluated] == [("Y", "fix")]
    assert find(result, "fix").tickets == ("Z",)


def test_workload_limit_excludes_later_tickets() -> None:
    cat = catalogue(workload={"limit": 2})
    tickets = [(name, ticket(T0 + timedelta(hours=h), 1)) for name, h in
               (("third", 3), ("first", 1), ("second", 2))]
    result = attainment(cat, tickets)
    fix = find(result, "fix")
    assert fix.tickets == ("first", "second")
    assert [(e.item, e.reason) for e in fix.excluded] == [
        ("third", "beyond the workload limit of 2")]
    usage = next(w for w in result.workload if w.customer == "acme")
    assert (usage.count, usage.limit, usage.excluded) == (3, 2, ("third",))


def test_cause_exclusion() -> None:
    cat = catalogue(exclusions={"causes": ["customer"]})
    result = attainment(cat, [("A", ticket(T0, 9, cause="customer")), ("B", ticket(T0, 1))])
    fix = find(result, "fix")
    assert fix.tickets == ("B",) and [e.item for e in fix.excluded] == ["A"]


def outage(ident: str, start: datetime, minutes: int, **extra: Any) -> ServiceOutage:
    return ServiceOutage.from_dict({"id": ident, "service": "email", "start": start.isoformat(),
                                    "end": (start + timedelta(minutes=minutes)).isoformat(),
                                    **extra})


def test_availability_with_exclusions() -> None:
    cat = catalogue(exclusions={"causes": ["customer"], "min_outage": "PT5M"})
    outages = [outage("big", T0, 600), outage("tiny", T0, 4), outage("theirs", T0, 60,
               cause="customer"), outage("other", T0, 60, customer="globex")]
    as_of = datetime(2025, 3, 31, 13, tzinfo=UTC)  # 1 April 00:00 in Sydney
    result = attainment(cat, [], outages, as_of=as_of)
    up = find(result, "up", service="email")
    assert up.outages == ("big",)
    assert {(e.item, e.reason) for e in up.excluded} == {("tiny", "shorter than PT5M"),
                                                         ("theirs", "cause customer")}
    assert up.agreed_time == timedelta(days=31)  # Sydney keeps summer time until 6 April
    assert up.downtime == timedelta(hours=10)
    assert up.measured == 1 - Fraction(10 * 60, up.agreed_time // timedelta(minutes=1))
    assert up.verdict is Verdict.MISSED  # 10 h of 744 h: 98.66% < 99%
    globex = find(result, "up", customer="globex", service="email")
    assert globex.outages == ("big", "other")


def reference(result: Any, tickets: list[tuple[str, list[TicketEvent]]],
              cat: Catalogue) -> dict[tuple[str | None, str], tuple[int, int]]:
    """Slow re-count of the 'fix' target per (customer, period) from the SLA outcomes."""
    out: dict[tuple[str | None, str], tuple[int, int]] = {}
    definition = cat.definition("fix")
    zone = cat.zone_of("gold")
    for name, events in tickets:
        customer = cat.customer_of(events[-1].fields["customer"])
        for cycle in definition.evaluate(events, ticket=name).cycles:
            if cycle.stage.value in ("met", "breached"):
                assert cycle.stopped_at is not None
                key = (customer, cycle.stopped_at.astimezone(zone).strftime("%Y-%m"))
                met, missed = out.get(key, (0, 0))
                out[key] = (met + (cycle.stage.value == "met"),
                            missed + (cycle.stage.value == "breached"))
    return out


tickets_strategy = st.lists(st.tuples(st.integers(0, 24 * 90), st.integers(0, 12),
                                      st.sampled_from(["P1", "P2"]),
                                      st.sampled_from(["acme", "globex", "ACME Corp"])),
                            max_size=25)


def build(raw: list[tuple[int, int, str, str]]) -> list[tuple[str, list[TicketEvent]]]:
    start = datetime(2025, 1, 20, tzinfo=UTC)
    return [(f"T{i}", ticket(start + timedelta(hours=h), d, p, c))
            for i, (h, d, p, c) in enumerate(raw)]


@settings(max_examples=40, deadline=None)
@given(tickets_strategy, st.data())
def test_any_split_merged_equals_one_pass(raw: list[Any], data: st.DataObject) -> None:
    cat = catalogue(workload={"limit": 3})
    tickets = build(raw)
    outages = [outage(f"O{i}", datetime(2025, 2, 1, tzinfo=UTC) + timedelta(hours=7 * i), 30)
               for i in range(3)]
    whole = attainment(cat, tickets, outages)
    cut = data.draw(st.integers(0, len(tickets)))
    ocut = data.draw(st.integers(0, len(outages)))
    left, right = AttainmentAccumulator(cat), AttainmentAccumulator(cat)
    for name, events in tickets[:cut]:
        left.add_ticket(events, name)
    for name, events in tickets[cut:]:
        right.add_ticket(events, name)
    for item in outages[:ocut]:
        left.add_outage(item)
    for item in outages[ocut:]:
        right.add_outage(item)
    left.merge(right)
    assert left.result() == whole


@settings(max_examples=40, deadline=None)
@given(tickets_strategy)
def test_counts_match_a_slow_reference(raw: list[Any]) -> None:
    cat = catalogue()
    tickets = build(raw)
    result = attainment(cat, tickets)
    expected = reference(result, tickets, cat)
    got = {(r.customer, r.period): (r.met, r.missed) for r in result.results
           if r.target == "fix" and r.volume}
    assert got == expected
    for r in result.results:
        if r.kind == "tickets" and r.volume:
            assert r.measured == Fraction(r.met, r.volume)
            assert (r.verdict is Verdict.MET) == (
                r.measured >= r.goal if r.target == "fix" else
                (r.volume < 3 and r.missed <= 1) or (r.volume >= 3 and r.measured >= r.goal))

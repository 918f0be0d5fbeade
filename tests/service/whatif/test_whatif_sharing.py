"""What-if shares the clocks: each definition both catalogues hold equal is evaluated once per
ticket, an agreement the proposal cannot change is measured once, and every target result and
credit is still exactly what two separate attainment runs give."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_whatif import gold  # the agreement both suites vary

from itsm_core.availability import Outage
from itsm_core.errors import ArgumentTypeError
from itsm_core.service.agreement import Agreement
from itsm_core.service.attainment import attainment
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.credits_due import credits_due
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.whatif import proposed_catalogue, what_if
from itsm_core.sla import SlaDefinition, TicketEvent

UTC = timezone.utc
ALWAYS = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
START = datetime(2025, 1, 20, tzinfo=UTC)


def anyone(**changes: Any) -> dict[str, Any]:
    return {**gold(), "name": "any", "customers": [], **changes}


def desk() -> dict[str, Any]:
    return {"name": "desk", "kind": "ola", "from": "2025-01-01",
            "targets": [{"name": "desk", "definition": "fix-2h", "at_least": "80%"}]}


def catalogue(*agreements: dict[str, Any], fix_p1: str = "PT4H",
              services: tuple[str, ...] = ("email", "vpn")) -> Catalogue:
    return Catalogue.from_dict({
        "calendars": {"always": {"timezone": "UTC", "hours": ALWAYS},
                      "sydney": {"timezone": "Australia/Sydney", "hours": ALWAYS}},
        "definitions": [
            {"name": "fix", "calendar": "always", "targets": {"P1": fix_p1, "P2": "PT8H"},
             "stop": {"state_in": ["Resolved"]}},
            {"name": "fix-2h", "calendar": "always", "targets": {"P1": "PT2H", "P2": "PT8H"},
             "stop": {"state_in": ["Resolved"]}}],
        "services": [{"name": s} for s in services],
        "customers": [{"name": "acme"}, {"name": "globex"}],
        "agreements": list(agreements) or [gold(), anyone(), desk()]})


def ticket(start: datetime, hours: int | None, priority: str, customer: str
           ) -> list[TicketEvent]:
    data = {"customer": customer, "service": "email"}
    events = [TicketEvent(start, "New", priority, data)]
    if hours is not None:
        events.append(TicketEvent(start + timedelta(hours=hours), "Resolved", priority, data))
    return events


def histories() -> st.SearchStrategy[list[tuple[str, list[TicketEvent]]]]:
    one = st.tuples(st.integers(0, 40 * 24), st.one_of(st.none(), st.integers(0, 12)),
                    st.sampled_from(["P1", "P2"]), st.sampled_from(["acme", "globex", "x"]))
    return st.lists(one, max_size=20).map(lambda raw: [
        (f"T{i}", ticket(START + timedelta(hours=h), d, p, c))
        for i, (h, d, p, c) in enumerate(raw)])


def outages() -> list[ServiceOutage]:
    return [ServiceOutage(id=f"O{i}", outage=Outage(
        START + timedelta(hours=50 * i), START + timedelta(hours=50 * i, minutes=30 * i + 30),
        service="email"), customer=("acme", None)[i % 2]) for i in range(6)]


# each a proposal against catalogue(): an agreement, or a whole catalogue
PROPOSALS: dict[str, Any] = {
    "credits": lambda: Agreement.from_dict(gold(credits={"rules": [
        {"kind": "per_breach", "target": "fix", "amount": "25.00"}], "cap": "4%"})),
    "tighter": lambda: Agreement.from_dict(gold(targets=[
        {"name": "fix", "definition": "fix-2h", "at_least": "50%"}])),
    "calendar": lambda: Agreement.from_dict(gold(calendar="sydney")),
    "workload": lambda: Agreement.from_dict(gold(workload={"limit": 2})),
    "min_outage": lambda: Agreement.from_dict(gold(exclusions={"min_outage": "PT45M"})),
    "customers": lambda: Agreement.from_dict(gold(customers=["acme"])),
    "ola": lambda: Agreement.from_dict({**desk(), "targets": [
        {"name": "desk", "definition": "fix", "at_least": "80%"}]}),
    "redefined": lambda: catalogue(fix_p1="PT2H"),
    "services": lambda: catalogue(services=("email", "vpn", "crm")),
    "same": lambda: Catalogue.from_dict(catalogue().to_dict()),
}


def reference(current: Catalogue, proposed: Catalogue, tickets: Any,
              downs: list[ServiceOutage]) -> tuple[set[Any], dict[Any, Any]]:
    """The target results and credits that differ, from two separate attainment runs."""
    before = attainment(current, tickets, downs)
    after = attainment(proposed, tickets, downs)

    def index(found: Any) -> dict[Any, Any]:
        return {(r.agreement, r.customer, r.target, r.service, r.period): r
                for r in found.results}

    old, new = index(before), index(after)
    targets = {(key, old.get(key), new.get(key)) for key in old.keys() | new.keys()
               if key not in old or key not in new
               or (old[key].measured, old[key].verdict) != (new[key].measured,
                                                            new[key].verdict)}

    def credited(cat: Catalogue, found: Any) -> dict[Any, Any]:
        return {(name, customer, c.period): (c.total, c.lines)
                for (name, customer), periods in credits_due(cat, found).items()
                for c in periods}

    x, y = credited(current, before), credited(proposed, after)
    credits = {key: (x.get(key), y.get(key)) for key in x.keys() | y.keys()
               if x.get(key) != y.get(key)}
    return targets, credits


@pytest.mark.parametrize("kind", sorted(PROPOSALS))
@settings(max_examples=25, deadline=None)
@given(tickets=histories())
def test_targets_and_credits_are_those_of_two_attainment_runs(tickets: Any, kind: str
                                                              ) -> None:
    cat, proposal = catalogue(), PROPOSALS[kind]()
    downs = outages()
    found = what_if(cat, proposal, tickets, downs)
    targets, credits = reference(cat, proposed_catalogue(cat, proposal), tickets, downs)
    assert {((c.agreement, c.customer, c.target, c.service, c.period), c.before, c.after)
            for c in found.targets} == targets
    assert {(c.agreement, c.customer, c.period): (
        None if c.before is None else (c.before, c.lines_before),
        None if c.after is None else (c.after, c.lines_after)) for c in found.credits
        } == credits
    if kind == "same":
        assert found.unchanged


def counting(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record the definition name and ticket of every ``SlaDefinition.evaluate`` call."""
    calls: list[Any] = []
    original = SlaDefinition.evaluate

    def evaluate(self: SlaDefinition, *args: Any, **kwargs: Any) -> Any:
        calls.append((self.name, args[2] if len(args) > 2 else kwargs.get("ticket")))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SlaDefinition, "evaluate", evaluate)
    return calls


def sample() -> list[tuple[str, list[TicketEvent]]]:
    return [(f"T{i}", ticket(START + timedelta(hours=7 * i), i % 5, "P1P2"[i % 2 * 2:][:2],
                             ("acme", "globex", "x")[i % 3])) for i in range(12)]


def test_a_definition_both_catalogues_hold_is_evaluated_once_per_ticket(
        monkeypatch: pytest.MonkeyPatch) -> None:
    tickets = sample()
    calls = counting(monkeypatch)
    attainment(catalogue(), tickets)
    alone = list(calls)
    assert alone and len(alone) == len(set(alone))  # once per definition and ticket
    for kind in ("credits", "calendar", "workload", "customers", "same"):
        calls.clear()
        what_if(catalogue(), PROPOSALS[kind](), tickets)
        assert sorted(calls) == sorted(alone), kind
    # a target moved to another definition: that one is evaluated for gold's tickets only
    calls.clear()
    what_if(catalogue(), PROPOSALS["tighter"](), tickets)
    extra = [c for c in calls if c not in alone]
    assert sorted(set(calls)) == sorted(calls)
    assert extra == [] or all(name == "fix-2h" for name, _ in extra)
    gold_tickets = {name for name, events in tickets
                    if events[0].fields["customer"] in ("acme", "globex")}
    assert sorted(calls) == sorted([*alone, *(("fix-2h", t) for t in gold_tickets
                                              if ("fix-2h", t) not in alone)])
    # a same-named definition with other settings is evaluated again on the proposal's side
    calls.clear()
    what_if(catalogue(), PROPOSALS["redefined"](), tickets)
    assert sorted(calls) == sorted([*alone, *(c for c in alone if c[0] == "fix")])


def test_junk_tickets_are_named() -> None:
    event = TicketEvent(START, "New")
    cat = catalogue()
    junk: Any = ["INC2", 5, "OUT-1"]
    with pytest.raises(ArgumentTypeError, match=r"^tickets\[1\]: expected a \(ticket, "
                                                r"events\) pair, got 'INC2'"):
        what_if(cat, cat, [("INC1", [event]), junk[0]])
    with pytest.raises(ArgumentTypeError, match=r"^tickets\[0\] events\[1\]: expected a "
                                                r"TicketEvent, got int 5"):
        what_if(cat, cat, [("INC1", [event, junk[1]])])
    with pytest.raises(ArgumentTypeError, match=r"^outages\[0\]: expected a ServiceOutage"):
        what_if(cat, cat, [], [junk[2]])
    with pytest.raises(ArgumentTypeError, match=r"^outages: expected an iterable"):
        what_if(cat, cat, [], 3)  # type: ignore[arg-type]

"""What-if: a proposal replayed over the same history, compared with the catalogue in force."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.availability import Outage
from itsm_core.errors import ArgumentTypeError, ConfigError, UnknownNameError
from itsm_core.service.agreement import Agreement
from itsm_core.service.attainment import attainment
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.result import Verdict
from itsm_core.service.whatif import proposed_catalogue, what_if
from itsm_core.service.whatif_report import TicketChange
from itsm_core.sla import TicketEvent

UTC = timezone.utc
ALWAYS = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
OFFICE = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
T0 = datetime(2025, 3, 10, 0, tzinfo=UTC)  # a Monday


def gold(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "gold", "from": "2025-01-01", "customers": ["acme", "globex"],
        "targets": [{"name": "fix", "definition": "fix", "at_least": "50%"},
                    {"name": "P1 fix", "definition": "fix", "priorities": ["P1"],
                     "at_least": "90%"},
                    {"name": "up", "kind": "availability", "at_least": "99%",
                     "services": ["email"]}],
        "fee": "1000.00", "currency": "EUR",
        "credits": {"rules": [{"kind": "per_breach", "target": "fix", "amount": "10.00"}]}}
    data.update(changes)
    return data


def catalogue(*agreements: dict[str, Any], fix_p1: str = "PT4H") -> Catalogue:
    return Catalogue.from_dict({
        "calendars": {"always": {"timezone": "UTC", "hours": ALWAYS},
                      "office": {"timezone": "UTC", "hours": OFFICE},
                      "sydney": {"timezone": "Australia/Sydney", "hours": ALWAYS}},
        "definitions": [
            {"name": "fix", "calendar": "always", "targets": {"P1": fix_p1, "P2": "PT8H"},
             "stop": {"state_in": ["Resolved"]}, "cancel": {"state_in": ["Cancelled"]}},
            {"name": "fix-2h", "calendar": "always", "targets": {"P1": "PT2H", "P2": "PT8H"},
             "stop": {"state_in": ["Resolved"]}, "cancel": {"state_in": ["Cancelled"]}}],
        "services": [{"name": "email"}, {"name": "vpn"}],
        "customers": [{"name": "acme"}, {"name": "globex"}],
        "agreements": list(agreements) or [gold()]})


def ticket(start: datetime, hours: float | None, priority: str = "P1",
           customer: str = "acme") -> list[TicketEvent]:
    data = {"customer": customer, "service": "email"}
    events = [TicketEvent(start, "New", priority, data)]
    if hours is not None:
        events.append(TicketEvent(start + timedelta(hours=hours), "Resolved", priority, data))
    return events


def tighter() -> Agreement:
    data = gold()
    data["targets"][1] = {"name": "P1 fix", "definition": "fix-2h", "priorities": ["P1"],
                          "at_least": "90%"}
    return Agreement.from_dict(data)


def result_of(found: Any, target: str, period: str = "2025-03", customer: str = "acme") -> Any:
    return next(c for c in found.targets if (c.target, c.period, c.customer) ==
                (target, period, customer))


def test_a_tighter_target_flips_exactly_the_tickets_between_the_two_deadlines() -> None:
    tickets = [("A", ticket(T0, 1)),                       # met under both (1h < 2h)
               ("B", ticket(T0, 3)),                       # 3h: met in 4h, breached in 2h
               ("C", ticket(T0, 5)),                       # breached under both
               ("D", ticket(T0, 3, "P2")),                 # P2: not counted by "P1 fix"
               ("E", ticket(T0 + timedelta(hours=20), None))]  # running 3h at as_of
    as_of = T0 + timedelta(hours=23)
    found = what_if(catalogue(), tighter(), tickets, as_of=as_of)
    assert [(c.ticket, c.target, c.cycle, c.stage_before, c.stage_after,
             c.definition_before, c.definition_after) for c in found.tickets] == [
        ("B", "P1 fix", 0, "met", "breached", "fix", "fix-2h"),
        ("E", "P1 fix", 0, "running", "breached", "fix", "fix-2h")]
    assert (found.evaluated, found.changed) == (5, 2)
    # "P1 fix": before A, B met, C breached (E pending); after A met, B, C, E breached
    change = result_of(found, "P1 fix")
    assert (change.before.met, change.before.missed) == (2, 1)
    assert (change.after.met, change.after.missed) == (1, 3)
    assert change.after.measured == Fraction(1, 4) and change.after.verdict is Verdict.MISSED
    # the other targets do not change, nor do the credits ("fix" keeps its definition)
    assert {c.target for c in found.targets} == {"P1 fix"}
    assert found.credits == ()


def test_the_target_side_is_what_attainment_gives_for_each_catalogue() -> None:
    tickets = [(f"T{i}", ticket(T0 + timedelta(hours=5 * i), i % 6, "P1P2"[i % 2 * 2:][:2]))
               for i in range(12)]
    found = what_if(catalogue(), tighter(), tickets)
    before = {(r.target, r.period, r.customer): r for r in
              attainment(catalogue(), tickets).results}
    after = {(r.target, r.period, r.customer): r for r in
             attainment(proposed_catalogue(catalogue(), tighter()), tickets).results}
    for change in found.targets:
        key = (change.target, change.period, change.customer)
        assert change.before == before[key] and change.after == after[key]
    unchanged = set(before) - {(c.target, c.period, c.customer) for c in found.targets}
    assert unchanged and all((before[k].measured, before[k].verdict) ==
                             (after[k].measured, after[k].verdict) for k in unchanged)


def test_a_new_calendar_changes_availability_and_periods_not_ticket_verdicts() -> None:
    # an outage 02:00-06:00 on a Monday: outside office hours, inside 24x7
    night = ServiceOutage(id="O1", outage=Outage(T0 + timedelta(hours=2),
                                                 T0 + timedelta(hours=6), service="email"))
    found = what_if(catalogue(gold(calendar="always")),
                    Agreement.from_dict(gold(calendar="office")),
                    [("A", ticket(T0 + timedelta(hours=10), 1))], [night],
                    as_of=datetime(2025, 3, 31, 23, tzinfo=UTC))
    assert found.tickets == () and found.changed == 0
    up = result_of(found, "up")
    assert up.before.verdict is Verdict.MET and up.before.measured < 1
    assert up.after.measured == 1 and up.after.downtime == timedelta(0)
    # a Sydney calendar moves a cycle resolved 31 March 14:00 UTC into April (local time)
    late = datetime(2025, 3, 31, 12, tzinfo=UTC)
    moved = what_if(catalogue(gold(calendar="always")),
                    Agreement.from_dict(gold(calendar="sydney")), [("B", ticket(late, 2))])
    assert moved.tickets == ()
    assert result_of(moved, "fix", "2025-04").before is None
    assert result_of(moved, "fix", "2025-04").after.tickets == ("B",)
    assert result_of(moved, "fix", "2025-03").after.volume == 0


def test_a_new_credit_scheme_changes_credits_and_no_verdict() -> None:
    tickets = [("A", ticket(T0, 1)), ("B", ticket(T0, 5)), ("C", ticket(T0, 9, "P2"))]
    scheme = {"rules": [{"kind": "per_breach", "target": "fix", "amount": "25.00"}],
              "cap": "4%"}
    found = what_if(catalogue(), Agreement.from_dict(gold(credits=scheme)), tickets)
    assert found.tickets == () and found.targets == () and found.changed == 0
    [change] = found.credits
    # 2 breaches (B, C): 2 x 10.00 before; 2 x 25.00 = 50.00 capped at 4% of 1000.00 after
    assert (change.agreement, change.customer, change.period) == ("gold", "acme", "2025-03")
    assert (change.before, change.after, change.currency) == (
        Decimal("20.00"), Decimal("40.00"), "EUR")
    assert change.difference == Decimal("20.00")
    assert change.lines_after[0].tickets == ("B", "C")
    assert change.lines_after[0].cut == Decimal("10.00")


def test_a_changed_match_names_the_agreement_before_and_after() -> None:
    only_acme = Agreement.from_dict(gold(customers=["acme"]))
    anyone = {**gold(), "name": "any", "customers": []}
    cat = catalogue(gold(), anyone)
    found = what_if(cat, only_acme, [("A", ticket(T0, 1)),
                                      ("G", ticket(T0, 3, customer="globex"))])
    assert found.tickets == (TicketChange(
        ticket="G", agreement_before="gold", agreement_after="any", target=None,
        definition_before=None, definition_after=None, cycle=None, stage_before=None,
        stage_after=None),)
    assert str(found.tickets[0]) == "G: agreement gold -> any"
    assert found.changed == 1


def test_a_dropped_target_lists_the_cycles_it_counted() -> None:
    data = gold()
    data["targets"] = [t for t in data["targets"] if t["name"] != "P1 fix"]
    found = what_if(catalogue(), Agreement.from_dict(data),
                    [("A", ticket(T0, 1)), ("B", ticket(T0, 1, "P2"))])
    assert [(c.ticket, c.target, c.stage_before, c.stage_after) for c in found.tickets] == [
        ("A", "P1 fix", "met", None)]
    assert {(c.target, c.after) for c in found.targets} == {("P1 fix", None)}


def histories() -> st.SearchStrategy[list[tuple[str, list[TicketEvent]]]]:
    one = st.tuples(st.integers(0, 24 * 60), st.one_of(st.none(), st.integers(0, 12)),
                    st.sampled_from(["P1", "P2"]), st.sampled_from(["acme", "globex", "x"]))
    start = datetime(2025, 1, 20, tzinfo=UTC)
    return st.lists(one, max_size=20).map(lambda raw: [
        (f"T{i}", ticket(start + timedelta(hours=h), d, p, c))
        for i, (h, d, p, c) in enumerate(raw)])


@settings(max_examples=40, deadline=None)
@given(histories(), st.sampled_from(["always", "sydney", None]))
def test_the_same_catalogue_changes_nothing(tickets: Any, calendar: str | None) -> None:
    cat = catalogue(gold(calendar=calendar, workload={"limit": 3}),
                    {**gold(), "name": "desk", "kind": "ola", "customers": [],
                     "fee": None, "credits": None})
    outages = [ServiceOutage(id=f"O{i}", outage=Outage(
        datetime(2025, 2, 1, tzinfo=UTC) + timedelta(hours=9 * i),
        datetime(2025, 2, 1, 1, tzinfo=UTC) + timedelta(hours=9 * i), service="email"))
        for i in range(3)]
    for proposal in (cat, cat.agreement("gold"), Catalogue.from_dict(cat.to_dict())):
        found = what_if(cat, proposal, iter(tickets), iter(outages))
        assert found.unchanged and found.evaluated == len(tickets)


def reference(current: Catalogue, proposed: Catalogue,
              tickets: list[tuple[str, list[TicketEvent]]]) -> list[tuple[Any, ...]]:
    """Every counted cycle of every ticket target of every agreement that applies, compared
    without skipping anything."""
    out = []
    for name, events in tickets:
        first = min(e.at for e in events)
        fields = max(events, key=lambda e: e.at).fields
        sides = [cat.agreements_for(fields, first) for cat in (current, proposed)]
        slas = [next((a for a in side if a.kind == "sla"), None) for side in sides]
        rows: list[tuple[Any, ...]] = []
        for target in dict.fromkeys(t.name for sla in slas if sla for t in sla.targets
                                    if t.definition):
            stages: list[list[str | None]] = []
            for cat, sla in zip((current, proposed), slas, strict=True):
                got = [t for t in (sla.targets if sla else ()) if t.name == target]
                if not got:
                    stages.append([])
                    continue
                outcome = cat.definition(str(got[0].definition)).evaluate(events,
                                                                          strict=False)
                stages.append([("breached" if c.breached_at is not None
                                and c.stage.value in ("running", "paused") else c.stage.value)
                               if not got[0].priorities or c.priority in got[0].priorities
                               else None for c in outcome.cycles])
            for i in range(max(map(len, stages))):
                x = stages[0][i] if i < len(stages[0]) else None
                y = stages[1][i] if i < len(stages[1]) else None
                if x != y:
                    rows.append((name, target, i, x, y))
        moved = [None if s is None else s.name for s in slas]
        if not rows and moved[0] != moved[1]:
            rows.append((name, None, None, None, None))
        out.extend(rows)
    return out


@pytest.mark.parametrize("kind", ["tighter", "priorities", "customers", "dropped",
                                  "redefined"])
@settings(max_examples=40, deadline=None)
@given(tickets=histories())
def test_ticket_changes_match_a_reference_that_skips_nothing(tickets: Any, kind: str) -> None:
    data = gold()
    if kind == "tighter":
        data["targets"][0] = {"name": "fix", "definition": "fix-2h", "at_least": "50%"}
    elif kind == "priorities":
        data["targets"][1] = {"name": "P1 fix", "definition": "fix", "priorities": ["P2"],
                              "at_least": "90%"}
    elif kind == "customers":
        data["customers"] = ["acme"]
    else:
        data["targets"] = [data["targets"][0], data["targets"][2]]
    cat = catalogue(gold(), {**gold(), "name": "any", "customers": []})
    proposal: Catalogue | Agreement = Agreement.from_dict(data)
    if kind == "redefined":  # the same definition name, a tighter P1 target
        proposal = catalogue(gold(), {**gold(), "name": "any", "customers": []},
                             fix_p1="PT2H")
    found = what_if(cat, proposal, tickets)
    assert [(c.ticket, c.target, c.cycle, c.stage_before, c.stage_after)
            for c in found.tickets] == reference(cat, proposed_catalogue(cat, proposal),
                                                 tickets)
    assert found.changed == len({c.ticket for c in found.tickets})


def test_an_unknown_agreement_name_is_refused() -> None:
    with pytest.raises(UnknownNameError, match="agreement: unknown name 'silver'"):
        what_if(catalogue(), Agreement.from_dict({**gold(), "name": "silver"}), [])


def never_read() -> Iterator[tuple[str, list[TicketEvent]]]:
    raise AssertionError("tickets were read")
    yield  # pragma: no cover


def test_a_proposal_that_does_not_validate_is_refused_before_any_ticket_is_read() -> None:
    with pytest.raises(UnknownNameError, match=r"agreements\[0\]\.calendar: unknown name"):
        what_if(catalogue(), Agreement.from_dict(gold(calendar="mars")), never_read())
    with pytest.raises(UnknownNameError, match=r"agreements\[0\]\.targets\[0\]\.definition"):
        what_if(catalogue(), Agreement.from_dict(gold(targets=[
            {"name": "fix", "definition": "nope", "at_least": "90%"}])), never_read())
    with pytest.raises(ConfigError, match=r"credits\.cap"):  # read with the agreement
        what_if(catalogue(), Agreement.from_dict(gold(credits={"cap": "120%"})),
                never_read())


def test_bad_arguments() -> None:
    with pytest.raises(ArgumentTypeError, match="proposed: expected a Catalogue or an "):
        what_if(catalogue(), gold(), [])  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="current: expected a Catalogue"):
        what_if(gold(), catalogue(), [])  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="tickets: expected an iterable"):
        what_if(catalogue(), catalogue(), "INC1")  # type: ignore[arg-type]


def test_str_summarises_long_lists() -> None:
    tickets = [(f"T{i:02}", ticket(T0 + timedelta(hours=i), 3)) for i in range(25)]
    found = what_if(catalogue(), tighter(), tickets)
    text = str(found)
    assert found.changed == 25
    assert text.splitlines()[0].startswith("what-if: 25 tickets evaluated, 25 changed;")
    assert "T19: gold / P1 fix cycle 0: met -> breached" in text
    assert "T20: gold" not in text and "  and 5 more" in text
    assert len(found.to_dict()["tickets"]) == 25

"""The accumulator's quick paths against what they stand for: contributions counted in
order of first event then input (a stable sort on the first event alone), a final cycle
routed to its targets' period lists once, one cycle key per definition token and period
index, and results asked for part way (which sort the period lists in place) changing
nothing that comes after (see docs/service.md, Attainment)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.service._plan import AgreementPlan, PeriodIndex, Slot
from itsm_core.service.accumulate import ticket_results
from itsm_core.service.agreement import Agreement
from itsm_core.service.attainment import AttainmentAccumulator
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.target import ServiceTarget
from itsm_core.sla import TicketEvent

UTC = timezone.utc
START = datetime(2025, 1, 28, tzinfo=UTC)
AGREEMENT = Agreement.from_dict({"name": "a", "from": "2025-01-01"})
TARGET = ServiceTarget.from_dict({"name": "t", "definition": "fix", "at_least": "50%"})

CATALOGUE = Catalogue.from_dict({
    "definitions": [{"name": "fix", "targets": {"P1": "PT4H", "P2": "PT8H"},
                     "on_reopen": "new_cycle", "stop": {"state_in": ["Resolved"]}}],
    "customers": [{"name": "acme"}],
    "agreements": [{"name": "gold", "from": "2025-01-01", "customers": ["acme"],
                    "definitions": ["fix"],
                    "targets": [{"name": "fix", "definition": "fix", "at_least": "50%"},
                                {"name": "P1 fix", "definition": "fix",
                                 "priorities": ["P1"], "at_least": "90%"}]},
                   {"name": "desk", "kind": "ola", "from": "2025-01-01",
                    "definitions": ["fix"],
                    "targets": [{"name": "desk", "definition": "fix", "at_least": "50%"}]}]})

# a contribution: (hour of the first event, ticket number, met); a ticket's contributions
# share its first event, as the accumulator's do
contributions = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 6), st.booleans()),
                         max_size=30)


@settings(max_examples=200, deadline=None)
@given(contributions, st.booleans())
def test_counting_orders_by_first_event_then_input_like_a_full_sort(
        drawn: list[tuple[int, int, bool]], repeat: bool) -> None:
    firsts: dict[int, int] = {}
    items = []
    for hour, number, met in sorted(drawn, key=lambda d: d[1]):  # in sequence order
        first = firsts.setdefault(number, hour)
        items.append((first, number, f"T{number}", met, None))
    expected = sorted(items)  # the full tuple order the quick sort stands for
    result = ticket_results(AGREEMENT, None, TARGET, keys=["2025-01"],
                            found={"2025-01": list(items)}, beyond={}, static=False,
                            repeat=True)[0]
    tickets = tuple(dict.fromkeys(t for _, _, t, _, _ in expected))
    breaches = tuple(dict.fromkeys(t for _, _, t, ok, _ in expected if not ok))
    assert (result.tickets, result.breaches) == (tickets, breaches)
    assert (result.met, result.missed) == (sum(m for *_, m, _ in expected),
                                           sum(not m for *_, m, _ in expected))
    if not repeat and len(tickets) == len(items):  # each ticket once: no deduplication
        quick = ticket_results(AGREEMENT, None, TARGET, keys=["2025-01"],
                               found={"2025-01": list(items)}, beyond={}, static=False,
                               repeat=False)[0]
        assert quick == result


def test_a_final_cycle_is_routed_to_the_period_lists_of_its_targets_once() -> None:
    plan = AgreementPlan(CATALOGUE.agreements[0], (0, 2**62), PeriodIndex("month", UTC))
    slot = Slot(plan, "acme")
    lists = slot.cell("fix", ("P1", "2025-02", True))
    assert lists == ([], []) and lists[0] is slot.found[0]["2025-02"]
    assert lists[1] is slot.found[1]["2025-02"]
    assert slot.cells["fix"][("P1", "2025-02", True)] is lists
    assert slot.cell("fix", ("P2", "2025-02", False)) == (slot.found[0]["2025-02"],)
    assert slot.cell("fix", ("P9", "2025-03", True)) == ([],)  # the target of any priority
    assert "2025-03" not in slot.found[1]


def test_one_cycle_key_per_token_and_period_index() -> None:
    keys, other = PeriodIndex("month", UTC), PeriodIndex("month", UTC)
    assert keys.cycle_key("fix") is keys.cycle_key("fix")
    assert keys.cycle_key("fix") is not keys.cycle_key(("fix", "proposed"))
    assert keys.cycle_key("fix") is not other.cycle_key("fix")
    # two agreements measuring one definition in one zone share the key, so a ticket's
    # final cycles are worked out once for both
    acc = AttainmentAccumulator(CATALOGUE)
    gold, desk = acc._plans["gold"], acc._plans["desk"]
    assert gold.cycles["fix"] is desk.cycles["fix"]


def ticket(number: int, hour: int, fix: int, again: int | None, priority: str
           ) -> tuple[str, list[TicketEvent]]:
    fields = {"customer": "acme"}
    at = START + timedelta(hours=hour)
    events = [TicketEvent(at, "New", priority, fields),
              TicketEvent(at + timedelta(hours=fix), "Resolved", priority, fields)]
    if again is not None:
        back = at + timedelta(hours=fix + again)
        events += [TicketEvent(back, "Active", priority, fields),
                   TicketEvent(back + timedelta(hours=fix), "Resolved", priority, fields)]
    return f"T{number}", events


tickets = st.lists(st.tuples(st.integers(0, 24 * 10), st.integers(1, 12),
                             st.none() | st.integers(0, 48), st.sampled_from(["P1", "P2"])),
                   max_size=25)


@settings(max_examples=60, deadline=None)
@given(tickets, st.integers(0, 25), st.integers(0, 25))
def test_results_part_way_and_merges_of_reported_parts_change_nothing(
        drawn: list[tuple[int, int, int | None, str]], cut: int, ask: int) -> None:
    pairs = [ticket(i, *d) for i, d in enumerate(drawn)]
    one = AttainmentAccumulator(CATALOGUE)
    for number, events in pairs:
        one.add_ticket(events, number)
    expected = one.result()
    # results asked for part way through one pass
    again = AttainmentAccumulator(CATALOGUE)
    for index, (number, events) in enumerate(pairs):
        if index == ask:
            again.result()
        again.add_ticket(events, number)
    assert again.result() == expected
    # two parts, each reported before the merge
    first, second = AttainmentAccumulator(CATALOGUE), AttainmentAccumulator(CATALOGUE)
    for number, events in pairs[:cut]:
        first.add_ticket(events, number)
    for number, events in pairs[cut:]:
        second.add_ticket(events, number)
    first.result()
    second.result()
    first.merge(second)
    assert first.result() == expected

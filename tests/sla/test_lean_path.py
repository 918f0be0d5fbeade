"""The plain replay (``itsm_core.sla.lean``) and the general one give the same outcomes.

A definition without schedule features (docs/design.md, "Scale and embedding") is evaluated
by ``plain_replay``; the general ``replay`` handles every definition.  Both are called
directly here on random plain definitions and random histories (unsorted, with ties,
fields, kinds and an ``as_of`` anywhere), and must agree on everything an outcome says:
its data form, its cycles' private figures and their time splits, and the errors raised.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies_sla import CALENDARS, MINUTE, T0, at

from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import InvalidArgumentError
from itsm_core.sla import SlaDefinition, SlaOutcome, Stage, TicketEvent
from itsm_core.sla.building import OpenCycle, finish, finish_on
from itsm_core.sla.cycle import SlaCycle
from itsm_core.sla.lean import is_plain, plain_replay, replay_for
from itsm_core.sla.replay import ordered, replay

STATES = ("New", "Active", "Waiting", "Resolved", "Closed", "Cancelled", "Draft")
PRIORITIES = ("P1", "P2", "P3", None)
GROUPS = ("L1", "Network", None)
KINDS = (None, "agent_reply", "requester_comment")


def _state_sets() -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(STATES), min_size=1, max_size=3, unique=True)


@st.composite
def conditions(draw: st.DrawFn) -> object:
    """A condition over the state, a field, the kind, or what changed."""
    leaf = draw(st.sampled_from(("state_in", "state_not_in", "field", "kind", "changed",
                                 "bool", "any")))
    if leaf == "state_in":
        return {"state_in": draw(_state_sets())}
    if leaf == "state_not_in":
        return {"state_not_in": draw(_state_sets())}
    if leaf == "field":
        return {"field": "group", "in": draw(st.lists(st.sampled_from(GROUPS), min_size=1,
                                                      unique=True))}
    if leaf == "kind":
        return {"kind_in": draw(st.lists(st.sampled_from(KINDS), min_size=1, unique=True))}
    if leaf == "changed":
        return {"changed": draw(st.sampled_from(("state", "priority", "group")))}
    if leaf == "bool":
        return draw(st.booleans())
    return {"any": [{"state_in": draw(_state_sets())}, {"not": {"state_in": draw(_state_sets())}}]}


@st.composite
def plain_definitions(draw: st.DrawFn) -> SlaDefinition:
    """A random definition using none of the schedule features."""
    labels = draw(st.lists(st.sampled_from(("P1", "P2", "P3", "*")), min_size=1, max_size=4,
                           unique=True))
    budgets = ("PT30M", "PT4H", "PT8H", "P1D", "P3D")
    data: dict[str, Any] = {
        "name": "lean",
        "calendar": CALENDARS[draw(st.sampled_from(sorted(CALENDARS)))].to_dict(),
        "targets": {label: draw(st.sampled_from(budgets)) for label in labels},
        "on_priority_change": draw(st.sampled_from(("keep_elapsed", "restart"))),
        "on_reopen": draw(st.sampled_from(("resume", "new_cycle"))),
        "warnings": [0.5, 0.9],
    }
    if draw(st.booleans()):
        data["targets_by"] = "group"
        data["targets"] = {label: draw(st.sampled_from(budgets))
                           for label in ("L1", "Network", "*") if draw(st.booleans())} or "PT4H"
    usual = {"pause": {"state_in": ["Waiting"]}, "stop": {"state_in": ["Resolved", "Closed"]},
             "cancel": {"state_in": ["Cancelled"]}}
    for key in ("applies", "start", "pause", "stop", "cancel"):
        # mostly the usual conditions (or none), so that most tickets get cycles
        if draw(st.integers(0, 3)) == 0:
            data[key] = draw(conditions())
        elif key in usual and draw(st.integers(0, 3)) > 0:
            data[key] = usual[key]
    return SlaDefinition.from_dict(data)


@st.composite
def histories(draw: st.DrawFn) -> list[TicketEvent]:
    """Up to ten events, minute-aligned, ties allowed, in any order."""
    t = T0 + draw(st.integers(0, 7 * 1440)) * MINUTE
    events = []
    for _ in range(draw(st.integers(0, 10)) or draw(st.integers(0, 10))):
        t += draw(st.sampled_from((0, 1, 37, 600, 1440, 4000))) * MINUTE
        fields = {"group": draw(st.sampled_from(GROUPS))}
        events.append(TicketEvent(at(t), draw(st.sampled_from(STATES)),
                                  draw(st.sampled_from(PRIORITIES)), fields,
                                  kind=draw(st.sampled_from(KINDS))))
    if draw(st.booleans()):
        random.Random(draw(st.integers(0, 999))).shuffle(events)
    return events


def _run(fn: Any, definition: SlaDefinition, events: list[TicketEvent],
         as_of: datetime | None, strict: bool) -> SlaOutcome | str:
    try:
        out: SlaOutcome = fn(definition, events, as_of, "T", strict=strict)
    except InvalidArgumentError as exc:
        return f"raised: {exc}"
    return out


def _cycle_figures(cycle: SlaCycle) -> tuple[Any, ...]:
    """Every field, and what the cycle's events say about where its time went."""
    fields = tuple((a.name, getattr(cycle, a.name)) for a in attrs.fields(SlaCycle))
    return (fields, list(cycle._marks), cycle.time_by_state(), cycle.time_by_owner("group"))


@settings(max_examples=400, deadline=None)
@given(plain_definitions(), histories(), st.one_of(st.none(), st.integers(-60, 20_000)),
       st.booleans())
def test_plain_replay_equals_the_general_replay(definition: SlaDefinition,
                                                events: list[TicketEvent],
                                                as_of_minutes: int | None,
                                                strict: bool) -> None:
    assert is_plain(definition)
    assert definition._replay is plain_replay
    first = min((event.at for event in events), default=at(T0))
    as_of = None if as_of_minutes is None else first + as_of_minutes * timedelta(minutes=1)
    lean = _run(plain_replay, definition, events, as_of, strict)
    general = _run(replay, definition, events, as_of, strict)
    if isinstance(general, str) or isinstance(lean, str):
        assert lean == general
        return
    assert lean.to_dict() == general.to_dict()
    assert lean == general
    assert lean.fields == general.fields
    assert [_cycle_figures(c) for c in lean.cycles] == [_cycle_figures(c) for c in
                                                         general.cycles]
    assert definition.evaluate(events, as_of, "T", strict=strict) == lean


@settings(max_examples=100, deadline=None)
@given(plain_definitions(), histories())
def test_cycles_built_by_the_replay_equal_cycles_built_by_init(definition: SlaDefinition,
                                                               events: list[TicketEvent]) -> None:
    for cycle in definition.evaluate(events, strict=False).cycles:
        again = attrs.evolve(cycle)  # through SlaCycle.__init__
        assert again == cycle
        assert _cycle_figures(again) == _cycle_figures(cycle)
        assert again.to_dict() == cycle.to_dict()


_OFFICE = {"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}}


@pytest.mark.parametrize("extra", [
    {"reset": {"state_in": ["Reopened"]}},
    {"start_from": "opened_at"},
    {"targets": {"P1": "PT1H", "*": {"business_days": 2}}},
    {"targets": "P2BD"},
    {"calendar_by": {"field": "group", "calendars": {"EU": _OFFICE}, "default": _OFFICE},
     "calendar": None},
    {"goals": [{"targets": "PT1H"}], "targets": None},
])
def test_schedule_features_take_the_general_replay(extra: dict[str, Any]) -> None:
    data: dict[str, Any] = {"name": "x", "targets": "PT1H", **extra}
    definition = SlaDefinition.from_dict({k: v for k, v in data.items() if v is not None})
    assert not is_plain(definition)
    assert replay_for(definition) is replay
    assert definition._replay is replay


def test_versions_are_never_replayed_plain() -> None:
    definition = SlaDefinition.from_dict({"name": "v", "versions": [
        {"targets": "PT8H"}, {"from": "2025-07-01T00:00:00+00:00", "targets": "PT4H"}]})
    assert not is_plain(definition)


def test_the_bench_definition_is_plain_and_both_replays_agree_on_a_workday() -> None:
    definition = SlaDefinition.from_dict({
        "name": "resolution", "calendar": CALENDARS["london"].to_dict(),
        "targets": {"P1": "PT4H", "P2": "PT8H"},
        "pause": {"state_in": ["Waiting"]}, "stop": {"state_in": ["Resolved", "Closed"]}})
    start = datetime(2025, 3, 4, 9, tzinfo=timezone.utc)
    events = [TicketEvent(start + timedelta(hours=h), state, priority)
              for h, state, priority in ((0, "New", "P2"), (1, "Active", "P2"),
                                         (2, "Waiting", "P1"), (3, "Active", "P1"),
                                         (5, "Resolved", "P1"))]
    lean = plain_replay(definition, events, None, "T")
    assert lean == replay(definition, events, None, "T")
    cycle = lean.cycles[0]
    # 09-11 and 12-14 running: exactly the P1 target, which meets it
    assert (cycle.stage.value, cycle.elapsed, cycle.target) == ("met", timedelta(hours=4),
                                                                timedelta(hours=4))


@settings(max_examples=100, deadline=None)
@given(plain_definitions(), histories(), st.one_of(st.none(), st.integers(-60, 20_000)))
def test_outcomes_built_by_the_plain_replay_equal_outcomes_built_by_init(
        definition: SlaDefinition, events: list[TicketEvent], as_of_minutes: int | None) -> None:
    first = min((event.at for event in events), default=at(T0))
    as_of = None if as_of_minutes is None else first + as_of_minutes * timedelta(minutes=1)
    outcome = plain_replay(definition, events, as_of, "T", strict=False)
    again = attrs.evolve(outcome)  # through SlaOutcome.__init__
    assert again == outcome
    assert [(a.name, getattr(again, a.name)) for a in attrs.fields(SlaOutcome)] == [
        (a.name, getattr(outcome, a.name)) for a in attrs.fields(SlaOutcome)]
    assert again.to_dict() == outcome.to_dict()
    assert hash(again) == hash(outcome)


@settings(max_examples=200, deadline=None)
@given(histories())
def test_ordered_gives_the_stable_time_order_and_the_latest_instant(
        events: list[TicketEvent]) -> None:
    listed, order, latest = ordered(iter(events))
    assert listed == events
    stable = sorted(range(len(events)), key=lambda i: events[i]._at_us)
    assert (order if order is not None else list(range(len(events)))) == stable
    assert (order is None) == (stable == list(range(len(events))))
    assert latest == max((event._at_us for event in events), default=0)


def _reference_finish(calendar: BusinessCalendar, cycle: OpenCycle,
                      as_of_us: int) -> tuple[Any, ...]:
    """A cycle's figures the plain way: each segment runs to the next one's start (or to the
    stop, else *as_of_us*); empty ones are dropped, but an open cycle keeps its current one."""
    end = as_of_us if cycle.stop is None else cycle.stop
    raw, elapsed, paused = [], 0, 0
    for i, (running, start, key, event) in enumerate(cycle.segs):
        is_last = i == len(cycle.segs) - 1
        seg_end = end if is_last else cycle.segs[i + 1][1]
        if seg_end == start and (cycle.stop is not None or not is_last):
            continue
        spent = calendar._engine.elapsed(start, seg_end)
        if running:
            elapsed += spent
        else:
            paused += spent
        raw.append((running, start, seg_end, key, event, calendar))
    if cycle.cancelled:
        stage = Stage.CANCELLED
    elif cycle.stop is not None:
        if cycle.due is None:
            late = elapsed > cycle.target
        else:
            late = cycle.stop > calendar._engine.add(cycle.due, paused)
        stage = Stage.BREACHED if late else Stage.MET
    else:
        stage = Stage.RUNNING if cycle.running else Stage.PAUSED
    return (stage, cycle.key, calendar, cycle.start, cycle.stop, cycle.target, elapsed,
            tuple(raw), cycle.due, list(cycle.marks))


@st.composite
def open_cycles(draw: st.DrawFn) -> tuple[OpenCycle, int]:
    """A cycle as a replay leaves it (segments at non-decreasing instants, ties replacing
    a segment; stopped, cancelled or open; a budget or a due instant), and an ``as_of``."""
    t = T0 + draw(st.integers(0, 7 * 1440)) * MINUTE
    priority = draw(st.sampled_from(PRIORITIES))
    event = TicketEvent(at(t), draw(st.sampled_from(STATES)), priority)
    due = draw(st.one_of(st.none(), st.integers(0, 3 * 1440).map(lambda m: t + m * MINUTE)))
    cycle = OpenCycle(t, priority, draw(st.sampled_from((30, 240, 1440))) * MINUTE,
                      draw(st.booleans()), event, due=due)
    for _ in range(draw(st.integers(0, 6))):
        t += draw(st.sampled_from((0, 1, 37, 600, 1440, 4000))) * MINUTE
        priority = draw(st.sampled_from(PRIORITIES))
        event = TicketEvent(at(t), draw(st.sampled_from(STATES)), priority)
        if draw(st.booleans()):
            cycle.switch(draw(st.booleans()), t, priority, event)
        else:
            cycle.marks.append(event)
    ending = draw(st.sampled_from(("open", "stopped", "cancelled")))
    if ending != "open":
        cycle.stop = t + draw(st.sampled_from((0, 1, 90, 3000))) * MINUTE
        cycle.cancelled = ending == "cancelled"
    return cycle, t + draw(st.sampled_from((0, 5, 2000))) * MINUTE


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(CALENDARS)), open_cycles())
def test_finish_measures_each_segment_like_the_plain_reference(name: str,
                                                               drawn: tuple[OpenCycle, int],
                                                               ) -> None:
    cycle, as_of_us = drawn
    definition = SlaDefinition.from_dict({"name": "f", "targets": "PT1H",
                                          "calendar": CALENDARS[name].to_dict(),
                                          "warnings": [0.5]})
    expected = _reference_finish(definition.calendar, cycle, as_of_us)
    for built in (finish_on(definition.calendar, definition._levels, cycle, as_of_us),
                  finish(definition, cycle, as_of_us)):
        assert (built.stage, built.priority, built.calendar, built._start_us, built._stop_us,
                built._target_us, built._elapsed_us, built._raw_segments, built._due_us,
                list(built._marks)) == expected
        assert built._levels == definition._levels
        assert attrs.evolve(built) == built

"""Transition conditions (``changed``), event kinds, reset, retroactive start and pause,
and the hardening of the replay's inputs."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_sla import (
    CALENDARS,
    MINUTE,
    PRIORITIES,
    RefCycle,
    at,
    definition,
    event_logs,
    micros,
    reference_measure,
    reference_stage,
    us,
)

from itsm_core._config import MAX_DEPTH
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError
from itsm_core.sla import SlaDefinition, Stage, TicketEvent
from itsm_core.sla.conditions import Changed, KindIn, Not, parse_condition, reads_previous

DAY = datetime(2025, 3, 3, tzinfo=timezone.utc)
H = timedelta(hours=1)


def hour(hours: float) -> datetime:
    return DAY + hours * H


def ev(hours: float, state: str, kind: str | None = None, **fields: object) -> TicketEvent:
    return TicketEvent(hour(hours), state, "P1", fields, kind=kind)


def stages(definition: SlaDefinition, events: list[TicketEvent], **kw: object) -> list[tuple[Any, ...]]:
    out = definition.evaluate(events, **kw)  # type: ignore[arg-type]
    return [(c.stage, c.started_at, c.stopped_at, c.elapsed) for c in out.cycles]


# -- conditions -------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    {"changed": "assignment_group"},
    {"changed": "assignment_group", "from": ["Network"]},
    {"changed": "state", "to": ["Resolved", "Closed"]},
    {"changed": "priority", "from": ["P3", None], "to": ["P1"]},
    {"kind_in": ["agent_reply", None]},
    {"any": [{"kind_in": ["agent_reply"]}, {"not": {"changed": "group", "to": []}}]},
])
def test_new_forms_round_trip(data: dict[str, Any]) -> None:
    condition = parse_condition(data)
    assert condition.to_dict() == data
    assert parse_condition(condition.to_dict()) == condition
    assert pickle.loads(pickle.dumps(condition)) == condition


def test_changed_reads_the_previous_event_and_never_holds_on_the_first() -> None:
    a = ev(1, "Open", group="Network")
    b = ev(2, "Open", group="DB")
    c = ev(3, "Open")  # the field disappears: reads None
    moved = parse_condition({"changed": "group"})
    assert [moved.holds(a), moved.holds(a, None), moved.holds(b, a), moved.holds(b, b)] == [
        False, False, True, False]
    assert moved.holds(c, b)
    away = parse_condition({"changed": "group", "from": ["Network"]})
    assert away.holds(b, a) and not away.holds(a, b)
    onto = parse_condition({"changed": "group", "to": ["Network"]})
    assert onto.holds(a, b) and not onto.holds(b, a)
    to_none = parse_condition({"changed": "group", "to": [None]})
    assert to_none.holds(c, b)
    state = parse_condition({"changed": "state", "from": ["New"], "to": ["Open"]})
    assert state.holds(ev(2, "Open"), ev(1, "New"))
    assert not state.holds(ev(2, "Open"), ev(1, "Pending"))


def test_kind_in() -> None:
    reply = parse_condition({"kind_in": ["agent_reply"]})
    update = parse_condition({"kind_in": [None]})
    assert reply.holds(ev(1, "Open", "agent_reply")) and not reply.holds(ev(1, "Open"))
    assert update.holds(ev(1, "Open")) and not update.holds(ev(1, "Open", "agent_reply"))
    assert reply == KindIn(frozenset({"agent_reply"}))


@pytest.mark.parametrize(("data", "message"), [
    ({"changed": ""}, "changed: expected a field name, got ''"),
    ({"changed": 3}, "changed: expected a field name, got 3"),
    ({"changed": "g", "from": "Network"}, "from: expected a list of values, got 'Network'"),
    ({"changed": "g", "to": [["x"]]}, "to: values must be hashable"),
    ({"changed": "g", "into": ["x"]}, "unknown condition keys ['changed', 'into']"),
    ({"from": ["x"]}, "unknown condition keys ['from']"),
    ({"kind_in": "agent_reply"}, "kind_in: expected a list of values"),
    ({"kind_in": [1]}, "kind_in: kinds must be strings or null, got [1]"),
])
def test_bad_new_forms_are_config_errors(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        SlaDefinition.from_dict({"name": "x", "targets": "PT1H", "reset": data})
    assert str(info.value).startswith("reset")
    assert message in str(info.value)


def test_changed_loses_the_state_table_plain_definitions_keep_it() -> None:
    plain = SlaDefinition.from_dict({"name": "p", "targets": "PT1H",
                                     "stop": {"state_in": ["Done"]}})
    assert plain._rules.by_state is not None and not plain._rules.reads_previous
    moved = SlaDefinition.from_dict({"name": "m", "targets": "PT1H",
                                     "reset": {"changed": "group"}})
    assert moved._rules.by_state is None and moved._rules.reads_previous
    kinds = SlaDefinition.from_dict({"name": "k", "targets": "PT1H",
                                     "stop": {"kind_in": ["agent_reply"]}})
    assert kinds._rules.by_state is None and not kinds._rules.reads_previous
    assert reads_previous(Not(Changed("g"))) and not reads_previous(KindIn(frozenset()))


# -- events -----------------------------------------------------------------------------------


def test_event_kind_round_trips_and_is_checked() -> None:
    e = ev(1, "Open", "agent_reply", group="DB")
    assert e.to_dict()["kind"] == "agent_reply"
    assert TicketEvent.from_dict(e.to_dict()) == e
    assert "kind" not in ev(1, "Open").to_dict()
    assert e != ev(1, "Open", None, group="DB")
    for bad in (3, "", ["agent_reply"]):
        with pytest.raises(ArgumentTypeError, match=r"^kind: expected a non-empty str or None"):
            TicketEvent(hour(1), "Open", kind=bad)


def test_event_from_dict_rejects_unknown_keys() -> None:
    with pytest.raises(ConfigError) as info:
        TicketEvent.from_dict({"at": hour(1), "state": "New", "priorty": "P1"})
    assert str(info.value) == ("priorty: unknown key; expected one of at, state, priority, "
                               "fields, kind")
    with pytest.raises(ConfigError, match=r"^<int of \d+ bits>: unknown key"):
        TicketEvent.from_dict({"at": hour(1), "state": "New", 10 ** 5000: 1})  # type: ignore[dict-item]


def test_event_messages_are_bounded() -> None:
    with pytest.raises(ArgumentTypeError) as info:
        TicketEvent.from_dict([list(range(10_000))])  # type: ignore[arg-type]
    assert len(str(info.value)) < 300
    with pytest.raises(ArgumentTypeError) as info:
        TicketEvent(hour(1), 10 ** 5000)
    assert "<int of" in str(info.value)


# -- reset ------------------------------------------------------------------------------------

RESET_ON_GROUP = {"name": "fix", "targets": "PT4H", "start": {"state_not_in": ["Draft"]},
                  "pause": {"state_in": ["Pending"]}, "stop": {"state_in": ["Resolved"]},
                  "cancel": {"state_in": ["Cancelled"]}, "reset": {"changed": "group"}}


def test_reset_cancels_the_cycle_and_attaches_a_new_one_at_once() -> None:
    d = SlaDefinition.from_dict(RESET_ON_GROUP)
    events = [ev(9, "New", group="Desk"), ev(11, "Open", group="Network"),
              ev(14, "Resolved", group="Network")]
    assert stages(d, events) == [(Stage.CANCELLED, hour(9), hour(11), 2 * H),
                                 (Stage.MET, hour(11), hour(14), 3 * H)]


def test_reset_attaches_paused_and_only_where_start_holds() -> None:
    d = SlaDefinition.from_dict(RESET_ON_GROUP)
    paused = [ev(9, "New", group="Desk"), ev(11, "Pending", group="Network")]
    out = d.evaluate(paused, as_of=hour(12)).cycles
    assert [c.stage for c in out] == [Stage.CANCELLED, Stage.PAUSED]
    drafted = [ev(9, "New", group="Desk"), ev(11, "Draft", group="Network"),
               ev(12, "New", group="Network")]
    # the reset at 11:00 cancels; Draft does not start; 12:00 attaches by the plain rule
    assert stages(d, drafted, as_of=hour(13)) == [
        (Stage.CANCELLED, hour(9), hour(11), 2 * H), (Stage.RUNNING, hour(12), None, H)]


def test_cancel_and_stop_win_over_reset() -> None:
    d = SlaDefinition.from_dict(RESET_ON_GROUP)
    cancelled = [ev(9, "New", group="Desk"), ev(10, "Cancelled", group="Network")]
    assert stages(d, cancelled) == [(Stage.CANCELLED, hour(9), hour(10), H)]
    # stop and reset together: judged, and (start holds, stop does not block a reset) the
    # next cycle attaches at once
    stopped = [ev(9, "New", group="Desk"), ev(10, "Resolved", group="Network"),
               ev(12, "Resolved", group="Network")]
    assert stages(d, stopped) == [(Stage.MET, hour(9), hour(10), H),
                                  (Stage.MET, hour(10), hour(12), 2 * H)]


def test_a_reset_on_the_reopening_event_keeps_the_verdict() -> None:
    d = SlaDefinition.from_dict(RESET_ON_GROUP)  # on_reopen: resume
    events = [ev(9, "New", group="Desk"), ev(10, "Resolved", group="Desk"),
              ev(12, "Open", group="Network"), ev(13, "Open", group="Network")]
    assert stages(d, events) == [(Stage.MET, hour(9), hour(10), H),
                                 (Stage.RUNNING, hour(12), None, H)]
    # without the group change the same events resume the first cycle
    same = [ev(9, "New", group="Desk"), ev(10, "Resolved", group="Desk"),
            ev(12, "Open", group="Desk"), ev(13, "Open", group="Desk")]
    assert stages(d, same) == [(Stage.RUNNING, hour(9), None, 2 * H)]


def test_changed_is_read_in_time_order_and_within_as_of() -> None:
    d = SlaDefinition.from_dict(RESET_ON_GROUP)
    events = [ev(9, "New", group="Desk"), ev(11, "Open", group="Network"),
              ev(10, "Open", group="Desk")]
    assert d.evaluate(events) == d.evaluate(sorted(events, key=lambda e: e.at))
    assert [c.stage for c in d.evaluate(events, as_of=hour(10.5)).cycles] == [Stage.RUNNING]


# -- reset and changed against a plain reference ----------------------------------------------

GROUPS = ("Desk", "Network")
STOPS, CANCELS = ("Resolved", "Closed"), ("Cancelled",)
DAY_CAL = BusinessCalendar.always_open("UTC")


def reset_definition(on_reopen: str) -> SlaDefinition:
    return SlaDefinition.from_dict({
        "name": "fix", "targets": {"P1": "PT4H", "P2": "PT8H", "P3": "P3D"},
        "start": {"state_not_in": ["Draft"]}, "pause": {"state_in": ["Awaiting User Info"]},
        "stop": {"state_in": list(STOPS)}, "cancel": {"state_in": list(CANCELS)},
        "reset": {"changed": "group", "to": ["Network"]}, "on_reopen": on_reopen})


def reference_with_reset(events: list[TicketEvent], resume: bool) -> list[RefCycle]:
    """The rules written out case by case, one event at a time (keep_elapsed only)."""
    cycles: list[RefCycle] = []
    current: RefCycle | None = None
    stopped: RefCycle | None = None
    previous: TicketEvent | None = None
    for e in sorted(events, key=lambda e: us(e.at)):
        t, state, prio = us(e.at), e.state, e.priority
        assert prio is not None
        group = e.fields["group"]
        reset = (previous is not None and previous.fields["group"] != group
                 and group == "Network")
        previous = e
        stop, cancel = state in STOPS, state in CANCELS
        start = state != "Draft"
        status = ("cancel" if cancel else "stop" if stop
                  else "pause" if state == "Awaiting User Info" else "run")
        can_attach = start and not cancel and (reset or not stop)
        if current is not None:
            if cancel:
                current.marks.append((t, "cancel", prio))
                current = None
            elif stop:
                current.marks.append((t, "stop", prio))
                stopped, current = current, None
            elif reset:
                current.marks.append((t, "cancel", prio))
                current = None
            else:
                current.marks.append((t, status, prio))
                continue
            if not reset:
                continue
            stopped = None
            if can_attach:
                current = RefCycle(start=t, marks=[(t, "pause" if status == "pause" else "run",
                                                    prio)])
                cycles.append(current)
            continue
        if stopped is not None:
            if reset:
                stopped = None
            elif not (stop or cancel):
                if resume:
                    stopped.marks.append((t, status, prio))
                    current, stopped = stopped, None
                    continue
                stopped = None
        if can_attach:
            current = RefCycle(start=t, marks=[(t, "pause" if status == "pause" else "run",
                                                prio)])
            cycles.append(current)
    for cycle in cycles:
        cycle.end_status = cycle.marks[-1][1]
    return cycles


@st.composite
def grouped_logs(draw: st.DrawFn) -> list[TicketEvent]:
    events = draw(event_logs(max_events=10, max_gap_minutes=600))
    prio = draw(st.sampled_from(PRIORITIES))  # one priority: no retargeting in the oracle
    return [TicketEvent(e.at, e.state, prio, {"group": draw(st.sampled_from(GROUPS))})
            for e in events]


@given(grouped_logs(), st.booleans())
def test_reset_on_changed_matches_the_reference(events: list[TicketEvent], resume: bool) -> None:
    d = reset_definition("resume" if resume else "new_cycle")
    outcome = d.evaluate(events)
    expected = reference_with_reset(events, resume)
    end = max(us(e.at) for e in events)
    assert len(outcome.cycles) == len(expected)
    for cycle, ref in zip(outcome.cycles, expected, strict=True):
        elapsed, _, paused_wall = reference_measure(ref, DAY_CAL, end)
        assert us(cycle.started_at) == ref.start
        assert micros(cycle.elapsed) == elapsed
        assert micros(cycle.paused_wall) == paused_wall
        target = micros(d.targets.target(ref.priority))  # type: ignore[arg-type]
        assert cycle.stage.value == reference_stage(ref, elapsed, target)


@given(grouped_logs())
def test_a_reset_that_never_fires_changes_nothing(events: list[TicketEvent]) -> None:
    with_reset = reset_definition("resume")
    never = SlaDefinition.from_dict({**with_reset.to_dict(),
                                     "reset": {"changed": "group", "to": []}})
    plain = SlaDefinition.from_dict({k: v for k, v in with_reset.to_dict().items()
                                     if k != "reset"})
    assert never.evaluate(events).cycles == plain.evaluate(events).cycles


# -- start_from and retroactive_pause ---------------------------------------------------------

RETRO = {"name": "fix", "targets": "PT4H", "start": {"state_in": ["Assigned"]},
         "pause": {"state_in": ["Pending"]}, "stop": {"state_in": ["Resolved"]},
         "start_from": "opened_at"}


def test_start_from_starts_the_first_cycle_at_the_field() -> None:
    d = SlaDefinition.from_dict(RETRO)
    opened = hour(8)
    events = [ev(9, "New", opened_at=opened), ev(10, "Pending", opened_at=opened),
              ev(11, "Assigned", opened_at=opened), ev(12, "Resolved", opened_at=opened)]
    # without retroactive pause 08:00 -> 12:00 all counts: 4h of 4h, met
    assert stages(d, events) == [(Stage.MET, hour(8), hour(12), 4 * H)]
    retro = SlaDefinition.from_dict({**RETRO, "retroactive_pause": True})
    # with it the Pending hour 10-11 is a pause: 3h elapsed, 1h paused
    out = retro.evaluate(events)
    cycle, = out.cycles
    assert (cycle.started_at, cycle.elapsed, cycle.paused_wall) == (hour(8), 3 * H, H)
    assert [s.state for s in cycle.segments] == ["New", "Pending", "Assigned"]


def test_retroactive_pause_reads_the_state_in_force_at_the_field_instant() -> None:
    retro = SlaDefinition.from_dict({**RETRO, "retroactive_pause": True})
    o = "2025-03-03T09:30:00+00:00"  # an ISO string with an offset is accepted
    events = [ev(9, "Pending", opened_at=o), ev(10, "New", opened_at=o),
              ev(11, "Assigned", opened_at=o)]
    cycle, = retro.evaluate(events, as_of=hour(12)).cycles
    # paused 09:30-10:00 (the ticket was Pending since 09:00), running 10:00-12:00
    assert (cycle.started_at, cycle.elapsed, cycle.paused_wall) == (
        hour(9.5), 2 * H, 0.5 * H)
    # the field at the attaching event itself: attaches paused if the pause holds there
    now = SlaDefinition.from_dict({**RETRO, "start": {"state_in": ["Pending", "Assigned"]},
                                   "retroactive_pause": True})
    paused, = now.evaluate([ev(9, "Pending", opened_at=hour(9))], as_of=hour(10)).cycles
    assert paused.stage is Stage.PAUSED


def test_start_from_applies_to_the_first_cycle_only() -> None:
    d = SlaDefinition.from_dict({**RETRO, "on_reopen": "new_cycle",
                                 "reset": {"changed": "group"}})
    o = hour(8)
    events = [ev(9, "Assigned", opened_at=o, group="A"),
              ev(10, "Resolved", opened_at=o, group="A"),
              ev(11, "Assigned", opened_at=o, group="A"),   # reopened: a new cycle, at 11
              ev(12, "Assigned", opened_at=o, group="B")]   # reset: a new cycle, at 12
    assert [(c.stage, c.started_at) for c in d.evaluate(events, as_of=hour(13)).cycles] == [
        (Stage.MET, hour(8)), (Stage.CANCELLED, hour(11)), (Stage.RUNNING, hour(12))]


@pytest.mark.parametrize(("value", "why"), [
    (None, "start_from field 'opened_at' is missing"),
    (datetime(2025, 3, 3, 8), "has no UTC offset"),
    ("2025-03-03T08:00", "has no UTC offset"),
    ("yesterday", "cannot read 'yesterday'"),
    (17, "expected a date-time, got int 17"),
    (hour(10), "is after the event that starts the clock"),
])
def test_an_unreadable_start_field_is_a_per_ticket_reason(value: object, why: str) -> None:
    d = SlaDefinition.from_dict(RETRO)
    fields = {} if value is None else {"opened_at": value}
    events = [TicketEvent(hour(8.5), "New", "P1", fields),
              TicketEvent(hour(9), "Assigned", "P1", fields)]
    out = d.evaluate(events, ticket="INC1", strict=False)
    assert out.cycles == ()
    assert out.skipped is not None and out.skipped.startswith("event 1 (2025-03-03T09:00:00")
    assert why in out.skipped
    with pytest.raises(InvalidArgumentError, match="ticket 'INC1', SLA 'fix': event 1"):
        d.evaluate(events, ticket="INC1")


def test_start_from_without_retroactive_pause_counts_the_stretch_as_running() -> None:
    d = SlaDefinition.from_dict(RETRO)
    events = [ev(9, "Pending", opened_at=hour(7)), ev(10, "Assigned", opened_at=hour(7))]
    cycle, = d.evaluate(events).cycles
    assert (cycle.started_at, cycle.elapsed, cycle.breached) == (hour(7), 3 * H, False)


# -- hardening --------------------------------------------------------------------------------


def test_evaluate_rejects_a_non_iterable_naming_events() -> None:
    d = SlaDefinition.from_dict({"name": "x", "targets": "PT1H"})
    with pytest.raises(ArgumentTypeError, match=r"^events: expected an iterable of TicketEvent, "
                                                r"got int 42"):
        d.evaluate(42)  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match=r"^events\[0\]: expected a TicketEvent, got int"):
        d.evaluate([10 ** 5000])  # type: ignore[list-item]


def test_the_error_names_the_ticket_boundedly() -> None:
    d = SlaDefinition.from_dict({"name": "x", "targets": {"P1": "PT1H"}})
    with pytest.raises(InvalidArgumentError) as info:
        d.evaluate([TicketEvent(hour(1), "New", "P9")], ticket="T" * 10_000)
    assert len(str(info.value)) < 400


def nested(kind: str, depth: int) -> object:
    data: object = {"state_in": ["New"]}
    for _ in range(depth):
        data = {"not": data} if kind == "not" else {kind: [data]}
    return data


@pytest.mark.parametrize(("kind", "depth"), [("not", 3000), ("all", 400), ("any", 400)])
def test_deep_conditions_are_refused(kind: str, depth: int) -> None:
    with pytest.raises(ConfigError, match=f"nested more than {MAX_DEPTH} levels deep"):
        parse_condition(nested(kind, depth))
    with pytest.raises(ConfigError, match=r"^stop[.:].*nested more than"):
        SlaDefinition.from_dict({"name": "x", "targets": "PT1H", "stop": nested(kind, depth)})


def test_deep_condition_objects_are_refused() -> None:
    condition: object = KindIn(frozenset({"x"}))
    for _ in range(3000):
        condition = Not(condition)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="nested more than 40 levels deep"):
        parse_condition(condition)


@pytest.mark.parametrize(("kind", "depth"), [("not", MAX_DEPTH - 2), ("all", MAX_DEPTH // 2 - 1),
                                              ("any", MAX_DEPTH // 2 - 1)])
def test_the_deepest_accepted_conditions_work(kind: str, depth: int) -> None:
    # MAX_DEPTH levels of mappings and lists: the innermost {"state_in": [...]} is two
    with pytest.raises(ConfigError, match="nested more than"):
        parse_condition(nested(kind, depth + 1))
    assert parse_condition(nested(kind, depth)).to_dict() == nested(kind, depth)
    depth -= 1  # inside a definition, its own mapping is one more level
    data = nested(kind, depth)
    d = SlaDefinition.from_dict({"name": "x", "targets": "PT1H", "stop": data})
    assert SlaDefinition.from_dict(d.to_dict()) == d
    assert d.to_dict()["stop"] == data
    assert d.stop.holds(ev(1, "New")) == (kind != "not" or depth % 2 == 0)
    assert pickle.loads(pickle.dumps(d)) == d
    assert len(d.evaluate([ev(1, "Open"), ev(2, "New")]).cycles) == 1


def test_condition_messages_are_bounded() -> None:
    for data in ({"state_in": [10 ** 5000]}, {"kind_in": [10 ** 5000]},
                 {"field": "x", "in": "y" * 100_000}, {10 ** 5000: 1}, 10 ** 5000,
                 {"all": {"state_in": list(range(10_000))}}):
        with pytest.raises(ConfigError) as info:
            parse_condition(data)
        assert len(str(info.value)) < 800


def test_a_start_field_before_the_first_event_counts_as_running() -> None:
    # nothing is known before the first event: the 30 minutes before it run
    d = SlaDefinition.from_dict({**RETRO, "retroactive_pause": True})
    events = [TicketEvent(at(us(hour(9))), "Assigned", "P1",
                          {"opened_at": at(us(hour(9)) - 30 * MINUTE)})]
    cycle, = d.evaluate(events).cycles
    assert micros(cycle.elapsed) == 30 * MINUTE


def figures(out: object) -> list[tuple[Any, ...]]:
    return [(c.stage, c.started_at, c.stopped_at, c.elapsed, c.paused_business, c.paused_wall)
            for c in out.cycles]  # type: ignore[attr-defined]


@given(event_logs(), st.sampled_from(sorted(CALENDARS)), st.booleans())
def test_a_start_field_at_each_event_instant_changes_nothing(events: list[TicketEvent], cal: str,
                                                             retro: bool) -> None:
    plain = definition(cal, on_reopen="new_cycle")
    d = SlaDefinition.from_dict({**plain.to_dict(), "start_from": "opened_at",
                                 "retroactive_pause": retro})
    stamped = [TicketEvent(e.at, e.state, e.priority, {"opened_at": e.at}) for e in events]
    assert figures(d.evaluate(stamped)) == figures(plain.evaluate(events))


@given(event_logs(), st.sampled_from(sorted(CALENDARS)), st.integers(0, 600))
def test_an_earlier_start_field_only_lengthens_the_first_cycle(events: list[TicketEvent],
                                                               cal: str, minutes: int) -> None:
    # without retroactive pause the first cycle gains exactly the stretch before it, run
    plain = definition(cal, on_reopen="new_cycle")
    d = SlaDefinition.from_dict({**plain.to_dict(), "start_from": "opened_at"})
    first = min(e.at for e in events)
    opened = first - timedelta(minutes=minutes)
    stamped = [TicketEvent(e.at, e.state, e.priority, {"opened_at": opened}) for e in events]
    base, moved = plain.evaluate(events).cycles, d.evaluate(stamped).cycles
    assert len(base) == len(moved)
    if not base:
        return
    gained = CALENDARS[cal].elapsed(opened, base[0].started_at)
    assert moved[0].started_at == opened
    assert moved[0].elapsed == base[0].elapsed + gained
    assert figures(d.evaluate(stamped))[1:] == figures(plain.evaluate(events))[1:]


def test_a_start_field_centuries_back_is_a_reason_for_that_ticket_not_an_escape():
    # the calendar refuses one query over more than about 570 years: with strict=False the
    # ticket is skipped with that reason and counted; with strict=True the error is raised
    weekly = SlaDefinition.from_dict({
        "name": "r", "targets": "PT4H", "start_from": "opened_at",
        "calendar": {"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}}})
    event = TicketEvent(DAY, "New", None, {"opened_at": "1200-01-01T00:00:00+00:00"})
    outcome = weekly.evaluate([event], strict=False)
    assert outcome.cycles == ()
    assert outcome.skipped is not None and "too long for one query" in outcome.skipped
    with pytest.raises(InvalidArgumentError, match="too long for one query"):
        weekly.evaluate([event])


def test_an_applying_ticket_without_a_cycle_says_why():
    # a ticket whose first row is already resolved never gets a clock: "stopped before it
    # started"; one whose start condition never held: "never started"; a clocked one: None
    fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
                                   "start": {"state_in": ["New", "Active"]},
                                   "stop": {"state_in": ["Resolved"]}})
    resolved_first = [TicketEvent(DAY, "Resolved"), TicketEvent(DAY + H, "Closed")]
    waiting_only = [TicketEvent(DAY, "Waiting"), TicketEvent(DAY + H, "Closed")]
    clocked = [TicketEvent(DAY, "New"), TicketEvent(DAY + H, "Resolved")]
    assert [fix.evaluate(events).unstarted for events in (resolved_first, waiting_only,
                                                          clocked)] == [
        "stopped before it started", "never started", None]
    assert fix.evaluate(resolved_first).to_dict()["unstarted"] == "stopped before it started"

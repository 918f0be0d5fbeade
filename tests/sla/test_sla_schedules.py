"""Which schedule and which target: per-ticket calendars (follow-the-sun), ordered goals,
deadline targets in the clock and escalation levels (docs/sla-schedules.md)."""

from __future__ import annotations

import itertools
import pickle
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies_sla import CALENDARS, definition, event_logs

from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ConfigError, InvalidArgumentError, UnknownNameError
from itsm_core.sla import SlaDefinition, SlaPolicy, Stage, TicketEvent

UTC = timezone.utc
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
LONDON = {"timezone": "Europe/London", "hours": {d: [["09:00", "17:00"]] for d in WEEKDAYS}}
SYDNEY = {"timezone": "Australia/Sydney", "hours": {d: [["09:00", "17:00"]] for d in WEEKDAYS}}
SUN = {"field": "group", "calendars": {"Network EU": LONDON, "Network APAC": SYDNEY}}


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 1, day, hour, minute, tzinfo=UTC)


def ev(moment: datetime, state: str, group: str | None = "Network EU", **fields: object
       ) -> TicketEvent:
    return TicketEvent(moment, state, "P1", {"group": group, **fields})


def sun_definition(**extra: object) -> SlaDefinition:
    return SlaDefinition.from_dict({"name": "fix", "calendar_by": SUN, "targets": "PT4H",
                                    "pause": {"state_in": ["Waiting"]},
                                    "stop": {"state_in": ["Resolved"]}, **extra})


# --- follow the sun ---------------------------------------------------------------------

def test_follow_the_sun_handover_at_london_close_is_exact() -> None:
    # Monday 6 January: London (UTC+0) 15:00-17:00 is 2 h; handed to Sydney (UTC+11) at
    # London close; Sydney opens Tuesday 09:00 local = Monday 22:00Z; 2 h left -> due 00:00Z
    d = sun_definition()
    opened, handover = ev(utc(6, 15), "New"), ev(utc(6, 17), "Active", "Network APAC")
    running = d.evaluate([opened, handover], as_of=utc(6, 23)).cycles[0]
    assert running.elapsed == timedelta(hours=3)          # 2 h London + 1 h Sydney
    assert running.due_at == datetime(2025, 1, 7, 0, tzinfo=UTC)
    shares = running.time_by_owner("group")
    assert shares["Network EU"].elapsed == timedelta(hours=2)
    assert shares["Network APAC"].elapsed == timedelta(hours=1)
    done = d.evaluate([opened, handover, ev(utc(7, 0), "Resolved", "Network APAC")]).cycles[0]
    assert (done.stage, done.elapsed) == (Stage.MET, timedelta(hours=4))
    late = d.evaluate([opened, handover,
                       ev(utc(7, 0) + timedelta(microseconds=1), "Resolved", "Network APAC")])
    assert late.cycles[0].stage is Stage.BREACHED


def test_each_segment_measured_on_its_calendar() -> None:
    d = sun_definition()
    cycle = d.evaluate([ev(utc(6, 15), "New"), ev(utc(6, 17), "Active", "Network APAC")],
                       as_of=utc(6, 23)).cycles[0]
    zones = [s.start.tzinfo for s in cycle.segments]
    assert len(cycle.segments) == 2 and len(set(zones)) == 1   # one display zone
    assert [s.business for s in cycle.segments] == [timedelta(hours=2), timedelta(hours=1)]
    assert cycle.started_at.utcoffset() == timedelta(0)       # London's zone: it started there


def test_unmapped_value_without_default_is_a_reason_never_a_silent_skip() -> None:
    d = sun_definition()
    outcome = d.evaluate([ev(utc(6, 9), "New", "Desk")], strict=False)
    assert outcome.cycles == () and "group 'Desk' has no calendar" in (outcome.skipped or "")
    with pytest.raises(InvalidArgumentError, match="has no calendar"):
        d.evaluate([ev(utc(6, 9), "New", "Desk")])
    # mid-cycle: the ticket is skipped too, naming the event's instant
    mid = d.evaluate([ev(utc(6, 9), "New"), ev(utc(6, 10), "Active", "Desk")], strict=False)
    assert mid.cycles == () and "2025-01-06T10:00:00+00:00" in (mid.skipped or "")


def test_default_calendar_and_policy_names() -> None:
    policy = SlaPolicy.from_dict({
        "calendars": {"london": LONDON, "sydney": SYDNEY},
        "definitions": [{"name": "fix", "targets": "PT4H", "calendar_by": {
            "field": "group", "calendars": {"Network APAC": "sydney"}, "default": "london"}}]})
    d = policy.definitions[0]
    cycle = d.evaluate([ev(utc(6, 15), "New", "Desk")], as_of=utc(6, 17)).cycles[0]
    assert cycle.elapsed == timedelta(hours=2)
    assert SlaPolicy.from_dict(policy.to_dict()) == policy
    with pytest.raises(UnknownNameError, match=r"definitions\[0\]\.calendar_by\.calendars\."
                                                r"Network APAC: unknown name 'tokyo'"):
        SlaPolicy.from_dict({"calendars": {"london": LONDON}, "definitions": [
            {"name": "fix", "targets": "PT4H", "calendar_by": {
                "field": "group", "calendars": {"Network APAC": "tokyo"}}}]})


@pytest.mark.parametrize(("extra", "path"), [
    ({"calendar_by": {"field": "", "calendars": {}}}, "calendar_by.field"),
    ({"calendar_by": {"field": "g", "calendars": []}}, "calendar_by.calendars"),
    ({"calendar_by": {"field": "g", "calendars": {}, "zone": 1}}, "calendar_by.zone"),
    ({"calendar_by": {"field": "g", "calendars": {"A": 3}}}, "calendar_by.calendars.A"),
    ({"calendar_by": SUN, "calendar": LONDON}, "calendar_by"),
    ({"escalations": ["soon"]}, "escalations[0]"),
    ({"escalations": "PT1H"}, "escalations"),
])
def test_bad_schedule_configuration_names_the_path(extra: dict[str, object], path: str) -> None:
    with pytest.raises(ConfigError) as info:
        SlaDefinition.from_dict({"name": "fix", "targets": "PT4H", **extra})
    assert info.value.path == path


def test_round_trip_and_pickle() -> None:
    d = sun_definition(escalations=["PT1H", "-PT30M"])
    assert SlaDefinition.from_dict(d.to_dict()) == d
    assert pickle.loads(pickle.dumps(d)) == d
    assert d.to_dict()["escalations"] == ["-PT30M", "PT1H"]


GROUPS = ("Network EU", "Network APAC")
CALS = {"Network EU": BusinessCalendar.from_dict(LONDON),
        "Network APAC": BusinessCalendar.from_dict(SYDNEY)}


@st.composite
def histories(draw: st.DrawFn) -> list[TicketEvent]:
    t = utc(6, 0) + timedelta(minutes=draw(st.integers(0, 7 * 1440)))
    events = []
    for _ in range(draw(st.integers(1, 7))):
        events.append(ev(t, draw(st.sampled_from(["New", "Active", "Waiting"])),
                         draw(st.sampled_from(GROUPS))))
        t += timedelta(minutes=draw(st.integers(0, 3 * 1440)))
    if draw(st.booleans()):
        events.append(ev(t, "Resolved", draw(st.sampled_from(GROUPS))))
    return events


def reference(events: list[TicketEvent]) -> tuple[int, int]:
    """Obviously correct: between consecutive events, the earlier event's group's calendar
    measures the stretch, as running or paused time (until the first Resolved)."""
    elapsed = paused = 0
    for before, after in itertools.pairwise(events):
        business = CALS[before.fields["group"]].elapsed(before.at, after.at)
        if before.state == "Waiting":
            paused += business // timedelta(microseconds=1)
        else:
            elapsed += business // timedelta(microseconds=1)
        if after.state == "Resolved":
            break
    return elapsed, paused


@settings(max_examples=150, deadline=None)
@given(histories())
def test_per_ticket_calendar_against_reference(events: list[TicketEvent]) -> None:
    cycle = sun_definition().evaluate(events).cycles[0]
    elapsed, paused = reference(events)
    assert cycle.elapsed == timedelta(microseconds=elapsed)
    assert cycle.paused_business == timedelta(microseconds=paused)
    by_owner = cycle.time_by_owner("group").shares
    assert sum((s.elapsed for s in by_owner), timedelta(0)) == cycle.elapsed
    assert sum((s.paused_business for s in by_owner), timedelta(0)) == cycle.paused_business
    assert sum((s.paused_wall for s in by_owner), timedelta(0)) == cycle.paused_wall


# --- ordered goals ----------------------------------------------------------------------

GOALS = [{"when": {"field": "tier", "in": ["gold"]}, "targets": "PT2H"},
         {"when": {"field": "tier", "in": ["silver"]}, "targets": "PT4H",
          "calendar": LONDON},
         {"targets": "PT8H"}]


def goal_definition(goals: list[object] = GOALS) -> SlaDefinition:
    return SlaDefinition.from_dict({"name": "fix", "goals": goals,
                                    "stop": {"state_in": ["Resolved"]}})


def test_first_matching_goal_wins_and_is_rechosen_keeping_elapsed() -> None:
    d = goal_definition()
    gold = d.evaluate([ev(utc(6, 9), "New", tier="gold")], as_of=utc(6, 10)).cycles[0]
    assert gold.target == timedelta(hours=2)
    other = d.evaluate([ev(utc(6, 9), "New", tier="bronze")], as_of=utc(6, 10)).cycles[0]
    assert other.target == timedelta(hours=8)
    # upgraded to gold after 3 h: the elapsed time stays, judged against 2 h -> breached
    upgraded = d.evaluate([ev(utc(6, 9), "New", tier="bronze"),
                           ev(utc(6, 12), "Active", tier="gold"),
                           ev(utc(6, 13), "Resolved", tier="gold")]).cycles[0]
    assert (upgraded.elapsed, upgraded.target, upgraded.stage) == (
        timedelta(hours=4), timedelta(hours=2), Stage.BREACHED)


def test_goal_calendar_applies_while_the_goal_holds() -> None:
    d = goal_definition()
    # silver on the London office calendar: 16:00 Monday -> 10:00 Tuesday is 2 h
    silver = d.evaluate([ev(utc(6, 16), "New", tier="silver")], as_of=utc(7, 10)).cycles[0]
    assert silver.elapsed == timedelta(hours=2)


def test_no_goal_matching_is_a_reason() -> None:
    d = goal_definition(GOALS[:2])
    outcome = d.evaluate([ev(utc(6, 9), "New", tier="bronze")], strict=False)
    assert outcome.cycles == () and "no goal matches" in (outcome.skipped or "")
    mid = d.evaluate([ev(utc(6, 9), "New", tier="gold"), ev(utc(6, 10), "New", tier="x")],
                     strict=False)
    assert mid.cycles == () and "no goal matches" in (mid.skipped or "")


@pytest.mark.parametrize(("goals", "path"), [
    ([{"when": False, "targets": "PT1H"}], "goals[0].when"),
    ([{"targets": "PT1H"}, {"when": {"state_in": ["New"]}, "targets": "PT2H"}], "goals[1]"),
    ([{"when": True, "targets": "PT1H"}, {"targets": "PT2H"}], "goals[1]"),
    ([], "goals"),
    ([{"when": True}], "goals[0].targets"),
    ([{"targets": "PT1H", "colour": 1}], "goals[0].colour"),
    ([{"targets": {"P1": "soon"}}], "goals[0].targets.P1"),
])
def test_goals_that_can_never_match_or_are_malformed(goals: list[object], path: str) -> None:
    with pytest.raises(ConfigError) as info:
        goal_definition(goals)
    assert info.value.path == path


def test_goals_round_trip_and_exclusive_with_targets() -> None:
    d = goal_definition()
    assert SlaDefinition.from_dict(d.to_dict()) == d
    assert "targets" not in d.to_dict()
    with pytest.raises(ConfigError, match=r"^goals: given with targets"):
        SlaDefinition.from_dict({"name": "x", "targets": "PT1H", "goals": GOALS})


# --- deadlines and escalations ----------------------------------------------------------

def deadline_definition(target: object, **extra: object) -> SlaDefinition:
    return SlaDefinition.from_dict({"name": "fix", "calendar": LONDON, "targets": target,
                                    "pause": {"state_in": ["Waiting"]},
                                    "stop": {"state_in": ["Resolved"]}, **extra})


def test_deadline_breach_is_wall_clock_exact() -> None:
    d = deadline_definition("P1BD")   # end of the next business day: Tuesday 17:00
    due = datetime(2025, 1, 7, 17, tzinfo=UTC)
    opened = ev(utc(6, 15), "New")
    on_time = d.evaluate([opened, ev(due, "Resolved")]).cycles[0]
    assert on_time.stage is Stage.MET and on_time.due_at == due
    # resolved at 17:30, outside business hours: no business time passed, still late
    late = d.evaluate([opened, ev(due + timedelta(minutes=30), "Resolved")]).cycles[0]
    assert late.stage is Stage.BREACHED and late.breached and late.breached_at == due
    assert late.elapsed == late.target == timedelta(hours=10)   # Mon 15-17 + Tue 9-17
    assert late.remaining == timedelta(0) and late.percent == 100


def test_deadline_moves_later_by_paused_business_time() -> None:
    d = deadline_definition("P1BD")
    events = [ev(utc(6, 15), "New"), ev(utc(7, 9), "Waiting"), ev(utc(7, 11), "Active")]
    cycle = d.evaluate(events).cycles[0]
    assert cycle.due_at == datetime(2025, 1, 8, 11, tzinfo=UTC)   # Tue 17:00 + 2 h business
    resolved = d.evaluate([*events, ev(utc(8, 10), "Resolved")]).cycles[0]
    assert resolved.stage is Stage.MET
    assert d.evaluate([*events, ev(utc(7, 12), "Waiting")]).cycles[0].due_at is None


def test_deadline_reason_skips_the_ticket() -> None:
    d = deadline_definition({"due_field": "due"})
    outcome = d.evaluate([ev(utc(6, 9), "New")], strict=False)
    assert outcome.cycles == () and outcome.skipped


def test_escalation_levels_on_budget_and_deadline() -> None:
    levels = ["-PT1H", "PT0S", "PT4H"]
    budget = deadline_definition("PT4H", escalations=levels)
    cycle = budget.evaluate([ev(utc(6, 9), "New")]).cycles[0]
    assert list(cycle.escalations.values()) == [utc(6, 12), utc(6, 13), utc(6, 17)]
    assert cycle.to_dict()["escalations"] == {"-PT1H": "2025-01-06T12:00:00+00:00",
                                              "PT0S": "2025-01-06T13:00:00+00:00",
                                              "PT4H": "2025-01-06T17:00:00+00:00"}
    deadline = deadline_definition("P1BD", escalations=levels)
    cycle = deadline.evaluate([ev(utc(6, 15), "New")]).cycles[0]
    assert list(cycle.escalations.values()) == [utc(7, 16), utc(7, 17), utc(8, 13)]
    paused = deadline.evaluate([ev(utc(6, 15), "Waiting")]).cycles[0]
    assert set(paused.escalations.values()) == {None}


# --- the per-ticket path against the plain one ------------------------------------------

MODES = st.sampled_from([("keep_elapsed", "resume"), ("restart", "new_cycle"),
                         ("keep_elapsed", "new_cycle"), ("restart", "resume")])


@settings(max_examples=150, deadline=None)
@given(event_logs(), st.sampled_from(sorted(CALENDARS)), MODES)
def test_one_calendar_and_one_goal_replay_like_the_plain_definition(
        events: list[TicketEvent], cal: str, modes: tuple[str, str]) -> None:
    plain = definition(cal, on_priority_change=modes[0], on_reopen=modes[1])
    data = plain.to_dict()
    calendar = data.pop("calendar")
    by_field = {**data, "calendar_by": {"field": "group", "calendars": {"x": calendar},
                                        "default": calendar}}
    by_goal = {**data, "calendar": calendar, "goals": [{"targets": data.pop("targets")}]}
    del by_goal["targets"]
    expected = plain.evaluate(events, strict=False)
    for variant in (SlaDefinition.from_dict(by_field), SlaDefinition.from_dict(by_goal)):
        got = variant.evaluate(events, strict=False)
        assert got.skipped == expected.skipped
        assert [c.to_dict() for c in got.cycles] == [c.to_dict() for c in expected.cycles]

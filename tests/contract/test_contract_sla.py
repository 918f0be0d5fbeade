"""Acceptance tests of SLA definitions, clock replay, compliance, the CLI main job.

Names are imported from ``itsm_core``, where users find them.  Expected values are counted by hand
on Mon–Fri 09:00–17:00 Europe/London (with England's bank holidays from gov.uk/bank-holidays)
or checked against a slow replay over ``contract_oracle``'s open intervals.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pendulum
import pytest
from contract_oracle import elapsed as oracle_elapsed
from contract_oracle import open_pairs, us
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core import (
    BusinessCalendar,
    ConfigError,
    SlaDefinition,
    SlaPolicy,
    Stage,
    TicketEvent,
    compliance_report,
)

UK = ZoneInfo("Europe/London")
UTC = timezone.utc
H = timedelta(hours=1)
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_POLICY = ROOT / "docs" / "examples" / "servicenow-policy.json"

OFFICE = {
    "timezone": "Europe/London",
    "hours": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": [{"country": "GB", "subdivision": "ENG"}],
}

# the documented example (docs/sla.md), with the calendar form of docs/design.md, "Business calendars"
DOCUMENTED_EXAMPLE = {
    "name": "resolution",
    "calendar": OFFICE,
    "targets": {"1 - Critical": "PT4H", "2 - High": "PT8H", "3 - Moderate": "P3D", "4 - Low": "P5D"},
    "applies": {"field": "type", "in": ["incident"]},
    "start": {"state_not_in": ["Draft"]},
    "pause": {"state_in": ["Awaiting User Info", "Awaiting Vendor"]},
    "stop": {"state_in": ["Resolved", "Closed"]},
    "cancel": {"state_in": ["Cancelled"]},
    "warnings": [0.5, 0.75, 0.9],
    "on_priority_change": "keep_elapsed",
    "on_reopen": "resume",
}
INCIDENT = {"type": "incident"}


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=UK)  # type: ignore[misc]


def same_instant(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.astimezone(UTC) == b.astimezone(UTC)


def resolution(**changes: Any) -> SlaDefinition:
    return SlaDefinition.from_dict({**DOCUMENTED_EXAMPLE, **changes})


def events(*rows: tuple[datetime, str, str | None]) -> list[TicketEvent]:
    return [TicketEvent(at, state, priority, INCIDENT) for at, state, priority in rows]


# -- definitions as data --------------------------------------------------------------------------

class TestDefinitionsAsData:
    def test_documented_example_round_trips(self):
        definition = SlaDefinition.from_dict(DOCUMENTED_EXAMPLE)
        data = definition.to_dict()
        assert SlaDefinition.from_dict(data) == definition
        assert json.loads(json.dumps(data)) == data
        assert data["name"] == "resolution"
        assert data["calendar"] == OFFICE
        assert data["targets"] == DOCUMENTED_EXAMPLE["targets"]
        assert data["warnings"] == [0.5, 0.75, 0.9]
        assert data["on_priority_change"] == "keep_elapsed" and data["on_reopen"] == "resume"

    def test_documented_example_comes_back_exactly_as_written(self):
        # the round trip in the other direction: the documented form, list order included
        assert SlaDefinition.from_dict(DOCUMENTED_EXAMPLE).to_dict() == DOCUMENTED_EXAMPLE

    def test_list_order_is_kept_for_output_but_not_part_of_equality(self):
        a = SlaDefinition.from_dict({**DOCUMENTED_EXAMPLE, "stop": {"state_in": ["Resolved", "Closed"]}})
        b = SlaDefinition.from_dict({**DOCUMENTED_EXAMPLE, "stop": {"state_in": ["Closed", "Resolved"]}})
        assert a == b and hash(a) == hash(b)
        assert a.to_dict()["stop"] == {"state_in": ["Resolved", "Closed"]}
        assert b.to_dict()["stop"] == {"state_in": ["Closed", "Resolved"]}

    def test_iso_day_is_24_business_hours(self):
        # "P3D" is 72 business hours (ServiceNow's rule), nine 8-hour office days
        definition = resolution()
        start = london(2025, 3, 3, 9)  # a Monday
        outcome = definition.evaluate(events((start, "New", "3 - Moderate")),
                                      as_of=start + timedelta(days=30))
        cycle = outcome.cycles[0]
        assert cycle.target == 72 * H
        # Mon 3 .. Thu 13 March: nine office days of 8 h
        assert same_instant(cycle.breached_at, london(2025, 3, 13, 17))

    def test_targets_accept_timedelta(self):
        definition = resolution(targets={"2 - High": timedelta(hours=8)})
        assert definition == resolution(targets={"2 - High": "PT8H"})

    @pytest.mark.parametrize(("condition", "state", "fields", "paused"), [
        ({"state_in": ["Hold"]}, "Hold", {}, True),
        ({"state_in": ["Hold"]}, "Active", {}, False),
        ({"state_not_in": ["New", "Active"]}, "Hold", {}, True),
        ({"field": "waiting_on", "in": ["vendor"]}, "Active", {"waiting_on": "vendor"}, True),
        ({"field": "waiting_on", "in": ["vendor"]}, "Active", {"waiting_on": "user"}, False),
        ({"all": [{"state_in": ["Hold"]}, {"field": "vip", "in": [True]}]}, "Hold",
         {"vip": True}, True),
        ({"all": [{"state_in": ["Hold"]}, {"field": "vip", "in": [True]}]}, "Hold", {}, False),
        ({"any": [{"state_in": ["Hold"]}, {"state_in": ["Wait"]}]}, "Wait", {}, True),
        ({"not": {"state_in": ["Active", "New"]}}, "Hold", {}, True),
        ({"not": {"state_in": ["Active", "New"]}}, "Active", {}, False),
    ])
    def test_condition_language(self, condition, state, fields, paused):
        definition = SlaDefinition.from_dict(
            {"name": "c", "targets": "PT8H", "pause": condition})
        start = datetime(2025, 1, 6, 9, tzinfo=UTC)
        outcome = definition.evaluate([TicketEvent(start, "New", "P1"),
                                       TicketEvent(start + H, state, "P1", fields)],
                                      as_of=start + 3 * H)
        cycle = outcome.cycles[0]
        assert (cycle.stage.value == "paused") is paused
        assert cycle.elapsed == (H if paused else 3 * H)
        assert SlaDefinition.from_dict(definition.to_dict()) == definition

    def test_a_plain_callable_is_accepted_in_python(self):
        definition = SlaDefinition.from_dict({
            "name": "c", "targets": "PT8H",
            "stop": lambda event: event.fields.get("done") is True})
        start = datetime(2025, 1, 6, 9, tzinfo=UTC)
        outcome = definition.evaluate([TicketEvent(start, "New", "P1"),
                                       TicketEvent(start + H, "Any", "P1", {"done": True})])
        assert outcome.cycles[0].stage.value == "met"
        assert outcome.cycles[0].elapsed == H

    def test_several_definitions_form_a_policy(self):
        response = SlaDefinition.from_dict({
            "name": "response", "calendar": OFFICE, "targets": {"2 - High": "PT1H"},
            "stop": {"state_not_in": ["New"]}})
        policy = SlaPolicy(definitions=(response, resolution()))
        outcomes = policy.evaluate(events((london(2025, 3, 7, 15), "New", "2 - High"),
                                          (london(2025, 3, 7, 15, 30), "Active", "2 - High")))
        assert [o.definition for o in outcomes] == ["response", "resolution"]
        assert SlaPolicy.from_dict(policy.to_dict()) == policy

    @pytest.mark.parametrize(("change", "path"), [
        ({"targets": {"1 - Critical": "4 hours"}}, "targets"),
        ({"pause": {"state_on": ["x"]}}, "pause"),
        ({"on_reopen": "again"}, "on_reopen"),
        ({"on_priority_change": "reset"}, "on_priority_change"),
        ({"warnings": ["half"]}, "warnings[0]"),
        ({"calendar": {**OFFICE, "timezone": "Mars/Base"}}, "calendar.timezone"),
    ])
    def test_bad_definitions_name_the_field(self, change, path):
        with pytest.raises(ConfigError) as info:
            resolution(**change)
        assert str(info.value).startswith(path)


# -- replay ---------------------------------------------------------------------------------------

class TestReplay:
    def test_readme_example(self):
        history = events((london(2025, 3, 7, 15), "New", "2 - High"),
                         (london(2025, 3, 7, 16), "Awaiting User Info", "2 - High"),
                         (london(2025, 3, 10, 10), "Active", "2 - High"))
        outcome = resolution().evaluate(history, as_of=london(2025, 3, 10, 12))
        cycle = outcome.cycles[0]
        assert cycle.stage.value == "running"
        assert same_instant(cycle.started_at, london(2025, 3, 7, 15))
        assert cycle.stopped_at is None
        assert cycle.target == 8 * H
        assert cycle.elapsed == 3 * H                        # Fri 15-16, Mon 10-12
        business, wall = cycle.paused                        # Fri 16-17, Mon 09-10
        assert business == 2 * H and wall == timedelta(days=2, hours=18)
        assert cycle.paused_business == business and cycle.paused_wall == wall
        assert cycle.remaining == 5 * H
        assert same_instant(cycle.due_at, london(2025, 3, 10, 17))
        assert cycle.breached is False
        assert cycle.percent == Fraction(75, 2)
        # warnings at 4 h, 6 h and 7.2 h of business time
        assert list(cycle.warnings) == [Fraction(1, 2), Fraction(3, 4), Fraction(9, 10)]
        assert same_instant(cycle.warnings[Fraction(1, 2)], london(2025, 3, 10, 13))
        assert same_instant(cycle.warnings[Fraction(3, 4)], london(2025, 3, 10, 15))
        assert same_instant(cycle.warnings[Fraction(9, 10)], london(2025, 3, 10, 16, 12))
        kinds = [(s.kind, s.business) for s in cycle.segments]
        assert kinds == [("running", H), ("paused", 2 * H), ("running", 2 * H)]

    def test_stage_values(self):
        assert [s.value for s in Stage] == ["running", "paused", "met", "breached", "cancelled"]

    def test_due_at_is_none_while_paused(self):
        history = events((london(2025, 3, 7, 15), "New", "2 - High"),
                         (london(2025, 3, 7, 16), "Awaiting Vendor", "2 - High"))
        cycle = resolution().evaluate(history, as_of=london(2025, 3, 10, 12)).cycles[0]
        assert cycle.stage.value == "paused"
        assert cycle.due_at is None

    def test_breach_is_elapsed_greater_than_target_exactly(self):
        start = london(2025, 3, 3, 9)
        on_time = resolution().evaluate(events((start, "New", "1 - Critical"),
                                               (start + 4 * H, "Resolved", "1 - Critical")))
        late = resolution().evaluate(events(
            (start, "New", "1 - Critical"),
            (start + 4 * H + timedelta(microseconds=1), "Resolved", "1 - Critical")))
        assert on_time.cycles[0].stage.value == "met" and not on_time.cycles[0].breached
        assert late.cycles[0].stage.value == "breached" and late.cycles[0].breached
        assert late.cycles[0].remaining == -timedelta(microseconds=1)
        assert same_instant(on_time.cycles[0].stopped_at, start + 4 * H)

    def test_events_are_sorted_by_time_and_ties_keep_input_order(self):
        t = london(2025, 3, 3, 9)
        in_order = events((t, "New", "2 - High"), (t + H, "Resolved", "2 - High"),
                          (t + H, "Active", "2 - High"))
        shuffled = [in_order[1], in_order[0], in_order[2]]
        other_tie = [in_order[0], in_order[2], in_order[1]]
        as_of = t + 3 * H
        assert resolution().evaluate(in_order, as_of=as_of) == \
            resolution().evaluate(shuffled, as_of=as_of)
        # Resolved then Active at the same instant: reopened, still running
        assert resolution().evaluate(in_order, as_of=as_of).cycles[0].stage.value == "running"
        # Active then Resolved: met
        assert resolution().evaluate(other_tie, as_of=as_of).cycles[0].stage.value == "met"

    def test_clock_starts_when_start_holds_and_stop_does_not(self):
        t = london(2025, 3, 3, 9)
        draft = resolution().evaluate(events((t, "Draft", "2 - High"),
                                             (t + H, "New", "2 - High")), as_of=t + 3 * H)
        assert same_instant(draft.cycles[0].started_at, t + H)
        assert draft.cycles[0].elapsed == 2 * H
        born_resolved = resolution().evaluate(events((t, "Resolved", "2 - High")),
                                              as_of=t + 3 * H)
        assert born_resolved.cycles == ()

    def test_applies_selects_tickets(self):
        t = london(2025, 3, 3, 9)
        outcome = resolution().evaluate([TicketEvent(t, "New", "2 - High", {"type": "request"})],
                                        as_of=t + H)
        assert outcome.cycles == ()

    def test_cancel(self):
        t = london(2025, 3, 3, 9)
        outcome = resolution().evaluate(events((t, "New", "2 - High"),
                                               (t + H, "Cancelled", "2 - High")))
        assert outcome.cycles[0].stage.value == "cancelled"
        assert outcome.cycles[0].elapsed == H

    def test_pause_over_a_weekend_and_holiday_costs_nothing_twice(self):
        # Thursday 2025-04-17 16:00 paused to Tuesday 2025-04-22 10:00: Good Friday and Easter
        # Monday are bank holidays (gov.uk), so the pause costs Thu 16-17 and Tue 09-10
        history = events((london(2025, 4, 17, 15), "New", "2 - High"),
                         (london(2025, 4, 17, 16), "Awaiting User Info", "2 - High"),
                         (london(2025, 4, 22, 10), "Active", "2 - High"))
        cycle = resolution().evaluate(history, as_of=london(2025, 4, 22, 12)).cycles[0]
        assert cycle.elapsed == 3 * H
        assert cycle.paused_business == 2 * H

    def test_priority_change_switches_target_and_keeps_elapsed(self):
        t = london(2025, 3, 3, 9)
        history = events((t, "New", "3 - Moderate"), (t + 5 * H, "Active", "1 - Critical"))
        cycle = resolution().evaluate(history, as_of=t + 6 * H).cycles[0]
        assert cycle.target == 4 * H and cycle.elapsed == 6 * H
        assert cycle.breached is True and cycle.remaining == -2 * H

    def test_priority_change_restart(self):
        t = london(2025, 3, 3, 9)
        history = events((t, "New", "3 - Moderate"), (t + 5 * H, "Active", "1 - Critical"))
        cycles = resolution(on_priority_change="restart").evaluate(history,
                                                                   as_of=t + 6 * H).cycles
        assert [c.stage.value for c in cycles] == ["cancelled", "running"]
        assert cycles[1].elapsed == H and cycles[1].target == 4 * H

    def test_reopen_resumes_or_opens_a_new_cycle(self):
        t = london(2025, 3, 3, 9)
        history = events((t, "New", "2 - High"), (t + 2 * H, "Resolved", "2 - High"),
                         (t + 3 * H, "Active", "2 - High"))
        resumed = resolution().evaluate(history, as_of=t + 4 * H).cycles
        assert len(resumed) == 1 and resumed[0].stage.value == "running"
        assert resumed[0].elapsed == 3 * H and resumed[0].paused_business == H
        new = resolution(on_reopen="new_cycle").evaluate(history, as_of=t + 4 * H).cycles
        assert [(c.stage.value, c.elapsed) for c in new] == [("met", 2 * H), ("running", H)]

    def test_as_of_ignores_later_events(self):
        t = london(2025, 3, 3, 9)
        history = events((t, "New", "2 - High"), (t + 2 * H, "Resolved", "2 - High"))
        cycle = resolution().evaluate(history, as_of=t + H).cycles[0]
        assert cycle.stage.value == "running" and cycle.elapsed == H

    def test_no_implicit_clock_as_of_none_is_the_last_event(self):
        t = london(2025, 3, 3, 9)
        history = events((t, "New", "2 - High"), (t + 3 * H, "Active", "2 - High"))
        assert resolution().evaluate(history) == resolution().evaluate(history, as_of=t + 3 * H)
        assert resolution().evaluate(history).cycles[0].elapsed == 3 * H

    def test_instants_are_in_the_calendars_zone_and_any_datetime_subclass_works(self):
        t = datetime(2025, 3, 3, 9, tzinfo=UTC)
        plain = resolution().evaluate(events((t, "New", "2 - High")), as_of=t + H).cycles[0]
        assert plain.started_at.tzinfo == UK and plain.due_at.tzinfo == UK
        p = pendulum.datetime(2025, 3, 3, 9, tz="UTC")
        ts = pd.Timestamp("2025-03-03 09:00", tz="UTC")
        for start in (p, ts):
            other = resolution().evaluate(events((start, "New", "2 - High")),
                                          as_of=t + H).cycles[0]
            assert other.elapsed == plain.elapsed
            assert same_instant(other.due_at, plain.due_at)

    def test_iso_targets_with_days_and_hours(self):
        definition = resolution(targets={"2 - High": "P1DT2H"})
        t = london(2025, 3, 3, 9)
        cycle = definition.evaluate(events((t, "New", "2 - High")), as_of=t).cycles[0]
        assert cycle.target == 26 * H

    def test_a_cycle_explains_itself_as_plain_data(self):
        t = london(2025, 3, 3, 9)
        cycle = resolution().evaluate(events((t, "New", "2 - High"),
                                             (t + H, "Awaiting Vendor", "2 - High")),
                                      as_of=t + 2 * H).cycles[0]
        data = cycle.to_dict()
        assert json.loads(json.dumps(data)) == data
        assert [s.to_dict()["kind"] for s in cycle.segments] == ["running", "paused"]

    def test_versioned_calendar_per_segment(self):
        # from Wednesday 2025-03-05 the desk is open 24x7
        versioned = BusinessCalendar.versioned(
            [("2025-01-01", BusinessCalendar.from_dict(OFFICE)),
             ("2025-03-05", BusinessCalendar.always_open("Europe/London"))])
        definition = SlaDefinition.from_dict({**DOCUMENTED_EXAMPLE, "calendar": versioned.to_dict()})
        t = london(2025, 3, 4, 16)   # Tuesday 16:00: one office hour, then 24 h from midnight
        cycle = definition.evaluate(events((t, "New", "4 - Low")),
                                    as_of=london(2025, 3, 5, 6)).cycles[0]
        assert cycle.elapsed == 7 * H


# -- the clock against a slow reference -------------------------------------------------------------

REFERENCE_CALENDAR = {"timezone": "Europe/London", "hours": OFFICE["hours"],
                      "closed_dates": ["2025-03-07"]}
STATES = ["New", "Active", "Awaiting User Info", "Resolved"]
RUNNING = {"New", "Active"}
STOPPED = {"Resolved"}


@st.composite
def histories(draw: Any) -> list[tuple[int, str]]:
    start = us(datetime(2025, 3, 1, tzinfo=UTC))
    offsets = sorted(draw(st.lists(st.integers(0, 14 * 24 * 4), min_size=1, max_size=12)))
    return [(start + 15 * 60_000_000 * o, draw(st.sampled_from(STATES))) for o in offsets]


def reference(history: list[tuple[int, str]], target: int) -> tuple[str, int] | None:
    """Stage and elapsed by walking the events over the oracle's open intervals."""
    pairs = open_pairs(REFERENCE_CALENDAR,
                       datetime(2025, 2, 25).date(), datetime(2025, 3, 20).date())
    attach = next((i for i, (_, state) in enumerate(history) if state not in STOPPED), None)
    if attach is None:
        return None
    as_of = history[-1][0]
    elapsed = 0
    for (at, state), (nxt, _) in zip(history[attach:], [*history[attach + 1:], (as_of, "")],
                                     strict=True):
        if state in RUNNING:
            elapsed += oracle_elapsed(pairs, at, nxt)
    last = history[-1][1]
    if last in STOPPED:
        return ("breached" if elapsed > target else "met"), elapsed
    return ("running" if last in RUNNING else "paused"), elapsed


class TestAgainstReference:
    @settings(max_examples=150)
    @given(histories())
    def test_stage_and_elapsed(self, history):
        definition = SlaDefinition.from_dict({
            "name": "r", "calendar": REFERENCE_CALENDAR,
            "targets": {"P": "PT6H"}, "pause": {"state_in": ["Awaiting User Info"]},
            "stop": {"state_in": ["Resolved"]}})
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        ticket = [TicketEvent(epoch + timedelta(microseconds=at), state, "P")
                  for at, state in history]
        outcome = definition.evaluate(ticket)
        expected = reference(history, 6 * 3_600_000_000)
        if expected is None:
            assert outcome.cycles == ()
            return
        (cycle,) = outcome.cycles
        assert (cycle.stage.value, cycle.elapsed) == (expected[0],
                                                      timedelta(microseconds=expected[1]))
        assert cycle.breached is (expected[1] > 6 * 3_600_000_000)
        assert cycle.remaining == 6 * H - cycle.elapsed
        assert cycle.elapsed + cycle.paused_business == sum(
            (s.business for s in cycle.segments), timedelta(0))


# -- compliance -------------------------------------------------------------------------------------

def closed_after(hours: float, priority: str = "P1", state: str = "Resolved",
                 day: int = 6) -> Any:
    definition = SlaDefinition.from_dict({"name": "fix", "targets": {"P1": "PT6H", "P2": "PT1H"},
                                          "stop": {"state_in": ["Resolved"]},
                                          "pause": {"state_in": ["Hold"]},
                                          "cancel": {"state_in": ["Cancelled"]}})
    t = datetime(2025, 1, day, tzinfo=UTC)
    history = [TicketEvent(t, "New", priority),
               TicketEvent(t + timedelta(hours=hours), state, priority)]
    return definition.evaluate(history, as_of=t + timedelta(hours=hours))


class TestCompliance:
    def test_counts_exact_compliance_and_statistics(self):
        # ten P1 tickets closed after these hours; target 6 h: 7, 9, 9 breach
        hours = [1, 2, 3, 4, 5, 5, 6, 7, 9, 9]
        outcomes = [closed_after(h) for h in hours]
        outcomes += [closed_after(1, state="Hold"), closed_after(2, state="Active"),
                     closed_after(1, state="Cancelled"), closed_after(3, priority="P2")]
        report = compliance_report(outcomes, by=("definition", "priority"), period=None)
        rows = {dict(r.keys)["priority"]: r for r in report.rows}
        p1 = rows["P1"]
        assert (p1.total, p1.met, p1.breached, p1.running, p1.paused, p1.cancelled) == \
            (13, 7, 3, 1, 1, 1)
        assert p1.compliance == Fraction(7, 10)
        assert rows["P2"].compliance == Fraction(0)
        data = report.to_dict()
        assert json.loads(json.dumps(data)) == data
        for row in data["rows"]:
            assert {"definition", "priority", "total", "met", "breached", "running", "paused",
                    "cancelled", "compliance"} <= set(row)
        text = report.to_text()
        assert "P1" in text and "70.0" in text

    def test_mean_median_p90_of_business_elapsed(self):
        # 1..9 h chosen so that every usual definition of median and p90 agrees
        hours = [1, 2, 3, 4, 5, 5, 6, 7, 9, 9]
        (row,) = compliance_report([closed_after(h) for h in hours]).rows
        assert row.mean_elapsed == timedelta(hours=5, minutes=6)  # 51 h / 10
        assert row.median_elapsed == 5 * H
        assert row.p90_elapsed == 9 * H

    def test_compliance_is_none_when_nothing_finished(self):
        (row,) = compliance_report([closed_after(2, state="Active")]).rows
        assert row.compliance is None

    def test_group_by_period(self):
        outcomes = [closed_after(1, day=6), closed_after(1, day=7), closed_after(8, day=8)]
        report = compliance_report(outcomes, by=("definition",), period="day")
        assert [(dict(r.keys)["period"], r.met, r.breached) for r in report.rows] == [
            ("2025-01-06", 1, 0), ("2025-01-07", 1, 0), ("2025-01-08", 0, 1)]


# -- the main job: python -m itsm_core ---------------------------------------------------------------

HEADER = ["number", "incident_state", "active", "priority", "opened_at", "sys_updated_at",
          "assignment_group", "closed_at"]
# A ServiceNow-shaped audit export: D/M/YYYY HH:MM, naive London time, '?' for missing values
EXPORT_ROWS = [
    ["INC1", "New", "true", "2 - High", "7/3/2025 15:00", "7/3/2025 15:00", "?", "?"],
    ["INC1", "Awaiting User Info", "true", "2 - High", "7/3/2025 15:00", "7/3/2025 16:00",
     "Network", "?"],
    ["INC1", "Active", "true", "2 - High", "7/3/2025 15:00", "10/3/2025 10:00", "Network", "?"],
    ["INC1", "Resolved", "true", "2 - High", "7/3/2025 15:00", "10/3/2025 12:00", "Network",
     "?"],
    ["INC2", "New", "true", "1 - Critical", "10/3/2025 09:00", "10/3/2025 09:00", "?", "?"],
    ["INC2", "Active", "true", "1 - Critical", "10/3/2025 09:00", "10/3/2025 09:20",
     "Service Desk", "?"],
    ["INC2", "Resolved", "true", "1 - Critical", "10/3/2025 09:00", "31/2/2025 10:00",
     "Service Desk", "?"],
    ["INC2", "Resolved", "false", "1 - Critical", "10/3/2025 09:00", "11/3/2025 10:00",
     "Service Desk", "11/3/2025 10:00"],
    ["INC3", "New", "true", "?", "10/3/2025 09:00", "10/3/2025 09:00", "?", "?"],
    ["INC3", "Active", "true", "?", "10/3/2025 09:00"],
    ["INC4", "New", "true", "3 - Moderate", "11/3/2025 09:00", "11/3/2025 09:00", "?", "?"],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "itsm_core", *map(str, args)],
                          capture_output=True, text=True, timeout=300, check=False)


def rows_by(report: dict[str, Any], *keys: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(row[k] for k in keys): row for row in report["rows"]}


class TestCommandLine:
    def test_demo_runs_and_prints_a_report(self):
        # the main job is the service report of a synthetic provider (three customers)
        result = run_cli("demo")
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Portfolio: ")
        as_json = run_cli("demo", "--format", "json")
        assert as_json.returncode == 0
        data = json.loads(as_json.stdout)
        assert set(data) == {"meta", "portfolio", "reports"}
        assert len({report["customer"] for report in data["reports"]}) == 3

    def test_compliance_demo_runs_and_prints_a_report(self):
        result = run_cli("demo", "--compliance")
        assert result.returncode == 0, result.stderr
        assert "compliance" in result.stdout and "resolution" in result.stdout
        as_json = run_cli("demo", "--compliance", "--format", "json")
        assert as_json.returncode == 0
        data = json.loads(as_json.stdout)
        assert set(data) == {"meta", "not_evaluated", "rows", "skipped"}
        assert sum(r["total"] for r in data["rows"] if r["definition"] == "resolution") >= 1000

    def test_servicenow_export_json_shape_and_figures(self, tmp_path):
        export = write_csv(tmp_path / "incident_audit.csv", HEADER, EXPORT_ROWS)
        result = run_cli("sla-report", export, "--policy", EXAMPLE_POLICY, "--tz",
                         "Europe/London", "--format", "json")
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert set(report) == {"meta", "not_evaluated", "rows", "skipped"}
        for row in report["rows"]:
            assert {"definition", "priority", "total", "met", "breached", "running",
                    "paused", "cancelled", "compliance"} <= set(row)
        rows = rows_by(report, "definition", "priority")
        # example policy: Mon-Fri 08:00-18:00 London. INC1 resolution: Fri 15-16 and
        # Mon 10-12 running (3 h <= 8 h); INC2: Mon 09-18 and Tue 08-10 (11 h > 4 h)
        assert (rows["resolution", "2 - High"]["met"], rows["resolution", "2 - High"]["total"]) \
            == (1, 1)
        assert rows["resolution", "1 - Critical"]["breached"] == 1
        assert rows["resolution", "1 - Critical"]["compliance"] == 0.0
        # INC4 is still New at the file's last timestamp: both clocks running
        assert rows["response", "3 - Moderate"]["running"] == 1
        assert rows["response", "1 - Critical"]["met"] == 1          # answered after 20 min
        # unreadable rows are reported with their line numbers (header = line 1)
        lines = {entry["line"]: entry["reason"] for entry in report["skipped"] if "line" in entry}
        assert set(lines) == {8, 11}
        assert "31/2/2025" in lines[8]
        # INC3 has no priority ('?'): listed, not dropped
        unevaluated = {(e["definition"], e["ticket"]) for e in report["skipped"]
                       if "ticket" in e}
        assert unevaluated == {("response", "INC3"), ("resolution", "INC3")}
        # nothing else is lost: INC1, INC2 and INC4 are counted in both definitions
        for definition in ("response", "resolution"):
            assert sum(r["total"] for (d, _), r in rows.items() if d == definition) == 3

    def test_unreadable_rows_are_counted_in_table_mode_too(self, tmp_path):
        export = write_csv(tmp_path / "incident_audit.csv", HEADER, EXPORT_ROWS)
        result = run_cli("sla-report", export, "--policy", EXAMPLE_POLICY, "--tz",
                         "Europe/London")
        assert result.returncode == 0, result.stderr
        assert "resolution" in result.stdout
        assert "line 8" in result.stderr and "line 11" in result.stderr
        assert "INC3" in result.stderr

    def test_columns_time_format_by_as_of_and_formats(self, tmp_path):
        header = ["Ticket", "Status", "Prio", "When", "Team"]
        rows = [[r[0], r[1], r[3], r[5], r[6]] for r in EXPORT_ROWS if len(r) == len(HEADER)]
        rows = [r for r in rows if not r[3].startswith("31/2")]
        for r in rows:  # rewrite 'D/M/YYYY HH:MM' as 'YYYY.MM.DD HH:MM'
            day, month, rest = r[3].split("/")
            year, clock = rest.split(" ")
            r[3] = f"{year}.{int(month):02d}.{int(day):02d} {clock}"
        export = write_csv(tmp_path / "renamed.csv", header, rows)
        common = ["sla-report", export, "--policy", EXAMPLE_POLICY, "--tz", "Europe/London",
                  "--columns", "ticket=Ticket,at=When,state=Status,priority=Prio",
                  "--time-format", "%Y.%m.%d %H:%M"]
        result = run_cli(*common, "--by", "definition,Team", "--format", "json")
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        teams = rows_by(report, "definition", "Team")
        assert teams["resolution", "Network"]["met"] == 1
        assert teams["resolution", "Service Desk"]["breached"] == 1
        # as of Monday 10 March 11:00 (GMT), INC1 (resolved at 12:00) and INC2 (resolved the
        # next day) are both still running
        early = run_cli(*common, "--as-of", "2025-03-10T11:00:00+00:00", "--format", "json")
        assert early.returncode == 0, early.stderr
        early_rows = rows_by(json.loads(early.stdout), "definition", "priority")
        assert early_rows["resolution", "2 - High"]["running"] == 1
        assert early_rows["resolution", "1 - Critical"]["running"] == 1
        as_csv = run_cli(*common, "--format", "csv")
        assert as_csv.returncode == 0
        parsed = list(csv.DictReader(io.StringIO(as_csv.stdout)))
        assert {"definition", "priority", "total", "met", "breached", "compliance"} <= \
            set(parsed[0])
        table = run_cli(*common, "--format", "table")
        assert table.returncode == 0 and "resolution" in table.stdout

    def test_naive_timestamps_without_tz_are_refused(self, tmp_path):
        export = write_csv(tmp_path / "incident_audit.csv", HEADER, EXPORT_ROWS)
        result = run_cli("sla-report", export, "--policy", EXAMPLE_POLICY, "--format", "json")
        assert result.returncode != 0
        assert "--tz" in result.stderr

    def test_progress_on_stderr_only_when_it_is_a_terminal(self, tmp_path):
        # a large export: the same 4-row ticket 6,000 times, 36 columns like ServiceNow's
        width = 36 - len(HEADER)
        header = HEADER + [f"extra_{i}" for i in range(width)]
        template = [r + ["x" * 12] * width for r in EXPORT_ROWS[:4]]
        rows = [[f"INC{n:06d}", *r[1:]] for n in range(6_000) for r in template]
        export = write_csv(tmp_path / "large.csv", header, rows)
        assert export.stat().st_size >= 4_000_000
        # (every date of INC1 reads alike day-first and month-first up to the day: 7/3, 10/3,
        # so the column cannot be decided and the format is given)
        args = [sys.executable, "-m", "itsm_core", "sla-report", str(export), "--policy",
                str(EXAMPLE_POLICY), "--tz", "Europe/London", "--format", "json",
                "--time-format", "%d/%m/%Y %H:%M"]
        piped = subprocess.run(args, capture_output=True, text=True, timeout=600, check=True)
        report = json.loads(piped.stdout)
        assert report["skipped"] == []
        assert rows_by(report, "definition", "priority")["resolution", "2 - High"]["met"] \
            == 6_000
        leader, follower = pty.openpty()
        try:
            with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=follower) as proc:
                os.close(follower)
                chunks = []
                while True:
                    try:
                        chunk = os.read(leader, 4096)
                    except OSError:
                        break
                    if not chunk:
                        break
                    chunks.append(chunk)
                stdout, _ = proc.communicate(timeout=600)
        finally:
            os.close(leader)
        assert proc.returncode == 0
        assert json.loads(stdout) == report
        terminal = b"".join(chunks).decode()
        assert terminal.strip() != piped.stderr.strip()
        assert len(terminal.strip()) > len(piped.stderr.strip())

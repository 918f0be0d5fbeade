"""Deadline targets: business days, relative deadlines, cutoffs and negotiated due dates.

The due instants are checked against a slow reference built from the calendar's public
queries (dates walked one by one with ``open_intervals``), and against worked examples
(``docs/deadlines.md``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core import BusinessCalendar
from itsm_core.errors import ConfigError, InvalidArgumentError
from itsm_core.sla import SlaDefinition, TicketEvent, compliance_report
from itsm_core.sla.deadline import BusinessDayDeadline, CutoffDeadline, FieldDeadline
from itsm_core.sla.targets import Targets

LONDON = ZoneInfo("Europe/London")
WEEK = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
CAL = BusinessCalendar.from_dict({
    "timezone": "Europe/London", "hours": {**WEEK, "sat": [["10:00", "12:00"]]},
    "holidays": [{"country": "GB", "subdivision": "ENG"}],
    "special_hours": {"2025-12-24": [["09:00", "13:00"]]}})


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def ref_day_pairs(cal: BusinessCalendar, day: date) -> list[tuple[datetime, datetime]]:
    after = day + timedelta(days=1)
    return cal.open_intervals(datetime.combine(day, time(), tzinfo=cal.timezone),
                              datetime.combine(after, time(), tzinfo=cal.timezone))


def ref_due(cal: BusinessCalendar, start: datetime, days: int, by: str) -> datetime:
    received = cal.next_open(start)
    day = received.date()
    for _ in range(days):
        day += timedelta(days=1)
        while not ref_day_pairs(cal, day):
            day += timedelta(days=1)
    pairs = ref_day_pairs(cal, day)
    first, last = pairs[0][0], pairs[-1][1]
    if by == "end_of_day":
        return last
    if by == "24:00":
        wanted = datetime.combine(day + timedelta(days=1), time(), tzinfo=cal.timezone)
    else:
        wall = received.time() if by == "same_time" else time.fromisoformat(by)
        wanted = datetime.combine(day, wall, tzinfo=cal.timezone)
    wanted = wanted.astimezone(timezone.utc)  # a DST gap moves forward by the gap
    return min(max(wanted, first), last)


starts = st.datetimes(datetime(2025, 1, 1), datetime(2026, 12, 1)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=LONDON))


@given(starts, st.integers(0, 12), st.sampled_from(["end_of_day", "same_time", "12:00",
                                                    "16:00", "01:30", "24:00"]))
def test_business_day_deadlines_match_the_reference(start: datetime, days: int, by: str) -> None:
    deadline = BusinessDayDeadline(days, by)
    assert deadline.due(start, CAL) == ref_due(CAL, start, days, by)
    assert BusinessDayDeadline.from_dict(deadline.to_dict()) == deadline


@given(starts, st.sampled_from(["00:00", "11:30", "14:00", "24:00"]))
def test_a_cutoff_picks_a_branch_by_the_time_received(start: datetime, cutoff: str) -> None:
    rule = CutoffDeadline(cutoff, BusinessDayDeadline(0, "17:00"), BusinessDayDeadline(1, "12:00"))
    received = CAL.next_open(start)
    early = received.time() < time.fromisoformat(cutoff) if cutoff != "24:00" else True
    branch = rule.before if early else rule.after
    assert rule.due(start, CAL) == branch.due(start, CAL)
    assert CutoffDeadline.from_dict(rule.to_dict()) == rule


def test_worked_examples() -> None:
    friday_3pm = at(2025, 1, 10, 15)
    p2bd = Targets.from_dict("P2BD").target(None)
    assert isinstance(p2bd, BusinessDayDeadline)
    # Saturday morning is open 10:00-12:00, so it is business day 1
    assert p2bd.due(friday_3pm, CAL) == at(2025, 1, 13, 17)
    assert BusinessDayDeadline(2, "same_time").due(friday_3pm, CAL) == at(2025, 1, 13, 15)
    # received Friday 18:00 (closed): received Saturday 10:00; Monday is business day 1
    assert BusinessDayDeadline(1, "16:00").due(at(2025, 1, 10, 18), CAL) == at(2025, 1, 13, 16)
    # a time after the day's last close moves back to it (Saturday closes at 12:00)
    assert BusinessDayDeadline(1, "16:00").due(at(2025, 1, 10, 10), CAL) == at(2025, 1, 11, 12)
    # half day on Christmas Eve: "end of day" is 13:00; the holidays are skipped
    assert BusinessDayDeadline(1).due(at(2025, 12, 23, 10), CAL) == at(2025, 12, 24, 13)
    assert BusinessDayDeadline(1).due(at(2025, 12, 24, 10), CAL) == at(2025, 12, 27, 12)
    cutoff = Targets.from_dict({"cutoff": "14:00", "before": {"business_days": 0, "by": "17:00"},
                                "after": {"business_days": 1, "by": "12:00"}}).target("x")
    assert isinstance(cutoff, CutoffDeadline)
    assert cutoff.due(at(2025, 1, 8, 13, 59), CAL) == at(2025, 1, 8, 17)
    assert cutoff.due(at(2025, 1, 8, 14), CAL) == at(2025, 1, 9, 12)


def test_same_time_in_a_dst_gap_moves_forward() -> None:
    cal = BusinessCalendar.always_open("Europe/London")
    due = BusinessDayDeadline(1, "same_time").due(at(2025, 3, 29, 1, 30), cal)
    assert due.isoformat() == "2025-03-30T02:30:00+01:00"


def test_field_deadlines_give_a_reason_per_ticket() -> None:
    deadline = FieldDeadline("due_date")
    start = at(2025, 1, 1)
    assert deadline.due(start, CAL, {"due_date": "2025-02-01T10:00:00+00:00"}) == at(2025, 2, 1, 10)
    assert deadline.due(start, CAL, {"due_date": at(2025, 2, 1)}) == at(2025, 2, 1)
    start_us = 0
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "field 'due_date' is missing"),
        ({"due_date": None}, "field 'due_date' is missing"),
        ({"due_date": "2025-02-01"}, "field 'due_date' holds '2025-02-01'"),
        ({"due_date": "soon"}, "field 'due_date' holds 'soon'"),
        ({"due_date": datetime(2025, 2, 1)}, "field 'due_date' holds datetime"),
        ({"due_date": 10 ** 5000}, "field 'due_date' holds <int of"),
        ({"due_date": "x" * 10_000}, "field 'due_date' holds 'xxx"),
    ]
    for fields, reason in cases:
        found = deadline._due_us(start_us, CAL, fields)
        assert isinstance(found, str) and found.startswith(reason) and len(found) < 300
        with pytest.raises(InvalidArgumentError, match=r"^field 'due_date'"):
            deadline.due(start, CAL, fields)


def test_targets_mix_budgets_and_deadlines() -> None:
    data = {"P1": "PT4H", "P2": "P2BD", "P3": {"business_days": 1, "by": "16:00"},
            "P4": {"due_field": "due_date"}, "*": {"business_days": 3, "by": "same_time"}}
    targets = Targets.from_dict(data)
    assert Targets.from_dict(targets.to_dict()) == targets
    assert targets._target_us("P1") == 4 * 3600 * 10 ** 6
    assert targets._goal("P1") == 4 * 3600 * 10 ** 6
    for label in ("P2", "P3", "P4", "P9", None):
        assert targets._target_us(label) is None  # deadline labels have no budget
        assert targets._goal(label) is targets.target(label)
    assert targets.target("P9") == BusinessDayDeadline(3, "same_time")
    assert targets.target("P1") == timedelta(hours=4)
    single = Targets.from_dict({"due_field": "agreed"})
    assert single.target("anything") == FieldDeadline("agreed")
    assert single.to_dict() == {"due_field": "agreed"}
    assert Targets.from_dict(single.to_dict()) == single


@pytest.mark.parametrize(("data", "path", "message"), [
    ({"P1": {"cutoff": "25:00", "before": "P0BD", "after": "P1BD"}}, "P1.cutoff", "25:00"),
    ({"P1": {"cutoff": "-01:00", "before": "P0BD", "after": "P1BD"}}, "P1.cutoff", "-01:00"),
    ({"P1": {"cutoff": 14, "before": "P0BD", "after": "P1BD"}}, "P1.cutoff", "14"),
    ({"P1": {"cutoff": "14:00", "before": "P0BD"}}, "P1.after", "missing"),
    ({"P1": {"cutoff": "14:00", "before": "PT4H", "after": "P1BD"}}, "P1.before", "PT4H"),
    ({"P1": {"business_days": -1}}, "P1.business_days", "-1"),
    ({"P1": {"business_days": 1.5}}, "P1.business_days", "1.5"),
    ({"P1": {"business_days": 10 ** 5000}}, "P1.business_days", "int of"),
    ({"P1": "P99999BD"}, "P1", "99999"),
    ({"P1": "PxBD"}, "P1", "PxBD"),
    ({"P1": {"business_days": 1, "by": "noon"}}, "P1.by", "noon"),
    ({"P1": {"business_days": 1, "when": "x"}}, "P1.when", "unknown key"),
    ({"P1": {"due_field": ""}}, "P1.due_field", "''"),
])
def test_bad_deadlines_name_the_field(data: Any, path: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        Targets.from_dict(data)
    assert info.value.path == path
    assert message in str(info.value)
    assert len(str(info.value)) < 400


def test_an_open_deadline_cycle_past_its_due_instant_is_overdue_in_the_report():
    # due 17:00 the day it was received; at 18:00 no business time has run since 17:00, so a
    # budget comparison (elapsed 7 h > target 7 h) says "not yet" -- the wall clock says late
    hours = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    same_day = SlaDefinition.from_dict({"name": "r", "calendar": {"timezone": "UTC",
                                                                  "hours": hours},
                                        "targets": {"business_days": 0, "by": "17:00"}})
    opened = TicketEvent(datetime(2025, 1, 6, 10, tzinfo=timezone.utc), "New")
    at = {h: same_day.evaluate([opened], as_of=datetime(2025, 1, 6, h, tzinfo=timezone.utc))
          for h in (16, 18)}
    assert [compliance_report([at[h]]).rows[0].overdue for h in (16, 18)] == [0, 1]

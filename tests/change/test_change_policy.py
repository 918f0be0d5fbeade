"""Approval policy, windows and conflicts_of(), DORA metrics."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_change import T0, UTC, at, change

from itsm_core.calendar import BusinessCalendar
from itsm_core.change import (
    DORA_2023_TIERS,
    ApprovalPolicy,
    Authority,
    ChangeRequest,
    ChangeWindows,
    ConflictKind,
    Deployment,
    Restoration,
    RiskLevel,
    Window,
    conflicts_of,
    dora_metrics,
    tier_of,
)
from itsm_core.errors import ConfigError, InvalidArgumentError, UnknownNameError

POLICY = {
    "normal": {"low": {"authority": "peer", "lead_time": "PT8H"},
               "moderate": {"authority": "change_manager", "lead_time": "P1D"},
               "high": {"authority": "cab", "lead_time": "P2D"},
               "very_high": {"authority": "cab", "lead_time": "P3D"}},
    "emergency": {"authority": "emergency_cab", "lead_time": "PT0S"},
}
OFFICE = BusinessCalendar.from_dict({"timezone": "Europe/London", "hours": {
    d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}})


class TestApproval:
    def test_matrix(self) -> None:
        policy = ApprovalPolicy.from_dict(POLICY)
        assert policy.requirement("normal", RiskLevel.MODERATE).authority is Authority.CHANGE_MANAGER
        assert policy.requirement("emergency", RiskLevel.VERY_HIGH).authority is Authority.EMERGENCY_CAB
        standard = policy.requirement("standard", RiskLevel.VERY_HIGH)
        assert standard.pre_authorised and standard.authority is Authority.NONE
        assert ApprovalPolicy.from_dict(policy.to_dict()) == policy

    def test_lead_time_is_business_time(self) -> None:
        policy = ApprovalPolicy.from_dict(POLICY)
        # Requested Friday 2025-01-10 13:00 GMT; 16 business hours (P2D would be 48) ...
        requested = datetime(2025, 1, 10, 13, tzinfo=ZoneInfo("Europe/London"))
        cr = ChangeRequest(id="C", type="normal", cis=["db"], requested_at=requested,
                           start=datetime(2025, 1, 13, 17, tzinfo=UTC), end=datetime(2025, 1, 13, 18, tzinfo=UTC))
        # Friday 13-17 (4 h) + Monday 09-17 (8 h) = 12 business hours before the start.
        assert conflicts_of(cr, approval=policy, risk=RiskLevel.LOW, calendar=OFFICE) == ()
        late = conflicts_of(cr, approval=policy, risk=RiskLevel.MODERATE, calendar=OFFICE)
        assert [c.kind for c in late] == [ConflictKind.LEAD_TIME]
        # P1D = 24 business hours: Fri 4 h + Mon, Tue 16 h + Wed 4 h -> Wednesday 13:00.
        assert policy.earliest_start(cr, RiskLevel.MODERATE, OFFICE) == datetime(
            2025, 1, 15, 13, tzinfo=UTC)

    def test_approval_without_calendar(self) -> None:
        with pytest.raises(InvalidArgumentError):
            conflicts_of(change("C", 0, 1), approval=ApprovalPolicy.from_dict(POLICY), risk=RiskLevel.LOW)

    @pytest.mark.parametrize(("data", "path"), [
        ({**POLICY, "standard": {"authority": "none", "lead_time": "PT0S"}}, "standard"),
        ({"normal": POLICY["normal"]}, "emergency"),
        ({**POLICY, "emergency": {"authority": "cab", "lead_time": "1 day"}}, "emergency.lead_time"),
    ])
    def test_config_errors(self, data: dict[str, object], path: str) -> None:
        with pytest.raises(ConfigError) as info:
            ApprovalPolicy.from_dict(data)
        assert info.value.path == path

    @pytest.mark.parametrize(("data", "path", "name"), [
        ({**POLICY, "normal": {**POLICY["normal"], "low": {"authority": "boss", "lead_time": "PT1H"}}},
         "normal.low.authority", "boss"),
        ({**POLICY, "normal": {**POLICY["normal"], "extreme": {"authority": "cab", "lead_time": "PT1H"}}},
         "normal.extreme", "extreme"),
    ])
    def test_unknown_names(self, data: dict[str, object], path: str, name: str) -> None:
        with pytest.raises(UnknownNameError) as info:
            ApprovalPolicy.from_dict(data)
        assert info.value.what == path and info.value.name == name


class TestWindows:
    def test_freeze_exceptions_by_type(self) -> None:
        windows = ChangeWindows.from_dict({"freezes": [
            {"name": "soft", "intervals": [["2025-01-06T00:00+00:00", "2025-01-07T00:00+00:00"]]},
            {"name": "hard", "allow": [], "cis": ["db"],
             "intervals": [["2025-01-06T00:00+00:00", "2025-01-06T06:00+00:00"]]}]})
        assert [c.window for c in conflicts_of(change("N", 1, 2, ("db",)), windows=windows)] == ["soft", "hard"]
        assert [c.window for c in conflicts_of(change("E", 1, 2, ("db",), type="emergency"), windows=windows)] == ["hard"]
        assert conflicts_of(change("E", 1, 2, ("web",), type="emergency"), windows=windows) == ()

    def test_maintenance_in_local_time_across_dst(self) -> None:
        # Saturday 22:00-02:00 Europe/London; BST starts 2025-03-30 (tzdata).
        windows = ChangeWindows.from_dict({"maintenance": [{"name": "sat", "cis": ["db"], "recurrence": {
            "rrule": "FREQ=WEEKLY;BYDAY=SA", "start": "2025-01-04T22:00", "timezone": "Europe/London",
            "duration": "PT4H"}}]})
        london = ZoneInfo("Europe/London")
        inside = ChangeRequest(id="A", type="normal", cis=["db"], start=datetime(2025, 4, 5, 22, tzinfo=london),
                               end=datetime(2025, 4, 6, 2, tzinfo=london))
        assert conflicts_of(inside, windows=windows) == ()
        utc_wall = ChangeRequest(id="B", type="normal", cis=["db"], start=datetime(2025, 4, 5, 22, tzinfo=UTC),
                                 end=datetime(2025, 4, 6, 2, tzinfo=UTC))
        [outside] = conflicts_of(utc_wall, windows=windows)
        assert outside.start == datetime(2025, 4, 6, 1, tzinfo=UTC) and outside.ci == "db"
        assert conflicts_of(change("W", 0, 1, ("web",)), windows=windows) == ()  # web has no window

    @pytest.mark.parametrize(("data", "path"), [
        ({"maintenance": [{"name": "m", "cis": ["nope"]}]}, "maintenance[0].cis[0]"),
        ({"freezes": [{"name": "f", "allow": ["urgent"]}]}, "freezes[0].allow[0]"),
    ])
    def test_unknown_names(self, data: dict[str, object], path: str) -> None:
        with pytest.raises(UnknownNameError) as info:
            ChangeWindows.from_dict(data, known_cis={"db", "web"})
        assert info.value.what == path

    @pytest.mark.parametrize(("data", "path"), [
        ({"maintenance": [{"name": "m", "allow": []}]}, "maintenance[0].allow"),
        ({"freezes": [{"name": "f", "intervals": [["2025-01-02T00:00+00:00", "2025-01-01T00:00+00:00"]]}]},
         "freezes[0].intervals[0]"),
        ({"freezes": [{"name": "f", "recurrence": {"rrule": "FREQ=DAILY;BYHOUR=25", "start": "2025-01-01T00:00",
                                                    "timezone": "UTC", "duration": "PT1H"}}]},
         "freezes[0].recurrence.rrule"),
    ])
    def test_config_errors(self, data: dict[str, object], path: str) -> None:
        with pytest.raises(ConfigError) as info:
            ChangeWindows.from_dict(data, known_cis={"db", "web"})
        assert info.value.path == path

    def test_round_trip(self) -> None:
        windows = ChangeWindows.from_dict({
            "maintenance": [{"name": "sat", "cis": ["db"], "recurrence": {
                "rrule": "FREQ=WEEKLY;BYDAY=SA", "start": "2025-01-04T22:00", "timezone": "Europe/London",
                "duration": "PT4H"}}],
            "freezes": [{"name": "f", "allow": ["standard"],
                         "intervals": [["2025-01-01T00:00+00:00", "2025-01-02T00:00+00:00"]]}],
            "maintenance_exempt": []})
        assert ChangeWindows.from_dict(windows.to_dict()) == windows
        for window in (*windows.maintenance, *windows.freezes):
            assert Window.from_dict(window.to_dict()) == window
        assert windows.freezes[0].intervals == ((datetime(2025, 1, 1, tzinfo=UTC),
                                                 datetime(2025, 1, 2, tzinfo=UTC)),)


class TestDora:
    def test_weekly_periods(self) -> None:
        deps = [Deployment(id=f"D{i}", deployed_at=at(12 * i), committed_at=at(12 * i - i), failed=i % 4 == 0)
                for i in range(28)]
        incidents = [Restoration(id="I1", started_at=at(2), restored_at=at(2.5)),
                     Restoration(id="I2", started_at=at(30), restored_at=at(33))]
        weeks = dora_metrics(deps, incidents, start=T0, end=T0 + timedelta(days=14))
        assert [w.deployments for w in weeks] == [14, 14]
        assert weeks[0].deployments_per_day == 2
        assert weeks[0].change_failure_rate == Fraction(4, 14)
        assert weeks[0].lead_time == timedelta(hours=6)  # lower median of 0..13 hours
        assert weeks[0].time_to_restore == timedelta(minutes=30)  # lower median of 30 min, 3 h
        assert weeks[1].incidents == 0 and weeks[1].time_to_restore is None

    def test_bad_range(self) -> None:
        with pytest.raises(InvalidArgumentError, match="end"):
            dora_metrics([], [], start=at(5), end=at(1))
        with pytest.raises(InvalidArgumentError, match="period"):
            dora_metrics([], [], start=at(0), end=at(1), period=timedelta(0))

    def test_tiers_2023(self) -> None:
        # Accelerate State of DevOps Report 2023, "software delivery performance" clusters.
        assert [t.name for t in DORA_2023_TIERS] == ["elite", "high", "medium", "low"]
        assert [t.change_failure_rate_text for t in DORA_2023_TIERS] == ["5%", "10%", "15%", "64%"]
        [week] = dora_metrics([Deployment(id="D", deployed_at=at(1), committed_at=at(-200))], [],
                              start=T0, end=T0 + timedelta(days=7))
        assert tier_of(week) == {"deployment_frequency": "high", "lead_time": "medium",
                                 "change_failure_rate": "elite", "time_to_restore": None}


@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 100), st.booleans()), max_size=40),
       st.integers(1, 500))
def test_dora_against_direct_computation(rows: list[tuple[int, int, bool]], period_h: int) -> None:
    deps = [Deployment(id=f"D{i}", deployed_at=at(t), committed_at=at(t - lead), failed=f)
            for i, (t, lead, f) in enumerate(rows)]
    end = T0 + timedelta(hours=1000)
    periods = dora_metrics(deps, [], start=T0, end=end, period=timedelta(hours=period_h))
    assert sum(p.deployments for p in periods) == sum(1 for t, _, _ in rows if t < 1000)
    for p in periods:
        inside = [(t, lead, f) for t, lead, f in rows if p.start <= at(t) < p.end]
        assert p.deployments == len(inside)
        if inside:
            assert p.lead_time == timedelta(hours=statistics.median_low([lead for _, lead, _ in inside]))
            assert p.change_failure_rate == Fraction(sum(f for *_, f in inside), len(inside))
        length_us = (p.end - p.start) // timedelta(microseconds=1)
        assert p.deployments_per_day == Fraction(len(inside) * 86_400_000_000, length_us)
    assert periods[-1].end == end

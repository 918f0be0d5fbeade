"""Continuity: targets and their consistency, exercises, the worst-case recovery point
(against a minute-stepping reference) and the report."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    NaiveDatetimeError,
    UnknownNameError,
)
from itsm_core.service.backups import BackupRun, worst_recovery_point
from itsm_core.service.continuity import ContinuityTargets, Exercise
from itsm_core.service.continuity_report import continuity_report
from itsm_core.service.result import Verdict

BASE = datetime(2025, 3, 1, tzinfo=timezone.utc)
LONDON = ZoneInfo("Europe/London")


def minute(m: int) -> datetime:
    return BASE + timedelta(minutes=m)


# -- targets ----------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    {"rto": "PT4H", "rpo": "PT1H", "mtpd": "P1D"},
    {"rto": "PT4H", "rpo": "PT0.5S", "mtpd": "P1D", "wrt": "PT2H"},
])
def test_targets_round_trip(data: dict[str, object]) -> None:
    targets = ContinuityTargets.from_dict(data)
    assert targets.to_dict() == data
    assert ContinuityTargets.from_dict(targets.to_dict()) == targets


@pytest.mark.parametrize(("data", "kinds"), [
    ({"rto": "PT4H", "rpo": "PT1H", "mtpd": "PT4H"}, []),  # RTO may equal the MTPD
    ({"rto": "PT4H", "rpo": "PT1H", "mtpd": "PT6H", "wrt": "PT2H"}, []),
    ({"rto": "PT4H", "rpo": "PT1H", "mtpd": "PT6H", "wrt": "PT2H0.000001S"}, ["beyond_mtpd"]),
    ({"rto": "PT0S", "rpo": "PT0S", "mtpd": "PT1H"}, ["rto_not_positive", "rpo_not_positive"]),
    ({"rto": "PT2H", "rpo": "PT1H", "mtpd": "PT1H"}, ["beyond_mtpd"]),
])
def test_consistency(data: dict[str, object], kinds: list[str]) -> None:
    assert [f.kind for f in ContinuityTargets.from_dict(data).consistency()] == kinds


def test_beyond_mtpd_names_wrt_when_agreed() -> None:
    (finding,) = ContinuityTargets.from_dict(
        {"rto": "PT4H", "rpo": "PT1H", "mtpd": "PT5H", "wrt": "PT2H"}).consistency()
    assert finding.path == "wrt"
    assert finding.message == "RTO 4 hours + WRT 2 hours = 6 hours exceeds the MTPD 5 hours"


@pytest.mark.parametrize(("data", "path"), [
    ({"rto": "PT4H", "rpo": "PT1H"}, "mtpd"),
    ({"rto": "PT4H", "rpo": "PT1H", "mtpd": "P1M"}, "mtpd"),
    ({"rto": "-PT4H", "rpo": "PT1H", "mtpd": "P1D"}, "rto"),
    ({"rto": "PT4H", "rpo": "PT1H", "mtpd": "P1D", "rtp": "PT1H"}, "rtp"),
    ("PT4H", ""),
])
def test_targets_errors(data: object, path: str) -> None:
    with pytest.raises(ConfigError) as info:
        ContinuityTargets.from_dict(data)
    assert info.value.path == path


def test_targets_constructor() -> None:
    with pytest.raises(InvalidArgumentError, match="rpo"):
        ContinuityTargets(rto=timedelta(hours=1), rpo=-timedelta(hours=1), mtpd=timedelta(1))
    with pytest.raises(ArgumentTypeError, match="mtpd"):
        ContinuityTargets(rto=timedelta(hours=1), rpo=timedelta(0), mtpd="P1D")  # type: ignore[arg-type]


# -- exercises --------------------------------------------------------------------------------

def test_exercise_across_a_dst_change_is_exact() -> None:
    # the clocks went forward at 01:00 UTC on 2025-03-30 in London: 3 real hours
    drill = Exercise(service="email", disrupted_at=datetime(2025, 3, 30, 0, tzinfo=LONDON),
                     recovered_at=datetime(2025, 3, 30, 4, tzinfo=LONDON),
                     restored_to=datetime(2025, 3, 29, 23, tzinfo=LONDON))
    assert drill.recovery_time == timedelta(hours=3)
    assert drill.recovery_point == timedelta(hours=1)


def test_exercise_checks() -> None:
    targets = ContinuityTargets.from_dict({"rto": "PT3H", "rpo": "PT1H", "mtpd": "PT5H",
                                           "wrt": "PT1H"})
    drill = Exercise(service="db", disrupted_at=minute(60), recovered_at=minute(240),
                     restored_to=minute(0), resumed_at=minute(361))
    got = [(c.measure, c.achieved, c.verdict) for c in drill.checks(targets)]
    assert got == [("recovery time", timedelta(hours=3), Verdict.MET),
                   ("recovery point", timedelta(hours=1), Verdict.MET),
                   ("work recovery time", timedelta(minutes=121), Verdict.MISSED),
                   ("disruption", timedelta(minutes=301), Verdict.MISSED)]
    without_wrt = ContinuityTargets.from_dict({"rto": "PT3H", "rpo": "PT1H", "mtpd": "P1D"})
    assert [c.objective for c in drill.checks(without_wrt)] == ["rto", "rpo", "mtpd"]
    with pytest.raises(ArgumentTypeError, match="targets"):
        drill.checks({"rto": "PT1H"})  # type: ignore[arg-type]


def test_exercise_round_trip_and_errors() -> None:
    data = {"service": "db", "disrupted_at": "2025-03-01T10:00:00+00:00",
            "recovered_at": "2025-03-01T12:00:00+01:00",
            "restored_to": "2025-03-01T09:00:00+00:00",
            "resumed_at": "2025-03-01T13:00:00+00:00"}
    drill = Exercise.from_dict(data)
    assert drill.to_dict() == data
    assert Exercise.from_dict(drill.to_dict()) == drill
    for key, value, path in [("resumed_at", "2025-03-01T10:30:00+00:00", "resumed_at"),
                             ("recovered_at", "2025-03-01T09:59:00+00:00", "recovered_at"),
                             ("service", "", "service"), ("disrupted_at", "noon", "disrupted_at"),
                             ("resumed", "x", "resumed")]:
        with pytest.raises(ConfigError) as info:
            Exercise.from_dict({**data, key: value})
        assert info.value.path == path
    with pytest.raises(NaiveDatetimeError, match="restored_to"):
        Exercise(service="db", disrupted_at=minute(1), recovered_at=minute(2),
                 restored_to=datetime(2025, 3, 1))
    with pytest.raises(InvalidArgumentError, match="resumed_at"):
        Exercise(service="db", disrupted_at=minute(1), recovered_at=minute(2),
                 restored_to=minute(0), resumed_at=minute(1))


# -- worst-case recovery point ----------------------------------------------------------------

def reference_gap(good: list[int], start: int, end: int) -> int:
    """The most data lost by a disruption at any minute of [start, end): a disruption in
    minute t loses back to the last good backup at or before t (before the window: at or
    before start), or to start when there is none."""
    worst = 0
    for t in range(start, end):
        base = max([g for g in good if g <= max(t, start)], default=start)
        worst = max(worst, t + 1 - base)
    return worst


backups_st = st.lists(st.tuples(st.integers(-50, 250), st.booleans(), st.sampled_from(["a", "b"])),
                      max_size=12)


@settings(max_examples=200, deadline=None)
@given(backups_st, st.integers(0, 100), st.integers(1, 150))
def test_worst_recovery_point_matches_the_reference(raw: list[tuple[int, bool, str]],
                                                    start: int, length: int) -> None:
    end = start + length
    runs = [BackupRun(service=s, at=minute(m), ok=ok) for m, ok, s in raw]
    gap = worst_recovery_point("a", runs, minute(start), minute(end))
    good = [m for m, ok, s in raw if ok and s == "a" and m < end]
    assert gap.length == timedelta(minutes=reference_gap(good, start, end))
    assert gap.end - gap.start == gap.length
    assert minute(start) <= gap.end <= minute(end)
    assert gap.from_window_start == (gap.start == minute(start)
                                     and not any(g <= start for g in good))
    assert gap.failed == sum(1 for m, ok, s in raw if not ok and s == "a"
                             and gap.start < minute(m) < gap.end)


def test_worst_recovery_point_edges() -> None:
    runs = [BackupRun(service="a", at=minute(m)) for m in (-30, 10, 40)]
    gap = worst_recovery_point("a", runs, minute(0), minute(50))
    assert (gap.start, gap.end, gap.from_window_start) == (minute(-30), minute(10), False)
    # a backup at the window's end is outside it: the last gap runs to the end
    gap = worst_recovery_point("a", [BackupRun(service="a", at=minute(0)),
                                     BackupRun(service="a", at=minute(60))], minute(0), minute(60))
    assert (gap.start, gap.end) == (minute(0), minute(60))
    # of equally long gaps, the earliest
    gap = worst_recovery_point("a", [BackupRun(service="a", at=minute(m)) for m in (10, 20)],
                               minute(0), minute(30))
    assert (gap.start, gap.end, gap.from_window_start) == (minute(0), minute(10), True)
    with pytest.raises(InvalidArgumentError, match="end"):
        worst_recovery_point("a", [], minute(1), minute(1))
    with pytest.raises(ArgumentTypeError, match="backups"):
        worst_recovery_point("a", [{"service": "a"}], minute(0), minute(1))  # type: ignore[list-item]


def test_backup_run_round_trip_and_errors() -> None:
    run = BackupRun.from_dict({"service": "a", "at": "2025-03-01T02:00:00+01:00"})
    assert run.ok is True
    assert BackupRun.from_dict(run.to_dict()) == run
    for data, path in [({"service": "a"}, "at"), ({"at": "2025-03-01T02:00:00Z"}, "service"),
                       ({"service": "a", "at": "2025-03-01T02:00:00"}, "at"),
                       ({"service": "a", "at": "2025-03-01T02:00:00Z", "ok": 1}, "ok")]:
        with pytest.raises(ConfigError) as info:
            BackupRun.from_dict(data)
        assert info.value.path == path
    with pytest.raises(ArgumentTypeError, match="service"):
        BackupRun(service=3, at=minute(0))  # type: ignore[arg-type]


# -- the report -------------------------------------------------------------------------------

def test_report() -> None:
    targets = {"db": ContinuityTargets.from_dict({"rto": "PT1H", "rpo": "PT30M",
                                                  "mtpd": "PT30M"})}
    exercises = [Exercise(service="db", disrupted_at=minute(m), recovered_at=minute(m + r),
                          restored_to=minute(m - 5)) for m, r in [(100, 30), (200, 90), (100, 5)]]
    exercises.append(Exercise(service="db", disrupted_at=minute(500), recovered_at=minute(501),
                              restored_to=minute(500)))  # after the window: not used
    backups = [BackupRun(service="db", at=minute(m)) for m in range(0, 400, 20)]
    backups.append(BackupRun(service="web", at=minute(-10), ok=False))
    report = continuity_report(targets, exercises, backups, minute(0), minute(400))
    db = report.service("db")
    assert db.exercise == exercises[1]
    assert [(c.measure, c.verdict) for c in db.checks] == [
        ("recovery time", Verdict.MISSED), ("recovery point", Verdict.MET),
        ("worst-case recovery point", Verdict.MET)]
    assert [f.kind for f in db.findings] == ["beyond_mtpd"]
    assert db.missed == db.checks[:1]
    web = report.service("web")
    assert web.checks == ()
    assert [f.kind for f in web.findings] == ["no_targets", "no_exercise", "no_backup"]
    assert [s.service for s in report.services] == ["db", "web"]
    data = report.to_dict()
    assert data["services"][0]["checks"][0]["achieved"] == "PT1H30M"
    assert "finding: RTO 1 hour exceeds the MTPD 30 minutes" in str(report)
    with pytest.raises(UnknownNameError):
        report.service("mail")


def test_report_stale_exercise_and_errors() -> None:
    targets = {"db": ContinuityTargets.from_dict({"rto": "PT1H", "rpo": "P1D", "mtpd": "P1D"})}
    old = Exercise(service="db", disrupted_at=minute(-100), recovered_at=minute(-90),
                   restored_to=minute(-100))
    report = continuity_report(targets, [old], [BackupRun(service="db", at=minute(-1))],
                               minute(0), minute(60))
    assert [f.kind for f in report.service("db").findings] == ["stale_exercise"]
    with pytest.raises(ArgumentTypeError, match="targets_by_service"):
        continuity_report({"db": {"rto": "PT1H"}}, [], [], minute(0), minute(1))  # type: ignore[dict-item]
    with pytest.raises(ArgumentTypeError, match="exercises"):
        continuity_report({}, [old.to_dict()], [], minute(0), minute(1))  # type: ignore[list-item]
    with pytest.raises(InvalidArgumentError):
        continuity_report({}, [], [], minute(1), minute(0))

"""The sweep conflict finder and the free-slot search, against all-pairs / grid references."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta, timezone

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies_change import T0, at, change, changes

from itsm_core.change import (
    ChangeRequest,
    ChangeWindows,
    Conflict,
    ConflictKind,
    find_conflicts,
    free_time,
    next_free_slots,
)
from itsm_core.change.conflicts import _pair
from itsm_core.errors import InvalidArgumentError
from itsm_core.topology import Topology

TOPO = Topology.from_dict({"web": ["app"], "app": ["db", "cache"], "db": [], "cache": [],
                           "queue": [], "dns": []})
WINDOWS = ChangeWindows.from_dict({
    "maintenance": [
        {"name": "db nightly", "cis": ["db"], "recurrence": {
            "rrule": "FREQ=DAILY", "start": "2025-01-05T20:00", "timezone": "UTC", "duration": "PT10H"}},
        {"name": "cache slot", "cis": ["cache"], "intervals": [["2025-01-06T00:00+00:00", "2025-01-06T12:00+00:00"]]},
    ],
    "freezes": [
        {"name": "release", "intervals": [["2025-01-06T10:00+00:00", "2025-01-06T14:00+00:00"]]},
        {"name": "dns lock", "cis": ["dns"], "allow": [], "recurrence": {
            "rrule": "FREQ=HOURLY;INTERVAL=5", "start": "2025-01-06T01:00", "timezone": "Europe/London",
            "duration": "PT1H"}},
    ],
})


def all_pairs(items: list[ChangeRequest], windows: ChangeWindows | None,
              topology: Topology | None) -> Counter[Conflict]:
    """The obviously-correct O(n²) reference."""
    out: list[Conflict] = []
    for x, a in enumerate(items):
        for b in items[x + 1:]:
            if max(a.start, b.start) >= min(a.end, b.end):
                continue
            shared = set(a.cis) & set(b.cis)
            out += [_pair(ConflictKind.SAME_CI, a, b, ci=ci) for ci in shared]
            if topology is not None and not shared:
                for ca in a.cis:
                    for cb in b.cis:
                        if cb in topology.dependents(ca):
                            out.append(_pair(ConflictKind.RELATED_CI, a, b, ci=ca, related=cb))
                        if ca in topology.dependents(cb):
                            out.append(_pair(ConflictKind.RELATED_CI, b, a, ci=cb, related=ca))
            if a.assignee is not None and a.assignee == b.assignee:
                out.append(_pair(ConflictKind.ASSIGNEE, a, b, assignee=a.assignee))
        if windows is not None:
            out += windows.window_conflicts(a)
    return Counter(out)


class TestExamples:
    def test_touching_changes_do_not_conflict(self) -> None:
        assert find_conflicts([change("A", 0, 2), change("B", 2, 4)]) == ()

    def test_parent_child(self) -> None:
        found = find_conflicts([change("A", 0, 2, ("db",)), change("B", 1, 3, ("app",)),
                                change("C", 1, 3, ("web",))], topology=TOPO)
        # db-app and app-web are direct edges; db-web is not (only through app).
        assert [(c.kind, c.changes, c.ci, c.related_ci) for c in found] == [
            (ConflictKind.RELATED_CI, ("A", "B"), "db", "app"),
            (ConflictKind.RELATED_CI, ("B", "C"), "app", "web")]
        assert found[0].start == at(1) and found[0].end == at(2)

    def test_windows(self) -> None:
        found = find_conflicts([change("A", 9, 11, ("db",)), change("E", 11, 12, ("web",), type="emergency"),
                                change("N", 12, 13, ("web",))], windows=WINDOWS)
        assert [(c.kind, c.changes, c.start, c.end) for c in found] == [
            # db is served 20:00-06:00 only; "release" freezes 10:00-14:00 except emergencies.
            (ConflictKind.OUTSIDE_MAINTENANCE, ("A",), at(9), at(11)),
            (ConflictKind.IN_FREEZE, ("A",), at(10), at(11)),
            (ConflictKind.IN_FREEZE, ("N",), at(12), at(13))]

    def test_duplicate_ids_refused(self) -> None:
        with pytest.raises(InvalidArgumentError, match=r"changes\[1\]\.id"):
            find_conflicts([change("A", 0, 1), change("A", 2, 3)])


@given(changes(), st.booleans(), st.booleans())
def test_sweep_matches_all_pairs(items: list[ChangeRequest], use_topology: bool, use_windows: bool) -> None:
    topology = TOPO if use_topology else None
    windows = WINDOWS if use_windows else None
    found = find_conflicts(items, windows=windows, topology=topology)
    assert Counter(found) == all_pairs(items, windows, topology)
    assert list(found) == sorted(found, key=lambda c: c.start)


def blocks(candidate: ChangeRequest, others: list[ChangeRequest]) -> bool:
    """Grid reference: does the candidate conflict with anything (direct definition)?"""
    if WINDOWS.window_conflicts(candidate):
        return True
    near = set(candidate.cis)
    for ci in candidate.cis:
        near |= TOPO.dependencies(ci) | TOPO.dependents(ci)
    for other in others:
        overlap = max(candidate.start, other.start) < min(candidate.end, other.end)
        related = near & set(other.cis) or (candidate.assignee is not None
                                             and candidate.assignee == other.assignee)
        if overlap and related:
            return True
    return False


@settings(max_examples=40)
@given(changes(max_size=12), st.integers(1, 24), st.sampled_from(["normal", "emergency", "standard"]),
       st.lists(st.sampled_from(["web", "app", "db", "cache", "dns"]), max_size=2, unique=True),
       st.sampled_from([None, "ana"]))
def test_free_slots_match_grid_reference(others: list[ChangeRequest], length: int, kind: str,
                                         cis: list[str], who: str | None) -> None:
    step = timedelta(minutes=10)
    me = ChangeRequest(id="ME", type=kind, cis=cis, start=T0, end=T0 + length * step, assignee=who)
    horizon = timedelta(days=1)
    slots = next_free_slots(me, as_of=T0, changes=others, windows=WINDOWS, topology=TOPO,
                            horizon=horizon, limit=100)
    valid = [k for k in range((horizon - length * step) // step + 1)
             if not blocks(attrs.evolve(me, start=T0 + k * step, end=T0 + (k + length) * step), others)]
    run_starts = [k for i, k in enumerate(valid) if i == 0 or valid[i - 1] != k - 1]
    assert [s for s, _ in slots] == [T0 + k * step for k in run_starts]
    assert all(e - s == length * step for s, e in slots)


def test_free_slots_respect_limit_and_not_before() -> None:
    others = [change(f"B{i}", 2 * i + 1, 2 * i + 2, ("db",)) for i in range(200)]
    me = change("ME", 0, 1, ("db",), type="emergency")
    slots = next_free_slots(me, as_of=T0, changes=others, limit=3, not_before=at(4))
    assert slots == [(at(4), at(5)), (at(6), at(7)), (at(8), at(9))]
    assert len(next_free_slots(me, as_of=T0, changes=others)) == 100


def test_not_before_past_the_horizon_finds_nothing() -> None:
    """A start bound at or beyond the search horizon leaves no time to search: no slots."""
    me = change("ME", 0, 1, ("db",))
    day = timedelta(days=1)
    assert next_free_slots(me, as_of=T0, horizon=day, not_before=T0 + 2 * day) == []
    assert next_free_slots(me, as_of=T0, horizon=day, not_before=T0 + day) == []
    assert next_free_slots(me, as_of=T0, horizon=day, not_before=T0 + day - timedelta(hours=1)) == [
        (T0 + day - timedelta(hours=1), T0 + day)]


def test_free_time_speaks_datetimes() -> None:
    busy = [change("B1", 1, 3, ("db",)), change("B2", 5, 6, ("web",), assignee="ana")]
    me = change("ME", 0, 1, ("db",), assignee="ana")
    assert free_time(me, T0, at(8), changes=busy) == ((T0, at(1)), (at(3), at(5)), (at(6), at(8)))
    assert free_time(me, at(2), at(2), changes=busy) == ()
    with pytest.raises(InvalidArgumentError, match="end"):
        free_time(me, at(2), at(1))


def test_conflict_speaks_datetimes() -> None:
    paris = timezone(timedelta(hours=1))
    local = Conflict(kind=ConflictKind.SAME_CI, changes=("A", "B"), start=at(1).astimezone(paris),
                     end=at(2).astimezone(paris), ci="db",
                     detail="A and B both change db at overlapping times")
    utc = Conflict(kind=ConflictKind.SAME_CI, changes=("A", "B"), start=at(1), end=at(2), ci="db",
                   detail="A and B both change db at overlapping times")
    assert local == utc and hash(local) == hash(utc)
    assert local.start == at(1) and local.start.tzinfo is timezone.utc
    assert local.to_dict()["end"] == "2025-01-06T02:00:00+00:00"
    [found] = find_conflicts([change("A", 1, 3), change("B", 0, 2)])
    assert found == utc

"""Effective-dated SLA definitions: each cycle is governed by the version in force when it
started (docs/sla-schedules.md, "Versions")."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.errors import ConfigError, InvalidArgumentError
from itsm_core.sla import SlaDefinition, SlaPolicy, TicketEvent

UTC = timezone.utc
SWITCH = "2025-07-01T00:00:00+00:00"
VERSIONED: dict[str, Any] = {"name": "fix", "versions": [
    {"targets": {"P1": "PT8H"}, "stop": {"state_in": ["Resolved"]}},
    {"from": SWITCH, "targets": {"P1": "PT4H", "P2": "PT8H"},
     "stop": {"state_in": ["Resolved", "Closed"]}},
]}


def at(month: int, day: int, hour: int) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def ticket(opened: datetime, hours: int, priority: str = "P1") -> list[TicketEvent]:
    return [TicketEvent(opened, "New", priority),
            TicketEvent(opened + timedelta(hours=hours), "Resolved", priority)]


def test_a_cycle_keeps_the_version_in_force_when_it_started() -> None:
    d = SlaDefinition.from_dict(VERSIONED)
    before = d.evaluate(ticket(at(6, 30, 20), 6)).cycles[0]   # opened under 8 h, spans switch
    after = d.evaluate(ticket(at(7, 1, 9), 6)).cycles[0]
    assert (before.target, before.stage.value) == (timedelta(hours=8), "met")
    assert (after.target, after.stage.value) == (timedelta(hours=4), "breached")


def test_changing_an_sla_never_rewrites_history() -> None:
    old = SlaDefinition.from_dict({"name": "fix", **VERSIONED["versions"][0]})
    new = SlaDefinition.from_dict(VERSIONED)
    history = ticket(at(3, 3, 9), 6)
    assert new.evaluate(history) == old.evaluate(history)


def test_reopened_ticket_new_cycles_follow_their_own_start() -> None:
    d = SlaDefinition.from_dict({"name": "fix", "versions": [
        {"targets": "PT8H", "stop": {"state_in": ["Resolved"]}, "on_reopen": "new_cycle"},
        {"from": SWITCH, "targets": "PT4H", "stop": {"state_in": ["Resolved"]},
         "on_reopen": "new_cycle"}]})
    events = [*ticket(at(6, 30, 9), 1), *ticket(at(7, 2, 9), 1)]
    assert [c.target for c in d.evaluate(events).cycles] == [timedelta(hours=8),
                                                            timedelta(hours=4)]


def test_a_label_added_later_does_not_skip_old_tickets_and_missing_ones_are_reasons() -> None:
    d = SlaDefinition.from_dict(VERSIONED)
    assert d.evaluate(ticket(at(7, 2, 9), 1, "P2")).cycles[0].target == timedelta(hours=8)
    outcome = d.evaluate(ticket(at(3, 2, 9), 1, "P2"), strict=False)
    assert outcome.cycles == () and outcome.skipped is not None
    assert outcome.skipped.startswith("version 0 (from always): ")
    with pytest.raises(InvalidArgumentError, match="version 0"):
        d.evaluate(ticket(at(3, 2, 9), 1, "P2"))


def test_round_trip_pickle_and_policy() -> None:
    d = SlaDefinition.from_dict(VERSIONED)
    assert SlaDefinition.from_dict(d.to_dict()) == d
    assert pickle.loads(pickle.dumps(d)) == d
    assert d.targets.target("P1") == timedelta(hours=4)   # the attributes: the last version's
    policy = SlaPolicy.from_dict({"calendars": {"uk": {"timezone": "Europe/London"}},
                                  "definitions": [{"name": "fix", "versions": [
                                      {"targets": "PT1H", "calendar": "uk"}]}]})
    assert SlaPolicy.from_dict(policy.to_dict()) == policy


@pytest.mark.parametrize(("data", "path"), [
    ({"name": "x", "versions": []}, "versions"),
    ({"name": "x", "versions": [{"targets": "PT1H"}, {"targets": "PT2H"}]}, "versions[1].from"),
    ({"name": "x", "versions": [{"targets": "PT1H"}, {"from": "soon", "targets": "PT2H"}]},
     "versions[1].from"),
    ({"name": "x", "versions": [{"from": SWITCH, "targets": "PT1H"},
                                {"from": SWITCH, "targets": "PT2H"}]}, "versions[1].from"),
    ({"name": "x", "targets": "PT1H", "versions": [{"targets": "PT1H"}]}, "targets"),
    ({"name": "x", "versions": [{"targets": "PT1H", "name": "y"}]}, "versions[0].name"),
    ({"name": "x", "versions": [{"targets": "soon"}]}, "versions[0].targets"),
    ({"name": "x", "versions": ["PT1H"]}, "versions[0]"),
])
def test_bad_versions_name_the_path(data: dict[str, object], path: str) -> None:
    with pytest.raises(ConfigError) as info:
        SlaDefinition.from_dict(data)
    assert info.value.path == path


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 60 * 24 * 20), st.integers(1, 60 * 24 * 3))
def test_each_cycle_equals_its_versions_own_replay(start_minute: int, minutes: int) -> None:
    d = SlaDefinition.from_dict(VERSIONED)
    opened = at(6, 20, 0) + timedelta(minutes=start_minute)
    events = [TicketEvent(opened, "New", "P1"),
              TicketEvent(opened + timedelta(minutes=minutes), "Resolved", "P1")]
    governing = d.versions[0 if opened < at(7, 1, 0) else 1].definition
    assert d.evaluate(events).cycles == governing.evaluate(events).cycles

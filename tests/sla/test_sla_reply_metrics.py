"""Zendesk's SLA metrics written as definitions (docs/examples/zendesk-metrics.json), each
checked against one ticket computed by hand.

The ticket (priority Normal, calendar hours: the definitions have no calendar, so 24x7 UTC;
Monday 2025-03-03):

    09:00  New      (created by the requester)   kind None
    10:30  Open     agent reply                  kind agent_reply
    12:00  Open     requester comment            kind requester_comment
    13:00  Open     requester comment (another)  kind requester_comment
    15:00  Pending  agent reply, asks for info   kind agent_reply
    17:00  Open     requester answers            kind requester_comment
    18:00  On-hold  internal note                kind internal_note
    20:00  Open     vendor answered              kind None
    21:00  Solved   agent reply, solves          kind agent_reply
    22:00  Open     requester reopens            kind requester_comment
    23:00  Solved   agent reply, solves again    kind agent_reply
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from itsm_core.cli.policyfile import load_policy
from itsm_core.sla import SlaDefinition, SlaOutcome, SlaPolicy, Stage, TicketEvent

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "zendesk-metrics.json"
DAY = datetime(2025, 3, 3, tzinfo=timezone.utc)
H = timedelta(hours=1)

TIMELINE = [
    (9.0, "New", None),
    (10.5, "Open", "agent_reply"),
    (12.0, "Open", "requester_comment"),
    (13.0, "Open", "requester_comment"),
    (15.0, "Pending", "agent_reply"),
    (17.0, "Open", "requester_comment"),
    (18.0, "On-hold", "internal_note"),
    (20.0, "Open", None),
    (21.0, "Solved", "agent_reply"),
    (22.0, "Open", "requester_comment"),
    (23.0, "Solved", "agent_reply"),
]
EVENTS = [TicketEvent(DAY + hours * H, state, "Normal", kind=kind)
          for hours, state, kind in TIMELINE]


def hour(hours: float) -> datetime:
    return DAY + hours * H


@pytest.fixture(scope="module")
def policy() -> SlaPolicy:
    return SlaPolicy.from_dict(json.loads(EXAMPLE.read_text()))


def outcome(policy: SlaPolicy, name: str, events: list[TicketEvent] = EVENTS) -> SlaOutcome:
    return policy.definition(name).evaluate(events, ticket="Z1")


def summary(out: SlaOutcome) -> list[tuple[Stage, datetime, datetime | None, timedelta,
                                           timedelta]]:
    return [(c.stage, c.started_at, c.stopped_at, c.elapsed, c.paused_wall) for c in out.cycles]


def test_example_loads_through_the_cli_reader_and_round_trips(policy: SlaPolicy) -> None:
    assert load_policy(str(EXAMPLE)) == policy
    assert SlaPolicy.from_dict(policy.to_dict()) == policy
    assert [d.name for d in policy.definitions] == [
        "first_reply_time", "next_reply_time", "periodic_update", "pausable_update",
        "requester_wait_time", "agent_work_time"]


def test_first_reply_time(policy: SlaPolicy) -> None:
    # Starts at creation (the only event in state New), stops at the first agent reply:
    # 09:00 -> 10:30 = 1h30 of a 2h target: met.  Later replies and the reopen at 22:00
    # start nothing (no later event is New).
    assert summary(outcome(policy, "first_reply_time")) == [
        (Stage.MET, hour(9), hour(10.5), 1.5 * H, 0 * H)]


def test_first_reply_time_running_until_the_reply(policy: SlaPolicy) -> None:
    # Only the creation so far, seen at 12:00: 3h elapsed of 2h, still running, overdue.
    cycle, = policy.definition("first_reply_time").evaluate(
        EVENTS[:1], as_of=hour(12)).cycles
    assert (cycle.stage, cycle.elapsed, cycle.breached) == (Stage.RUNNING, 3 * H, True)
    assert cycle.breached_at == hour(11)


def test_next_reply_time(policy: SlaPolicy) -> None:
    # Each cycle runs from the oldest unanswered requester comment to the next agent reply
    # (target 4h): 12:00 -> 15:00 = 3h met (the 13:00 comment does not restart it);
    # 17:00 -> 21:00 = 4h, exactly the target: met; the reopening comment 22:00 -> 23:00 =
    # 1h met.  The creation at 09:00 is not a requester comment: first reply time covers it.
    assert summary(outcome(policy, "next_reply_time")) == [
        (Stage.MET, hour(12), hour(15), 3 * H, 0 * H),
        (Stage.MET, hour(17), hour(21), 4 * H, 0 * H),
        (Stage.MET, hour(22), hour(23), 1 * H, 0 * H)]


def test_periodic_update(policy: SlaPolicy) -> None:
    # Each interval between agent replies is judged (target 5h): the first reply at 10:30
    # opens it; the reply at 15:00 stops it (4h30, met) and, being a reset, opens the next
    # at once; the solving reply at 21:00 stops that one (6h, breached) and opens nothing
    # (start excludes Solved).  The reply at 23:00 also solves: nothing opens.
    assert summary(outcome(policy, "periodic_update")) == [
        (Stage.MET, hour(10.5), hour(15), 4.5 * H, 0 * H),
        (Stage.BREACHED, hour(15), hour(21), 6 * H, 0 * H)]


def test_pausable_update(policy: SlaPolicy) -> None:
    # As periodic update, but paused while Pending: the interval opened by the 15:00 reply
    # (which set Pending) attaches paused; it runs from 17:00 (On-hold does not pause it)
    # to 21:00 = 4h of a 5h target: met, 2h paused.
    assert summary(outcome(policy, "pausable_update")) == [
        (Stage.MET, hour(10.5), hour(15), 4.5 * H, 0 * H),
        (Stage.MET, hour(15), hour(21), 4 * H, 2 * H)]


def test_requester_wait_time(policy: SlaPolicy) -> None:
    # New, Open and On-hold count; Pending does not: 09:00-15:00 (6h) + 17:00-21:00 (4h),
    # solved at 21:00, reopened at 22:00 (resume: the solved hour is a pause), 22:00-23:00
    # (1h): 11h of an 8h target, breached; paused 15-17 and 21-22 = 3h.  The 8h were used up
    # at 19:00 (6h by 15:00, 2h more from 17:00).
    out = outcome(policy, "requester_wait_time")
    assert summary(out) == [(Stage.BREACHED, hour(9), hour(23), 11 * H, 3 * H)]
    assert out.cycles[0].breached_at == hour(19)


def test_agent_work_time(policy: SlaPolicy) -> None:
    # New and Open count; Pending and On-hold do not: 09:00-15:00 (6h) + 17:00-18:00 (1h) +
    # 20:00-21:00 (1h) + after the reopen 22:00-23:00 (1h) = 9h of a 10h target: met;
    # paused 15-17, 18-20 and the solved hour 21-22 = 5h.
    assert summary(outcome(policy, "agent_work_time")) == [
        (Stage.MET, hour(9), hour(23), 9 * H, 5 * H)]


def test_agent_reply_that_solves_at_once_stops_every_reply_metric(policy: SlaPolicy) -> None:
    # Created 09:00, one agent reply that also solves at 09:45: first reply 45 min met, no
    # next-reply cycle (no requester comment), no update interval (the reply solves).
    events = [TicketEvent(hour(9), "New", "Normal"),
              TicketEvent(hour(9.75), "Solved", "Normal", kind="agent_reply")]
    assert summary(outcome(policy, "first_reply_time", events)) == [
        (Stage.MET, hour(9), hour(9.75), 0.75 * H, 0 * H)]
    assert outcome(policy, "next_reply_time", events).cycles == ()
    assert outcome(policy, "periodic_update", events).cycles == ()


def test_next_reply_time_can_wait_for_the_first_reply(policy: SlaPolicy) -> None:
    # docs/sla.md, "Reply metrics": with a count of agent replies on each event, a requester
    # comment before the first reply starts nothing.  Comment at 09:30 (no reply yet: no
    # cycle), reply at 10:00, comment at 11:00 -> reply at 11:30: one cycle of 30 min.
    data = policy.definition("next_reply_time").to_dict()
    data["start"] = {"all": [{"kind_in": ["requester_comment"]},
                             {"not": {"field": "agent_replies", "in": [0, None]}}]}
    d = SlaDefinition.from_dict(data)
    rows = [(9, "New", None, 0), (9.5, "New", "requester_comment", 0),
            (10, "Open", "agent_reply", 1), (11, "Open", "requester_comment", 1),
            (11.5, "Open", "agent_reply", 2)]
    events = [TicketEvent(hour(h), s, "Normal", {"agent_replies": n}, kind=k)
              for h, s, k, n in rows]
    assert summary(d.evaluate(events)) == [(Stage.MET, hour(11), hour(11.5), 0.5 * H, 0 * H)]
    # the plain definition starts at 09:30 already
    assert summary(outcome(policy, "next_reply_time", events))[0][1] == hour(9.5)

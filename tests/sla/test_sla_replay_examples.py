"""Replay examples worked by hand on a London office calendar (Mon-Fri 09:00-17:00, ENG holidays).

Holiday dates: GOV.UK "UK bank holidays" (https://www.gov.uk/bank-holidays), England and
Wales 2025: Good Friday 18 April, Easter Monday 21 April.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from strategies_sla import LONDON_OFFICE

from itsm_core.errors import InvalidArgumentError, NaiveDatetimeError
from itsm_core.sla import SlaDefinition, Stage, TicketEvent

LONDON = ZoneInfo("Europe/London")
H = timedelta(hours=1)


def lt(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A London wall time in 2025."""
    return datetime(2025, month, day, hour, minute, tzinfo=LONDON)


def make(**overrides: object) -> SlaDefinition:
    data = {
        "name": "resolution",
        "calendar": LONDON_OFFICE,
        "targets": {"P1": "PT4H", "P2": "PT8H", "P3": "P3D"},
        "start": {"state_not_in": ["Draft"]},
        "pause": {"state_in": ["Awaiting User Info", "Awaiting Vendor"]},
        "stop": {"state_in": ["Resolved", "Closed"]},
        "cancel": {"state_in": ["Cancelled"]},
        "warnings": [0.5, 0.75],
    }
    data.update(overrides)
    return SlaDefinition.from_dict(data)


def ev(t: datetime, state: str, priority: str | None = "P2", **fields: object) -> TicketEvent:
    return TicketEvent(t, state, priority, fields)


class TestPauses:
    def test_pause_over_a_weekend_costs_nothing_twice(self):
        # Fri 7 March 15:00 open; 16:00 awaiting user; Mon 10 March 10:00 back; 12:00 resolved.
        events = [ev(lt(7, 15), "New"), ev(lt(7, 16), "Awaiting User Info"),
                  ev(lt(10, 10), "Active"), ev(lt(10, 12), "Resolved")]
        (cycle,) = make().evaluate(events).cycles
        assert cycle.stage is Stage.MET
        assert cycle.elapsed == 3 * H  # Fri 15-16, Mon 10-12
        assert cycle.paused_business == 2 * H  # Fri 16-17, Mon 09-10; the weekend is closed
        assert cycle.paused_wall == 66 * H
        assert cycle.remaining == 5 * H
        assert [s.kind for s in cycle.segments] == ["running", "paused", "running"]
        assert cycle.segments[1].state == "Awaiting User Info"

    def test_as_of_mid_pause(self):
        events = [ev(lt(3, 9), "New"), ev(lt(3, 10), "Awaiting Vendor"),
                  ev(lt(3, 15), "Active"), ev(lt(3, 16), "Resolved")]
        outcome = make().evaluate(events, as_of=lt(3, 12))
        (cycle,) = outcome.cycles
        assert cycle.stage is Stage.PAUSED
        assert cycle.elapsed == H
        assert cycle.paused_business == 2 * H
        assert cycle.due_at is None
        assert cycle.stopped_at is None
        # the 50% mark (4 h of 8) is not reached and the clock is not running
        assert cycle.warnings == {Fraction(1, 2): None, Fraction(3, 4): None}


class TestHolidaysAndDue:
    def test_easter_weekend_pushes_the_due_instant(self):
        # Thu 17 April 16:00 BST, P1 (4 h): Thu 16-17 = 1 h; Good Friday, the weekend and
        # Easter Monday are closed; 3 h more on Tue 22 April -> 12:00 BST.
        events = [ev(lt(17, 16, month=4), "New", "P1")]
        (cycle,) = make().evaluate(events, as_of=lt(22, 10, month=4)).cycles
        assert cycle.stage is Stage.RUNNING
        assert cycle.elapsed == 2 * H
        assert cycle.remaining == 2 * H
        assert cycle.due_at == lt(22, 12, month=4)
        assert cycle.due_at.utcoffset() == H  # reported in the calendar's zone (BST)
        assert cycle.warnings == {Fraction(1, 2): lt(22, 10, month=4),
                                  Fraction(3, 4): lt(22, 11, month=4)}
        assert cycle.percent == 50

    def test_a_day_is_24_business_hours(self):
        # P3 = P3D = 72 business hours = 9 office days: Mon 3 March 09:00 -> Thu 13 March 17:00.
        (cycle,) = make().evaluate([ev(lt(3, 9), "New", "P3")]).cycles
        assert cycle.target == 72 * H
        assert cycle.due_at == lt(13, 17)

    def test_breach_is_decided_on_exact_business_time(self):
        target_met = [ev(lt(3, 9), "New", "P1"), ev(lt(3, 13), "Resolved", "P1")]
        one_us_late = [ev(lt(3, 9), "New", "P1"),
                       ev(lt(3, 13) + timedelta(microseconds=1), "Resolved", "P1")]
        assert make().evaluate(target_met).cycles[0].stage is Stage.MET
        late = make().evaluate(one_us_late).cycles[0]
        assert late.stage is Stage.BREACHED
        assert late.remaining == timedelta(microseconds=-1)
        assert late.breached_at == lt(3, 13)


class TestPriorityChange:
    events = (ev(lt(3, 9), "New", "P3"), ev(lt(3, 13), "Active", "P1"),
              ev(lt(3, 14), "Resolved", "P1"))

    def test_keep_elapsed_switches_the_target(self):
        (cycle,) = make().evaluate(self.events).cycles
        assert cycle.priority == "P1"
        assert cycle.target == 4 * H
        assert cycle.elapsed == 5 * H
        assert cycle.stage is Stage.BREACHED
        assert [s.priority for s in cycle.segments] == ["P3", "P1"]

    def test_restart_cancels_and_starts_again(self):
        first, second = make(on_priority_change="restart").evaluate(self.events).cycles
        assert (first.stage, first.priority, first.elapsed) == (Stage.CANCELLED, "P3", 4 * H)
        assert first.stopped_at == lt(3, 13)
        assert (second.stage, second.priority, second.elapsed) == (Stage.MET, "P1", H)
        assert second.started_at == lt(3, 13)


class TestReopen:
    events = (ev(lt(3, 9), "New"), ev(lt(3, 11), "Resolved"), ev(lt(4, 10), "Active"),
              ev(lt(4, 12), "Resolved"))

    def test_resume_counts_the_resolved_stretch_as_paused(self):
        (cycle,) = make().evaluate(self.events).cycles
        assert cycle.stage is Stage.MET
        assert cycle.elapsed == 4 * H
        assert cycle.paused_business == 7 * H  # Mon 11-17, Tue 09-10
        assert cycle.paused_wall == 23 * H
        assert cycle.segments[1].state == "Resolved"
        assert cycle.stopped_at == lt(4, 12)

    def test_new_cycle(self):
        first, second = make(on_reopen="new_cycle").evaluate(self.events).cycles
        assert (first.elapsed, first.stopped_at) == (2 * H, lt(3, 11))
        assert (second.started_at, second.elapsed) == (lt(4, 10), 2 * H)

    def test_closing_a_resolved_ticket_is_not_a_reopen(self):
        events = [*self.events[:2], ev(lt(5, 9), "Closed")]
        (cycle,) = make().evaluate(events).cycles
        assert cycle.stopped_at == lt(3, 11)


class TestAttachment:
    def test_start_and_stop_together_attach_nothing(self):
        outcome = make().evaluate([ev(lt(3, 9), "Resolved"), ev(lt(3, 10), "Closed")])
        assert outcome.cycles == ()

    def test_clock_starts_when_the_start_condition_first_holds(self):
        (cycle,) = make().evaluate([ev(lt(3, 9), "Draft"), ev(lt(3, 11), "New")]).cycles
        assert cycle.started_at == lt(3, 11)

    def test_applies_filters_tickets(self):
        d = make(applies={"field": "type", "in": ["incident"]})
        assert d.evaluate([ev(lt(3, 9), "New", type="request")]).applies is False
        outcome = d.evaluate([ev(lt(3, 9), "New", type="incident")])
        assert outcome.applies is True
        assert len(outcome.cycles) == 1

    def test_ties_keep_input_order(self):
        same = lt(3, 9)
        a = make().evaluate([ev(same, "New"), ev(same, "Resolved")])
        b = make().evaluate([ev(same, "Resolved"), ev(same, "New")])
        assert a.cycles[0].stage is Stage.MET and a.cycles[0].elapsed == timedelta(0)
        assert b.cycles[0].stage is Stage.RUNNING

    def test_cancel(self):
        (cycle,) = make().evaluate([ev(lt(3, 9), "New"), ev(lt(3, 10), "Cancelled")]).cycles
        assert cycle.stage is Stage.CANCELLED
        assert cycle.elapsed == H


class TestMissingTargets:
    events = (ev(lt(3, 9), "New", None), ev(lt(3, 10), "Resolved", None))

    def test_strict_raises_naming_ticket_and_event(self):
        with pytest.raises(InvalidArgumentError, match=r"ticket 'INC7'.*event 0 .*None"):
            make().evaluate(self.events, ticket="INC7")

    def test_non_strict_reports_the_reason(self):
        outcome = make().evaluate(self.events, ticket="INC7", strict=False)
        assert outcome.cycles == ()
        assert outcome.skipped is not None and "priority None has no target" in outcome.skipped

    def test_fallback_target(self):
        d = make(targets={"P1": "PT4H", "*": "PT8H"})
        assert d.evaluate(self.events).cycles[0].target == 8 * H

    def test_targets_by_another_field(self):
        d = make(targets={"gold": "PT2H", "silver": "PT8H"}, targets_by="tier")
        (cycle,) = d.evaluate([ev(lt(3, 9), "New", tier="gold")]).cycles
        assert (cycle.priority, cycle.target) == ("gold", 2 * H)


class TestBadInput:
    def test_naive_as_of(self):
        with pytest.raises(NaiveDatetimeError, match="as_of"):
            make().evaluate([ev(lt(3, 9), "New")], as_of=datetime(2025, 3, 3, 12))

    def test_not_an_event(self):
        with pytest.raises(TypeError, match=r"events\[1\]"):
            make().evaluate([ev(lt(3, 9), "New"), {"at": lt(3, 10)}])

    def test_priority_objects_are_read_by_label(self):
        class Priority:
            label = "P1"

        assert TicketEvent(lt(3, 9), "New", Priority()).priority == "P1"

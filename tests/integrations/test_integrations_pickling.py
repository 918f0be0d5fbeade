"""Values that cross a process boundary pickle, and cheaply (rules, not compiled timelines)."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone

from strategies_integrations import HISTORIES_SMALL, POLICY

from itsm_core.calendar import BusinessCalendar
from itsm_core.cli.worker import ExportWork
from itsm_core.demo import AS_OF

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
UK = {"timezone": "Europe/London", "hours": {d: [["09:00", "17:00"]] for d in WEEKDAYS},
      "holidays": [{"country": "GB", "subdivision": "ENG"}]}


def exercise(cal: BusinessCalendar) -> timedelta:
    """Compile ten years of timeline and ask across all of it."""
    start = datetime(2016, 1, 1, tzinfo=timezone.utc)
    end = datetime(2026, 1, 1, tzinfo=timezone.utc)
    cal.add(start, timedelta(hours=8 * 250 * 9))
    return cal.elapsed(start, end)


class TestCalendars:
    def test_uk_calendar_after_ten_years_pickles_under_2_kb(self) -> None:
        cal = BusinessCalendar.from_dict(UK)
        fresh = len(pickle.dumps(cal))
        total = exercise(cal)
        blob = pickle.dumps(cal)
        assert len(blob) < 2_048
        assert len(blob) == fresh  # the compiled timeline does not travel
        back = pickle.loads(blob)
        assert back == cal and hash(back) == hash(cal)
        assert exercise(back) == total

    def test_composites_pickle_as_rules(self) -> None:
        uk = BusinessCalendar.from_dict(UK)
        ny = BusinessCalendar.from_dict({"timezone": "America/New_York",
                                         "hours": {d: [["08:00", "18:00"]] for d in WEEKDAYS}})
        window = [(datetime(2020, 6, 1, 9, tzinfo=timezone.utc),
                   datetime(2020, 6, 1, 12, tzinfo=timezone.utc))]
        for cal in (uk | ny, uk & ny, uk - window):
            total = exercise(cal)
            blob = pickle.dumps(cal)
            assert len(blob) < 4_096
            assert exercise(pickle.loads(blob)) == total


class TestSlaValues:
    def test_outcomes_round_trip(self) -> None:
        outcomes = [o for n, es in HISTORIES_SMALL for o in POLICY.evaluate(es, AS_OF, n)]
        back = pickle.loads(pickle.dumps(outcomes))
        assert back == outcomes
        assert [c.to_dict() for o in back for c in o.cycles] == [
            c.to_dict() for o in outcomes for c in o.cycles]

    def test_policy_pickles_small_after_heavy_use(self) -> None:
        fresh = len(pickle.dumps(POLICY))
        outcomes = [o for n, es in HISTORIES_SMALL for o in POLICY.evaluate(es, AS_OF, n)]
        for definition in POLICY.definitions:
            exercise(definition.calendar)
        blob = pickle.dumps(POLICY)
        assert len(blob) < 8_192
        assert len(blob) <= fresh + 512  # the state memo may grow a little, timelines never
        back = pickle.loads(blob)
        assert back == POLICY
        assert [o for n, es in HISTORIES_SMALL for o in back.evaluate(es, AS_OF, n)] == outcomes

    def test_policy_travels_to_workers_as_a_pickle(self) -> None:
        """What a ``--jobs`` worker receives once, when it starts."""
        work = ExportWork(policy=POLICY, time_format=None, tz=None, at_name="at", fields=(),
                          by=("definition",), period=None)
        blob = pickle.dumps(work)
        assert len(blob) < 8_192
        assert pickle.loads(blob) == work

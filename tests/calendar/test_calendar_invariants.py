"""Laws every business calendar obeys (``docs/design.md``, "Business calendars"), on random calendars and instants.

The engine is checked against its own definitions here (the oracle test checks it against an
independent implementation): ``elapsed`` is signed and additive, ``add`` / ``subtract`` invert
``elapsed`` and find the earliest / latest such instant, both are monotone, the ``next_*`` /
``previous_close`` queries meet their definitions, ``open_intervals`` is normalised and adds up
to ``elapsed``, and a calendar round-trips through ``to_dict``, ``pickle`` and ``hash``.
Windows here are wider than in the oracle test (weeks), because nothing slow is involved.
"""

from __future__ import annotations

import itertools
import json
import pickle
from datetime import datetime, timedelta, timezone

import pandas as pd
import pendulum
from hypothesis import given
from hypothesis import strategies as st
from oracle_calendar import from_us, to_us
from strategies_calendar import US_PER_DAY, US_PER_HOUR, Scenario, instant_in, scenarios

from itsm_core import BusinessCalendar

US = timedelta(microseconds=1)
wide = scenarios(max_days=21)


def calendar(scenario: Scenario) -> BusinessCalendar:
    return BusinessCalendar.from_dict(scenario.config)


def within(scenario: Scenario, aligned: bool = False) -> st.SearchStrategy[int]:
    return instant_in(scenario.a, scenario.b, aligned)


durations = st.one_of(st.integers(0, 3 * US_PER_HOUR), st.integers(0, 20 * US_PER_DAY),
                      st.integers(0, 10 * 60).map(lambda m: m * 60_000_000))


class TestElapsed:
    @given(wide, st.data())
    def test_signed_and_additive(self, scenario: Scenario, data: st.DataObject) -> None:
        cal = calendar(scenario)
        a, b, c = (data.draw(within(scenario)) for _ in range(3))
        assert cal._engine.elapsed(a, b) + cal._engine.elapsed(b, c) == cal._engine.elapsed(a, c)
        assert cal._engine.elapsed(b, a) == -cal._engine.elapsed(a, b)
        assert cal._engine.elapsed(a, a) == 0
        assert cal._engine.elapsed(min(a, b), max(a, b)) >= 0

    @given(wide, st.data())
    def test_bounded_by_wall_time_and_matches_datetime_api(self, scenario: Scenario,
                                                           data: st.DataObject) -> None:
        cal = calendar(scenario)
        a, b = sorted(data.draw(within(scenario)) for _ in range(2))
        assert 0 <= cal._engine.elapsed(a, b) <= b - a
        result = cal.elapsed(from_us(a), from_us(b, cal.timezone))
        assert isinstance(result, timedelta)
        assert result // US == cal._engine.elapsed(a, b)


class TestAddSubtract:
    @given(wide, durations, st.data())
    def test_add_is_the_earliest_instant_using_up_d(self, scenario: Scenario, d: int,
                                                    data: st.DataObject) -> None:
        cal = calendar(scenario)
        t = data.draw(within(scenario))
        u = cal._engine.add(t, d)
        assert u >= t
        assert cal._engine.elapsed(t, u) == d
        if d > 0:
            assert cal._engine.elapsed(t, u - 1) < d  # anything earlier gives less
        assert to_us(cal.add(from_us(t), d * US)) == u

    @given(wide, durations, st.data())
    def test_subtract_is_the_latest_instant_giving_d(self, scenario: Scenario, d: int,
                                                     data: st.DataObject) -> None:
        cal = calendar(scenario)
        t = data.draw(within(scenario))
        u = cal._engine.subtract(t, d)
        assert u <= t
        assert cal._engine.elapsed(u, t) == d
        if d > 0:
            assert cal._engine.elapsed(u + 1, t) < d  # anything later gives less
        assert to_us(cal.subtract(from_us(t), d * US)) == u

    @given(wide, st.data())
    def test_zero_duration_is_identity(self, scenario: Scenario, data: st.DataObject) -> None:
        cal = calendar(scenario)
        t = data.draw(within(scenario))
        assert cal._engine.add(t, 0) == t
        assert cal._engine.subtract(t, 0) == t
        moment = from_us(t, cal.timezone)
        assert to_us(cal.add(moment, timedelta(0))) == t

    @given(wide, durations, durations, st.data())
    def test_monotone_in_duration_and_start(self, scenario: Scenario, d1: int, d2: int,
                                            data: st.DataObject) -> None:
        cal = calendar(scenario)
        d1, d2 = sorted((d1, d2))
        t1, t2 = sorted(data.draw(within(scenario)) for _ in range(2))
        assert cal._engine.add(t1, d1) <= cal._engine.add(t1, d2)
        assert cal._engine.add(t1, d1) <= cal._engine.add(t2, d1)
        assert cal._engine.subtract(t2, d2) <= cal._engine.subtract(t2, d1)
        assert cal._engine.subtract(t1, d1) <= cal._engine.subtract(t2, d1)

    @given(wide, durations, st.data())
    def test_add_then_subtract_round_trip_on_open_time(self, scenario: Scenario, d: int,
                                                       data: st.DataObject) -> None:
        cal = calendar(scenario)
        t = cal._engine.next_open(data.draw(within(scenario)))
        u = cal._engine.add(t, d)
        # subtract(u, d) is the latest v with elapsed(v, u) == d, so elapsed(t, v) == 0; as t
        # is open, any v > t would hold some open time: v == t
        assert cal._engine.subtract(u, d) == t


class TestOpenClose:
    @given(wide, st.data())
    def test_next_open(self, scenario: Scenario, data: st.DataObject) -> None:
        cal = calendar(scenario)
        t = data.draw(within(scenario))
        n = cal._engine.next_open(t)
        assert n >= t
        assert cal._engine.is_open(n)
        assert cal._engine.elapsed(t, n) == 0
        assert (n == t) == cal._engine.is_open(t)
        assert to_us(cal.next_open(from_us(t))) == n

    @given(wide, st.data())
    def test_next_close(self, scenario: Scenario, data: st.DataObject) -> None:
        cal = calendar(scenario)
        t = data.draw(within(scenario))
        c = cal._engine.next_close(t)
        n = cal._engine.next_open(t)
        assert c > n >= t
        assert not cal._engine.is_open(c)
        assert cal._engine.elapsed(n, c) == c - n  # open all the way from n to c
        assert to_us(cal.next_close(from_us(t))) == c

    @given(wide, st.data())
    def test_previous_close(self, scenario: Scenario, data: st.DataObject) -> None:
        cal = calendar(scenario)
        t = data.draw(within(scenario))
        p = cal._engine.previous_close(t)
        assert p <= t
        assert cal._engine.is_open(p - 1)  # p ends an open interval, or t lies in (start, end]
        assert cal._engine.elapsed(p, t) == 0
        if p < t:
            assert not cal._engine.is_open(p)
        assert to_us(cal.previous_close(from_us(t))) == p

    @given(wide, st.data())
    def test_open_intervals_are_normalised_and_add_up(self, scenario: Scenario,
                                                      data: st.DataObject) -> None:
        cal = calendar(scenario)
        a, b = sorted(data.draw(within(scenario)) for _ in range(2))
        pairs = [(to_us(s), to_us(e)) for s, e in cal.open_intervals(from_us(a), from_us(b))]
        flat = [x for pair in pairs for x in pair]
        assert flat == sorted(flat)
        assert all(x < y for x, y in itertools.pairwise(flat))  # disjoint, no touch
        assert all(a <= x <= b for x in flat)
        assert sum(e - s for s, e in pairs) == cal._engine.elapsed(a, b)
        assert cal._engine.open_set(a, b).pairs() == tuple(pairs)
        for s, e in pairs:
            assert cal._engine.is_open(s) and cal._engine.is_open(e - 1)


class TestValueSemantics:
    @given(wide)
    def test_round_trips(self, scenario: Scenario) -> None:
        cal = calendar(scenario)
        data = cal.to_dict()
        json.dumps(data)  # plain data
        again = BusinessCalendar.from_dict(data)
        assert again == cal
        assert hash(again) == hash(cal)
        assert BusinessCalendar.from_dict(json.loads(json.dumps(data))) == cal
        assert pickle.loads(pickle.dumps(cal)) == cal

    @given(wide, st.data())
    def test_results_are_in_the_calendars_zone(self, scenario: Scenario,
                                               data: st.DataObject) -> None:
        cal = calendar(scenario)
        t = from_us(data.draw(within(scenario)), timezone(timedelta(hours=-11)))
        for result in (cal.add(t, timedelta(hours=1)), cal.subtract(t, timedelta(hours=1)),
                       cal.next_open(t), cal.next_close(t), cal.previous_close(t)):
            assert result.tzinfo is not None
            assert getattr(result.tzinfo, "key", None) == scenario.config["timezone"]


class TestForeignDatetimes:
    def test_pendulum_and_pandas_instants_work_unchanged(self) -> None:
        cal = BusinessCalendar.from_dict(
            {"timezone": "Europe/London", "hours": {"mon": [["09:00", "17:00"]]}})
        plain = datetime(2025, 3, 31, 10, tzinfo=timezone.utc)  # Monday 11:00 BST
        expected = cal.add(plain, timedelta(hours=2))
        assert to_us(expected) == to_us(datetime(2025, 3, 31, 12, tzinfo=timezone.utc))
        via_pendulum = cal.add(pendulum.datetime(2025, 3, 31, 10, tz="UTC"), timedelta(hours=2))
        via_pandas = cal.add(pd.Timestamp("2025-03-31T10:00Z"), timedelta(hours=2))
        assert to_us(via_pendulum) == to_us(via_pandas) == to_us(expected)
        assert cal.elapsed(pd.Timestamp("2025-03-31T08:00Z"),
                           pendulum.datetime(2025, 4, 1, tz="UTC")) == timedelta(hours=8)

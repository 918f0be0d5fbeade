"""Composition laws (``docs/calendar.md``, "Composition"): union, intersection, minus windows, versions.

Composites are compared by what they answer over a window (their open sets as
``IntervalSet``), which is what "answer the same queries" means; the point algebra is checked
against the parts: ``a | b`` is open iff ``a`` or ``b`` is, ``a & b`` iff both, ``a - W`` never
inside a window of ``W``.  Versions switch at local midnight of the version's date, in the new
version's zone (``fold=0``, so in Sao Paulo 2016-10-16 the switch is at 01:00 -02).
"""

from __future__ import annotations

import pickle
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracle_calendar import from_us, to_us
from strategies_calendar import (
    US_PER_DAY,
    US_PER_HOUR,
    Scenario,
    half_examples,
    instant_in,
    scenarios,
)

from itsm_core import BusinessCalendar, ItsmError
from itsm_core.intervals import IntervalSet


def calendar(scenario: Scenario) -> BusinessCalendar:
    return BusinessCalendar.from_dict(scenario.config)


@st.composite
def pair(draw: st.DrawFn) -> tuple[BusinessCalendar, BusinessCalendar, int, int]:
    """Two random calendars (possibly in different zones) and a window of the first."""
    first = draw(scenarios(max_days=10))
    second = draw(scenarios())
    return calendar(first), calendar(second), first.a, first.b


@st.composite
def windows(draw: st.DrawFn, a: int, b: int) -> IntervalSet:
    points = draw(st.lists(instant_in(a, b, aligned=False), max_size=6))
    points.sort()
    return IntervalSet.from_pairs(list(zip(points[::2], points[1::2], strict=False)))


class TestUnionIntersection:
    @half_examples
    @given(pair(), st.data())
    def test_union_is_open_iff_either_is(self, calendars, data) -> None:
        a, b, lo, hi = calendars
        union = a | b
        assert union._engine.open_set(lo, hi) == a._engine.open_set(lo, hi) | b._engine.open_set(lo, hi)
        for t in data.draw(st.lists(instant_in(lo, hi, aligned=False), max_size=5)):
            assert union._engine.is_open(t) == (a._engine.is_open(t) or b._engine.is_open(t))
            assert union.is_open(from_us(t)) == union._engine.is_open(t)

    @half_examples
    @given(pair(), st.data())
    def test_intersection_is_open_iff_both_are(self, calendars, data) -> None:
        a, b, lo, hi = calendars
        both = a & b
        assert both._engine.open_set(lo, hi) == a._engine.open_set(lo, hi) & b._engine.open_set(lo, hi)
        for t in data.draw(st.lists(instant_in(lo, hi, aligned=False), max_size=5)):
            assert both._engine.is_open(t) == (a._engine.is_open(t) and b._engine.is_open(t))

    @half_examples
    @given(pair())
    def test_commutative_and_idempotent(self, calendars) -> None:
        a, b, lo, hi = calendars
        assert (a | b)._engine.open_set(lo, hi) == (b | a)._engine.open_set(lo, hi)
        assert (a & b)._engine.open_set(lo, hi) == (b & a)._engine.open_set(lo, hi)
        assert (a | a)._engine.open_set(lo, hi) == a._engine.open_set(lo, hi)
        assert (a & a)._engine.open_set(lo, hi) == a._engine.open_set(lo, hi)
        assert (a | b)._engine.elapsed(lo, hi) + (a & b)._engine.elapsed(lo, hi) == (
            a._engine.elapsed(lo, hi) + b._engine.elapsed(lo, hi))  # inclusion-exclusion

    @half_examples
    @given(pair())
    def test_always_open_is_the_unit_and_the_zero(self, calendars) -> None:
        a, _, lo, hi = calendars
        always = BusinessCalendar.always_open("UTC")
        assert always._engine.elapsed(lo, hi) == hi - lo
        assert (a & always)._engine.open_set(lo, hi) == a._engine.open_set(lo, hi)
        assert (a | always)._engine.elapsed(lo, hi) == hi - lo

    @half_examples
    @given(pair(), st.data())
    def test_composites_answer_the_same_queries(self, calendars, data) -> None:
        a, b, lo, hi = calendars
        for composite in (a | b, a & b):
            t = data.draw(instant_in(lo, hi, aligned=False))
            ahead = composite._engine.elapsed(t, t + 5 * US_PER_DAY)
            d = data.draw(st.integers(0, ahead))
            u = composite._engine.add(t, d)
            assert composite._engine.elapsed(t, u) == d
            assert d == 0 or composite._engine.elapsed(t, u - 1) < d
            assert to_us(composite.add(from_us(t), timedelta(microseconds=d))) == u
            v = composite._engine.subtract(u, d)
            assert composite._engine.elapsed(v, u) == d
            assert d == 0 or composite._engine.elapsed(v + 1, u) < d
            if ahead:
                n = composite._engine.next_open(t)
                assert composite._engine.is_open(n) and composite._engine.elapsed(t, n) == 0
            assert pickle.loads(pickle.dumps(composite))._engine.open_set(lo, hi) == composite._engine.open_set(
                lo, hi)
            assert hash(composite) == hash(pickle.loads(pickle.dumps(composite)))


class TestMinusWindows:
    @half_examples
    @given(scenarios(max_days=10), st.data())
    def test_never_open_inside_a_window(self, scenario: Scenario, data) -> None:
        cal = calendar(scenario)
        lo, hi = scenario.a, scenario.b
        cut = data.draw(windows(lo, hi))
        result = cal - cut
        assert result._engine.open_set(lo, hi) == cal._engine.open_set(lo, hi) - cut
        for s, e in cut:
            assert result._engine.elapsed(s, e) == 0
            assert not result._engine.is_open(s)
        as_datetimes = cal - cut.to_datetimes(timezone.utc)
        assert as_datetimes._engine.open_set(lo, hi) == result._engine.open_set(lo, hi)


class TestVersions:
    @half_examples
    @given(scenarios(max_days=6), scenarios(), st.data())
    def test_each_instant_follows_the_version_in_force(self, first: Scenario,
                                                       second: Scenario, data) -> None:
        old, new = calendar(first), calendar(second)
        lo, hi = first.a, first.b
        days = first.local_days()
        switch_day = data.draw(st.sampled_from(days))
        versioned = BusinessCalendar.versioned([(days[0] - timedelta(days=400), old),
                                                (switch_day, new)])
        midnight = datetime(switch_day.year, switch_day.month, switch_day.day,
                            tzinfo=new.timezone)  # fold=0
        switch = min(max(to_us(midnight), lo), hi)
        expected = old._engine.open_set(lo, switch) | new._engine.open_set(switch, hi)
        assert versioned._engine.open_set(lo, hi) == expected

    def test_switch_at_the_missing_sao_paulo_midnight(self) -> None:
        day = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        always = BusinessCalendar.from_dict({"timezone": "America/Sao_Paulo", "hours": day})
        never = BusinessCalendar.from_dict({"timezone": "America/Sao_Paulo", "hours": {}})
        versioned = BusinessCalendar.versioned([(date(2016, 1, 1), always),
                                                (date(2016, 10, 16), never)])
        # 2016-10-16 00:00 does not exist; fold=0 reads it as -03:00 = 03:00Z (01:00 -02)
        start = to_us(datetime(2016, 10, 15, tzinfo=timezone.utc))
        assert versioned._engine.open_set(start, start + 3 * US_PER_DAY).pairs() == (
            (start, to_us(datetime(2016, 10, 16, 3, tzinfo=timezone.utc))),)

    def test_versions_in_different_zones(self) -> None:
        nine_to_five = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
        london = BusinessCalendar.from_dict({"timezone": "Europe/London", "hours": nine_to_five})
        new_york = BusinessCalendar.from_dict({"timezone": "America/New_York",
                                               "hours": nine_to_five})
        versioned = BusinessCalendar.versioned([(date(2025, 1, 1), london),
                                                (date(2025, 6, 4), new_york)])
        tuesday = to_us(datetime(2025, 6, 3, tzinfo=timezone.utc))
        # Tue 3 June: London 09-17 BST (08-16Z); Wed 4 June: New York 09-17 EDT (13-21Z)
        assert versioned._engine.open_set(tuesday, tuesday + 2 * US_PER_DAY).pairs() == (
            (tuesday + 8 * US_PER_HOUR, tuesday + 16 * US_PER_HOUR),
            (tuesday + 37 * US_PER_HOUR, tuesday + 45 * US_PER_HOUR))

    @pytest.mark.parametrize("versions", [[], [(date(2025, 6, 1), "calendar")],
                                          [("2025-06-01", None)]])
    def test_bad_versions_are_itsm_errors(self, versions) -> None:
        with pytest.raises(ItsmError):
            BusinessCalendar.versioned(versions)

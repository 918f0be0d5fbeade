"""IntervalSet against a brute-force point-set oracle."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core import InvalidArgumentError, ItsmError, NaiveDatetimeError
from itsm_core.intervals import IntervalSet

N = 40
pairs = st.lists(st.tuples(st.integers(0, N), st.integers(0, N)).map(lambda p: tuple(sorted(p))),
                 max_size=6)
sets = pairs.map(IntervalSet.from_pairs)


def points(s: IntervalSet) -> set[int]:
    return {x for x in range(-1, N + 2) if s.contains(x)}


class TestAlgebra:
    @given(sets, sets)
    def test_union_intersection_difference_match_point_sets(self, a, b):
        assert points(a | b) == points(a) | points(b)
        assert points(a & b) == points(a) & points(b)
        assert points(a - b) == points(a) - points(b)

    @given(sets, sets)
    def test_results_are_normalised(self, a, b):
        for s in (a | b, a & b, a - b):
            assert s == IntervalSet.from_pairs(s.pairs())
            flat = s.bounds
            assert all(x < y for x, y in itertools.pairwise(flat))

    @given(sets, st.integers(-2, N + 2), st.integers(-2, N + 2))
    def test_clip_overlaps_covers(self, a, s, e):
        window = set(range(s, e))
        assert points(a.clip(s, e)) == points(a) & window
        assert a.overlaps(s, e) == bool(points(a) & window)
        if s < e and a.covers(s, e):
            assert window <= points(a)

    @given(sets)
    def test_measure_counts_points(self, a):
        assert a.measure() == len(points(a))

    @given(sets, sets)
    def test_laws(self, a, b):
        assert a | b == b | a
        assert a & b == b & a
        assert a | a == a
        assert a & a == a
        assert (a - b) | (a & b) == a


class TestConstruction:
    def test_touching_intervals_merge(self):
        assert IntervalSet.from_pairs([(0, 5), (5, 9)]).pairs() == ((0, 9),)

    def test_reversed_pair_is_refused(self):
        with pytest.raises(InvalidArgumentError, match=r"intervals\[0\]"):
            IntervalSet.from_pairs([(5, 1)])

    def test_datetimes_round_trip(self):
        start = datetime(2025, 3, 30, 0, 30, tzinfo=timezone.utc)
        s = IntervalSet.from_datetimes([(start, start + timedelta(hours=2))])
        assert s.to_datetimes(timezone.utc) == [(start, start + timedelta(hours=2))]

    def test_naive_datetime_is_refused_by_name(self):
        with pytest.raises(NaiveDatetimeError, match=r"outages\[0\].start"):
            IntervalSet.from_datetimes([(datetime(2025, 1, 1), datetime(2025, 1, 2))], "outages")

    def test_junk_pair_is_an_itsm_error(self):
        with pytest.raises(ItsmError):
            IntervalSet.from_datetimes([("a", "b", "c")])  # type: ignore[list-item]


many_pairs = st.lists(st.tuples(st.integers(0, N), st.integers(0, 8)).map(
    lambda p: (p[0], p[0] + p[1])), max_size=40)


class TestUnionOf:
    @given(many_pairs)
    def test_equals_from_pairs(self, pairs):
        starts = [s for s, _ in pairs]
        ends = [e for _, e in pairs]
        assert IntervalSet.union_of(starts, ends) == IntervalSet.from_pairs(pairs)

    def test_errors(self):
        with pytest.raises(InvalidArgumentError, match=r"intervals\[1\]"):
            IntervalSet.union_of([0, 5], [1, 4])
        with pytest.raises(InvalidArgumentError, match="ends"):
            IntervalSet.union_of([0, 5], [1])


class TestIntersectionOfUnequalSizes:
    @given(many_pairs, pairs)
    def test_many_against_few_matches_point_sets(self, many, few):
        # 40 intervals against a handful: the per-interval clipping path
        a, b = IntervalSet.from_pairs(many), IntervalSet.from_pairs(few)
        assert points(a & b) == points(a) & points(b) == points(b & a)
        assert a & b == IntervalSet.from_pairs((a & b).pairs())

    def test_wide_set_against_one_interval(self):
        wide = IntervalSet.from_pairs((10 * i, 10 * i + 5) for i in range(100))
        one = IntervalSet.from_pairs([(7, 33)])
        assert (wide & one).pairs() == ((10, 15), (20, 25), (30, 33))
        assert one & wide == wide & one

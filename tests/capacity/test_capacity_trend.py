"""Tests for Little's law and linear trends (itsm_core.capacity)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.capacity import linear_trend, littles_law
from itsm_core.errors import (
    ArgumentTypeError,
    DomainError,
    InvalidArgumentError,
    NaiveDatetimeError,
)

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


class TestLittlesLaw:
    def test_three_ways(self) -> None:
        # 40 tickets arrive a day and each stays 3 days on average: 120 open tickets
        rate = Fraction(40, 86_400)
        assert littles_law(arrival_rate=rate, time_in_system=timedelta(days=3)) == 120
        assert littles_law(items=120, arrival_rate=rate) == timedelta(days=3)
        assert littles_law(items=120, time_in_system=timedelta(days=3)) == rate

    def test_errors(self) -> None:
        with pytest.raises(InvalidArgumentError):
            littles_law(items=1)
        with pytest.raises(InvalidArgumentError):
            littles_law(items=1, arrival_rate=1, time_in_system=timedelta(1))
        with pytest.raises(DomainError):
            littles_law(items=1, arrival_rate=0)
        with pytest.raises(DomainError):
            littles_law(items=1, time_in_system=timedelta(0))
        with pytest.raises(DomainError):
            littles_law(items=-1, time_in_system=timedelta(1))
        with pytest.raises(DomainError):
            littles_law(items=float("nan"), time_in_system=timedelta(1))
        with pytest.raises(ArgumentTypeError):
            littles_law(items="3", time_in_system=timedelta(1))  # type: ignore[arg-type]


class TestLinearTrend:
    @given(st.fractions(min_value=-1000, max_value=1000, max_denominator=50),
           st.fractions(min_value=-5, max_value=5, max_denominator=50),
           st.lists(st.integers(min_value=0, max_value=10**6), min_size=2, max_size=20,
                    unique=True))
    def test_recovers_an_exact_line(self, intercept: Fraction, slope: Fraction,
                                    seconds: list[int]) -> None:
        points = [(T0 + timedelta(seconds=s), intercept + slope * s) for s in seconds]
        trend = linear_trend(points)
        assert trend.slope == slope
        assert trend.value_at(T0) == intercept

    @given(st.lists(st.tuples(st.integers(0, 10**5), st.integers(-100, 100)), min_size=2,
                    max_size=15, unique_by=lambda p: p[0]))
    def test_least_squares_normal_equations(self, raw: list[tuple[int, int]]) -> None:
        trend = linear_trend([(T0 + timedelta(seconds=x), y) for x, y in raw])
        residuals = [Fraction(y) - trend.value_at(T0 + timedelta(seconds=x)) for x, y in raw]
        assert sum(residuals) == 0
        assert sum(r * x for r, (x, _) in zip(residuals, raw, strict=True)) == 0

    def test_time_to_threshold(self) -> None:
        # disk at 60% rising 2 points a day: 90% in 15 days
        trend = linear_trend([(T0 + timedelta(days=d), 60 + 2 * d) for d in range(10)])
        assert trend.time_to(90, as_of=T0) == timedelta(days=15)
        assert trend.time_to(90, as_of=T0 + timedelta(days=20)) == timedelta(0)
        assert trend.reaches(90) == T0 + timedelta(days=15)

    @pytest.mark.parametrize("values", [[5, 5, 5], [9, 7, 5]])
    def test_no_rise_no_answer(self, values: list[int]) -> None:
        trend = linear_trend([(T0 + timedelta(days=d), v) for d, v in enumerate(values)])
        assert trend.time_to(100, as_of=T0) is None
        assert trend.reaches(100) is None

    def test_errors(self) -> None:
        with pytest.raises(DomainError, match="two"):
            linear_trend([(T0, 1), (T0, 2)])
        with pytest.raises(DomainError, match="two"):
            linear_trend([])
        with pytest.raises(NaiveDatetimeError):
            linear_trend([(datetime(2025, 1, 1), 1), (T0, 2)])
        with pytest.raises(ArgumentTypeError, match=r"points\[0\]"):
            linear_trend([(T0,)])  # type: ignore[list-item]
        with pytest.raises(ArgumentTypeError, match=r"points\[1\]\[1\]"):
            linear_trend([(T0, 1), (T0, "2")])  # type: ignore[list-item]
        with pytest.raises(DomainError):
            linear_trend([(T0, 1), (T0 + timedelta(1), 2)]).reaches(float("inf"))

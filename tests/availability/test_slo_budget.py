"""Tests for measurements, error budgets, burn rates (itsm_core.availability.budget)."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.availability.budget import (
    ErrorBudget,
    SliMeasurement,
    burn_rate,
    exceeds_burn_rate,
    time_to_exhaustion,
)
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError

targets = st.fractions(min_value=0, max_value=1, max_denominator=10**6)


@st.composite
def measurements(draw: st.DrawFn) -> SliMeasurement:
    eligible = draw(st.integers(min_value=0, max_value=10**9))
    good = draw(st.integers(min_value=0, max_value=eligible))
    return SliMeasurement(good, eligible, unit=draw(st.sampled_from(["requests", "microseconds"])))


class TestMeasurement:
    def test_bad_and_ratio(self) -> None:
        m = SliMeasurement.requests(good=999, total=1000)
        assert (m.bad, m.ratio) == (1, Fraction(999, 1000))
        assert SliMeasurement.time(good_us=0, eligible_us=0).ratio is None

    @pytest.mark.parametrize(
        ("good", "total", "error"),
        [(-1, 10, InvalidArgumentError), (11, 10, InvalidArgumentError),
         (1.0, 10, ArgumentTypeError), (True, 10, ArgumentTypeError),
         (1, "10", ArgumentTypeError), (0, -5, InvalidArgumentError)],
    )
    def test_validation(self, good: object, total: object, error: type[Exception]) -> None:
        with pytest.raises(error):
            SliMeasurement.requests(good=good, total=total)  # type: ignore[arg-type]

    def test_unit_validation(self) -> None:
        with pytest.raises(InvalidArgumentError, match="unit"):
            SliMeasurement(1, 1, unit="bytes")  # type: ignore[arg-type]


class TestErrorBudget:
    def test_sre_book_worked_example(self) -> None:
        # SRE book ch. 3 "Embracing Risk": 2.5M requests a day at a 99.99% target may
        # serve up to 250 errors and still meet the target.
        at_limit = ErrorBudget.of(SliMeasurement.requests(good=2_500_000 - 250, total=2_500_000),
                                  "99.99%")
        assert at_limit.allowed == 250
        assert at_limit.met is True
        assert at_limit.status == "exhausted"
        assert at_limit.fraction_consumed == 1
        over = ErrorBudget.of(SliMeasurement.requests(good=2_500_000 - 251, total=2_500_000),
                              "99.99%")
        assert (over.met, over.status, over.remaining) == (False, "violated", -1)

    def test_healthy(self) -> None:
        b = ErrorBudget.of(SliMeasurement.requests(good=9_995, total=10_000), "99.9%")
        assert (b.allowed, b.consumed, b.remaining) == (10, 5, 5)
        assert b.fraction_consumed == Fraction(1, 2)
        assert b.burn_rate == Fraction(1, 2)
        assert b.status == "healthy"

    def test_exact_not_float(self) -> None:
        # 1 - 0.999 in floats is 0.0010000000000000009; the budget must be exactly 1/1000.
        b = ErrorBudget.of(SliMeasurement.requests(good=999, total=1000), 0.999)
        assert b.allowed == 1
        assert b.status == "exhausted"
        assert b.met is True

    def test_no_traffic(self) -> None:
        b = ErrorBudget.of(SliMeasurement.requests(good=0, total=0), "99.9%")
        assert (b.status, b.met, b.burn_rate, b.fraction_consumed) == ("no_data", None, None, None)
        assert b.remaining == 0

    def test_zero_budget(self) -> None:
        clean = ErrorBudget.of(SliMeasurement.requests(good=5, total=5), "100%")
        assert (clean.status, clean.met, clean.burn_rate, clean.fraction_consumed) == (
            "exhausted", True, None, None)
        dirty = ErrorBudget.of(SliMeasurement.requests(good=4, total=5), "100%")
        assert (dirty.status, dirty.met, dirty.remaining) == ("violated", False, -1)

    def test_to_dict(self) -> None:
        d = ErrorBudget.of(SliMeasurement.requests(good=9_995, total=10_000), "99.9%").to_dict()
        assert d == {"target": "99.9%",
                     "measurement": {"good": 9995, "eligible": 10000, "unit": "requests"},
                     "allowed": "10", "consumed": 5, "remaining": "5",
                     "fraction_consumed": "1/2", "burn_rate": "1/2", "met": True,
                     "status": "healthy"}

    def test_bad_target(self) -> None:
        with pytest.raises(ConfigError, match="target"):
            ErrorBudget.of(SliMeasurement.requests(good=1, total=1), "1.5")

    @given(measurements(), targets)
    def test_invariants(self, m: SliMeasurement, target: Fraction) -> None:
        b = ErrorBudget.of(m, target)
        assert b.remaining == b.allowed - b.consumed
        if m.eligible:
            assert b.met == (m.ratio is not None and m.ratio >= target)
            assert b.status in ("healthy", "exhausted", "violated")
            assert (b.status == "violated") == (b.met is False)
        else:
            assert b.status == "no_data"
        if b.allowed:
            assert b.fraction_consumed is not None
            assert b.fraction_consumed * b.allowed == b.consumed
            assert b.burn_rate == b.fraction_consumed
        else:
            assert b.fraction_consumed is None


class TestBurnRate:
    def test_workbook_thresholds(self) -> None:
        # SRE workbook ch. 5: the error ratio a 14.4 burn rate allows at 99.9% is 1.44%.
        at = SliMeasurement.requests(good=10_000 - 144, total=10_000)
        assert burn_rate(at, "99.9%") == Fraction(72, 5)  # 14.4
        assert not exceeds_burn_rate(at, "99.9%", "14.4")  # the workbook's rule is '>'
        above = SliMeasurement.requests(good=10_000 - 145, total=10_000)
        assert exceeds_burn_rate(above, "99.9%", "14.4")

    @given(measurements(), targets, st.fractions(min_value=0, max_value=10**4))
    def test_exceeds_agrees_with_rate(self, m: SliMeasurement, target: Fraction,
                                      threshold: Fraction) -> None:
        rate = burn_rate(m, target)
        decided = exceeds_burn_rate(m, target, threshold)
        if rate is not None:
            assert decided == (rate > threshold)
        elif m.eligible == 0:
            assert decided is False
        else:  # zero budget: any bad event exceeds every threshold
            assert decided == (m.bad > 0)

    @pytest.mark.parametrize("threshold", [-1, "x", float("nan"), None, True])
    def test_bad_threshold(self, threshold: object) -> None:
        with pytest.raises(InvalidArgumentError, match="threshold"):
            exceeds_burn_rate(SliMeasurement.requests(good=1, total=1), "99%", threshold)

    def test_float_threshold_is_its_repr(self) -> None:
        m = SliMeasurement.requests(good=10_000 - 145, total=10_000)
        assert exceeds_burn_rate(m, "99.9%", 14.4)


class TestTimeToExhaustion:
    # SRE workbook ch. 5 "Alerting on SLOs", table "Burn rates and time to complete budget
    # exhaustion" for a 99.9% SLO over 30 days: 1 -> 30 days, 2 -> 15 days, 10 -> 3 days,
    # 1,000 -> 43 minutes (43.2 exactly).
    @pytest.mark.parametrize(
        ("rate", "expected"),
        [(1, timedelta(days=30)), (2, timedelta(days=15)), (10, timedelta(days=3)),
         (1000, timedelta(minutes=43.2))],
    )
    def test_workbook_table(self, rate: int, expected: timedelta) -> None:
        full = ErrorBudget.of(SliMeasurement.requests(good=10**6, total=10**6), "99.9%")
        assert time_to_exhaustion(full, Fraction(rate), timedelta(days=30)) == expected

    def test_workbook_14_4_exhausts_in_50_hours(self) -> None:
        # 14.4 spends 2% of the budget an hour: all of it in 50 hours.
        full = ErrorBudget.of(SliMeasurement.requests(good=10**6, total=10**6), "99.9%")
        assert time_to_exhaustion(full, Fraction("14.4"), timedelta(days=30)) == timedelta(hours=50)

    def test_half_spent(self) -> None:
        half = ErrorBudget.of(SliMeasurement.requests(good=995, total=1000), "99%")
        assert time_to_exhaustion(half, Fraction(1), timedelta(days=28)) == timedelta(days=14)

    def test_not_burning_and_exhausted(self) -> None:
        full = ErrorBudget.of(SliMeasurement.requests(good=10, total=10), "99%")
        assert time_to_exhaustion(full, None, timedelta(days=30)) is None
        assert time_to_exhaustion(full, Fraction(0), timedelta(days=30)) is None
        spent = ErrorBudget.of(SliMeasurement.requests(good=0, total=10), "99%")
        assert time_to_exhaustion(spent, Fraction(5), timedelta(days=30)) == timedelta(0)
        zero = ErrorBudget.of(SliMeasurement.requests(good=10, total=10), "100%")
        assert time_to_exhaustion(zero, None, timedelta(days=30)) == timedelta(0)
        none = ErrorBudget.of(SliMeasurement.requests(good=0, total=0), "99%")
        assert time_to_exhaustion(none, Fraction(3), timedelta(days=30)) == timedelta(0)

    def test_bad_period(self) -> None:
        full = ErrorBudget.of(SliMeasurement.requests(good=10, total=10), "99%")
        with pytest.raises(InvalidArgumentError):
            time_to_exhaustion(full, Fraction(1), timedelta(days=-1))

    @given(measurements(), targets, st.fractions(min_value=Fraction(1, 100), max_value=1000))
    def test_spending_at_rate_for_that_long_exhausts(self, m: SliMeasurement, target: Fraction,
                                                     rate: Fraction) -> None:
        b = ErrorBudget.of(m, target)
        period = timedelta(days=30)
        t = time_to_exhaustion(b, rate, period)
        assert t is not None
        if b.remaining > 0:
            spent = rate * Fraction(t // timedelta(microseconds=1), 30 * 86_400 * 10**6)
            # floored: at t the remaining fraction is not yet quite spent, 1 us later it is
            assert spent * b.allowed <= b.remaining
            one_more = spent + rate * Fraction(1, 30 * 86_400 * 10**6)
            assert one_more * b.allowed > b.remaining

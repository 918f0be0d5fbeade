"""series / parallel / k_of_n against state enumeration; float accuracy against exact maths."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.availability import k_of_n, parallel, series
from itsm_core.availability.compose import p_fewer_up, scaled_fewer_up
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError

exact_ratios = st.fractions(min_value=0, max_value=1, max_denominator=1000)
many_nines = st.floats(min_value=1 - 1e-6, max_value=1.0)


def enumerate_k_of_n(k: int, values: list[Fraction]) -> Fraction:
    """Sum the probability of every up/down combination with at least k up."""
    total = Fraction(0)
    for states in itertools.product([True, False], repeat=len(values)):
        if sum(states) >= k:
            p = Fraction(1)
            for up, a in zip(states, values, strict=True):
                p *= a if up else 1 - a
            total += p
    return total


def within_one_ulp(got: float, exact: Fraction) -> bool:
    return abs(Fraction(got) - exact) <= Fraction(math.ulp(float(exact)))


class TestExact:
    @given(st.lists(exact_ratios, min_size=1, max_size=7), st.data())
    def test_k_of_n_against_enumeration(self, values: list[Fraction], data: st.DataObject) -> None:
        k = data.draw(st.integers(1, len(values)))
        assert k_of_n(k, *values) == enumerate_k_of_n(k, values)

    @given(st.lists(exact_ratios, min_size=1, max_size=10))
    def test_series_and_parallel(self, values: list[Fraction]) -> None:
        assert series(*values) == math.prod(values)
        assert parallel(*values) == 1 - math.prod(1 - v for v in values)
        assert series(*values) == k_of_n(len(values), *values)
        assert parallel(*values) == k_of_n(1, *values)

    @given(exact_ratios, st.integers(1, 12), st.data())
    def test_identical_components(self, a: Fraction, n: int, data: st.DataObject) -> None:
        k = data.draw(st.integers(1, n))
        expected = sum(math.comb(n, j) * a**j * (1 - a) ** (n - j) for j in range(k, n + 1))
        assert k_of_n(k, a, n=n) == expected

    @given(st.lists(exact_ratios, min_size=2, max_size=6), st.data())
    def test_monotone_in_k(self, values: list[Fraction], data: st.DataObject) -> None:
        results = [k_of_n(k, *values) for k in range(1, len(values) + 1)]
        assert all(a >= b for a, b in itertools.pairwise(results))
        assert all(0 <= r <= 1 for r in results)

    @given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), max_size=8),
           st.integers(-1, 9))
    def test_scaled_integers_match_fractions(self, weights: list[tuple[int, int]],
                                             k: int) -> None:
        weights = [(u, d) if u + d else (1, 0) for u, d in weights]
        ups, downs = [u for u, _ in weights], [d for _, d in weights]
        total = math.prod(u + d for u, d in weights)
        fractions = [Fraction(u, u + d) for u, d in weights]
        expected = 1 - enumerate_k_of_n(max(k, 0), fractions)  # P(fewer than k up)
        assert Fraction(scaled_fewer_up(ups, downs, k), total) == expected
        assert p_fewer_up(fractions, [1 - f for f in fractions], k, Fraction(0)) == expected

    def test_input_forms_are_exact(self) -> None:
        assert series("99.9%", "0.999") == Fraction(998001, 1000000)
        assert isinstance(series("99.9%", Fraction(1, 2), 1), Fraction)

    def test_published_example(self) -> None:
        # Mahesh Mathpal, "Degree of Availability from Components Level to System Level":
        # A (99.00%) in series with B = B1 (99.00%) || B2 (99.99%) and C (99.99%) gives
        # 99.00% x 99.9999% x 99.99% = 98.99% (published to two decimals).
        b = parallel("99.00%", "99.99%")
        assert b == Fraction("0.999999")
        system = series("99.00%", b, "99.99%")
        assert round(system * 100, 2) == Fraction("98.99")


class TestFloat:
    @given(st.lists(many_nines, min_size=1, max_size=40), st.data())
    def test_correctly_rounded_with_many_nines(self, values: list[float],
                                               data: st.DataObject) -> None:
        k = data.draw(st.integers(1, len(values)))
        exact = [Fraction(v) for v in values]
        got = k_of_n(k, *values)
        assert isinstance(got, float)
        assert within_one_ulp(got, k_of_n(k, *exact))  # type: ignore[arg-type]
        assert within_one_ulp(series(*values), math.prod(exact))  # type: ignore[arg-type]

    @given(st.lists(st.floats(0, 1), min_size=1, max_size=8), st.data())
    def test_close_to_exact_anywhere(self, values: list[float], data: st.DataObject) -> None:
        k = data.draw(st.integers(1, len(values)))
        exact = k_of_n(k, *[Fraction(v) for v in values])
        assert abs(Fraction(k_of_n(k, *values)) - exact) <= Fraction(1, 10**14)

    def test_better_than_naive_product(self) -> None:
        nines = [1 - i * 1e-12 for i in range(1, 2001)]
        exact = math.prod(Fraction(v) for v in nines)
        assert series(*nines) == float(exact)
        assert math.prod(nines) != float(exact)  # the naive product drifts

    def test_mixed_inputs_give_float(self) -> None:
        assert parallel("90%", 0.9) == pytest.approx(0.99, abs=1e-15)
        assert isinstance(parallel("90%", 0.9), float)


class TestErrors:
    def test_empty(self) -> None:
        with pytest.raises(InvalidArgumentError, match="no components"):
            series()

    @pytest.mark.parametrize("bad", [1.5, -0.1, float("nan"), "abc", "150%", None, True])
    def test_bad_ratio(self, bad: object) -> None:
        with pytest.raises(ConfigError, match=r"a\[1\]"):
            series("99%", bad)

    def test_k_bounds(self) -> None:
        with pytest.raises(InvalidArgumentError, match="1 <= k <= n"):
            k_of_n(0, "99%", "99%")
        with pytest.raises(InvalidArgumentError, match="1 <= k <= n"):
            k_of_n(3, "99%", "99%")
        with pytest.raises(ArgumentTypeError, match="k"):
            k_of_n(1.0, "99%")  # type: ignore[arg-type]

    def test_n_with_several_values(self) -> None:
        with pytest.raises(InvalidArgumentError, match="exactly one"):
            k_of_n(1, "99%", "98%", n=3)
        with pytest.raises(InvalidArgumentError, match="n"):
            k_of_n(1, "99%", n=0)

"""Tests for exact ratio parsing (itsm_core.ratios)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.errors import ConfigError
from itsm_core.ratios import format_percent, parse_ratio, ratio_text


class TestParseRatio:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("99.95%", Fraction(9995, 10000)),
            ("99.95 %", Fraction(9995, 10000)),
            (" 99.95% ", Fraction(9995, 10000)),
            ("0.9995", Fraction(9995, 10000)),
            ("1e-3", Fraction(1, 1000)),
            ("100%", Fraction(1)),
            ("0%", Fraction(0)),
            (".5", Fraction(1, 2)),
            ("1", Fraction(1)),
            (Fraction(2, 3), Fraction(2, 3)),
            (Decimal("0.9995"), Fraction(9995, 10000)),
            (0, Fraction(0)),
            (1, Fraction(1)),
            (0.999, Fraction(999, 1000)),
            (0.1, Fraction(1, 10)),
            ("999/1000", Fraction(999, 1000)),
            (" 1 / 3 ", Fraction(1, 3)),
        ],
    )
    def test_accepted_forms(self, value: object, expected: Fraction) -> None:
        result = parse_ratio(value, "target")
        assert result == expected
        assert type(result) is Fraction

    def test_budget_is_exact(self) -> None:
        assert 1 - parse_ratio("0.999", "t") == Fraction(1, 1000)
        assert 1 - parse_ratio(0.999, "t") == Fraction(1, 1000)
        assert 1 - parse_ratio("99.9%", "t") == Fraction(1, 1000)

    @pytest.mark.parametrize(
        "value",
        ["", "%", "abc", "99.9%%", "1/0", "-1/3", "1/3%", "0x1", "nan", "inf", True, False, None, [0.5],
         float("nan"), float("inf"), Decimal("NaN"), Decimal("Infinity"), complex(0.5)],
    )
    def test_unreadable_raises_config_error_naming_path(self, value: object) -> None:
        with pytest.raises(ConfigError) as info:
            parse_ratio(value, "slos[3].target")
        assert info.value.path == "slos[3].target"
        assert "cannot read" in str(info.value)
        assert "'99.95%'" in str(info.value)

    @pytest.mark.parametrize("value", ["101%", "-0.1", 2, -1, 1.5, Fraction(3, 2),
                                       Decimal("1.0001"), "-0%x"])
    def test_out_of_range_or_unreadable(self, value: object) -> None:
        with pytest.raises(ConfigError) as info:
            parse_ratio(value, "target")
        assert info.value.path == "target"

    @given(st.fractions(min_value=0, max_value=1))
    def test_fraction_identity(self, value: Fraction) -> None:
        assert parse_ratio(value, "t") == value

    @given(st.decimals(min_value=0, max_value=1, allow_nan=False, allow_infinity=False,
                       places=8))
    def test_decimal_string_and_percent_agree(self, value: Decimal) -> None:
        as_text = parse_ratio(str(value), "t")
        as_percent = parse_ratio(f"{value * 100}%", "t")
        assert as_text == as_percent == Fraction(value)

    @given(st.floats(min_value=0, max_value=1))
    def test_float_reads_its_repr(self, value: float) -> None:
        result = parse_ratio(value, "t")
        assert result == Fraction(repr(value))
        assert float(result) == value

    @given(st.one_of(st.fractions(), st.floats(allow_nan=True), st.text(max_size=8)))
    def test_never_other_errors(self, value: object) -> None:
        try:
            result = parse_ratio(value, "t")
        except ConfigError:
            return
        assert 0 <= result <= 1


class TestFormatPercent:
    @pytest.mark.parametrize(
        ("ratio", "places", "expected"),
        [
            (Fraction(999, 1000), None, "99.9%"),
            (Fraction(1), None, "100%"),
            (Fraction(0), None, "0%"),
            (Fraction(1, 3), 3, "33.333%"),
            (Fraction(2, 3), 0, "67%"),
            (Fraction(1, 8), 1, "12.5%"),  # half-even
        ],
    )
    def test_examples(self, ratio: Fraction, places: int | None, expected: str) -> None:
        assert format_percent(ratio, places) == expected

    @given(st.decimals(min_value=0, max_value=1, places=10, allow_nan=False,
                       allow_infinity=False))
    def test_round_trip_for_finite_decimals(self, value: Decimal) -> None:
        ratio = Fraction(value)
        assert parse_ratio(format_percent(ratio), "t") == ratio
        assert math.isclose(float(format_percent(ratio)[:-1]), float(ratio) * 100)


class TestRatioText:
    @given(st.fractions(min_value=0, max_value=1))
    def test_round_trips_exactly(self, value: Fraction) -> None:
        assert parse_ratio(ratio_text(value), "t") == value

    def test_prefers_percent(self) -> None:
        assert ratio_text(Fraction(9995, 10000)) == "99.95%"
        assert ratio_text(Fraction(2, 3)) == "2/3"

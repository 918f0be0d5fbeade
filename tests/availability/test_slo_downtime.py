"""Tests for allowed downtime and the nines table (itsm_core.availability.downtime)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core._instant import US_PER_DAY, US_PER_HOUR, US_PER_SECOND
from itsm_core.availability.downtime import (
    SRE_BOOK_PERIODS,
    allowed_downtime,
    eligible_time,
    humanize_duration,
    nines_table,
)
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    NaiveDatetimeError,
)

UTC = timezone.utc

# Google, "Site Reliability Engineering" (O'Reilly 2016), Appendix A "Availability Table",
# Table A-1, https://sre.google/sre-book/availability-table/ — every cell as printed.
SRE_BOOK_TABLE = {
    "90%": ["36.5 days", "9 days", "3 days", "16.8 hours", "2.4 hours", "6 minutes"],
    "95%": ["18.25 days", "4.5 days", "1.5 days", "8.4 hours", "1.2 hours", "3 minutes"],
    "99%": ["3.65 days", "21.6 hours", "7.2 hours", "1.68 hours", "14.4 minutes", "36 seconds"],
    "99.5%": ["1.83 days", "10.8 hours", "3.6 hours", "50.4 minutes", "7.20 minutes",
              "18 seconds"],
    "99.9%": ["8.76 hours", "2.16 hours", "43.2 minutes", "10.1 minutes", "1.44 minutes",
              "3.6 seconds"],
    "99.95%": ["4.38 hours", "1.08 hours", "21.6 minutes", "5.04 minutes", "43.2 seconds",
               "1.8 seconds"],
    "99.99%": ["52.6 minutes", "12.96 minutes", "4.32 minutes", "60.5 seconds",
               "8.64 seconds", "0.36 seconds"],
    "99.999%": ["5.26 minutes", "1.30 minutes", "25.9 seconds", "6.05 seconds",
                "0.87 seconds", "0.04 seconds"],
}
UNIT_US = {"days": US_PER_DAY, "hours": US_PER_HOUR, "minutes": 60 * US_PER_SECOND,
           "seconds": US_PER_SECOND}
# The one printed cell that is not the exact value rounded to its printed precision:
# 99.999 % of a day allows 0.864 s, which rounds to 0.86 s; the book prints 0.87 s.
BOOK_MISPRINTS = {("99.999%", "day")}


def _round_half_up(value: Fraction, decimals: int) -> Fraction:
    return Fraction(math.floor(value * 10**decimals + Fraction(1, 2)), 10**decimals)


def _matches_printed(exact: timedelta, printed: str) -> bool:
    number, unit = printed.split()
    decimals = len(number.split(".")[1]) if "." in number else 0
    value = Fraction(exact // timedelta(microseconds=1), UNIT_US[unit])
    return _round_half_up(value, decimals) == Fraction(number)


class TestSreBookTable:
    def test_periods_are_the_books(self) -> None:
        # 90% -> 9 days a quarter and 3 days a month fix quarter = 90 d, month = 30 d;
        # 99.9% -> 8.76 hours a year fixes year = 365 d (365.25 d would print 8.77).
        assert dict(SRE_BOOK_PERIODS) == {
            "year": timedelta(days=365), "quarter": timedelta(days=90),
            "month": timedelta(days=30), "week": timedelta(days=7),
            "day": timedelta(days=1), "hour": timedelta(hours=1),
        }

    def test_every_cell_at_published_precision(self) -> None:
        table = nines_table()
        names = [name for name, _ in SRE_BOOK_PERIODS]
        mismatches = set()
        for target, cells in SRE_BOOK_TABLE.items():
            for name, printed in zip(names, cells, strict=True):
                if not _matches_printed(table.cell(target, name), printed):
                    mismatches.add((target, name))
        assert mismatches == BOOK_MISPRINTS

    def test_the_misprinted_cell_is_exact(self) -> None:
        assert nines_table().cell("99.999%", "day") == timedelta(milliseconds=864)

    def test_headline_figures_exactly(self) -> None:
        table = nines_table()
        assert table.cell("99.9%", "year") == timedelta(hours=8, minutes=45, seconds=36)
        assert table.cell("90%", "year") == timedelta(days=36, hours=12)
        assert table.cell("99.999%", "year") == timedelta(seconds=315, microseconds=360000)
        assert table.cell("99.9%", "hour") == timedelta(seconds=3.6)

    def test_default_rows_and_render(self) -> None:
        table = nines_table()
        assert [str(row.target) for row in table.rows] == [
            "9/10", "19/20", "99/100", "199/200", "999/1000", "1999/2000", "9999/10000",
            "99999/100000"]
        lines = table.render().splitlines()
        assert lines[0] == "target | year | quarter | month | week | day | hour"
        assert lines[5] == ("99.9% | 8.76 hours | 2.16 hours | 43.2 minutes | 10.1 minutes | "
                            "1.44 minutes | 3.6 seconds")

    def test_to_dict(self) -> None:
        data = nines_table(targets=["99.9%"]).to_dict()
        assert data["periods"]["year"] == "P365D"
        assert data["rows"] == [{"target": "99.9%", "allowed": {
            "year": "PT8H45M36S", "quarter": "PT2H9M36S", "month": "PT43M12S",
            "week": "PT10M4.8S", "day": "PT1M26.4S", "hour": "PT3.6S"}}]

    def test_bad_lookups(self) -> None:
        table = nines_table()
        with pytest.raises(InvalidArgumentError, match="fortnight"):
            table.cell("99%", "fortnight")
        with pytest.raises(InvalidArgumentError, match="98%"):
            table.cell("98%", "day")

    def test_bad_config(self) -> None:
        with pytest.raises(ConfigError, match=r"targets\[1\]"):
            nines_table(targets=["99%", "120%"])
        with pytest.raises(ArgumentTypeError, match=r"periods\[0\]"):
            nines_table(periods=[("day",)])  # type: ignore[list-item]
        with pytest.raises(InvalidArgumentError, match="named twice"):
            nines_table(periods=[("d", timedelta(1)), ("d", timedelta(2))])
        with pytest.raises(InvalidArgumentError, match=r"periods\[0\]"):
            nines_table(periods=[("neg", timedelta(-1))])


class FixedHoursCalendar:
    """Test double for the AgreedTimeCalendar protocol: open 09:00-17:00 UTC every day."""

    timezone = UTC

    def open_intervals(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
        raise AssertionError("allowed_downtime needs elapsed only")

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        total = timedelta(0)
        day = datetime(a.year, a.month, a.day, tzinfo=UTC)
        while day < b:
            lo = max(a, day + timedelta(hours=9))
            hi = min(b, day + timedelta(hours=17))
            if hi > lo:
                total += hi - lo
            day += timedelta(days=1)
        return sign * total


class TestAllowedDowntime:
    def test_fixed_period(self) -> None:
        assert allowed_downtime("99.9%", timedelta(days=30)) == timedelta(minutes=43.2)
        assert allowed_downtime("100%", timedelta(days=30)) == timedelta(0)
        assert allowed_downtime(0, timedelta(days=30)) == timedelta(days=30)

    def test_floor_to_microsecond(self) -> None:
        assert allowed_downtime("99.9%", timedelta(microseconds=1999)) == timedelta(microseconds=1)
        # (1 - 1/3) x 1 s = 666666.67 us, floored
        assert allowed_downtime(Fraction(1, 3), timedelta(seconds=1)) == timedelta(
            microseconds=666666)

    def test_window_without_calendar_is_wall_time(self) -> None:
        start = datetime(2025, 3, 1, tzinfo=UTC)
        end = datetime(2025, 4, 1, tzinfo=UTC)
        assert allowed_downtime("99.9%", start=start, end=end) == timedelta(minutes=44, seconds=38.4)

    def test_calendar_window(self) -> None:
        # March 2025: 31 days x 8 business hours = 248 h; 0.1 % of it = 14.88 minutes.
        start = datetime(2025, 3, 1, tzinfo=UTC)
        end = datetime(2025, 4, 1, tzinfo=UTC)
        got = allowed_downtime("99.9%", calendar=FixedHoursCalendar(), start=start, end=end)
        assert got == timedelta(minutes=14, seconds=52, milliseconds=800)

    def test_dst_month_in_london_has_one_hour_less(self) -> None:
        london = ZoneInfo("Europe/London")
        start = datetime(2025, 3, 1, tzinfo=london)
        end = datetime(2025, 4, 1, tzinfo=london)
        assert eligible_time(start=start, end=end) == timedelta(hours=31 * 24 - 1)

    def test_errors(self) -> None:
        start = datetime(2025, 3, 1, tzinfo=UTC)
        with pytest.raises(InvalidArgumentError, match="not both"):
            allowed_downtime("99%", timedelta(1), start=start, end=start)
        with pytest.raises(InvalidArgumentError, match="missing"):
            allowed_downtime("99%")
        with pytest.raises(InvalidArgumentError, match="missing"):
            allowed_downtime("99%", start=start)
        with pytest.raises(InvalidArgumentError, match="before start"):
            allowed_downtime("99%", start=start, end=start - timedelta(1))
        with pytest.raises(NaiveDatetimeError, match="start"):
            allowed_downtime("99%", start=datetime(2025, 1, 1), end=start)
        with pytest.raises(ArgumentTypeError, match="period"):
            allowed_downtime("99%", 30)  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError, match="period"):
            allowed_downtime("99%", timedelta(-1))
        with pytest.raises(ConfigError, match="target"):
            allowed_downtime("99", timedelta(1))

    @given(st.fractions(min_value=0, max_value=1),
           st.integers(min_value=0, max_value=10**15),
           st.integers(min_value=0, max_value=10**15))
    def test_floor_decides_exactly(self, target: Fraction, period: int, down: int) -> None:
        # D <= allowed  <=>  (P - D) / P >= T, for every D in [0, P]
        down = min(down, period)
        allowed = allowed_downtime(target, timedelta(microseconds=period))
        allowed_us = allowed // timedelta(microseconds=1)
        assert 0 <= allowed_us <= period
        meets = period == 0 or Fraction(period - down, period) >= target
        assert (down <= allowed_us) == meets

    @given(st.fractions(min_value=0, max_value=1), st.fractions(min_value=0, max_value=1),
           st.integers(min_value=0, max_value=10**13))
    def test_monotone_in_target(self, a: Fraction, b: Fraction, period: int) -> None:
        lo, hi = sorted((a, b))
        p = timedelta(microseconds=period)
        assert allowed_downtime(hi, p) <= allowed_downtime(lo, p)

    @given(st.fractions(min_value=0, max_value=1), st.integers(min_value=0, max_value=10**12),
           st.integers(min_value=0, max_value=10**12))
    def test_superadditive_in_period(self, target: Fraction, p: int, q: int) -> None:
        one = allowed_downtime(target, timedelta(microseconds=p))
        two = allowed_downtime(target, timedelta(microseconds=q))
        both = allowed_downtime(target, timedelta(microseconds=p + q))
        assert one + two <= both <= one + two + timedelta(microseconds=1)


class TestHumanize:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (timedelta(days=36, hours=12), "36.5 days"),
            (timedelta(minutes=12, seconds=57.6), "13 minutes"),
            (timedelta(milliseconds=36), "0.036 seconds"),
            (timedelta(microseconds=1), "0.000001 seconds"),
            (-timedelta(hours=2), "-2 hours"),
            (timedelta(days=1), "1 day"),
            (timedelta(seconds=1), "1 second"),
        ],
    )
    def test_examples(self, value: timedelta, expected: str) -> None:
        assert humanize_duration(value) == expected

    def test_bad_digits(self) -> None:
        with pytest.raises(InvalidArgumentError):
            humanize_duration(timedelta(1), 0)

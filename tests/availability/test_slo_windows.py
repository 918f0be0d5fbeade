"""Tests for SLO windows, SLI sources and Slo status (itsm_core.availability.slo)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core._instant import to_us
from itsm_core.availability import (
    BadTime,
    CalendarWindow,
    RequestSeries,
    RollingWindow,
    Slo,
    allowed_downtime,
)
from itsm_core.availability.windows import window_from_dict
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def iso(bounds: tuple[datetime, datetime]) -> list[str]:
    return [b.isoformat() for b in bounds]


class TestCalendarWindow:
    def test_month_in_london_starts_at_local_midnight(self) -> None:
        w = CalendarWindow(unit="month", timezone="Europe/London")
        # 30 June 23:30 UTC is already 1 July 00:30 in London (BST)
        assert iso(w.bounds(datetime(2025, 6, 30, 23, 30, tzinfo=UTC))) == [
            "2025-07-01T00:00:00+01:00", "2025-08-01T00:00:00+01:00"]
        start, _ = w.bounds(datetime(2025, 6, 30, 23, 30, tzinfo=UTC))
        assert start.astimezone(UTC).isoformat() == "2025-06-30T23:00:00+00:00"

    def test_march_in_london_has_743_hours(self) -> None:
        start, end = CalendarWindow(unit="month", timezone="Europe/London").bounds(
            datetime(2025, 3, 15, tzinfo=UTC))
        assert to_us(end, "e") - to_us(start, "s") == 743 * 3_600_000_000

    def test_gap_at_midnight_moves_forward(self) -> None:
        # America/Santiago: clocks went from 24:00 to 01:00 on 2024-09-08 (no local midnight)
        w = CalendarWindow(unit="day", timezone="America/Santiago")
        start, _ = w.bounds(datetime(2024, 9, 8, 12, tzinfo=UTC))
        assert start.astimezone(UTC).isoformat() == "2024-09-08T04:00:00+00:00"

    @pytest.mark.parametrize(
        ("unit", "week_start", "expected"),
        [("day", "mon", ["2025-05-14", "2025-05-15"]),
         ("week", "mon", ["2025-05-12", "2025-05-19"]),
         ("week", "sun", ["2025-05-11", "2025-05-18"]),
         ("week", "wed", ["2025-05-14", "2025-05-21"]),
         ("month", "mon", ["2025-05-01", "2025-06-01"]),
         ("quarter", "mon", ["2025-04-01", "2025-07-01"]),
         ("year", "mon", ["2025-01-01", "2026-01-01"])],
    )
    def test_units(self, unit: str, week_start: str, expected: list[str]) -> None:
        w = CalendarWindow(unit=unit, timezone="UTC", week_start=week_start)  # type: ignore[arg-type]
        bounds = w.bounds(datetime(2025, 5, 14, 15, tzinfo=UTC))
        assert [b.date().isoformat() for b in bounds] == expected

    def test_december_rolls_over(self) -> None:
        w = CalendarWindow(unit="quarter", timezone="UTC")
        assert [b.date().isoformat() for b in w.bounds(datetime(2025, 12, 31, tzinfo=UTC))] == [
            "2025-10-01", "2026-01-01"]

    @given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 1, 1),
                        timezones=st.just(UTC)),
           st.sampled_from(["day", "week", "month", "quarter", "year"]),
           st.sampled_from(["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe",
                            "Asia/Kathmandu"]))
    def test_contains_as_of_and_tiles(self, t: datetime, unit: str, zone: str) -> None:
        w = CalendarWindow(unit=unit, timezone=zone)  # type: ignore[arg-type]
        start, end = w.bounds(t)
        assert to_us(start, "s") <= to_us(t, "t") < to_us(end, "e")
        assert w.bounds(end)[0] == end  # the next window starts where this one ends
        assert start.astimezone(ZoneInfo(zone)).time().hour in (0, 1)  # midnight, or after a gap

    def test_errors(self) -> None:
        with pytest.raises(ConfigError, match=r"window\.timezone"):
            CalendarWindow(unit="month", timezone="Mars/Olympus")
        with pytest.raises(ConfigError, match=r"window\.calendar"):
            CalendarWindow(unit="fortnight", timezone="UTC")  # type: ignore[arg-type]
        with pytest.raises(ConfigError, match="week_start"):
            CalendarWindow(unit="week", timezone="UTC", week_start="monday")
        with pytest.raises(ConfigError, match=r"window\.timezone"):
            CalendarWindow(unit="week", timezone=5)  # type: ignore[arg-type]


class TestRollingWindow:
    def test_bounds(self) -> None:
        assert iso(RollingWindow(timedelta(days=30)).bounds(datetime(2025, 3, 31, tzinfo=UTC))) == [
            "2025-03-01T00:00:00+00:00", "2025-03-31T00:00:00+00:00"]

    def test_errors(self) -> None:
        with pytest.raises(ConfigError, match="positive"):
            RollingWindow(timedelta(0))
        with pytest.raises(ArgumentTypeError):
            RollingWindow(30)  # type: ignore[arg-type]

    def test_from_dict(self) -> None:
        assert window_from_dict({"rolling": "P28D"}) == RollingWindow(timedelta(days=28))
        assert window_from_dict({"calendar": "week", "timezone": "UTC", "week_start": "sun"}) == \
            CalendarWindow(unit="week", timezone="UTC", week_start="sun")
        for bad in ({}, {"rolling": "P1D", "calendar": "month"}, [], {"calendar": "month"},
                    {"rolling": 5}):
            with pytest.raises(ConfigError, match="window"):
                window_from_dict(bad)


samples_st = st.lists(
    st.tuples(st.integers(min_value=0, max_value=1000),
              st.integers(min_value=0, max_value=50),
              st.integers(min_value=0, max_value=50)).map(lambda s: (s[0], min(s[1], s[2]), s[2])),
    max_size=40)


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


class TestRequestSeries:
    @given(samples_st, st.integers(min_value=-10, max_value=1010),
           st.integers(min_value=0, max_value=1100), st.none() | st.integers(0, 1100))
    def test_against_direct_sum(self, samples: list[tuple[int, int, int]], lo: int, width: int,
                                as_of: int | None) -> None:
        series = RequestSeries.from_samples([(at(t), g, n) for t, g, n in samples])
        hi = lo + width
        cut = hi if as_of is None else min(hi, as_of)
        inside = [(g, n) for t, g, n in samples if lo <= t < cut]
        m = series.measure(at(lo), at(hi), None if as_of is None else at(as_of))
        assert (m.good, m.eligible) == (sum(g for g, _ in inside), sum(n for _, n in inside))

    def test_errors(self) -> None:
        with pytest.raises(InvalidArgumentError, match=r"samples\[0\]"):
            RequestSeries.from_samples([(T0, 5, 4)])
        with pytest.raises(ArgumentTypeError, match=r"samples\[1\]"):
            RequestSeries.from_samples([(T0, 1, 1), (T0, 1)])  # type: ignore[list-item]
        with pytest.raises(InvalidArgumentError, match="before start"):
            RequestSeries.from_samples([]).measure(at(5), at(1))
        assert repr(RequestSeries.from_samples([(T0, 1, 1)])) == "RequestSeries(<1 samples>)"


class NineToFive:
    """Test double for the AgreedTimeCalendar protocol: open 09:00-17:00 UTC daily."""

    timezone = UTC

    def open_intervals(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
        day = a.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        out = []
        while day < b:
            lo, hi = max(a, day + timedelta(hours=9)), min(b, day + timedelta(hours=17))
            if lo < hi:
                out.append((lo, hi))
            day += timedelta(days=1)
        return out

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        return sum((e - s for s, e in self.open_intervals(a, b)), timedelta(0))


class TestBadTime:
    @given(st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 300)), max_size=12),
           st.integers(0, 2000), st.integers(0, 2000), st.none() | st.integers(0, 2000))
    def test_against_minute_oracle(self, outages: list[tuple[int, int]], lo: int, width: int,
                                   as_of: int | None) -> None:
        bad = BadTime.from_pairs([(at(s), at(s + d)) for s, d in outages])
        hi = lo + width
        cut = hi if as_of is None else min(hi, as_of)
        down = {m for s, d in outages for m in range(s, s + d)}
        expected_bad = sum(1 for m in range(lo, cut) if m in down)
        meas = bad.measure(at(lo), at(hi), None if as_of is None else at(as_of))
        minute = 60_000_000
        assert meas.eligible == width * minute
        assert meas.bad == expected_bad * minute

    def test_calendar_counts_open_time_only(self) -> None:
        day = datetime(2025, 1, 6, tzinfo=UTC)
        # down 16:00-10:00 next day: 1 h on day one (16-17) and 1 h on day two (09-10)
        bad = BadTime.from_pairs([(day + timedelta(hours=16), day + timedelta(hours=34))],
                                 calendar=NineToFive())
        m = bad.measure(day, day + timedelta(days=2))
        assert m.eligible == 16 * 3_600_000_000
        assert m.bad == 2 * 3_600_000_000
        assert m.ratio == Fraction(7, 8)

    def test_open_outage_and_objects(self) -> None:
        class Outage:
            def __init__(self, start: datetime, end: datetime | None) -> None:
                self.start, self.end = start, end

        bad = BadTime.from_pairs([Outage(at(10), None), Outage(at(0), at(1))])
        m = bad.measure(at(0), at(60), as_of=at(20))
        assert m.bad == 11 * 60_000_000

    def test_errors(self) -> None:
        with pytest.raises(ArgumentTypeError, match=r"bad\[0\]"):
            BadTime.from_pairs([5])
        with pytest.raises(InvalidArgumentError, match=r"bad\[0\]"):
            BadTime.from_pairs([(at(5), at(1))])


class TestSlo:
    def test_round_trip(self) -> None:
        for data in ({"target": "99.9%", "window": {"rolling": "P30D"}, "name": "api"},
                     {"target": "2/3", "window": {"calendar": "month", "timezone": "Europe/London",
                                                  "week_start": "mon"}, "name": ""}):
            slo = Slo.from_dict(data)
            assert slo.to_dict() == data
            assert Slo.from_dict(slo.to_dict()) == slo

    def test_config_errors(self) -> None:
        with pytest.raises(ConfigError, match=r"slo\.target"):
            Slo.from_dict({"target": "120%", "window": {"rolling": "P30D"}})
        with pytest.raises(ConfigError, match=r"slo\.window"):
            Slo.from_dict({"target": "99%"})
        with pytest.raises(ConfigError, match=r"slo\.owner: unknown key"):
            Slo.from_dict({"target": "99%", "window": {"rolling": "P1D"}, "owner": "x"})
        with pytest.raises(ConfigError, match=r"slo\.name"):
            Slo.from_dict({"target": "99%", "window": {"rolling": "P1D"}, "name": 3})
        with pytest.raises(ConfigError, match="slo"):
            Slo.from_dict([1])

    def test_time_based_calendar_month(self) -> None:
        # a 99.9% monthly SLO in London; 30 minutes down on 2 March: budget for March is
        # 0.1% of 743 hours = 44.58 minutes, whole from day one.
        slo = Slo(target="99.9%", window=CalendarWindow(unit="month", timezone="Europe/London"))
        down = datetime(2025, 3, 2, 10, tzinfo=LONDON)
        bad = BadTime.from_pairs([(down, down + timedelta(minutes=30))])
        b = slo.status(bad, as_of=datetime(2025, 3, 3, tzinfo=LONDON))
        assert b.allowed == Fraction(743 * 3_600_000_000, 1000)
        assert b.consumed == 30 * 60_000_000
        assert b.fraction_consumed == Fraction(30 * 60, Fraction(743 * 3600, 1000))
        assert b.status == "healthy"

    def test_request_based_rolling(self) -> None:
        slo = Slo(target="99%", window=RollingWindow(timedelta(days=7)))
        as_of = datetime(2025, 1, 8, tzinfo=UTC)
        series = RequestSeries.from_samples([
            (datetime(2024, 12, 31, 23, tzinfo=UTC), 0, 1000),  # outside the window
            (datetime(2025, 1, 2, tzinfo=UTC), 990, 1000),
            (datetime(2025, 1, 8, tzinfo=UTC), 0, 1000),  # at as_of: excluded
        ])
        b = slo.status(series, as_of=as_of)
        assert (b.consumed, b.allowed, b.status) == (10, 10, "exhausted")


class TestWithBusinessCalendar:
    def test_real_calendar_business_hours_month(self) -> None:
        hours = [["09:00", "17:00"]]
        cal = BusinessCalendar.from_dict({
            "timezone": "Europe/London",
            "hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), hours),
        })
        start = datetime(2025, 3, 1, tzinfo=LONDON)
        end = datetime(2025, 4, 1, tzinfo=LONDON)
        # March 2025 has 21 weekdays: 168 business hours; 99.9% allows 10.08 minutes.
        assert allowed_downtime("99.9%", calendar=cal, start=start, end=end) == timedelta(
            minutes=10, seconds=4.8)
        # down Friday 7 March 16:00 to Monday 10 March 10:00: 2 business hours
        bad = BadTime.from_pairs([(datetime(2025, 3, 7, 16, tzinfo=LONDON),
                                   datetime(2025, 3, 10, 10, tzinfo=LONDON))], calendar=cal)
        m = bad.measure(start, end)
        assert (m.eligible, m.bad) == (168 * 3_600_000_000, 2 * 3_600_000_000)

"""Period keys of integer instants (attainment's cache) against ``period_of`` itself."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core._instant import from_us, to_us
from itsm_core.service._plan import PeriodIndex
from itsm_core.service.period import PERIODS, period_of

# half and quarter hour offsets, DST of half an hour, historical local mean time offsets
ZONES = ["UTC", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "Asia/Kathmandu",
         "Australia/Lord_Howe", "Europe/Amsterdam", "America/Santiago", "Pacific/Apia"]
LO = to_us(datetime(1900, 1, 1, tzinfo=timezone.utc), "lo")
HI = to_us(datetime(2040, 1, 1, tzinfo=timezone.utc), "hi")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), st.sampled_from(PERIODS),
       st.lists(st.integers(LO, HI), min_size=1, max_size=20),
       st.lists(st.integers(-10**10, 10**10), max_size=20))
def test_keys_equal_period_of(zone_name: str, period: str, bases: list[int],
                              offsets: list[int]) -> None:
    zone = ZoneInfo(zone_name)
    keys = PeriodIndex(period, zone)
    # instants near each other, so that remembered hours and quarter hours are reused
    for us in [*bases, *(b + o for b in bases for o in offsets)]:
        assert keys(us) == period_of(from_us(us, zone), period, zone)


def test_every_quarter_hour_around_midnights_in_a_half_hour_zone() -> None:
    zone = ZoneInfo("Asia/Kolkata")
    keys = PeriodIndex("month", zone)
    start = to_us(datetime(2025, 3, 31, 17, tzinfo=timezone.utc), "start")
    for step in range(0, 4 * 3600 * 10**6, 60 * 10**6 + 7):
        us = start + step
        assert keys(us) == period_of(from_us(us, zone), "month", zone)
    assert keys(to_us(datetime(2025, 3, 31, 18, 29, tzinfo=timezone.utc), "a")) == "2025-03"
    assert keys(to_us(datetime(2025, 3, 31, 18, 30, tzinfo=timezone.utc), "b")) == "2025-04"

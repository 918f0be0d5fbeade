"""DST transition days counted by hand, for both the oracle and the engine.

Transition instants are those of the IANA tz database (tzdata), as shipped with Python's
``zoneinfo``:

* Europe/London: clocks go forward at 01:00 UTC on the last Sunday of March and back at
  01:00 UTC on the last Sunday of October (Summer Time Order 2002) — 2025-03-30, 2025-10-26.
* America/New_York: second Sunday of March 02:00 local, first Sunday of November 02:00 local
  (US Energy Policy Act of 2005) — 2025-03-09, 2025-11-02.
* Australia/Sydney: first Sunday of April 03:00 AEDT back to 02:00 AEST, first Sunday of
  October 02:00 AEST forward to 03:00 AEDT (NSW Standard Time Act 1987) — 2025-04-06, 2025-10-05.
* America/Sao_Paulo (2016): forward at local midnight on 2016-10-16 (00:00 -03 -> 01:00 -02),
  back at local midnight on 2016-02-21 (00:00 -02 -> 23:00 -03 on the 20th) — Brazilian
  decrees 8.112/2013 and 8.810/2016 as recorded in tzdata's ``southamerica`` file.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from adapters_calendar import EngineView
from oracle_calendar import OracleCalendar, to_us

HOUR = 3_600_000_000
ALL_DAY = [["00:00", "24:00"]]
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture(params=["oracle", "engine"])
def make(request: pytest.FixtureRequest) -> Any:
    if request.param == "oracle":
        return OracleCalendar
    return EngineView.from_config


def utc(*args: int) -> int:
    return to_us(datetime(*args, tzinfo=timezone.utc))


def day_total(make: Any, zone: str, weekday: str, shifts: list[list[str]],
              a: int, b: int) -> int:
    return int(make({"timezone": zone, "hours": {weekday: shifts}}).elapsed(a, b))


class TestLondon:
    def test_spring_forward_day_holds_23_hours(self, make):
        # 2025-03-30 00:00 GMT (00:00Z) .. 2025-03-31 00:00 BST (2025-03-30 23:00Z)
        cal = make({"timezone": "Europe/London", "hours": {"sun": ALL_DAY}})
        assert cal.elapsed(utc(2025, 3, 29), utc(2025, 4, 1)) == 23 * HOUR
        assert cal.open_intervals(utc(2025, 3, 29), utc(2025, 4, 1)) == [
            (utc(2025, 3, 30, 0), utc(2025, 3, 30, 23))]

    def test_fall_back_day_holds_25_hours(self, make):
        # 2025-10-26 00:00 BST (2025-10-25 23:00Z) .. 2025-10-27 00:00 GMT (00:00Z)
        cal = make({"timezone": "Europe/London", "hours": {"sun": ALL_DAY}})
        assert cal.elapsed(utc(2025, 10, 24), utc(2025, 10, 29)) == 25 * HOUR
        assert cal.next_open(utc(2025, 10, 24)) == utc(2025, 10, 25, 23)
        assert cal.next_close(utc(2025, 10, 24)) == utc(2025, 10, 27)

    def test_every_day_24_hours_has_no_holes_or_double_counting(self, make):
        # 2025 in London: 01-01 00:00 GMT = 00:00Z .. 2026-01-01 00:00 GMT: 8760 h (365 days);
        # the 23 h and 25 h days cancel.  The slow oracle does March only (743 h: 31 days
        # minus the lost hour; 2025-04-01 00:00 BST = 2025-03-31 23:00Z).
        cal = make({"timezone": "Europe/London", "hours": dict.fromkeys(WEEK, ALL_DAY)})
        assert cal.elapsed(utc(2025, 3, 1), utc(2025, 3, 31, 23)) == 743 * HOUR
        if not isinstance(cal, OracleCalendar):
            assert cal.elapsed(utc(2025, 1, 1), utc(2026, 1, 1)) == 8760 * HOUR

    def test_shift_inside_the_gap_is_empty(self, make):
        # 2025-03-30: wall clocks jump 01:00 GMT -> 02:00 BST.  Start 01:30 is in the gap;
        # fold=0 reads it with the offset in force before the gap (GMT, +00:00), i.e. 01:30Z,
        # which is 02:30 BST: moved forward by the one-hour gap.  End 02:30 exists: 02:30 BST
        # = 01:30Z.  Start instant == end instant, so the shift holds no time at all.
        assert day_total(make, "Europe/London", "sun", [["01:30", "02:30"]],
                         utc(2025, 3, 29), utc(2025, 3, 31)) == 0

    def test_shift_across_the_gap(self, make):
        # 01:00-03:00: 01:00 is the first instant of the gap -> 01:00Z (02:00 BST);
        # 03:00 BST = 02:00Z.  One hour of wall "two hours" is open.
        cal = make({"timezone": "Europe/London", "hours": {"sun": [["01:00", "03:00"]]}})
        assert cal.open_intervals(utc(2025, 3, 29), utc(2025, 3, 31)) == [
            (utc(2025, 3, 30, 1), utc(2025, 3, 30, 2))]

    def test_shift_in_the_overlap_takes_first_occurrence(self, make):
        # 2025-10-26: 01:00-02:00 wall happens twice (BST then GMT).  01:30 (fold=0) is the
        # BST one = 00:30Z; 02:30 GMT = 02:30Z: two hours.
        cal = make({"timezone": "Europe/London", "hours": {"sun": [["01:30", "02:30"]]}})
        assert cal.open_intervals(utc(2025, 10, 25), utc(2025, 10, 28)) == [
            (utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 2, 30))]


class TestNewYork:
    def test_spring_and_fall_days(self, make):
        cal = make({"timezone": "America/New_York", "hours": {"sun": ALL_DAY}})
        # 2025-03-09 00:00 EST (05:00Z) .. 2025-03-10 00:00 EDT (04:00Z)
        assert cal.elapsed(utc(2025, 3, 8), utc(2025, 3, 11)) == 23 * HOUR
        # 2025-11-02 00:00 EDT (04:00Z) .. 2025-11-03 00:00 EST (05:00Z)
        assert cal.elapsed(utc(2025, 11, 1), utc(2025, 11, 4)) == 25 * HOUR

    def test_nine_to_five_is_eight_hours_either_side(self, make):
        cal = make({"timezone": "America/New_York", "hours": {"sun": [["09:00", "17:00"]]}})
        assert cal.open_intervals(utc(2025, 3, 8), utc(2025, 3, 11)) == [
            (utc(2025, 3, 9, 13), utc(2025, 3, 9, 21))]  # EDT, -04:00
        assert cal.open_intervals(utc(2025, 3, 1), utc(2025, 3, 4)) == [
            (utc(2025, 3, 2, 14), utc(2025, 3, 2, 22))]  # EST, -05:00


class TestSydney:
    def test_april_day_holds_25_hours(self, make):
        # 2025-04-06 00:00 AEDT (+11, 04-05 13:00Z) .. 2025-04-07 00:00 AEST (+10, 04-06 14:00Z)
        cal = make({"timezone": "Australia/Sydney", "hours": {"sun": ALL_DAY}})
        assert cal.open_intervals(utc(2025, 4, 4), utc(2025, 4, 8)) == [
            (utc(2025, 4, 5, 13), utc(2025, 4, 6, 14))]

    def test_october_day_holds_23_hours(self, make):
        # 2025-10-05 00:00 AEST (+10, 10-04 14:00Z) .. 2025-10-06 00:00 AEDT (+11, 10-05 13:00Z)
        cal = make({"timezone": "Australia/Sydney", "hours": {"sun": ALL_DAY}})
        assert cal.elapsed(utc(2025, 10, 3), utc(2025, 10, 7)) == 23 * HOUR

    def test_gap_and_overlap_shifts(self, make):
        # October: 02:00 AEST does not exist (-> 03:00 AEDT); fold=0 reads 02:00 as +10 = 16:00Z,
        # and 03:00 AEDT is 16:00Z too: 02:00-03:00 is empty.
        assert day_total(make, "Australia/Sydney", "sun", [["02:00", "03:00"]],
                         utc(2025, 10, 3), utc(2025, 10, 7)) == 0
        # April: 02:00-03:00 wall happens twice; 02:00 first occurrence is AEDT (+11) = 15:00Z,
        # 03:00 happens once (AEST, +10) = 17:00Z: two hours.
        assert day_total(make, "Australia/Sydney", "sun", [["02:00", "03:00"]],
                         utc(2025, 4, 4), utc(2025, 4, 8)) == 2 * HOUR


class TestSaoPaulo:
    def test_midnight_gap_day_holds_23_hours(self, make):
        # Sunday 2016-10-16: local midnight does not exist (00:00 -03 -> 01:00 -02).
        # Start 00:00 moves forward to 01:00 -02 (03:00Z); end 2016-10-17 00:00 -02 (02:00Z).
        cal = make({"timezone": "America/Sao_Paulo", "hours": {"sun": ALL_DAY}})
        assert cal.open_intervals(utc(2016, 10, 14), utc(2016, 10, 19)) == [
            (utc(2016, 10, 16, 3), utc(2016, 10, 17, 2))]

    def test_midnight_overlap_day_holds_25_hours(self, make):
        # Saturday 2016-02-20: 00:00 -02 (02:00Z) .. 2016-02-21 00:00, which exists once, after
        # 23:00-24:00 was repeated: 00:00 -03 = 03:00Z.
        cal = make({"timezone": "America/Sao_Paulo", "hours": {"sat": ALL_DAY}})
        assert cal.elapsed(utc(2016, 2, 18), utc(2016, 2, 23)) == 25 * HOUR

    def test_overnight_shift_across_the_missing_midnight(self, make):
        # Saturday 2016-10-15 22:00 -03 (10-16 01:00Z) .. Sunday 02:00 -02 (04:00Z): 3 hours.
        cal = make({"timezone": "America/Sao_Paulo", "hours": {"sat": [["22:00", "02:00"]]}})
        assert cal.open_intervals(utc(2016, 10, 14), utc(2016, 10, 19)) == [
            (utc(2016, 10, 16, 1), utc(2016, 10, 16, 4))]


class TestKolkata:
    def test_half_hour_offset(self, make):
        # India Standard Time is +05:30 all year, no DST.
        cal = make({"timezone": "Asia/Kolkata", "hours": {"wed": [["09:00", "17:00"]]}})
        assert cal.open_intervals(utc(2025, 7, 1), utc(2025, 7, 4)) == [
            (utc(2025, 7, 2, 3, 30), utc(2025, 7, 2, 11, 30))]

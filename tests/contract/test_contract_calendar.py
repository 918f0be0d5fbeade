"""Acceptance tests of the foundation and the business calendar (``docs/design.md``,
sections "Time", "Business calendars", "Errors", "Layers" and "Scale and embedding").

Each test calls the public API exactly as ``docs/design.md`` writes it.  Golden
dates come from named public sources (cited beside each value); everything else is checked
against ``contract_oracle``, a slow reading of the calendar rules (``docs/calendar.md``, "The rules") that shares no code with the library.
"""

from __future__ import annotations

import ast
import contextlib
import pickle
import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pendulum
import pytest
from contract_oracle import WEEKDAYS, open_pairs, us
from contract_oracle import add as oracle_add
from contract_oracle import elapsed as oracle_elapsed
from contract_oracle import subtract as oracle_subtract
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core import (
    BusinessCalendar,
    ConfigError,
    IntervalSet,
    ItsmError,
    NaiveDatetimeError,
    NoBusinessTimeError,
    errors,
)

UK = ZoneInfo("Europe/London")
UTC = timezone.utc
H = timedelta(hours=1)

# docs/design.md, "Business calendars", verbatim
SECTION_4 = {
    "timezone": "Europe/London",
    "hours": {
        "mon": [["09:00", "17:00"]],
        "tue": [["09:00", "12:00"], ["13:00", "17:00"]],
        "wed": [["00:00", "24:00"]],
        "fri": [["22:00", "06:00"]],
    },
    "holidays": [{"country": "GB", "subdivision": "ENG"}],
    "closed_dates": ["2025-08-01"],
    "special_hours": {"2025-12-24": [["09:00", "13:00"]]},
}

OFFICE = {
    "timezone": "Europe/London",
    "hours": {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]},
    "holidays": [{"country": "GB", "subdivision": "ENG"}],
}


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=UK)  # type: ignore[misc]


def same_instant(a: datetime, b: datetime) -> bool:
    """docs/design.md, "Time": compare instants, not aware datetimes across zones."""
    return a.astimezone(UTC) == b.astimezone(UTC)


def day_hours(cal: BusinessCalendar, zone: ZoneInfo, day: date) -> timedelta:
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return cal.elapsed(start, end)


def every_day(zone: str) -> BusinessCalendar:
    return BusinessCalendar.from_dict(
        {"timezone": zone, "hours": {d: [["00:00", "24:00"]] for d in WEEKDAYS}})


# -- errors (design.md "Errors") ------------------------------------------------------------------

class TestErrors:
    def test_hierarchy_of_section_5(self):
        assert issubclass(ItsmError, Exception)
        assert issubclass(ConfigError, ItsmError) and issubclass(ConfigError, ValueError)
        assert issubclass(NaiveDatetimeError, ItsmError)
        assert issubclass(NaiveDatetimeError, TypeError)
        assert issubclass(NoBusinessTimeError, ItsmError)
        assert issubclass(NoBusinessTimeError, ValueError)

    def test_errors_are_in_errors_module(self):
        assert errors.ItsmError is ItsmError and errors.ConfigError is ConfigError

    def test_config_error_names_the_path_of_the_offending_shift(self):
        bad = {"timezone": "Europe/London",
               "hours": {"tue": [["09:00", "12:00"], ["13:00", "13:00"]]}}
        with pytest.raises(ConfigError) as info:
            BusinessCalendar.from_dict(bad)
        assert str(info.value).startswith("hours.tue[1]")
        assert "expected" in str(info.value)


# -- configuration --------------------------------------------------------------------------------

class TestConfiguration:
    def test_section_4_example_builds_and_round_trips(self):
        cal = BusinessCalendar.from_dict(SECTION_4)
        assert BusinessCalendar.from_dict(cal.to_dict()) == cal
        assert cal.to_dict() == SECTION_4

    def test_always_open_is_24x7_in_its_zone(self):
        cal = BusinessCalendar.always_open("Asia/Kolkata")
        a = datetime(2025, 1, 4, 3, 17, tzinfo=UTC)
        assert cal.is_open(a)
        assert cal.elapsed(a, a + timedelta(days=9)) == timedelta(days=9)
        assert cal.add(a, H).tzinfo == ZoneInfo("Asia/Kolkata")

    @pytest.mark.parametrize(("config", "path"), [
        ({"timezone": "Mars/Olympus", "hours": {}}, "timezone"),
        ({"hours": {}}, "timezone"),
        ({"timezone": "UTC", "hours": {"tue": [["09:00", "12:00"], ["13:0", "17:00"]]}},
         "hours.tue[1]"),
        ({"timezone": "UTC", "hours": {"mon": [["09:00", "25:00"]]}}, "hours.mon[0]"),
        ({"timezone": "UTC", "hours": {"mon": [["24:00", "09:00"]]}}, "hours.mon[0]"),
        ({"timezone": "UTC", "hours": {"mon": [["09:00", "09:00"]]}}, "hours.mon[0]"),
        ({"timezone": "UTC", "hours": {"funday": [["09:00", "17:00"]]}}, "hours"),
        ({"timezone": "UTC", "hours": {}, "holidays": [{"country": "XX"}]},
         "holidays[0].country"),
        ({"timezone": "UTC", "hours": {}, "closed_dates": ["2025-13-01"]}, "closed_dates[0]"),
        ({"timezone": "UTC", "hours": {},
          "special_hours": {"2025-12-24": [["09:00", "12:00"], ["11:00", "13:00"]]}},
         "special_hours"),
        ({"timezone": "UTC", "hours": {}, "colour": "blue"}, "colour"),
    ])
    def test_bad_input_names_the_field_and_the_expected_form(self, config, path):
        with pytest.raises(ConfigError) as info:
            BusinessCalendar.from_dict(config)
        assert str(info.value).startswith(path)
        assert "expected" in str(info.value)

    @settings(max_examples=200)
    @given(st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
        | st.sampled_from(["09:00", "24:00", "17:00", "Europe/London", "GB", "2025-12-24",
                           "mon", "fri", "hours", "timezone"]),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
            st.sampled_from(["timezone", "hours", "holidays", "closed_dates", "special_hours",
                             "mon", "tue", "country", "subdivision", "categories", "x"]),
            inner, max_size=4),
        max_leaves=12))
    def test_junk_raises_nothing_but_itsm_errors(self, junk):
        for candidate in (junk, {"timezone": "Europe/London", "hours": junk},
                          {"timezone": "UTC", "hours": {"mon": junk}},
                          {"timezone": "UTC", "hours": {}, "special_hours": junk},
                          {"timezone": "UTC", "hours": {}, "holidays": junk}):
            with contextlib.suppress(ItsmError):
                BusinessCalendar.from_dict(candidate)


# -- shifts, ownership, holidays, special hours ---------------------------------------------------

class TestShiftRules:
    cal = BusinessCalendar.from_dict(SECTION_4)

    def test_several_shifts_a_day(self):
        # 2025-03-25 is a Tuesday: open 09-12 and 13-17
        assert self.cal.is_open(london(2025, 3, 25, 11, 59))
        assert not self.cal.is_open(london(2025, 3, 25, 12, 30))
        assert self.cal.elapsed(london(2025, 3, 25), london(2025, 3, 26)) == 7 * H

    def test_24_00_ends_a_whole_day(self):
        # 2025-03-26 is a Wednesday
        assert self.cal.elapsed(london(2025, 3, 26), london(2025, 3, 27)) == 24 * H

    def test_overnight_shift_is_owned_by_the_day_it_starts(self):
        # Friday 2025-03-28 22:00 to Saturday 06:00
        assert self.cal.is_open(london(2025, 3, 29, 5, 59))
        assert not self.cal.is_open(london(2025, 3, 29, 6))
        assert self.cal.elapsed(london(2025, 3, 28, 12), london(2025, 3, 29, 12)) == 8 * H

    def test_a_holiday_removes_the_shifts_that_start_on_it(self):
        # Good Friday 2025-04-18 and Easter Monday 2025-04-21 are bank holidays in England
        # (gov.uk/bank-holidays): Friday's overnight shift and Monday's shift do not run
        assert not self.cal.is_open(london(2025, 4, 18, 23))
        assert not self.cal.is_open(london(2025, 4, 19, 5))
        assert not self.cal.is_open(london(2025, 4, 21, 10))
        assert self.cal.is_open(london(2025, 4, 22, 10))

    def test_a_shift_into_a_holiday_still_runs(self):
        # Friday 2025-12-26 (Boxing Day, gov.uk) is a holiday; but Wednesday 2025-12-31's
        # shift is not touched by New Year's Day 2026-01-01 (gov.uk); use an overnight
        # Wednesday shift to check a shift running into a holiday keeps its owner's hours
        cal = BusinessCalendar.from_dict({
            "timezone": "Europe/London", "hours": {"wed": [["20:00", "04:00"]]},
            "holidays": [{"country": "GB", "subdivision": "ENG"}]})
        assert cal.is_open(london(2026, 1, 1, 3))
        assert cal.elapsed(london(2025, 12, 31), london(2026, 1, 2)) == 8 * H

    def test_closed_date_removes_its_shifts(self):
        # 2025-08-01 is a Friday listed in closed_dates
        assert not self.cal.is_open(london(2025, 8, 1, 23))
        assert self.cal.is_open(london(2025, 7, 25, 23))

    def test_special_hours_replace_the_weekly_hours(self):
        # 2025-12-24 is a Wednesday: 09:00-13:00 instead of 00:00-24:00
        assert self.cal.elapsed(london(2025, 12, 24), london(2025, 12, 25)) == 4 * H
        assert not self.cal.is_open(london(2025, 12, 24, 8))

    def test_empty_special_hours_close_a_date(self):
        cal = BusinessCalendar.from_dict({**OFFICE, "special_hours": {"2025-03-03": []}})
        assert cal.elapsed(london(2025, 3, 3), london(2025, 3, 4)) == timedelta(0)

    def test_special_hours_win_over_a_holiday(self):
        # Christmas Day 2025-12-25 is a bank holiday (gov.uk); explicit beats generic
        cal = BusinessCalendar.from_dict(
            {**OFFICE, "special_hours": {"2025-12-25": [["10:00", "12:00"]]}})
        assert cal.elapsed(london(2025, 12, 25), london(2025, 12, 26)) == 2 * H

    def test_holidays_by_country_subdivision_and_category(self):
        # Assumption Day (15 August) is a holiday only in Bavaria's predominantly Catholic
        # municipalities (Bavarian Feiertagsgesetz, Art. 1 (1) Nr. 2): the `holidays` package
        # files it under the "catholic" category; 2025-08-15 is a Friday
        base = {"timezone": "Europe/Berlin",
                "hours": {d: [["08:00", "16:00"]] for d in WEEKDAYS[:5]}}
        public = BusinessCalendar.from_dict(
            {**base, "holidays": [{"country": "DE", "subdivision": "BY"}]})
        catholic = BusinessCalendar.from_dict({**base, "holidays": [
            {"country": "DE", "subdivision": "BY", "categories": ["public", "catholic"]}]})
        noon = datetime(2025, 8, 15, 12, tzinfo=ZoneInfo("Europe/Berlin"))
        assert public.is_open(noon)
        assert not catholic.is_open(noon)

    def test_recurring_closures_as_rfc_5545_rules(self):
        cal = BusinessCalendar.from_dict(
            {**OFFICE, "closed_rules": ["FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31"]})
        # 2025-12-31 is a Wednesday, 2026-12-31 a Thursday
        for year in (2025, 2026):
            assert not cal.is_open(london(year, 12, 31, 10))
        assert cal.is_open(london(2025, 12, 30, 10))
        assert BusinessCalendar.from_dict(cal.to_dict()) == cal
        with pytest.raises(ConfigError, match=r"^closed_rules\[0\]"):
            BusinessCalendar.from_dict({**OFFICE, "closed_rules": ["FREQ=SOMETIMES"]})

    def test_overlapping_and_touching_shifts_merge(self):
        cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {
            "mon": [["09:00", "12:00"], ["12:00", "14:00"], ["11:00", "13:00"]]}})
        monday = datetime(2025, 3, 3, tzinfo=UTC)
        intervals = cal.open_intervals(monday, monday + timedelta(days=1))
        assert [(s.hour, e.hour) for s, e in intervals] == [(9, 14)]
        assert cal.elapsed(monday, monday + timedelta(days=1)) == 5 * H


# -- DST, counted by hand -------------------------------------------------------------------------

class TestDaylightSaving:
    @pytest.mark.parametrize(("zone", "day", "hours"), [
        # Europe/London: last Sunday of March and of October (Summer Time Act 1972, as
        # amended by the Summer Time Order 2002)
        ("Europe/London", date(2025, 3, 30), 23),
        ("Europe/London", date(2025, 10, 26), 25),
        ("Europe/London", date(2025, 3, 31), 24),
        # America/New_York: second Sunday in March, first Sunday in November (Energy Policy
        # Act of 2005, §110)
        ("America/New_York", date(2025, 3, 9), 23),
        ("America/New_York", date(2025, 11, 2), 25),
        # Australia/Sydney: first Sunday in April and in October (NSW Standard Time Act 1987)
        ("Australia/Sydney", date(2025, 4, 6), 25),
        ("Australia/Sydney", date(2025, 10, 5), 23),
        # Asia/Kolkata has no DST (IST, UTC+05:30 all year)
        ("Asia/Kolkata", date(2025, 3, 30), 24),
    ])
    def test_a_24_hour_day_holds_23_or_25_hours_on_transition_days(self, zone, day, hours):
        assert day_hours(every_day(zone), ZoneInfo(zone), day) == hours * H

    # America/Sao_Paulo: DST began at local midnight on 2018-11-04 (Decreto nº 9.242/2017), so
    # 00:00 that day does not exist and the day starts at 01:00 -02:00 (03:00 UTC)
    def test_sao_paulo_midnight_transition(self):
        sp = ZoneInfo("America/Sao_Paulo")
        cal = every_day("America/Sao_Paulo")
        assert day_hours(cal, sp, date(2018, 11, 4)) == 23 * H
        start = cal.next_open(datetime(2018, 11, 4, 2, 30, tzinfo=UTC))
        assert same_instant(start, datetime(2018, 11, 4, 2, 30, tzinfo=UTC))
        only_sunday = BusinessCalendar.from_dict(
            {"timezone": "America/Sao_Paulo", "hours": {"sun": [["00:00", "24:00"]]}})
        first = only_sunday.next_open(datetime(2018, 11, 3, tzinfo=UTC))
        assert same_instant(first, datetime(2018, 11, 4, 3, tzinfo=UTC))

    def test_a_shift_starting_in_the_gap_moves_forward_by_the_gap(self):
        # 01:30 does not exist on 2025-03-30 in London: fold=0 reads it as 02:30 BST
        cal = BusinessCalendar.from_dict(
            {"timezone": "Europe/London", "hours": {"sun": [["01:30", "03:00"]]}})
        assert day_hours(cal, UK, date(2025, 3, 30)) == timedelta(minutes=30)
        opened = cal.next_open(london(2025, 3, 29, 12))
        assert same_instant(opened, datetime(2025, 3, 30, 1, 30, tzinfo=UTC))

    def test_an_ambiguous_time_takes_its_first_occurrence(self):
        # 01:30 happens twice on 2025-10-26: the first (BST, 00:30 UTC) is taken
        cal = BusinessCalendar.from_dict(
            {"timezone": "Europe/London", "hours": {"sun": [["01:30", "02:30"]]}})
        assert day_hours(cal, UK, date(2025, 10, 26)) == 2 * H
        opened = cal.next_open(london(2025, 10, 25, 12))
        assert same_instant(opened, datetime(2025, 10, 26, 0, 30, tzinfo=UTC))


# -- queries --------------------------------------------------------------------------------------

class TestQueries:
    cal = BusinessCalendar.from_dict(OFFICE)
    friday_15 = london(2025, 3, 7, 15)
    monday_11 = london(2025, 3, 10, 11)

    def test_readme_due_date_across_christmas(self):
        cal = BusinessCalendar.from_dict(
            {**OFFICE, "special_hours": {"2025-12-24": [["09:00", "13:00"]]}})
        # 23 Dec 15-17 (2 h), 24 Dec 09-13 (4 h), 25/26 Dec bank holidays (gov.uk), the
        # weekend, then 29 Dec 09-11 (2 h)
        due = cal.add(london(2025, 12, 23, 15), 8 * H)
        assert same_instant(due, london(2025, 12, 29, 11))

    def test_is_open_is_half_open(self):
        assert self.cal.is_open(london(2025, 3, 7, 9))
        assert not self.cal.is_open(london(2025, 3, 7, 17))

    def test_elapsed_is_signed_and_additive(self):
        a, b, c = self.friday_15, self.monday_11, london(2025, 3, 8, 12)
        assert self.cal.elapsed(a, b) == 4 * H
        assert self.cal.elapsed(b, a) == -4 * H
        assert self.cal.elapsed(a, c) + self.cal.elapsed(c, b) == self.cal.elapsed(a, b)

    def test_add_is_the_earliest_instant_and_may_be_a_closing_time(self):
        due = self.cal.add(self.friday_15, 2 * H)
        assert same_instant(due, london(2025, 3, 7, 17))

    def test_add_zero_is_t_even_when_closed(self):
        saturday = london(2025, 3, 8, 12)
        assert same_instant(self.cal.add(saturday, timedelta(0)), saturday)

    def test_subtract_is_the_latest_instant(self):
        assert same_instant(self.cal.subtract(self.monday_11, 2 * H), london(2025, 3, 10, 9))
        assert same_instant(self.cal.subtract(self.monday_11, 3 * H), london(2025, 3, 7, 16))

    def test_next_open_next_close_previous_close(self):
        saturday = london(2025, 3, 8, 12)
        assert same_instant(self.cal.next_open(self.friday_15), self.friday_15)
        assert same_instant(self.cal.next_open(saturday), london(2025, 3, 10, 9))
        assert same_instant(self.cal.next_close(self.friday_15), london(2025, 3, 7, 17))
        assert same_instant(self.cal.next_close(saturday), london(2025, 3, 10, 17))
        assert same_instant(self.cal.previous_close(self.friday_15), self.friday_15)
        assert same_instant(self.cal.previous_close(london(2025, 3, 7, 17)),
                            london(2025, 3, 7, 17))
        assert same_instant(self.cal.previous_close(london(2025, 3, 10, 9)),
                            london(2025, 3, 7, 17))

    def test_open_intervals_are_clipped(self):
        got = self.cal.open_intervals(self.friday_15, self.monday_11)
        assert [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in got] == [
            (datetime(2025, 3, 7, 15, tzinfo=UTC), datetime(2025, 3, 7, 17, tzinfo=UTC)),
            (datetime(2025, 3, 10, 9, tzinfo=UTC), datetime(2025, 3, 10, 11, tzinfo=UTC))]

    def test_other_tools_conventions_are_compositions(self):
        # zendesk/biz and pandas forward: next_open(add(t, d)); pandas backward:
        # previous_close(subtract(t, d))
        forward = self.cal.next_open(self.cal.add(self.friday_15, 2 * H))
        assert same_instant(forward, london(2025, 3, 10, 9))
        backward = self.cal.previous_close(self.cal.subtract(self.monday_11, 2 * H))
        assert same_instant(backward, london(2025, 3, 7, 17))

    def test_results_are_in_the_calendars_zone(self):
        ny_input = datetime(2025, 3, 7, 10, tzinfo=ZoneInfo("America/New_York"))
        results = [self.cal.add(ny_input, H), self.cal.subtract(ny_input, H),
                   self.cal.next_open(ny_input), self.cal.next_close(ny_input),
                   self.cal.previous_close(ny_input),
                   *self.cal.open_intervals(ny_input, ny_input + timedelta(days=3))[0]]
        assert all(r.tzinfo == UK for r in results)

    def test_naive_datetimes_raise_naive_datetime_error_naming_the_argument(self):
        naive = datetime(2025, 3, 7, 15)
        with pytest.raises(NaiveDatetimeError) as info:
            self.cal.is_open(naive)
        assert isinstance(info.value, TypeError)
        assert str(info.value).startswith("t")
        with pytest.raises(NaiveDatetimeError, match=r"^b\b"):
            self.cal.elapsed(self.friday_15, naive)
        for query in (self.cal.add, self.cal.subtract):
            with pytest.raises(NaiveDatetimeError):
                query(naive, H)
        for one in (self.cal.next_open, self.cal.next_close, self.cal.previous_close):
            with pytest.raises(NaiveDatetimeError):
                one(naive)

    def test_negative_durations_are_itsm_errors_naming_the_argument(self):
        for query in (self.cal.add, self.cal.subtract):
            with pytest.raises(ItsmError, match=r"^d\b.*expected"):
                query(self.friday_15, -H)

    def test_pendulum_and_pandas_instants_work_unchanged(self):
        plain = self.cal.add(self.friday_15, 3 * H)
        p = pendulum.datetime(2025, 3, 7, 15, tz="Europe/London")
        ts = pd.Timestamp("2025-03-07 15:00", tz="Europe/London")
        assert same_instant(self.cal.add(p, 3 * H), plain)
        assert same_instant(self.cal.add(ts, 3 * H), plain)
        assert self.cal.elapsed(p, ts + pd.Timedelta(days=3)) == self.cal.elapsed(
            self.friday_15, self.friday_15 + timedelta(days=3))

    def test_explain_lists_the_counted_intervals_as_plain_data(self):
        explanation = self.cal.explain(self.friday_15, self.monday_11)
        assert explanation.elapsed == 4 * H
        data = explanation.to_dict()
        assert data["intervals"] == [
            ["2025-03-07T15:00:00+00:00", "2025-03-07T17:00:00+00:00"],
            ["2025-03-10T09:00:00+00:00", "2025-03-10T11:00:00+00:00"]]

    def test_any_year_works(self):
        for year in (1, 1850, 2400, 9998):
            monday = datetime.combine(date(year, 6, 1), datetime.min.time(), tzinfo=UTC)
            week = self.cal.elapsed(monday, monday + timedelta(days=7))
            assert 0 * H < week <= 40 * H
            due = self.cal.add(monday, 8 * H)
            assert self.cal.elapsed(monday, due) == 8 * H


# -- breach ---------------------------------------------------------------------------------------

def test_breach_is_decided_by_business_elapsed_exactly():
    # due at a closing time and at the next opening are the same business instant
    cal = BusinessCalendar.from_dict(OFFICE)
    start = london(2025, 3, 7, 15)
    due = cal.add(start, 2 * H)
    monday_open = london(2025, 3, 10, 9)
    assert cal.elapsed(start, monday_open) == 2 * H
    assert cal.elapsed(start, monday_open + timedelta(microseconds=1)) > 2 * H
    assert cal.elapsed(start, due) == cal.elapsed(start, monday_open)


# -- no infinite loops ----------------------------------------------------------------------------

class TestNoBusinessTime:
    def test_a_calendar_with_no_open_time_raises_naming_the_horizon(self):
        closed = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {}})
        t = datetime(2025, 1, 1, tzinfo=UTC)
        for query in (lambda: closed.add(t, H), lambda: closed.subtract(t, H),
                      lambda: closed.next_open(t), lambda: closed.next_close(t),
                      lambda: closed.previous_close(t)):
            with pytest.raises(NoBusinessTimeError, match="horizon"):
                query()

    def test_the_horizon_is_configurable_and_named(self):
        # open only on 2025-01-06; a 30-day horizon cannot reach the next open day
        cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {},
                                          "special_hours": {"2025-01-06": [["09:00", "10:00"]]},
                                          "horizon": "P30D"})
        assert same_instant(cal.next_open(datetime(2025, 1, 1, tzinfo=UTC)),
                            datetime(2025, 1, 6, 9, tzinfo=UTC))
        with pytest.raises(NoBusinessTimeError, match="30"):
            cal.next_open(datetime(2025, 1, 7, tzinfo=UTC))

    def test_the_default_horizon_is_ten_years(self):
        t = datetime(2025, 1, 1, tzinfo=UTC)
        for years, reachable in ((9, True), (11, False)):
            day = date(2025 + years, 6, 2).isoformat()
            cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {},
                                              "special_hours": {day: [["09:00", "10:00"]]}})
            if reachable:
                assert cal.next_open(t).date().isoformat() == day
            else:
                with pytest.raises(NoBusinessTimeError, match="horizon"):
                    cal.next_open(t)

    def test_the_horizon_is_exact_for_every_search(self):
        # open 09:00-10:00 on 2025-03-03 only; horizon 30 days. From 2025-02-01 09:00 the
        # opening is exactly 30 days away (reachable); one microsecond earlier it is not.
        cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {},
                                          "special_hours": {"2025-03-03": [["09:00", "10:00"]]},
                                          "horizon": "P30D"})
        edge = datetime(2025, 2, 1, 9, tzinfo=UTC)
        early = edge - timedelta(microseconds=1)
        assert same_instant(cal.next_open(edge), datetime(2025, 3, 3, 9, tzinfo=UTC))
        assert same_instant(cal.add(edge, H), datetime(2025, 3, 3, 10, tzinfo=UTC))
        for query in (lambda: cal.next_open(early), lambda: cal.add(early, H),
                      lambda: cal.next_close(early)):
            with pytest.raises(NoBusinessTimeError, match="P30D"):
                query()
        # backwards: the close at 10:00 is within 30 days of 2025-04-02 10:00, not after
        late = datetime(2025, 4, 2, 10, tzinfo=UTC)
        assert same_instant(cal.previous_close(late), datetime(2025, 3, 3, 10, tzinfo=UTC))
        assert same_instant(cal.subtract(late, H), datetime(2025, 3, 3, 9, tzinfo=UTC))
        for query in (lambda: cal.previous_close(late + timedelta(microseconds=1)),
                      lambda: cal.subtract(late + timedelta(microseconds=1), H)):
            with pytest.raises(NoBusinessTimeError, match="P30D"):
                query()


# -- composition ----------------------------------------------------------------------------------

def utc_pairs(cal: BusinessCalendar, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
    return [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in cal.open_intervals(a, b)]


class TestComposition:
    london_office = BusinessCalendar.from_dict(OFFICE)
    new_york_office = BusinessCalendar.from_dict({
        "timezone": "America/New_York",
        "hours": {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]}})
    week = (datetime(2025, 3, 3, tzinfo=UTC), datetime(2025, 3, 10, tzinfo=UTC))

    def test_union_follows_the_sun(self):
        both = self.london_office | self.new_york_office
        # Monday 2025-03-03: London 09-17 UTC, New York 14-22 UTC (EST until 2025-03-09)
        assert both.elapsed(*self.week) == 5 * 13 * H
        assert both.is_open(datetime(2025, 3, 3, 21, tzinfo=UTC))

    def test_intersection(self):
        both = self.london_office & self.new_york_office
        assert both.elapsed(*self.week) == 5 * 3 * H
        due = both.add(datetime(2025, 3, 3, 16, tzinfo=UTC), 2 * H)
        assert same_instant(due, datetime(2025, 3, 4, 15, tzinfo=UTC))

    def test_minus_windows(self):
        window = (london(2025, 3, 4, 10), london(2025, 3, 4, 12))
        minus_pairs = self.london_office - [window]
        minus_set = self.london_office - IntervalSet.from_pairs([(us(window[0]), us(window[1]))])
        for cal in (minus_pairs, minus_set):
            assert cal.elapsed(*self.week) == 38 * H
            assert not cal.is_open(london(2025, 3, 4, 11))
            assert same_instant(cal.add(london(2025, 3, 4, 9), 2 * H), london(2025, 3, 4, 13))

    def test_union_and_intersection_are_commutative_and_idempotent(self):
        a, b = self.london_office, self.new_york_office
        for composite, expected in ((a | b, b | a), (a & b, b & a), (a | a, a), (a & a, a)):
            assert utc_pairs(composite, *self.week) == utc_pairs(expected, *self.week)

    def test_versions_switch_at_the_date(self):
        old = BusinessCalendar.from_dict(OFFICE)
        new = BusinessCalendar.always_open("Europe/London")
        cal = BusinessCalendar.versioned([(date(2025, 1, 1), old), (date(2025, 3, 5), new)])
        # Mon 3 and Tue 4 March under the office calendar, 24 h from Wed 5 March 00:00 local
        assert cal.elapsed(london(2025, 3, 3), london(2025, 3, 5)) == 16 * H
        assert cal.elapsed(london(2025, 3, 5), london(2025, 3, 6)) == 24 * H
        assert cal.is_open(london(2025, 3, 8, 3))
        assert not cal.is_open(london(2025, 3, 1, 3))

    def test_composites_answer_the_same_queries_and_round_trip(self):
        window = [(london(2025, 3, 4, 10), london(2025, 3, 4, 12))]
        composites = [
            self.london_office | self.new_york_office,
            self.london_office & self.new_york_office,
            self.london_office - window,
            BusinessCalendar.versioned([(date(2025, 1, 1), self.london_office),
                                        (date(2025, 3, 5), self.new_york_office)]),
        ]
        t = datetime(2025, 3, 4, 8, tzinfo=UTC)
        for cal in composites:
            assert BusinessCalendar.from_dict(cal.to_dict()) == cal
            due = cal.add(t, 5 * H)
            assert cal.elapsed(t, due) == 5 * H
            assert cal.elapsed(cal.subtract(t, 5 * H), t) == 5 * H
            assert us(cal.next_open(t)) <= us(cal.next_close(t))
            assert us(cal.previous_close(t)) <= us(t)
            assert isinstance(cal.is_open(t), bool)
            assert sum((e - s for s, e in cal.open_intervals(*self.week)), timedelta(0)) \
                == cal.elapsed(*self.week)


# -- immutable, hashable, picklable, thread-safe (design.md "Scale and embedding") ----------------

class TestValueSemantics:
    def test_immutable_and_hashable(self):
        cal = BusinessCalendar.from_dict(SECTION_4)
        assert hash(cal) == hash(BusinessCalendar.from_dict(SECTION_4))
        assert len({cal, BusinessCalendar.from_dict(SECTION_4)}) == 1
        with pytest.raises(AttributeError):
            cal.horizon = timedelta(days=1)  # type: ignore[misc]

    def test_pickles_to_an_equal_calendar_with_the_same_answers(self):
        cal = BusinessCalendar.from_dict(SECTION_4)
        t = london(2025, 12, 23, 15)
        before = cal.add(t, 30 * H)
        copy = pickle.loads(pickle.dumps(cal))
        assert copy == cal
        assert same_instant(copy.add(t, 30 * H), before)

    def test_safe_to_share_between_threads(self):
        cal = BusinessCalendar.from_dict(SECTION_4)
        starts = [datetime(year, 3, 1, tzinfo=UTC) for year in range(2000, 2040)]
        expected = {s: (us(BusinessCalendar.from_dict(SECTION_4).add(s, 100 * H)),
                        BusinessCalendar.from_dict(SECTION_4).elapsed(s, s.replace(month=9)))
                    for s in starts}
        results: dict[datetime, tuple[int, timedelta]] = {}
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def work(offset: int) -> None:
            try:
                barrier.wait()
                for s in starts[offset:] + starts[:offset]:
                    got = (us(cal.add(s, 100 * H)), cal.elapsed(s, s.replace(month=9)))
                    results.setdefault(s, got)
                    assert got == results[s]
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(5 * i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert results == expected


# -- intervals.py ---------------------------------------------------------------------------------

class TestIntervalSet:
    def test_algebra_of_half_open_intervals(self):
        a = IntervalSet.from_pairs([(0, 10), (20, 30)])
        b = IntervalSet.from_pairs([(5, 25)])
        assert (a | b).pairs() == ((0, 30),)
        assert (a & b).pairs() == ((5, 10), (20, 25))
        assert (a - b).pairs() == ((0, 5), (25, 30))
        assert a.clip(8, 22).pairs() == ((8, 10), (20, 22))
        assert a.measure() == 20
        assert a.contains(0) and a.contains(9) and not a.contains(10)
        assert 0 in a and 10 not in a

    def test_touching_intervals_merge_and_values_are_immutable(self):
        s = IntervalSet.from_pairs([(0, 5), (5, 9)])
        assert s.pairs() == ((0, 9),)
        assert hash(s) == hash(IntervalSet.from_pairs([(0, 9)]))
        with pytest.raises(AttributeError):
            s.bounds = ()  # type: ignore[misc]


# -- hypothesis: invariants and the oracle, in zones with DST -------------------------------------

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "America/Sao_Paulo",
         "Asia/Kolkata"]
YEARS = {"America/Sao_Paulo": (2015, 2018)}
clock = st.integers(0, 47).map(lambda half: f"{half // 2:02d}:{30 * (half % 2):02d}")
shift = st.tuples(clock, clock | st.just("24:00")).filter(lambda p: p[0] != p[1]).map(list)


@st.composite
def scenarios(draw: Any) -> tuple[dict[str, Any], int, int, int]:
    zone = draw(st.sampled_from(ZONES))
    first_year, last_year = YEARS.get(zone, (2016, 2027))
    hours = draw(st.dictionaries(st.sampled_from(WEEKDAYS), st.lists(shift, max_size=3),
                                 max_size=7).filter(lambda h: any(h.values())))
    base = draw(st.dates(date(first_year, 1, 1), date(last_year, 12, 1)))
    closed = draw(st.lists(st.integers(0, 20), max_size=3, unique=True))
    special_offsets = draw(st.lists(st.integers(0, 20), max_size=2, unique=True))
    config: dict[str, Any] = {"timezone": zone, "hours": hours}
    specials: dict[str, list[list[str]]] = {}
    for offset in special_offsets:
        start = draw(st.integers(0, 20))
        length = draw(st.integers(1, 4))
        specials[(base + timedelta(days=offset)).isoformat()] = [
            [f"{start:02d}:00", f"{start + length:02d}:00"]]
    closed_dates = [(base + timedelta(days=o)).isoformat() for o in closed
                    if (base + timedelta(days=o)).isoformat() not in specials]
    if closed_dates:
        config["closed_dates"] = closed_dates
    if specials:
        config["special_hours"] = specials
    origin = us(datetime.combine(base, datetime.min.time(), tzinfo=UTC))
    span = 21 * 86_400_000_000
    a = origin + draw(st.integers(0, span))
    b = origin + draw(st.integers(0, span))
    d = draw(st.integers(0, 30 * 3_600_000_000))
    return config, a, b, d


def _oracle(config: dict[str, Any], a: int, b: int) -> list[tuple[int, int]]:
    # wide enough for 30 h of business time on a calendar open 30 minutes a week
    lo = datetime.fromtimestamp(min(a, b) // 1_000_000, UTC).date() - timedelta(days=800)
    hi = datetime.fromtimestamp(max(a, b) // 1_000_000, UTC).date() + timedelta(days=800)
    return open_pairs(config, lo, hi)


def _dt(micro: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micro)


class TestInvariantsAgainstTheOracle:
    @settings(max_examples=60)
    @given(scenarios())
    def test_round_trip_and_elapsed_matches_the_oracle_and_is_signed(self, scenario):
        config, a, b, _ = scenario
        cal = BusinessCalendar.from_dict(config)
        assert BusinessCalendar.from_dict(cal.to_dict()) == cal
        pairs = _oracle(config, a, b)
        expected = timedelta(microseconds=oracle_elapsed(pairs, a, b))
        assert cal.elapsed(_dt(a), _dt(b)) == expected
        assert cal.elapsed(_dt(b), _dt(a)) == -expected
        assert [(us(s), us(e)) for s, e in cal.open_intervals(_dt(a), _dt(b))] == [
            (max(s, a), min(e, b)) for s, e in pairs if min(e, b) > max(s, a)]

    @settings(max_examples=60)
    @given(scenarios(), st.integers(0, 21 * 86_400_000_000))
    def test_additivity_in_any_order(self, scenario, third):
        config, a, b, _ = scenario
        cal = BusinessCalendar.from_dict(config)
        c = _dt(min(a, b) + third)
        assert cal.elapsed(_dt(a), _dt(b)) + cal.elapsed(_dt(b), c) == cal.elapsed(_dt(a), c)

    @settings(max_examples=60)
    @given(scenarios())
    def test_add_and_subtract_match_the_oracle_and_are_extreme(self, scenario):
        config, t, _, d = scenario
        cal = BusinessCalendar.from_dict(config)
        pairs = _oracle(config, t, t)
        u = cal.add(_dt(t), timedelta(microseconds=d))
        assert us(u) == oracle_add(pairs, t, d)
        assert cal.elapsed(_dt(t), u) == timedelta(microseconds=d)
        if d:  # one microsecond earlier is not enough (arithmetic on instants, design.md "Time")
            assert cal.elapsed(_dt(t), _dt(us(u) - 1)) < timedelta(microseconds=d)
        v = cal.subtract(_dt(t), timedelta(microseconds=d))
        assert us(v) == oracle_subtract(pairs, t, d)
        assert cal.elapsed(v, _dt(t)) == timedelta(microseconds=d)
        if d:
            assert cal.elapsed(_dt(us(v) + 1), _dt(t)) < timedelta(microseconds=d)

    @settings(max_examples=40)
    @given(scenarios(), st.integers(0, 10 * 3_600_000_000))
    def test_add_is_monotone(self, scenario, extra):
        config, t, _, d = scenario
        cal = BusinessCalendar.from_dict(config)
        first = us(cal.add(_dt(t), timedelta(microseconds=d)))
        later = us(cal.add(_dt(t), timedelta(microseconds=d + extra)))
        assert first <= later
        assert us(cal.add(_dt(t + extra), timedelta(microseconds=d))) >= first


# -- no I/O in the core, imports point downward (design.md "Layers") ------------------------------

SRC = Path(__file__).resolve().parents[2] / "src" / "itsm_core"
# docs/design.md "Layers", bottom to top; ``ratios`` (exact targets), ``_config`` (reading
# nested configuration) and ``_args`` (collection arguments) are foundations,
# ``recurrence`` serves the calendar, ``service`` sits on the engines, ``integrations`` and
# ``demo`` sit between it and the CLI
LAYERS = [{"errors", "_instant", "_config", "_args", "intervals", "ratios"}, {"calendar", "recurrence"},
          {"priority", "topology"}, {"sla", "availability", "change", "problem", "capacity"},
          {"service"}, {"integrations", "demo"}, {"cli", "__main__"}]


def _layer(module: str) -> int:
    found = [i for i, layer in enumerate(LAYERS) if module in layer]
    assert found, (f"itsm_core.{module} is in no layer of docs/design.md \"Layers\"; "
                   "place it in LAYERS")
    return found[0]


def _modules() -> list[tuple[str, ast.Module]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        top = path.relative_to(SRC).parts[0].removesuffix(".py")
        if top != "__init__":
            out.append((top, ast.parse(path.read_text(encoding="utf-8"))))
    return out


def test_imports_point_downward_only():
    upward = set()
    for top, tree in _modules():
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for name in names:
                if name.startswith("itsm_core.") and \
                        _layer(name.split(".")[1]) > _layer(top):
                    upward.add((top, name))
    assert upward == set()


def test_no_clock_environment_or_terminal_outside_the_cli():
    found = set()
    for top, tree in _modules():
        if top in {"cli", "__main__"}:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id in {"print", "input"}:
                    found.add((top, func.id))
                if isinstance(func, ast.Attribute) and (
                        func.attr in {"now", "utcnow", "today", "getenv"}
                        or (isinstance(func.value, ast.Name) and func.value.id == "time")):
                    found.add((top, ast.unparse(func)))
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "stdout", "stderr",
                                                                  "stdin"}:
                found.add((top, ast.unparse(node)))
    assert found == set()


def test_only_the_cli_opens_files():
    found = {(top, "open") for top, tree in _modules() if top not in {"cli", "__main__"}
             for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name) and node.func.id == "open"}
    assert found == set()

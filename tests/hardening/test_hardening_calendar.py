"""Hardening of calendars, recurrences and change windows: bounded work, an ItsmError for
every bad input, the whole representable date range (see docs/limits.md, "Calendars, recurrences and change windows")."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core import BusinessCalendar
from itsm_core._config import MAX_DEPTH
from itsm_core.change.request import ChangeRequest
from itsm_core.change.slots import free_time, next_free_slots
from itsm_core.change.windows import ChangeWindows
from itsm_core.errors import ConfigError, InvalidArgumentError, ItsmError, NoBusinessTimeError
from itsm_core.recurrence import Recurrence, anchored

UTC = timezone.utc
OFFICE = {"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}}


def within(seconds: float, query):  # a generous "does not hang" bound, never a speed test
    start = time.perf_counter()
    result = query()
    assert time.perf_counter() - start < seconds
    return result


def closed(rule: str) -> BusinessCalendar:
    return BusinessCalendar.from_dict({**OFFICE, "closed_rules": [rule]})


def rec(rule: str, **extra: object) -> Recurrence:
    return Recurrence.from_dict({"rrule": rule, "start": "2025-01-01T00:00", "timezone": "UTC",
                                 "duration": "PT1M", **extra})


# -- closed rules -------------------------------------------------------------------------------

@pytest.mark.parametrize(("rule", "problem"), [
    ("FREQ=SECONDLY", "FREQ=SECONDLY is not allowed"),
    ("FREQ=MINUTELY", "FREQ=MINUTELY is not allowed"),
    ("FREQ=HOURLY;BYHOUR=3", "FREQ=HOURLY is not allowed"),
    ("FREQ=DAILY;INTERVAL=0", "INTERVAL=0 is not allowed"),
    ("FREQ=YEARLY;BYMONTHDAY=31;BYMONTH=2", "matches no date in any year"),
    ("FREQ=DAILY;COUNT=100001", "COUNT=100001 is out of range"),
    ("FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11;BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,"
     "15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30", "occurrences in 407 days"),
])
def test_a_closed_rule_that_cannot_be_a_closure_is_refused_fast(rule: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as info:
        within(2, lambda: closed(rule))
    assert info.value.path == "closed_rules[0]"


def test_a_closed_rule_in_year_9999_expands_only_its_chunk() -> None:
    # the old code replayed every occurrence since 1970 (> 3 s); the answer is unchanged
    cal = closed("FREQ=DAILY;BYMONTH=12;BYMONTHDAY=24")
    year = next(y for y in range(9998, 9900, -1) if datetime(y, 12, 24).weekday() == 0)
    christmas_eve = datetime(year, 12, 24, 10, tzinfo=UTC)
    assert within(2, lambda: cal.is_open(christmas_eve)) is False
    assert cal.is_open(christmas_eve + timedelta(days=7))


def test_a_rule_already_over_costs_nothing() -> None:
    cal = closed("FREQ=WEEKLY;BYDAY=MO;UNTIL=19800101T000000")
    assert within(2, lambda: cal.is_open(datetime(9000, 1, 2, 10, tzinfo=UTC))) \
        is (datetime(9000, 1, 2).weekday() == 0)
    counted = closed("DTSTART:20250106\nRRULE:FREQ=WEEKLY;COUNT=2")
    assert not counted.is_open(datetime(2025, 1, 13, 10, tzinfo=UTC))
    assert counted.is_open(datetime(2025, 1, 20, 10, tzinfo=UTC))


RULES = st.sampled_from([
    "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24", "FREQ=YEARLY;INTERVAL=3;BYDAY=-1FR;BYMONTH=3",
    "FREQ=MONTHLY;INTERVAL=5", "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=MONTHLY;BYDAY=2TU",
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,FR", "FREQ=DAILY;INTERVAL=11", "FREQ=YEARLY",
    "FREQ=YEARLY;BYWEEKNO=1,52;BYDAY=MO", "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1",
])


@settings(max_examples=60, deadline=None)
@given(rule=RULES, first=st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)),
       later=st.integers(0, 400 * 12), days=st.integers(1, 500))
def test_a_restarted_rule_gives_the_same_occurrences(rule: str, first: datetime, later: int,
                                                      days: int) -> None:
    full = rrulestr(rule, dtstart=first)
    lo = datetime(first.year + later // 12, later % 12 + 1, 1)
    hi = lo + timedelta(days=days)
    assert anchored(full, lo).between(lo, hi, inc=True) == full.between(lo, hi, inc=True)


# -- recurrences (maintenance windows, minus) ---------------------------------------------------

@pytest.mark.parametrize(("rule", "problem"), [
    ("FREQ=SECONDLY", "FREQ=SECONDLY is not allowed"),
    ("FREQ=MINUTELY", "occurrences in 407 days"),
    ("FREQ=MINUTELY;INTERVAL=5", "occurrences in 407 days"),
    ("FREQ=HOURLY;BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20",
     "occurrences in 407 days"),
    ("FREQ=DAILY;INTERVAL=0", "INTERVAL=0 is not allowed"),
    ("FREQ=DAILY;COUNT=0", "COUNT=0 is out of range"),
])
def test_a_recurrence_too_dense_or_endless_is_refused(rule: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as info:
        within(2, lambda: rec(rule))
    assert info.value.path == "rrule"


def test_a_recurrence_every_six_minutes_is_accepted_and_bounded() -> None:
    every_six = rec("FREQ=MINUTELY;INTERVAL=6")
    cal = BusinessCalendar.always_open("UTC") - every_six
    week = within(2, lambda: cal.elapsed(datetime(9000, 1, 1, tzinfo=UTC),
                                         datetime(9000, 1, 8, tzinfo=UTC)))
    assert week == timedelta(days=7) * 5 / 6


@pytest.mark.parametrize("key", ["bogus", 1, 10**5000, ("a",)], ids=["str", "int", "huge", "tuple"])
def test_a_recurrence_refuses_unknown_keys_of_any_type(key: object) -> None:
    data: dict[object, object] = {"rrule": "FREQ=DAILY", "start": "2025-01-01T00:00",
                                  "timezone": "UTC", "duration": "PT1H", key: 1, "z": 2}
    with pytest.raises(ConfigError, match="unknown key") as info:
        Recurrence.from_dict(data)  # type: ignore[arg-type]
    assert len(str(info.value)) < 300


# -- searches and spans -------------------------------------------------------------------------

def one_minute_a_year() -> BusinessCalendar:
    every_day = {day: [["00:00", "00:01"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    return BusinessCalendar.from_dict({"timezone": "UTC", "hours": every_day, "closed_rules": [
        "FREQ=DAILY;BYMONTH=2,3,4,5,6,7,8,9,10,11,12", "FREQ=DAILY;BYMONTH=1;BYMONTHDAY=" + ",".join(str(d) for d in range(2, 32))]})


def test_add_of_the_largest_duration_fails_at_once() -> None:
    cal = BusinessCalendar.always_open("UTC")
    with pytest.raises(NoBusinessTimeError, match="end of year 9999"):
        within(2, lambda: cal.add(datetime(2025, 1, 1, tzinfo=UTC), timedelta.max))
    with pytest.raises(NoBusinessTimeError, match="start of year 1"):
        within(2, lambda: cal.subtract(datetime(2025, 1, 1, tzinfo=UTC), timedelta.max))


def test_add_on_a_one_minute_a_year_calendar_gives_up_after_570_years() -> None:
    cal = one_minute_a_year()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    assert cal.add(start, timedelta(minutes=3)) == datetime(2027, 1, 1, 0, 1, tzinfo=UTC)
    # 600 years of wall time would be needed: past 512 chunks the search gives up
    with pytest.raises(NoBusinessTimeError, match="about 570 years"):
        within(2, lambda: cal.add(start, timedelta(hours=10)))
    later = datetime(2700, 1, 1, tzinfo=UTC)  # (closed rules apply from 1970, their anchor)
    with pytest.raises(NoBusinessTimeError, match="about 570 years"):
        within(2, lambda: cal.subtract(later, timedelta(hours=10)))


def test_add_on_a_sparse_composite_calendar_walks_as_far_as_it_needs() -> None:
    # 4 business hours a day: 9 years' worth of an 8-hour office (18,000 h) takes 18 years
    hours = {day: [["13:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": hours})
    start = datetime(2016, 1, 1, tzinfo=UTC)
    due = within(2, lambda: cal.add(start, timedelta(hours=18_000)))
    assert cal.elapsed(start, due) == timedelta(hours=18_000)
    assert due.year == 2033


def test_a_span_over_570_years_is_refused_at_once() -> None:
    cal = BusinessCalendar.always_open("UTC")
    first, last = datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)
    for query in (lambda: cal.elapsed(first, last), lambda: cal.open_intervals(first, last)):
        with pytest.raises(InvalidArgumentError, match="too long for one query"):
            within(2, query)
    assert cal.elapsed(datetime(2000, 1, 1, tzinfo=UTC), datetime(2500, 1, 1, tzinfo=UTC)) \
        == datetime(2500, 1, 1) - datetime(2000, 1, 1)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/New_York", "Pacific/Kiritimati"])
def test_a_24x7_calendar_is_open_over_the_whole_representable_range(zone: str) -> None:
    # open from local 0001-01-01 00:00 to local 9999-12-31 24:00, within what UTC can represent
    cal = BusinessCalendar.always_open(zone)
    local = ZoneInfo(zone)
    first = max(datetime(1, 1, 1, tzinfo=local), datetime(1, 1, 1, tzinfo=UTC))
    last = min(datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=local),
               datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC))
    assert cal.is_open(first) and cal.is_open(last)
    assert cal.elapsed(first, first + timedelta(days=3)) == timedelta(days=3)
    assert cal.elapsed(last - timedelta(days=3), last) == timedelta(days=3)
    assert cal.add(first, timedelta(days=2)) == first + timedelta(days=2)
    assert cal.subtract(last, timedelta(days=2)) == last - timedelta(days=2)
    # the close is local 9999-12-31 24:00: past 9999 in UTC, or not representable in the zone
    with pytest.raises((NoBusinessTimeError, InvalidArgumentError), match="9999"):
        cal.next_close(last - timedelta(days=1))


def test_a_huge_horizon_still_bounds_a_search() -> None:
    never = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {}, "horizon": "P3000000D"})
    with pytest.raises(NoBusinessTimeError):
        within(2, lambda: never.next_open(datetime(2025, 1, 1, tzinfo=UTC)))


# -- nesting ------------------------------------------------------------------------------------

def nested(levels: int) -> dict[str, object]:
    data: dict[str, object] = {"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}}
    for _ in range(levels):
        data = {"union": [data]}
    return data


def test_a_calendar_nested_400_deep_is_refused() -> None:
    with pytest.raises(ConfigError, match=f"more than {MAX_DEPTH} levels"):
        BusinessCalendar.from_dict(nested(400))


def test_the_deepest_calendar_accepted_survives_queries_to_dict_and_eq() -> None:
    levels = (MAX_DEPTH - 4) // 2  # each union adds a mapping and a list; the leaf holds 4
    cal = BusinessCalendar.from_dict(nested(levels))
    with pytest.raises(ConfigError):
        BusinessCalendar.from_dict(nested(levels + 1))
    assert BusinessCalendar.from_dict(cal.to_dict()) == cal
    assert cal.elapsed(datetime(2025, 1, 6, tzinfo=UTC), datetime(2025, 1, 7, tzinfo=UTC)) \
        == timedelta(hours=8)


def test_mixed_key_types_beside_a_composite_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unexpected beside"):
        BusinessCalendar.from_dict({"union": [OFFICE], 1: 2, "z": 3})  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match="unknown key"):
        BusinessCalendar.from_dict({**OFFICE, 10**5000: 1})  # type: ignore[dict-item]


@pytest.mark.parametrize("value", [3, None, 10**5000, "FREQ=DAILY"], ids=["int", "none", "huge", "str"])
def test_a_non_list_where_a_list_is_expected(value: object) -> None:
    for key in ("closed_rules", "closed_dates", "holidays"):
        with pytest.raises(ItsmError):
            BusinessCalendar.from_dict({**OFFICE, key: value})


# -- change windows -----------------------------------------------------------------------------

def change() -> ChangeRequest:
    return ChangeRequest.from_dict({"id": "C", "type": "normal", "cis": ["db"],
                                    "start": "2025-01-01T00:00+00:00", "end": "2025-01-01T03:00+00:00"})


def test_a_secondly_maintenance_window_is_refused_with_its_path() -> None:
    with pytest.raises(ConfigError) as info:
        ChangeWindows.from_dict({"maintenance": [{"name": "m", "recurrence": {
            "rrule": "FREQ=SECONDLY", "start": "2025-01-01T00:00", "timezone": "UTC",
            "duration": "PT1S"}}]})
    assert info.value.path == "maintenance[0].recurrence.rrule"


def test_slots_are_searched_a_piece_at_a_time_with_the_same_answer() -> None:
    windows = ChangeWindows.from_dict({"maintenance": [{"name": "m", "cis": ["db"], "recurrence": {
        "rrule": "FREQ=WEEKLY;INTERVAL=5;BYDAY=SA", "start": "2025-01-04T20:00",
        "timezone": "UTC", "duration": "P2D"}}]})
    as_of = datetime(2025, 1, 1, tzinfo=UTC)
    horizon = timedelta(days=400)
    slots = next_free_slots(change(), as_of=as_of, windows=windows, horizon=horizon, limit=100)
    gaps = free_time(change(), as_of, as_of + horizon, windows=windows)
    assert slots == [(s, s + timedelta(hours=3)) for s, e in gaps if e - s >= timedelta(hours=3)]
    assert len(slots) > 5


def test_a_search_longer_than_ten_years_is_refused() -> None:
    as_of = datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidArgumentError, match="horizon"):
        next_free_slots(change(), as_of=as_of, horizon=timedelta(days=10**6))
    with pytest.raises(InvalidArgumentError, match="end"):
        free_time(change(), as_of, datetime(9999, 1, 1, tzinfo=UTC))

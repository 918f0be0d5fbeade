"""Business days agree with a slow reference that walks local dates one by one.

The reference reads each date's open time with the public ``open_intervals`` over that
date's span (local midnight to the next), so it shares no code with the engine's day
arithmetic (which hops between open intervals with bisects).  Random calendars come from
the oracle strategies (overnight shifts, holidays, half days, DST zones); composites are
built from two of them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_calendar import Scenario, half_examples, scenarios

from itsm_core import BusinessCalendar
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, NaiveDatetimeError

ONE = timedelta(days=1)
WEEKDAYS_9_17 = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def span(cal: BusinessCalendar, day: date) -> tuple[datetime, datetime]:
    zone = cal.timezone
    after = day + ONE
    return (datetime(day.year, day.month, day.day, tzinfo=zone),
            datetime(after.year, after.month, after.day, tzinfo=zone))


def ref_intervals(cal: BusinessCalendar, day: date) -> list[tuple[datetime, datetime]]:
    return cal.open_intervals(*span(cal, day))


def ref_is_business_day(cal: BusinessCalendar, day: date) -> bool:
    return bool(ref_intervals(cal, day))


def ref_add(cal: BusinessCalendar, day: date, n: int) -> date | None:
    """The n-th business day after *day*, or None when a step finds none within 60 days."""
    step = ONE if n > 0 else -ONE
    for _ in range(abs(n)):
        for _ in range(60):
            day += step
            if ref_is_business_day(cal, day):
                break
        else:
            return None
    return day


def ref_between(cal: BusinessCalendar, a: date, b: date) -> int:
    if a > b:
        return -ref_between(cal, b, a)
    return sum(ref_is_business_day(cal, a + ONE * i) for i in range(1, (b - a).days + 1))


def composite(first: Scenario, second: Scenario, how: int) -> BusinessCalendar:
    one = BusinessCalendar.from_dict(first.config)
    two = BusinessCalendar.from_dict(second.config)
    if how == 0:
        return one | two
    if how == 1:
        return one & two
    if how == 2:
        hole = (datetime.fromtimestamp(first.a / 1e6, timezone.utc),
                datetime.fromtimestamp(first.b / 1e6, timezone.utc))
        return one - [hole]
    middle = datetime.fromtimestamp((first.a + first.b) / 2e6, timezone.utc).date()
    return BusinessCalendar.versioned([(middle - ONE * 400, one), (middle, two)])


calendars = st.one_of(
    scenarios().map(lambda s: (BusinessCalendar.from_dict(s.config), s)),
    st.tuples(scenarios(), scenarios(), st.integers(0, 3)).map(
        lambda t: (composite(t[0], t[1], t[2]), t[0])),
)


@half_examples
@given(calendars, st.data())
def test_day_queries_match_the_reference(pair: tuple[BusinessCalendar, Scenario],
                                         data: st.DataObject) -> None:
    cal, scenario = pair
    days = scenario.local_days()
    for day in days:
        pairs = ref_intervals(cal, day)
        assert cal.is_business_day(day) is bool(pairs)
        if pairs:
            assert cal.start_of_business_day(day) == pairs[0][0]
            assert cal.end_of_business_day(day) == pairs[-1][1]
        else:
            with pytest.raises(InvalidArgumentError, match="not a business day"):
                cal.start_of_business_day(day)
    a, b = data.draw(st.sampled_from(days)), data.draw(st.sampled_from(days))
    n = data.draw(st.integers(-4, 4))
    expected = ref_add(cal, a, n)
    if expected is not None:  # (else the calendar is closed for weeks around the window)
        assert cal.add_business_days(a, n) == expected
    assert cal.business_days_between(a, b) == ref_between(cal, a, b)
    assert cal.business_days_between(b, a) == -cal.business_days_between(a, b)


@half_examples
@given(scenarios(), st.data())
def test_counting_and_adding_are_inverse(scenario: Scenario, data: st.DataObject) -> None:
    cal = BusinessCalendar.from_dict(scenario.config)
    a = data.draw(st.sampled_from(scenario.local_days()))
    n = data.draw(st.integers(-6, 6))
    b = cal.add_business_days(a, n)
    assert n == 0 or cal.is_business_day(b)
    if n >= 0:
        assert cal.business_days_between(a, b) == n
    else:  # (b, a] holds the |n| - 1 business days strictly between, and a if it is one
        assert cal.business_days_between(b, a) == -n - 1 + cal.is_business_day(a)


@half_examples
@given(scenarios(), st.integers(-3, 3), st.integers(0, 1439))
def test_instants_keep_their_wall_clock_time(scenario: Scenario, n: int, minute: int) -> None:
    cal = BusinessCalendar.from_dict(scenario.config)
    zone = cal.timezone
    day = scenario.local_days()[1]
    start = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
    result = cal.add_business_days(start, n)
    assert result.date() == cal.add_business_days(start.date(), n) or n == 0
    # the instant's own wall-clock time: a start written in a DST gap (02:30 on the night
    # the clocks go forward) is the instant an hour later (03:30), whose time is kept
    local = start.astimezone(timezone.utc).astimezone(zone)
    wanted = datetime.combine(result.date(), local.time(), tzinfo=zone)
    # a wall time in a DST gap moves forward by the gap, like a shift boundary
    assert result == wanted.astimezone(timezone.utc).astimezone(zone)


# -- worked examples (docs/calendar.md, "Business days") ----------------------------------------

def test_half_days_holidays_and_weekends() -> None:
    cal = BusinessCalendar.from_dict({
        "timezone": "Europe/London", "hours": WEEKDAYS_9_17,
        "holidays": [{"country": "GB", "subdivision": "ENG"}],
        "special_hours": {"2025-12-24": [["09:00", "13:00"]]}})
    assert cal.is_business_day(date(2025, 12, 24))  # a half day counts
    assert cal.end_of_business_day(date(2025, 12, 24)).hour == 13
    assert not cal.is_business_day(date(2025, 12, 25))
    assert cal.add_business_days(date(2025, 12, 24), 1) == date(2025, 12, 29)
    assert cal.add_business_days(date(2025, 12, 27), 1) == date(2025, 12, 29)  # Saturday
    assert cal.add_business_days(date(2025, 12, 29), -1) == date(2025, 12, 24)
    # 22, 23, 24 (half), 29, 30, 31 December and 2 January: 1 January is a holiday
    assert cal.business_days_between(date(2025, 12, 19), date(2026, 1, 2)) == 7


def test_overnight_shifts_make_both_dates_business_days() -> None:
    cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"fri": [["22:00", "06:00"]]}})
    friday, saturday = date(2025, 1, 10), date(2025, 1, 11)
    assert cal.is_business_day(friday) and cal.is_business_day(saturday)
    assert cal.end_of_business_day(friday) == datetime(2025, 1, 11, tzinfo=timezone.utc)
    assert cal.start_of_business_day(saturday) == datetime(2025, 1, 11, tzinfo=timezone.utc)
    assert cal.end_of_business_day(saturday) == datetime(2025, 1, 11, 6, tzinfo=timezone.utc)
    assert cal.add_business_days(friday, 2) == date(2025, 1, 17)


def test_dst_days_count_once() -> None:
    london = ZoneInfo("Europe/London")
    cal = BusinessCalendar.always_open("Europe/London")
    assert cal.business_days_between(date(2025, 3, 29), date(2025, 3, 31)) == 2
    spring = date(2025, 3, 30)
    assert cal.elapsed(cal.start_of_business_day(spring),
                       cal.end_of_business_day(spring)) == timedelta(hours=23)
    # 01:30 does not exist on 2025-03-30: it moves forward by the gap
    start = datetime(2025, 3, 29, 1, 30, tzinfo=london)
    assert cal.add_business_days(start, 1).isoformat() == "2025-03-30T02:30:00+01:00"


def test_datetimes_count_by_their_date_in_the_calendar_zone() -> None:
    cal = BusinessCalendar.from_dict({"timezone": "America/New_York", "hours": WEEKDAYS_9_17})
    saturday_utc_morning = datetime(2025, 1, 11, 3, tzinfo=timezone.utc)  # Friday evening there
    assert cal.is_business_day(saturday_utc_morning)


def test_bad_arguments_raise_itsm_errors() -> None:
    cal = BusinessCalendar.always_open("UTC")
    with pytest.raises(ArgumentTypeError, match=r"^day: expected a date"):
        cal.is_business_day("2025-01-01")  # type: ignore[arg-type]
    with pytest.raises(NaiveDatetimeError, match=r"^a:"):
        cal.business_days_between(datetime(2025, 1, 1), date(2025, 1, 2))
    with pytest.raises(ArgumentTypeError, match=r"^n: expected an int, got float"):
        cal.add_business_days(date(2025, 1, 1), 1.0)  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match=r"^n: expected an int, got bool"):
        cal.add_business_days(date(2025, 1, 1), True)


def test_counting_over_years_is_interval_bound() -> None:
    cal = BusinessCalendar.always_open("UTC")
    assert cal.business_days_between(date(2000, 1, 1), date(2400, 1, 1)) == (
        date(2400, 1, 1) - date(2000, 1, 1)).days


def test_a_start_in_a_dst_gap_keeps_its_instants_wall_time() -> None:
    """02:00 on 13 March 2016 does not exist in New York: it is the instant 03:00 EDT, and
    the next business day keeps 03:00 (found by the property above)."""
    cal = BusinessCalendar.from_dict({"timezone": "America/New_York",
                                      "hours": {"mon": [["00:00", "24:00"]]}})
    york = cal.timezone
    result = cal.add_business_days(datetime(2016, 3, 13, 2, 0, tzinfo=york), 1)
    assert result == datetime(2016, 3, 14, 3, 0, tzinfo=york)

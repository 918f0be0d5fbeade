"""The ownership rules (``docs/calendar.md``, "The rules") on hand-checked examples, for both the oracle and the engine.

A shift belongs to the local date it starts on: a holiday or closed date removes the shifts that
start on it (an overnight shift from the day before still runs into it), ``special_hours``
replaces a date's shifts and beats a holiday on that date, and overlapping or touching shifts
merge.  England's 2025 bank holidays are those of GOV.UK "UK bank holidays"
(https://www.gov.uk/bank-holidays): 25 and 26 December 2025 (Thursday, Friday).
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any

import holidays
import numpy as np
import pytest
from adapters_calendar import EngineView
from oracle_calendar import OracleCalendar, to_us

from itsm_core import BusinessCalendar

HOUR = 3_600_000_000
ENGLAND = [{"country": "GB", "subdivision": "ENG"}]


@pytest.fixture(params=["oracle", "engine"])
def make(request: pytest.FixtureRequest) -> Any:
    return OracleCalendar if request.param == "oracle" else EngineView.from_config


def utc(*args: int) -> int:
    return to_us(datetime(*args, tzinfo=timezone.utc))


def test_overnight_shift_is_owned_by_its_start_date(make) -> None:
    # Wed 24 Dec 22:00 -> Thu 25 Dec 06:00 runs into Christmas Day (it starts on the 24th);
    # Thu 25 Dec 22:00 (a holiday) -> Fri 26 Dec 06:00 is removed whole, Saturday part included;
    # Fri 26 Dec (Boxing Day) likewise.  London is on GMT, so local = UTC.
    cal = make({"timezone": "Europe/London", "holidays": ENGLAND,
                "hours": {d: [["22:00", "06:00"]] for d in ("wed", "thu", "fri")}})
    assert cal.open_intervals(utc(2025, 12, 24), utc(2025, 12, 28)) == [
        (utc(2025, 12, 24, 22), utc(2025, 12, 25, 6))]


def test_special_hours_beat_a_holiday_and_replace_the_week(make) -> None:
    cal = make({"timezone": "Europe/London", "holidays": ENGLAND,
                "hours": {"thu": [["09:00", "17:00"]], "fri": [["09:00", "17:00"]]},
                "special_hours": {"2025-12-25": [["10:00", "12:00"]], "2025-12-19": []},
                "closed_dates": ["2025-12-18"]})
    # Thu 18 closed, Fri 19 closed by an empty special list, Thu 25 a holiday with special
    # hours (explicit beats generic), Fri 26 a plain holiday
    assert cal.open_intervals(utc(2025, 12, 17), utc(2025, 12, 28)) == [
        (utc(2025, 12, 25, 10), utc(2025, 12, 25, 12))]


def test_overlapping_and_touching_shifts_merge(make) -> None:
    cal = make({"timezone": "UTC", "hours": {
        "mon": [["09:00", "12:00"], ["11:00", "13:00"], ["13:00", "14:00"], ["22:00", "24:00"]],
        "tue": [["00:00", "02:00"]]}})
    monday = utc(2025, 6, 2)
    assert cal.open_intervals(monday, monday + 48 * HOUR) == [
        (monday + 9 * HOUR, monday + 14 * HOUR), (monday + 22 * HOUR, monday + 26 * HOUR)]
    assert cal.next_close(monday + 10 * HOUR) == monday + 14 * HOUR
    assert cal.previous_close(monday + 26 * HOUR) == monday + 26 * HOUR
    assert cal.previous_close(monday + 20 * HOUR) == monday + 14 * HOUR


def test_add_lands_on_the_closing_time(make) -> None:
    # add returns the earliest instant: exactly 17:00 when the day's time is used up, not the
    # next opening (zendesk/biz and pandas would say next day 09:00)
    cal = make({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]],
                                            "tue": [["09:00", "17:00"]]}})
    monday = utc(2025, 6, 2)
    assert cal.add(monday, 8 * HOUR) == monday + 17 * HOUR
    assert cal.subtract(monday + 33 * HOUR, 0) == monday + 33 * HOUR
    assert cal.subtract(monday + 33 * HOUR, 8 * HOUR) == monday + 33 * HOUR - 24 * HOUR


def test_threads_share_a_calendar_safely() -> None:
    config = {"timezone": "Europe/London", "holidays": ENGLAND,
              "hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
    years = range(2020, 2036)
    spans = [(utc(y, 1, 1), utc(y + 1, 1, 1)) for y in years]
    expected = [BusinessCalendar.from_dict(config)._engine.elapsed(a, b) for a, b in spans]
    shared = BusinessCalendar.from_dict(config)  # fresh: every thread compiles lazily
    got: dict[int, int] = {}

    def work(i: int) -> None:
        got[i] = shared._engine.elapsed(*spans[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(spans))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [got[i] for i in range(len(spans))] == expected
    # and each year holds 8 h per England working day, as numpy's busday_count counts them
    for year, total in zip(years, expected, strict=True):
        bank = list(holidays.country_holidays("GB", subdiv="ENG", years=year))
        days = int(np.busday_count(f"{year}-01-01", f"{year + 1}-01-01", holidays=bank))
        assert total == 8 * HOUR * days, year

"""The calendar at the edges of what ``datetime`` can represent (years 1 and 9999)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from itsm_core import BusinessCalendar, NoBusinessTimeError

UTC = timezone.utc
WEEKDAYS = BusinessCalendar.from_dict({
    "timezone": "America/New_York",
    "hours": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": [{"country": "US", "subdivision": "NY"}],
})


def test_queries_work_in_year_one_and_year_9999():
    # the first days of year 1 in New York local mean time: some business time, no crash
    assert WEEKDAYS.elapsed(datetime(1, 1, 1, tzinfo=UTC),
                            datetime(1, 1, 6, tzinfo=UTC)) > timedelta(0)
    due = WEEKDAYS.add(datetime(9999, 12, 1, 14, tzinfo=UTC), timedelta(hours=1))
    assert due.astimezone(UTC) == datetime(9999, 12, 1, 15, tzinfo=UTC)


@pytest.mark.parametrize(("query", "edge"), [
    (lambda: WEEKDAYS.add(datetime(9999, 12, 30, tzinfo=UTC), timedelta(days=1)), "year 9999"),
    (lambda: WEEKDAYS.next_open(datetime(9999, 12, 31, 23, tzinfo=UTC)), "year 9999"),
    (lambda: WEEKDAYS.subtract(datetime(1, 1, 3, tzinfo=UTC), timedelta(days=1)), "year 1"),
    (lambda: WEEKDAYS.previous_close(datetime(1, 1, 1, 1, tzinfo=UTC)), "year 1"),
])
def test_a_search_past_the_representable_years_says_so(query, edge):
    with pytest.raises(NoBusinessTimeError, match=f"{edge}, the limit of what datetime"):
        query()

"""Recurrence: RRULE occurrences as intervals, against a plain full expansion of the rule."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given
from hypothesis import strategies as st

from itsm_core._config import read_at
from itsm_core._instant import to_us
from itsm_core.errors import ConfigError, NaiveDatetimeError
from itsm_core.intervals import IntervalSet
from itsm_core.recurrence import Recurrence

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
HOUR = 3_600_000_000


def us(*args: int, tz: ZoneInfo = UTC) -> int:
    return to_us(datetime(*args, tzinfo=tz), "t")  # type: ignore[misc]


def reference(rec: Recurrence, a: int, b: int) -> IntervalSet:
    """Expand the rule from its very first start, map every wall time with fold=0, clip."""
    zone = rec.start.tzinfo
    assert isinstance(zone, ZoneInfo)
    rule = rrulestr(rec.rule, dtstart=rec.start.replace(tzinfo=None))
    dur = rec.duration // timedelta(microseconds=1)
    pairs = []
    for wall in rule:
        start = to_us(wall.replace(tzinfo=zone), "w")
        if start - 2 * 86_400_000_000 >= b:
            break
        if start < b and start + dur > a:
            pairs.append((max(a, start), min(b, start + dur)))
    return IntervalSet.from_pairs(pairs)


class TestOccurrences:
    def test_weekly_saturday_night(self) -> None:
        rec = Recurrence.from_dict({"rrule": "FREQ=WEEKLY;BYDAY=SA", "start": "2025-01-04T22:00",
                                    "timezone": "Europe/London", "duration": "PT4H"})
        got = rec.occurrences(us(2025, 1, 1), us(2025, 1, 15))
        assert got.pairs() == ((us(2025, 1, 4, 22), us(2025, 1, 5, 2)),
                               (us(2025, 1, 11, 22), us(2025, 1, 12, 2)))

    def test_clipped_to_the_window(self) -> None:
        rec = Recurrence(rule="FREQ=DAILY", start=datetime(2025, 1, 1, 22, tzinfo=UTC),
                         duration=timedelta(hours=4))
        assert rec.occurrences(us(2025, 1, 2, 1), us(2025, 1, 2, 23)).pairs() == (
            (us(2025, 1, 2, 1), us(2025, 1, 2, 2)), (us(2025, 1, 2, 22), us(2025, 1, 2, 23)))

    def test_gap_start_moves_forward(self) -> None:
        # Europe/London springs forward at 01:00 GMT on 2025-03-30 (tzdata): 01:30 does not exist.
        rec = Recurrence(rule="FREQ=DAILY", start=datetime(2025, 3, 28, 1, 30, tzinfo=LONDON),
                         duration=timedelta(hours=1))
        got = rec.occurrences(us(2025, 3, 30), us(2025, 3, 31))
        assert got.pairs() == ((us(2025, 3, 30, 1, 30), us(2025, 3, 30, 2, 30)),)

    def test_ambiguous_start_takes_first_occurrence_and_duration_is_elapsed(self) -> None:
        # Europe/London falls back at 01:00 GMT on 2025-10-26: 01:30 happens twice.
        rec = Recurrence(rule="FREQ=DAILY", start=datetime(2025, 10, 20, 1, 30, tzinfo=LONDON),
                         duration=timedelta(hours=2))
        got = rec.occurrences(us(2025, 10, 26), us(2025, 10, 26, 12))
        assert got.pairs() == ((us(2025, 10, 26, 0, 30), us(2025, 10, 26, 2, 30)),)

    def test_utc_until_is_an_instant(self) -> None:
        # RFC 5545 §3.3.10: with a zoned DTSTART, UNTIL is given in UTC.
        rec = Recurrence(rule="FREQ=DAILY;UNTIL=20250702T210000Z",
                         start=datetime(2025, 7, 1, 22, tzinfo=LONDON), duration=timedelta(hours=1))
        # 22:00 BST = 21:00 UTC: the occurrences of 1 and 2 July, not 3 July.
        assert len(rec.occurrences(us(2025, 6, 1), us(2025, 8, 1))) == 2

    def test_old_start_and_fine_rule_expand_only_the_window(self) -> None:
        rec = Recurrence(rule="FREQ=MINUTELY;INTERVAL=7", start=datetime(1990, 1, 1, tzinfo=UTC),
                         duration=timedelta(minutes=1))
        a = us(2031, 5, 5)
        assert rec.occurrences(a, a + HOUR) == reference_minutely(a, a + HOUR)

    def test_empty_window(self) -> None:
        rec = Recurrence(rule="FREQ=DAILY", start=datetime(2025, 1, 1, tzinfo=UTC),
                         duration=timedelta(hours=1))
        assert not rec.occurrences(us(2025, 2, 1), us(2025, 2, 1))


def reference_minutely(a: int, b: int) -> IntervalSet:
    origin = us(1990, 1, 1)
    step, dur = 7 * 60_000_000, 60_000_000
    first = origin + ((a - dur - origin) // step) * step
    return IntervalSet.from_pairs(
        (max(a, s), min(b, s + dur)) for s in range(first, b, step) if s + dur > a)


RULES = st.sampled_from([
    "FREQ=DAILY", "FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;BYDAY=SA", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
    "FREQ=MONTHLY;BYDAY=1SU", "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=HOURLY;INTERVAL=5",
    "FREQ=DAILY;BYHOUR=8,20", "FREQ=WEEKLY;COUNT=5", "FREQ=DAILY;UNTIL=20250315T000000",
    "FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU",
])


@given(rule=RULES, zone=st.sampled_from([LONDON, UTC, ZoneInfo("America/New_York")]),
       start=st.datetimes(datetime(2024, 1, 1), datetime(2026, 1, 1)),
       minutes=st.integers(1, 3000), offset_h=st.integers(-500, 5000), width_h=st.integers(0, 900))
def test_matches_full_expansion(rule: str, zone: ZoneInfo, start: datetime, minutes: int,
                                offset_h: int, width_h: int) -> None:
    rec = Recurrence(rule=rule, start=start.replace(tzinfo=zone), duration=timedelta(minutes=minutes))
    a = to_us(start.replace(tzinfo=zone), "a") + offset_h * HOUR
    b = a + width_h * HOUR
    assert rec.occurrences(a, b) == reference(rec, a, b)


@given(rule=RULES, start=st.datetimes(datetime(2000, 1, 1), datetime(2030, 1, 1)),
       minutes=st.integers(1, 10_000))
def test_round_trip(rule: str, start: datetime, minutes: int) -> None:
    rec = Recurrence(rule=rule, start=start.replace(tzinfo=LONDON), duration=timedelta(minutes=minutes))
    assert Recurrence.from_dict(rec.to_dict()) == rec


class TestBadInput:
    @pytest.mark.parametrize(("data", "path"), [
        ({"rrule": "FREQ=NEVER", "start": "2025-01-01T00:00", "timezone": "UTC", "duration": "PT1H"}, "w.rrule"),
        ({"rrule": "", "start": "2025-01-01T00:00", "timezone": "UTC", "duration": "PT1H"}, "w.rrule"),
        ({"rrule": "FREQ=DAILY\nEXDATE:20250102T000000", "start": "2025-01-01T00:00",
          "timezone": "UTC", "duration": "PT1H"}, "w.rrule"),
        ({"rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "start": "2025-01-01T00:00",
          "timezone": "UTC", "duration": "PT1H"}, "w.rrule"),
        ({"rrule": "FREQ=DAILY;COUNT=1000000000", "start": "2025-01-01T00:00",
          "timezone": "UTC", "duration": "PT1H"}, "w.rrule"),
        ({"rrule": "FREQ=DAILY", "start": "2025-13-01T00:00", "timezone": "UTC", "duration": "PT1H"}, "w.start"),
        ({"rrule": "FREQ=DAILY", "start": "2025-01-01T00:00+01:00", "timezone": "UTC",
          "duration": "PT1H"}, "w.start"),
        ({"rrule": "FREQ=DAILY", "start": "2025-01-01T00:00", "timezone": "Nowhere/Land",
          "duration": "PT1H"}, "w.timezone"),
        ({"rrule": "FREQ=DAILY", "start": "2025-01-01T00:00", "timezone": "UTC", "duration": "PT0S"}, "w.duration"),
        ({"rrule": "FREQ=DAILY", "start": "2025-01-01T00:00", "timezone": "UTC", "duration": "1 hour"}, "w.duration"),
        ({"rrule": "FREQ=DAILY", "start": "2025-01-01T00:00", "timezone": "UTC"}, "w.duration"),
    ])
    def test_config_error_names_the_field(self, data: dict[str, str], path: str) -> None:
        with pytest.raises(ConfigError) as info:
            read_at("w", Recurrence.from_dict, data)
        assert info.value.path == path

    def test_naive_start(self) -> None:
        with pytest.raises(NaiveDatetimeError):
            Recurrence(rule="FREQ=DAILY", start=datetime(2025, 1, 1), duration=timedelta(hours=1))

    def test_fixed_offset_zone_refused(self) -> None:
        with pytest.raises(ConfigError) as info:
            Recurrence(rule="FREQ=DAILY", start=datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=2))),
                       duration=timedelta(hours=1))
        assert info.value.path == "start"

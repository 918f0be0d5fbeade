"""Timestamp parsing for exports: fast paths agree with strptime, zones, errors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core._instant import to_us
from itsm_core.cli.slashdates import DateKinds, SlashDates
from itsm_core.cli.timeparse import _SLASH, _parse_dmy, date_order, make_time_parser
from itsm_core.errors import InvalidArgumentError, NaiveDatetimeError

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc

minutes = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0))


def _dmy(d: datetime) -> str:
    return f"{d.day}/{d.month}/{d.year:04d} {d.hour:02d}:{d.minute:02d}"


class TestServiceNowForm:
    def test_golden_dataset_value(self) -> None:
        # the first row of the public "Incident management process enriched event log"
        parse = make_time_parser("%d/%m/%Y %H:%M", UTC)
        assert parse("29/2/2016 01:16") == datetime(2016, 2, 29, 1, 16, tzinfo=UTC)

    @given(minutes)
    def test_default_reads_day_first(self, d: datetime) -> None:
        assert make_time_parser(None, UTC)(_dmy(d)) == d.replace(tzinfo=UTC)

    @given(minutes)
    def test_explicit_format_round_trips(self, d: datetime) -> None:
        assert make_time_parser("%d/%m/%Y %H:%M", UTC)(_dmy(d)) == d.replace(tzinfo=UTC)

    @given(st.text(alphabet="0123456789/: T-", max_size=18))
    @pytest.mark.parametrize("fmt", ["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"])
    def test_fast_path_agrees_with_strptime(self, fmt: str, text: str) -> None:
        try:
            expected: datetime | None = datetime.strptime(text.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            expected = None
        try:
            got: datetime | None = make_time_parser(fmt, UTC)(text)
        except InvalidArgumentError:
            got = None
        assert got == expected

    @given(st.text(alphabet="0123456789/: T-+Z", max_size=22)
           | st.builds("{}/{}/{} {}:{:02d}".format, st.integers(0, 40), st.integers(0, 13),
                       st.integers(1990, 2030), st.integers(0, 25), st.integers(0, 61)))
    def test_default_is_iso_first_then_day_first(self, text: str) -> None:
        """The default reads exactly what ISO 8601, then the D/M/YYYY[ HH:MM[:SS]] form, would
        (it tries the second first when the text has a "/")."""
        try:
            expected: datetime | None = datetime.fromisoformat(text.strip())
        except ValueError:
            try:
                expected = _parse_dmy(text.strip())
            except ValueError:  # the form, with an impossible date
                expected = None
        if expected is not None and expected.tzinfo is None:
            expected = expected.replace(tzinfo=UTC)
        try:
            got: datetime | None = make_time_parser(None, UTC)(text)
        except InvalidArgumentError:
            got = None
        assert got == expected
        assert got is None or got.utcoffset() == expected.utcoffset()  # type: ignore[union-attr]

    def test_any_iso_separator_still_reads(self) -> None:
        parse = make_time_parser(None, UTC)
        assert parse("2016-02-29/01:16") == datetime(2016, 2, 29, 1, 16, tzinfo=UTC)

    def test_impossible_date_is_refused(self) -> None:
        with pytest.raises(InvalidArgumentError, match="30/2/2016 10:00"):
            make_time_parser("%d/%m/%Y %H:%M", UTC)("30/2/2016 10:00")


class TestIso:
    @given(st.datetimes(timezones=st.just(UTC)))
    def test_aware_iso_keeps_its_offset(self, d: datetime) -> None:
        got = make_time_parser(None, None)(d.isoformat())
        assert got == d
        assert got.utcoffset() == timedelta(0)

    def test_z_suffix(self) -> None:
        assert make_time_parser(None, None)("2016-07-01T09:00:00Z") == datetime(
            2016, 7, 1, 9, tzinfo=UTC)

    def test_offset_wins_over_tz(self) -> None:
        got = make_time_parser(None, LONDON)("2016-07-01T09:00:00+02:00")
        assert got == datetime(2016, 7, 1, 7, tzinfo=UTC)


class TestZones:
    def test_naive_without_tz_says_pass_tz(self) -> None:
        with pytest.raises(NaiveDatetimeError, match="--tz"):
            make_time_parser(None, None)("29/2/2016 01:16")

    def test_naive_is_local_time(self) -> None:
        got = make_time_parser(None, LONDON)("1/7/2016 09:00")
        assert got == datetime(2016, 7, 1, 8, tzinfo=UTC)  # BST = UTC+1

    def test_gap_moves_forward(self) -> None:
        # 27 March 2016 01:30 does not exist in London; fold=0 reads it with the
        # pre-transition offset, i.e. 01:30 UTC, which is 02:30 BST
        got = make_time_parser(None, LONDON)("27/3/2016 01:30")
        assert got.astimezone(UTC) == datetime(2016, 3, 27, 1, 30, tzinfo=UTC)

    def test_overlap_takes_first(self) -> None:
        # 30 October 2016 01:30 happens twice in London; the first is BST (00:30 UTC)
        got = make_time_parser(None, LONDON)("30/10/2016 01:30")
        assert got.astimezone(UTC) == datetime(2016, 10, 30, 0, 30, tzinfo=UTC)


class TestCache:
    def test_repeated_text_gives_the_same_answer(self) -> None:
        parse = make_time_parser(None, LONDON)
        assert parse("1/7/2016 09:00") == parse("1/7/2016 09:00")  # read from its parts
        assert parse.stamp("1/7/2016 09:00") == parse.stamp("1/7/2016 09:00")
        assert parse("2016-07-01T09:00") is parse("2016-07-01T09:00")  # kept

    def test_failure_is_not_cached_as_success(self) -> None:
        parse = make_time_parser(None, UTC)
        for _ in range(2):
            with pytest.raises(InvalidArgumentError, match="expected ISO 8601"):
                parse("?")


# texts near the slash form: both orders, 12- and 24-hour clocks, impossible fields, junk
slashy = (st.text(alphabet="0123456789/: APMapm", max_size=24)
          | st.builds("{}/{}/{:04d} {}:{:02d}{}{}".format, st.integers(0, 40),
                      st.integers(0, 40), st.integers(1, 2200), st.integers(0, 25),
                      st.integers(0, 61), st.sampled_from(["", ":00", ":59", ":60"]),
                      st.sampled_from(["", " AM", "PM", " pm", " XM"])))


def _whole(text: str, order: str) -> datetime | None:
    """The slash form read with the whole pattern at once (the reference)."""
    match = _SLASH.fullmatch(text)
    if match is None:
        return None
    first, second, year, hour, minute, sec, half = match.groups()
    day, month = (first, second) if order == "day-first" else (second, first)
    h = int(hour)
    if half is not None:  # 12 AM is midnight, 12 PM noon; 0 and 13+ are no 12-hour times
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if half.upper() == "PM" else 0)
    return datetime(int(year), int(month), int(day), h, int(minute), int(sec or 0), tzinfo=UTC)


class TestPartByPart:
    """Reading a slash date part by part (SlashDates) gives what the whole pattern does."""

    @given(slashy, st.sampled_from(["day-first", "month-first"]))
    def test_parts_agree_with_the_whole_pattern(self, text: str, order: str) -> None:
        match = _SLASH.fullmatch(text)
        try:
            got = SlashDates(order, UTC).read(text)
        except ValueError:
            got = "impossible"
        if match is None:
            assert got is None
            return
        try:
            expected = _whole(text, order)
        except ValueError:
            expected = None
        if expected is None:
            assert got == "impossible"
        else:
            assert got != "impossible" and got is not None
            assert got[0] == expected

    @given(st.one_of(slashy, st.datetimes(min_value=datetime(1, 1, 2),
                                          max_value=datetime(9999, 12, 30)).map(str)),
           st.sampled_from(["day-first", "month-first"]))
    def test_stamp_is_the_instant_of_the_time(self, text: str, order: str) -> None:
        """The µs a parser gives with a time is that time's instant (the slash form's
        comes from its wall-clock reading and the zone's offset, across DST)."""
        parse = make_time_parser(None, LONDON, order=order)
        try:
            value, us = parse.stamp(text)
        except InvalidArgumentError:
            return
        assert us == to_us(value, "at")
        assert parse(text) == value


@given(st.one_of(slashy, st.text(max_size=24), slashy.map(lambda t: f" {t}\u00a0")))
def test_date_kinds_agree_with_date_order(text: str) -> None:
    """The kinds a column's texts are sorted by, read part by part, are date_order's."""
    kinds = DateKinds()
    assert kinds[text] == date_order(text)
    assert kinds[text] == date_order(text)  # kept


@given(st.one_of(slashy, st.datetimes(min_value=datetime(1, 1, 2),
                                      max_value=datetime(9999, 12, 30)).map(str),
                 # the hours around changes of offset (London's on the hour, Lord Howe's
                 # of 30 minutes at 02:00 on 2 October 2016 and 3 April 2016), minute by minute
                 st.builds("{}/{}/{} {:02d}:{:02d}".format, st.sampled_from([27, 30, 2, 3]),
                           st.sampled_from([3, 4, 10]), st.sampled_from([2016, 2021]),
                           st.integers(0, 3), st.integers(0, 59))),
       st.sampled_from(["day-first", "month-first"]),
       st.sampled_from([LONDON, ZoneInfo("Australia/Lord_Howe")]))
def test_instant_is_the_stamps(text: str, order: str, zone: ZoneInfo) -> None:
    """The instant read without the datetime (hour by hour offsets) is stamp's, or the
    same error."""
    parse = make_time_parser(None, zone, order=order)
    try:
        expected: object = parse.stamp(text)[1]
    except InvalidArgumentError as exc:
        expected = str(exc)
    try:
        got: object = make_time_parser(None, zone, order=order).instant(text)
    except InvalidArgumentError as exc:
        got = str(exc)
    assert got == expected


@pytest.mark.parametrize(("zone", "day"), [("Europe/London", "27/3/2016"),
                                          ("Europe/London", "30/10/2016"),
                                          ("Australia/Lord_Howe", "2/10/2016"),
                                          ("Australia/Lord_Howe", "3/4/2016")])
def test_instant_through_a_change_of_offset(zone: str, day: str) -> None:
    """Every minute of the hours around a change of offset (Lord Howe's is 30 minutes,
    within an hour): the instant read hour by hour is the stamp's."""
    tz = ZoneInfo(zone)
    for minute in range(4 * 60):
        text = f"{day} {minute // 60:02d}:{minute % 60:02d}"
        assert make_time_parser(None, tz).instant(text) == \
            make_time_parser(None, tz).stamp(text)[1], text

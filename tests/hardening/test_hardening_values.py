"""Hardening of value parsing: bounded work and an ItsmError for every bad number, duration,
instant, zone or odd value (docs/limits.md, "Values")."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core._instant import (
    MAX_DURATION_TEXT,
    format_duration,
    instant,
    load_zone,
    parse_duration,
    parse_instant,
    td,
    to_us,
)
from itsm_core.availability import CalendarWindow, Outage, Slo
from itsm_core.availability.alerts import AlertPolicy
from itsm_core.availability.downtime import humanize_duration
from itsm_core.change.approval import ApprovalPolicy
from itsm_core.change.levels import RiskLevel
from itsm_core.change.request import ChangeRequest
from itsm_core.cli.app import main
from itsm_core.cli.timeparse import make_time_parser
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    ItsmError,
    UnknownNameError,
    shown,
)
from itsm_core.integrations._frames import instants_us, zone_of
from itsm_core.intervals import IntervalSet
from itsm_core.problem import MatchWeights
from itsm_core.problem.records import Incident
from itsm_core.problem.similarity import similar_incidents
from itsm_core.ratios import MAX_DIGITS, MAX_TEXT_LENGTH, parse_number, parse_ratio, ratio_text
from itsm_core.sla.events import TicketEvent

BOUND_S = 2.0  # "does not hang": the unbounded forms took minutes (or ran out of memory)
UTC = timezone.utc
T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)


def _raises_quickly(exc: type[BaseException], call: Any, *args: Any, **kwargs: Any) -> Any:
    start = time.perf_counter()
    with pytest.raises(exc) as info:
        call(*args, **kwargs)
    assert time.perf_counter() - start < BOUND_S
    return info.value


class TestNumberLimits:
    @pytest.mark.parametrize("value", [
        "1e-10000000", "1e10000000", "1e+0000000000000000000000000000000099999999",
        "99.9e-10000000%", Decimal("1e-10000000"), Decimal("1e10000000"),
    ], ids=lambda value: type(value).__name__)
    def test_huge_exponents_are_refused_quickly(self, value: object) -> None:
        err = _raises_quickly(ConfigError, parse_number, value, "weights.a", percent=True)
        assert err.path == "weights.a"
        assert "exponent" in err.problem
        assert str(MAX_DIGITS) in (err.expected or "")

    @pytest.mark.parametrize("value", [
        "9" * 5000, "1" * 4301, "0." + "1" * 5000, "1/" + "3" * 5000, "x" + " " * 100_000 + "%",
        10**5000, -(10**5000), Fraction(1, 10**5000), Fraction(10**5000, 3),
        Decimal("9" * 5000), Fraction(1, 10**400),
    ], ids=lambda value: type(value).__name__)
    def test_too_many_digits_are_refused_quickly(self, value: object) -> None:
        err = _raises_quickly(ConfigError, parse_number, value, "weights.a", percent=True)
        assert err.path == "weights.a"
        assert len(str(err)) < 600  # the value is shown bounded

    def test_slo_target_from_untrusted_text(self) -> None:
        err = _raises_quickly(ConfigError, Slo.from_dict,
                              {"target": "1e-10000000", "window": {"rolling": "P30D"}})
        assert err.path == "slo.target"

    @pytest.mark.parametrize("value", ["NaN", "1/0", "inf", "-1", "1e-10000000"])
    def test_match_weights_refuse_with_itsm_error(self, value: str) -> None:
        err = _raises_quickly(ConfigError, MatchWeights, text=value)
        assert err.path == "weights.text"

    def test_limits_are_exact_at_the_edge(self) -> None:
        edge = 10**MAX_DIGITS - 1
        assert parse_number(edge, "n") == edge
        assert parse_number(str(edge), "n") == edge
        assert parse_number(f"1/{edge}", "n") == Fraction(1, edge)
        assert parse_number(f"1e-{MAX_DIGITS - 1}", "n") == Fraction(1, 10 ** (MAX_DIGITS - 1))
        for beyond in (edge + 1, Fraction(1, edge + 1), f"1e{MAX_DIGITS}", f"1e-{MAX_DIGITS}"):
            with pytest.raises(ConfigError, match="more than"):
                parse_number(beyond, "n")

    def test_zero_with_any_exponent_is_zero(self) -> None:
        assert parse_number("0e-10000000", "n") == 0
        assert parse_number(Decimal("0E-10000000"), "n") == 0

    def test_trailing_zeros_do_not_count(self) -> None:
        assert parse_number(Decimal("1." + "0" * 1000), "n") == 1
        assert parse_number("1." + "0" * (MAX_TEXT_LENGTH - 2), "n") == 1

    @given(st.floats(allow_nan=False, allow_infinity=False))
    def test_every_finite_float_is_within_the_limits(self, value: float) -> None:
        assert parse_number(value, "n") == Fraction(repr(value))

    @given(st.fractions(min_value=0, max_value=1))
    def test_ratio_text_round_trips_within_the_limits(self, value: Fraction) -> None:
        assert parse_ratio(ratio_text(value), "t") == value

    @given(st.one_of(
        st.integers(), st.fractions(), st.decimals(), st.floats(),
        st.text(alphabet="0123456789eE+-./% ", max_size=40),
    ))
    def test_only_config_errors_and_always_within_limits(self, value: object) -> None:
        try:
            result = parse_number(value, "n", percent=True)
        except ConfigError:
            return
        assert abs(result.numerator) < 10**MAX_DIGITS
        assert result.denominator < 10**MAX_DIGITS


class TestDurationLimits:
    @pytest.mark.parametrize("text", ["P99999999999D", "-P99999999999D", "PT99999999999999999999H",
                                      "P1000000000D"])
    def test_beyond_timedelta_is_a_config_error(self, text: str) -> None:
        err = _raises_quickly(ConfigError, parse_duration, text, "targets.high",
                              allow_negative=True)
        assert err.path == "targets.high"
        assert "too long a duration" in err.problem

    @pytest.mark.parametrize("text", ["P" + "9" * 5000 + "D", "PT0." + "1" * 5000 + "S",
                                      "P" + "1" * (MAX_DURATION_TEXT + 1) + "D"],
                             ids=["days", "fraction", "just-too-long"])
    def test_long_digit_strings_are_a_config_error(self, text: str) -> None:
        err = _raises_quickly(ConfigError, parse_duration, text, "targets.high")
        assert err.path == "targets.high"
        assert len(str(err)) < 600

    def test_the_edges_of_timedelta_are_read(self) -> None:
        assert parse_duration("P999999999D", "d") == timedelta(days=999_999_999)
        assert parse_duration(format_duration(timedelta.max), "d") == timedelta.max
        assert parse_duration(format_duration(timedelta.min), "d",
                              allow_negative=True) == timedelta.min

    def test_td_beyond_range_is_an_itsm_error(self) -> None:
        with pytest.raises(InvalidArgumentError):
            td(10**30)
        with pytest.raises(InvalidArgumentError):
            td(10**5000)

    @pytest.mark.parametrize("text", ["2025-01-01T00:00:00+00:00" + "0" * 5000,
                                      "9" * 5000, "2025-13-01T00:00:00+00:00"],
                             ids=["trailing", "digits", "month-13"])
    def test_instants_raise_config_errors(self, text: str) -> None:
        err = _raises_quickly(ConfigError, parse_instant, text, "changes[0].start")
        assert err.path == "changes[0].start"
        assert len(str(err)) < 600


class TestMessagesNeverCrash:
    def test_huge_and_deep_values_are_shown_bounded(self) -> None:
        deep: object = 1
        for _ in range(3000):
            deep = [deep]
        for value in (10**5000, deep):
            for call in (lambda v: parse_instant(v, "t"), lambda v: parse_duration(v, "t"),
                         lambda v: load_zone(v, "tz"), lambda v: parse_number(v, "n")):
                with pytest.raises(ConfigError) as info:
                    call(value)
                assert len(str(info.value)) < 600
        with pytest.raises(ArgumentTypeError):
            to_us(10**5000, "at")
        with pytest.raises(ConfigError):
            CalendarWindow(unit=deep, timezone="UTC")  # type: ignore[arg-type]

    def test_similarity_arguments(self) -> None:
        incident = Incident(id="N", opened_at=T0, text="vpn")
        for bad in (-(10**5000), "1", [[[[[[1]]]]]]):
            with pytest.raises(InvalidArgumentError, match="k: ") as info:
                similar_incidents(incident, [], k=bad)  # type: ignore[arg-type]
            assert len(str(info.value)) < 200
        with pytest.raises(InvalidArgumentError, match="min_score: "):
            similar_incidents(incident, [], min_score=10**5000)

    def test_time_parser_shows_cells_bounded(self) -> None:
        with pytest.raises(InvalidArgumentError) as info:
            make_time_parser(None, None)("x" * 100_000)
        assert len(str(info.value)) < 400

    def test_alert_names_must_be_text(self) -> None:
        data = AlertPolicy.workbook().to_dict()
        data["rules"][0]["name"] = 10**5000
        err = _raises_quickly(ConfigError, AlertPolicy.from_dict, data)
        assert err.path == "alerts.rules[0].name"

    def test_describe_a_burn_rate_beyond_floats(self) -> None:
        data = AlertPolicy.workbook().to_dict()
        data["rules"][0]["burn_rate"] = str(10**320)
        line = AlertPolicy.from_dict(data).describe()[0]
        assert "burn rate > 1.00e+320 over" in line

    def test_humanize_significant_is_bounded(self) -> None:
        _raises_quickly(InvalidArgumentError, humanize_duration, timedelta(hours=1), 10**9)
        with pytest.raises(ArgumentTypeError):
            humanize_duration(timedelta(hours=1), "3")  # type: ignore[arg-type]
        assert humanize_duration(timedelta(hours=1), 30) == "1 hour"


class TestZones:
    @pytest.mark.parametrize("name", ["Europe", "", ".", "..", "/etc/passwd", "Europe/../UTC",
                                      "a" * 10_000, "UTC\x00", 5, None],
                             ids=lambda value: shown(value, 12))
    def test_calendar_window_refuses_with_config_error(self, name: object) -> None:
        with pytest.raises(ConfigError) as info:
            CalendarWindow(unit="month", timezone=name)  # type: ignore[arg-type]
        assert info.value.path == "window.timezone"

    def test_calendar_window_from_dict(self) -> None:
        with pytest.raises(ConfigError) as info:
            Slo.from_dict({"target": "99%", "window": {"calendar": "month",
                                                       "timezone": "Europe"}})
        assert "window.timezone" in str(info.value)

    def test_frames_zone_is_an_argument_error(self) -> None:
        with pytest.raises(InvalidArgumentError, match="tz: unknown time zone 'Europe'"):
            zone_of("Europe")

    @pytest.mark.parametrize("name", ["Europe", "Mars/Olympus", "../etc", "a" * 10_000])
    def test_cli_tz(self, name: str, tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
        policy = tmp_path / "policy.json"
        policy.write_text(json.dumps({"definitions": [
            {"name": "fix", "targets": "PT4H", "stop": {"state_in": ["Resolved"]}}]}))
        events = tmp_path / "events.csv"
        events.write_text("ticket,at,state\nINC1,2025-01-06 09:00,New\n")
        code = main(["sla-report", str(events), "--policy", str(policy), "--tz", name])
        err = capsys.readouterr().err
        assert code == 2
        assert "--tz: unknown time zone" in err
        assert "an IANA name such as Europe/London or UTC" in err
        assert len(err) < 400


class TestOddValues:
    def test_approval_level_as_int(self) -> None:
        policy = ApprovalPolicy.from_dict({
            "normal": {"authority": "cab", "lead_time": "P2D"},
            "emergency": {"authority": "emergency_cab", "lead_time": "PT0S"}})
        with pytest.raises(UnknownNameError) as info:
            policy.requirement("normal", 3)  # type: ignore[arg-type]
        assert info.value.what == "level"
        assert policy.requirement("normal", "high") == policy.requirement("normal", RiskLevel.HIGH)

    def test_approval_incomplete_matrix(self) -> None:
        with pytest.raises(InvalidArgumentError, match="no cell for normal x low"):
            ApprovalPolicy(()).requirement("normal", RiskLevel.LOW)

    @pytest.mark.parametrize("pairs", [[True], [None], [(1, 2, 3)], [(True, 2)], [("a", "b")],
                                       [(1.5, 2)], [(1, None)], [1]])
    def test_interval_pairs_must_be_integer_pairs(self, pairs: list[Any]) -> None:
        with pytest.raises(ArgumentTypeError, match=r"intervals\[0\]"):
            IntervalSet.from_pairs(pairs)

    def test_union_of_diagnoses_odd_values(self) -> None:
        with pytest.raises(ArgumentTypeError):
            IntervalSet.union_of([0, "x"], [1, 2])  # type: ignore[list-item]

    @given(st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50))))
    def test_from_pairs_accepts_int_subclasses_like_ints(self,
                                                         pairs: list[tuple[int, int]]) -> None:
        class Int(int):
            pass

        wrapped = [(Int(a), Int(b)) for a, b in pairs]
        try:
            expected = IntervalSet.from_pairs(pairs)
        except InvalidArgumentError:
            with pytest.raises(InvalidArgumentError):
                IntervalSet.from_pairs(wrapped)
            return
        assert IntervalSet.from_pairs(wrapped) == expected


NS_STAMPS = [
    pd.Timestamp("2025-03-03T09:00:00.123456789+00:00"),
    pd.Timestamp("1960-01-01T00:00:00.000000999+00:00"),  # before the epoch
    # 01:30 GMT on the night clocks go back: the second 01:30 in London (fold=1)
    pd.Timestamp("2025-10-26T01:30:00.000000001+00:00").tz_convert("Europe/London"),
]


class TestSubMicrosecond:
    @pytest.mark.parametrize("stamp", NS_STAMPS)
    def test_truncated_toward_the_past_everywhere(self, stamp: pd.Timestamp) -> None:
        exact_ns = stamp.value
        floor_us = exact_ns // 1000  # toward the past, also before the epoch
        assert to_us(stamp, "at") == floor_us
        plain = instant(stamp, "at")
        assert type(plain) is datetime
        assert (plain.fold, plain.utcoffset()) == (stamp.fold, stamp.utcoffset())
        assert to_us(plain, "at") == floor_us
        assert parse_instant(stamp, "at") == plain
        assert type(parse_instant(stamp, "at")) is datetime
        assert to_us(parse_instant(stamp.isoformat(), "at"), "at") == floor_us
        assert instants_us(pd.Series([stamp])) == [floor_us]
        assert instants_us(pd.Series([stamp.isoformat()])) == [floor_us]

    @given(st.integers(-(2**62), 2**62))
    def test_to_us_is_the_floor_of_nanoseconds(self, ns: int) -> None:
        stamp = pd.Timestamp(ns, tz="UTC")
        assert to_us(stamp, "at") == ns // 1000 == to_us(instant(stamp, "at"), "at")
        assert to_us(parse_instant(stamp.isoformat(), "at"), "at") == ns // 1000

    def test_instant_keeps_plain_datetimes(self) -> None:
        assert instant(T0, "at") is T0
        with pytest.raises(ItsmError):
            instant(datetime(2025, 1, 1), "at")  # naive
        with pytest.raises(ArgumentTypeError):
            instant("2025-01-01", "at")

    @pytest.mark.parametrize("stamp", [
        *NS_STAMPS[:2], pd.Timestamp("2025-07-01T09:00:00.999999999", tz="Europe/London")])
    def test_values_built_from_ns_timestamps_round_trip(self, stamp: pd.Timestamp) -> None:
        later = stamp + pd.Timedelta(hours=1)
        outage = Outage.from_dict({"start": stamp, "end": later, "impact": "50%",
                                   "kind": "degraded"})
        assert Outage.from_dict(outage.to_dict()) == outage
        change = ChangeRequest.from_dict({"id": "C1", "type": "normal", "cis": ["db"],
                                          "start": stamp, "end": later,
                                          "requested_at": stamp})
        assert ChangeRequest.from_dict(change.to_dict()) == change
        event = TicketEvent(stamp, "New")
        assert TicketEvent.from_dict(event.to_dict()) == event


def test_values_built_from_nanosecond_timestamps_round_trip() -> None:
    # the library's resolution is the microsecond: nanoseconds are dropped (toward the past)
    # when the value is built, so what to_dict writes reads back equal
    start = pd.Timestamp("2025-01-06T09:00:00.000001999+00:00")
    end = pd.Timestamp("2025-01-06T10:00:00.000000001+00:00")
    outage = Outage(start, end)
    assert Outage.from_dict(outage.to_dict()) == outage
    assert outage.start == datetime(2025, 1, 6, 9, 0, 0, 1, tzinfo=timezone.utc)
    change = ChangeRequest(id="C1", type="normal", cis=("db",), start=start, end=end,
                           requested_at=start)
    assert ChangeRequest.from_dict(change.to_dict()) == change

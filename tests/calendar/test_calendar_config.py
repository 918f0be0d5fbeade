"""Bad input: every kind raises an ItsmError subclass naming the field path and expected form.

Also: a calendar with no open time raises ``NoBusinessTimeError`` instead of hanging, and
arbitrary junk given to ``from_dict`` (built by hypothesis, or a valid config mutated at a
random spot) raises nothing but ``ItsmError`` subclasses.
"""

from __future__ import annotations

import contextlib
import copy
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_calendar import Scenario, scenarios

from itsm_core import (
    ArgumentTypeError,
    BusinessCalendar,
    ConfigError,
    InvalidArgumentError,
    ItsmError,
    NaiveDatetimeError,
    NoBusinessTimeError,
)

VALID: dict[str, Any] = {
    "timezone": "Europe/London",
    "hours": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "12:00"], ["13:00", "17:00"]],
              "fri": [["22:00", "06:00"]]},
    "holidays": [{"country": "GB", "subdivision": "ENG"}],
    "closed_dates": ["2025-08-01"],
    "special_hours": {"2025-12-24": [["09:00", "13:00"]]},
}
AWARE = datetime(2025, 6, 2, 10, tzinfo=timezone.utc)
NAIVE = datetime(2025, 6, 2, 10)


def with_change(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    config = copy.deepcopy(VALID)
    node = config
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return config


def rejected(config: Any, path_pattern: str) -> ConfigError:
    with pytest.raises(ConfigError, match=path_pattern) as info:
        BusinessCalendar.from_dict(config)
    assert "expected" in str(info.value)  # shows the expected form
    return info.value


class TestConfigErrors:
    def test_the_valid_example_builds(self) -> None:
        BusinessCalendar.from_dict(VALID)

    @pytest.mark.parametrize("zone", ["Mars/Olympus", "", "europe/london ", "GMT+25"])
    def test_unknown_time_zone(self, zone: str) -> None:
        rejected(with_change(("timezone",), zone), r"timezone")

    def test_missing_time_zone(self) -> None:
        config = copy.deepcopy(VALID)
        del config["timezone"]
        rejected(config, r"timezone")

    @pytest.mark.parametrize("spec", [{"country": "XX"}, {"country": "GB", "subdivision": "XYZ"},
                                      {"country": "GB", "categories": ["nonsense"]},
                                      {"country": 44}, {}])
    def test_unknown_country_subdivision_or_category(self, spec: dict[str, Any]) -> None:
        rejected(with_change(("holidays",), [{"country": "FR"}, spec]), r"holidays\[1\]")

    @pytest.mark.parametrize("bad", ["9:00", "25:00", "09:60", "ab:cd", "0900", "24:01",
                                     "12:00:60", 900, None, ["09", "00"]])
    def test_malformed_time(self, bad: Any) -> None:
        rejected(with_change(("hours", "tue", 1), ["13:00", bad]), r"hours\.tue\[1\]")
        rejected(with_change(("hours", "tue", 1), [bad, "17:00"]), r"hours\.tue\[1\]")

    def test_start_equal_to_end(self) -> None:
        rejected(with_change(("hours", "tue", 1), ["13:00", "13:00"]), r"hours\.tue\[1\]")

    def test_24_00_only_as_an_end(self) -> None:
        rejected(with_change(("hours", "tue", 1), ["24:00", "06:00"]), r"hours\.tue\[1\]")

    @pytest.mark.parametrize("bad", [["09:00"], ["09:00", "10:00", "11:00"], "09:00-17:00",
                                     {"start": "09:00", "end": "17:00"}])
    def test_shift_not_a_pair(self, bad: Any) -> None:
        rejected(with_change(("hours", "tue", 1), bad), r"hours\.tue\[1\]")

    def test_overlapping_special_hours(self) -> None:
        rejected(with_change(("special_hours", "2025-12-24"),
                             [["09:00", "13:00"], ["12:00", "14:00"]]), r"special_hours")

    @pytest.mark.parametrize(("path", "value", "pattern"), [
        (("hours",), [["09:00", "17:00"]], r"hours"),
        (("hours",), {"monday": [["09:00", "17:00"]]}, r"monday"),
        (("hours", "mon"), ["09:00", "17:00"], r"hours\.mon"),
        (("closed_dates",), "2025-08-01", r"closed_dates"),
        (("closed_dates",), ["2025-02-30"], r"closed_dates\[0\]"),
        (("closed_dates",), ["01/08/2025"], r"closed_dates\[0\]"),
        (("special_hours",), {"tomorrow": []}, r"special_hours"),
        (("special_hours",), [["2025-12-24", []]], r"special_hours"),
        (("holidays",), {"country": "GB"}, r"holidays"),
        (("timezone",), 0, r"timezone"),
    ])
    def test_wrong_types_and_forms(self, path: tuple[Any, ...], value: Any,
                                   pattern: str) -> None:
        rejected(with_change(path, value), pattern)

    @pytest.mark.parametrize("where", [(), ("holidays", 0)])
    def test_unknown_keys(self, where: tuple[Any, ...]) -> None:
        config = copy.deepcopy(VALID)
        node: Any = config
        for key in where:
            node = node[key]
        node["hourz"] = 1
        rejected(config, r"hourz")

    @pytest.mark.parametrize("junk", [None, [], "Europe/London", 3, [("timezone", "UTC")]])
    def test_not_a_mapping(self, junk: Any) -> None:
        with pytest.raises(ConfigError):
            BusinessCalendar.from_dict(junk)


class TestCallErrors:
    cal = BusinessCalendar.from_dict(VALID)

    @pytest.mark.parametrize(("call", "name"), [
        (lambda c: c.is_open(NAIVE), "t"),
        (lambda c: c.elapsed(AWARE, NAIVE), "b"),
        (lambda c: c.elapsed(NAIVE, AWARE), "a"),
        (lambda c: c.add(NAIVE, timedelta(hours=1)), "t"),
        (lambda c: c.subtract(NAIVE, timedelta(hours=1)), "t"),
        (lambda c: c.next_open(NAIVE), "t"),
        (lambda c: c.next_close(NAIVE), "t"),
        (lambda c: c.previous_close(NAIVE), "t"),
        (lambda c: c.open_intervals(AWARE, NAIVE), "b"),
    ])
    def test_naive_datetimes_name_the_argument(self, call: Any, name: str) -> None:
        with pytest.raises(NaiveDatetimeError, match=rf"\b{name}\b"):
            call(self.cal)

    @pytest.mark.parametrize("call", [
        lambda c: c.add(AWARE, timedelta(hours=-1)),
        lambda c: c.subtract(AWARE, timedelta(microseconds=-1)),
    ])
    def test_negative_durations(self, call: Any) -> None:
        with pytest.raises(InvalidArgumentError):
            call(self.cal)

    @pytest.mark.parametrize("call", [
        lambda c: c.is_open("2025-06-02T10:00Z"),
        lambda c: c.add(AWARE, 3600),
        lambda c: c.elapsed(AWARE, date(2025, 6, 3)),
        lambda c: c.next_open(None),
    ])
    def test_wrong_argument_types(self, call: Any) -> None:
        with pytest.raises(ArgumentTypeError):
            call(self.cal)


class TestNoBusinessTime:
    @pytest.mark.parametrize("hours", [{}, {"mon": [], "sun": []}])
    def test_no_open_time_raises_instead_of_hanging(self, hours: dict[str, Any]) -> None:
        cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": hours})
        assert not cal.is_open(AWARE)
        assert cal.elapsed(AWARE, AWARE + timedelta(days=400)) == timedelta(0)
        assert cal.add(AWARE, timedelta(0)) == AWARE
        for call in (lambda: cal.add(AWARE, timedelta(hours=1)),
                     lambda: cal.subtract(AWARE, timedelta(hours=1)),
                     lambda: cal.next_open(AWARE), lambda: cal.next_close(AWARE),
                     lambda: cal.previous_close(AWARE)):
            with pytest.raises(NoBusinessTimeError, match="horizon"):
                call()

    def test_a_year_closed_by_special_hours_still_works_after(self) -> None:
        closed_2025 = {(date(2025, 1, 1) + timedelta(days=i)).isoformat(): []
                       for i in range(365)}
        weekdays = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
        cal = BusinessCalendar.from_dict({"timezone": "Europe/London", "hours": weekdays,
                                          "special_hours": closed_2025})
        start = datetime(2025, 6, 2, 10, tzinfo=timezone.utc)
        # 2026-01-01 is a Thursday; no holidays configured; London is on GMT in January
        assert cal.next_open(start) == datetime(2026, 1, 1, 9, tzinfo=timezone.utc)
        assert cal.add(start, timedelta(hours=1)) == datetime(2026, 1, 1, 10, tzinfo=timezone.utc)
        assert cal.previous_close(datetime(2026, 1, 1, 9, tzinfo=timezone.utc)) == datetime(
            2024, 12, 31, 17, tzinfo=timezone.utc)


# -- junk -----------------------------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=8),
                    st.sampled_from(["09:00", "24:00", "22:00", "mon", "UTC", "Europe/London",
                                     "GB", "ENG", "2025-12-24", "timezone", "hours"]))
junk = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=6),
                              st.sampled_from(["timezone", "hours", "holidays", "closed_dates",
                                               "special_hours", "mon", "country", "subdivision",
                                               "categories", "2025-12-24"]),
                              st.integers()), inner, max_size=4)), max_leaves=12)


def only_itsm_errors(config: Any) -> None:
    with contextlib.suppress(ItsmError):
        BusinessCalendar.from_dict(config)


@given(junk)
def test_arbitrary_junk_raises_only_itsm_errors(config: Any) -> None:
    only_itsm_errors(config)
    only_itsm_errors({"timezone": "UTC", "hours": config})
    only_itsm_errors({"timezone": "UTC", "hours": {"mon": config}})


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += paths(value, (*prefix, index))
    return out


@given(scenarios(), junk, st.data())
def test_mutated_valid_configs_raise_only_itsm_errors(scenario: Scenario, replacement: Any,
                                                      data: st.DataObject) -> None:
    config = copy.deepcopy(scenario.config)
    where = data.draw(st.sampled_from(paths(config)))
    node: Any = config
    for key in where[:-1]:
        node = node[key]
    if data.draw(st.booleans()):
        node[where[-1]] = replacement
    else:
        del node[where[-1]]
    only_itsm_errors(config)

"""KpiSettings: from_dict / to_dict round trip, defaults, and errors naming the path."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, UnknownNameError
from itsm_core.ratios import report_percent
from itsm_core.service._render import kpi_cells
from itsm_core.service.kpi_report import KpiReport, KpiRow
from itsm_core.service.kpi_settings import DEFAULT_BUCKETS, KpiSettings

LONDON = {"timezone": "Europe/London", "hours": {"mon": [["09:00", "17:00"]]}}


@pytest.mark.parametrize("data", [
    {},
    {"acknowledged": {"kind_in": ["agent_reply"]}, "resolved": {"state_in": ["Resolved"]},
     "reopened": {"changed": "state", "from": ["Resolved"]}, "calendar": LONDON,
     "group_field": "assignment_group", "buckets": ["PT4H", "P1DT0.5S"]},
    {"buckets": []},
])
def test_round_trip(data: dict[str, object]) -> None:
    settings = KpiSettings.from_dict(data)
    assert KpiSettings.from_dict(settings.to_dict()) == settings


def test_named_calendar_is_written_back_as_its_name() -> None:
    london = BusinessCalendar.from_dict(LONDON)
    settings = KpiSettings.from_dict({"calendar": "london"}, calendars={"london": london})
    assert settings.calendar == london
    assert settings.to_dict()["calendar"] == "london"
    assert KpiSettings.from_dict(settings.to_dict(), calendars={"london": london}) == settings


def test_defaults() -> None:
    settings = KpiSettings.from_dict({})
    assert settings == KpiSettings()
    assert settings.buckets == DEFAULT_BUCKETS
    assert settings.calendar == BusinessCalendar.always_open("UTC")
    assert "calendar" not in settings.to_dict()


@pytest.mark.parametrize(("data", "path"), [
    ({"resolvd": True}, "resolvd"),
    ({"resolved": {"state": ["Resolved"]}}, "resolved"),
    ({"reopened": {"any": [{"not": {"kind_in": [1]}}]}}, "reopened.any[0].not.kind_in"),
    ({"calendar": {"timezone": "Mars/Base"}}, "calendar"),
    ({"group_field": ""}, "group_field"),
    ({"buckets": "P1D"}, "buckets"),
    ({"buckets": ["P1D", "P1M"]}, "buckets[1]"),
    ({"buckets": ["PT0S"]}, "buckets[0]"),
    ({"buckets": ["P2D", "P2D"]}, "buckets[1]"),
    ([1], ""),
])
def test_config_errors_name_the_path(data: object, path: str) -> None:
    with pytest.raises(ConfigError) as info:
        KpiSettings.from_dict(data)
    assert info.value.path.startswith(path)


def test_unknown_calendar_name() -> None:
    with pytest.raises(UnknownNameError, match="calendar: unknown name 'uk'; expected one of 'london'"):
        KpiSettings.from_dict({"calendar": "uk"},
                              calendars={"london": BusinessCalendar.from_dict(LONDON)})


def test_deep_or_huge_values_are_refused_cleanly() -> None:
    deep: object = True
    for _ in range(100):
        deep = {"not": deep}
    with pytest.raises(ConfigError, match="nested more than 40"):
        KpiSettings.from_dict({"resolved": deep})
    with pytest.raises(ConfigError, match="group_field"):
        KpiSettings.from_dict({"group_field": 10 ** 5000})


def test_constructor_arguments() -> None:
    with pytest.raises(InvalidArgumentError, match=r"buckets\[1\]"):
        KpiSettings(buckets=(timedelta(days=2), timedelta(days=1)))
    with pytest.raises(ArgumentTypeError, match="buckets"):
        KpiSettings(buckets="P1D")
    with pytest.raises(ArgumentTypeError, match=r"buckets\[0\]"):
        KpiSettings(buckets=("P1D",))
    with pytest.raises(ArgumentTypeError, match="group_field"):
        KpiSettings(group_field="")
    with pytest.raises(TypeError):
        KpiSettings(calendar="london")  # type: ignore[arg-type]


def test_report_text_and_data() -> None:
    report = KpiReport(by=("group",), period="month", buckets=(timedelta(days=1),), rows=(
        KpiRow(group=("DB",), period="2025-03", acknowledged=2, mtta=timedelta(minutes=30),
               mtta_business=timedelta(minutes=20), resolved=2, mttr=timedelta(hours=5),
               mttr_business=timedelta(hours=3), first_contact=1, reopened=1, backlog=3,
               ageing=(2, 1)),))
    assert str(report).splitlines()[1] == (
        "2025-03 DB: MTTA 30 minutes (20 minutes business, 2), MTTR 5 hours (3 hours "
        "business, 2), first contact 50%, reopened 50%, backlog 3 [2 1]")
    row = report.to_dict()["rows"][0]
    assert (row["mttr"], row["reopen_rate"], row["ageing"]) == ("PT5H", "1/2", [2, 1])
    assert report.to_dict()["buckets"] == ["PT0S-P1D", "P1D+"]


def test_rates_never_look_better_than_they_are() -> None:
    """A third of the tickets reopened shows as 33.334% (up: higher is worse), a third
    resolved at first contact as 33.333% (down), in the KPI text and the report's table."""
    row = KpiRow(group=("DB",), period="2025-03", resolved=3, first_contact=1, reopened=1)
    text = str(KpiReport(by=("group",), period="month", buckets=(), rows=(row,)))
    assert "first contact 33.333%, reopened 33.334%" in text
    cells = kpi_cells(row)
    assert (cells[7], cells[8]) == ("33.333%", "33.334%")


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_report_percent_is_within_a_thousandth_on_the_worse_side(part: int, whole: int) -> None:
    share = Fraction(part, whole)
    down = Fraction(report_percent(share)[:-1]) / 100
    up = Fraction(report_percent(share, higher_is_worse=True)[:-1]) / 100
    assert down <= share <= up
    assert share - down < Fraction(1, 100_000) and up - share < Fraction(1, 100_000)

"""itsm_core.integrations.pandas against the core it wraps (the core is the oracle)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_integrations import COLUMNS, FIELDS, LONDON, POLICY, core_outcomes, demo_log

from itsm_core._instant import to_us
from itsm_core.demo import AS_OF
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    NaiveDatetimeError,
)
from itsm_core.integrations._frames import instants_us
from itsm_core.integrations.pandas import compliance_frame, evaluate_frame
from itsm_core.sla import SlaPolicy, compliance_report

FRAME, HISTORIES = demo_log(150, seed=5)
CYCLES = evaluate_frame(FRAME, POLICY, columns=COLUMNS, tz="Europe/London", as_of=AS_OF)
OUTCOMES = core_outcomes(HISTORIES, AS_OF)


def us_or_none(value: Any) -> int | None:
    return None if pd.isna(value) else to_us(value.to_pydatetime(), "v")


class TestEvaluateFrame:
    def test_one_row_per_cycle_with_the_cores_figures(self) -> None:
        expected = [(o.ticket, o.definition, i, c) for o in OUTCOMES
                    for i, c in enumerate(o.cycles)]
        assert len(CYCLES) == len(expected) > 200
        for row, (ticket, definition, index, cycle) in zip(
                CYCLES.to_dict("records"), expected, strict=True):
            assert (row["ticket"], row["definition"], row["cycle"]) == (ticket, definition, index)
            assert row["stage"] == cycle.stage.value and row["priority"] == cycle.priority
            assert us_or_none(row["started_at"]) == to_us(cycle.started_at, "s")
            stopped = cycle.stopped_at
            assert us_or_none(row["stopped_at"]) == (None if stopped is None
                                                     else to_us(stopped, "s"))
            due = cycle.due_at
            assert us_or_none(row["due_at"]) == (None if due is None else to_us(due, "d"))
            assert row["target"] == cycle.target and row["elapsed"] == cycle.elapsed
            assert row["remaining"] == cycle.remaining
            assert row["paused_business"] == cycle.paused_business
            assert row["paused_wall"] == cycle.paused_wall
            assert row["breached"] == cycle.breached
            assert row["percent"] == float(cycle.percent)
            outcome = next(o for o in OUTCOMES if o.ticket == ticket)
            assert [row[f] for f in FIELDS] == [outcome.fields.get(f) for f in FIELDS]

    def test_columns_and_dtypes(self) -> None:
        assert str(CYCLES["started_at"].dtype) == "datetime64[us, Europe/London]"
        assert str(CYCLES["elapsed"].dtype) == "timedelta64[us]"
        assert str(CYCLES["cycle"].dtype) == "Int64"
        assert list(CYCLES.columns)[-4:] == ["skipped", *FIELDS]

    @given(st.randoms(use_true_random=False))
    def test_row_order_does_not_matter(self, rng: Any) -> None:
        order = list(range(len(FRAME)))
        rng.shuffle(order)
        shuffled = evaluate_frame(FRAME.iloc[order], POLICY, columns=COLUMNS,
                                  tz="Europe/London", as_of=AS_OF)
        keys = ["ticket", "definition", "cycle"]
        pd.testing.assert_frame_equal(
            shuffled.sort_values(keys).reset_index(drop=True),
            CYCLES.sort_values(keys).reset_index(drop=True))

    def test_aware_timestamps_need_no_tz(self) -> None:
        aware = FRAME.assign(sys_updated_on=pd.to_datetime(FRAME["sys_updated_on"])
                             .dt.tz_localize("Europe/London").dt.tz_convert("Asia/Tokyo"))
        pd.testing.assert_frame_equal(
            evaluate_frame(aware, POLICY, columns=COLUMNS, as_of=AS_OF), CYCLES)

    def test_lenient_mode_gives_a_skipped_row(self) -> None:
        bad = pd.DataFrame({"number": ["X"], "sys_updated_on": ["2016-03-01 10:00"],
                            "state": ["New"], "priority": ["9 - Unknown"]})
        frame = pd.concat([FRAME.head(20), bad], ignore_index=True)
        rows = evaluate_frame(frame, POLICY, columns=COLUMNS, tz=LONDON, as_of=AS_OF,
                              strict=False)
        skipped = rows[rows["ticket"] == "X"]
        assert len(skipped) == 2 and skipped["cycle"].isna().all()
        assert skipped["skipped"].str.contains("9 - Unknown").all()
        with pytest.raises(InvalidArgumentError, match="9 - Unknown"):
            evaluate_frame(frame, POLICY, columns=COLUMNS, tz=LONDON, as_of=AS_OF)

    def test_empty_frame_keeps_the_dtypes(self) -> None:
        empty = evaluate_frame(FRAME.head(0), POLICY, columns=COLUMNS, tz="Europe/London")
        assert list(empty.columns) == list(CYCLES.columns)
        assert list(empty.dtypes) == list(CYCLES.dtypes)


class TestErrors:
    @pytest.mark.parametrize(("kwargs", "error", "text"), [
        ({"columns": {"ticket": "id"}}, ConfigError, "columns.ticket: no column 'id'"),
        ({"columns": {**COLUMNS, "owner": "x"}}, ConfigError, "columns.owner: unknown role"),
        ({"columns": COLUMNS, "fields": ["nope"]}, ConfigError, "fields: expected a list"),
        ({"columns": COLUMNS}, NaiveDatetimeError, "sys_updated_on: naive timestamps"),
        ({"columns": COLUMNS, "tz": "Mars/Olympus"}, InvalidArgumentError,
         "tz: unknown time zone 'Mars/Olympus'"),
        ({"columns": COLUMNS, "tz": 5}, ArgumentTypeError, "tz: expected an IANA zone"),
    ])
    def test_bad_arguments(self, kwargs: dict[str, Any], error: type[Exception],
                           text: str) -> None:
        with pytest.raises(error) as caught:
            evaluate_frame(FRAME.head(5), POLICY, **kwargs)
        assert str(caught.value).startswith(text)

    def test_bad_cells_name_their_row(self) -> None:
        frame = FRAME.head(5).copy()
        frame.loc[3, "sys_updated_on"] = None
        with pytest.raises(InvalidArgumentError, match=r"sys_updated_on\[3\]: missing"):
            evaluate_frame(frame, POLICY, columns=COLUMNS, tz=LONDON)
        frame = FRAME.head(5).astype({"state": object})
        frame.loc[2, "state"] = None
        with pytest.raises(ArgumentTypeError, match="row 2: state: expected a str"):
            evaluate_frame(frame, POLICY, columns=COLUMNS, tz=LONDON)

    def test_field_clashing_with_a_result_column(self) -> None:
        with pytest.raises(ConfigError, match="fields: column 'stage' would clash"):
            evaluate_frame(FRAME.head(3).assign(stage="x"), POLICY, columns=COLUMNS, tz=LONDON)

    def test_not_a_frame(self) -> None:
        with pytest.raises(ArgumentTypeError, match="events: expected a pandas DataFrame"):
            evaluate_frame([], POLICY)  # type: ignore[arg-type]


ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC"]


class TestInstants:
    @given(st.lists(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
                    min_size=1, max_size=20), st.sampled_from(ZONES))
    def test_naive_wall_times_map_as_the_core_maps_them(self, walls: list[datetime],
                                                        zone: str) -> None:
        expected = [to_us(w.replace(tzinfo=ZoneInfo(zone)), "w") for w in walls]
        assert instants_us(pd.Series(walls), zone) == expected
        assert instants_us(pd.Series([w.isoformat() for w in walls]), zone) == expected

    @pytest.mark.parametrize(("wall", "zone"), [
        ("2025-03-30 01:30", "Europe/London"),     # in the spring-forward gap
        ("2025-10-26 01:30", "Europe/London"),     # ambiguous: first occurrence (BST)
        ("2025-04-06 01:45", "Australia/Lord_Howe"),  # 30-minute overlap
        ("2025-10-05 02:15", "Australia/Lord_Howe"),  # 30-minute gap
    ])
    def test_dst_edges(self, wall: str, zone: str) -> None:
        naive = datetime.fromisoformat(wall)
        assert instants_us(pd.Series([wall]), zone) == [
            to_us(naive.replace(tzinfo=ZoneInfo(zone)), "w")]

    @given(st.lists(st.tuples(st.integers(0, 2_000_000_000_000_000),
                              st.integers(-14 * 60, 14 * 60)), min_size=1, max_size=10))
    def test_offsets_keep_the_instant_even_when_mixed(self, values: list[tuple[int, int]]) -> None:
        epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
        moments = [(epoch + timedelta(microseconds=us)).astimezone(
            timezone(timedelta(minutes=m))) for us, m in values]
        assert instants_us(pd.Series([m.isoformat() for m in moments])) == [
            us for us, _ in values]

    def test_unreadable(self) -> None:
        with pytest.raises(InvalidArgumentError, match="at: cannot read the timestamps"):
            instants_us(pd.Series(["yesterday"], name="at"), "UTC")


class TestComplianceFrame:
    @pytest.mark.parametrize(("by", "period"), [
        (("definition", "priority"), None),
        (("definition", "assignment_group"), "month"),
        (("stage",), "week"),
        ((), "day"),
        (("definition", "contact_type", "priority"), "year"),
    ])
    def test_equals_the_core_report(self, by: tuple[str, ...], period: str | None) -> None:
        core = compliance_report(OUTCOMES, by=by, period=period)
        frame = compliance_frame(CYCLES, by=by, period=period)
        assert list(frame.columns)[:len(core.by)] == list(core.by)
        got = frame.to_dict("records")
        assert len(got) == len(core.rows) > 0
        for row, expected in zip(got, core.rows, strict=True):
            assert tuple((k, row[k]) for k, _ in expected.keys) == expected.keys
            for name in ("total", "met", "breached", "running", "paused", "cancelled",
                         "overdue", "mean_elapsed", "median_elapsed", "p90_elapsed"):
                assert row[name] == getattr(expected, name), name
            assert (pd.isna(row["compliance"]) if expected.compliance is None
                    else row["compliance"] == float(expected.compliance))

    def test_bad_keys(self) -> None:
        with pytest.raises(ConfigError, match="by: no column 'team'"):
            compliance_frame(CYCLES, by=("team",))
        with pytest.raises(ConfigError, match="period: unknown period 'fortnight'"):
            compliance_frame(CYCLES, period="fortnight")
        with pytest.raises(ConfigError, match="by: expected a sequence of key names"):
            compliance_frame(CYCLES, by="definition")

    def test_skipped_rows_stay_out(self) -> None:
        policy = SlaPolicy.from_dict({"definitions": [
            {"name": "fix", "targets": {"P1": "PT1H"}}]})
        events = pd.DataFrame({"ticket": ["A", "B"], "at": ["2025-01-06 09:00"] * 2,
                               "state": ["New", "New"], "priority": ["P1", "P9"]})
        rows = evaluate_frame(events, policy, tz="UTC", strict=False)
        report = compliance_frame(rows)
        assert report[["definition", "priority", "total"]].to_dict("records") == [
            {"definition": "fix", "priority": "P1", "total": 1}]

"""The Dask recipe's columnar engine against its pure engine and one process.

``compliance_report_dask(..., engine="columnar")`` evaluates each partition on the
columnar core (the one ``sla-report --engine columnar`` runs); ``engine="pure"`` through
``evaluate_frame``.  Both must give exactly the report ``compliance_frame(evaluate_frame(
whole log))`` gives: on random slices of the demo log (with holes the core must read as
``evaluate_frame`` does), on CSV and Parquet files read by Dask's own readers, partitioned
by ticket and shuffled, on a local two-process cluster.
"""

from __future__ import annotations

import itertools
import multiprocessing
from datetime import timedelta
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies_integrations import COLUMNS, POLICY, demo_log

from itsm_core.demo import AS_OF
from itsm_core.errors import InvalidArgumentError
from itsm_core.integrations.columnar_core_frame import count_frame, frame_support
from itsm_core.integrations.dask import _counted, compliance_report_dask
from itsm_core.integrations.pandas import compliance_frame, evaluate_frame
from itsm_core.sla import SlaPolicy

OPTIONS: dict[str, Any] = {"columns": COLUMNS, "tz": "Europe/London", "as_of": AS_OF}
ROLES = {"ticket": "number", "at": "sys_updated_on", "state": "state", "priority": "priority"}
GROUPINGS = [(("definition", "priority"), None), (("definition", "assignment_group"), "month"),
             (("definition", "stage", "ticket"), None), (("category",), "week")]
FRAME, _ = demo_log(300, seed=11)


def one_process(frame: pd.DataFrame, by: Any, period: Any, **options: Any) -> pd.DataFrame:
    return compliance_frame(evaluate_frame(frame, POLICY, **{**OPTIONS, **options}), by=by,
                            period=period)


def dask_report(frame: pd.DataFrame, engine: str, by: Any, period: Any, parts: int = 3,
                **options: Any) -> pd.DataFrame:
    with dask.config.set(scheduler="synchronous"):
        log = dd.from_pandas(frame, npartitions=parts, sort=False)  # type: ignore[no-untyped-call]
        return compliance_report_dask(log, POLICY, by=by, period=period, engine=engine,
                                      **{**OPTIONS, **options})


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_columnar_equals_pure_on_random_slices(data: st.DataObject) -> None:
    """Random row subsets (whole tickets cut in the middle, priorities blanked, rows
    reordered), random grouping and as_of (or none: each ticket as of its own last event):
    both engines give the one-process report."""
    rows = data.draw(st.lists(st.integers(0, len(FRAME) - 1), min_size=0, max_size=120,
                              unique=True))
    frame = FRAME.iloc[sorted(rows) if data.draw(st.booleans()) else rows].copy()
    blanks = data.draw(st.lists(st.integers(0, max(len(frame) - 1, 0)), max_size=5))
    if len(frame):
        frame.iloc[[b % len(frame) for b in blanks], frame.columns.get_loc("priority")] = None
    by, period = data.draw(st.sampled_from(GROUPINGS))
    as_of = data.draw(st.none() | st.integers(0, 200).map(lambda d: AS_OF - timedelta(days=d)))
    expected = one_process(frame, by, period, as_of=as_of, strict=False)
    for engine in ("columnar", "pure"):
        got = dask_report(frame, engine, by, period, as_of=as_of, strict=False)
        pd.testing.assert_frame_equal(got, expected)


def test_count_frame_is_the_pure_accumulator() -> None:
    """The columnar count of one frame, report for report, not only the report frame."""
    for (by, period), as_of in itertools.product(GROUPINGS, (AS_OF, None)):
        counted = count_frame(FRAME, POLICY, roles=ROLES, tz="Europe/London", as_of=as_of,
                              strict=True, by=by, period=period)
        assert counted is not None
        pure = _counted(evaluate_frame(FRAME, POLICY, **{**OPTIONS, "as_of": as_of}), by, period)
        assert counted.report().rows == pure.report().rows
        assert counted.not_evaluated() == pure.not_evaluated()


def test_strict_raises_the_pure_error() -> None:
    """A priority without a target: with strict, both engines raise the core's error."""
    frame = FRAME.copy()
    frame.loc[frame["number"] == frame["number"].iloc[0], "priority"] = "9 - Unknown"
    errors = []
    for engine in ("columnar", "pure"):
        with pytest.raises(Exception) as caught:
            dask_report(frame, engine, ("definition",), None)
        errors.append((type(caught.value), str(caught.value)))
    assert errors[0] == errors[1]
    assert dask_report(frame, "columnar", ("definition",), None, strict=False).equals(
        one_process(frame, ("definition",), None, strict=False))


def outcome(call: Any) -> Any:
    """What *call* gives: its report, or the type and message of what it raised."""
    try:
        return call().to_dict("list")
    except Exception as exc:
        return type(exc), str(exc)


@pytest.mark.parametrize("hole", [7, None])
def test_a_partition_the_core_cannot_read_goes_pure(hole: object) -> None:
    """A state that is not text or missing: the core declines the frame, and the recipe
    gives what the pure engine gives."""
    frame = FRAME.astype({"state": object}).copy()
    frame.iloc[3, frame.columns.get_loc("state")] = hole
    assert count_frame(frame, POLICY, roles=ROLES, tz="Europe/London", as_of=AS_OF,
                       strict=True, by=("definition",), period=None) is None
    found = [outcome(lambda engine=engine: dask_report(frame, engine, ("definition",), None))
             for engine in ("columnar", "pure")]
    assert found[0] == found[1]


def test_engine_choice() -> None:
    with pytest.raises(InvalidArgumentError, match="engine: unknown engine 'fast'"):
        dask_report(FRAME, "fast", ("definition",), None)
    # no as_of: each ticket as of its own last event, on the columnar core too
    pd.testing.assert_frame_equal(dask_report(FRAME, "columnar", ("definition",), None,
                                              as_of=None),
                                  one_process(FRAME, ("definition",), None, as_of=None))
    with pytest.raises(InvalidArgumentError, match="a cycle column"):
        dask_report(FRAME, "columnar", ("definition", "cycle"), None)
    fielded = SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H",
                                                    "applies": {"field": "category",
                                                                "in": ["Network"]}}]})
    assert frame_support(fielded, by=(), period=None, fields=()) == \
        "SLA 'r' has conditions that read more than the state"
    # auto: the pure engine where the columnar one cannot run, the same report
    pd.testing.assert_frame_equal(dask_report(FRAME, "auto", ("definition", "cycle"), None),
                                  one_process(FRAME, ("definition", "cycle"), None))


def test_both_engines_from_files_on_a_local_cluster(tmp_path: Path) -> None:
    frame, _ = demo_log(1_500, seed=8)
    tickets = frame["number"].drop_duplicates().tolist()
    cut = len(tickets) // 3 + 1
    for kind in ("csv", "parquet"):
        (tmp_path / kind).mkdir()
    for part in range(3):
        rows = frame[frame["number"].isin(tickets[part * cut:(part + 1) * cut])]
        rows.to_csv(tmp_path / "csv" / f"part{part}.csv", index=False)
        rows.to_parquet(tmp_path / "parquet" / f"part{part}.parquet", index=False)
    frame.sample(frac=1, random_state=3).to_csv(tmp_path / "shuffled.csv", index=False)
    by, period = GROUPINGS[1]
    expected = one_process(frame, by, period)
    got = []
    cluster = LocalCluster(n_workers=2, processes=True,  # type: ignore[no-untyped-call]
                           threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
    with cluster, Client(cluster):  # type: ignore[no-untyped-call]
        logs = [(dd.read_csv(str(tmp_path / "csv" / "*.csv"), dtype=str), True),
                (dd.read_parquet(str(tmp_path / "parquet")), True),
                (dd.read_csv(str(tmp_path / "shuffled.csv"), dtype=str, blocksize=60_000), False)]
        assert logs[2][0].npartitions > 2
        for log, cut_by_ticket in logs:
            for engine in ("columnar", "pure"):
                got.append(compliance_report_dask(log, POLICY, by=by, period=period,
                                                  partitioned_by_ticket=cut_by_ticket,
                                                  engine=engine, **OPTIONS))
    assert len(got) == 6
    for report in got:
        pd.testing.assert_frame_equal(report, expected)
    assert expected["total"].sum() > 1_000
    assert multiprocessing.active_children() == []

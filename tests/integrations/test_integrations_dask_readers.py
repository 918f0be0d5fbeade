"""The Dask recipe end to end from files, read by Dask's own readers, on a local
two-process cluster: exactly the single-process report.

The demo log is written as CSV files and as a Parquet dataset, each file holding whole
tickets (a export cut by ticket range), and read back with ``dd.read_csv`` and
``dd.read_parquet``: ``compliance_report_dask(..., partitioned_by_ticket=True)`` evaluates
each partition where it is read, with no shuffle.  A CSV not cut by ticket (read in small
blocks, a ticket's rows over several partitions) goes through the shuffle instead.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import dask
import dask.dataframe as dd
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from strategies_integrations import COLUMNS, POLICY, demo_log

from itsm_core.demo import AS_OF
from itsm_core.errors import ArgumentTypeError
from itsm_core.integrations.dask import compliance_report_dask
from itsm_core.integrations.pandas import compliance_frame, evaluate_frame

OPTIONS = {"columns": COLUMNS, "tz": "Europe/London", "as_of": AS_OF}
GROUPINGS = [(("definition", "priority"), None), (("definition", "assignment_group"), "month")]


def _write(frame: pd.DataFrame, folder: Path) -> None:
    """CSV files and a Parquet dataset, four of each, each holding whole tickets."""
    tickets = frame["number"].drop_duplicates().tolist()
    cut = len(tickets) // 4 + 1
    (folder / "csv").mkdir()
    (folder / "parquet").mkdir()
    for part in range(4):
        rows = frame[frame["number"].isin(tickets[part * cut:(part + 1) * cut])]
        rows.to_csv(folder / "csv" / f"part{part}.csv", index=False)
        rows.to_parquet(folder / "parquet" / f"part{part}.parquet", index=False)
    frame.sample(frac=1, random_state=7).to_csv(folder / "shuffled.csv", index=False)


def test_read_by_dask_on_a_local_cluster(tmp_path: Path) -> None:
    frame, _ = demo_log(3_000, seed=5)
    _write(frame, tmp_path)
    single = evaluate_frame(frame, POLICY, **OPTIONS)
    expected = {key: compliance_frame(single, by=key[0], period=key[1]) for key in GROUPINGS}
    got: dict[tuple[str, object], pd.DataFrame] = {}
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster):
        csv = dd.read_csv(str(tmp_path / "csv" / "*.csv"), dtype=str)
        parquet = dd.read_parquet(str(tmp_path / "parquet"))
        shuffled = dd.read_csv(str(tmp_path / "shuffled.csv"), dtype=str, blocksize=200_000)
        assert csv.npartitions == 4 and shuffled.npartitions > 2
        for key in GROUPINGS:
            by, period = key
            got[("csv", key)] = compliance_report_dask(  # type: ignore[index]
                csv, POLICY, by=by, period=period, partitioned_by_ticket=True, **OPTIONS)
            got[("parquet", key)] = compliance_report_dask(  # type: ignore[index]
                parquet, POLICY, by=by, period=period, partitioned_by_ticket=True, **OPTIONS)
            got[("shuffled", key)] = compliance_report_dask(  # type: ignore[index]
                shuffled, POLICY, by=by, period=period, **OPTIONS)
    for (_, key), report in got.items():  # type: ignore[misc]
        pd.testing.assert_frame_equal(report, expected[key])
    assert expected[GROUPINGS[0]]["total"].sum() == len(single)
    assert multiprocessing.active_children() == []


def test_a_ticket_split_over_partitions_needs_the_shuffle(tmp_path: Path) -> None:
    """Saying partitioned_by_ticket when it does not hold counts split tickets twice: the
    flag is a promise, and the default shuffles."""
    frame, _ = demo_log(200, seed=5)
    frame.to_csv(tmp_path / "log.csv", index=False)
    log = dd.read_csv(str(tmp_path / "log.csv"), dtype=str, blocksize=5_000)
    assert log.npartitions > 3
    with dask.config.set(scheduler="synchronous"):
        right = compliance_report_dask(log, POLICY, by=("definition",), **OPTIONS)
        wrong = compliance_report_dask(log, POLICY, by=("definition",),
                                       partitioned_by_ticket=True, **OPTIONS)
    single = compliance_frame(evaluate_frame(frame, POLICY, **OPTIONS), by=("definition",))
    pd.testing.assert_frame_equal(right, single)
    assert wrong["total"].sum() > single["total"].sum()


def test_not_a_dask_frame() -> None:
    with pytest.raises(ArgumentTypeError, match="events: expected a Dask DataFrame"):
        compliance_report_dask(pd.DataFrame(), POLICY)

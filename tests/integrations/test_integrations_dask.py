"""The Dask recipe on a local two-process cluster: exactly the single-process result.

About 200,000 events (the demo generator's log, ~35,000 tickets) are evaluated by
``evaluate_dask`` on ``distributed.LocalCluster(n_workers=2, processes=True)`` listening
on loopback only, and compared with ``evaluate_frame`` / ``compliance_frame`` in this
process.  The cluster is closed inside the test and no child process may outlive it.
"""

from __future__ import annotations

import multiprocessing

import dask.dataframe as dd
import pandas as pd
import psutil
import pytest
from distributed import Client, LocalCluster
from strategies_integrations import COLUMNS, POLICY, demo_log

from itsm_core.demo import AS_OF
from itsm_core.errors import ConfigError, NaiveDatetimeError
from itsm_core.integrations.dask import compliance_dask, evaluate_dask
from itsm_core.integrations.pandas import compliance_frame, evaluate_frame

KEYS = ["ticket", "definition", "cycle"]


def workers() -> set[psutil.Process]:
    """Child processes, but not the standard library's per-interpreter helpers (the
    resource tracker and the forkserver live until this interpreter exits, by design)."""
    return {p for p in psutil.Process().children(recursive=True)
            if not any("resource_tracker" in part or "forkserver" in part
                       for part in p.cmdline())}


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEYS).reset_index(drop=True)


def test_local_cluster_equals_one_process() -> None:
    frame, _ = demo_log(35_000, seed=11)
    assert 190_000 <= len(frame) <= 215_000
    options = {"columns": COLUMNS, "tz": "Europe/London", "as_of": AS_OF}
    single = evaluate_frame(frame, POLICY, **options)
    before = workers()
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        # the log goes to the workers as data, not embedded in the task graph
        pieces = client.scatter([frame.iloc[i::8] for i in range(8)])
        log = dd.from_delayed(pieces, meta=frame.head(0))
        lazy = evaluate_dask(log, POLICY, **options)
        cycles = lazy.persist()
        distributed_rows = cycles.compute()
        reports = {(by, period): compliance_dask(cycles, by=by, period=period)
                   for by, period in [(("definition", "priority"), None),
                                      (("definition", "assignment_group"), "month"),
                                      ((), None)]}
    pd.testing.assert_frame_equal(sorted_rows(distributed_rows), sorted_rows(single),
                                  check_dtype=False)
    assert list(distributed_rows.columns) == list(single.columns)
    for (by, period), report in reports.items():
        pd.testing.assert_frame_equal(report, compliance_frame(single, by=by, period=period))
    assert report["total"].sum() == len(single)
    after = workers()
    assert after <= before, [p.cmdline() for p in after - before]
    assert multiprocessing.active_children() == []


class TestRecipeChecksUpFront:
    def test_naive_log_without_tz(self) -> None:
        frame, _ = demo_log(3)
        with pytest.raises(NaiveDatetimeError, match="sys_updated_on: naive timestamps"):
            evaluate_dask(dd.from_pandas(frame, npartitions=1), POLICY, columns=COLUMNS)

    def test_unknown_group_key(self) -> None:
        frame, _ = demo_log(3)
        cycles = evaluate_dask(dd.from_pandas(frame, npartitions=1), POLICY,
                               columns=COLUMNS, tz="Europe/London")
        with pytest.raises(ConfigError, match="by: no column 'team'"):
            compliance_dask(cycles, by=("team",))

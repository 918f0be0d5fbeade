"""Scaling out a compliance report: one process, two processes, pandas; measured ratios.

Workload: the demo generator's incident log (ServiceNow-like lifecycles, about 5.8 events
per ticket) against the demo policy (response and resolution on a London office calendar
with England's bank holidays), evaluated at the demo's fixed instant, reported by
definition and priority.

Contenders, all on the same tickets, best of the same number of runs, all checked to
give the same report:

- one process: ``policy.evaluate`` ticket after ticket, then ``compliance_report``;
- two processes, outcomes shipped back: what a user writes with
  ``multiprocessing.Pool(2).map`` -- the policy sent once per worker through the pool's
  ``initializer`` (as a competent user does), the tickets sent as plain tuples (events
  are built in the worker), the outcomes returned and reported in the caller;
- two processes, accumulators shipped back: the same pool and the same plain tuples, but
  each chunk of tickets is counted in a ``ComplianceAccumulator`` in the worker and only
  the accumulators travel back and are merged (the pattern ``itsm-core sla-report
  --jobs`` uses);
- pandas: ``integrations.pandas.evaluate_frame`` + ``compliance_frame`` on the log as a
  DataFrame of naive London wall-clock strings (parsing and grouping included), against
  a plain ``groupby(...).apply``-style script that builds events row by row.

Beyond one machine (``--dask``, only these figures): the log written as one CSV and as
four CSV files cut by ticket range; one process is ``itsm-core sla-report`` on the whole
CSV (``--engine columnar`` and ``--engine pure``, a child process each), against
``compliance_report_dask`` on ``dd.read_csv`` (Dask's own reader) on a
``distributed.LocalCluster`` of two single-threaded worker processes, with
``partitioned_by_ticket=True`` (no shuffle) on both engines and, on the whole CSV read in
blocks that split tickets, with the shuffle; wall and CPU seconds (CPU: the child process,
or this process and the cluster's); the cluster's start is not timed; all give the same
report.  About 1.2 million rows: ``bench_scaling.py 207000 --dask``.

The machine's cores may be shared (CI runners, other jobs): figures are noisy, the load
average is printed.  Run: ``.venv/bin/python benchmarks/bench_scaling.py [tickets]
[repeats] [--dask] [--quick]`` (default 20000 tickets, 3 runs; ``--quick``: 3,000
tickets, one run, with the Dask figures).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from itsm_core.demo import AS_OF, generate_incident_log
from itsm_core.integrations.pandas import compliance_frame, evaluate_frame
from itsm_core.sla import ComplianceReport, SlaOutcome, SlaPolicy, TicketEvent, compliance_report
from itsm_core.sla.compliance import ComplianceAccumulator

LONDON = ZoneInfo("Europe/London")
POLICY = SlaPolicy.from_dict(json.loads(
    (resources.files("itsm_core.demo") / "policy.json").read_text(encoding="utf-8")))
FIELDS = ("assignment_group", "category", "contact_type")
BY = ("definition", "priority")
CHUNK = 500  # tickets per task, for both pool contenders
Raw = tuple[str, list[tuple[datetime, str, str, tuple[tuple[str, str], ...]]]]

_POLICY: list[SlaPolicy] = []  # the worker's copy, set once by the pool's initializer


def _keep_policy(policy: SlaPolicy) -> None:
    _POLICY[:] = [policy]


def _events(rows: list[tuple[datetime, str, str, tuple[tuple[str, str], ...]]]
            ) -> list[TicketEvent]:
    return [TicketEvent(at, state, priority, dict(fields)) for at, state, priority, fields in rows]


def _outcomes(chunk: Sequence[Raw]) -> list[SlaOutcome]:
    return [o for number, rows in chunk
            for o in _POLICY[0].evaluate(_events(rows), AS_OF, number)]


def _accumulated(chunk: Sequence[Raw]) -> ComplianceAccumulator:
    accumulator = ComplianceAccumulator(BY)
    for number, rows in chunk:
        for outcome in _POLICY[0].evaluate(_events(rows), AS_OF, number):
            accumulator.add(outcome)
    return accumulator


def best(repeats: int, run: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def one_process(tickets: list[Raw]) -> ComplianceReport:
    outcomes = [o for number, rows in tickets
                for o in POLICY.evaluate(_events(rows), AS_OF, number)]
    return compliance_report(outcomes, by=BY)


def _chunks(tickets: list[Raw]) -> list[list[Raw]]:
    return [tickets[i:i + CHUNK] for i in range(0, len(tickets), CHUNK)]


def pool_outcomes(tickets: list[Raw]) -> ComplianceReport:
    """A user's Pool(2).map: the policy once per worker, the outcomes shipped back."""
    with multiprocessing.get_context("fork").Pool(2, _keep_policy, (POLICY,)) as pool:
        parts = pool.map(_outcomes, _chunks(tickets))
    return compliance_report([o for part in parts for o in part], by=BY)


def pool_accumulators(tickets: list[Raw]) -> ComplianceReport:
    """The same pool, each chunk counted where it is evaluated: accumulators shipped back."""
    with multiprocessing.get_context("fork").Pool(2, _keep_policy, (POLICY,)) as pool:
        parts = pool.map(_accumulated, _chunks(tickets))
    merged = ComplianceAccumulator(BY)
    for part in parts:
        merged.merge(part)
    return merged.report()


def user_groupby(frame: pd.DataFrame) -> ComplianceReport:
    """What a user writes without the adapter: groupby, events built row by row."""
    out: list[SlaOutcome] = []
    for number, group in frame.groupby("number", sort=False):
        events = [TicketEvent(datetime.fromisoformat(str(row.sys_updated_on)).replace(tzinfo=LONDON),
                              row.state, row.priority,
                              {f: getattr(row, f) for f in FIELDS})
                  for row in group.itertuples(index=False)]
        out.extend(POLICY.evaluate(events, AS_OF, number))
    return compliance_report(out, by=BY)


def adapter(frame: pd.DataFrame) -> pd.DataFrame:
    cycles = evaluate_frame(frame, POLICY, columns={"ticket": "number", "at": "sys_updated_on"},
                            tz="Europe/London", as_of=AS_OF)
    return compliance_frame(cycles, by=BY)


def _cpu_seconds(process: Any, gone: type[Exception]) -> float:
    """CPU seconds (user + system) of *process* and all its live descendants (*gone*:
    psutil's error for a process that ended meanwhile)."""
    total = 0.0
    for proc in [process, *process.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except gone:
            continue
        total += times.user + times.system
    return total


def _cli(args: list[str]) -> tuple[float, float, bytes]:
    """Wall and CPU seconds of one ``itsm-core sla-report`` run in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "itsm_core", "sla-report", *args],
                         check=True, capture_output=True).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


def dask_figures(frame: pd.DataFrame) -> None:
    """The Dask recipe from files (2 worker processes, columnar and pure engines) against
    one process (``sla-report --engine columnar`` and ``--engine pure``) on the same rows:
    wall and CPU seconds, one run each."""
    import dask.dataframe as dd  # noqa: PLC0415 - optional dependency
    import psutil  # type: ignore[import-untyped]  # noqa: PLC0415 - optional dependency
    from distributed import Client, LocalCluster  # noqa: PLC0415 - optional dependency

    from itsm_core.integrations.dask import (  # noqa: PLC0415 - optional dependency
        compliance_report_dask,
    )

    options: dict[str, Any] = {"columns": {"ticket": "number", "at": "sys_updated_on"},
                               "tz": "Europe/London", "as_of": AS_OF, "by": BY}
    timing: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        numbers = frame["number"].drop_duplicates().tolist()
        cut = len(numbers) // 4 + 1
        for part in range(4):
            rows = frame[frame["number"].isin(numbers[part * cut:(part + 1) * cut])]
            rows.to_csv(Path(tmp) / f"part{part}.csv", index=False)
        frame.to_csv(Path(tmp) / "whole.csv", index=False)
        policy = Path(tmp) / "policy.json"
        policy.write_text((resources.files("itsm_core.demo") / "policy.json").read_text(
            encoding="utf-8"), encoding="utf-8")
        pattern = str(Path(tmp) / "part*.csv")
        size = (Path(tmp) / "whole.csv").stat().st_size
        cli_args = ["--policy", str(policy), "--columns",
                    "ticket=number,at=sys_updated_on,state=state,priority=priority",
                    "--tz", "Europe/London", "--as-of", AS_OF.isoformat(), "--format", "json",
                    "--quiet", str(Path(tmp) / "whole.csv")]
        outputs = {}
        for engine in ("columnar", "pure"):
            wall, cpu, out = _cli([*cli_args, "--engine", engine])
            timing[f"one process: sla-report --engine {engine}"] = (wall, cpu)
            outputs[engine] = json.loads(out)
        rows_of = {engine: [(r.get("definition"), r.get("priority"), r.get("total"))
                            for r in found.get("rows", [])] for engine, found in outputs.items()}
        assert rows_of["columnar"] == rows_of["pure"]
        me = psutil.Process()
        reports = []
        cluster = LocalCluster(n_workers=2, processes=True,  # type: ignore[no-untyped-call]
                               threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
        with cluster, Client(cluster):  # type: ignore[no-untyped-call]
            def by_ticket(engine: str) -> Callable[[], pd.DataFrame]:
                return lambda: compliance_report_dask(
                    dd.read_csv(pattern, dtype=str), POLICY, partitioned_by_ticket=True,
                    engine=engine, **options)

            runs: dict[str, Callable[[], pd.DataFrame]] = {
                f"Dask, 2 workers, {engine}: dd.read_csv by ticket, no shuffle": by_ticket(engine)
                for engine in ("columnar", "pure")}
            runs["Dask, 2 workers, columnar: dd.read_csv in 4 blocks, shuffled"] = lambda: (
                compliance_report_dask(dd.read_csv(str(Path(tmp) / "whole.csv"), dtype=str,
                                                   blocksize=size // 4 + 1),
                                       POLICY, engine="columnar", **options))
            for label, run in runs.items():
                cpu = _cpu_seconds(me, psutil.Error)
                start = time.perf_counter()
                reports.append(run())
                timing[label] = (time.perf_counter() - start, _cpu_seconds(me, psutil.Error) - cpu)
        for report in reports[1:]:
            pd.testing.assert_frame_equal(report, reports[0])
        found = list(zip(reports[0]["definition"], reports[0]["priority"],
                         reports[0]["total"].tolist(), strict=True))
        assert found == rows_of["pure"], "Dask and sla-report disagree"
    base = timing["one process: sla-report --engine columnar"][0]
    width = max(len(label) for label in timing)
    print(f"{'contender'.ljust(width)}  {'wall s':>8}  {'CPU s':>8}  wall vs sla-report columnar")
    for label, (wall, cpu) in timing.items():
        print(f"{label.ljust(width)}  {wall:8.2f}  {cpu:8.2f}  {base / wall:5.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f} (cores shared)")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = "--quick" in sys.argv
    count = int(args[0]) if args else 3_000 if quick else 20_000
    repeats = int(args[1]) if len(args) > 1 else 1 if quick else 3
    log = generate_incident_log(tickets=count, seed=2016)
    tickets: list[Raw] = [(t.number, [(u.at, u.state, u.priority, u.fields) for u in t.updates])
                          for t in log]
    frame = pd.DataFrame([{"number": t.number, "state": u.state, "priority": u.priority,
                           "sys_updated_on": u.at.astimezone(LONDON).replace(tzinfo=None)
                           .isoformat(sep=" "), **dict(u.fields)}
                          for t in log for u in t.updates])
    n = len(tickets)
    if "--dask" in sys.argv:
        print(f"{n} tickets, {len(frame)} events; cpu_count={os.cpu_count()}, load average "
              f"{os.getloadavg()[0]:.2f} (cores may be shared: figures are noisy); one run each")
        dask_figures(frame)
        return
    print(f"{n} tickets, {len(frame)} events, {len(POLICY.definitions)} definitions; "
          f"cpu_count={os.cpu_count()}, load average {os.getloadavg()[0]:.2f} "
          f"(cores may be shared: figures are noisy); best of {repeats} runs each")

    timing: dict[str, float] = {}
    expected = one_process(tickets)
    contenders: dict[str, Callable[[], ComplianceReport]] = {
        "one process: events + evaluate + compliance_report": lambda: one_process(tickets),
        "Pool(2).map, outcomes shipped back": lambda: pool_outcomes(tickets),
        "Pool(2).map, accumulators shipped back": lambda: pool_accumulators(tickets),
        "user's pandas groupby + row-by-row events": lambda: user_groupby(frame),
    }
    for label, run in contenders.items():
        timing[label], got = best(repeats, run)
        assert got == expected, label
    timing["pandas evaluate_frame + compliance_frame"], report = best(
        repeats, lambda: adapter(frame))
    assert report["total"].tolist() == [row.total for row in expected.rows]

    width = max(len(label) for label in timing)
    print(f"{'contender'.ljust(width)}  {'total s':>8}  {'us/ticket':>9}")
    for label, seconds in timing.items():
        print(f"{label.ljust(width)}  {seconds:8.3f}  {seconds / n * 1e6:9.1f}")
    one = timing["one process: events + evaluate + compliance_report"]
    shipped = timing["Pool(2).map, outcomes shipped back"]
    merged = timing["Pool(2).map, accumulators shipped back"]
    groupby = timing["user's pandas groupby + row-by-row events"]
    frames = timing["pandas evaluate_frame + compliance_frame"]
    print(f"measured ratios: two processes with accumulators vs one process "
          f"{one / merged:.2f}x; accumulators vs outcomes shipped back {shipped / merged:.2f}x "
          f"({'accumulators win' if merged < shipped else 'outcomes win'}); outcomes shipped "
          f"back vs one process {one / shipped:.2f}x; evaluate_frame + compliance_frame vs "
          f"the groupby script {groupby / frames:.2f}x "
          f"({'the adapter wins' if frames < groupby else 'the script wins'})")
    if quick:
        dask_figures(frame)


if __name__ == "__main__":
    main()

"""Benchmark: conflicts among 100,000 changes touching about three CIs each.

Compares, on the same synthetic workload (seeded, integer-only generator):

* ``find_conflicts`` (sweep over sorted intervals per CI and per assignee);
* the all-pairs loop a script would write, on a smaller sample (and extrapolated as n²);
* a pandas self-merge on CI and on assignee, then an overlap filter (what a data analyst
  would reach for), on the full workload.

Run: ``.venv/bin/python benchmarks/bench_change.py``
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pandas as pd

from itsm_core.change import ChangeRequest, ChangeWindows, find_conflicts
from itsm_core.topology import Topology

N = 100_000
N_CIS = 30_000
N_ASSIGNEES = 3_000
SAMPLE = 3_000
T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def lcg(seed: int):  # type: ignore[no-untyped-def]
    """A tiny deterministic integer generator (no global random state)."""
    state = seed
    while True:
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        yield state >> 33


def workload(n: int) -> list[ChangeRequest]:
    rnd = lcg(42)
    out = []
    for i in range(n):
        start = next(rnd) % (365 * 24 * 6)  # 10-minute grid over a year
        length = 1 + next(rnd) % 36  # 10 min to 6 h
        cis = [f"ci{next(rnd) % N_CIS}" for _ in range(2 + next(rnd) % 3)]  # 2-4 CIs, ~3
        out.append(ChangeRequest(
            id=f"CHG{i:06d}", type="normal", cis=cis,
            start=T0 + timedelta(minutes=10 * start), end=T0 + timedelta(minutes=10 * (start + length)),
            assignee=f"eng{next(rnd) % N_ASSIGNEES}"))
    return out


def all_pairs(items: list[ChangeRequest]) -> int:
    count = 0
    for x, a in enumerate(items):
        for b in items[x + 1:]:
            if max(a.start_us, b.start_us) < min(a.end_us, b.end_us):
                count += len(set(a.cis) & set(b.cis)) + (a.assignee == b.assignee)
    return count


def pandas_merge(items: list[ChangeRequest]) -> int:
    rows = [(c.id, ci, c.assignee, c.start_us, c.end_us) for c in items for ci in c.cis]
    frame = pd.DataFrame(rows, columns=["id", "ci", "assignee", "s", "e"])
    total = 0
    for key, table in (("ci", frame), ("assignee", frame.drop_duplicates("id"))):
        pairs = table.merge(table, on=key)
        pairs = pairs[(pairs["id_x"] < pairs["id_y"]) & (pairs["s_x"] < pairs["e_y"]) & (pairs["s_y"] < pairs["e_x"])]
        total += len(pairs)
    return total


def timed(label: str, fn, *args):  # type: ignore[no-untyped-def]
    """Run once; print wall and CPU time, return (result, CPU seconds of this process).

    CPU time is the fair figure on a shared machine (other processes inflate wall time).
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<58} cpu {cpu:8.3f} s   wall {wall:8.3f} s")
    return result, cpu


def main() -> None:
    print(f"workload: {N:,} changes over one year, 2-4 CIs each (of {N_CIS:,}), {N_ASSIGNEES:,} assignees")
    items, _ = timed("build ChangeRequest values (not part of the search)", workload, N)
    found, sweep = timed("find_conflicts (sweep), CI + assignee", find_conflicts, items)
    same = [c for c in found if c.kind.value in ("same_ci", "assignee")]
    print(f"  -> {len(found):,} conflicts")
    topo = Topology.from_edges([(f"ci{i}", f"ci{i + 1}") for i in range(0, N_CIS - 1, 2)])
    windows = ChangeWindows.from_dict({
        "maintenance": [{"name": "nightly", "cis": [f"ci{i}" for i in range(0, N_CIS, 10)], "recurrence": {
            "rrule": "FREQ=DAILY", "start": "2025-01-01T20:00", "timezone": "Europe/London", "duration": "PT10H"}}],
        "freezes": [{"name": "year end", "intervals": [["2025-12-20T00:00+00:00", "2026-01-03T00:00+00:00"]]}]})
    full, _ = timed("find_conflicts + topology + maintenance/freeze windows",
                            lambda: find_conflicts(items, windows=windows, topology=topo))
    print(f"  -> {len(full):,} conflicts")
    merged, pandas_s = timed("pandas self-merge on CI and assignee + overlap filter", pandas_merge, items)
    print(f"  -> {merged:,} overlapping pairs (same count as the sweep: {merged == len(same)})")
    sample = items[:SAMPLE]
    ref, pairs_s = timed(f"all-pairs reference on {SAMPLE:,} changes", all_pairs, sample)
    small, sweep_small = timed(f"find_conflicts on the same {SAMPLE:,} changes", find_conflicts, sample)
    print(f"  -> same conflicts: {ref == len(small)} ({ref:,})")
    print()
    print(f"target: 100,000 changes in < 2 s on one core -> {sweep:.3f} s CPU "
          f"({'met' if sweep < 2 else 'NOT met'})")
    print(f"ratio (CPU) all-pairs / sweep on {SAMPLE:,} changes: {pairs_s / sweep_small:,.0f}x")
    print(f"all-pairs extrapolated to {N:,} (n^2): {pairs_s * (N / SAMPLE) ** 2:,.0f} s "
          f"= {pairs_s * (N / SAMPLE) ** 2 / sweep:,.0f}x the sweep")
    print(f"ratio (CPU) pandas merge / sweep on {N:,}: {pandas_s / sweep:.2f}x")


if __name__ == "__main__":
    main()

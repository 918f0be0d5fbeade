"""Priority lookups per second: itsm_core against what a user would otherwise write.

Run: .venv/bin/python benchmarks/bench_priority.py

Workload: 200,000 (impact, urgency) pairs drawn with a fixed seed from the GLPI 5 x 5
default matrix (labels) and its ranks; each contender answers the same pairs, and every
answer is checked against itsm_core's before timing.  Contenders:

* naive list: ``cells[impacts.index(i)][urgencies.index(u)]`` on the plain-data form
  (returns a bare label, no rank, no validation);
* dict of dicts: ``table[i][u]`` (bare label);
* pandas: ``DataFrame.at[i, u]`` (bare label);
* itsm_core: ``m.priority(impact=..., urgency=...)`` returning a ``Priority`` value, by
  label and by rank, with full input checking; and ``m.priorities(pairs)`` in bulk.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pandas as pd

from itsm_core.priority import PriorityMatrix

N = 200_000
REPEATS = 9


def best_of(fn: Callable[[], object]) -> float:
    """Best wall time of REPEATS runs, in seconds."""
    best = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    m = PriorityMatrix.preset("glpi")
    data = m.to_dict()
    impacts, urgencies, cells = data["impact"], data["urgency"], data["cells"]
    rng = random.Random(4)
    label_pairs = [(rng.choice(impacts), rng.choice(urgencies)) for _ in range(N)]
    rank_pairs = [(impacts.index(i) + 1, urgencies.index(u) + 1) for i, u in label_pairs]
    nested = {
        i: dict(zip(urgencies, row, strict=True)) for i, row in zip(impacts, cells, strict=True)
    }
    frame = pd.DataFrame(cells, index=impacts, columns=urgencies)

    def naive_list() -> list[str]:
        return [cells[impacts.index(i)][urgencies.index(u)] for i, u in label_pairs]

    def dict_of_dicts() -> list[str]:
        return [nested[i][u] for i, u in label_pairs]

    def pandas_at() -> list[str]:
        at = frame.at
        return [at[i, u] for i, u in label_pairs]

    def ours_labels() -> list[str]:
        priority = m.priority
        return [priority(impact=i, urgency=u).label for i, u in label_pairs]

    def ours_ranks() -> list[str]:
        priority = m.priority
        return [priority(impact=i, urgency=u).label for i, u in rank_pairs]

    def ours_bulk() -> list[str]:
        return [p.label for p in m.priorities(label_pairs)]

    expected = ours_labels()
    for name, fn in [
        ("naive", naive_list),
        ("dict", dict_of_dicts),
        ("pandas", pandas_at),
        ("ranks", ours_ranks),
    ]:
        assert fn() == expected, name

    contenders = [
        ("naive list + list.index", naive_list),
        ("dict of dicts", dict_of_dicts),
        ("pandas DataFrame.at", pandas_at),
        ("itsm_core by label", ours_labels),
        ("itsm_core by rank", ours_ranks),
        ("itsm_core priorities() bulk", ours_bulk),
    ]
    times = {name: best_of(fn) for name, fn in contenders}
    ours = times["itsm_core by label"]
    print(f"priority lookups, GLPI 5x5 matrix, {N:,} pairs, best of {REPEATS}")
    print(f"{'contender':28} {'ns/lookup':>10} {'lookups/s':>14} {'itsm_core speed-up':>19}")
    for name, _ in contenders:
        t = times[name]
        print(f"{name:28} {t / N * 1e9:10.0f} {N / t:14,.0f} {t / ours:18.2f}x")


if __name__ == "__main__":
    main()

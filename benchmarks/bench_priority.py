"""Priority lookups per second: itsm_core against what a user would otherwise write.

Run: .venv/bin/python benchmarks/bench_priority.py [--quick]

Workload: N (impact, urgency) pairs (200,000; 20,000 with ``--quick``) drawn with a fixed
seed from the GLPI 5 x 5 default matrix (labels) and its ranks.  Every contender answers
the same pairs, best of the same number of runs, and every answer is checked against
itsm_core's before timing.  Contenders:

* naive list: ``cells[impacts.index(i)][urgencies.index(u)]`` on the plain-data form
  (returns a bare label, no rank, no validation);
* dict of dicts: ``table[i][u]`` (bare label, no validation);
* pandas: ``DataFrame.at[i, u]`` (bare label);
* itsm_core: ``m.priority(impact=..., urgency=...)`` returning a ``Priority`` value, by
  label and by rank, with full input checking; and ``m.priorities(pairs)`` in bulk.

The last column is each contender's time divided by itsm_core's time by label, and says
which one is faster: the dict of dicts and usually the naive list beat itsm_core, which
pays for building a ``Priority`` value and checking its input.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable

import pandas as pd

from itsm_core.priority import PriorityMatrix

N_FULL, N_QUICK = 200_000, 20_000
REPEATS_FULL, REPEATS_QUICK = 9, 3
BASELINE = "itsm_core by label"


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """Best wall time of *repeats* runs, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def versus(t: float, ours: float) -> str:
    """The measured ratio against the baseline, the right way round: who is faster."""
    if t < ours:
        return f"{ours / t:.2f}x faster"
    if t > ours:
        return f"{t / ours:.2f}x slower"
    return "same time"


def main(quick: bool) -> None:
    n = N_QUICK if quick else N_FULL
    repeats = REPEATS_QUICK if quick else REPEATS_FULL
    m = PriorityMatrix.preset("glpi")
    data = m.to_dict()
    impacts, urgencies, cells = data["impact"], data["urgency"], data["cells"]
    rng = random.Random(4)
    label_pairs = [(rng.choice(impacts), rng.choice(urgencies)) for _ in range(n)]
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

    contenders = [
        ("naive list + list.index", naive_list),
        ("dict of dicts", dict_of_dicts),
        ("pandas DataFrame.at", pandas_at),
        (BASELINE, ours_labels),
        ("itsm_core by rank", ours_ranks),
        ("itsm_core priorities() bulk", ours_bulk),
    ]
    expected = ours_labels()
    for name, fn in contenders:
        assert fn() == expected, name

    times = {name: best_of(fn, repeats) for name, fn in contenders}
    ours = times[BASELINE]
    print(f"priority lookups, GLPI 5x5 matrix, {n:,} pairs, best of {repeats} runs each")
    print(f"{'contender':28} {'ns/lookup':>10} {'lookups/s':>14}  vs {BASELINE}")
    for name, _ in contenders:
        t = times[name]
        ratio = "(baseline)" if name == BASELINE else versus(t, ours)
        print(f"{name:28} {t / n * 1e9:10.0f} {n / t:14,.0f}  {ratio}")
    winners = [name for name, _ in contenders[:3] if times[name] < ours]
    if winners:
        print(
            f"faster than itsm_core by label: {', '.join(winners)} (bare labels, no input checking)"
        )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])

"""Benchmark problem management: recurrence, similarity clustering, known-error matching.

Peers, each run on the same incidents as itsm_core and timed best of the same number of runs:

* recurrence: pandas ``groupby("ci").rolling("36h").count()``, the tool a data analyst would
  reach for (the frame is built before timing, as if the data already lived in pandas);
* clustering: the all-pairs Jaccard loop a script would write (pure Python, union-find), and
  the same all pairs with numpy (a 0/1 document-term matrix, intersections by one matrix
  product).  Both use itsm_core's tokenizer, so only the pairing differs.  All pairs is
  quadratic, so the peers run on a sample they can do; the ratios are measured there, never
  extrapolated.

Precision and recall come from the planted problems of the synthetic generator.

Run: ``.venv/bin/python benchmarks/bench_problem.py`` (a few minutes), or ``--quick``
(20,000 incidents, a 1,500-incident clustering sample; under a minute).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TypeVar

import attrs
import numpy as np
import pandas as pd

from itsm_core.calendar import BusinessCalendar
from itsm_core.problem import (
    GroupingScore,
    Incident,
    KnownError,
    KnownErrorIndex,
    RecurrenceRule,
    cluster_incidents,
    find_recurring,
    score_against_truth,
)
from itsm_core.problem.synthetic import generate_planted_problems
from itsm_core.problem.text import shingles, tokenize

T = TypeVar("T")
QUICK = "--quick" in sys.argv[1:]
N = 20_000 if QUICK else 100_000
PROBLEMS = 20 if QUICK else 100
SAMPLE = 1_500 if QUICK else 4_000
REPEAT = 3  # every compared timing is the best of this many runs
THRESHOLD = Fraction(1, 2)
MIN_SIZE = 3


def timed(label: str, fn: Callable[[], T], repeat: int = REPEAT) -> tuple[T, float]:
    best = float("inf")
    result: T
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    print(f"  {label:<60} {best:8.3f} s  (best of {repeat})")
    return result, best


def ratio(label: str, peer: float, ours: float) -> None:
    verdict = "itsm_core faster" if peer > ours else "PEER FASTER"
    print(f"  {label}: {peer / ours:.2f}x  ({verdict})")


def show(label: str, score: GroupingScore) -> None:
    d = score.to_dict()
    print(f"  {label}: pair precision {d['pair_precision']:.4g}, pair recall "
          f"{d['pair_recall']:.4g}, candidate precision {d['candidate_precision']:.3g}, "
          f"problem recall {d['problem_recall']:.3f} ({d['detected_problems']}/{d['problems']}), "
          f"{d['candidates']} candidates")


def components(n: int, pairs: Sequence[tuple[int, int]], min_size: int) -> list[list[int]]:
    """Connected components of at least *min_size* nodes (a plain union-find)."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    groups: dict[int, list[int]] = {}
    for x in range(n):
        groups.setdefault(find(x), []).append(x)
    return [g for g in groups.values() if len(g) >= min_size]


def all_pairs_python(incidents: Sequence[Incident]) -> set[frozenset[str]]:
    """The script a user would write: every pair, exact Jaccard, union-find."""
    sets = [shingles(tokenize(i.text)) for i in incidents]
    p, q = THRESHOLD.numerator, THRESHOLD.denominator
    pairs = []
    for a, sa in enumerate(sets):
        if not sa:
            continue
        la = len(sa)
        for b in range(a + 1, len(sets)):
            sb = sets[b]
            inter = len(sa & sb)
            if inter and q * inter >= p * (la + len(sb) - inter):
                pairs.append((a, b))
    return {frozenset(incidents[k].id for k in g)
            for g in components(len(incidents), pairs, MIN_SIZE)}


def all_pairs_numpy(incidents: Sequence[Incident]) -> set[frozenset[str]]:
    """Every pair with numpy: 0/1 document-term matrix, intersections by a matrix product."""
    sets = [shingles(tokenize(i.text)) for i in incidents]
    vocabulary = {term: k for k, term in enumerate(sorted(set().union(*sets)))}
    matrix = np.zeros((len(sets), len(vocabulary)), dtype=np.float32)
    for row, terms in enumerate(sets):
        matrix[row, [vocabulary[t] for t in terms]] = 1.0
    inter = (matrix @ matrix.T).astype(np.int32)  # small counts: exact in float32
    sizes = matrix.sum(axis=1).astype(np.int32)
    union = sizes[:, None] + sizes[None, :] - inter
    similar = (THRESHOLD.denominator * inter >= THRESHOLD.numerator * union) & (inter > 0)
    a, b = np.nonzero(np.triu(similar, k=1))
    return {frozenset(incidents[k].id for k in g)
            for g in components(len(incidents), list(zip(a.tolist(), b.tolist(), strict=True)),
                                MIN_SIZE)}


def recurrence(incidents: Sequence[Incident], truth: dict[str, str]) -> None:
    print("\n== rule-based recurrence (5 on one CI within 36 h), "
          f"{len(incidents):,} incidents")
    rule = RecurrenceRule(name="ci-burst", keys=("ci",), window="PT36H", min_count=5)
    cands, ours = timed("itsm_core find_recurring", lambda: find_recurring(incidents, rule))
    frame = pd.DataFrame({"ci": [i.ci for i in incidents],
                          "opened": pd.to_datetime([i.opened_at for i in incidents], utc=True),
                          "id": [i.id for i in incidents]})

    def pandas_rolling() -> set[str]:
        df = frame.sort_values(["ci", "opened", "id"]).set_index("opened")
        counts = df.groupby("ci")["id"].rolling("36h").count()  # (t - 36h, t], as ours
        fired = counts[counts >= 5]
        ends = df.reset_index().set_index(["ci", "opened"]).loc[fired.index, "id"]
        return set(ends)

    ends, theirs = timed("pandas groupby + rolling('36h').count() (window ends only)",
                         pandas_rolling)
    flagged = {i for c in cands for i in c.incident_ids}
    assert ends <= flagged and all(set(c.incident_ids) & ends for c in cands)
    ratio("pandas time / itsm_core time", theirs, ours)
    print("  (pandas flags only the incidents that end a full window; itsm_core also returns "
          "each burst's members, peak and explanation)")
    show("recurrence vs planted", score_against_truth(cands, truth))
    rule2 = RecurrenceRule(name="ci-cat", keys=("ci", "category"), window="PT36H", min_count=5)
    cands2, _ = timed("itsm_core find_recurring, keys ci + category (no peer)",
                      lambda: find_recurring(incidents, rule2), repeat=1)
    show("recurrence (ci + category) vs planted", score_against_truth(cands2, truth))
    print("  (busy CIs hold >= 5 incidents in every 36 h: those candidates are chronic CIs, "
          "not planted problems, hence the low precision of a fixed-K rule)")
    office = BusinessCalendar.from_dict({
        "timezone": "Europe/London",
        "hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": [{"country": "GB", "subdivision": "ENG"}]})
    rule3 = RecurrenceRule(name="ci-bh", keys=("ci",), window="PT12H", min_count=5)
    timed("itsm_core find_recurring, 12 business hours (no peer)",
          lambda: find_recurring(incidents, rule3, calendar=office), repeat=1)


def clustering_sample() -> None:
    sample = generate_planted_problems(seed=43, incidents=SAMPLE, problems=SAMPLE // 200)
    incidents = sample.incidents
    print(f"\n== similarity clustering on one sample of {SAMPLE:,} incidents "
          "(Jaccard >= 1/2 over word sets, 3+ incidents)")
    lsh, lsh_s = timed("itsm_core cluster_incidents, method='lsh'",
                       lambda: cluster_incidents(incidents, threshold=THRESHOLD,
                                                 min_size=MIN_SIZE))
    exact, exact_s = timed("itsm_core cluster_incidents, method='exact'",
                           lambda: cluster_incidents(incidents, threshold=THRESHOLD,
                                                     min_size=MIN_SIZE, method="exact"))
    python, python_s = timed("peer: all pairs, pure Python loop + union-find",
                             lambda: all_pairs_python(incidents))
    numpy, numpy_s = timed("peer: all pairs, numpy matrix product + union-find",
                           lambda: all_pairs_numpy(incidents))
    exact_groups = {frozenset(c.incident_ids) for c in exact}
    assert python == exact_groups == numpy, "the all-pairs peers must find the exact clusters"
    ratio("pure-Python all pairs / itsm_core exact", python_s, exact_s)
    ratio("pure-Python all pairs / itsm_core lsh", python_s, lsh_s)
    ratio("numpy all pairs / itsm_core exact", numpy_s, exact_s)
    ratio("numpy all pairs / itsm_core lsh", numpy_s, lsh_s)
    exact_truth = {i: str(n) for n, c in enumerate(exact) for i in c.incident_ids}
    show("lsh clusters vs exact clusters (as truth)", score_against_truth(lsh, exact_truth))
    show("exact clusters vs planted", score_against_truth(exact, sample.truth))
    print(f"  (the numpy peer holds {SAMPLE:,}² intersection counts in memory; at {N:,} "
          f"incidents that would be {N * N * 4 / 1e9:.0f} GB, so no peer runs at full size)")


def clustering_full(incidents: Sequence[Incident], truth: dict[str, str]) -> None:
    print(f"\n== similarity clustering at full size, {len(incidents):,} incidents (no peer)")
    clusters, _ = timed("itsm_core cluster_incidents, method='lsh'",
                        lambda: cluster_incidents(incidents, threshold=THRESHOLD,
                                                  min_size=MIN_SIZE), repeat=1)
    show("lsh clusters vs planted", score_against_truth(clusters, truth))
    gapped = cluster_incidents(incidents, threshold=THRESHOLD, min_size=MIN_SIZE, max_gap="P2D")
    show("lsh clusters with max_gap P2D vs planted", score_against_truth(gapped, truth))
    alerts = [attrs.evolve(i, text=f"disk full on volume data srv{n:06d}")
              for n, i in enumerate(incidents)]
    timed("itsm_core cluster_incidents, templated alerts, max_gap P1D",
          lambda: cluster_incidents(alerts, min_size=MIN_SIZE, max_gap="P1D"), repeat=1)


def known_errors(data_incidents: Sequence[Incident], truth: dict[str, str],
                 records: Sequence[KnownError]) -> None:
    print("\n== known-error matching (no peer)")
    index, _ = timed(f"KnownErrorIndex.build ({len(records)} known errors)",
                     lambda: KnownErrorIndex.build(records), repeat=1)
    planted = [i for i in data_incidents if i.id in truth]
    matches, match_s = timed(f"match {len(planted):,} planted incidents (top 1)",
                             lambda: [index.match(i, k=1) for i in planted], repeat=1)
    hits = sum(1 for i, m in zip(planted, matches, strict=True)
               if m and m[0].known_error_id == truth[i.id].replace("PRB", "KE"))
    print(f"  top-1 accuracy {hits / len(planted):.3f}, {match_s / len(planted) * 1e6:.0f} "
          "µs per incident")


def main() -> None:
    print(f"bench_problem{' --quick' if QUICK else ''}: {N:,} incidents, {PROBLEMS} planted "
          "problems")
    data, _ = timed("generate_planted_problems",
                    lambda: generate_planted_problems(seed=42, incidents=N, problems=PROBLEMS),
                    repeat=1)
    print(f"  planted incidents: {len(data.truth):,}")
    recurrence(data.incidents, data.truth)
    clustering_sample()
    clustering_full(data.incidents, data.truth)
    known_errors(data.incidents, data.truth, data.known_errors)


if __name__ == "__main__":
    main()

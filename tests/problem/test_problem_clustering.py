"""cluster_incidents against an all-pairs brute-force oracle; LSH never invents links."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_problem import T0, UnionFindRef, incidents

from itsm_core.errors import ConfigError, UnknownNameError
from itsm_core.problem import (
    ClusterExplanation,
    Incident,
    cluster_incidents,
    score_against_truth,
)
from itsm_core.problem.clustering import UnionFind
from itsm_core.problem.synthetic import generate_planted_problems
from itsm_core.problem.text import jaccard, shingles, tokenize


def oracle(incs: list[Incident], threshold: Fraction, size: int, gap: timedelta | None,
           min_size: int) -> set[frozenset[str]]:
    uf = UnionFindRef()
    for i in incs:
        uf.find(i.id)
    sets = {i.id: shingles(tokenize(i.text), size) for i in incs}
    for a, b in combinations(incs, 2):
        close = gap is None or abs(a.opened_at - b.opened_at) < gap
        if close and jaccard(sets[a.id], sets[b.id]) >= threshold:
            uf.union(a.id, b.id)
    return {g for g in uf.groups() if len(g) >= min_size}


thresholds = st.sampled_from([Fraction(1, 5), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3),
                              Fraction(1)])
gaps = st.one_of(st.none(), st.integers(1, 200).map(lambda m: timedelta(minutes=m)))


class TestExact:
    @given(incidents(max_size=25), thresholds, st.integers(1, 2), gaps, st.integers(2, 4))
    def test_same_clusters_as_all_pairs(self, incs: list[Incident], threshold: Fraction,
                                        size: int, gap: timedelta | None, min_size: int) -> None:
        got = cluster_incidents(incs, threshold=threshold, shingle_size=size, max_gap=gap,
                                min_size=min_size, method="exact")
        assert {frozenset(c.incident_ids) for c in got} == oracle(incs, threshold, size, gap,
                                                                  min_size)
        by_id = {i.id: i for i in incs}
        for c in got:
            members = [by_id[i] for i in c.incident_ids]
            assert [m.opened_at for m in members] == sorted(m.opened_at for m in members)
            assert (c.first_at, c.last_at) == (members[0].opened_at, members[-1].opened_at)
            for term in c.shared_terms:
                assert 2 * sum(term in tokenize(m.text) for m in members) >= len(members)
            assert sum(n for _, n in c.cis) == sum(m.ci is not None for m in members)
        assert [len(c.incident_ids) for c in got] == sorted(
            (len(c.incident_ids) for c in got), reverse=True)


class TestLsh:
    @given(incidents(max_size=25), thresholds, gaps, st.integers(2, 3))
    def test_lsh_refines_exact(self, incs: list[Incident], threshold: Fraction,
                               gap: timedelta | None, min_size: int) -> None:
        exact = oracle(incs, threshold, 1, gap, min_size)
        for c in cluster_incidents(incs, threshold=threshold, max_gap=gap, min_size=min_size):
            assert any(set(c.incident_ids) <= g for g in exact)

    @given(incidents(max_size=25), gaps)
    def test_threshold_one_is_exact(self, incs: list[Incident], gap: timedelta | None) -> None:
        got = cluster_incidents(incs, threshold=1, max_gap=gap, min_size=2)
        assert {frozenset(c.incident_ids) for c in got} == oracle(incs, Fraction(1), 1, gap, 2)

    def test_lsh_finds_planted_problems_like_exact(self) -> None:
        data = generate_planted_problems(seed=11, incidents=1200, problems=8)
        lsh = cluster_incidents(data.incidents, threshold="0.5", min_size=3)
        exact = cluster_incidents(data.incidents, threshold="0.5", min_size=3, method="exact")
        ev_lsh = score_against_truth(lsh, data.truth)
        ev_exact = score_against_truth(exact, data.truth)
        assert ev_exact.problem_recall == 1
        assert ev_lsh.problem_recall == 1
        assert ev_lsh.pair_precision == 1
        assert ev_lsh.correct_pairs * 10 >= ev_exact.correct_pairs * 9

    def test_deterministic(self) -> None:
        data = generate_planted_problems(seed=2, incidents=500, problems=4)
        assert cluster_incidents(data.incidents) == cluster_incidents(reversed(data.incidents))


class TestExamples:
    def test_time_gap_splits_recurrences(self) -> None:
        incs = [Incident(id=f"I{n}", opened_at=T0 + timedelta(days=d), text="vpn drops")
                for n, d in enumerate([0, 0, 0, 30, 30, 30])]
        assert len(cluster_incidents(incs, min_size=3)) == 1
        assert len(cluster_incidents(incs, min_size=3, max_gap="P1D")) == 2

    def test_gap_is_half_open(self) -> None:
        incs = [Incident(id=f"I{n}", opened_at=T0 + timedelta(hours=n), text="disk full")
                for n in range(2)]
        assert cluster_incidents(incs, min_size=2, max_gap="PT1H") == []
        assert len(cluster_incidents(incs, min_size=2, max_gap="PT1H0.000001S")) == 1

    def test_empty_texts_never_link(self) -> None:
        incs = [Incident(id=f"I{n}", opened_at=T0, text="the and of") for n in range(3)]
        assert cluster_incidents(incs, min_size=2, method="exact") == []

    def test_explain_and_to_dict(self) -> None:
        incs = [Incident(id=f"I{n}", opened_at=T0 + timedelta(minutes=n), ci="gw1",
                         text="vpn drops") for n in range(3)]
        (c,) = cluster_incidents(incs)
        assert c.to_dict()["cis"] == [["gw1", 3]]
        explanation = c.explain()
        assert isinstance(explanation, ClusterExplanation)
        assert str(explanation).startswith("3 similar incidents sharing drops, vpn on gw1 (3)")
        assert c.to_dict()["explanation"] == str(explanation)
        assert explanation.to_dict() == {
            "size": 3, "shared_terms": ["drops", "vpn"], "cis": [["gw1", 3]],
            "first": "2025-03-01T00:00:00+00:00", "last": "2025-03-01T00:02:00+00:00"}

    def test_instants_are_utc_whatever_the_input_zone(self) -> None:
        plus5 = timezone(timedelta(hours=5))
        incs = [Incident(id=f"I{n}", opened_at=(T0 + timedelta(minutes=n)).astimezone(plus5),
                         text="vpn drops") for n in range(3)]
        (c,) = cluster_incidents(incs)
        assert c.first_at.utcoffset() == timedelta(0) and c.first_at == T0
        assert c.span == timedelta(minutes=2)

    @pytest.mark.parametrize(("kwargs", "path"), [
        ({"threshold": 0}, "threshold"), ({"threshold": "1.1"}, "threshold"),
        ({"threshold": "abc"}, "threshold"), ({"min_size": 1}, "min_size"),
        ({"max_gap": "PT0S"}, "max_gap"),
        ({"pair_recall": 0}, "pair_recall"), ({"num_perm": 0}, "num_perm"),
        ({"shingle_size": 0}, "shingle_size"),
    ])
    def test_bad_config(self, kwargs: dict[str, object], path: str) -> None:
        with pytest.raises(ConfigError) as info:
            cluster_incidents([], **kwargs)  # type: ignore[arg-type]
        assert info.value.path == path

    def test_unknown_method_is_an_unknown_name(self) -> None:
        with pytest.raises(UnknownNameError) as info:
            cluster_incidents([], method="fuzzy")
        assert (info.value.what, info.value.name, info.value.known) == (
            "method", "fuzzy", ("lsh", "exact"))


@given(st.integers(1, 20), st.lists(st.tuples(st.integers(0, 19), st.integers(0, 19))))
def test_union_find_matches_reference(n: int, edges: list[tuple[int, int]]) -> None:
    uf, ref = UnionFind(n), UnionFindRef()
    for x in range(n):
        ref.find(str(x))
    for a, b in edges:
        if a < n and b < n:
            uf.union(a, b)
            ref.union(str(a), str(b))
    for a in range(n):
        for b in range(n):
            assert (uf.find(a) == uf.find(b)) == (ref.find(str(a)) == ref.find(str(b)))


class TestTemplatedAlerts:
    """Thousands of near-identical texts ("disk full srv0042") share LSH buckets: linking
    must stay linear in the bucket size, with and without a time gap."""

    def alerts(self, n: int, minutes: int, text: str = "disk full") -> list[Incident]:
        return [Incident(id=f"A{k:05d}", opened_at=T0 + timedelta(minutes=minutes * k),
                         text=f"{text} srv{k:05d}") for k in range(n)]

    def test_exact_one_cluster_without_gap(self) -> None:
        (c,) = cluster_incidents(self.alerts(3000, 1), threshold="0.5", method="exact")
        assert len(c.incident_ids) == 3000
        assert c.shared_terms == ("disk", "full")

    def test_exact_gap_chains_or_splits(self) -> None:
        alerts = self.alerts(3000, 30)
        assert [len(c.incident_ids) for c in cluster_incidents(
            alerts, max_gap="PT31M", method="exact")] == [3000]
        assert cluster_incidents(alerts, max_gap="PT30M", method="exact") == []

    def test_lsh(self) -> None:
        # Jaccard 4/6 between any two: LSH proposes almost every text with another one
        alerts = self.alerts(3000, 30, "disk full on volume data")
        assert [len(c.incident_ids) for c in cluster_incidents(alerts)] == [3000]
        assert [len(c.incident_ids) for c in cluster_incidents(alerts, max_gap="PT3H")] == [3000]


def test_same_text_twice_at_one_instant_then_again_after_the_gap() -> None:
    # found by hypothesis: two incidents of one text at the same instant pushed two expiry
    # entries, and the second expiry raised a bare KeyError
    at = datetime(2025, 3, 1, tzinfo=timezone.utc)
    incs = [Incident(id="I000", opened_at=at, text="disk"),
            Incident(id="I001", opened_at=at, text="disk"),
            Incident(id="I002", opened_at=at + timedelta(minutes=1), text="disk")]
    got = cluster_incidents(incs, threshold=Fraction(1, 5), shingle_size=1,
                            max_gap=timedelta(minutes=1), min_size=2, method="exact")
    assert {frozenset(c.incident_ids) for c in got} == {frozenset({"I000", "I001"})}
    assert {frozenset(c.incident_ids) for c in got} == oracle(incs, Fraction(1, 5), 1,
                                                              timedelta(minutes=1), 2)

"""Metrics and scoring against known links, checked against brute-force definitions."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from fractions import Fraction
from itertools import combinations
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_problem import T0, incidents

from itsm_core.errors import ArgumentTypeError, ConfigError, NaiveDatetimeError, UnknownNameError
from itsm_core.problem import (
    Incident,
    Problem,
    incidents_per_problem,
    linked_share,
    mean_time_to,
    median_time_to,
    open_problem_ages,
    repeat_incident_rate,
    score_against_truth,
    time_to,
)
from itsm_core.problem.synthetic import generate_planted_problems


class TestIncidentMetrics:
    @given(incidents(), st.integers(1, 300))
    def test_repeat_rate_against_definition(self, incs: list[Incident], minutes: int) -> None:
        w = timedelta(minutes=minutes)
        counted = [i for i in incs if i.ci is not None and i.category is not None]

        def repeats(i: Incident) -> bool:
            return any(j is not i and (j.ci, j.category) == (i.ci, i.category)
                       and (j.opened_at, j.id) < (i.opened_at, i.id)
                       and i.opened_at - j.opened_at < w for j in counted)

        expected = Fraction(sum(map(repeats, counted)), len(counted)) if counted else None
        assert repeat_incident_rate(incs, timedelta(minutes=minutes)) == expected

    @given(incidents())
    def test_shares_and_counts(self, incs: list[Incident]) -> None:
        share = linked_share(incs)
        assert share == (Fraction(sum(i.problem_id is not None for i in incs), len(incs))
                         if incs else None)
        counts = incidents_per_problem(incs)
        assert sum(counts.values()) == sum(i.problem_id is not None for i in incs)
        assert list(counts) == sorted(counts)

    def test_bad_window(self) -> None:
        with pytest.raises(ConfigError, match="window"):
            repeat_incident_rate([], "PT0S")
        with pytest.raises(ArgumentTypeError, match=r"incidents\[0\]"):
            linked_share([None])  # type: ignore[list-item]


class TestProblemTimes:
    hours = st.lists(st.one_of(st.none(), st.integers(0, 500)), min_size=0, max_size=8)

    @given(hours)
    def test_mean_and_median(self, hs: list[int | None]) -> None:
        ps = [Problem(id=f"P{n}", opened_at=T0 + timedelta(days=n),
                      root_cause_at=None if h is None else T0 + timedelta(days=n, hours=h))
              for n, h in enumerate(hs)]
        reached = sorted(h for h in hs if h is not None)
        mean = mean_time_to(ps, "root_cause_at")
        median = median_time_to(ps, "root_cause_at")
        if not reached:
            assert mean is None and median is None
            return
        exact_mean = Fraction(sum(reached) * 3_600_000_000, len(reached))
        assert mean is not None and mean // timedelta(microseconds=1) == exact_mean // 1
        mid = len(reached) // 2
        exact_median = (Fraction(reached[mid]) if len(reached) % 2
                        else Fraction(reached[mid - 1] + reached[mid], 2))
        assert median == timedelta(microseconds=int(exact_median * 3_600_000_000))

    def test_unknown_milestone(self) -> None:
        with pytest.raises(UnknownNameError, match="milestone") as info:
            time_to(Problem(id="P", opened_at=T0), "closed_at")
        assert info.value.name == "closed_at"
        assert info.value.known == ("root_cause_at", "workaround_at", "fixed_at")

    def test_time_to_counts_real_time_across_a_clock_change(self) -> None:
        # London skips 01:00-02:00 on 2025-03-30: midnight to 03:00 local is two hours
        london = ZoneInfo("Europe/London")
        p = Problem(id="P", opened_at=datetime(2025, 3, 30, tzinfo=london),
                    root_cause_at=datetime(2025, 3, 30, 3, tzinfo=london))
        assert time_to(p, "root_cause_at") == timedelta(hours=2)
        assert p.milestone("root_cause_at") == datetime(2025, 3, 30, 2, tzinfo=ZoneInfo("UTC"))

    def test_open_problem_ages_take_as_of(self) -> None:
        ps = [Problem(id="A", opened_at=T0),
              Problem(id="B", opened_at=T0, state="closed", fixed_at=T0 + timedelta(days=1)),
              Problem(id="C", opened_at=T0, state="closed"),
              Problem(id="D", opened_at=T0 + timedelta(days=5))]
        as_of = T0 + timedelta(hours=12)
        assert open_problem_ages(ps, as_of=as_of) == {"A": timedelta(hours=12),
                                                       "B": timedelta(hours=12)}
        assert open_problem_ages(ps, as_of=T0 + timedelta(days=2)) == {"A": timedelta(days=2)}
        with pytest.raises(NaiveDatetimeError, match="as_of"):
            open_problem_ages(ps, as_of=datetime(2025, 1, 1))


groups = st.lists(st.lists(st.sampled_from("ABCDEFGHIJ"), min_size=1, max_size=5, unique=True),
                  max_size=5)
truths = st.dictionaries(st.sampled_from("ABCDEFGHIJ"), st.sampled_from(["P1", "P2", "P3"]))


class TestScoreAgainstTruth:
    @given(groups, truths)
    def test_pairwise_against_pair_sets(self, cands: list[list[str]],
                                        truth: dict[str, str]) -> None:
        ev = score_against_truth(cands, truth)
        predicted = {frozenset(p) for c in cands for p in combinations(c, 2)}
        true = {frozenset((a, b)) for a, b in combinations(sorted(truth), 2)
                if truth[a] == truth[b]}
        assert (ev.predicted_pairs, ev.true_pairs, ev.correct_pairs) == (
            len(predicted), len(true), len(predicted & true))
        assert ev.pair_precision == (Fraction(len(predicted & true), len(predicted))
                                     if predicted else None)

    @given(groups, truths)
    def test_problem_level(self, cands: list[list[str]], truth: dict[str, str]) -> None:
        ev = score_against_truth(cands, truth)
        detected = set()
        correct = 0
        for c in cands:
            for label, n in Counter(truth[i] for i in c if i in truth).items():
                if 2 * n > len(c):
                    correct += 1
                    detected.add(label)
        assert (ev.correct_candidates, ev.detected_problems) == (correct, len(detected))
        assert ev.problems == len(set(truth.values()))

    def test_rejects_strings(self) -> None:
        with pytest.raises(ArgumentTypeError):
            score_against_truth(["AB"], {})
        with pytest.raises(ArgumentTypeError, match="truth"):
            score_against_truth([], [("A", "P")])  # type: ignore[arg-type]


class TestSynthetic:
    def test_deterministic_and_seed_dependent(self) -> None:
        assert generate_planted_problems(seed=1, incidents=100, problems=2) == \
            generate_planted_problems(seed=1, incidents=100, problems=2)
        assert generate_planted_problems(seed=1, incidents=100, problems=2) != \
            generate_planted_problems(seed=2, incidents=100, problems=2)

    def test_planted_shape(self) -> None:
        data = generate_planted_problems(seed=4, incidents=600, problems=5, burst_size=(6, 9),
                                         burst_hours=12, linked_share=0.5)
        sizes = Counter(data.truth.values())
        assert len(sizes) == 5 and all(6 <= n <= 9 for n in sizes.values())
        by_id = {i.id: i for i in data.incidents}
        for pid in sizes:
            members = [by_id[i] for i in data.truth if data.truth[i] == pid]
            assert len({m.ci for m in members}) == 1
            assert max(m.opened_at for m in members) - min(m.opened_at for m in members) \
                < timedelta(hours=12)
        problems = {p.id: p for p in data.problems}
        for inc in data.incidents:
            if inc.problem_id:
                assert inc.id in problems[inc.problem_id].incident_ids
        ids = [i.id for i in data.incidents]
        assert ids == sorted(ids)
        assert [i.opened_at for i in data.incidents] == sorted(i.opened_at for i in data.incidents)

    @pytest.mark.parametrize(("kwargs", "path"), [({"incidents": -1}, "incidents"),
                                                  ({"incidents": 5, "problems": 2}, "incidents"),
                                                  ({"burst_size": (1, 3)}, "burst_size[0]"),
                                                  ({"cis": 0}, "cis"),
                                                  ({"burst_size": 5}, "burst_size"),
                                                  ({"linked_share": 1.5}, "linked_share")])
    def test_bad_arguments(self, kwargs: dict[str, object], path: str) -> None:
        with pytest.raises(ConfigError) as info:
            generate_planted_problems(seed=1, **kwargs)  # type: ignore[arg-type]
        assert info.value.path == path

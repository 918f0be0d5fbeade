"""similar_incidents and KnownErrorIndex against straightforward references."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_problem import T0, WORDS, incidents

from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError
from itsm_core.problem import (
    Incident,
    KnownError,
    KnownErrorExplanation,
    KnownErrorIndex,
    MatchWeights,
    similar_incidents,
)
from itsm_core.problem.synthetic import generate_planted_problems
from itsm_core.problem.text import TfidfModel, cosine, tokenize


class TestSimilarIncidents:
    @given(incidents(max_size=20), st.lists(st.sampled_from(WORDS), max_size=5),
           st.integers(1, 25))
    def test_matches_pairwise_cosine(self, corpus: list[Incident], words: list[str],
                                     k: int) -> None:
        query = Incident(id="Q", opened_at=T0, text=" ".join(words))
        model = TfidfModel.fit(tokenize(i.text) for i in corpus)
        qv = model.vector(tokenize(query.text))
        expected = sorted(((-round(s, 12), i.id), s) for i in corpus
                          if (s := cosine(qv, model.vector(tokenize(i.text)))) > 0)
        got = similar_incidents(query, corpus, k)
        assert [g.incident_id for g in got] == [key[1] for key, _ in expected[:k]]
        for g, (_, s) in zip(got, expected, strict=False):
            assert g.score == pytest.approx(s, abs=1e-12)
            assert set(g.shared_terms) == set(words) & set(
                tokenize(next(i.text for i in corpus if i.id == g.incident_id)))

    def test_excludes_itself_and_finds_its_planted_siblings(self) -> None:
        data = generate_planted_problems(seed=5, incidents=400, problems=3)
        probe = next(i for i in data.incidents if i.id in data.truth)
        got = similar_incidents(probe, data.incidents, k=5)
        assert probe.id not in {g.incident_id for g in got}
        assert all(data.truth.get(g.incident_id) == data.truth[probe.id] for g in got)

    def test_bad_arguments(self) -> None:
        q = Incident(id="Q", opened_at=T0)
        with pytest.raises(InvalidArgumentError, match="k"):
            similar_incidents(q, [], k=0)
        with pytest.raises(InvalidArgumentError, match="min_score"):
            similar_incidents(q, [], min_score=2)
        with pytest.raises(ArgumentTypeError, match="incident"):
            similar_incidents("Q", [])  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError, match="twice"):
            similar_incidents(q, [Incident(id="A", opened_at=T0)] * 2)


class TestKnownErrors:
    def index(self) -> KnownErrorIndex:
        return KnownErrorIndex.build([
            KnownError(id="KE1", symptom="mail queue stuck", error_code="ORA-12154"),
            KnownError(id="KE2", symptom="vpn drops", cis=["gw1"]),
            KnownError(id="KE3", symptom="printer jam", cis=["gw1"]),
        ])

    def test_code_beats_text(self) -> None:
        inc = Incident(id="I", opened_at=T0, text="vpn drops with ora-12154")
        got = self.index().match(inc)
        assert [m.known_error_id for m in got] == ["KE1", "KE2"]
        assert got[0].code_match and not got[1].code_match

    def test_own_error_code_case_insensitive(self) -> None:
        inc = Incident(id="I", opened_at=T0, error_code="ora-12154")
        assert [m.known_error_id for m in self.index().match(inc)] == ["KE1"]

    def test_ci_only_ties_break_by_id(self) -> None:
        inc = Incident(id="I", opened_at=T0, ci="gw1", text="something else")
        got = self.index().match(inc)
        assert [m.known_error_id for m in got] == ["KE2", "KE3"]
        assert got[0].score == got[1].score == pytest.approx(0.2)

    def test_weights_and_k(self) -> None:
        idx = KnownErrorIndex.build(self.index().known_errors.values(),
                                    MatchWeights(code=0, ci=1, text=0))
        inc = Incident(id="I", opened_at=T0, ci="gw1", text="ora-12154")
        assert [m.known_error_id for m in idx.match(inc, k=1)] == ["KE2"]
        with pytest.raises(ConfigError, match="weights"):
            MatchWeights(code=-1)

    def test_weights_are_read_exactly_and_round_trip(self) -> None:
        weights = MatchWeights.from_dict({"code": 0.6, "ci": "1/10", "text": "0.3"})
        assert (weights.code, weights.ci, weights.text) == (
            Fraction(3, 5), Fraction(1, 10), Fraction(3, 10))
        assert MatchWeights.from_dict(weights.to_dict()) == weights
        assert MatchWeights.from_dict({}) == MatchWeights()

    @pytest.mark.parametrize(("data", "path"), [
        ({"code": "x"}, "weights.code"), ({"ci": -1}, "weights.ci"),
        ({"text": True}, "weights.text"), ({"colour": 1}, "weights.colour"),
        (["code"], "weights")])
    def test_bad_weights_name_the_field(self, data: object, path: str) -> None:
        with pytest.raises(ConfigError) as info:
            MatchWeights.from_dict(data)  # type: ignore[arg-type]
        assert info.value.path == path

    def test_explanation(self) -> None:
        inc = Incident(id="I", opened_at=T0, ci="gw1", text="vpn drops")
        best = self.index().match(inc)[0]
        explanation = best.explain()
        assert isinstance(explanation, KnownErrorExplanation)
        assert str(explanation).startswith("KE2 score ")
        assert best.to_dict()["explanation"] == str(explanation)
        data = explanation.to_dict()
        assert (data["known_error_id"], data["code_match"], data["ci_match"]) == (
            "KE2", False, True)
        assert data["score"] == best.score and data["text_score"] == best.text_score

    @given(incidents(max_size=1).filter(bool), st.integers(1, 4))
    def test_scores_match_definition(self, incs: list[Incident], k: int) -> None:
        (inc,) = incs
        idx = self.index()
        w = idx.weights
        for m in idx.match(inc, k):
            ke = idx.known_errors[m.known_error_id]
            words = set(tokenize(inc.text))
            assert m.code_match == (ke.error_code is not None
                                    and ke.error_code.casefold() in words)
            assert m.ci_match == (inc.ci in ke.cis)
            assert m.score == pytest.approx(float(w.code) * m.code_match
                                            + float(w.ci) * m.ci_match
                                            + float(w.text) * m.text_score)

    def test_planted_known_errors_rank_first(self) -> None:
        data = generate_planted_problems(seed=9, incidents=300, problems=4)
        idx = KnownErrorIndex.build(data.known_errors)
        for inc in data.incidents:
            if inc.id in data.truth:
                best = idx.match(inc, k=1)[0]
                assert best.known_error_id == data.truth[inc.id].replace("PRB", "KE")

    def test_bad_input(self) -> None:
        with pytest.raises(ArgumentTypeError, match=r"known_errors\[0\]"):
            KnownErrorIndex.build(["KE1"])  # type: ignore[list-item]
        with pytest.raises(InvalidArgumentError, match="k"):
            self.index().match(Incident(id="I", opened_at=T0 + timedelta(0)), k=0)

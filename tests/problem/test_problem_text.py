"""Tokens, shingles, Jaccard, TF-IDF cosine, MinHash and LSH."""

from __future__ import annotations

import math
import subprocess
import sys
from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_problem import WORDS

from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError
from itsm_core.problem.minhash import (
    MinHasher,
    candidate_probability,
    lsh_buckets,
    lsh_shape,
    stable_hash,
)
from itsm_core.problem.text import TfidfModel, cosine, jaccard, shingles, tokenize

word_sets = st.frozensets(st.sampled_from(WORDS), max_size=10)
token_lists = st.lists(st.sampled_from(WORDS), max_size=10).map(tuple)


class TestTokenize:
    def test_error_codes_stay_whole(self) -> None:
        assert tokenize("Error 0x80070005 on 10.0.0.1 (ORA-12154)") == (
            "error", "0x80070005", "10.0.0.1", "ora-12154")

    def test_punctuation_and_case(self) -> None:
        assert tokenize("Disk FULL!!! disk... full?") == ("disk", "full", "disk", "full")

    def test_not_a_string(self) -> None:
        with pytest.raises(ArgumentTypeError, match="text"):
            tokenize(None)  # type: ignore[arg-type]

    @given(st.text(max_size=40))
    def test_tokens_are_casefolded_and_non_empty(self, text: str) -> None:
        for token in tokenize(text):
            assert token and token == token.casefold()


class TestShinglesAndJaccard:
    @given(token_lists, st.integers(1, 4))
    def test_shingle_count(self, tokens: tuple[str, ...], size: int) -> None:
        result = shingles(tokens, size)
        assert len(result) <= max(1, len(tokens) - size + 1) if tokens else result == frozenset()

    def test_bad_size(self) -> None:
        with pytest.raises(InvalidArgumentError, match="shingle_size"):
            shingles(("a",), 0)

    @given(word_sets, word_sets)
    def test_jaccard_against_definition(self, a: frozenset[str], b: frozenset[str]) -> None:
        j = jaccard(a, b)
        assert j == (Fraction(len(a & b), len(a | b)) if a | b else 0)
        assert j == jaccard(b, a)
        assert 0 <= j <= 1
        assert (j == 1) == (a == b and bool(a))


class TestTfidf:
    @given(st.lists(token_lists, min_size=1, max_size=8), token_lists, token_lists)
    def test_cosine_matches_dense_formula(self, corpus: list[tuple[str, ...]],
                                          a: tuple[str, ...], b: tuple[str, ...]) -> None:
        model = TfidfModel.fit(corpus)
        n = len(corpus)

        def dense(tokens: tuple[str, ...]) -> list[float]:
            return [tokens.count(w) * (math.log((1 + n) / (1 + sum(w in d for d in corpus))) + 1)
                    for w in WORDS]

        u, v = dense(a), dense(b)
        nu, nv = math.sqrt(sum(x * x for x in u)), math.sqrt(sum(x * x for x in v))
        expected = sum(x * y for x, y in zip(u, v, strict=True)) / (nu * nv) if nu and nv else 0.0
        got = cosine(model.vector(a), model.vector(b))
        assert got == pytest.approx(expected, abs=1e-12)
        assert -1e-12 <= got <= 1 + 1e-12

    def test_identical_texts_score_one(self) -> None:
        model = TfidfModel.fit([("a", "b"), ("c",)])
        assert cosine(model.vector(("a", "b")), model.vector(("b", "a"))) == pytest.approx(1.0)


class TestMinHash:
    def test_stable_across_processes(self) -> None:
        # Python's hash() is salted per process; ours must not be.
        code = ("from itsm_core.problem.minhash import MinHasher, stable_hash;"
                "print(stable_hash('disk full'), MinHasher(num_perm=4).signature({'a', 'b'}))")
        runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True, env={"PYTHONHASHSEED": seed}).stdout
                for seed in ("1", "2")}
        assert len(runs) == 1
        assert runs.pop().split()[0] == str(stable_hash("disk full"))

    @given(word_sets, word_sets)
    def test_equal_sets_equal_signatures(self, a: frozenset[str], b: frozenset[str]) -> None:
        mh = MinHasher(num_perm=16)
        assert (mh.signature(a) == mh.signature(b)) >= (a == b)
        both = mh.signature(a | b)
        assert both == tuple(map(min, mh.signature(a), mh.signature(b))) or not (a and b)

    def test_agreement_estimates_jaccard(self) -> None:
        # 60 shared of 100 distinct shingles: Jaccard 3/5; 1024 hashes estimate it within 0.05.
        a = frozenset(f"w{i}" for i in range(80))
        b = frozenset(f"w{i}" for i in range(20, 100))
        mh = MinHasher(num_perm=1024, seed=5)
        agree = sum(x == y for x, y in zip(mh.signature(a), mh.signature(b), strict=True))
        assert abs(Fraction(agree, 1024) - Fraction(3, 5)) < Fraction(1, 20)

    @pytest.mark.parametrize("value", [0, 2000, True, "64"])
    def test_bad_num_perm(self, value: object) -> None:
        with pytest.raises(ConfigError, match="num_perm"):
            MinHasher(num_perm=value)


class TestLsh:
    @given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3),
                              st.integers(0, 3)), max_size=12), st.sampled_from([1, 2, 4]))
    def test_buckets_match_brute_force(self, sigs: list[tuple[int, ...]], rows: int) -> None:
        bands = 4 // rows
        got = {tuple(b) for b in lsh_buckets(sigs, bands, rows)}
        pairs = {(i, j) for i, j in combinations(range(len(sigs)), 2)
                 if any(sigs[i][b * rows:(b + 1) * rows] == sigs[j][b * rows:(b + 1) * rows]
                        for b in range(bands))}
        assert {p for b in got for p in combinations(b, 2)} == pairs

    @given(st.fractions(min_value=Fraction(1, 20), max_value=1), st.sampled_from([16, 64, 128]))
    def test_shape_meets_target(self, threshold: Fraction, num_perm: int) -> None:
        bands, rows = lsh_shape(threshold, num_perm)
        assert bands * rows <= num_perm
        assert candidate_probability(threshold, bands, rows) >= Fraction(1, 2)
        # the most rows per band that meet the target: every longer band misses it
        assert all(candidate_probability(threshold, num_perm // r, r) < Fraction(1, 2)
                   for r in range(rows + 1, num_perm + 1))

"""Score problem candidates against known links: pairwise and per-problem precision/recall.

Use it to measure a detector (recurrence rules, clustering) on data whose true grouping is
known, such as :func:`~itsm_core.problem.synthetic.generate_planted_problems` output or
incidents already linked by hand.

*Pairwise*: a pair of incidents is predicted when some candidate holds both, true when both
link to the same problem; precision = true predicted pairs / predicted pairs, recall = true
predicted pairs / true pairs.  *Per problem*: a candidate is correct when more than half of
its incidents belong to one problem, which it then detects; candidate precision = correct /
candidates, problem recall = detected problems / problems.  All exact Fractions, ``None``
when the denominator is zero.

>>> truth = {"A": "P1", "B": "P1", "C": "P1", "D": "P2", "E": "P2"}
>>> score = score_against_truth([("A", "B"), ("C", "D", "E")], truth)
>>> score.pair_precision, score.pair_recall, score.candidate_precision, score.problem_recall
(Fraction(1, 2), Fraction(1, 2), Fraction(1, 1), Fraction(1, 1))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction
from itertools import combinations
from typing import Any

import attrs

from itsm_core._args import items_of
from itsm_core.errors import ArgumentTypeError

__all__ = ["GroupingScore", "score_against_truth"]


def _share(num: int, den: int) -> Fraction | None:
    return Fraction(num, den) if den else None


@attrs.frozen(kw_only=True)
class GroupingScore:
    """Precision and recall of candidates against ground truth (see the module text).

    >>> score_against_truth([], {}).to_dict()["pair_precision"] is None
    True
    """

    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    candidates: int
    correct_candidates: int
    problems: int
    detected_problems: int

    @property
    def pair_precision(self) -> Fraction | None:
        """Correct predicted pairs / predicted pairs.

        >>> score_against_truth([("A", "B")], {"A": "P", "B": "Q"}).pair_precision
        Fraction(0, 1)
        """
        return _share(self.correct_pairs, self.predicted_pairs)

    @property
    def pair_recall(self) -> Fraction | None:
        """Correct predicted pairs / true pairs.

        >>> score_against_truth([], {"A": "P", "B": "P"}).pair_recall
        Fraction(0, 1)
        """
        return _share(self.correct_pairs, self.true_pairs)

    @property
    def candidate_precision(self) -> Fraction | None:
        """Candidates with a majority problem / candidates.

        >>> score_against_truth([("A", "B", "C")], {"A": "P", "B": "P"}).candidate_precision
        Fraction(1, 1)
        """
        return _share(self.correct_candidates, self.candidates)

    @property
    def problem_recall(self) -> Fraction | None:
        """Problems that some candidate detects / problems.

        >>> score_against_truth([("A", "B")], {"A": "P", "B": "P", "C": "Q", "D": "Q"}).problem_recall
        Fraction(1, 2)
        """
        return _share(self.detected_problems, self.problems)

    def to_dict(self) -> dict[str, Any]:
        """Counts and ratios as plain data (ratios as floats, for display).

        >>> score_against_truth([("A", "B")], {"A": "P", "B": "P"}).to_dict()["pair_recall"]
        1.0
        """
        out: dict[str, Any] = attrs.asdict(self)
        for name in ("pair_precision", "pair_recall", "candidate_precision", "problem_recall"):
            value = getattr(self, name)
            out[name] = None if value is None else float(value)
        return out


def _ids(candidate: object, index: int) -> tuple[str, ...]:
    ids = getattr(candidate, "incident_ids", candidate)
    if isinstance(ids, str) or not isinstance(ids, Iterable):
        raise ArgumentTypeError(
            f"candidates[{index}]: expected incident ids or an object with incident_ids, "
            f"got {type(candidate).__name__}")
    return tuple(sorted(set(ids)))


def score_against_truth(candidates: Iterable[object],
                        truth: Mapping[str, str]) -> GroupingScore:
    """Score *candidates* (id collections, or objects with ``incident_ids`` such as
    recurrence candidates and clusters) against *truth* (incident id -> problem id).

    Incidents absent from *truth* belong to no problem: a pair involving one is false.

    >>> score_against_truth([3], {})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: candidates[0]: expected incident ids or an object with incident_ids, got int
    """
    if not isinstance(truth, Mapping):
        raise ArgumentTypeError(
            f"truth: expected a mapping of incident id to problem id, got {type(truth).__name__}")
    groups = [_ids(c, i) for i, c in enumerate(items_of(candidates, "candidates", "candidate groups"))]
    sizes = Counter(truth.values())
    true_pairs = sum(n * (n - 1) // 2 for n in sizes.values())
    members = [i for g in groups for i in g]
    if len(members) == len(set(members)):  # disjoint: count pairs from the contingency table
        predicted = sum(len(g) * (len(g) - 1) // 2 for g in groups)
        cells = Counter((n, truth[i]) for n, g in enumerate(groups) for i in g if i in truth)
        correct = sum(c * (c - 1) // 2 for c in cells.values())
    else:  # overlapping candidates: a pair in two candidates is still one prediction
        pairs = {pair for g in groups for pair in combinations(g, 2)}
        predicted = len(pairs)
        correct = sum(1 for a, b in pairs if a in truth and truth.get(b) == truth[a])
    correct_candidates = 0
    detected: set[str] = set()
    for g in groups:
        labels = Counter(truth[i] for i in g if i in truth)
        if labels:
            label, count = min(labels.items(), key=lambda lc: (-lc[1], lc[0]))
            if 2 * count > len(g):
                correct_candidates += 1
                detected.add(label)
    return GroupingScore(true_pairs=true_pairs, predicted_pairs=predicted,
                         correct_pairs=correct, candidates=len(groups),
                         correct_candidates=correct_candidates, problems=len(sizes),
                         detected_problems=len(detected))

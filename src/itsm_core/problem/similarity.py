"""Nearest incidents by TF-IDF cosine similarity, through an inverted index.

:class:`TextIndex` holds TF-IDF vectors of many documents and an inverted index from term to
documents, so a query touches only documents sharing a term with it.  Rankings are
deterministic: scores are rounded to 12 decimals for ordering (so the last bits of ``log``
cannot reorder results between platforms) and ties go to the smaller id.

>>> from datetime import datetime, timezone
>>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
>>> corpus = [Incident(id="A", opened_at=t, text="vpn drops every hour"),
...           Incident(id="B", opened_at=t, text="printer jam"),
...           Incident(id="C", opened_at=t, text="vpn tunnel drops")]
>>> new = Incident(id="N", opened_at=t, text="VPN drops again")
>>> [(s.incident_id, s.shared_terms) for s in similar_incidents(new, corpus, k=5)]
[('C', ('drops', 'vpn')), ('A', ('drops', 'vpn'))]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown
from itsm_core.problem.records import Incident, _validated_incidents
from itsm_core.problem.text import TfidfModel, tokenize

__all__ = ["SimilarIncident", "TextIndex", "rank_key", "similar_incidents"]


def rank_key(score: float, ident: str) -> tuple[float, str]:
    """Sort key for "best first, ties by id": the score rounded to 12 decimals, negated.

    >>> sorted([(0.5, "b"), (0.5, "a"), (0.9, "c")], key=lambda s: rank_key(*s))
    [(0.9, 'c'), (0.5, 'a'), (0.5, 'b')]
    """
    return (-round(score, 12), ident)


@attrs.frozen(eq=False)
class TextIndex:
    """TF-IDF vectors of documents with an inverted index (documents compare by identity).

    >>> idx = TextIndex.build([("A", ("disk", "full")), ("B", ("vpn", "drops"))])
    >>> [(i, round(s, 3)) for i, s in idx.scores(("disk",)).items()]
    [('A', 0.707)]
    """

    model: TfidfModel
    vectors: dict[str, dict[str, float]]
    postings: dict[str, list[str]]

    @classmethod
    def build(cls, documents: Iterable[tuple[str, Sequence[str]]]) -> TextIndex:
        """Index ``(id, tokens)`` pairs; a repeated id is an error.

        >>> TextIndex.build([("A", ()), ("A", ())])
        Traceback (most recent call last):
        ...
        itsm_core.errors.InvalidArgumentError: documents: id 'A' appears twice; expected unique ids
        """
        docs = list(documents)
        model = TfidfModel.fit(tokens for _, tokens in docs)
        vectors: dict[str, dict[str, float]] = {}
        postings: dict[str, list[str]] = {}
        for ident, tokens in docs:
            if ident in vectors:
                raise InvalidArgumentError(
                    f"documents: id {shown(ident)} appears twice; expected unique ids")
            vectors[ident] = vec = model.vector(tokens)
            for term in vec:
                postings.setdefault(term, []).append(ident)
        return cls(model, vectors, postings)

    def scores(self, tokens: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of *tokens* to every document sharing a term (others score 0).

        >>> TextIndex.build([("A", ("x",))]).scores(("y",))
        {}
        """
        query = self.model.vector(tokens)
        out: dict[str, float] = {}
        for term, weight in query.items():
            for ident in self.postings.get(term, ()):
                out[ident] = out.get(ident, 0.0) + weight * self.vectors[ident][term]
        return out


@attrs.frozen(kw_only=True)
class SimilarIncident:
    """One neighbour: its id, cosine score (for display and ranking) and the shared terms.

    >>> SimilarIncident(incident_id="A", score=0.5, shared_terms=("vpn",)).to_dict()
    {'incident_id': 'A', 'score': 0.5, 'shared_terms': ['vpn']}
    """

    incident_id: str
    score: float
    shared_terms: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> SimilarIncident(incident_id="A", score=1.0, shared_terms=()).to_dict()["score"]
        1.0
        """
        return {"incident_id": self.incident_id, "score": self.score,
                "shared_terms": list(self.shared_terms)}


def similar_incidents(incident: Incident, corpus: Iterable[Incident], k: int = 10, *,
                      min_score: float = 0.0) -> list[SimilarIncident]:
    """The *k* incidents of *corpus* most similar to *incident* by TF-IDF cosine.

    The idf comes from the corpus; the incident itself (same id) is never its own
    neighbour; incidents sharing no term are never returned.

    Raises:
        InvalidArgumentError: *k* < 1 or *min_score* outside [0, 1].

    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
    >>> similar_incidents(Incident(id="N", opened_at=t), [], k=0)
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: k: 0; expected an integer >= 1
    """
    if not isinstance(incident, Incident):
        raise ArgumentTypeError(f"incident: expected an Incident, got {type(incident).__name__}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidArgumentError(f"k: {shown(k)}; expected an integer >= 1")
    if isinstance(min_score, bool) or not isinstance(min_score, (int, float)) or not (
            0 <= min_score <= 1):
        raise InvalidArgumentError(f"min_score: {shown(min_score)}; expected a number in [0, 1]")
    pool = [inc for inc in _validated_incidents(corpus) if inc.id != incident.id]
    pairs = [(inc.id, tokenize(inc.text)) for inc in pool]
    index = TextIndex.build(pairs)
    tokens = dict(pairs)
    query = tokenize(incident.text)
    scored = [(s, i) for i, s in index.scores(query).items() if s > 0 and s >= min_score]
    scored.sort(key=lambda si: rank_key(*si))
    words = set(query)
    return [SimilarIncident(incident_id=i, score=s,
                            shared_terms=tuple(sorted(words.intersection(tokens[i]))))
            for s, i in scored[:k]]

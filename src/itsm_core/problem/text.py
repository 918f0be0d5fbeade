"""Text features without external services: tokens, word shingles, Jaccard, TF-IDF cosine.

Everything is deterministic: tokenisation is a fixed regular expression over the casefolded
text, Jaccard similarity is an exact :class:`~fractions.Fraction`, and TF-IDF weights are
computed in one fixed order, so the same corpus gives the same scores on every run.

>>> tokenize("ORA-12154: TNS could not resolve the connect identifier")
('ora-12154', 'tns', 'could', 'resolve', 'connect', 'identifier')
>>> jaccard(shingles(tokenize("disk full on db01")), shingles(tokenize("db01 disk full")))
Fraction(1, 1)
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

import attrs

from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown

__all__ = ["STOPWORDS", "TfidfModel", "cosine", "jaccard", "shingles", "tokenize"]

#: Words too common to say anything about a symptom (a short English list, fixed).
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "cannot", "do",
    "does", "for", "from", "has", "have", "i", "in", "into", "is", "it", "its", "me", "my",
    "no", "not", "of", "on", "or", "our", "please", "so", "that", "the", "their", "there",
    "this", "to", "was", "we", "were", "when", "with", "you", "your",
})

# A token is a run of letters/digits, with inner '-', '.', ':' or '/' kept so that error codes
# (ORA-12154, 0x80070005, 10.0.0.1) stay one token.
_TOKEN = re.compile(r"[^\W_]+(?:[-./:][^\W_]+)*")


def tokenize(text: str, *, stopwords: frozenset[str] = STOPWORDS) -> tuple[str, ...]:
    """Split *text* into casefolded tokens, dropping *stopwords*, keeping order and repeats.

    Raises:
        ArgumentTypeError: *text* is not a string.

    >>> tokenize("Cannot log in: password expired, password reset fails")
    ('log', 'password', 'expired', 'password', 'reset', 'fails')
    >>> tokenize("Straße closed", stopwords=frozenset())
    ('strasse', 'closed')
    """
    if not isinstance(text, str):
        raise ArgumentTypeError(f"text: expected a string, got {type(text).__name__}")
    return tuple(t for t in _TOKEN.findall(text.casefold()) if t not in stopwords)


def shingles(tokens: Sequence[str], size: int = 1) -> frozenset[str]:
    """The set of word *size*-grams of *tokens* (a text shorter than *size* is one shingle).

    Raises:
        InvalidArgumentError: *size* < 1.

    >>> sorted(shingles(("disk", "full", "on", "db01"), 2))
    ['disk full', 'full on', 'on db01']
    >>> shingles(("disk",), 3)
    frozenset({'disk'})
    >>> shingles(())
    frozenset()
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InvalidArgumentError(f"shingle_size: {shown(size)}; expected an integer >= 1")
    if isinstance(tokens, str) or not isinstance(tokens, Sequence) or not all(
            isinstance(token, str) for token in tokens):
        raise ArgumentTypeError(f"tokens: expected a sequence of strings, got {shown(tokens)}")
    if len(tokens) <= size:
        return frozenset({" ".join(tokens)}) if tokens else frozenset()
    return frozenset(" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> Fraction:
    """Exact Jaccard similarity ``|a ∩ b| / |a ∪ b|``; two empty sets score 0 (no evidence).

    >>> jaccard({"a", "b", "c"}, {"b", "c", "d"})
    Fraction(1, 2)
    >>> jaccard(set(), set())
    Fraction(0, 1)
    """
    for name, value in (("a", a), ("b", b)):
        if not isinstance(value, (set, frozenset)):
            raise ArgumentTypeError(f"{name}: expected a set of shingles, got "
                                    f"{type(value).__name__}")
    inter = len(a & b)
    union = len(a) + len(b) - inter
    return Fraction(inter, union) if union else Fraction(0)


def cosine(u: Mapping[str, float], v: Mapping[str, float]) -> float:
    """Dot product of two L2-normalised sparse vectors (terms in sorted order, for determinism).

    >>> cosine({"a": 0.6, "b": 0.8}, {"a": 1.0})
    0.6
    """
    for name, value in (("u", u), ("v", v)):
        if not isinstance(value, Mapping):
            raise ArgumentTypeError(f"{name}: expected a mapping of term -> weight, got "
                                    f"{type(value).__name__}")
    small, large = (u, v) if len(u) <= len(v) else (v, u)
    try:
        return math.fsum(w * large[t] for t, w in sorted(small.items()) if t in large)
    except TypeError:  # terms that are not all strings, or weights that are not numbers
        raise ArgumentTypeError("u, v: expected mappings of str term -> float weight") from None


@attrs.frozen(eq=False)
class TfidfModel:
    """Smoothed inverse document frequencies over a corpus: ``idf = ln((1+N)/(1+df)) + 1``.

    Build with :meth:`fit`; :meth:`vector` turns tokens into an L2-normalised sparse
    TF-IDF vector (raw term counts times idf).  A term absent from the corpus gets the
    largest idf, as in scikit-learn's smoothed formula.  Models compare by identity.

    >>> model = TfidfModel.fit([("disk", "full"), ("disk", "slow"), ("vpn", "drops")])
    >>> round(cosine(model.vector(("disk", "full")), model.vector(("disk", "slow"))), 3)
    0.366
    """

    documents: int
    frequencies: Mapping[str, int] = attrs.field(repr=False)

    @classmethod
    def fit(cls, corpus: Iterable[Sequence[str]]) -> TfidfModel:
        """Count in how many token sequences of *corpus* each term occurs.

        >>> TfidfModel.fit([("a", "a"), ("a", "b")]).frequencies["a"]
        2
        """
        df: Counter[str] = Counter()
        n = 0
        for tokens in corpus:
            n += 1
            df.update(set(tokens))
        return cls(n, dict(df))

    def idf(self, term: str) -> float:
        """The smoothed inverse document frequency of *term*.

        >>> TfidfModel.fit([("a",), ("b",)]).idf("a") < TfidfModel.fit([("a",), ("b",)]).idf("z")
        True
        """
        return math.log((1 + self.documents) / (1 + self.frequencies.get(term, 0))) + 1.0

    def vector(self, tokens: Sequence[str]) -> dict[str, float]:
        """The L2-normalised TF-IDF vector of *tokens* (empty for no tokens).

        >>> TfidfModel.fit([("a",)]).vector(("a", "a"))
        {'a': 1.0}
        """
        weights = {t: c * self.idf(t) for t, c in sorted(Counter(tokens).items())}
        norm = math.sqrt(math.fsum(w * w for w in weights.values()))
        return {t: w / norm for t, w in weights.items()} if norm else {}

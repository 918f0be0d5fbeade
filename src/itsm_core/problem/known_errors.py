"""Rank known errors for a new incident by error code, configuration item and text.

Each known error earns an explainable score from three parts: the error code (the
incident's own code, or the known error's code appearing as a token in its text), a shared
configuration item, and the TF-IDF cosine between the incident text and the known error's
symptom, root cause and workaround.  The parts are weighted (code 1/2, CI 1/5, text 3/10 by
default) and every match lists them.

>>> from datetime import datetime, timezone
>>> index = KnownErrorIndex.build([
...     KnownError(id="KE1", symptom="Outlook cannot connect to Exchange", error_code="0x800CCC0E"),
...     KnownError(id="KE2", symptom="VPN drops after 60 minutes", cis=["vpn-gw1"])])
>>> inc = Incident(id="I1", opened_at=datetime(2025, 3, 1, tzinfo=timezone.utc),
...                ci="vpn-gw1", text="vpn connection drops hourly")
>>> [(m.known_error_id, m.ci_match, m.code_match) for m in index.match(inc)]
[('KE2', True, False)]
>>> print(index.match(inc)[0].explain())
KE2 score 0.306: code no, CI yes, text 0.352
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._config import check_depth, reject_unknown
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, shown
from itsm_core.problem.records import Incident, KnownError
from itsm_core.problem.similarity import TextIndex, rank_key
from itsm_core.problem.text import tokenize
from itsm_core.ratios import parse_number

__all__ = ["KnownErrorExplanation", "KnownErrorIndex", "KnownErrorMatch", "MatchWeights"]

_WEIGHTS = ("code", "ci", "text")


def _weight(value: object, path: str) -> Fraction:
    weight = parse_number(value, path)
    if weight < 0:
        raise ConfigError(path, f"negative weight {shown(value)}", "a number >= 0")
    return weight


def _code_weight(value: object) -> Fraction:
    return _weight(value, "weights.code")


def _ci_weight(value: object) -> Fraction:
    return _weight(value, "weights.ci")


def _text_weight(value: object) -> Fraction:
    return _weight(value, "weights.text")


@attrs.frozen(kw_only=True)
class MatchWeights:
    """How much an error-code match, a CI match and full text similarity each add.

    Weights are exact numbers >= 0, read with :func:`itsm_core.ratios.parse_number`
    (``"0.6"``, ``"3/5"``, ``0.6`` or a Fraction all mean 3/5).

    >>> MatchWeights(code="0.6", ci="0.1", text="0.3").code
    Fraction(3, 5)
    >>> MatchWeights(code=-1)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: weights.code: negative weight -1; expected a number >= 0
    """

    code: Fraction = attrs.field(default=Fraction(1, 2), converter=_code_weight)
    ci: Fraction = attrs.field(default=Fraction(1, 5), converter=_ci_weight)
    text: Fraction = attrs.field(default=Fraction(3, 10), converter=_text_weight)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MatchWeights:
        """Read weights from plain data; a missing weight keeps its default.

        >>> MatchWeights.from_dict({"code": "1/2", "ci": 0, "text": "0.5"}).text
        Fraction(1, 2)
        >>> MatchWeights.from_dict({"colour": 1})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: weights.colour: unknown key; expected one of code, ci, text
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("weights", f"expected a mapping, got {type(data).__name__}",
                              "a dict with " + ", ".join(_WEIGHTS))
        reject_unknown(data, _WEIGHTS, "weights")
        return cls(**data)

    def to_dict(self) -> dict[str, str]:
        """The weights as exact text that :meth:`from_dict` reads back.

        >>> MatchWeights(ci=1).to_dict()
        {'code': '1/2', 'ci': '1', 'text': '3/10'}
        >>> MatchWeights.from_dict(MatchWeights(code="1/3").to_dict()) == MatchWeights(code="1/3")
        True
        """
        return {name: str(getattr(self, name)) for name in _WEIGHTS}


@attrs.frozen(kw_only=True)
class KnownErrorExplanation:
    """Why a known error matched: its score and the three parts the score is made of.

    Attributes:
        known_error_id: the known error.
        score: the weighted sum of the parts (for display and ranking).
        code_match: the error code matched; ci_match: the CI matched.
        text_score: TF-IDF cosine between the incident text and the known error's text.

    >>> ex = KnownErrorExplanation(known_error_id="KE1", score=0.5, code_match=True,
    ...                            ci_match=False, text_score=0.0)
    >>> print(ex)
    KE1 score 0.500: code yes, CI no, text 0.000
    >>> ex.to_dict()["code_match"]
    True
    """

    known_error_id: str
    score: float
    code_match: bool
    ci_match: bool
    text_score: float

    def __str__(self) -> str:
        yes = {True: "yes", False: "no"}
        return (f"{self.known_error_id} score {self.score:.3f}: code {yes[self.code_match]}, "
                f"CI {yes[self.ci_match]}, text {self.text_score:.3f}")

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> KnownErrorExplanation(known_error_id="K", score=0.2, code_match=False,
        ...                       ci_match=True, text_score=0.0).to_dict()["score"]
        0.2
        """
        return attrs.asdict(self)


@attrs.frozen(kw_only=True)
class KnownErrorMatch:
    """One ranked known error and why it ranks where it does.

    >>> m = KnownErrorMatch(known_error_id="KE1", score=0.5, code_match=True,
    ...                     ci_match=False, text_score=0.0)
    >>> m.to_dict()["explanation"]
    'KE1 score 0.500: code yes, CI no, text 0.000'
    """

    known_error_id: str
    score: float
    code_match: bool
    ci_match: bool
    text_score: float

    def explain(self) -> KnownErrorExplanation:
        """The score and its three parts.

        >>> print(KnownErrorMatch(known_error_id="K", score=0.2, code_match=False, ci_match=True,
        ...                       text_score=0.0).explain())
        K score 0.200: code no, CI yes, text 0.000
        """
        return KnownErrorExplanation(known_error_id=self.known_error_id, score=self.score,
                                     code_match=self.code_match, ci_match=self.ci_match,
                                     text_score=self.text_score)

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> KnownErrorMatch(known_error_id="K", score=0.2, code_match=False, ci_match=True,
        ...                 text_score=0.0).to_dict()["ci_match"]
        True
        """
        return attrs.asdict(self) | {"explanation": str(self.explain())}


def _ke_tokens(ke: KnownError) -> tuple[str, ...]:
    return tokenize(" ".join((ke.symptom, ke.root_cause, ke.workaround)))


@attrs.frozen(eq=False)
class KnownErrorIndex:
    """An index of known errors, built once, queried per incident (compares by identity).

    >>> from datetime import datetime, timezone
    >>> index = KnownErrorIndex.build([KnownError(id="KE1", symptom="printer jam")])
    >>> index.match(Incident(id="I", opened_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
    ...                      text="vpn drops"))
    []
    """

    known_errors: dict[str, KnownError]
    text: TextIndex
    weights: MatchWeights
    by_code: dict[str, list[str]]
    by_ci: dict[str, list[str]]

    @classmethod
    def build(cls, known_errors: Iterable[KnownError],
              weights: MatchWeights | None = None) -> KnownErrorIndex:
        """Index *known_errors* (ids must be unique).

        >>> KnownErrorIndex.build([KnownError(id="K"), KnownError(id="K")])
        Traceback (most recent call last):
        ...
        itsm_core.errors.InvalidArgumentError: known_errors: id 'K' appears twice; expected unique ids
        """
        by_id: dict[str, KnownError] = {}
        for index, ke in enumerate(known_errors):
            if not isinstance(ke, KnownError):
                raise ArgumentTypeError(
                    f"known_errors[{index}]: expected a KnownError, got {type(ke).__name__}")
            if ke.id in by_id:
                raise InvalidArgumentError(
                    f"known_errors: id {shown(ke.id)} appears twice; expected unique ids")
            by_id[ke.id] = ke
        if weights is not None and not isinstance(weights, MatchWeights):
            raise ArgumentTypeError(f"weights: expected MatchWeights, got {type(weights).__name__}")
        text = TextIndex.build((ke.id, _ke_tokens(ke)) for ke in by_id.values())
        by_code: dict[str, list[str]] = {}
        by_ci: dict[str, list[str]] = {}
        for ke in by_id.values():
            if ke.error_code:
                by_code.setdefault(ke.error_code.casefold(), []).append(ke.id)
            for ci in ke.cis:
                by_ci.setdefault(ci, []).append(ke.id)
        return cls(by_id, text, weights or MatchWeights(), by_code, by_ci)

    def match(self, incident: Incident, k: int = 5) -> list[KnownErrorMatch]:
        """The *k* best-scoring known errors for *incident*; a score of 0 never matches.

        >>> from datetime import datetime, timezone
        >>> idx = KnownErrorIndex.build([KnownError(id="K", error_code="E42")])
        >>> idx.match(Incident(id="I", opened_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
        ...                    text="job failed with e42"))[0].code_match
        True
        """
        if not isinstance(incident, Incident):
            raise ArgumentTypeError(
                f"incident: expected an Incident, got {type(incident).__name__}")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InvalidArgumentError(f"k: {shown(k)}; expected an integer >= 1")
        tokens = tokenize(incident.text)
        words = set(tokens)
        own_code = incident.error_code.casefold() if incident.error_code else None
        text_scores = self.text.scores(tokens)
        w = self.weights
        candidates = set(text_scores).union(
            self.by_ci.get(incident.ci or "", ()), self.by_code.get(own_code or "", ()),
            *(self.by_code.get(word, ()) for word in words))
        out = []
        for ident in candidates:
            ke = self.known_errors[ident]
            code = ke.error_code.casefold() if ke.error_code else None
            code_match = code is not None and (code == own_code or code in words)
            ci_match = incident.ci is not None and incident.ci in ke.cis
            text_score = text_scores.get(ident, 0.0)
            score = (float(w.code) * code_match + float(w.ci) * ci_match
                     + float(w.text) * text_score)
            if score > 0:
                out.append(KnownErrorMatch(known_error_id=ident, score=score,
                                           code_match=code_match, ci_match=ci_match,
                                           text_score=text_score))
        out.sort(key=lambda m: rank_key(m.score, m.known_error_id))
        return out[:k]

"""The two scoring risk methods, each configured as data and each explaining its score.

* :class:`Questionnaire` — weighted answers summed, the total mapped through integer
  score bands (ServiceNow's risk assessment).
* :class:`WeightedAverage` — factor scores averaged by weight, the average mapped through
  level thresholds (BMC Helix's risk factors).

The third method, ordered rules, is :class:`~itsm_core.change.rules.RuleList`.

>>> q = Questionnaire.from_dict({"questions": [{"factor": "tested", "weight": 5,
...     "answers": {"yes": 0, "no": 4}}], "bands": [{"min": 0, "max": 10, "risk": "low"},
...     {"min": 11, "risk": "high"}]})
>>> q.assess({"tested": "no"}).level
<RiskLevel.HIGH: 3>
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import attrs

from itsm_core._config import check_depth, join, reject_unknown
from itsm_core.change.levels import Contribution, MethodAssessment, format_number
from itsm_core.change.scales import LevelTable, Scale
from itsm_core.errors import ConfigError, shown
from itsm_core.ratios import parse_number

__all__ = ["Questionnaire", "WeightedAverage"]


def _weighted_scales(rows: object, path: str, key: str, *,
                     integer: bool) -> tuple[tuple[str, Fraction, Scale], ...]:
    if not isinstance(rows, list) or not rows:
        raise ConfigError(path, f"expected a non-empty list, got {shown(rows)}",
                          f"[{{'factor': 'backout_plan', 'weight': 10, {shown(key)}: ...}}]")
    out = []
    for i, row in enumerate(rows):
        where = join(path, i)
        if not isinstance(row, Mapping) or "factor" not in row or "weight" not in row:
            raise ConfigError(where, f"expected {{'factor', 'weight', ...}}, got {shown(row)}",
                              "{'factor': 'backout_plan', 'weight': 10, 'answers': {'yes': 0, 'no': 3}}")
        weight = parse_number(row["weight"], f"{where}.weight", integer=integer)
        if weight < 0:
            raise ConfigError(f"{where}.weight", f"negative weight {shown(row['weight'])}", "a weight >= 0")
        if not isinstance(row["factor"], str) or not row["factor"]:
            raise ConfigError(f"{where}.factor", f"bad factor {shown(row['factor'])}", "a factor name")
        out.append((row["factor"], weight, Scale._read(row, where, integer=integer,
                                                        also=("factor", "weight"))))
    return tuple(out)


def _rows_to_data(items: tuple[tuple[str, Fraction, Scale], ...]) -> list[dict[str, object]]:
    return [{"factor": f, "weight": format_number(w), **s.to_dict()} for f, w, s in items]


def _score_all(items: tuple[tuple[str, Fraction, Scale], ...], factors: Mapping[str, object],
               method: str) -> tuple[list[Fraction], tuple[Contribution, ...]]:
    points, reasons = [], []
    for factor, weight, scale in items:
        value = factors.get(factor)
        score, why = scale.score(value, factor)
        points.append(score * weight)
        reasons.append(Contribution(method=method, factor=factor, value=value, points=score * weight,
                                    detail=f"{why} x weight {format_number(weight)}"))
    return points, tuple(reasons)


@attrs.frozen
class Questionnaire:
    """Weighted questions summed into a score; integer bands map the score to a level.

    >>> q = Questionnaire.from_dict({"questions": [{"factor": "backout_plan", "weight": 10,
    ...     "answers": {"yes": 0, "no": 3}}], "bands": [{"min": 0, "max": 25, "risk": "low"},
    ...     {"min": 26, "risk": "high"}]})
    >>> r = q.assess({"backout_plan": "no"})
    >>> r.level, r.score
    (<RiskLevel.HIGH: 3>, Fraction(30, 1))
    """

    questions: tuple[tuple[str, Fraction, Scale], ...]
    bands: LevelTable

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Questionnaire:
        """Read ``{"questions": [...], "bands": [...]}``; weights and scores are integers.

        Raises:
            ConfigError: a band table with a gap or an overlap, or one not covering every
                score the questions can produce.

        >>> Questionnaire.from_dict({"questions": [{"factor": "f", "weight": 1, "answers": {"a": 0}}],
        ...     "bands": [{"min": 0, "max": 25, "risk": "low"}, {"min": 20, "risk": "high"}]})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: bands[1].min: overlap: scores 20 to 25 fall in two bands; expected each band to start at the previous band's max + 1
        """
        check_depth(data)
        return cls._read(data, "")

    @classmethod
    def _read(cls, data: object, path: str) -> Questionnaire:
        if not isinstance(data, Mapping):
            raise ConfigError(path, f"expected a mapping, got {shown(data)}", "{'questions': [...], 'bands': [...]}")
        reject_unknown(data, ("questions", "bands"), path)
        questions = _weighted_scales(data.get("questions"), join(path, "questions"), "answers", integer=True)
        bands = LevelTable._read(data.get("bands"), join(path, "bands"), integer=True)
        lowest = sum((w * s.bounds()[0] for _, w, s in questions), Fraction(0))
        highest = sum((w * s.bounds()[1] for _, w, s in questions), Fraction(0))
        bands._require_covers(lowest, highest, join(path, "bands"))
        return cls(questions, bands)

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back.

        >>> q = Questionnaire.from_dict({"questions": [{"factor": "f", "weight": 2, "answers": {"a": 1}}],
        ...     "bands": [{"min": 0, "risk": "low"}]})
        >>> Questionnaire.from_dict(q.to_dict()) == q
        True
        """
        return {"questions": _rows_to_data(self.questions), **self.bands.to_dict()}

    def assess(self, factors: Mapping[str, object]) -> MethodAssessment:
        """Score every question, sum, and look the total up in the bands.

        >>> q = Questionnaire.from_dict({"questions": [{"factor": "f", "weight": 2,
        ...     "answers": {"a": 1}}], "bands": [{"min": 0, "risk": "low"}]})
        >>> q.assess({"f": "a"}).contributions[0].detail
        "answer 'a' scores 1 x weight 2"
        """
        points, reasons = _score_all(self.questions, factors, "questionnaire")
        total = sum(points, Fraction(0))
        level, _ = self.bands.level(total)
        return MethodAssessment(method="questionnaire", level=level, score=total, contributions=reasons)


@attrs.frozen
class WeightedAverage:
    """Factor scores averaged by weight; thresholds map the average to a level.

    >>> w = WeightedAverage.from_dict({"factors": [
    ...     {"factor": "services_affected", "weight": 2, "thresholds": [{"min": 0, "score": 1}, {"min": 5, "score": 5}]},
    ...     {"factor": "tested", "weight": 1, "answers": {"yes": 1, "no": 4}}],
    ...     "levels": [{"min": 1, "risk": "low"}, {"min": 3, "risk": "high"}]})
    >>> r = w.assess({"services_affected": 7, "tested": "yes"})
    >>> r.score, r.level
    (Fraction(11, 3), <RiskLevel.HIGH: 3>)
    """

    factors: tuple[tuple[str, Fraction, Scale], ...]
    levels: LevelTable

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> WeightedAverage:
        """Read ``{"factors": [...], "levels": [{"min", "risk"}, ...]}`` (exact numbers).

        >>> WeightedAverage.from_dict({"factors": [{"factor": "f", "weight": 0, "answers": {"a": 1}}],
        ...     "levels": [{"min": 0, "risk": "low"}]})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: factors: the weights sum to 0; expected at least one positive weight
        """
        check_depth(data)
        return cls._read(data, "")

    @classmethod
    def _read(cls, data: object, path: str) -> WeightedAverage:
        if not isinstance(data, Mapping):
            raise ConfigError(path, f"expected a mapping, got {shown(data)}", "{'factors': [...], 'levels': [...]}")
        reject_unknown(data, ("factors", "levels"), path)
        factors = _weighted_scales(data.get("factors"), join(path, "factors"), "thresholds", integer=False)
        total = sum((w for _, w, _ in factors), Fraction(0))
        if total == 0:
            raise ConfigError(join(path, "factors"), "the weights sum to 0", "at least one positive weight")
        levels = LevelTable._read(data.get("levels"), join(path, "levels"), integer=False)
        lowest = sum((w * s.bounds()[0] for _, w, s in factors), Fraction(0)) / total
        levels._require_covers(lowest, lowest, join(path, "levels"))
        return cls(factors, levels)

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back.

        >>> w = WeightedAverage.from_dict({"factors": [{"factor": "f", "weight": "1/2",
        ...     "answers": {"a": 1}}], "levels": [{"min": 0, "risk": "low"}]})
        >>> w.to_dict()["factors"][0]["weight"]
        '1/2'
        """
        return {"factors": _rows_to_data(self.factors), **self.levels.to_dict()}

    def assess(self, factors: Mapping[str, object]) -> MethodAssessment:
        """The weighted average of the factor scores and its level.

        Each contribution's ``points`` is its share of the average (weight x score / total
        weight), so the contributions add up to the score.

        >>> w = WeightedAverage.from_dict({"factors": [{"factor": "f", "weight": 1,
        ...     "answers": {"a": 2}}], "levels": [{"min": 0, "risk": "low"}]})
        >>> w.assess({"f": "a"}).score
        Fraction(2, 1)
        """
        total = sum((w for _, w, _ in self.factors), Fraction(0))
        points, reasons = _score_all(self.factors, factors, "weighted_average")
        shares = tuple(attrs.evolve(r, points=p / total, detail=f"{r.detail} / total weight "
                                    f"{format_number(total)}") for r, p in zip(reasons, points, strict=True))
        average = sum(points, Fraction(0)) / total
        level, _ = self.levels.level(average)
        return MethodAssessment(method="weighted_average", level=level, score=average, contributions=shares)

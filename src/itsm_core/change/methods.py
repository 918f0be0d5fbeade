"""The three risk methods, each configured as data and each explaining itself.

* :class:`RuleList` — ordered rules; the first whose conditions all hold sets the level.
* :class:`Questionnaire` — weighted answers summed, the total mapped through integer
  score bands (ServiceNow's risk assessment).
* :class:`WeightedAverage` — factor scores averaged by weight, the average mapped through
  level thresholds (BMC Helix's risk factors).

>>> rules = RuleList.from_list([{"when": {"type": "emergency"}, "risk": "high"}], "rules")
>>> rules.evaluate({"type": "emergency"}).level
<RiskLevel.HIGH: 3>
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from fractions import Fraction

import attrs

from itsm_core.change.levels import Contribution, MethodResult, RiskLevel, format_number
from itsm_core.change.scales import LevelTable, Scale, parse_number
from itsm_core.errors import ConfigError, InvalidArgumentError

__all__ = ["Condition", "Questionnaire", "Rule", "RuleList", "WeightedAverage"]

_OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "contains")
_ORDERED = ("<", "<=", ">", ">=")


def _compare(op: str, have: object, want: object, factor: str) -> bool:
    if op == "==":
        return have == want
    if op == "!=":
        return have != want
    if op == "in":
        return have in want  # type: ignore[operator]
    if op == "contains":
        return isinstance(have, (tuple, list, frozenset, set)) and want in have
    if isinstance(have, bool) or not isinstance(have, (int, Fraction)):
        raise InvalidArgumentError(
            f"fields.{factor}: {op} needs a number, got {type(have).__name__} {have!r}")
    assert isinstance(want, Fraction)
    return {"<": have < want, "<=": have <= want, ">": have > want, ">=": have >= want}[op]


@attrs.frozen
class Condition:
    """One test on one factor: ``factor op value`` (a missing factor never matches).

    >>> Condition("services_affected", ">=", Fraction(10)).holds({"services_affected": 12})
    True
    """

    factor: str
    op: str
    value: object = attrs.field(hash=False)

    def holds(self, factors: Mapping[str, object]) -> bool:
        """Whether the condition holds for these factor values.

        >>> Condition("type", "in", ("normal", "emergency")).holds({"type": "standard"})
        False
        """
        if self.factor not in factors:
            return False
        return _compare(self.op, factors[self.factor], self.value, self.factor)

    def describe(self) -> str:
        """The condition as text.

        >>> Condition("cis", "contains", "db").describe()
        "cis contains 'db'"
        """
        value = format_number(self.value) if isinstance(self.value, Fraction) else self.value
        return f"{self.factor} {self.op} {value!r}"

    def to_data(self) -> object:
        """The condition as config data.

        >>> Condition("x", "==", "y").to_data()
        'y'
        """
        value = format_number(self.value) if isinstance(self.value, Fraction) else self.value
        value = list(value) if isinstance(value, tuple) else value
        return value if self.op == "==" else {self.op: value}


def _conditions(when: object, path: str, known_cis: Collection[str] | None) -> tuple[Condition, ...]:
    if not isinstance(when, Mapping):
        raise ConfigError(path, f"expected a mapping of factor -> test, got {when!r}",
                          "{'type': 'emergency', 'services_affected': {'>=': 10}, 'ci': ['db']}")
    out = []
    for factor, test in when.items():
        where = f"{path}.{factor}"
        if factor == "ci":
            names = [test] if isinstance(test, str) else test
            if not isinstance(names, list) or not names:
                raise ConfigError(where, f"expected a CI name or list of names, got {test!r}", "['db']")
            for i, name in enumerate(names):
                if known_cis is not None and name not in known_cis:
                    raise ConfigError(f"{where}[{i}]", f"unknown CI {name!r}", "a CI of the topology")
                out.append(Condition("cis", "contains", name))
            continue
        if isinstance(test, Mapping):
            if len(test) != 1 or next(iter(test)) not in _OPS:
                raise ConfigError(where, f"bad test {test!r}", f"{{op: value}} with op one of {_OPS}")
            op, value = next(iter(test.items()))
            if op in _ORDERED:
                value = parse_number(value, f"{where}.{op}")
            elif op == "in":
                if not isinstance(value, list):
                    raise ConfigError(f"{where}.in", f"expected a list, got {value!r}", "[a, b, ...]")
                value = tuple(value)
            out.append(Condition(factor, op, value))
        else:
            out.append(Condition(factor, "==", test))
    return tuple(out)


@attrs.frozen
class Rule:
    """A rule: all conditions hold -> the risk level (an empty ``when`` always matches).

    >>> Rule((), RiskLevel.LOW, "").matches({})
    True
    """

    conditions: tuple[Condition, ...]
    level: RiskLevel
    name: str

    def matches(self, factors: Mapping[str, object]) -> bool:
        """Whether every condition holds.

        >>> Rule((Condition("type", "==", "normal"),), RiskLevel.LOW, "").matches({"type": "normal"})
        True
        """
        return all(c.holds(factors) for c in self.conditions)


@attrs.frozen
class RuleList:
    """Ordered rules; the first match sets the level, no match abstains.

    >>> RuleList.from_list([{"when": {"ci": "db"}, "risk": "high"}], "rules", known_cis={"web"})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: rules[0].when.ci[0]: unknown CI 'db'; expected a CI of the topology
    """

    rules: tuple[Rule, ...]

    @classmethod
    def from_list(cls, rows: object, path: str, *,
                  known_cis: Collection[str] | None = None) -> RuleList:
        """Read ``[{"name"?, "when": {...}, "risk": level}, ...]``.

        Tests: ``factor: value`` (equality), ``factor: {op: value}`` with op one of
        ``== != < <= > >= in contains``, and ``ci: name-or-list`` (the change touches it;
        checked against *known_cis* when given).

        >>> RuleList.from_list([{"when": {"ci_failures": {">=": 3}}, "risk": "very_high"}],
        ...                    "rules").rules[0].conditions[0].describe()
        'ci_failures >= 3'
        """
        if not isinstance(rows, list):
            raise ConfigError(path, f"expected a list, got {rows!r}", "[{'when': {...}, 'risk': 'high'}]")
        rules = []
        for i, row in enumerate(rows):
            where = f"{path}[{i}]"
            if not isinstance(row, Mapping) or "risk" not in row:
                raise ConfigError(where, f"expected {{'when', 'risk'}}, got {row!r}",
                                  "{'when': {'type': 'emergency'}, 'risk': 'high'}")
            name = row.get("name", where)
            if not isinstance(name, str):
                raise ConfigError(f"{where}.name", f"expected a string, got {name!r}", "a rule name")
            rules.append(Rule(_conditions(row.get("when", {}), f"{where}.when", known_cis),
                              RiskLevel.parse(row["risk"], f"{where}.risk"), name))
        return cls(tuple(rules))

    def to_list(self) -> list[dict[str, object]]:
        """Plain data that :meth:`from_list` reads back.

        >>> RuleList.from_list([{"name": "r", "when": {"ci": "db"}, "risk": "high"}], "x").to_list()
        [{'name': 'r', 'when': {'cis': {'contains': 'db'}}, 'risk': 'high'}]
        """
        return [{"name": r.name, "when": {c.factor: c.to_data() for c in r.conditions},
                 "risk": r.level.label} for r in self.rules]

    def evaluate(self, factors: Mapping[str, object]) -> MethodResult:
        """The first matching rule's level, with the conditions that matched as reasons.

        >>> RuleList(()).evaluate({}).level is None
        True
        """
        for rule in self.rules:
            if rule.matches(factors):
                reasons = tuple(
                    Contribution(method="rules", factor=c.factor, value=factors[c.factor], points=None,
                                 detail=f"{rule.name} matched: {c.describe()}")
                    for c in rule.conditions)
                if not reasons:
                    reasons = (Contribution(method="rules", factor="*", value=None, points=None,
                                            detail=f"{rule.name} matched (no conditions)"),)
                return MethodResult(method="rules", level=rule.level, score=None, contributions=reasons)
        return MethodResult(method="rules", level=None, score=None, contributions=())


def _weighted_scales(rows: object, path: str, key: str, *,
                     integer: bool) -> tuple[tuple[str, Fraction, Scale], ...]:
    if not isinstance(rows, list) or not rows:
        raise ConfigError(path, f"expected a non-empty list, got {rows!r}",
                          f"[{{'factor': 'backout_plan', 'weight': 10, {key!r}: ...}}]")
    out = []
    for i, row in enumerate(rows):
        where = f"{path}[{i}]"
        if not isinstance(row, Mapping) or "factor" not in row or "weight" not in row:
            raise ConfigError(where, f"expected {{'factor', 'weight', ...}}, got {row!r}",
                              "{'factor': 'backout_plan', 'weight': 10, 'answers': {'yes': 0, 'no': 3}}")
        weight = parse_number(row["weight"], f"{where}.weight", integer=integer)
        if weight < 0:
            raise ConfigError(f"{where}.weight", f"negative weight {row['weight']}", "a weight >= 0")
        if not isinstance(row["factor"], str) or not row["factor"]:
            raise ConfigError(f"{where}.factor", f"bad factor {row['factor']!r}", "a factor name")
        out.append((row["factor"], weight, Scale.from_dict(row, where, integer=integer)))
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
    ...     {"min": 26, "risk": "high"}]}, "questionnaire")
    >>> r = q.evaluate({"backout_plan": "no"})
    >>> r.level, r.score
    (<RiskLevel.HIGH: 3>, Fraction(30, 1))
    """

    questions: tuple[tuple[str, Fraction, Scale], ...]
    bands: LevelTable

    @classmethod
    def from_dict(cls, data: object, path: str) -> Questionnaire:
        """Read ``{"questions": [...], "bands": [...]}``; weights and scores are integers.

        Raises:
            ConfigError: a band table with a gap or an overlap, or one not covering every
                score the questions can produce.

        >>> Questionnaire.from_dict({"questions": [{"factor": "f", "weight": 1, "answers": {"a": 0}}],
        ...     "bands": [{"min": 0, "max": 25, "risk": "low"}, {"min": 20, "risk": "high"}]}, "q")
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: q.bands[1].min: overlap: scores 20 to 25 fall in two bands; expected each band to start at the previous band's max + 1
        """
        if not isinstance(data, Mapping):
            raise ConfigError(path, f"expected a mapping, got {data!r}", "{'questions': [...], 'bands': [...]}")
        questions = _weighted_scales(data.get("questions"), f"{path}.questions", "answers", integer=True)
        bands = LevelTable.from_rows(data.get("bands"), f"{path}.bands", integer=True)
        lowest = sum((w * s.bounds()[0] for _, w, s in questions), Fraction(0))
        highest = sum((w * s.bounds()[1] for _, w, s in questions), Fraction(0))
        bands.check_covers(lowest, highest, f"{path}.bands")
        return cls(questions, bands)

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back.

        >>> q = Questionnaire.from_dict({"questions": [{"factor": "f", "weight": 2, "answers": {"a": 1}}],
        ...     "bands": [{"min": 0, "risk": "low"}]}, "q")
        >>> Questionnaire.from_dict(q.to_dict(), "q") == q
        True
        """
        return {"questions": _rows_to_data(self.questions), "bands": self.bands.to_rows()}

    def evaluate(self, factors: Mapping[str, object]) -> MethodResult:
        """Score every question, sum, and look the total up in the bands.

        >>> q = Questionnaire.from_dict({"questions": [{"factor": "f", "weight": 2,
        ...     "answers": {"a": 1}}], "bands": [{"min": 0, "risk": "low"}]}, "q")
        >>> q.evaluate({"f": "a"}).contributions[0].detail
        "answer 'a' scores 1 x weight 2"
        """
        points, reasons = _score_all(self.questions, factors, "questionnaire")
        total = sum(points, Fraction(0))
        level, _ = self.bands.level(total)
        return MethodResult(method="questionnaire", level=level, score=total, contributions=reasons)


@attrs.frozen
class WeightedAverage:
    """Factor scores averaged by weight; thresholds map the average to a level.

    >>> w = WeightedAverage.from_dict({"factors": [
    ...     {"factor": "services_affected", "weight": 2, "thresholds": [{"min": 0, "score": 1}, {"min": 5, "score": 5}]},
    ...     {"factor": "tested", "weight": 1, "answers": {"yes": 1, "no": 4}}],
    ...     "levels": [{"min": 1, "risk": "low"}, {"min": 3, "risk": "high"}]}, "weighted_average")
    >>> r = w.evaluate({"services_affected": 7, "tested": "yes"})
    >>> r.score, r.level
    (Fraction(11, 3), <RiskLevel.HIGH: 3>)
    """

    factors: tuple[tuple[str, Fraction, Scale], ...]
    levels: LevelTable

    @classmethod
    def from_dict(cls, data: object, path: str) -> WeightedAverage:
        """Read ``{"factors": [...], "levels": [{"min", "risk"}, ...]}`` (exact numbers).

        >>> WeightedAverage.from_dict({"factors": [{"factor": "f", "weight": 0, "answers": {"a": 1}}],
        ...     "levels": [{"min": 0, "risk": "low"}]}, "w")
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: w.factors: the weights sum to 0; expected at least one positive weight
        """
        if not isinstance(data, Mapping):
            raise ConfigError(path, f"expected a mapping, got {data!r}", "{'factors': [...], 'levels': [...]}")
        factors = _weighted_scales(data.get("factors"), f"{path}.factors", "thresholds", integer=False)
        total = sum((w for _, w, _ in factors), Fraction(0))
        if total == 0:
            raise ConfigError(f"{path}.factors", "the weights sum to 0", "at least one positive weight")
        levels = LevelTable.from_rows(data.get("levels"), f"{path}.levels", integer=False)
        lowest = sum((w * s.bounds()[0] for _, w, s in factors), Fraction(0)) / total
        levels.check_covers(lowest, lowest, f"{path}.levels")
        return cls(factors, levels)

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back.

        >>> w = WeightedAverage.from_dict({"factors": [{"factor": "f", "weight": "1/2",
        ...     "answers": {"a": 1}}], "levels": [{"min": 0, "risk": "low"}]}, "w")
        >>> w.to_dict()["factors"][0]["weight"]
        '1/2'
        """
        return {"factors": _rows_to_data(self.factors), "levels": self.levels.to_rows()}

    def evaluate(self, factors: Mapping[str, object]) -> MethodResult:
        """The weighted average of the factor scores and its level.

        Each contribution's ``points`` is its share of the average (weight x score / total
        weight), so the contributions add up to the score.

        >>> w = WeightedAverage.from_dict({"factors": [{"factor": "f", "weight": 1,
        ...     "answers": {"a": 2}}], "levels": [{"min": 0, "risk": "low"}]}, "w")
        >>> w.evaluate({"f": "a"}).score
        Fraction(2, 1)
        """
        total = sum((w for _, w, _ in self.factors), Fraction(0))
        points, reasons = _score_all(self.factors, factors, "weighted_average")
        shares = tuple(attrs.evolve(r, points=p / total, detail=f"{r.detail} / total weight "
                                    f"{format_number(total)}") for r, p in zip(reasons, points, strict=True))
        average = sum(points, Fraction(0)) / total
        level, _ = self.levels.level(average)
        return MethodResult(method="weighted_average", level=level, score=average, contributions=shares)

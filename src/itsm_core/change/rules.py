"""The rules risk method: ordered rules, the first whose conditions all hold sets the level.

A rule is ``{"name"?, "when": {factor: test, ...}, "risk": level}``.  Tests are
``factor: value`` (equality), ``factor: {op: value}`` with op one of
``== != < <= > >= in contains``, and ``ci: name-or-list`` (the change touches it).

>>> rules = RuleList.from_dict({"rules": [{"when": {"type": "emergency"}, "risk": "high"}]})
>>> rules.assess({"type": "emergency"}).level
<RiskLevel.HIGH: 3>
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from fractions import Fraction

import attrs

from itsm_core._config import check_depth, join, reject_unknown
from itsm_core.change.levels import (
    Contribution,
    MethodAssessment,
    RiskLevel,
    format_number,
    listed_names,
)
from itsm_core.errors import ConfigError, InvalidArgumentError, UnknownNameError, shown
from itsm_core.ratios import parse_number

__all__ = ["FactorCondition", "Rule", "RuleList"]

_OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "contains")
_ORDERED = ("<", "<=", ">", ">=")
_WHEN_FORM = "{'type': 'emergency', 'services_affected': {'>=': 10}, 'ci': ['db']}"
_RULE_FORM = "{'when': {'type': 'emergency'}, 'risk': 'high'}"


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
            f"fields.{factor}: {op} needs a number, got {type(have).__name__} {shown(have)}")
    assert isinstance(want, Fraction)
    return {"<": have < want, "<=": have <= want, ">": have > want, ">=": have >= want}[op]


def _plain(value: object, path: str) -> object:
    """A value compared with ``==``: a string, an integer, true/false or null."""
    if value is None or isinstance(value, (str, int)):
        return value
    raise ConfigError(path, f"cannot compare with {shown(value)}",
                      "a string, an integer, true/false or null")


def _test_data(value: object) -> object:
    value = format_number(value) if isinstance(value, Fraction) else value
    return list(value) if isinstance(value, tuple) else value


@attrs.frozen
class FactorCondition:
    """One test on one risk factor: ``factor op value`` (a missing factor never matches).

    >>> FactorCondition("services_affected", ">=", Fraction(10)).holds({"services_affected": 12})
    True
    """

    factor: str
    op: str
    value: object = attrs.field(hash=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> FactorCondition:
        """Read one ``{factor: test}`` entry of a rule's ``when``.

        >>> FactorCondition.from_dict({"ci_count": {">": 2}}).describe()
        'ci_count > 2'
        >>> FactorCondition.from_dict({"ci": "db"})
        FactorCondition(factor='cis', op='contains', value='db')
        """
        check_depth(data)
        if not isinstance(data, Mapping) or len(data) != 1:
            raise ConfigError("", f"expected one {{factor: test}} entry, got {shown(data)}", _WHEN_FORM)
        return _conditions(data, "", None)[0]

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back.

        >>> FactorCondition("x", "==", "y").to_dict(), FactorCondition("cis", "contains", "db").to_dict()
        ({'x': 'y'}, {'ci': 'db'})
        """
        if self.factor == "cis" and self.op == "contains":
            return {"ci": self.value}
        value = _test_data(self.value)
        return {self.factor: value if self.op == "==" else {self.op: value}}

    def holds(self, factors: Mapping[str, object]) -> bool:
        """Whether the condition holds for these factor values.

        >>> FactorCondition("type", "in", ("normal", "emergency")).holds({"type": "standard"})
        False
        """
        if self.factor not in factors:
            return False
        return _compare(self.op, factors[self.factor], self.value, self.factor)

    def describe(self) -> str:
        """The condition as text.

        >>> FactorCondition("cis", "contains", "db").describe()
        "cis contains 'db'"
        """
        value = format_number(self.value) if isinstance(self.value, Fraction) else self.value
        return f"{self.factor} {self.op} {shown(value)}"


def _conditions(when: object, path: str,
                known_cis: Collection[str] | None) -> tuple[FactorCondition, ...]:
    if not isinstance(when, Mapping):
        raise ConfigError(path, f"expected a mapping of factor -> test, got {shown(when)}", _WHEN_FORM)
    out = []
    for factor, test in when.items():
        if not isinstance(factor, str) or not factor:
            raise ConfigError(join(path, shown(factor)), "bad factor name", "a non-empty string")
        where = join(path, factor)
        if factor == "ci":
            names = [test] if isinstance(test, str) else test
            if not isinstance(names, list) or not names:
                raise ConfigError(where, f"expected a CI name or list of names, got {shown(test)}", "['db']")
            for i, name in enumerate(names):
                if not isinstance(name, str) or not name:
                    raise ConfigError(join(where, i), f"bad CI name {shown(name)}",
                                      "a non-empty string")
                if known_cis is not None and name not in known_cis:
                    raise UnknownNameError(join(where, i), name, listed_names(known_cis))
                out.append(FactorCondition("cis", "contains", name))
            continue
        if isinstance(test, Mapping):
            if len(test) != 1 or next(iter(test)) not in _OPS:
                raise ConfigError(where, f"bad test {shown(test)}", f"{{op: value}} with op one of {_OPS}")
            op, value = next(iter(test.items()))
            if op in _ORDERED:
                value = parse_number(value, f"{where}.{op}")
            elif op == "in":
                if not isinstance(value, list):
                    raise ConfigError(f"{where}.in", f"expected a list, got {shown(value)}", "[a, b, ...]")
                value = tuple(_plain(item, join(f"{where}.in", i)) for i, item in enumerate(value))
            else:
                value = _plain(value, f"{where}.{op}")
            out.append(FactorCondition(factor, op, value))
        else:
            out.append(FactorCondition(factor, "==", _plain(test, where)))
    return tuple(out)


@attrs.frozen
class Rule:
    """A rule: all conditions hold -> the risk level (an empty ``when`` always matches).

    >>> rule = Rule.from_dict({"name": "big", "when": {"ci_count": {">": 5}}, "risk": "high"})
    >>> rule.matches({"ci_count": 6}), rule.matches({})
    (True, False)
    """

    conditions: tuple[FactorCondition, ...]
    level: RiskLevel
    name: str

    @classmethod
    def from_dict(cls, data: Mapping[str, object], *,
                  known_cis: Collection[str] | None = None) -> Rule:
        """Read ``{"name"?, "when": {...}, "risk": level}``; CIs are checked against *known_cis*.

        >>> Rule.from_dict({"when": {"ci": ["db"]}, "risk": "high"}, known_cis={"web"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: when.ci[0]: unknown name 'db'; expected one of 'web'
        """
        check_depth(data)
        return cls._read(data, "", known_cis)

    @classmethod
    def _read(cls, data: object, path: str, known_cis: Collection[str] | None) -> Rule:
        if isinstance(data, Mapping):
            reject_unknown(data, ("name", "when", "risk"), path)
        if not isinstance(data, Mapping) or "risk" not in data:
            raise ConfigError(path, f"expected {{'when', 'risk'}}, got {shown(data)}", _RULE_FORM)
        name = data.get("name", path or "rule")
        if not isinstance(name, str):
            raise ConfigError(join(path, "name"), f"expected a string, got {shown(name)}", "a rule name")
        return cls(_conditions(data.get("when", {}), join(path, "when"), known_cis),
                   RiskLevel.parse(data["risk"], join(path, "risk")), name)

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back (CI tests as one ``ci`` list).

        >>> Rule.from_dict({"name": "r", "when": {"ci": ["db", "app"]}, "risk": "high"}).to_dict()
        {'name': 'r', 'when': {'ci': ['db', 'app']}, 'risk': 'high'}
        """
        when: dict[str, object] = {}
        for condition in self.conditions:
            ((key, test),) = condition.to_dict().items()
            if key == "ci":
                names = when.setdefault("ci", [])
                assert isinstance(names, list)
                names.append(test)
            else:
                when[key] = test
        return {"name": self.name, "when": when, "risk": self.level.label}

    def matches(self, factors: Mapping[str, object]) -> bool:
        """Whether every condition holds.

        >>> Rule((FactorCondition("type", "==", "normal"),), RiskLevel.LOW, "").matches({"type": "normal"})
        True
        """
        return all(c.holds(factors) for c in self.conditions)


@attrs.frozen
class RuleList:
    """Ordered rules; the first match sets the level, no match abstains.

    Its configuration is the ``rules`` entry of a risk model: ``{"rules": [rule, ...]}``.

    >>> RuleList.from_dict({"rules": [{"when": {"ci": "db"}, "risk": "high"}]}, known_cis={"web"})
    Traceback (most recent call last):
    ...
    itsm_core.errors.UnknownNameError: rules[0].when.ci[0]: unknown name 'db'; expected one of 'web'
    """

    rules: tuple[Rule, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, object], *,
                  known_cis: Collection[str] | None = None) -> RuleList:
        """Read ``{"rules": [{"name"?, "when": {...}, "risk": level}, ...]}``.

        CIs named by ``ci`` tests are checked against *known_cis* when given.

        >>> RuleList.from_dict({"rules": [{"when": {"ci_failures": {">=": 3}}, "risk": "very_high"}]}
        ...                    ).rules[0].conditions[0].describe()
        'ci_failures >= 3'
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected {{'rules': [...]}}, got {shown(data)}", "{'rules': [...]}")
        reject_unknown(data, ("rules",))
        rows = data.get("rules", [])
        if not isinstance(rows, list):
            raise ConfigError("rules", f"expected a list, got {shown(rows)}", f"[{_RULE_FORM}]")
        return cls(tuple(Rule._read(row, join("rules", i), known_cis) for i, row in enumerate(rows)))

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back.

        >>> RuleList.from_dict({"rules": [{"name": "r", "when": {"ci": "db"}, "risk": "high"}]}).to_dict()
        {'rules': [{'name': 'r', 'when': {'ci': ['db']}, 'risk': 'high'}]}
        """
        return {"rules": [rule.to_dict() for rule in self.rules]}

    def assess(self, factors: Mapping[str, object]) -> MethodAssessment:
        """The first matching rule's level, with the conditions that matched as reasons.

        >>> RuleList(()).assess({}).level is None
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
                return MethodAssessment(method="rules", level=rule.level, score=None,
                                        contributions=reasons)
        return MethodAssessment(method="rules", level=None, score=None, contributions=())

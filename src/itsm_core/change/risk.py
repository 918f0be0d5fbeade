"""Risk assessment: the highest level among the configured methods, fully explained.

A :class:`RiskModel` holds up to three methods (ordered rules, a weighted questionnaire with
score bands, a weighted average of factor scores) and a default level for when all abstain.
:func:`assess` runs every configured method on the change's factors (its fields plus those
derived from history and topology, see :mod:`itsm_core.change.factors`) and keeps the highest
level; ties go to the earlier method in the order rules, questionnaire, weighted average.

>>> from datetime import datetime, timezone
>>> from itsm_core.change.request import ChangeRequest
>>> model = RiskModel.from_dict({
...     "rules": [{"when": {"type": "emergency"}, "risk": "high"}],
...     "questionnaire": {"questions": [{"factor": "backout_plan", "weight": 10,
...                                      "answers": {"yes": 0, "no": 3}}],
...                       "bands": [{"min": 0, "max": 25, "risk": "low"},
...                                 {"min": 26, "max": 50, "risk": "moderate"}]}})
>>> t = datetime(2025, 3, 1, 22, tzinfo=timezone.utc)
>>> cr = ChangeRequest(id="CHG1", type="normal", cis=["db"], start=t, end=t.replace(hour=23),
...                    fields={"backout_plan": "no"})
>>> a = assess(cr, model)
>>> a.level.label, a.score, a.decided_by
('moderate', Fraction(30, 1), 'questionnaire')
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from fractions import Fraction

import attrs

from itsm_core._config import check_depth, reject_unknown
from itsm_core.change.factors import RiskHistory, risk_factors
from itsm_core.change.levels import Contribution, MethodAssessment, RiskLevel, format_number
from itsm_core.change.methods import Questionnaire, WeightedAverage
from itsm_core.change.request import ChangeRequest
from itsm_core.change.rules import RuleList
from itsm_core.errors import ConfigError, shown
from itsm_core.topology import Topology

__all__ = ["RiskAssessment", "RiskModel", "assess"]

_KEYS = ("rules", "questionnaire", "weighted_average", "default")


@attrs.frozen(kw_only=True)
class RiskAssessment:
    """The verdict: level, the deciding method's score, and every method's reasons.

    Attributes:
        change_id: the change assessed.
        level: the highest level any method gave (the model default if all abstained).
        score: the deciding method's score (``None`` for rules and for the default).
        decided_by: ``"rules"``, ``"questionnaire"``, ``"weighted_average"`` or ``"default"``.
        methods: each configured method's own result.

    >>> RiskAssessment(change_id="C", level=RiskLevel.LOW, score=None, decided_by="default",
    ...                methods=()).to_dict()["level"]
    'low'
    """

    change_id: str
    level: RiskLevel
    score: Fraction | None
    decided_by: str
    methods: tuple[MethodAssessment, ...]

    @property
    def contributions(self) -> tuple[Contribution, ...]:
        """Every factor's contribution, method by method.

        >>> RiskAssessment(change_id="C", level=RiskLevel.LOW, score=None, decided_by="default",
        ...                methods=()).contributions
        ()
        """
        return tuple(c for m in self.methods for c in m.contributions)

    def to_dict(self) -> dict[str, object]:
        """Plain data for display or storage.

        >>> sorted(RiskAssessment(change_id="C", level=RiskLevel.LOW, score=Fraction(1, 2),
        ...        decided_by="default", methods=()).to_dict())
        ['change_id', 'decided_by', 'level', 'methods', 'score']
        """
        return {"change_id": self.change_id, "level": self.level.label,
                "score": None if self.score is None else format_number(self.score),
                "decided_by": self.decided_by, "methods": [m.to_dict() for m in self.methods]}


@attrs.frozen(kw_only=True)
class RiskModel:
    """A validated risk configuration; every method is optional.

    >>> RiskModel().assess(ChangeRequest.from_dict({"id": "C", "type": "standard",
    ...     "start": "2025-01-01T00:00+00:00", "end": "2025-01-01T01:00+00:00"})).decided_by
    'default'
    """

    rules: RuleList = attrs.field(factory=lambda: RuleList(()))
    questionnaire: Questionnaire | None = None
    weighted_average: WeightedAverage | None = None
    default: RiskLevel = RiskLevel.LOW

    @classmethod
    def from_dict(cls, data: Mapping[str, object], *,
                  known_cis: Collection[str] | None = None) -> RiskModel:
        """Build from plain data with keys ``rules``, ``questionnaire``, ``weighted_average``, ``default``.

        *known_cis* (e.g. a ``Topology``): CIs named in rules must be among them.

        >>> RiskModel.from_dict({"rules": [], "weights": {}})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: weights: unknown key; expected one of 'rules', 'questionnaire', 'weighted_average', 'default'
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("risk", f"expected a mapping, got {shown(data)}",
                              "{'rules': [...], 'questionnaire': {...}, 'weighted_average': {...}}")
        reject_unknown(data, _KEYS, "", "one of " + ", ".join(repr(k) for k in _KEYS))
        questionnaire = data.get("questionnaire")
        weighted = data.get("weighted_average")
        return cls(
            rules=RuleList.from_dict({"rules": data.get("rules", [])}, known_cis=known_cis),
            questionnaire=None if questionnaire is None else
            Questionnaire._read(questionnaire, "questionnaire"),
            weighted_average=None if weighted is None else
            WeightedAverage._read(weighted, "weighted_average"),
            default=RiskLevel.parse(data.get("default", "low"), "default"),
        )

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back to an equal model.

        >>> m = RiskModel.from_dict({"rules": [{"when": {"type": "emergency"}, "risk": "high"}]})
        >>> RiskModel.from_dict(m.to_dict()) == m
        True
        """
        out: dict[str, object] = self.rules.to_dict()
        if self.questionnaire is not None:
            out["questionnaire"] = self.questionnaire.to_dict()
        if self.weighted_average is not None:
            out["weighted_average"] = self.weighted_average.to_dict()
        out["default"] = self.default.label
        return out

    def assess(self, change: ChangeRequest, *, history: RiskHistory | None = None,
               topology: Topology | None = None) -> RiskAssessment:
        """Assess one change; see :func:`assess`.

        >>> m = RiskModel.from_dict({"rules": [{"when": {"ci_count": {">": 2}}, "risk": "high"}]})
        >>> m.assess(ChangeRequest.from_dict({"id": "C", "type": "normal", "cis": ["a", "b", "c"],
        ...     "start": "2025-01-01T00:00+00:00", "end": "2025-01-01T01:00+00:00"})).level.label
        'high'
        """
        factors = risk_factors(change, history, topology)
        results = [self.rules.assess(factors)] if self.rules.rules else []
        for method in (self.questionnaire, self.weighted_average):
            if method is not None:
                results.append(method.assess(factors))
        level, score, decided_by = self.default, None, "default"
        for result in results:
            if result.level is not None and (decided_by == "default" or result.level > level):
                level, score, decided_by = result.level, result.score, result.method
        return RiskAssessment(change_id=change.id, level=level, score=score,
                              decided_by=decided_by, methods=tuple(results))


def assess(change: ChangeRequest, model: RiskModel, *, history: RiskHistory | None = None,
           topology: Topology | None = None) -> RiskAssessment:
    """Assess *change* with *model*: the highest level of the configured methods.

    *history* supplies past outcomes (CI failures, implementer record) and *topology* the
    dependency graph for ``services_affected``; both are optional plain data.  The model's
    ``default`` applies only when no method gives a level (no rule matched and no
    questionnaire or weighted average is configured).

    >>> from datetime import datetime, timezone
    >>> m = RiskModel.from_dict({"rules": [{"when": {"ci_failures": {">=": 3}}, "risk": "very_high"}]})
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> cr = ChangeRequest(id="C", type="normal", cis=["db"], start=t, end=t.replace(hour=1))
    >>> assess(cr, m, history=RiskHistory(ci_failures={"db": 4})).level.label
    'very_high'
    """
    return model.assess(change, history=history, topology=topology)

"""Risk levels and the explanation values every risk method returns.

>>> RiskLevel.parse("moderate", "risk") < RiskLevel.HIGH
True
>>> RiskLevel.VERY_HIGH.label
'very_high'
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from fractions import Fraction
from typing import TypeVar

import attrs

from itsm_core.errors import UnknownNameError
from itsm_core.topology import Topology

__all__ = ["Contribution", "MethodAssessment", "NamedLevel", "RiskLevel"]


_Level = TypeVar("_Level", bound="NamedLevel")


class NamedLevel(enum.IntEnum):
    """An ordered level written in configuration by its lower-case name.

    >>> RiskLevel.parse("high", "risk").label
    'high'
    """

    @property
    def label(self) -> str:
        """The configuration name of the level.

        >>> RiskLevel.MODERATE.label
        'moderate'
        """
        return self.name.lower()

    @classmethod
    def parse(cls: type[_Level], value: object, path: str) -> _Level:
        """Read a level from its name (or pass a level of this class through).

        Raises:
            UnknownNameError: no level has that name; *path* names where it was read.

        >>> RiskLevel.parse("extreme", "rules[0].risk")
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: rules[0].risk: unknown name 'extreme'; expected one of 'low', 'moderate', 'high', 'very_high'
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, str) and value.upper() in cls.__members__:
            return cls[value.upper()]
        raise UnknownNameError(path, value, [level.label for level in cls])


class RiskLevel(NamedLevel):
    """Ordered risk levels (ServiceNow's four: low, moderate, high, very high).

    >>> max(RiskLevel.LOW, RiskLevel.HIGH).label
    'high'
    """

    LOW = 1
    MODERATE = 2
    HIGH = 3
    VERY_HIGH = 4


def listed_names(known: Collection[str]) -> tuple[str, ...]:
    """The known names an unknown-name error lists: all of a small set, none of a large one.

    *known* may be a :class:`~itsm_core.topology.Topology` (its nodes).

    >>> listed_names(Topology.from_dict({"web": ["app"]})), len(listed_names({f"ci{i}" for i in range(99)}))
    (('app', 'web'), 0)
    """
    names = known.nodes if isinstance(known, Topology) else known
    return tuple(sorted(names)) if len(names) <= 20 else ()


def format_number(value: Fraction) -> int | str:
    """An exact number as plain data: an ``int`` when whole, else ``"p/q"``.

    >>> format_number(Fraction(5, 2)), format_number(Fraction(4))
    ('5/2', 4)
    """
    return int(value) if value.denominator == 1 else str(value)


def _plain(value: object) -> object:
    if isinstance(value, Fraction):
        return format_number(value)
    if isinstance(value, tuple):
        return list(value)
    return value


@attrs.frozen(kw_only=True)
class Contribution:
    """How one factor moved one risk method.

    Attributes:
        method: ``"rules"``, ``"questionnaire"`` or ``"weighted_average"``.
        factor: the factor read (``"backout_plan"``, ``"services_affected"``).
        value: the factor's value for this change (``None`` when absent).
        points: what it added to the method's score (weighted), or ``None`` for rules.
        detail: a sentence a person can read.

    >>> Contribution(method="questionnaire", factor="backout_plan", value="no",
    ...              points=Fraction(30), detail="answer 'no' scores 3 x weight 10").to_dict()["points"]
    30
    """

    method: str
    factor: str
    value: object = attrs.field(hash=False)
    points: Fraction | None
    detail: str

    def to_dict(self) -> dict[str, object]:
        """Plain data for display.

        >>> Contribution(method="rules", factor="type", value="emergency", points=None,
        ...              detail="rules[0] matched").to_dict()["detail"]
        'rules[0] matched'
        """
        return {"method": self.method, "factor": self.factor, "value": _plain(self.value),
                "points": None if self.points is None else format_number(self.points),
                "detail": self.detail}


@attrs.frozen(kw_only=True)
class MethodAssessment:
    """The verdict of one risk method: its level (``None`` if it abstained), score, reasons.

    >>> MethodAssessment(method="rules", level=None, score=None, contributions=()).to_dict()
    {'method': 'rules', 'level': None, 'score': None, 'contributions': []}
    """

    method: str
    level: RiskLevel | None
    score: Fraction | None
    contributions: tuple[Contribution, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain data for display.

        >>> MethodAssessment(method="rules", level=RiskLevel.HIGH, score=None,
        ...              contributions=()).to_dict()["level"]
        'high'
        """
        return {"method": self.method, "level": None if self.level is None else self.level.label,
                "score": None if self.score is None else format_number(self.score),
                "contributions": [c.to_dict() for c in self.contributions]}

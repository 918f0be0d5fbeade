"""Ordered override rules on top of the matrix, and the explanation of a result.

A rule takes the priority so far and may change it.  Rules run in the order given, each
on the result of the previous one, so order is policy: put a manual override last to
let a person have the final word, or a major-incident rule last to make it win over
everything.  A rule with ``when`` runs only if that flag is among the ticket's flags.

* :class:`RaiseLevel`: more urgent by ``levels`` priority levels (a VIP caller), never
  beyond the top level.
* :class:`ForceTop`: the most urgent priority level (a major incident).
* :class:`ManualOverride`: a given priority, with a mandatory reason.

Every rule and every explanation is plain data both ways (``to_dict`` /
:func:`rule_from_dict`).

>>> from itsm_core.priority import PriorityMatrix
>>> m = PriorityMatrix.preset("servicenow-incident")
>>> e = m.explain(impact=3, urgency=3, overrides=[
...     RaiseLevel(when="vip"), ManualOverride(priority="2 - High", reason="CAB decision")],
...     flags=["vip"])
>>> [(s.before.label, s.after.label) for s in e.steps]
[('4 - Low', '3 - Moderate'), ('3 - Moderate', '2 - High')]
>>> e.effective
Priority(label='2 - High', rank=2)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from itsm_core.errors import ArgumentTypeError, ConfigError
from itsm_core.priority.levels import Impact, Priority, Urgency

if TYPE_CHECKING:
    from itsm_core.priority.matrix import LevelRef, PriorityMatrix

__all__ = [
    "Explanation",
    "ForceTop",
    "ManualOverride",
    "OverrideRule",
    "OverrideStep",
    "RaiseLevel",
    "explain",
    "rule_from_dict",
]


def _check_when(when: object, path: str) -> None:
    if when is not None and (not isinstance(when, str) or not when):
        raise ConfigError(f"{path}when", f"got {when!r}", "a non-empty flag name or None")


@attrs.frozen(kw_only=True)
class RaiseLevel:
    """Raise the priority by ``levels`` (default one), stopping at the top level.

    >>> RaiseLevel(when="vip").to_dict()
    {'rule': 'raise', 'levels': 1, 'when': 'vip'}
    """

    levels: int = 1
    when: str | None = None

    def __attrs_post_init__(self) -> None:
        if type(self.levels) is not int or self.levels < 1:
            raise ConfigError("levels", f"got {self.levels!r}", "an integer >= 1")
        _check_when(self.when, "")

    def to_dict(self) -> dict[str, Any]:
        """Plain data, read back by :func:`rule_from_dict`.

        >>> rule_from_dict(RaiseLevel(levels=2).to_dict())
        RaiseLevel(levels=2, when=None)
        """
        return {"rule": "raise", "levels": self.levels, "when": self.when}

    def apply(self, matrix: PriorityMatrix, current: Priority) -> tuple[Priority, str]:
        """The new priority and a note saying what happened.

        >>> from itsm_core.priority import PriorityMatrix
        >>> m = PriorityMatrix.preset("itil-v3")
        >>> RaiseLevel().apply(m, m.priority_level("Critical"))[1]
        'already at the top level'
        """
        target = max(1, current.rank - self.levels)
        if target == current.rank:
            return current, "already at the top level"
        clamped = " (stopped at the top level)" if current.rank - self.levels < 1 else ""
        return matrix.priority_level(target), f"raised {current.rank - target} level(s){clamped}"


@attrs.frozen(kw_only=True)
class ForceTop:
    """Force the most urgent priority level.

    >>> ForceTop(when="major_incident").to_dict()
    {'rule': 'force_top', 'when': 'major_incident'}
    """

    when: str | None = None

    def __attrs_post_init__(self) -> None:
        _check_when(self.when, "")

    def to_dict(self) -> dict[str, Any]:
        """Plain data, read back by :func:`rule_from_dict`.

        >>> rule_from_dict(ForceTop().to_dict())
        ForceTop(when=None)
        """
        return {"rule": "force_top", "when": self.when}

    def apply(self, matrix: PriorityMatrix, current: Priority) -> tuple[Priority, str]:
        """The top priority level and a note.

        >>> from itsm_core.priority import PriorityMatrix
        >>> m = PriorityMatrix.preset("itop")
        >>> ForceTop().apply(m, m.priority_level("Low"))
        (Priority(label='Critical', rank=1), 'forced to the top level')
        """
        return matrix.priority_level(1), "forced to the top level"


@attrs.frozen(kw_only=True)
class ManualOverride:
    """Set the priority by hand (a label or rank of the matrix), with a reason.

    >>> ManualOverride(priority="1 - Critical", reason="board demo").to_dict()
    {'rule': 'manual', 'priority': '1 - Critical', 'reason': 'board demo', 'when': None}
    >>> ManualOverride(priority=1, reason=" ")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: reason: got ' '; expected a non-empty explanation of the override
    """

    priority: str | int
    reason: str
    when: str | None = None

    def __attrs_post_init__(self) -> None:
        ok = (isinstance(self.priority, str) and self.priority) or (
            type(self.priority) is int and self.priority >= 1
        )
        if not ok:
            raise ConfigError("priority", f"got {self.priority!r}", "a priority label or rank")
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ConfigError(
                "reason", f"got {self.reason!r}", "a non-empty explanation of the override"
            )
        _check_when(self.when, "")

    def to_dict(self) -> dict[str, Any]:
        """Plain data, read back by :func:`rule_from_dict`.

        >>> rule_from_dict(ManualOverride(priority=2, reason="r").to_dict()).priority
        2
        """
        return {
            "rule": "manual",
            "priority": self.priority,
            "reason": self.reason,
            "when": self.when,
        }

    def apply(self, matrix: PriorityMatrix, current: Priority) -> tuple[Priority, str]:
        """The chosen priority (checked against the matrix) and the reason.

        >>> from itsm_core.priority import PriorityMatrix
        >>> m = PriorityMatrix.preset("itop")
        >>> ManualOverride(priority="Low", reason="duplicate").apply(m, m.priority_level(1))
        (Priority(label='Low', rank=4), 'set by hand: duplicate')
        """
        return matrix.priority_level(self.priority), f"set by hand: {self.reason}"


#: Any override rule.
OverrideRule = RaiseLevel | ForceTop | ManualOverride

_RULES: dict[str, type[RaiseLevel] | type[ForceTop] | type[ManualOverride]] = {
    "raise": RaiseLevel,
    "force_top": ForceTop,
    "manual": ManualOverride,
}
_FIELDS = {
    "raise": ("levels", "when"),
    "force_top": ("when",),
    "manual": ("priority", "reason", "when"),
}
_RULE_FORM = (
    "{'rule': 'raise', 'levels': n, 'when': flag}, {'rule': 'force_top', 'when': flag} "
    "or {'rule': 'manual', 'priority': label, 'reason': text}"
)


def rule_from_dict(data: Mapping[str, Any], path: str = "overrides[0]") -> OverrideRule:
    """Read one rule from plain data; errors name ``path`` and the field.

    >>> rule_from_dict({"rule": "raise", "when": "vip"})
    RaiseLevel(levels=1, when='vip')
    >>> rule_from_dict({"rule": "raise", "levels": 0}, "overrides[3]")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: overrides[3].levels: got 0; expected an integer >= 1
    """
    if not isinstance(data, Mapping) or data.get("rule") not in _RULES:
        got = data.get("rule") if isinstance(data, Mapping) else data
        raise ConfigError(
            f"{path}.rule" if isinstance(data, Mapping) else path, f"got {got!r}", _RULE_FORM
        )
    name = data["rule"]
    fields = {k: v for k, v in data.items() if k != "rule"}
    for key in fields:
        if key not in _FIELDS[name]:
            raise ConfigError(f"{path}.{key}", f"unknown key for rule {name!r}", _RULE_FORM)
    try:
        return _RULES[name](**fields)
    except ConfigError as exc:
        raise ConfigError(f"{path}.{exc.path}", exc.problem, exc.expected) from None
    except TypeError as exc:  # a required field is missing
        raise ConfigError(path, f"incomplete rule {name!r} ({exc})", _RULE_FORM) from None


@attrs.frozen(kw_only=True)
class OverrideStep:
    """One rule's turn: whether it applied, the priority before and after, and why.

    >>> p = Priority("Low", 4)
    >>> OverrideStep(rule=ForceTop(when="mi"), applied=False, before=p,
    ...              after=p, note="flag 'mi' not set").to_dict()["rule"]
    {'rule': 'force_top', 'when': 'mi'}
    """

    rule: OverrideRule
    applied: bool
    before: Priority
    after: Priority
    note: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> p = Priority("Low", 4)
        >>> OverrideStep(rule=ForceTop(), applied=False, before=p, after=p,
        ...              note="n").to_dict()["after"]
        {'label': 'Low', 'rank': 4}
        """
        return {
            "rule": self.rule.to_dict(),
            "applied": self.applied,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "note": self.note,
        }


@attrs.frozen(kw_only=True)
class Explanation:
    """How a priority was reached: the cell, each override step, the effective priority.

    >>> from itsm_core.priority import PriorityMatrix
    >>> e = PriorityMatrix.preset("itil-v3").explain(impact=1, urgency=1)
    >>> e.to_dict()["cell"], e.to_dict()["effective"]["label"]
    ('cells[0][0]', 'Critical')
    """

    impact: Impact
    urgency: Urgency
    cell: str
    matrix_priority: Priority
    steps: tuple[OverrideStep, ...]
    flags: tuple[str, ...]
    effective: Priority

    def to_dict(self) -> dict[str, Any]:
        """Plain data, ready for JSON.

        >>> from itsm_core.priority import PriorityMatrix
        >>> sorted(PriorityMatrix.preset("itop").explain(impact=1, urgency=1).to_dict())
        ['cell', 'effective', 'flags', 'impact', 'matrix_priority', 'steps', 'urgency']
        """
        return {
            "impact": self.impact.to_dict(),
            "urgency": self.urgency.to_dict(),
            "cell": self.cell,
            "matrix_priority": self.matrix_priority.to_dict(),
            "steps": [step.to_dict() for step in self.steps],
            "flags": list(self.flags),
            "effective": self.effective.to_dict(),
        }


def explain(
    matrix: PriorityMatrix,
    *,
    impact: LevelRef,
    urgency: LevelRef,
    overrides: Iterable[OverrideRule] = (),
    flags: Iterable[str] = (),
) -> Explanation:
    """Look up the cell, then run ``overrides`` in order (see the module docstring).

    Everything is checked before anything is computed; nothing is half-applied.

    Raises:
        ArgumentTypeError: ``flags`` is a bare string or holds non-strings, or a rule
            is not an override rule.
        InvalidArgumentError: an unknown level, or a manual priority outside the matrix.

    >>> from itsm_core.priority import PriorityMatrix
    >>> explain(PriorityMatrix.preset("itil-v3"), impact=3, urgency=3,
    ...         overrides=[ForceTop()]).effective.label
    'Critical'
    """
    if isinstance(flags, str):
        raise ArgumentTypeError(
            f"flags: got the string {flags!r}; expected a collection of flag names"
        )
    flag_set = frozenset(flags)
    for flag in flag_set:
        if not isinstance(flag, str):
            raise ArgumentTypeError(f"flags: got {flag!r}; expected flag names (strings)")
    rules = tuple(overrides)
    for index, rule in enumerate(rules):
        if not isinstance(rule, (RaiseLevel, ForceTop, ManualOverride)):
            raise ArgumentTypeError(
                f"overrides[{index}]: got {rule!r}; expected RaiseLevel, ForceTop or ManualOverride"
            )
        if isinstance(rule, ManualOverride):
            matrix.priority_level(rule.priority, field=f"overrides[{index}].priority")
    i = matrix.impact_level(impact)
    u = matrix.urgency_level(urgency)
    start = matrix.priority(impact=i, urgency=u)
    current = start
    steps = []
    for rule in rules:
        if rule.when is not None and rule.when not in flag_set:
            after, note, applied = current, f"flag {rule.when!r} not set", False
        else:
            after, note = rule.apply(matrix, current)
            applied = True
        steps.append(
            OverrideStep(rule=rule, applied=applied, before=current, after=after, note=note)
        )
        current = after
    return Explanation(
        impact=i,
        urgency=u,
        cell=f"cells[{i.rank - 1}][{u.rank - 1}]",
        matrix_priority=start,
        steps=tuple(steps),
        flags=tuple(sorted(flag_set)),
        effective=current,
    )

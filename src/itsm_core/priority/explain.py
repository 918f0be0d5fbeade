"""How a priority was reached: the matrix cell, every override rule in order, the result.

:func:`explain` looks up the cell for an impact and an urgency, then runs the override
rules (:mod:`itsm_core.priority.overrides`) in order, each on the result of the previous
one, and returns a :class:`PriorityExplanation`: frozen, comparable, plain data through
``to_dict()`` and readable through ``str()``.

>>> from itsm_core.priority import ManualOverride, PriorityMatrix, RaiseLevel
>>> m = PriorityMatrix.preset("servicenow-incident")
>>> e = explain(m, impact=3, urgency=3, overrides=[
...     RaiseLevel(when="vip"), ManualOverride(priority="2 - High", reason="CAB decision")],
...     flags=["vip"])
>>> [(s.before.label, s.after.label) for s in e.steps]
[('4 - Low', '3 - Moderate'), ('3 - Moderate', '2 - High')]
>>> e.effective
Priority(label='2 - High', rank=2)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from itsm_core._args import items_of
from itsm_core.errors import ArgumentTypeError, shown
from itsm_core.priority.levels import Impact, Priority, Urgency
from itsm_core.priority.matrix import LevelRef, PriorityMatrix
from itsm_core.priority.overrides import ManualOverride, OverrideRule

__all__ = ["OverrideStep", "PriorityExplanation", "explain"]


@attrs.frozen(kw_only=True)
class OverrideStep:
    """One rule's turn: whether it applied, the priority before and after, and why.

    >>> from itsm_core.priority import ForceTop
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

        >>> from itsm_core.priority import ForceTop
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

    def __str__(self) -> str:
        data = self.rule.to_dict()
        kind = data.pop("rule")
        when = data.pop("when")
        args = ", ".join(f"{key}={value!r}" for key, value in data.items())
        name = f"{kind}({args})" + (f" when {when!r}" if when is not None else "")
        if not self.applied:
            return f"{name}: skipped, {self.note}"
        return f"{name}: {self.before.label!r} -> {self.after.label!r}, {self.note}"


@attrs.frozen(kw_only=True)
class PriorityExplanation:
    """How a priority was reached: the cell, each override step, the effective priority.

    >>> from itsm_core.priority import ForceTop, PriorityMatrix, RaiseLevel
    >>> e = explain(PriorityMatrix.preset("itil-v3"), impact="Medium", urgency="Low",
    ...             overrides=[RaiseLevel(when="vip"), ForceTop(when="major_incident")],
    ...             flags={"vip"})
    >>> print(e)
    impact 'Medium' x urgency 'Low' -> cells[1][2] = 'Low'
      1. raise(levels=1) when 'vip': 'Low' -> 'Medium', raised 1 level(s)
      2. force_top() when 'major_incident': skipped, flag 'major_incident' not set
    effective priority: 'Medium' (flags: 'vip')
    >>> e.to_dict()["cell"], e.to_dict()["effective"]["label"]
    ('cells[1][2]', 'Medium')
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
        >>> sorted(explain(PriorityMatrix.preset("itop"), impact=1, urgency=1).to_dict())
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

    def __str__(self) -> str:
        lines = [
            f"impact {self.impact.label!r} x urgency {self.urgency.label!r} -> "
            f"{self.cell} = {self.matrix_priority.label!r}"
        ]
        lines += [f"  {k}. {step}" for k, step in enumerate(self.steps, start=1)]
        flags = ", ".join(repr(flag) for flag in self.flags) or "none"
        lines.append(f"effective priority: {self.effective.label!r} (flags: {flags})")
        return "\n".join(lines)


def explain(
    matrix: PriorityMatrix,
    *,
    impact: LevelRef,
    urgency: LevelRef,
    overrides: Iterable[OverrideRule] = (),
    flags: Iterable[str] = (),
) -> PriorityExplanation:
    """The cell used, every override rule in order, and the effective priority.

    ``overrides`` are applied in order, each to the result of the previous one; a rule
    with ``when`` applies only if that flag is among ``flags``.  Everything is checked
    before anything is computed; nothing is half-applied.

    Raises:
        ArgumentTypeError: ``flags`` is a bare string or holds non-strings, or a rule
            is not an override rule.
        UnknownNameError: an unknown level label, or a manual priority label outside
            the matrix.
        InvalidArgumentError: a level rank (or manual priority rank) out of range.

    >>> from itsm_core.priority import ForceTop, PriorityMatrix
    >>> e = explain(PriorityMatrix.preset("itil-v3"), impact=3, urgency=3,
    ...             overrides=[ForceTop()])
    >>> e.matrix_priority.label, e.effective.label
    ('Planning', 'Critical')
    """
    if isinstance(flags, str):
        raise ArgumentTypeError(
            f"flags: got the string {shown(flags)}; expected a collection of flag names"
        )
    flag_list = items_of(flags, "flags", "flag names")
    for flag in flag_list:
        if not isinstance(flag, str):
            raise ArgumentTypeError(f"flags: got {shown(flag)}; expected flag names (strings)")
    flag_set = frozenset(flag_list)
    rules = tuple(items_of(overrides, "overrides", "override rules"))
    for index, rule in enumerate(rules):
        if not isinstance(rule, OverrideRule):
            raise ArgumentTypeError(
                f"overrides[{index}]: got {shown(rule)}; expected RaiseLevel, ForceTop or ManualOverride"
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
    return PriorityExplanation(
        impact=i,
        urgency=u,
        cell=f"cells[{i.rank - 1}][{u.rank - 1}]",
        matrix_priority=start,
        steps=tuple(steps),
        flags=tuple(sorted(flag_set)),
        effective=current,
    )

"""Ordered override rules on top of the matrix: VIP, major incident, a person's decision.

A rule takes the priority so far and may change it.  Rules run in the order given, each
on the result of the previous one (see :func:`itsm_core.priority.explain.explain`), so
order is policy: put a manual override last to let a person have the final word, or a
major-incident rule last to make it win over everything.  A rule with ``when`` runs only
if that flag is among the ticket's flags.

* :class:`RaiseLevel`: more urgent by ``levels`` priority levels (a VIP caller), never
  beyond the top level.
* :class:`ForceTop`: the most urgent priority level (a major incident).
* :class:`ManualOverride`: a given priority, with a mandatory reason.

Every rule is plain data both ways: ``to_dict()`` and :meth:`OverrideRule.from_dict`.

>>> from itsm_core.priority import PriorityMatrix
>>> m = PriorityMatrix.preset("servicenow-incident")
>>> RaiseLevel(levels=2).apply(m, m.priority_level("4 - Low"))
(Priority(label='2 - High', rank=2), 'raised 2 level(s)')
>>> OverrideRule.from_dict({"rule": "force_top", "when": "major_incident"})
ForceTop(when='major_incident')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

import attrs

from itsm_core._config import check_depth, reject_unknown
from itsm_core.errors import ConfigError, shown
from itsm_core.priority.levels import Priority
from itsm_core.priority.matrix import PriorityMatrix

__all__ = ["ForceTop", "ManualOverride", "OverrideRule", "RaiseLevel"]

_R = TypeVar("_R", bound="OverrideRule")

_RULE_FORM = (
    "{'rule': 'raise', 'levels': n, 'when': flag}, {'rule': 'force_top', 'when': flag} "
    "or {'rule': 'manual', 'priority': label, 'reason': text}"
)


def _require_when(when: object) -> None:
    if when is not None and (not isinstance(when, str) or not when):
        raise ConfigError("when", f"got {shown(when)}", "a non-empty flag name or None")


class OverrideRule:
    """An override rule: the common base of :class:`RaiseLevel`, :class:`ForceTop` and
    :class:`ManualOverride`, and the reader of any of them from plain data.

    >>> rules = [OverrideRule.from_dict(d) for d in (
    ...     {"rule": "raise", "when": "vip"}, {"rule": "force_top", "when": "major_incident"})]
    >>> rules
    [RaiseLevel(levels=1, when='vip'), ForceTop(when='major_incident')]
    >>> all(isinstance(r, OverrideRule) for r in rules)
    True
    """

    __slots__ = ()

    #: The flag that must be set for the rule to apply; ``None``: it always applies.
    when: str | None

    @classmethod
    def from_dict(cls: type[_R], data: Mapping[str, Any]) -> _R:
        """Read a rule from plain data; the ``rule`` key names its kind.

        Called on :class:`OverrideRule`, any kind is read; called on one kind
        (``RaiseLevel.from_dict``), only that kind.  Place errors under the rule's own
        path with :func:`itsm_core._config.read_at`.

        Raises:
            ConfigError: an unknown kind or key, a missing field or a bad value, naming
                the field.

        >>> OverrideRule.from_dict({"rule": "manual", "priority": "2 - High", "reason": "CAB"})
        ManualOverride(priority='2 - High', reason='CAB', when=None)
        >>> from itsm_core._config import read_at
        >>> read_at("overrides[3]", OverrideRule.from_dict, {"rule": "raise", "levels": 0})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: overrides[3].levels: got 0; expected an integer >= 1
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("", f"got {shown(data)}", _RULE_FORM)
        name = data.get("rule")
        if not isinstance(name, str) or name not in _RULES:
            raise ConfigError("rule", f"got {shown(name)}", _RULE_FORM)
        kind = _RULES[name]
        if cls is not OverrideRule and kind is not cls:
            raise ConfigError("rule", f"got {shown(name)}", repr(_TAGS[cls]))
        fields = {k: v for k, v in data.items() if k != "rule"}
        try:
            reject_unknown(fields, _FIELDS[name], "", _RULE_FORM)
        except ConfigError as exc:
            raise ConfigError(exc.path, f"{exc.problem} for rule {shown(name)}",
                              _RULE_FORM) from None
        try:
            rule = kind(**fields)
        except TypeError as exc:  # a required field is missing
            raise ConfigError("", f"incomplete rule {shown(name)} ({exc})", _RULE_FORM) from None
        return cast(_R, rule)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, read back by :meth:`from_dict` (each kind writes its own fields).

        >>> [r.to_dict()["rule"] for r in (RaiseLevel(), ForceTop())]
        ['raise', 'force_top']
        """
        raise NotImplementedError

    def apply(self, matrix: PriorityMatrix, current: Priority) -> tuple[Priority, str]:
        """The new priority and a note saying what happened (``when`` is not looked at).

        >>> from itsm_core.priority import PriorityMatrix
        >>> m = PriorityMatrix.preset("itil-v3")
        >>> ForceTop(when="mi").apply(m, m.priority_level("Low"))[0].label
        'Critical'
        """
        raise NotImplementedError


@attrs.frozen(kw_only=True)
class RaiseLevel(OverrideRule):
    """Raise the priority by ``levels`` (default one), stopping at the top level.

    >>> RaiseLevel(when="vip").to_dict()
    {'rule': 'raise', 'levels': 1, 'when': 'vip'}
    """

    levels: int = 1
    when: str | None = None

    def __attrs_post_init__(self) -> None:
        if type(self.levels) is not int or self.levels < 1:
            raise ConfigError("levels", f"got {shown(self.levels)}", "an integer >= 1")
        _require_when(self.when)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, read back by :meth:`OverrideRule.from_dict`.

        >>> RaiseLevel.from_dict(RaiseLevel(levels=2).to_dict())
        RaiseLevel(levels=2, when=None)
        """
        return {"rule": "raise", "levels": self.levels, "when": self.when}

    def apply(self, matrix: PriorityMatrix, current: Priority) -> tuple[Priority, str]:
        """The raised priority and a note saying what happened.

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
class ForceTop(OverrideRule):
    """Force the most urgent priority level.

    >>> ForceTop(when="major_incident").to_dict()
    {'rule': 'force_top', 'when': 'major_incident'}
    """

    when: str | None = None

    def __attrs_post_init__(self) -> None:
        _require_when(self.when)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, read back by :meth:`OverrideRule.from_dict`.

        >>> OverrideRule.from_dict(ForceTop().to_dict())
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
class ManualOverride(OverrideRule):
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
            raise ConfigError("priority", f"got {shown(self.priority)}", "a priority label or rank")
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ConfigError(
                "reason", f"got {shown(self.reason)}", "a non-empty explanation of the override"
            )
        _require_when(self.when)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, read back by :meth:`OverrideRule.from_dict`.

        >>> ManualOverride.from_dict(ManualOverride(priority=2, reason="r").to_dict()).priority
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


_RULES: dict[str, type[OverrideRule]] = {
    "raise": RaiseLevel,
    "force_top": ForceTop,
    "manual": ManualOverride,
}
_TAGS = {kind: name for name, kind in _RULES.items()}
_FIELDS = {
    "raise": ("levels", "when"),
    "force_top": ("when",),
    "manual": ("priority", "reason", "when"),
}

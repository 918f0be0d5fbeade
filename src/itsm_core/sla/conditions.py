"""Conditions: a small serialisable language over a ticket event's state and fields.

Forms (``parse_condition`` reads them, ``to_dict`` writes them back):

- ``{"state_in": [...]}`` / ``{"state_not_in": [...]}``
- ``{"field": name, "in": [...]}`` -- ``name`` is a key of the event's ``fields``; the
  names ``"state"`` and ``"priority"`` mean the event's own attributes; a missing field
  is ``None``.
- ``{"kind_in": [...]}`` -- the event's ``kind`` is listed (``null`` is a plain update).
- ``{"changed": name}``, optionally with ``"from": [...]`` and/or ``"to": [...]`` -- the
  field (named as for ``field``) has a different value than on the ticket's previous
  event (before: one of ``from``; after: one of ``to``).  It never holds on a ticket's
  first event: there is nothing it changed from.
- ``{"all": [c, ...]}`` (and), ``{"any": [c, ...]}`` (or), ``{"not": c}``
- ``True`` / ``False`` (always / never)
- in Python only, a plain callable ``event -> bool`` (it cannot be serialised).

>>> c = parse_condition({"any": [{"state_in": ["Resolved"]},
...                              {"field": "type", "in": ["request"]}]})
>>> from datetime import datetime, timezone
>>> from itsm_core.sla.events import TicketEvent
>>> c.holds(TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "Resolved"))
True
>>> c.to_dict()
{'any': [{'state_in': ['Resolved']}, {'field': 'type', 'in': ['request']}]}
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import attrs

from itsm_core._config import MAX_DEPTH, check_depth, join
from itsm_core.errors import ArgumentTypeError, ConfigError, shown
from itsm_core.sla.event_conditions import Always, FieldIn, StateIn
from itsm_core.sla.events import TicketEvent
from itsm_core.sla.transitions import Changed, KindIn

__all__ = ["Always", "Changed", "Condition", "FieldIn", "Junction", "KindIn", "Not",
           "PythonCondition", "StateIn", "parse_condition", "reads_previous"]

_FORM = ("a condition: {'state_in': [...]}, {'state_not_in': [...]}, "
         "{'field': name, 'in': [...]}, {'kind_in': [...]}, "
         "{'changed': name, 'from': [...], 'to': [...]} (from/to optional), "
         "{'all': [...]}, {'any': [...]}, {'not': ...}, true/false, or a callable")
_DATA_FORMS = "state_in, state_not_in, field/in, kind_in, changed, all, any, not"


class Condition(Protocol):
    """What every condition offers: ``holds(event, previous=None)`` and ``to_dict()``.

    An SLA definition's applies, start, pause, stop, cancel and reset are conditions.
    *previous* is the ticket's event before *event* (``None`` on its first event); only
    conditions that compare two events (``changed``) read it.

    >>> from datetime import datetime, timezone
    >>> stop: Condition = StateIn(frozenset({"Resolved"}))
    >>> stop.holds(TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "Resolved"))
    True
    """

    def holds(self, event: TicketEvent, previous: TicketEvent | None = None) -> bool:
        """Whether the condition holds for *event* (preceded by *previous*)."""

    def to_dict(self) -> object:
        """The condition as plain data."""


@attrs.frozen
class Junction:
    """``{"all": [...]}`` (every part holds; an empty one holds) or ``{"any": [...]}``
    (some part holds; an empty one never does).

    >>> Junction("all", (Always(True), Always(False))).to_dict()
    {'all': [True, False]}
    """

    kind: str
    parts: tuple[Condition, ...]

    def holds(self, event: TicketEvent, previous: TicketEvent | None = None) -> bool:
        """Conjunction (``all``) or disjunction (``any``) of the parts.

        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New")
        >>> Junction("all", ()).holds(e), Junction("any", ()).holds(e)
        (True, False)
        """
        verdicts = (p.holds(event, previous) for p in self.parts)
        return all(verdicts) if self.kind == "all" else any(verdicts)

    def to_dict(self) -> object:
        """``{"all": [...]}`` or ``{"any": [...]}``.

        >>> Junction("any", (Always(True),)).to_dict()
        {'any': [True]}
        """
        kind, out = self.kind, []
        for index, part in enumerate(self.parts):
            try:
                out.append(part.to_dict())
            except ConfigError as exc:
                raise exc.under(f"{kind}[{index}]") from None
        return {kind: out}


@attrs.frozen
class Not:
    """The part does not hold.

    >>> Not(Always(True)).to_dict()
    {'not': True}
    """

    part: Condition

    def holds(self, event: TicketEvent, previous: TicketEvent | None = None) -> bool:
        """Negation.

        >>> from datetime import datetime, timezone
        >>> Not(Always(True)).holds(TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "N"))
        False
        """
        return not self.part.holds(event, previous)

    def to_dict(self) -> object:
        """``{"not": ...}``.

        >>> Not(Always(False)).to_dict()
        {'not': False}
        """
        try:
            return {"not": self.part.to_dict()}
        except ConfigError as exc:
            raise exc.under("not") from None


@attrs.frozen
class PythonCondition:
    """A plain Python callable ``event -> bool``; usable, but not serialisable.

    >>> c = PythonCondition(lambda e: e.state.startswith("Awaiting"))
    >>> c.to_dict()
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: a Python callable cannot be serialised; expected a condition written as data (state_in, state_not_in, field/in, kind_in, changed, all, any, not) to use to_dict()
    """

    function: Callable[[TicketEvent], object]

    def __reduce__(self) -> tuple[Any, ...]:
        try:
            pickle.dumps(self.function)
        except Exception:  # a lambda or a local function: say so in our own terms
            raise ArgumentTypeError(
                f"condition: the Python callable {shown(self.function)} cannot be pickled, "
                "so this definition cannot cross a process boundary; expected a condition "
                f"written as data ({_DATA_FORMS}) or a module-level function"
            ) from None
        return (PythonCondition, (self.function,))

    def holds(self, event: TicketEvent, previous: TicketEvent | None = None) -> bool:
        """Call the function on *event* and take its truth value.

        >>> from datetime import datetime, timezone
        >>> PythonCondition(lambda e: True).holds(
        ...     TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New"))
        True
        """
        return bool(self.function(event))

    def to_dict(self) -> object:
        """Refuse: a callable has no data form.

        Raises:
            ConfigError: always (inside a junction, the path names the part).

        >>> Junction("any", (Always(False), PythonCondition(callable))).to_dict()
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: any[1]: a Python callable cannot be serialised; ...
        """
        raise ConfigError(
            "", "a Python callable cannot be serialised",
            f"a condition written as data ({_DATA_FORMS}) to use to_dict()",
        )


def _values(raw: object, path: str) -> tuple[frozenset[Any], tuple[Any, ...]]:
    """The values as a set, and in the order written (duplicates dropped)."""
    if isinstance(raw, (str, bytes)) or not isinstance(raw, (list, tuple, set, frozenset)):
        raise ConfigError(path, f"expected a list of values, got {shown(raw)}", _FORM)
    try:
        values = frozenset(raw)
    except TypeError:
        raise ConfigError(path, f"values must be hashable, got {shown(raw)}", _FORM) from None
    written = tuple(dict.fromkeys(raw)) if isinstance(raw, (list, tuple)) else ()
    return values, written


def _parts(raw: object, path: str) -> tuple[Condition, ...]:
    if isinstance(raw, (str, bytes, Mapping)) or not isinstance(raw, (list, tuple)):
        raise ConfigError(path, f"expected a list of conditions, got {shown(raw)}", _FORM)
    return tuple(_parse(item, join(path, i)) for i, item in enumerate(raw))


_CONDITION_TYPES = (Always, StateIn, FieldIn, KindIn, Changed, Junction, Not, PythonCondition)


def _children(condition: object) -> tuple[object, ...]:
    if isinstance(condition, Not):
        return (condition.part,)
    if isinstance(condition, Junction):
        return condition.parts
    return ()


def _nesting(condition: object) -> int:
    """How deeply *condition* nests ``not`` / ``all`` / ``any`` (walked without recursion)."""
    deepest, stack = 0, [(condition, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in _children(node))
    return deepest


def reads_previous(condition: object) -> bool:
    """Whether *condition* compares an event with the previous one (contains ``changed``).

    >>> reads_previous(parse_condition({"any": [{"state_in": ["New"]}, {"changed": "group"}]}))
    True
    >>> reads_previous(parse_condition({"not": {"state_in": ["New"]}}))
    False
    """
    stack = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, Changed):
            return True
        stack.extend(_children(node))
    return False


def parse_condition(data: object) -> Condition:
    """Read a condition from plain data (or wrap a callable).

    Raises:
        ConfigError: *data* is not one of the forms in the module docstring, or nests more
            than ``MAX_DEPTH`` (40) levels of mappings and lists (a condition object:
            ``not`` / ``all`` / ``any``); the path names the offending part.

    >>> parse_condition({"state_in": ["New"]})
    StateIn(states=frozenset({'New'}), negate=False)
    >>> parse_condition({"not": {"state": "New"}})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: not: unknown condition keys ['state']; expected a condition: {'state_in': [...]}, {'state_not_in': [...]}, {'field': name, 'in': [...]}, {'kind_in': [...]}, {'changed': name, 'from': [...], 'to': [...]} (from/to optional), {'all': [...]}, {'any': [...]}, {'not': ...}, true/false, or a callable
    """
    check_depth(data, "")
    if _nesting(data) > MAX_DEPTH:
        raise ConfigError("", f"a condition nested more than {MAX_DEPTH} levels deep",
                          f"at most {MAX_DEPTH} levels of not / all / any")
    return _parse(data, "")


def _name(raw: object, path: str) -> str:
    if not isinstance(raw, str) or not raw:
        raise ConfigError(path, f"expected a field name, got {shown(raw)}", _FORM)
    return raw


def _changed(raw: Mapping[Any, Any], path: str) -> Changed:
    name = _name(raw["changed"], join(path, "changed"))
    before = after = None
    written_before: tuple[Any, ...] = ()
    written_after: tuple[Any, ...] = ()
    if "from" in raw:
        before, written_before = _values(raw["from"], join(path, "from"))
    if "to" in raw:
        after, written_after = _values(raw["to"], join(path, "to"))
    return Changed(name, before, after, written_before=written_before,
                   written_after=written_after)


def _parse(raw: object, path: str) -> Condition:
    if isinstance(raw, _CONDITION_TYPES):
        return raw
    if isinstance(raw, bool):
        return Always(raw)
    if isinstance(raw, Mapping):
        keys = set(raw)
        if keys in ({"state_in"}, {"state_not_in"}):
            (key,) = keys
            values, written = _values(raw[key], join(path, key))
            if not all(isinstance(v, str) for v in values):
                raise ConfigError(join(path, key), f"states must be strings, got "
                                  f"{shown(raw[key])}", _FORM)
            return StateIn(values, negate=key == "state_not_in", written=written)
        if keys == {"field", "in"}:
            name = _name(raw["field"], join(path, "field"))
            values, written = _values(raw["in"], join(path, "in"))
            return FieldIn(name, values, written=written)
        if keys == {"kind_in"}:
            kinds, written = _values(raw["kind_in"], join(path, "kind_in"))
            if not all(k is None or isinstance(k, str) for k in kinds):
                raise ConfigError(join(path, "kind_in"), f"kinds must be strings or null, got "
                                  f"{shown(raw['kind_in'])}", _FORM)
            return KindIn(kinds, written=written)
        if "changed" in keys and keys <= {"changed", "from", "to"}:
            return _changed(raw, path)
        if keys in ({"all"}, {"any"}):
            (key,) = keys
            return Junction(key, _parts(raw[key], join(path, key)))
        if keys == {"not"}:
            return Not(_parse(raw["not"], join(path, "not")))
        named = sorted(key if isinstance(key, str) else shown(key) for key in keys)
        raise ConfigError(path, f"unknown condition keys {shown(named)}", _FORM)
    if callable(raw):
        return PythonCondition(raw)
    raise ConfigError(path, f"cannot read {shown(raw)} as a condition", _FORM)

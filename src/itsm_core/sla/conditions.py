"""Conditions: a small serialisable language over a ticket event's state and fields.

Forms (``parse_condition`` reads them, ``to_dict`` writes them back):

- ``{"state_in": [...]}`` / ``{"state_not_in": [...]}``
- ``{"field": name, "in": [...]}`` -- ``name`` is a key of the event's ``fields``; the
  names ``"state"`` and ``"priority"`` mean the event's own attributes; a missing field
  is ``None``.
- ``{"all": [c, ...]}`` (and), ``{"any": [c, ...]}`` (or), ``{"not": c}``
- ``True`` / ``False`` (always / never)
- in Python only, a plain callable ``event -> bool`` (it cannot be serialised).

>>> c = parse_condition({"any": [{"state_in": ["Resolved"]},
...                              {"field": "type", "in": ["request"]}]}, "stop")
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

from itsm_core.errors import ArgumentTypeError, ConfigError
from itsm_core.sla.events import TicketEvent

__all__ = [
    "Always",
    "Condition",
    "FieldIn",
    "Junction",
    "Not",
    "PythonCondition",
    "StateIn",
    "parse_condition",
]

_FORM = ("a condition: {'state_in': [...]}, {'state_not_in': [...]}, "
         "{'field': name, 'in': [...]}, {'all': [...]}, {'any': [...]}, {'not': ...}, "
         "true/false, or a callable")


class Condition(Protocol):
    """What every condition offers: ``holds(event)``, ``state_only`` and ``to_dict()``.

    ``state_only`` is true when the verdict depends on the event's state alone, so the
    engine may cache it per state.

    >>> StateIn(frozenset({"New"})).state_only
    True
    """

    @property
    def state_only(self) -> bool:
        """Whether the verdict depends on the state alone."""

    def holds(self, event: TicketEvent) -> bool:
        """Whether the condition holds for *event*."""

    def to_dict(self, path: str = "") -> object:
        """The condition as plain data."""


def _sorted(values: frozenset[Any]) -> list[Any]:
    return sorted(values, key=lambda v: (v is None, str(type(v)), str(v)))


def _listed(written: tuple[Any, ...], values: frozenset[Any]) -> list[Any]:
    """The values in the order the configuration wrote them (sorted if built in code)."""
    return list(written) if written else _sorted(values)


@attrs.frozen
class Always:
    """The constant condition (``True`` or ``False`` in data).

    >>> Always(True).to_dict(), Always(False).state_only
    (True, True)
    """

    value: bool

    @property
    def state_only(self) -> bool:
        """Always true: a constant depends on nothing.

        >>> Always(False).state_only
        True
        """
        return True

    def holds(self, event: TicketEvent) -> bool:
        """The constant.

        >>> from datetime import datetime, timezone
        >>> Always(False).holds(TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New"))
        False
        """
        return self.value

    def to_dict(self, path: str = "") -> object:
        """``True`` or ``False``.

        >>> Always(True).to_dict()
        True
        """
        return self.value


@attrs.frozen
class StateIn:
    """The event's state is (``negate=False``) or is not (``negate=True``) in *states*.

    >>> StateIn(frozenset({"Closed"}), negate=True).to_dict()
    {'state_not_in': ['Closed']}
    """

    states: frozenset[str]
    negate: bool = False
    # the order the configuration listed them in, for to_dict (not part of equality)
    written: tuple[str, ...] = attrs.field(default=(), eq=False, hash=False, repr=False)

    @property
    def state_only(self) -> bool:
        """True: only the state is read.

        >>> StateIn(frozenset({"Resolved", "Closed"}), negate=True).state_only
        True
        """
        return True

    def holds(self, event: TicketEvent) -> bool:
        """Whether the state is (not) listed.

        >>> from datetime import datetime, timezone
        >>> StateIn(frozenset({"New"})).holds(
        ...     TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New"))
        True
        """
        return (event.state in self.states) != self.negate

    def to_dict(self, path: str = "") -> object:
        """``{"state_in": [...]}`` or ``{"state_not_in": [...]}``, in the order written
        (sorted when built in code).

        >>> StateIn(frozenset({"B", "A"})).to_dict()
        {'state_in': ['A', 'B']}
        >>> parse_condition({"state_in": ["Resolved", "Closed"]}, "stop").to_dict()
        {'state_in': ['Resolved', 'Closed']}
        """
        return {"state_not_in" if self.negate else "state_in": _listed(self.written, self.states)}


@attrs.frozen
class FieldIn:
    """The event's field *field* has one of *values* (missing fields read as ``None``).

    >>> FieldIn("type", frozenset({"incident"})).to_dict()
    {'field': 'type', 'in': ['incident']}
    """

    field: str
    values: frozenset[Any]
    written: tuple[Any, ...] = attrs.field(default=(), eq=False, hash=False, repr=False)

    @property
    def state_only(self) -> bool:
        """True only for ``field == "state"``.

        >>> FieldIn("state", frozenset({"New"})).state_only
        True
        """
        return self.field == "state"

    def holds(self, event: TicketEvent) -> bool:
        """Whether the field's value is listed.

        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New", "1 - Critical")
        >>> FieldIn("priority", frozenset({"1 - Critical"})).holds(e)
        True
        """
        name = self.field
        if name == "state":
            value: Any = event.state
        elif name == "priority":
            value = event.priority
        else:
            value = event.fields.get(name)
        return value in self.values

    def to_dict(self, path: str = "") -> object:
        """``{"field": name, "in": [...]}``.

        >>> FieldIn("group", frozenset({"DB"})).to_dict()
        {'field': 'group', 'in': ['DB']}
        """
        return {"field": self.field, "in": _listed(self.written, self.values)}


@attrs.frozen
class Junction:
    """``{"all": [...]}`` (every part holds; an empty one holds) or ``{"any": [...]}``
    (some part holds; an empty one never does).

    >>> Junction("all", (Always(True), Always(False))).to_dict()
    {'all': [True, False]}
    """

    kind: str
    parts: tuple[Condition, ...]

    @property
    def state_only(self) -> bool:
        """Whether every part is state-only.

        >>> resolved = StateIn(frozenset({"Resolved"}))
        >>> Junction("any", (resolved, Always(False))).state_only
        True
        >>> Junction("all", (resolved, FieldIn("type", frozenset({"request"})))).state_only
        False
        """
        return all(p.state_only for p in self.parts)

    def holds(self, event: TicketEvent) -> bool:
        """Conjunction (``all``) or disjunction (``any``) of the parts.

        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New")
        >>> Junction("all", ()).holds(e), Junction("any", ()).holds(e)
        (True, False)
        """
        verdicts = (p.holds(event) for p in self.parts)
        return all(verdicts) if self.kind == "all" else any(verdicts)

    def to_dict(self, path: str = "") -> object:
        """``{"all": [...]}`` or ``{"any": [...]}``.

        >>> Junction("any", (Always(True),)).to_dict()
        {'any': [True]}
        """
        kind = self.kind
        return {kind: [p.to_dict(f"{path}.{kind}[{i}]") for i, p in enumerate(self.parts)]}


@attrs.frozen
class Not:
    """The part does not hold.

    >>> Not(Always(True)).to_dict()
    {'not': True}
    """

    part: Condition

    @property
    def state_only(self) -> bool:
        """Whether the part is state-only.

        >>> Not(StateIn(frozenset({"New"}))).state_only
        True
        >>> Not(FieldIn("vip", frozenset({True}))).state_only
        False
        """
        return self.part.state_only

    def holds(self, event: TicketEvent) -> bool:
        """Negation.

        >>> from datetime import datetime, timezone
        >>> Not(Always(True)).holds(TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "N"))
        False
        """
        return not self.part.holds(event)

    def to_dict(self, path: str = "") -> object:
        """``{"not": ...}``.

        >>> Not(Always(False)).to_dict()
        {'not': False}
        """
        return {"not": self.part.to_dict(f"{path}.not")}


@attrs.frozen
class PythonCondition:
    """A plain Python callable ``event -> bool``; usable, but not serialisable.

    >>> c = PythonCondition(lambda e: e.state.startswith("Awaiting"))
    >>> c.to_dict("pause")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: pause: a Python callable cannot be serialised; expected a condition written as data (state_in, state_not_in, field/in, all, any, not) to use to_dict()
    """

    function: Callable[[TicketEvent], object]

    def __reduce__(self) -> tuple[Any, ...]:
        try:
            pickle.dumps(self.function)
        except Exception:  # a lambda or a local function: say so in our own terms
            raise ArgumentTypeError(
                f"condition: the Python callable {self.function!r} cannot be pickled, so "
                "this definition cannot cross a process boundary; expected a condition "
                "written as data (state_in, state_not_in, field/in, all, any, not) or a "
                "module-level function"
            ) from None
        return (PythonCondition, (self.function,))

    @property
    def state_only(self) -> bool:
        """False: nothing is known about what a callable reads.

        >>> PythonCondition(lambda e: e.state == "New").state_only
        False
        """
        return False

    def holds(self, event: TicketEvent) -> bool:
        """Call the function and take its truth value.

        >>> from datetime import datetime, timezone
        >>> PythonCondition(lambda e: True).holds(
        ...     TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New"))
        True
        """
        return bool(self.function(event))

    def to_dict(self, path: str = "") -> object:
        """Refuse: a callable has no data form.

        Raises:
            ConfigError: always, naming *path*.

        >>> PythonCondition(callable).to_dict("definitions[0].stop.any[1]")
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: definitions[0].stop.any[1]: a Python callable cannot be serialised; ...
        """
        raise ConfigError(
            path or "condition", "a Python callable cannot be serialised",
            "a condition written as data (state_in, state_not_in, field/in, all, any, not) "
            "to use to_dict()",
        )


def _values(raw: object, path: str) -> tuple[frozenset[Any], tuple[Any, ...]]:
    """The values as a set, and in the order written (duplicates dropped)."""
    if isinstance(raw, (str, bytes)) or not isinstance(raw, (list, tuple, set, frozenset)):
        raise ConfigError(path, f"expected a list of values, got {raw!r}", _FORM)
    try:
        values = frozenset(raw)
    except TypeError:
        raise ConfigError(path, f"values must be hashable, got {raw!r}", _FORM) from None
    written = tuple(dict.fromkeys(raw)) if isinstance(raw, (list, tuple)) else ()
    return values, written


def _parts(raw: object, path: str) -> tuple[Condition, ...]:
    if isinstance(raw, (str, bytes, Mapping)) or not isinstance(raw, (list, tuple)):
        raise ConfigError(path, f"expected a list of conditions, got {raw!r}", _FORM)
    return tuple(parse_condition(item, f"{path}[{i}]") for i, item in enumerate(raw))


_CONDITION_TYPES = (Always, StateIn, FieldIn, Junction, Not, PythonCondition)


def parse_condition(raw: object, path: str) -> Condition:
    """Read a condition from plain data (or wrap a callable); errors name *path*.

    Raises:
        ConfigError: *raw* is not one of the forms in the module docstring.

    >>> parse_condition({"state_in": ["New"]}, "start")
    StateIn(states=frozenset({'New'}), negate=False)
    >>> parse_condition({"state": "New"}, "start")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: start: unknown condition keys ['state']; expected a condition: {'state_in': [...]}, {'state_not_in': [...]}, {'field': name, 'in': [...]}, {'all': [...]}, {'any': [...]}, {'not': ...}, true/false, or a callable
    """
    if isinstance(raw, _CONDITION_TYPES):
        return raw
    if isinstance(raw, bool):
        return Always(raw)
    if isinstance(raw, Mapping):
        keys = set(raw)
        if keys in ({"state_in"}, {"state_not_in"}):
            (key,) = keys
            values, written = _values(raw[key], f"{path}.{key}")
            if not all(isinstance(v, str) for v in values):
                raise ConfigError(f"{path}.{key}", f"states must be strings, got {raw[key]!r}",
                                  _FORM)
            return StateIn(values, negate=key == "state_not_in", written=written)
        if keys == {"field", "in"}:
            name = raw["field"]
            if not isinstance(name, str) or not name:
                raise ConfigError(f"{path}.field", f"expected a field name, got {name!r}", _FORM)
            values, written = _values(raw["in"], f"{path}.in")
            return FieldIn(name, values, written=written)
        if keys in ({"all"}, {"any"}):
            (key,) = keys
            return Junction(key, _parts(raw[key], f"{path}.{key}"))
        if keys == {"not"}:
            return Not(parse_condition(raw["not"], f"{path}.not"))
        raise ConfigError(path, f"unknown condition keys {sorted(map(str, keys))}", _FORM)
    if callable(raw):
        return PythonCondition(raw)
    raise ConfigError(path, f"cannot read {raw!r} as a condition", _FORM)

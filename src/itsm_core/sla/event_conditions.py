"""Conditions on one event as it stands: a constant, the event's state, a field's value.

The data forms (``True`` / ``False``, ``{"state_in": [...]}``, ``{"state_not_in": [...]}``,
``{"field": name, "in": [...]}``) and the language they belong to are described in
:mod:`itsm_core.sla.conditions`, which reads them and re-exports these classes.

>>> from datetime import datetime, timezone
>>> urgent = FieldIn("priority", frozenset({"P1"}))
>>> urgent.holds(TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New", "P1"))
True
"""

from __future__ import annotations

from typing import Any

import attrs

from itsm_core.sla.events import TicketEvent
from itsm_core.sla.transitions import _listed, _value

__all__ = ["Always", "FieldIn", "StateIn"]


@attrs.frozen
class Always:
    """The constant condition (``True`` or ``False`` in data).

    >>> from itsm_core.sla.conditions import parse_condition
    >>> Always(True).to_dict(), parse_condition(False)
    (True, Always(value=False))
    """

    value: bool

    def holds(self, event: TicketEvent, previous: TicketEvent | None = None) -> bool:
        """The constant.

        >>> from datetime import datetime, timezone
        >>> Always(False).holds(TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New"))
        False
        """
        return self.value

    def to_dict(self) -> object:
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

    def holds(self, event: TicketEvent, previous: TicketEvent | None = None) -> bool:
        """Whether the state is (not) listed.

        >>> from datetime import datetime, timezone
        >>> StateIn(frozenset({"New"})).holds(
        ...     TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New"))
        True
        """
        return (event.state in self.states) != self.negate

    def to_dict(self) -> object:
        """``{"state_in": [...]}`` or ``{"state_not_in": [...]}``, in the order written
        (sorted when built in code).

        >>> StateIn(frozenset({"B", "A"})).to_dict()
        {'state_in': ['A', 'B']}
        >>> from itsm_core.sla.conditions import parse_condition
        >>> parse_condition({"state_in": ["Resolved", "Closed"]}).to_dict()
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

    def holds(self, event: TicketEvent, previous: TicketEvent | None = None) -> bool:
        """Whether the field's value is listed.

        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New", "1 - Critical")
        >>> FieldIn("priority", frozenset({"1 - Critical"})).holds(e)
        True
        """
        field = self.field
        if field in ("state", "priority"):
            return _value(event, field) in self.values
        return event.fields._data.get(field) in self.values  # same package: the plain dict

    def to_dict(self) -> object:
        """``{"field": name, "in": [...]}``.

        >>> FieldIn("group", frozenset({"DB"})).to_dict()
        {'field': 'group', 'in': ['DB']}
        """
        return {"field": self.field, "in": _listed(self.written, self.values)}


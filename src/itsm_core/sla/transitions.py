"""Conditions on what happened: the event's ``kind``, and a field's change since the
ticket's previous event (read as data by :func:`itsm_core.sla.conditions.parse_condition`).

- ``{"kind_in": [...]}`` -- :class:`KindIn`;
- ``{"changed": name, "from": [...], "to": [...]}`` (``from`` / ``to`` optional) --
  :class:`Changed`; it never holds on a ticket's first event.

>>> from datetime import datetime, timezone
>>> at = datetime(2025, 1, 1, tzinfo=timezone.utc)
>>> Changed("group").holds(TicketEvent(at, "Open", fields={"group": "DB"}),
...                        TicketEvent(at, "Open", fields={"group": "Network"}))
True
"""

from __future__ import annotations

from typing import Any

import attrs

from itsm_core.sla.events import TicketEvent

__all__ = ["Changed", "KindIn"]


def _sorted(values: frozenset[Any]) -> list[Any]:
    return sorted(values, key=lambda v: (v is None, str(type(v)), str(v)))


def _listed(written: tuple[Any, ...], values: frozenset[Any]) -> list[Any]:
    """The values in the order the configuration wrote them (sorted if built in code)."""
    return list(written) if written else _sorted(values)


def _value(event: TicketEvent, name: str) -> Any:
    """The value a condition reads as field *name*: the state, the priority, or a field."""
    if name == "state":
        return event.state
    if name == "priority":
        return event.priority
    return event.fields.get(name)


@attrs.frozen
class KindIn:
    """The event's ``kind`` is one of *kinds* (``None`` stands for a plain update).

    >>> KindIn(frozenset({"agent_reply"})).to_dict()
    {'kind_in': ['agent_reply']}
    """

    kinds: frozenset[str | None]
    written: tuple[str | None, ...] = attrs.field(default=(), eq=False, hash=False, repr=False)

    def holds(self, event: TicketEvent, previous: TicketEvent | None = None) -> bool:
        """Whether the event's kind is listed.

        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "Open", kind="agent_reply")
        >>> KindIn(frozenset({"agent_reply"})).holds(e), KindIn(frozenset({None})).holds(e)
        (True, False)
        """
        return event.kind in self.kinds

    def to_dict(self) -> object:
        """``{"kind_in": [...]}``.

        >>> KindIn(frozenset({None}), written=(None,)).to_dict()
        {'kind_in': [None]}
        """
        return {"kind_in": _listed(self.written, self.kinds)}


@attrs.frozen
class Changed:
    """Field *field* differs from its value on the ticket's previous event; with
    *before* / *after* (``None``: any value), the old value is one of *before* and the new
    one of *after*.  Never holds on the first event (no previous event).

    >>> Changed("assignment_group", before=frozenset({"Network"})).to_dict()
    {'changed': 'assignment_group', 'from': ['Network']}
    """

    field: str
    before: frozenset[Any] | None = None
    after: frozenset[Any] | None = None
    written_before: tuple[Any, ...] = attrs.field(default=(), eq=False, hash=False, repr=False)
    written_after: tuple[Any, ...] = attrs.field(default=(), eq=False, hash=False, repr=False)

    def holds(self, event: TicketEvent, previous: TicketEvent | None = None) -> bool:
        """Whether the field changed between *previous* and *event* (as listed).

        >>> from datetime import datetime, timezone
        >>> at = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> a = TicketEvent(at, "Open", fields={"group": "Network"})
        >>> b = TicketEvent(at, "Open", fields={"group": "DB"})
        >>> c = Changed("group", after=frozenset({"DB"}))
        >>> c.holds(b, a), c.holds(a, b), c.holds(b, b), c.holds(b)
        (True, False, False, False)
        """
        if previous is None:
            return False
        old, new = _value(previous, self.field), _value(event, self.field)
        if old == new:
            return False
        return ((self.before is None or old in self.before)
                and (self.after is None or new in self.after))

    def to_dict(self) -> object:
        """``{"changed": name}``, with ``"from"`` / ``"to"`` when given.

        >>> Changed("state", after=frozenset({"Resolved"})).to_dict()
        {'changed': 'state', 'to': ['Resolved']}
        """
        out: dict[str, object] = {"changed": self.field}
        if self.before is not None:
            out["from"] = _listed(self.written_before, self.before)
        if self.after is not None:
            out["to"] = _listed(self.written_after, self.after)
        return out

"""From per-ticket records to ticket histories ``(ticket id, events)`` for the engine.

:func:`itsm_core.parallel.evaluate_tickets` runs :func:`histories_from_records` (or, for
the demo, :func:`histories_from_demo`) as its ``prepare`` step, in one process or, with
``--jobs N``, in each of N processes on the tickets it evaluates: building the events is
spread over the processes too, and the outcomes are the same, in the same order.

>>> from datetime import datetime, timezone
>>> from itsm_core.parallel import evaluate_tickets
>>> from itsm_core.sla import SlaPolicy
>>> policy = SlaPolicy.from_dict({"definitions": [
...     {"name": "fix", "targets": "PT4H", "stop": {"state_in": ["Resolved"]}}]})
>>> at = lambda h: datetime(2016, 3, 1, h, tzinfo=timezone.utc)
>>> records = [(at(9), "New", None, {}), (at(15), "Resolved", None, {})]
>>> [o.cycles[0].stage.value for o in evaluate_tickets(
...     policy, [("INC1", records)], at(16), prepare=histories_from_records)]
['breached']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import tzinfo

from itsm_core._instant import from_us
from itsm_core.cli.csvread import Record
from itsm_core.demo.generator import SyntheticTicket
from itsm_core.errors import ConfigError
from itsm_core.sla.events import Fields, TicketEvent
from itsm_core.sla.policy import SlaPolicy

__all__ = [
    "History",
    "events_from_records",
    "fields_needed",
    "histories_from_demo",
    "histories_from_records",
]

History = tuple[str, Sequence[TicketEvent]]


def fields_needed(policy: SlaPolicy, by: Iterable[str]) -> frozenset[str] | None:
    """The ticket fields the policy's conditions and targets, and the *by* keys, read.

    Carrying only these into the engine changes no result and saves most of the work on
    wide exports (a ServiceNow audit log has 32 other columns).  ``None`` means "all":
    a condition given as a Python callable cannot be inspected.

    >>> from itsm_core.sla import SlaPolicy
    >>> policy = SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H",
    ...     "applies": {"not": {"field": "category", "in": ["Request"]}}}]})
    >>> sorted(fields_needed(policy, ["definition", "assignment_group"]))
    ['assignment_group', 'category', 'definition', 'priority']
    """
    names = set(by)
    for definition in policy.definitions:
        names.add(definition.targets.by)
        try:
            conditions = [getattr(definition, part).to_dict(part)
                          for part in ("applies", "start", "pause", "stop", "cancel")]
        except ConfigError:  # a Python callable: no data form to inspect
            return None
        stack: list[object] = conditions
        while stack:
            item = stack.pop()
            if isinstance(item, Mapping):
                if isinstance(item.get("field"), str):
                    names.add(item["field"])
                stack.extend(item.values())
            elif isinstance(item, (list, tuple)):
                stack.extend(item)
    return frozenset(names)


def events_from_records(records: Iterable[Record],
                        shared: dict[tuple[object, ...], Fields] | None = None
                        ) -> list[TicketEvent]:
    """Turn CSV records ``(at, state, priority, fields)`` into ticket events, in order.

    Missing values (``None``) are left out of the fields (a condition or a ``--by`` key
    reads a missing field as ``None`` either way).  Equal field sets share one immutable
    :class:`~itsm_core.sla.events.Fields` through *shared*, a cache the caller may keep
    across tickets.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2016, 3, 1, tzinfo=timezone.utc)
    >>> a, b = events_from_records([(at, "New", "4 - Low", {"category": None}),
    ...                             (at, "Active", "4 - Low", {"category": None})])
    >>> a.fields.get("category", "absent"), a.fields is b.fields
    ('absent', True)
    """
    cache: dict[tuple[object, ...], Fields] = {} if shared is None else shared
    events = []
    for at, state, priority, fields in records:
        key = tuple(fields.items())
        found = cache.get(key)
        if found is None:
            found = cache[key] = Fields.of({k: v for k, v in fields.items() if v is not None})
        events.append(TicketEvent(at, state, priority, found))
    return events


def histories_from_records(tickets: Iterable[tuple[str, Iterable[Record]]]) -> list[History]:
    """Turn ``(ticket id, records)`` pairs into ``(ticket id, events)``; equal field sets
    share one :class:`~itsm_core.sla.events.Fields` across the tickets.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2016, 3, 1, tzinfo=timezone.utc)
    >>> (a, [x]), (b, [y]) = histories_from_records([("A", [(at, "New", None, {"g": "N"})]),
    ...                                              ("B", [(at, "New", None, {"g": "N"})])])
    >>> (a, b), x.fields is y.fields
    (('A', 'B'), True)
    """
    shared: dict[tuple[object, ...], Fields] = {}
    return [(ticket, events_from_records(records, shared)) for ticket, records in tickets]


def histories_from_demo(tickets: Iterable[SyntheticTicket], tz: tzinfo) -> list[History]:
    """Turn the demo generator's tickets into ``(number, events)`` with times in *tz*.

    >>> from zoneinfo import ZoneInfo
    >>> from itsm_core.demo import generate
    >>> number, events = histories_from_demo(generate(tickets=1), ZoneInfo("UTC"))[0]
    >>> number, events[0].state
    ('INC0000001', 'New')
    """
    return [(t.number, [TicketEvent(from_us(u.at_us, tz), u.state, u.priority, dict(u.fields))
                        for u in t.updates])
            for t in tickets]

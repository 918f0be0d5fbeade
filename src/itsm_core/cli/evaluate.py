"""From CSV rows and records to ticket events, for the engine.

:func:`group_keys` keeps two definitions' clocks out of one report row (what a whole
column says is :mod:`itsm_core.cli.scan`'s business).

:func:`events_from_rows` builds one ticket's events from its rows once their times are
read (what the ``sla-report`` command runs, in each ``--jobs`` process, on the tickets it
evaluates); :func:`histories_from_records` does the same for :class:`~itsm_core.cli.csvread.EventLog`
records, and :func:`histories_from_demo` for the demo generator's tickets.  Equal field
sets share one immutable :class:`~itsm_core.sla.events.Fields`.

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaPolicy
>>> policy = SlaPolicy.from_dict({"definitions": [
...     {"name": "fix", "targets": "PT4H", "stop": {"state_in": ["Resolved"]}}]})
>>> at = lambda h: datetime(2016, 3, 1, h, tzinfo=timezone.utc)
>>> records = [(at(9), "New", None, {}), (at(15), "Resolved", None, {})]
>>> [(ticket, events)] = histories_from_records([("INC1", records)])
>>> policy.evaluate(events, at(16), ticket)[0].cycles[0].stage.value
'breached'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import tzinfo

from itsm_core.cli.csvread import FlatRows, Parsed, Record, SkippedRow
from itsm_core.cli.timeparse import TimeParser
from itsm_core.demo.generator import SyntheticTicket
from itsm_core.errors import ConfigError, InvalidArgumentError, NaiveDatetimeError, shown
from itsm_core.sla.events import Fields, TicketEvent, event_of
from itsm_core.sla.policy import SlaPolicy

__all__ = [
    "History",
    "events_from_flat",
    "events_from_records",
    "events_from_rows",
    "fields_needed",
    "group_keys",
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
            conditions = [getattr(definition, part).to_dict()
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


def events_from_rows(rows: Iterable[Parsed], names: Sequence[str],
                     shared: dict[tuple[str | None, ...], Fields]) -> list[TicketEvent]:
    """Turn one ticket's rows ``(at, state, priority, values)`` into events, in order; the
    values are those of the fields *names*, ``None`` for a missing value (left out).

    Equal value tuples share one :class:`~itsm_core.sla.events.Fields` through *shared*,
    a cache the caller keeps across tickets.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2016, 3, 1, tzinfo=timezone.utc)
    >>> a, b = events_from_rows([(at, "New", None, ("N", None)), (at, "Active", None, ("N", None))],
    ...                         ("group", "category"), {})
    >>> dict(a.fields), a.fields is b.fields
    ({'group': 'N'}, True)
    """
    events = []
    for at, state, priority, values in rows:
        found = shared.get(values)
        if found is None:
            found = shared[values] = Fields.of(
                {name: v for name, v in zip(names, values, strict=True) if v is not None})
        events.append(TicketEvent(at, state, priority, found))
    return events


def events_from_flat(flat: FlatRows, names: Sequence[str], parse_time: TimeParser, *,
                     at_name: str, skipped: list[SkippedRow],
                     shared: dict[tuple[str | None, ...], Fields],
                     ) -> tuple[list[TicketEvent], tuple[int, str] | None]:
    """One ticket's flat raw rows (:class:`~itsm_core.cli.csvread.RowLog`: line, time text,
    state, priority, then the values of the fields *names*) read straight into events, in
    order: :func:`~itsm_core.cli.csvread.parse_rows` then :func:`events_from_rows` in one
    pass, with no tuple per row on the way (what ``sla-report`` runs on every row).

    A row whose time cannot be read is appended to *skipped* and left out; at the first
    naive time (the parser has no zone) the events read so far come back with
    ``(line, message)``, as :func:`~itsm_core.cli.csvread.parse_rows` gives it.  Equal
    value tuples share one :class:`~itsm_core.sla.events.Fields` through *shared*, and a
    row equal to the one before it but for its line gives the same (immutable) event
    again: exports repeat rows.

    >>> from datetime import timezone
    >>> from itsm_core.cli.timeparse import make_time_parser
    >>> skipped = []
    >>> flat = [2, "1/3/2016 09:00", "New", None, "N", 3, "soon", "Active", None, "N",
    ...         4, "1/3/2016 10:30", "Active", "P1", None, 5, "1/3/2016 10:30", "Active", "P1", None]
    >>> events, naive = events_from_flat(flat, ("group",), make_time_parser(None, timezone.utc),
    ...                                  at_name="at", skipped=skipped, shared={})
    >>> [(e.at.hour, e.state, e.priority, dict(e.fields)) for e in events], naive
    ([(9, 'New', None, {'group': 'N'}), (10, 'Active', 'P1', {}), (10, 'Active', 'P1', {})], None)
    >>> events[1] is events[2], skipped
    (True, [SkippedRow(line=3, reason="column 'at': cannot read 'soon' as a time; expected ISO 8601 (2016-02-29T01:16:00Z) or D/M/YYYY HH:MM[:SS] (29/2/2016 01:16)")])
    """
    stride = 4 + len(names)
    events: list[TicketEvent] = []
    append = events.append
    stamp = parse_time.stamp
    fields = shared.get(())
    if fields is None:
        fields = shared[()] = Fields.of({})
    values: tuple[str | None, ...] = ()
    last: TicketEvent | None = None
    last_text = last_state = last_priority = last_values = None
    for index in range(0, len(flat), stride):
        text, state, priority = flat[index + 1], flat[index + 2], flat[index + 3]
        if stride > 4:
            values = tuple(flat[index + 4:index + stride])
        if (last is not None and text == last_text and state == last_state
                and priority == last_priority and values == last_values):
            append(last)
            continue
        if last is not None and text == last_text:  # updates in the same minute
            at, at_us = last.at, last._at_us
        else:
            try:
                at, at_us = stamp(text)
            except NaiveDatetimeError as exc:
                line = flat[index]
                return events, (line, f"line {line}, column {shown(at_name)}: {exc}")
            except InvalidArgumentError as exc:
                skipped.append(SkippedRow(flat[index], f"column {shown(at_name)}: {exc}"))
                continue
        if stride > 4:
            fields = shared.get(values)
            if fields is None:
                fields = shared[values] = Fields.of(
                    {name: v for name, v in zip(names, values, strict=True) if v is not None})
        # the reader's values are checked: a str state, a label or None, an aware time
        last = event_of(at, at_us, state, priority, fields)
        last_text, last_state, last_priority, last_values = text, state, priority, values
        append(last)
    return events, None


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
    >>> from itsm_core.demo import generate_incident_log
    >>> number, events = histories_from_demo(generate_incident_log(tickets=1), ZoneInfo("UTC"))[0]
    >>> number, events[0].state
    ('INC0000001', 'New')
    """
    return [(t.number, [TicketEvent(u.at.astimezone(tz), u.state, u.priority, dict(u.fields))
                        for u in t.updates])
            for t in tickets]


def group_keys(policy: SlaPolicy, by: Sequence[str]) -> tuple[tuple[str, ...], str | None]:
    """*by*, with ``definition`` first when the policy has several definitions and *by*
    lacks it (a row never mixes two definitions' clocks), and the note saying so.

    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> group_keys(load_demo_policy(), ["priority"])
    (('definition', 'priority'), "note: grouping by 'definition' too (--by definition,priority): the policy has 2 definitions, whose clocks one row must not mix")
    """
    keys = tuple(by)
    if "definition" in keys or len(policy.definitions) < 2:
        return keys, None
    keys = ("definition", *keys)
    return keys, (f"note: grouping by 'definition' too (--by {','.join(keys)}): the policy "
                  f"has {len(policy.definitions)} definitions, whose clocks one row must not mix")

"""A compact wire form for SLA outcomes: plain tuples that pickle without running Python
code per object, rebuilt on the receiver's own calendars.

Used to send outcomes back from worker processes (``itsm_core.parallel``, the CLI's
``--jobs``): packing and unpacking cost less than evaluating the tickets again.

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaPolicy, TicketEvent
>>> policy = SlaPolicy.from_dict({"definitions": [{"name": "a", "targets": "PT1H"}]})
>>> outcomes = policy.evaluate([TicketEvent(datetime(2016, 3, 1, tzinfo=timezone.utc),
...                                         "New")], ticket="INC1")
>>> unpack_outcomes(pack_outcomes(outcomes), policy) == list(outcomes)
True
"""

from __future__ import annotations

import contextlib
import gc
import operator
import pickle
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ConfigError
from itsm_core.sla.events import Fields
from itsm_core.sla.outcome import SlaCycle, SlaOutcome
from itsm_core.sla.policy import SlaPolicy

__all__ = ["pack_outcomes", "unpack_outcomes"]

_PROTOCOL = pickle.HIGHEST_PROTOCOL
_OUTCOME_FIELDS = ("definition", "ticket", "applies", "skipped")  # then fields, cycles
_CYCLE_FIELDS = ("stage", "start_us", "stop_us", "end_us", "target_us", "priority",
                 "elapsed_us", "raw_segments", "thresholds")  # then calendar
_outcome_values = operator.attrgetter(*_OUTCOME_FIELDS)
_cycle_values = operator.attrgetter(*_CYCLE_FIELDS)


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """No garbage collection inside: for building many objects that hold no reference cycles
    (each collection would otherwise walk all of them again and again)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def pack_outcomes(outcomes: Iterable[SlaOutcome]) -> bytes:
    """Outcomes as bytes for another process: plain tuples, no calendars (a few hundred
    bytes a ticket); :func:`unpack_outcomes` rebuilds them on the receiver's policy.

    No Python code runs per object when the bytes are pickled or unpickled, which is
    what makes sending outcomes back from a worker cheaper than evaluating them.

    >>> import pickle
    >>> from datetime import datetime, timezone
    >>> from itsm_core.sla import SlaPolicy, TicketEvent
    >>> policy = SlaPolicy.from_dict({"definitions": [{"name": "a", "targets": "PT1H"}]})
    >>> outcomes = policy.evaluate([TicketEvent(datetime(2016, 3, 1, tzinfo=timezone.utc),
    ...                                         "New")], ticket="INC1")
    >>> len(pack_outcomes(outcomes)) < len(pickle.dumps(list(outcomes)))  # no calendars
    True
    """
    # one dict per distinct field set, shared in the blob, so the receiver builds one
    # Fields for each (tickets of a group usually share their fields)
    by_id: dict[int, dict[str, Any]] = {}
    by_value: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}
    rows = []
    for outcome in outcomes:
        fields = outcome.fields
        plain = by_id.get(id(fields))
        if plain is None:
            items = tuple(fields.items())
            try:
                plain = by_value.setdefault(items, dict(items))
            except TypeError:  # an unhashable value: shared by identity only
                plain = dict(items)
            by_id[id(fields)] = plain
        rows.append((_outcome_values(outcome), plain, tuple(map(_cycle_values, outcome.cycles))))
    return pickle.dumps(rows, protocol=_PROTOCOL)


def _cycle(calendar: BusinessCalendar, values: tuple[Any, ...]) -> SlaCycle:
    stage, start_us, stop_us, end_us, target_us, priority, elapsed_us, segments, thresholds \
        = values
    return SlaCycle(stage=stage, start_us=start_us, stop_us=stop_us, end_us=end_us,
                    target_us=target_us, priority=priority, elapsed_us=elapsed_us,
                    raw_segments=segments, thresholds=thresholds, calendar=calendar)


def unpack_outcomes(blob: bytes, policy: SlaPolicy) -> list[SlaOutcome]:
    """Rebuild what :func:`pack_outcomes` wrote, each cycle on *policy*'s calendar for its
    definition (the outcomes equal, and share compiled timelines with, what this process
    would have built).

    Raises:
        ConfigError: an outcome names a definition *policy* does not have.

    >>> from itsm_core.sla import SlaOutcome, SlaPolicy
    >>> blob = pack_outcomes([SlaOutcome(definition="b", ticket=1, applies=False, cycles=())])
    >>> unpack_outcomes(blob, SlaPolicy.from_dict({"definitions": [{"name": "a",
    ...                                                              "targets": "PT1H"}]}))
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: definition: no definition named 'b'; expected one of ['a']
    """
    return _unpack(blob, {d.name: d.calendar for d in policy.definitions})


def _unpack(blob: bytes, calendars: Mapping[str, BusinessCalendar]) -> list[SlaOutcome]:
    with _collection_paused():
        shared: dict[int, Fields] = {}
        outcomes = []
        for (definition, ticket, applies, skipped), plain, cycles in pickle.loads(blob):
            fields = shared.get(id(plain))
            if fields is None:
                fields = shared[id(plain)] = Fields(plain)
            calendar = calendars.get(definition)
            if calendar is None:
                raise ConfigError("definition", f"no definition named {definition!r}",
                                  f"one of {sorted(calendars)}")
            outcomes.append(SlaOutcome(
                definition=definition, ticket=ticket, applies=applies, skipped=skipped,
                fields=fields, cycles=tuple([_cycle(calendar, cycle) for cycle in cycles])))
        return outcomes

"""What one ticket event means to an SLA clock: six flag bits, defined here once.

The replay (:mod:`itsm_core.sla.replay`) reads each event as the set of a definition's six
conditions that hold on it -- applies, start, pause, stop, cancel, reset -- packed into one
integer with the bits below.  :class:`ClockRules` compiles a definition's conditions into
that reading once, when the definition is built: a function of the event (and the ticket's
previous event, which ``changed`` conditions compare it with), and, when every condition
reads the state alone, a frozen table of the bits per state named in a condition (every
other state reads alike), so that a replay looks most events up instead of testing them
(docs/design.md, "Scale and embedding").

>>> from itsm_core.sla.conditions import Always, StateIn
>>> rules = ClockRules.compile({"applies": Always(True), "start": Always(True),
...                             "pause": StateIn(frozenset({"On Hold"})),
...                             "stop": StateIn(frozenset({"Resolved"})),
...                             "cancel": Always(False), "reset": Always(False)})
>>> rules.by_state["On Hold"] == APPLIES | START | PAUSE, rules.other_states == APPLIES | START
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Protocol

import attrs

from itsm_core.sla.conditions import (
    Always,
    Condition,
    FieldIn,
    Junction,
    Not,
    StateIn,
    reads_previous,
)
from itsm_core.sla.events import TicketEvent

__all__ = ["APPLIES", "CANCEL", "FLAGS", "PAUSE", "RESET", "START", "STOP", "ClockRules",
           "Classify"]

APPLIES, START, PAUSE, STOP, CANCEL, RESET = 1, 2, 4, 8, 16, 32
# the definition's condition names and their bits, in the order replay reads them
FLAGS = (("applies", APPLIES), ("start", START), ("pause", PAUSE), ("stop", STOP),
         ("cancel", CANCEL), ("reset", RESET))

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Classify(Protocol):
    """The flag bits of *event*, given the ticket's *previous* event (``None``: its first).

    >>> from itsm_core.sla.conditions import Always, Changed
    >>> rules = ClockRules.compile({"applies": Always(True), "start": Always(True),
    ...                             "pause": Always(False), "stop": Always(False),
    ...                             "cancel": Always(False), "reset": Changed("group")})
    >>> classify: Classify = rules.classify
    >>> e = TicketEvent(_EPOCH, "Open", fields={"group": "DB"})
    >>> classify(e) == APPLIES | START, classify(e, TicketEvent(_EPOCH, "Open")) & RESET
    (True, 32)
    """

    def __call__(self, event: TicketEvent, previous: TicketEvent | None = None) -> int:
        """The bits."""


def _named_states(condition: Condition) -> frozenset[str] | None:
    """The states *condition* names; every other state gets the same verdict.  ``None`` when
    the verdict may read more than the state (or the condition is not one of ours)."""
    if isinstance(condition, Always):
        return frozenset()
    if isinstance(condition, StateIn):
        return condition.states
    if isinstance(condition, FieldIn):
        if condition.field != "state":
            return None
        return frozenset(v for v in condition.values if isinstance(v, str))
    if isinstance(condition, Not):
        return _named_states(condition.part)
    if isinstance(condition, Junction):
        named: set[str] = set()
        for part in condition.parts:
            states = _named_states(part)
            if states is None:
                return None
            named |= states
        return frozenset(named)
    return None


@attrs.frozen(kw_only=True)
class ClockRules:
    """A definition's conditions compiled into the clock's flag bits.

    Attributes:
        classify: the bits of any event, given the ticket's previous event (``None`` for
            its first; only ``changed`` conditions read it).
        by_state: when every condition reads the state alone, the bits of each state some
            condition names (read-only); else ``None``.
        other_states: with ``by_state``, the bits of every state it does not list.
        reads_previous: whether some condition compares an event with the previous one.

    >>> from itsm_core.sla.conditions import Always, FieldIn
    >>> rules = ClockRules.compile({"applies": FieldIn("type", frozenset({"incident"})),
    ...                             "start": Always(True), "pause": Always(False),
    ...                             "stop": Always(False), "cancel": Always(False),
    ...                             "reset": Always(False)})
    >>> print(rules.by_state)   # a field other than the state: every event is tested
    None
    """

    classify: Classify
    by_state: Mapping[str, int] | None = None
    other_states: int = 0
    reads_previous: bool = False

    @classmethod
    def compile(cls, conditions: Mapping[str, Condition]) -> ClockRules:
        """Compile the conditions named as in :data:`FLAGS` (every name must be present).

        >>> from itsm_core.sla.conditions import Always, StateIn
        >>> rules = ClockRules.compile({"applies": Always(True), "start": Always(True),
        ...                             "pause": Always(False),
        ...                             "stop": StateIn(frozenset({"Closed"})),
        ...                             "cancel": Always(False), "reset": Always(False)})
        >>> dict(rules.by_state) == {"Closed": APPLIES | START | STOP}
        True
        """
        bits = tuple((bit, conditions[name]) for name, bit in FLAGS)

        def classify(event: TicketEvent, previous: TicketEvent | None = None) -> int:
            flags = 0
            for bit, condition in bits:
                if condition.holds(event, previous):
                    flags |= bit
            return flags

        if any(reads_previous(condition) for _, condition in bits):
            return cls(classify=classify, reads_previous=True)
        named: set[str] = set()
        for _, condition in bits:
            states = _named_states(condition)
            if states is None:
                return cls(classify=classify)
            named |= states
        other = "\0" * (1 + max(map(len, named), default=0))  # a state no condition names
        table = {state: classify(TicketEvent(_EPOCH, state)) for state in sorted(named)}
        return cls(classify=classify, by_state=MappingProxyType(table),
                   other_states=classify(TicketEvent(_EPOCH, other)))

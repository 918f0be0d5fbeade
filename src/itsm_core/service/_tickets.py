"""Reading the ticket input of attainment and what-if: one check that an item is a
``(ticket, events)`` pair, and the one pass over a ticket's events that finds its first
and last instants and checks that every event is a ``TicketEvent``.  Private helpers of
:mod:`itsm_core.service.attainment` and :mod:`itsm_core.service.whatif` (see
``docs/service.md``, Attainment).

>>> from datetime import datetime, timezone
>>> events = [TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")]
>>> ticket, listed = ticket_pair(("INC1", events), 0)
>>> first, last, _ = scan(listed, None, 0)
>>> first == last
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn

from itsm_core._args import items_of
from itsm_core.errors import ArgumentTypeError, shown
from itsm_core.service.outages import ServiceOutage
from itsm_core.sla import TicketEvent

__all__ = ["Scanned", "check_iterable", "checked_outage", "scan", "ticket_pair"]

# a ticket's first event instant, last event instant (µs) and its last event (ties: the
# last in input order), over the events up to as_of
Scanned = tuple[int, int, TicketEvent]


def check_iterable(value: object, name: str, what: str) -> None:
    """Raise :class:`~itsm_core.errors.ArgumentTypeError` naming *name* unless *value* is
    an iterable (a ``str`` or ``bytes`` counts as a mistake); nothing is read from it.

    >>> check_iterable(5, "tickets", "(ticket, events) pairs")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: tickets: expected an iterable of (ticket, events) pairs, got int
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ArgumentTypeError(f"{name}: expected an iterable of {what}, got "
                                f"{type(value).__name__}")


def checked_outage(outage: object, index: int) -> ServiceOutage:
    """*outage*, the *index*-th item of ``outages``, or an
    :class:`~itsm_core.errors.ArgumentTypeError` naming it.

    >>> checked_outage("OUT-1", 4)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: outages[4]: expected a ServiceOutage, got str 'OUT-1'
    """
    if not isinstance(outage, ServiceOutage):
        raise ArgumentTypeError(f"outages[{index}]: expected a ServiceOutage, got "
                                f"{type(outage).__name__} {shown(outage)}")
    return outage


def ticket_pair(pair: object, index: int) -> tuple[Any, list[Any]]:
    """The ticket and its events (as a list, not checked yet: :func:`scan` does that) from
    the *index*-th item of ``tickets``, or an :class:`~itsm_core.errors.ArgumentTypeError`
    naming it.

    >>> ticket_pair(["INC1", ()], 0)
    ('INC1', [])
    >>> ticket_pair("INC1", 3)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: tickets[3]: expected a (ticket, events) pair, got 'INC1'
    """
    if type(pair) is tuple and len(pair) == 2:
        ticket, events = pair
    else:
        parts = (None if isinstance(pair, (str, bytes)) or not isinstance(pair, Iterable)
                 else list(pair))
        if parts is None or len(parts) != 2:
            raise ArgumentTypeError(f"tickets[{index}]: expected a (ticket, events) pair, "
                                    f"got {shown(pair)}")
        ticket, events = parts
    if type(events) is list:
        return ticket, events
    return ticket, items_of(events, f"tickets[{index}] events", "TicketEvent values")


def scan(listed: list[Any], as_of_us: int | None, index: int | None) -> Scanned | None:
    """The first and last instants of *listed* up to *as_of_us* and the last event (ties:
    the last in input order), or ``None`` when no event is that early; every event is
    checked to be a :class:`~itsm_core.sla.TicketEvent` on the way (an
    :class:`~itsm_core.errors.ArgumentTypeError` names ``tickets[index] events[j]``, or
    ``events[j]`` when *index* is ``None``).

    >>> scan([], None, None) is None
    True
    >>> scan(["New"], None, 2)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: tickets[2] events[0]: expected a TicketEvent, got str 'New'
    """
    first = last = 0
    last_event = None
    event_type = TicketEvent
    for event in listed:
        if type(event) is not event_type and not isinstance(event, event_type):
            _refuse(listed, index)
        at = event._at_us
        if as_of_us is not None and at > as_of_us:
            continue
        if last_event is None:
            first = last = at
            last_event = event
        elif at >= last:  # ties: the last in input order
            last, last_event = at, event
        elif at < first:
            first = at
    if last_event is None:
        return None
    return first, last, last_event


def _refuse(listed: list[Any], index: int | None) -> NoReturn:
    """Raise the error naming the first item of *listed* that is not a TicketEvent."""
    where = "" if index is None else f"tickets[{index}] "
    for number, event in enumerate(listed):
        if not isinstance(event, TicketEvent):
            raise ArgumentTypeError(f"{where}events[{number}]: expected a TicketEvent, got "
                                    f"{type(event).__name__} {shown(event)}")
    raise AssertionError("every item is a TicketEvent")  # pragma: no cover

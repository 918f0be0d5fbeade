"""Attainment refuses junk input with an ArgumentTypeError naming the item, before it counts
anything of it."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from itsm_core.errors import ArgumentTypeError
from itsm_core.service.attainment import AttainmentAccumulator, attainment
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.outages import ServiceOutage
from itsm_core.sla import TicketEvent

UTC = timezone.utc
EVENT = TicketEvent(datetime(2025, 3, 10, 9, tzinfo=UTC), "New", fields={"customer": "acme"})


def catalogue() -> Catalogue:
    return Catalogue.from_dict({
        "definitions": [{"name": "fix", "targets": "PT4H", "stop": {"state_in": ["Resolved"]}}],
        "customers": [{"name": "acme"}],
        "agreements": [{"name": "gold", "from": "2025-01-01", "customers": ["acme"],
                        "targets": [{"name": "fix", "definition": "fix",
                                     "at_least": "90%"}]}]})


class Stamped:
    """Not a TicketEvent, though it has the private instant one has."""

    _at_us = 0
    fields: Any = None


@pytest.mark.parametrize(("tickets", "message"), [
    (5, r"^tickets: expected an iterable of \(ticket, events\) pairs, got int$"),
    ("INC1", r"^tickets: expected an iterable of \(ticket, events\) pairs, got str$"),
    ([("T1", [EVENT]), "INC2"], r"^tickets\[1\]: expected a \(ticket, events\) pair, "
                                r"got 'INC2'$"),
    ([("T1", [EVENT], "extra")], r"^tickets\[0\]: expected a \(ticket, events\) pair"),
    ([7], r"^tickets\[0\]: expected a \(ticket, events\) pair, got 7$"),
    ([("T1", 5)], r"^tickets\[0\] events: expected an iterable of TicketEvent values, "
                  r"got int$"),
    ([("T1", [EVENT, 5])], r"^tickets\[0\] events\[1\]: expected a TicketEvent, got int 5$"),
    ([("T1", (EVENT, None))], r"^tickets\[0\] events\[1\]: expected a TicketEvent, "
                              r"got NoneType None$"),
    ([("T1", [Stamped(), EVENT])], r"^tickets\[0\] events\[0\]: expected a TicketEvent, "
                                   r"got Stamped"),
])
def test_junk_tickets_are_named(tickets: Any, message: str) -> None:
    with pytest.raises(ArgumentTypeError, match=message):
        attainment(catalogue(), tickets)


def test_a_list_pair_and_a_generator_of_events_are_fine() -> None:
    pairs: Any = [["T1", iter([EVENT])]]
    found = attainment(catalogue(), pairs)
    assert found.pending[0].ticket == "T1"


def test_junk_outages_are_named() -> None:
    down = ServiceOutage.from_dict({"id": "OUT-1", "service": "email",
                                    "start": "2025-03-10T09:00:00+00:00"})
    with pytest.raises(ArgumentTypeError, match=r"^outages\[1\]: expected a ServiceOutage, "
                                                r"got str 'OUT-2'$"):
        attainment(catalogue(), [], iter([down, "OUT-2"]))  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match=r"^outages: expected an iterable of "
                                                r"ServiceOutage values, got int$"):
        attainment(catalogue(), [], 4)  # type: ignore[arg-type]


def test_add_ticket_names_the_event_and_counts_nothing_of_a_refused_ticket() -> None:
    acc = AttainmentAccumulator(catalogue())
    with pytest.raises(ArgumentTypeError, match=r"^events\[2\]: expected a TicketEvent, "
                                                r"got str 'Resolved'$"):
        acc.add_ticket([EVENT, EVENT, "Resolved"], "T1")  # type: ignore[list-item]
    with pytest.raises(ArgumentTypeError, match=r"^events: expected an iterable"):
        acc.add_ticket(3, "T2")  # type: ignore[arg-type]
    assert acc.result() == AttainmentAccumulator(catalogue()).result()
    acc.add_ticket([EVENT], "T3")
    fresh = AttainmentAccumulator(catalogue())
    fresh.add_ticket([EVENT], "T3")
    assert acc.result() == fresh.result()

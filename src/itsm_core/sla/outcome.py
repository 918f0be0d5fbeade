"""The result of replaying one ticket through one SLA definition: :class:`SlaOutcome`.

An outcome holds the clock's cycles (:class:`~itsm_core.sla.cycle.SlaCycle`), each made of
running and paused segments (:class:`~itsm_core.sla.segment.Segment`) and standing at a
:class:`~itsm_core.sla.segment.Stage`; those are importable from here too.

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaDefinition, TicketEvent
>>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
...                                "stop": {"state_in": ["Resolved"]}})
>>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
>>> outcome = fix.evaluate([TicketEvent(at(9), "New"), TicketEvent(at(15), "Resolved")])
>>> [cycle.stage for cycle in outcome.cycles]
[<Stage.BREACHED: 'breached'>]
"""

from __future__ import annotations

from typing import Any

import attrs

from itsm_core.errors import InvalidArgumentError, shown
from itsm_core.sla.cycle import SlaCycle
from itsm_core.sla.events import Fields
from itsm_core.sla.segment import Segment, Stage

__all__ = ["Segment", "SlaCycle", "SlaOutcome", "Stage", "skipped"]


@attrs.frozen(kw_only=True)
class SlaOutcome:
    """What one SLA definition says about one ticket.

    Attributes:
        definition: the definition's name.
        ticket: the ticket identifier passed to ``evaluate`` (or ``None``).
        applies: whether the ``applies`` condition held on some event up to ``as_of``.
        cycles: the clock's cycles in order (several after reopen/new_cycle or restart).
        fields: the ticket's fields as of its last event considered (for grouping).
        skipped: ``None``, or why the ticket could not be evaluated (non-strict mode).
        unstarted: when the definition applies but no cycle attached, why:
            ``"stopped before it started"`` (an event met the stop or cancel condition before
            any cycle attached, e.g. a ticket whose first row is already resolved) or
            ``"never started"`` (the start condition never held); else ``None``.

    >>> SlaOutcome(definition="x", ticket="INC1", applies=False, cycles=()).to_dict()
    {'definition': 'x', 'ticket': 'INC1', 'applies': False, 'skipped': None, 'unstarted': None, 'cycles': []}
    """

    definition: str
    ticket: Any
    applies: bool
    cycles: tuple[SlaCycle, ...]
    fields: Fields = attrs.field(factory=lambda: Fields({}))
    skipped: str | None = None
    unstarted: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (cycles through :meth:`SlaCycle.to_dict`).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H"})
        >>> opened = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
        >>> outcome = fix.evaluate([opened], ticket="INC42")
        >>> data = outcome.to_dict()
        >>> data["ticket"], [c["target"] for c in data["cycles"]]
        ('INC42', ['PT4H'])
        """
        return {"definition": self.definition, "ticket": self.ticket, "applies": self.applies,
                "skipped": self.skipped, "unstarted": self.unstarted,
                "cycles": [c.to_dict() for c in self.cycles]}


def skipped(name: str, outcome: SlaOutcome, reason: str, strict: bool) -> SlaOutcome:
    """*outcome*'s ticket skipped for *reason* by SLA *name*, or, if *strict*,
    ``InvalidArgumentError``.

    >>> out = SlaOutcome(definition="x", ticket="T", applies=True, cycles=())
    >>> skipped("x", out, "no calendar", False).skipped
    'no calendar'
    """
    if strict:
        raise InvalidArgumentError(f"ticket {shown(outcome.ticket)}, SLA {shown(name)}: "
                                   f"{reason}")
    return SlaOutcome(definition=name, ticket=outcome.ticket, applies=True,
                      cycles=(), fields=outcome.fields, skipped=reason)

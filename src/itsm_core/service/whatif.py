"""What-if: replay the same history under a proposed agreement or catalogue and list what
changes: the verdicts of ticket cycles, the attainment of targets, the credits per period
(see ``docs/service-whatif.md``).

Tickets are read once.  Each one goes to two attainment accumulators (the current catalogue
and the proposal), so every figure is the one :func:`~itsm_core.service.attainment.attainment`
gives; per-ticket verdicts are compared only where the proposal can change them (a target
whose definition or priorities differ, or a ticket whose agreement differs), with the
definitions' own ``evaluate``, called as attainment calls it.

>>> from datetime import datetime, timezone
>>> from itsm_core.service.catalogue import Catalogue
>>> from itsm_core.sla import SlaCycle, Stage, TicketEvent
>>> cat = Catalogue.from_dict({
...     "definitions": [{"name": "fix", "targets": "PT4H", "stop": {"state_in": ["Resolved"]}},
...                     {"name": "fix-2h", "targets": "PT2H",
...                      "stop": {"state_in": ["Resolved"]}}],
...     "agreements": [{"name": "gold", "from": "2025-01-01",
...                     "targets": [{"name": "fix", "definition": "fix",
...                                  "at_least": "90%"}]}]})
>>> at = lambda h: datetime(2025, 3, 3, h, tzinfo=timezone.utc)
>>> tickets = [("INC1", [TicketEvent(at(9), "New"), TicketEvent(at(12), "Resolved")])]
>>> tighter = Agreement.from_dict({"name": "gold", "from": "2025-01-01",
...     "targets": [{"name": "fix", "definition": "fix-2h", "at_least": "90%"}]})
>>> found = what_if(cat, tighter, tickets)
>>> print(found.tickets[0])
INC1: gold / fix cycle 0: met -> breached (definition fix -> fix-2h)
>>> print(found.targets[0])
gold / - / fix / 2025-03: 100.00% met -> 0.00% missed
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from itsm_core._args import items_of
from itsm_core._instant import to_us
from itsm_core.errors import ArgumentTypeError, shown
from itsm_core.service.agreement import Agreement
from itsm_core.service.attainment import Attainment, AttainmentAccumulator
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.credit_lines import PeriodCredits
from itsm_core.service.credits_due import credits_due
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.result import TargetResult
from itsm_core.service.whatif_report import CreditChange, TargetChange, TicketChange, WhatIf
from itsm_core.sla import SlaCycle, Stage, TicketEvent

__all__ = ["proposed_catalogue", "what_if"]

# one target to compare: (target name, definition before, priorities before, definition
# after, priorities after); a missing side has definition None
_Plan = tuple[str, str | None, tuple[str, ...], str | None, tuple[str, ...]]


def proposed_catalogue(current: Catalogue, proposed: Catalogue | Agreement) -> Catalogue:
    """The catalogue a proposal stands for: *proposed* itself, or *current* with the
    agreement of the same name replaced by *proposed* (same place in the order).

    Raises:
        ArgumentTypeError: *current* is not a Catalogue, or *proposed* neither a Catalogue
            nor an Agreement.
        UnknownNameError: *current* has no agreement of *proposed*'s name.
        ConfigError: the catalogue with the proposed agreement does not validate (an
            unknown calendar, service, customer or definition, naming its path).

    >>> cat = Catalogue.from_dict({"agreements": [{"name": "gold", "from": "2025-01-01"}]})
    >>> proposed_catalogue(cat, Agreement.from_dict({"name": "gold", "from": "2025-02-01"})
    ...                    ).agreement("gold").start
    datetime.date(2025, 2, 1)
    >>> proposed_catalogue(cat, Agreement.from_dict({"name": "silver", "from": "2025-01-01"}))
    Traceback (most recent call last):
    ...
    itsm_core.errors.UnknownNameError: agreement: unknown name 'silver'; expected one of 'gold'
    """
    if not isinstance(current, Catalogue):
        raise ArgumentTypeError(f"current: expected a Catalogue, got {type(current).__name__}")
    if isinstance(proposed, Catalogue):
        return proposed
    if not isinstance(proposed, Agreement):
        raise ArgumentTypeError(f"proposed: expected a Catalogue or an Agreement, got "
                                f"{type(proposed).__name__}")
    current.agreement(proposed.name)  # an unknown name raises UnknownNameError
    agreements = tuple(proposed if a.name == proposed.name else a for a in current.agreements)
    return attrs.evolve(current, agreements=agreements)


def _credits(catalogue: Catalogue, found: Attainment
             ) -> dict[tuple[str, str | None, str], PeriodCredits]:
    """The credits of every agreement with a scheme and a fee, per customer and period."""
    return {(name, customer, credits.period): credits
            for (name, customer), periods in credits_due(catalogue, found).items()
            for credits in periods}


def _order(key: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if part is None else part for part in key)


def _target_changes(before: Attainment, after: Attainment) -> list[TargetChange]:
    def index(found: Attainment) -> dict[tuple[Any, ...], TargetResult]:
        return {(r.agreement, r.customer, r.target, r.service, r.period): r
                for r in found.results}
    old, new = index(before), index(after)
    out = []
    for key in sorted(old.keys() | new.keys(), key=_order):
        x, y = old.get(key), new.get(key)
        if x is not None and y is not None and (x.measured, x.verdict) == (y.measured,
                                                                            y.verdict):
            continue
        out.append(TargetChange(agreement=key[0], customer=key[1], target=key[2],
                                service=key[3], period=key[4], before=x, after=y))
    return out


def _credit_changes(before: dict[tuple[str, str | None, str], PeriodCredits],
                    after: dict[tuple[str, str | None, str], PeriodCredits]
                    ) -> list[CreditChange]:
    out = []
    for key in sorted(before.keys() | after.keys(), key=_order):
        x, y = before.get(key), after.get(key)
        if x is not None and y is not None and (x.total, x.lines) == (y.total, y.lines):
            continue
        side = y if y is not None else x
        assert side is not None
        out.append(CreditChange(
            agreement=key[0], customer=key[1], period=key[2], currency=side.currency,
            before=None if x is None else x.total, after=None if y is None else y.total,
            lines_before=() if x is None else x.lines,
            lines_after=() if y is None else y.lines))
    return out


class _TicketDiff:
    """The cycles of one ticket whose stage differs between two catalogues."""

    def __init__(self, before: Catalogue, after: Catalogue, as_of: datetime | None) -> None:
        self._cats = (before, after)
        self._as_of = as_of
        self._as_of_us = None if as_of is None else to_us(as_of, "as_of")
        shared = before._index["definitions"].keys() & after._index["definitions"].keys()
        self._same = {name for name in shared
                      if before.definition(name) == after.definition(name)}
        self._plans: dict[tuple[str | None, str | None], list[_Plan]] = {}
        self._same_matching = _matching_key(before) == _matching_key(after)

    def _plan(self, x: Agreement | None, y: Agreement | None) -> list[_Plan]:
        """The targets of a pair of agreements whose cycle stages may differ."""
        key = (None if x is None else x.name, None if y is None else y.name)
        found = self._plans.get(key)
        if found is not None:
            return found
        old = {t.name: t for t in (x.targets if x else ()) if t.definition is not None}
        new = {t.name: t for t in (y.targets if y else ()) if t.definition is not None}
        plan: list[_Plan] = []
        for name in dict.fromkeys([*old, *new]):
            tx, ty = old.get(name), new.get(name)
            if (tx is not None and ty is not None and tx.definition == ty.definition
                    and tx.definition in self._same and tx.priorities == ty.priorities):
                continue
            plan.append((name, None if tx is None else tx.definition,
                         () if tx is None else tx.priorities,
                         None if ty is None else ty.definition,
                         () if ty is None else ty.priorities))
        self._plans[key] = plan
        return plan

    def changes(self, ticket: Any, listed: list[TicketEvent]) -> list[TicketChange]:
        """The changes of one ticket (its events already read into a list)."""
        considered = [e for e in listed if self._as_of_us is None or e._at_us <= self._as_of_us]
        if not considered:
            return []
        first = min(e._at_us for e in considered)
        last = max(e._at_us for e in considered)
        fields = [e for e in considered if e._at_us == last][-1].fields  # ties: input order
        sides = []
        for cat in self._cats:
            customer = cat.customer_of(fields.get(cat.customer_field))
            sides.append(cat._matching(customer, fields, first))
            if self._same_matching:  # the namesakes of these apply on the other side
                named = self._cats[1]._index["agreements"]
                sides.append(tuple(named[a.name] for a in sides[0]))
                if not any(self._plan(a, b) for a, b in zip(*sides, strict=True)):
                    return []
                break
        pairs = _pairs(sides[0], sides[1])
        out: list[TicketChange] = []
        stages: tuple[dict[str, list[tuple[str, str | None]]], ...] = ({}, {})
        for x, y in pairs:
            plan = self._plan(x, y)
            name_x, name_y = (None if x is None else x.name), (None if y is None else y.name)
            if not plan and name_x == name_y:
                continue
            count = len(out)
            for target, dx, px, dy, py in plan:
                sx = self._stages(0, ticket, listed, name=dx, priorities=px, known=stages[0])
                sy = self._stages(1, ticket, listed, name=dy, priorities=py, known=stages[1])
                for cycle in range(max(len(sx), len(sy))):
                    bx = sx[cycle] if cycle < len(sx) else None
                    by = sy[cycle] if cycle < len(sy) else None
                    if bx != by:
                        out.append(TicketChange(
                            ticket=ticket, agreement_before=name_x, agreement_after=name_y,
                            target=target, definition_before=dx, definition_after=dy,
                            cycle=cycle, stage_before=bx, stage_after=by))
            if len(out) == count and name_x != name_y:
                out.append(TicketChange(
                    ticket=ticket, agreement_before=name_x, agreement_after=name_y,
                    target=None, definition_before=None, definition_after=None, cycle=None,
                    stage_before=None, stage_after=None))
        return out

    def _stages(self, side: int, ticket: Any, listed: list[TicketEvent], *, name: str | None,
                priorities: tuple[str, ...],
                known: dict[str, list[tuple[str, str | None]]]) -> list[str | None]:
        """The stage of each cycle of definition *name* the target counts (``None``: a
        cycle of another priority), evaluated as attainment evaluates it."""
        if name is None:
            return []
        cycles = known.get(name)
        if cycles is None:
            outcome = self._cats[side].definition(name).evaluate(
                listed, self._as_of, ticket, strict=False)
            cycles = known[name] = [(_stage(c), c.priority) for c in outcome.cycles]
        return [stage if not priorities or priority in priorities else None
                for stage, priority in cycles]


def _matching_key(catalogue: Catalogue) -> tuple[Any, ...]:
    """Everything that decides which agreements apply to a ticket."""
    return (catalogue.customer_field, catalogue.service_field, catalogue.customers,
            catalogue._index["bounds"],
            [(a.name, a.kind, a.customers, a.services, a.when) for a in catalogue.agreements])


def _stage(cycle: SlaCycle) -> str:
    """A cycle's stage as attainment counts it: an open cycle already past its deadline
    is ``"breached"``."""
    stage = cycle.stage
    if stage in (Stage.RUNNING, Stage.PAUSED) and cycle.breached_at is not None:
        return Stage.BREACHED.value
    return stage.value


def _pairs(before: tuple[Agreement, ...], after: tuple[Agreement, ...]
           ) -> list[tuple[Agreement | None, Agreement | None]]:
    """The SLA before with the SLA after, then each OLA and UC with its namesake."""
    sla_x = next((a for a in before if a.kind == "sla"), None)
    sla_y = next((a for a in after if a.kind == "sla"), None)
    pairs: list[tuple[Agreement | None, Agreement | None]] = []
    if sla_x is not None or sla_y is not None:
        pairs.append((sla_x, sla_y))
    old = {a.name: a for a in before if a.kind != "sla"}
    new = {a.name: a for a in after if a.kind != "sla"}
    pairs.extend((old.get(name), new.get(name)) for name in dict.fromkeys([*old, *new]))
    return pairs


def _ticket(pair: object, index: int) -> tuple[Any, list[TicketEvent]]:
    """The ticket and its events from the *index*-th ``(ticket, events)`` pair, or an
    :class:`~itsm_core.errors.ArgumentTypeError` naming it.

    >>> _ticket(("INC1", []), 0)
    ('INC1', [])
    >>> _ticket("INC1", 3)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: tickets[3]: expected a (ticket, events) pair, got 'INC1'
    """
    if isinstance(pair, (str, bytes)) or not isinstance(pair, Iterable):
        raise ArgumentTypeError(f"tickets[{index}]: expected a (ticket, events) pair, got "
                                f"{shown(pair)}")
    parts = list(pair)
    if len(parts) != 2:
        raise ArgumentTypeError(f"tickets[{index}]: expected a (ticket, events) pair, got "
                                f"{shown(pair)}")
    listed = items_of(parts[1], f"tickets[{index}] events", "TicketEvent")
    for number, event in enumerate(listed):
        if not isinstance(event, TicketEvent):
            raise ArgumentTypeError(f"tickets[{index}] events[{number}]: expected a "
                                    f"TicketEvent, got {type(event).__name__} {shown(event)}")
    return parts[0], listed


def what_if(current: Catalogue, proposed: Catalogue | Agreement,
            tickets: Iterable[tuple[Any, Iterable[TicketEvent]]],
            outages: Iterable[ServiceOutage] = (), *, period: str = "month",
            as_of: datetime | None = None) -> WhatIf:
    """Replay *tickets* (``(ticket_id, events)`` pairs, read once) and *outages* under
    *current* and under *proposed* (a whole catalogue, or an agreement replacing its
    namesake in *current*) and list what changes.

    Args:
        current: the catalogue in force.
        proposed: a :class:`~itsm_core.service.catalogue.Catalogue`, or an
            :class:`~itsm_core.service.agreement.Agreement` replacing the agreement of the
            same name in *current*.
        tickets: ``(ticket_id, events)`` pairs; may be a generator.
        outages: :class:`~itsm_core.service.outages.ServiceOutage` values.
        period: ``"week"``, ``"month"`` (default), ``"quarter"`` or ``"year"``.
        as_of: evaluate clocks and outages at this instant (default: the last one seen).

    Returns:
        A :class:`~itsm_core.service.whatif_report.WhatIf`: the ticket cycles whose stage
        changed, the target results whose measured value or verdict changed, the periods
        whose credits changed, and the counts.

    Raises:
        UnknownNameError: *current* has no agreement of the proposed agreement's name.
        ConfigError: the proposal does not validate; raised before any ticket is read.
        ArgumentTypeError: an argument of the wrong type.

    >>> from itsm_core.service.catalogue import Catalogue
    >>> print(what_if(Catalogue(), Catalogue(), []))
    what-if: 0 tickets evaluated, 0 changed; 0 target results changed; 0 credit periods changed
    """
    after_cat = proposed_catalogue(current, proposed)
    if isinstance(tickets, (str, bytes)) or not isinstance(tickets, Iterable):
        raise ArgumentTypeError(f"tickets: expected an iterable of (ticket, events) pairs, "
                                f"got {type(tickets).__name__}")
    accumulators = (AttainmentAccumulator(current, period, as_of=as_of),
                    AttainmentAccumulator(after_cat, period, as_of=as_of))
    diff = _TicketDiff(current, after_cat, as_of)
    changes: list[TicketChange] = []
    evaluated = changed = 0
    if isinstance(outages, (str, bytes)) or not isinstance(outages, Iterable):
        raise ArgumentTypeError(f"outages: expected an iterable of ServiceOutage values, "
                                f"got {type(outages).__name__}")
    for index, pair in enumerate(tickets):
        ticket, listed = _ticket(pair, index)
        accumulators[0].add_ticket(listed, ticket)
        accumulators[1].add_ticket(listed, ticket)
        found = diff.changes(ticket, listed)
        evaluated += 1
        if found:
            changed += 1
            changes.extend(found)
    for outage in outages:
        accumulators[0].add_outage(outage)
        accumulators[1].add_outage(outage)
    before, after = accumulators[0].result(), accumulators[1].result()
    return WhatIf(evaluated=evaluated, changed=changed, tickets=tuple(changes),
                  targets=tuple(_target_changes(before, after)),
                  credits=tuple(_credit_changes(_credits(current, before),
                                                _credits(after_cat, after))))

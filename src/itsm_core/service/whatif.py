"""What-if: replay the same history under a proposed agreement or catalogue and list what
changes: the verdicts of ticket cycles, the attainment of targets, the credits per period
(see ``docs/service-whatif.md``).

Tickets are read once.  Each one goes to two attainment accumulators (the current catalogue
and the proposal), so every figure is the one :func:`~itsm_core.service.attainment.attainment`
gives; per-ticket verdicts are compared only where the proposal can change them (a target
whose definition or priorities differ, or a ticket whose agreement differs), from the
outcomes the accumulators found.  Each SLA definition is evaluated at most once per ticket
when both catalogues hold it equal (the two sides and the comparison share the ticket's
outcomes), and when the proposal leaves matching alone, the proposal's side measures only
the agreements it can change: every other agreement's results are the current ones (see
``docs/service-whatif.md``, Cost).

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

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import Any

import attrs

from itsm_core.errors import ArgumentTypeError
from itsm_core.service._plan import AgreementPlan
from itsm_core.service._tickets import check_iterable, checked_outage, scan, ticket_pair
from itsm_core.service.agreement import Agreement
from itsm_core.service.attainment import Attainment, AttainmentAccumulator, _sort_key
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.credit_lines import PeriodCredits
from itsm_core.service.credits_due import credits_due
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.result import TargetResult
from itsm_core.service.whatif_report import CreditChange, TargetChange, TicketChange, WhatIf
from itsm_core.sla import SlaCycle, SlaOutcome, Stage, TicketEvent

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


def _paired(current: Catalogue, proposed: Catalogue, period: str, as_of: datetime | None, *,
            same: Collection[str], idle: Collection[str] = ()
            ) -> tuple[AttainmentAccumulator, AttainmentAccumulator]:
    """Accumulators of *current* and *proposed* that may share a ticket's outcomes and
    final cycles (the *outcomes* and *counted* of ``AttainmentAccumulator._add``): the
    definitions named in *same* are equal in both catalogues (one token), every other
    one of *proposed* has a token of its own; both use the same period indexes.  The
    proposal's accumulator measures none of the agreements named in *idle* (those
    :func:`_unchanged` finds): their results are the current ones.

    >>> before, after = _paired(Catalogue(), Catalogue(), "month", None, same=())
    >>> after._zones is before._zones
    True
    """
    before = AttainmentAccumulator(current, period, as_of=as_of)
    after = AttainmentAccumulator(proposed, period, as_of=as_of)
    after._zones = before._zones
    after._plan_agreements(lambda name: name if name in same else (name, "proposed"))
    for name in idle:
        after._plans[name].idle = True
    return before, after


def _unchanged(current: Catalogue, proposed: Catalogue, same: Collection[str]) -> set[str]:
    """The agreements whose results the proposal cannot change: matching is the same in
    both catalogues (so each takes the same tickets), the agreement is equal to its
    namesake, its definitions are equal, and so are its calendar, its zone and the
    services (their starts and calendars).

    >>> cat = Catalogue.from_dict({"agreements": [{"name": "a", "from": "2025-01-01"}]})
    >>> _unchanged(cat, cat, ())
    {'a'}
    """
    if (_matching_key(current) != _matching_key(proposed)
            or current.services != proposed.services
            or any(current.calendar(s.calendar) != proposed.calendar(s.calendar)
                   for s in current.services if s.calendar is not None)):
        return set()
    out = set()
    for agreement in current.agreements:
        name = agreement.name
        calendar = agreement.calendar
        if (proposed.agreement(name) == agreement
                and all(t.definition is None or t.definition in same
                        for t in agreement.targets)
                and all(d in same for d in agreement.definitions)
                and current._index["zones"][name] == proposed._index["zones"][name]
                and (calendar is None
                     or current.calendar(calendar) == proposed.calendar(calendar))):
            out.add(name)
    return out


class _TicketDiff:
    """The cycles of one ticket whose stage differs between two catalogues, from what the
    two accumulators found: the agreements that applied on each side and the ticket's
    outcomes (by definition token, see ``_paired``)."""

    def __init__(self, before: Catalogue, after: Catalogue, as_of: datetime | None,
                 same: set[str], tokens: tuple[Callable[[str], object], ...]) -> None:
        self._cats = (before, after)
        self._as_of = as_of
        self._same = same
        self._tokens = tokens
        self._plans: dict[tuple[str | None, str | None], list[_Plan]] = {}
        named = after._index["agreements"]
        # when matching is the same, each agreement applies with its namesake: only
        # those whose targets may count differently can change a ticket
        self._changing = ({a.name for a in before.agreements if self._plan(a, named[a.name])}
                          if _matching_key(before) == _matching_key(after) else None)

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

    def changes(self, ticket: Any, listed: list[TicketEvent],
                applied: tuple[list[AgreementPlan], list[AgreementPlan]],
                outcomes: dict[object, SlaOutcome]) -> list[TicketChange]:
        """The changes of one ticket: *applied* are the plans that applied to it on each
        side, *outcomes* the outcomes the accumulators evaluated."""
        changing = self._changing
        if changing is not None and not any(p.name in changing for p in applied[0]):
            return []
        pairs = _pairs(tuple(p.agreement for p in applied[0]),
                       tuple(p.agreement for p in applied[1]))
        out: list[TicketChange] = []
        stages: tuple[dict[str, list[tuple[str, str | None]]], ...] = ({}, {})
        for x, y in pairs:
            plan = self._plan(x, y)
            name_x, name_y = (None if x is None else x.name), (None if y is None else y.name)
            if not plan and name_x == name_y:
                continue
            count = len(out)
            for target, dx, px, dy, py in plan:
                sx = self._stages(0, ticket, listed, outcomes, name=dx, priorities=px,
                                  known=stages[0])
                sy = self._stages(1, ticket, listed, outcomes, name=dy, priorities=py,
                                  known=stages[1])
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

    def _stages(self, side: int, ticket: Any, listed: list[TicketEvent],
                outcomes: dict[object, SlaOutcome], *, name: str | None,
                priorities: tuple[str, ...],
                known: dict[str, list[tuple[str, str | None]]]) -> list[str | None]:
        """The stage of each cycle of definition *name* the target counts (``None``: a
        cycle of another priority), evaluated as attainment evaluates it (the
        accumulator's outcome when it has one)."""
        if name is None:
            return []
        cycles = known.get(name)
        if cycles is None:
            token = self._tokens[side](name)
            outcome = outcomes.get(token)
            if outcome is None:
                outcome = outcomes[token] = self._cats[side].definition(name).evaluate(
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
    check_iterable(tickets, "tickets", "(ticket, events) pairs")
    check_iterable(outages, "outages", "ServiceOutage values")
    shared = current._index["definitions"].keys() & after_cat._index["definitions"].keys()
    same = {name for name in shared
            if current.definition(name) == after_cat.definition(name)}
    idle = _unchanged(current, after_cat, same)
    accumulators = _paired(current, after_cat, period, as_of, same=same, idle=idle)
    diff = _TicketDiff(current, after_cat, as_of, same,
                       tuple(a._token for a in accumulators))
    as_of_us = accumulators[0]._as_of_us
    changes: list[TicketChange] = []
    evaluated = changed = 0
    for index, pair in enumerate(tickets):
        ticket, listed = ticket_pair(pair, index)
        scanned = scan(listed, as_of_us, index)
        # one ticket's outcomes and final cycles, shared by both sides and the diff
        outcomes: dict[object, SlaOutcome] = {}
        counted: dict[Any, Any] = {}
        applied = (accumulators[0]._add(listed, ticket, scanned, outcomes, counted),
                   accumulators[1]._add(listed, ticket, scanned, outcomes, counted))
        found = diff.changes(ticket, listed, applied, outcomes)
        evaluated += 1
        if found:
            changed += 1
            changes.extend(found)
    for index, outage in enumerate(outages):
        checked = checked_outage(outage, index)
        accumulators[0].add_outage(checked)
        accumulators[1].add_outage(checked)
    before, after = accumulators[0].result(), accumulators[1].result()
    if idle:  # the results of the agreements the proposal leaves unchanged
        after = attrs.evolve(after, results=tuple(sorted(
            (*after.results, *(r for r in before.results if r.agreement in idle)),
            key=_sort_key)))
    return WhatIf(evaluated=evaluated, changed=changed, tickets=tuple(changes),
                  targets=tuple(_target_changes(before, after)),
                  credits=tuple(_credit_changes(_credits(current, before),
                                                _credits(after_cat, after))))

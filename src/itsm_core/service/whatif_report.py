"""What a what-if comparison found: the :class:`TicketChange` of each ticket cycle whose
verdict changed, the :class:`TargetChange` of each target result whose measured value or
verdict changed, the :class:`CreditChange` of each period whose credits changed, and the
:class:`WhatIf` that holds them (see ``docs/service-whatif.md``).

>>> change = TicketChange(ticket="INC7", agreement_before="gold", agreement_after="gold",
...                       target="P1 fix", definition_before="fix", definition_after="fix-2h",
...                       cycle=0, stage_before="met", stage_after="breached")
>>> str(change)
'INC7: gold / P1 fix cycle 0: met -> breached (definition fix -> fix-2h)'
>>> print(WhatIf(evaluated=3, tickets=(change,), changed=1))
what-if: 3 tickets evaluated, 1 changed; 0 target results changed; 0 credit periods changed
tickets:
  INC7: gold / P1 fix cycle 0: met -> breached (definition fix -> fix-2h)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from itsm_core.ratios import format_percent
from itsm_core.service.credit_lines import CreditLine
from itsm_core.service.result import TargetResult

__all__ = ["SHOWN", "CreditChange", "TargetChange", "TicketChange", "WhatIf"]

#: How many items of each list ``str(WhatIf)`` shows before "and N more".
SHOWN = 20


def _side(value: object) -> str:
    return "-" if value is None else str(value)


@attrs.frozen(kw_only=True)
class TicketChange:
    """One ticket whose verdict differs under the proposal: a cycle a ticket target counts
    (its stage, or ``None`` where the target does not count it), or the agreement that
    applies.

    Attributes:
        ticket: the ticket's identifier.
        agreement_before: the agreement that applied under the current catalogue (``None``:
            none of that kind did).
        agreement_after: the agreement that applies under the proposal.
        target: the ticket target, or ``None`` for a change of agreement alone (no stage
            changed).
        definition_before: the SLA definition the target counted before (``None``: the
            target was not there).
        definition_after: the SLA definition the target counts under the proposal.
        cycle: the cycle's index in the definition's outcome, or ``None``.
        stage_before: ``"met"``, ``"breached"``, ``"running"``, ``"paused"``,
            ``"cancelled"``, or ``None`` when the target did not count the cycle.
        stage_after: the same under the proposal.

    >>> TicketChange(ticket="INC1", agreement_before="gold", agreement_after="silver",
    ...              target=None, definition_before=None, definition_after=None, cycle=None,
    ...              stage_before=None, stage_after=None).to_dict()["agreement_after"]
    'silver'
    """

    ticket: Any
    agreement_before: str | None
    agreement_after: str | None
    target: str | None
    definition_before: str | None
    definition_after: str | None
    cycle: int | None
    stage_before: str | None
    stage_after: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> TicketChange(ticket="INC1", agreement_before="a", agreement_after="a", target="t",
        ...              definition_before="d", definition_after="d", cycle=0,
        ...              stage_before="met", stage_after=None).to_dict()["stage_after"]
        """
        return {"ticket": self.ticket, "agreement_before": self.agreement_before,
                "agreement_after": self.agreement_after, "target": self.target,
                "definition_before": self.definition_before,
                "definition_after": self.definition_after, "cycle": self.cycle,
                "stage_before": self.stage_before, "stage_after": self.stage_after}

    def __str__(self) -> str:
        """One line.

        >>> print(TicketChange(ticket="INC1", agreement_before="gold", agreement_after=None,
        ...                    target=None, definition_before=None, definition_after=None,
        ...                    cycle=None, stage_before=None, stage_after=None))
        INC1: agreement gold -> -
        """
        if self.agreement_before == self.agreement_after:
            where = _side(self.agreement_before)
        else:
            where = f"agreement {_side(self.agreement_before)} -> {_side(self.agreement_after)}"
        if self.target is None:
            return f"{self.ticket}: {where}"
        text = (f"{self.ticket}: {where} / {self.target} cycle {self.cycle}: "
                f"{_side(self.stage_before)} -> {_side(self.stage_after)}")
        if self.definition_before != self.definition_after:
            text += (f" (definition {_side(self.definition_before)} -> "
                     f"{_side(self.definition_after)})")
        return text


def _summary(result: TargetResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {"measured": None if result.measured is None else str(result.measured),
            "verdict": result.verdict.value, "rule": result.rule, "goal": str(result.goal),
            "volume": result.volume, "met": result.met, "missed": result.missed,
            "excluded": len(result.excluded)}


def _short(result: TargetResult | None) -> str:
    if result is None:
        return "-"
    measured = "n/a" if result.measured is None else format_percent(result.measured, 2)
    return f"{measured} {result.verdict.value}"


@attrs.frozen(kw_only=True)
class TargetChange:
    """One target result (agreement x customer x target x service x period) whose measured
    value or verdict differs under the proposal, or that exists on one side only.

    Attributes:
        agreement: the agreement's name.
        customer: the customer (``None`` for an agreement measured without one).
        target: the target's name.
        service: the service (availability targets), else ``None``.
        period: the period key.
        before: the result under the current catalogue, or ``None``.
        after: the result under the proposal, or ``None``.

    >>> from fractions import Fraction
    >>> from itsm_core.service.result import Verdict
    >>> r = TargetResult(agreement="gold", customer="acme", service=None, target="fix",
    ...                  kind="tickets", period="2025-03", goal=Fraction(9, 10),
    ...                  measured=Fraction(1), verdict=Verdict.MET, rule="at least 90%")
    >>> c = TargetChange(agreement="gold", customer="acme", target="fix", service=None,
    ...                  period="2025-03", before=r,
    ...                  after=attrs.evolve(r, measured=Fraction(1, 2), verdict=Verdict.MISSED))
    >>> str(c)
    'gold / acme / fix / 2025-03: 100.00% met -> 50.00% missed'
    """

    agreement: str
    customer: str | None
    target: str
    service: str | None
    period: str
    before: TargetResult | None
    after: TargetResult | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data: each side as a summary (measured, verdict, rule, goal, volume, met,
        missed, and how many items were excluded), ``None`` for a missing side.

        >>> TargetChange(agreement="a", customer=None, target="t", service=None,
        ...              period="2025", before=None, after=None).to_dict()["before"]
        """
        return {"agreement": self.agreement, "customer": self.customer,
                "target": self.target, "service": self.service, "period": self.period,
                "before": _summary(self.before), "after": _summary(self.after)}

    def __str__(self) -> str:
        """One line (see the class example).

        >>> print(TargetChange(agreement="a", customer=None, target="t", service="vpn",
        ...                    period="2025", before=None, after=None))
        a / - / t / vpn / 2025: - -> -
        """
        parts = [self.agreement, _side(self.customer), self.target]
        if self.service is not None:
            parts.append(self.service)
        parts.append(self.period)
        return f"{' / '.join(parts)}: {_short(self.before)} -> {_short(self.after)}"


@attrs.frozen(kw_only=True)
class CreditChange:
    """The credits of one agreement x customer x period that differ under the proposal.

    Attributes:
        agreement: the agreement's name.
        customer: the customer (``None`` for an agreement measured without one).
        period: the period key.
        currency: the currency of the amounts (the proposal's when both sides have one).
        before: the total owed under the current catalogue, or ``None`` when no credits
            were computed (no credit scheme or no fee).
        after: the total owed under the proposal, or ``None``.
        lines_before: the credit lines under the current catalogue.
        lines_after: the credit lines under the proposal.

    >>> str(CreditChange(agreement="gold", customer="acme", period="2025-03", currency="EUR",
    ...                  before=Decimal("0.00"), after=Decimal("600.00")))
    'gold / acme / 2025-03: 0.00 -> 600.00 EUR'
    """

    agreement: str
    customer: str | None
    period: str
    currency: str
    before: Decimal | None
    after: Decimal | None
    lines_before: tuple[CreditLine, ...] = ()
    lines_after: tuple[CreditLine, ...] = ()

    @property
    def difference(self) -> Decimal:
        """After minus before (a missing side counts as zero).

        >>> CreditChange(agreement="a", customer=None, period="2025", currency="EUR",
        ...              before=Decimal("10.00"), after=None).difference
        Decimal('-10.00')
        """
        return (self.after or Decimal(0)) - (self.before or Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        """Plain data, amounts as strings.

        >>> CreditChange(agreement="a", customer=None, period="2025", currency="EUR",
        ...              before=None, after=Decimal("1.50")).to_dict()["difference"]
        '1.50'
        """
        return {"agreement": self.agreement, "customer": self.customer,
                "period": self.period, "currency": self.currency,
                "before": None if self.before is None else str(self.before),
                "after": None if self.after is None else str(self.after),
                "difference": str(self.difference),
                "lines_before": [line.to_dict() for line in self.lines_before],
                "lines_after": [line.to_dict() for line in self.lines_after]}

    def __str__(self) -> str:
        """One line (see the class example).

        >>> print(CreditChange(agreement="a", customer=None, period="2025", currency="EUR",
        ...                    before=None, after=Decimal("1.50")))
        a / - / 2025: - -> 1.50 EUR
        """
        return (f"{self.agreement} / {_side(self.customer)} / {self.period}: "
                f"{_side(self.before)} -> {_side(self.after)} {self.currency}")


def _listed(title: str, items: Sequence[object], shown: int) -> list[str]:
    if not items:
        return []
    lines = [f"{title}:"] + [f"  {item}" for item in items[:shown]]
    if len(items) > shown:
        lines.append(f"  and {len(items) - shown} more")
    return lines


@attrs.frozen(kw_only=True)
class WhatIf:
    """What changes when the same history is replayed under a proposal.

    Attributes:
        evaluated: the tickets evaluated.
        changed: the distinct tickets with at least one :class:`TicketChange`.
        tickets: every ticket change, in input order of the tickets.
        targets: every target result that changed, sorted by agreement, customer, target,
            service and period.
        credits: every period whose credits changed, sorted by agreement, customer and
            period.

    >>> WhatIf(evaluated=10).unchanged
    True
    >>> WhatIf(evaluated=10).to_dict()
    {'evaluated': 10, 'changed': 0, 'tickets': [], 'targets': [], 'credits': []}
    """

    evaluated: int
    changed: int = 0
    tickets: tuple[TicketChange, ...] = ()
    targets: tuple[TargetChange, ...] = ()
    credits: tuple[CreditChange, ...] = ()

    @property
    def unchanged(self) -> bool:
        """Whether the proposal changes nothing: no ticket, target result or credit.

        >>> WhatIf(evaluated=0, changed=1).unchanged
        False
        """
        return not (self.changed or self.tickets or self.targets or self.credits)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, every list in full.

        >>> WhatIf(evaluated=2).to_dict()["changed"]
        0
        """
        return {"evaluated": self.evaluated, "changed": self.changed,
                "tickets": [t.to_dict() for t in self.tickets],
                "targets": [t.to_dict() for t in self.targets],
                "credits": [c.to_dict() for c in self.credits]}

    def __str__(self) -> str:
        """A summary: the counts, then the first :data:`SHOWN` items of each list and how
        many more there are.

        >>> print(WhatIf(evaluated=5))
        what-if: 5 tickets evaluated, 0 changed; 0 target results changed; 0 credit periods changed
        """
        lines = [f"what-if: {self.evaluated} tickets evaluated, {self.changed} changed; "
                 f"{len(self.targets)} target results changed; "
                 f"{len(self.credits)} credit periods changed"]
        lines += _listed("tickets", self.tickets, SHOWN)
        lines += _listed("targets", self.targets, SHOWN)
        lines += _listed("credits", self.credits, SHOWN)
        return "\n".join(lines)

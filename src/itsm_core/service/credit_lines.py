"""The amounts a service credit scheme owes: one :class:`CreditLine` per credit, gathered
into the :class:`PeriodCredits` of each period, and the exact half-to-even rounding that
quantizes them to the currency's minor unit (see docs/service-credits.md, "Rounding" and
"Results").

>>> exact = Fraction("0.125")                     # one breach at 0.125, half-even to 0.12
>>> line = CreditLine(period="2025-03", kind="per_breach", target="P1", service=None,
...                   amount=_units_text(_half_even(exact, 100), 2),
...                   reason="1 breached ticket x 0.125", tickets=("INC1",))
>>> PeriodCredits(period="2025-03", fee=Decimal("12000.00"), currency="EUR",
...               lines=(line,), total=line.amount).to_dict()["total"]
'0.12'
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

__all__ = ["CreditLine", "PeriodCredits"]


def _units_text(units: int, minor_units: int) -> Decimal:
    """*units* of the minor unit as an exact Decimal with *minor_units* places."""
    return Decimal(f"{units}e-{minor_units}")


def _half_even(value: Fraction, scale: int) -> int:
    """*value* in units of ``1/scale``, rounded half to even, exactly.

    >>> _half_even(Fraction(5, 2), 1), _half_even(Fraction(7, 2), 1), _half_even(Fraction(-5, 2), 1)
    (2, 4, -2)
    """
    whole, rest = divmod(value.numerator * scale, value.denominator)
    if 2 * rest > value.denominator or (2 * rest == value.denominator and whole % 2):
        whole += 1
    return whole


@attrs.frozen(kw_only=True)
class CreditLine:
    """One amount of a period's credits, and where it comes from.

    Attributes:
        period: the period key it belongs to.
        kind: ``"tiers"``, ``"linear"``, ``"per_breach"``, ``"at_risk"`` or ``"earn_back"``.
        target: the target it comes from.
        service: the service of the result it comes from (``None`` for a target measured
            across services, and for at-risk and earn-back lines).
        amount: what is owed, quantized to the minor unit (negative for an earn-back).
        cut: how much the cap removed from this line (0 when none).
        reason: why, in words.
        tickets: the breached tickets behind it.
        outages: the outages behind it.
        earned_back_from: for an earn-back line, the period whose credit it returns.

    >>> CreditLine(period="2025-03", kind="per_breach", target="t", service=None,
    ...            amount=Decimal("50.00"), reason="1 breached ticket x 50.00",
    ...            tickets=("INC1",)).to_dict()["amount"]
    '50.00'
    """

    period: str
    kind: str
    target: str
    service: str | None
    amount: Decimal
    reason: str
    cut: Decimal = Decimal(0)
    tickets: tuple[Any, ...] = ()
    outages: tuple[Any, ...] = ()
    earned_back_from: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data, amounts as strings (``"123.45"``).

        >>> CreditLine(period="2025-03", kind="tiers", target="t", service="email",
        ...            amount=Decimal("0.00"), cut=Decimal("5.00"),
        ...            reason="...").to_dict()["cut"]
        '5.00'
        """
        return {"period": self.period, "kind": self.kind, "target": self.target,
                "service": self.service, "amount": str(self.amount), "cut": str(self.cut),
                "reason": self.reason, "tickets": list(self.tickets),
                "outages": list(self.outages), "earned_back_from": self.earned_back_from}


@attrs.frozen(kw_only=True)
class PeriodCredits:
    """The credits of one period: its lines, their total, and the cap that bounded them.

    Attributes:
        period: the period key.
        fee: the period's fee.
        currency: the currency code.
        lines: the amounts, in order: rule lines in rule order, at-risk lines in weight
            order, then earn-back lines.
        total: the sum of the lines as shown.
        cap: the most the period's credits may come to, or ``None`` without a cap.
        cut: how much the cap removed in all.

    >>> PeriodCredits(period="2025-03", fee=Decimal("100.00"), currency="EUR", lines=(),
    ...               total=Decimal("0.00")).to_dict()["total"]
    '0.00'
    """

    period: str
    fee: Decimal
    currency: str
    lines: tuple[CreditLine, ...]
    total: Decimal
    cap: Decimal | None = None
    cut: Decimal = Decimal(0)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, amounts as strings (``"123.45"``).

        >>> PeriodCredits(period="2025", fee=Decimal("1"), currency="GBP", lines=(),
        ...               total=Decimal("0"), cap=Decimal("0.20")).to_dict()["cap"]
        '0.20'
        """
        return {"period": self.period, "fee": str(self.fee), "currency": self.currency,
                "lines": [line.to_dict() for line in self.lines], "total": str(self.total),
                "cap": None if self.cap is None else str(self.cap), "cut": str(self.cut)}

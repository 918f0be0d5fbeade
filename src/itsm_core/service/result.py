"""What one service level target came to over one period: :class:`TargetResult`, with its
:class:`Verdict` and the :class:`Exclusion` of each ticket or outage left out of it.

This is the value attainment produces and credits, service reports and what-if comparisons
read: plain data that names the tickets and outages behind every figure.

>>> from fractions import Fraction
>>> result = TargetResult(agreement="acme-gold", customer="acme", service="email",
...                       target="P1 resolution", kind="tickets", period="2025-03",
...                       goal=Fraction(95, 100), measured=Fraction(19, 20),
...                       verdict=Verdict.MET, rule="at least 95%", volume=20, met=19,
...                       missed=1, tickets=tuple(f"INC{i}" for i in range(20)),
...                       breaches=("INC7",))
>>> result.verdict.value, result.to_dict()["measured"]
('met', '19/20')
"""

from __future__ import annotations

import enum
from datetime import timedelta
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._instant import format_duration

__all__ = ["Exclusion", "TargetResult", "Verdict"]


class Verdict(str, enum.Enum):
    """The verdict on a service level target for one period.

    ``not enough volume``: fewer tickets (or no agreed time) than the target needs to be
    judged; neither met nor missed, and never the cause of a credit.

    >>> [v.value for v in Verdict]
    ['met', 'missed', 'not enough volume']
    """

    MET = "met"
    MISSED = "missed"
    NOT_ENOUGH_VOLUME = "not enough volume"


@attrs.frozen(kw_only=True)
class Exclusion:
    """A ticket or outage left out of a target, and why.

    Attributes:
        kind: ``"ticket"`` or ``"outage"``.
        item: the ticket's or outage's identifier.
        reason: why, e.g. ``"customer-caused"``, ``"beyond the workload limit of 200"``,
            ``"before the service start 2025-02-01"``, ``"shorter than PT5M"``.

    >>> Exclusion(kind="outage", item="OUT-3", reason="shorter than PT5M").to_dict()
    {'kind': 'outage', 'item': 'OUT-3', 'reason': 'shorter than PT5M'}
    """

    kind: str
    item: Any
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> Exclusion(kind="ticket", item="INC9", reason="customer-caused").to_dict()["item"]
        'INC9'
        """
        return {"kind": self.kind, "item": self.item, "reason": self.reason}


def _ratio(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def _duration(value: timedelta | None) -> str | None:
    return None if value is None else format_duration(value)


@attrs.frozen(kw_only=True)
class TargetResult:
    """One service level target of one agreement, for one customer, over one period.

    Attributes:
        agreement: the agreement's name.
        customer: the customer it was measured for (``None`` for an agreement with no
            customer, such as an OLA).
        service: the service measured (``None`` when the target spans the agreement's
            services).
        target: the target's name.
        kind: ``"tickets"`` (a share of SLA cycles met) or ``"availability"``.
        period: the period key (``"2025-03"``, see :mod:`itsm_core.service.period`).
        goal: the share the target asks for, exact (``Fraction(95, 100)``).
        measured: the share measured, exact; ``None`` when nothing could be measured.
        verdict: met, missed or not enough volume.
        rule: the rule that decided the verdict, in words (``"at least 95%"``, ``"at most 2
            misses (fewer than 40 tickets)"``).
        volume: the cycles counted (tickets kind) or the outages counted (availability).
        met: cycles met (tickets kind).
        missed: cycles breached (tickets kind).
        tickets: the tickets counted, in order.
        breaches: the tickets whose cycle breached.
        outages: the outages counted (availability kind).
        excluded: the tickets and outages left out, each with its reason.
        agreed_time: the agreed service time of the period (availability kind).
        downtime: the downtime counted against it (availability kind).

    >>> from fractions import Fraction
    >>> TargetResult(agreement="a", customer=None, service="vpn", target="availability",
    ...              kind="availability", period="2025", goal=Fraction(999, 1000),
    ...              measured=None, verdict=Verdict.NOT_ENOUGH_VOLUME,
    ...              rule="no agreed service time").verdict
    <Verdict.NOT_ENOUGH_VOLUME: 'not enough volume'>
    """

    agreement: str
    customer: str | None
    service: str | None
    target: str
    kind: str
    period: str
    goal: Fraction
    measured: Fraction | None
    verdict: Verdict
    rule: str
    volume: int = 0
    met: int = 0
    missed: int = 0
    tickets: tuple[Any, ...] = ()
    breaches: tuple[Any, ...] = ()
    outages: tuple[Any, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    agreed_time: timedelta | None = None
    downtime: timedelta | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ratios as exact ``"p/q"`` strings, durations as ISO 8601.

        >>> from fractions import Fraction
        >>> r = TargetResult(agreement="a", customer="c", service=None, target="t",
        ...                  kind="tickets", period="2025-01", goal=Fraction(9, 10),
        ...                  measured=Fraction(1), verdict=Verdict.MET, rule="at least 90%")
        >>> r.to_dict()["goal"], r.to_dict()["verdict"]
        ('9/10', 'met')
        """
        return {"agreement": self.agreement, "customer": self.customer,
                "service": self.service, "target": self.target, "kind": self.kind,
                "period": self.period, "goal": _ratio(self.goal),
                "measured": _ratio(self.measured), "verdict": self.verdict.value,
                "rule": self.rule, "volume": self.volume, "met": self.met,
                "missed": self.missed, "tickets": list(self.tickets),
                "breaches": list(self.breaches), "outages": list(self.outages),
                "excluded": [e.to_dict() for e in self.excluded],
                "agreed_time": _duration(self.agreed_time),
                "downtime": _duration(self.downtime)}

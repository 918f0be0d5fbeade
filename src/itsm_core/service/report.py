"""The service report of one customer for one period: each target with its value, verdict
and trend, the breaches behind it, the targets that need an improvement action, workload
against the agreed limits, availability and the credits due.

A :class:`ServiceReport` is plain data built from the
:class:`~itsm_core.service.result.TargetResult` values attainment produces (those of the
previous periods give the trend) and, optionally, the credits a credit scheme computed.
It writes itself as a dict (:meth:`ServiceReport.to_dict`), text and Markdown; the command
line adds JSON and a self-contained HTML page.

Shares are shown as percentages truncated (never rounded up) to three decimals, so a
value shown never looks better than it is: 99.9995 % shows as ``99.999%``.

>>> from fractions import Fraction
>>> from itsm_core.service.result import TargetResult, Verdict
>>> def result(period, met, missed):
...     return TargetResult(agreement="acme-gold", customer="acme", service="email",
...         target="P1 resolution", kind="tickets", period=period, goal=Fraction(9, 10),
...         measured=Fraction(met, met + missed),
...         verdict=Verdict.MET if met * 10 >= 9 * (met + missed) else Verdict.MISSED,
...         rule="at least 90%", volume=met + missed, met=met, missed=missed,
...         breaches=tuple(f"INC{i}" for i in range(missed)))
>>> report = ServiceReport.build([result("2025-02", 10, 0), result("2025-03", 8, 2)],
...                              customer="acme", period="2025-03")
>>> [line.action_needed for line in report.targets], report.targets[0].trend[-2].measured
([True], Fraction(1, 1))
>>> print(report.to_text().splitlines()[0])
Service report: acme, 2025-03
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol

import attrs

from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown
from itsm_core.service._render import render_lines
from itsm_core.service.continuity_report import ContinuityReport
from itsm_core.service.kpi_report import KpiReport
from itsm_core.service.period import shift
from itsm_core.service.result import TargetResult, Verdict

__all__ = ["CreditDue", "PeriodCreditsLike", "ServiceReport", "TargetLine", "TrendPoint",
           "WorkloadLine", "trend_of"]

TREND = 5  # previous periods in a report's trend, by default


class PeriodCreditsLike(Protocol):
    """What a report reads from a credit scheme's result for one period: the period key,
    the total due and its plain data.

    >>> class Credits:
    ...     period, total = "2025-03", Decimal("120.00")
    ...     def to_dict(self): return {"period": self.period, "total": str(self.total)}
    >>> isinstance(Credits().total, Decimal)
    True
    """

    @property
    def period(self) -> str: ...

    @property
    def total(self) -> Decimal: ...

    def to_dict(self) -> dict[str, Any]: ...


@attrs.frozen(kw_only=True)
class CreditDue:
    """The credit one agreement owes for one period.

    Attributes:
        agreement: the agreement's name.
        period: the period key.
        total: the amount, exact.
        currency: the agreement's currency (``""`` when it names none).
        detail: the credit scheme's own plain data (its lines name the targets, tickets
            and outages each amount comes from).

    >>> CreditDue(agreement="acme-gold", period="2025-03", total=Decimal("120.00"),
    ...           currency="EUR").to_dict()["total"]
    '120.00'
    """

    agreement: str
    period: str
    total: Decimal
    currency: str = ""
    detail: dict[str, Any] = attrs.field(factory=dict, eq=False)

    @classmethod
    def of(cls, agreement: str, credits: PeriodCreditsLike, currency: str = "") -> CreditDue:
        """The credit due from a credit scheme's result for one period (duck-typed:
        ``period``, ``total``, ``to_dict()``).

        >>> class Credits:
        ...     period, total = "2025-03", Decimal("50")
        ...     def to_dict(self): return {"total": "50"}
        >>> CreditDue.of("acme-gold", Credits(), "EUR").total
        Decimal('50')
        """
        return cls(agreement=agreement, period=credits.period, total=credits.total,
                   currency=currency, detail=credits.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """Plain data; the amount as an exact decimal string.

        >>> CreditDue(agreement="a", period="2025", total=Decimal("1.50")).to_dict()["period"]
        '2025'
        """
        return {"agreement": self.agreement, "period": self.period, "total": str(self.total),
                "currency": self.currency, "detail": self.detail}


@attrs.frozen(kw_only=True)
class WorkloadLine:
    """Workload of one agreement for one customer over the period, against its limit.

    Attributes:
        agreement: the agreement's name.
        tickets: the tickets the agreement covered in the period.
        limit: the agreed limit per period (``None``: no limit).
        excluded: the tickets beyond the limit, left out of the ticket targets.

    >>> WorkloadLine(agreement="acme-gold", tickets=230, limit=200, excluded=30).over_limit
    True
    """

    agreement: str
    tickets: int
    limit: int | None = None
    excluded: int = 0

    @property
    def over_limit(self) -> bool:
        """Whether the workload went beyond the agreed limit.

        >>> WorkloadLine(agreement="a", tickets=5).over_limit
        False
        """
        return self.limit is not None and self.tickets > self.limit

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> WorkloadLine(agreement="a", tickets=5, limit=10).to_dict()["limit"]
        10
        """
        return {"agreement": self.agreement, "tickets": self.tickets, "limit": self.limit,
                "excluded": self.excluded, "over_limit": self.over_limit}


@attrs.frozen(kw_only=True)
class TrendPoint:
    """A target's value in one period of its trend (``measured`` is ``None`` when the
    period had no result or nothing to measure).

    >>> TrendPoint(period="2025-02", measured=None, verdict=None).to_dict()
    {'period': '2025-02', 'measured': None, 'verdict': None}
    """

    period: str
    measured: Fraction | None
    verdict: Verdict | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the share as an exact ``"p/q"`` string).

        >>> TrendPoint(period="2025", measured=Fraction(1, 2), verdict=Verdict.MISSED).to_dict()["measured"]
        '1/2'
        """
        return {"period": self.period,
                "measured": None if self.measured is None else str(self.measured),
                "verdict": None if self.verdict is None else self.verdict.value}


@attrs.frozen(kw_only=True)
class TargetLine:
    """One target of the report: its result for the period and its trend.

    Attributes:
        result: the target's result for the report's period.
        trend: the previous periods then the report's own, oldest first.

    >>> from itsm_core.service.result import TargetResult
    >>> r = TargetResult(agreement="a", customer="c", service=None, target="t",
    ...                  kind="tickets", period="2025-03", goal=Fraction(9, 10),
    ...                  measured=Fraction(1, 2), verdict=Verdict.MISSED, rule="at least 90%")
    >>> TargetLine(result=r, trend=()).action_needed
    True
    """

    result: TargetResult
    trend: tuple[TrendPoint, ...]

    @property
    def action_needed(self) -> bool:
        """Whether the target was missed: an improvement action is needed.

        >>> from itsm_core.service.result import TargetResult
        >>> r = TargetResult(agreement="a", customer="c", service=None, target="t",
        ...                  kind="tickets", period="2025", goal=Fraction(1),
        ...                  measured=None, verdict=Verdict.NOT_ENOUGH_VOLUME, rule="-")
        >>> TargetLine(result=r, trend=()).action_needed
        False
        """
        return self.result.verdict is Verdict.MISSED

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the result's, its trend, and the action flag.

        >>> from itsm_core.service.result import TargetResult
        >>> r = TargetResult(agreement="a", customer="c", service=None, target="t",
        ...                  kind="tickets", period="2025", goal=Fraction(1),
        ...                  measured=Fraction(1), verdict=Verdict.MET, rule="at least 100%")
        >>> TargetLine(result=r, trend=()).to_dict()["action_needed"]
        False
        """
        return {**self.result.to_dict(), "trend": [p.to_dict() for p in self.trend],
                "action_needed": self.action_needed}


def _identity(result: TargetResult) -> tuple[str, str | None, str | None, str]:
    return (result.agreement, result.customer, result.service, result.target)


def _check_key(period: object) -> str:
    if period.__class__ is not str:
        raise InvalidArgumentError(f"period: expected a period key such as '2025-03', got "
                                   f"{shown(period)}")
    shift(str(period), 0)  # a malformed key raises InvalidArgumentError naming it
    return str(period)


def trend_of(results: Iterable[TargetResult], period: str, previous: int = TREND,
             ) -> dict[tuple[str, str | None, str | None, str], tuple[TrendPoint, ...]]:
    """Each target's trend over the *previous* periods before *period* and *period* itself.

    >>> from itsm_core.service.result import TargetResult
    >>> r = TargetResult(agreement="a", customer="c", service=None, target="t",
    ...                  kind="tickets", period="2025-02", goal=Fraction(1),
    ...                  measured=Fraction(1), verdict=Verdict.MET, rule="at least 100%")
    >>> [p.period for p in trend_of([r], "2025-03", 2)[("a", "c", None, "t")]]
    ['2025-01', '2025-02', '2025-03']
    """
    periods = [shift(period, -k) for k in range(previous, -1, -1)]
    found: dict[tuple[Any, ...], dict[str, TargetResult]] = {}
    for result in results:
        if result.period in periods:
            found.setdefault(_identity(result), {})[result.period] = result
    trends = {}
    for key, by_period in found.items():
        points = []
        for p in periods:
            hit = by_period.get(p)
            points.append(TrendPoint(period=p, measured=None if hit is None else hit.measured,
                                     verdict=None if hit is None else hit.verdict))
        trends[key] = tuple(points)
    return trends


@attrs.frozen(kw_only=True)
class ServiceReport:
    """The service report of one customer for one period.

    Attributes:
        customer: the customer.
        period: the period key (``"2025-03"``).
        targets: each target's line, in the order the results came.
        workload: workload against each agreement's limit.
        credits: the credits due for the period.
        kpis: the incident KPIs of the customer's tickets per group, the report's period
            and those of the trend (``None``: not measured).
        continuity: the continuity of the services the customer's agreements cover over
            the period (``None``: not reported).

    >>> ServiceReport(customer="acme", period="2025-03", targets=()).actions
    ()
    """

    customer: str
    period: str
    targets: tuple[TargetLine, ...]
    workload: tuple[WorkloadLine, ...] = ()
    credits: tuple[CreditDue, ...] = ()
    kpis: KpiReport | None = None
    continuity: ContinuityReport | None = None

    @classmethod
    def build(cls, results: Iterable[TargetResult], *, customer: str, period: str,
              previous: int = TREND, workload: Iterable[WorkloadLine] = (),
              credits: Iterable[CreditDue] = (), kpis: KpiReport | None = None,
              continuity: ContinuityReport | None = None) -> ServiceReport:
        """The report of *customer* for *period* from attainment's results (those of
        other customers are ignored; those of the *previous* periods make the trend), the
        credits due (only those of *period* are kept), the customer's incident KPIs (only
        the rows of *period* and its trend's are kept) and the continuity report.

        >>> ServiceReport.build([], customer="acme", period="2025-03").targets
        ()
        >>> ServiceReport.build([], customer="acme", period="March")
        Traceback (most recent call last):
        ...
        itsm_core.errors.InvalidArgumentError: period key: expected '2025', '2025-Q1', '2025-03' or '2025-W09', got 'March'
        """
        period = _check_key(period)
        if kpis is not None and not isinstance(kpis, KpiReport):
            raise ArgumentTypeError(f"kpis: expected a KpiReport, got {shown(kpis)}")
        if continuity is not None and not isinstance(continuity, ContinuityReport):
            raise ArgumentTypeError(f"continuity: expected a ContinuityReport, got "
                                       f"{shown(continuity)}")
        if previous.__class__ is not int or not 0 <= previous <= 1000:
            raise InvalidArgumentError(f"previous: expected a count of periods from 0 to "
                                       f"1000, got {shown(previous)}")
        mine = [r for r in results if r.customer == customer]
        trends = trend_of(mine, period, previous)
        lines = tuple(TargetLine(result=r, trend=trends[_identity(r)])
                      for r in mine if r.period == period)
        if kpis is not None:
            window = {shift(period, -k) for k in range(previous + 1)}
            kpis = attrs.evolve(kpis, rows=tuple(r for r in kpis.rows if r.period in window))
        return cls(customer=customer, period=period, targets=lines,
                   workload=tuple(workload),
                   credits=tuple(c for c in credits if c.period == period), kpis=kpis,
                   continuity=continuity)

    @property
    def actions(self) -> tuple[TargetLine, ...]:
        """The targets missed, each needing an improvement action.

        >>> ServiceReport(customer="a", period="2025", targets=()).actions
        ()
        """
        return tuple(line for line in self.targets if line.action_needed)

    @property
    def availability(self) -> tuple[TargetLine, ...]:
        """The availability targets.

        >>> ServiceReport(customer="a", period="2025", targets=()).availability
        ()
        """
        return tuple(line for line in self.targets if line.result.kind == "availability")

    def credit_totals(self) -> dict[str, Decimal]:
        """The credits due, summed per currency.

        >>> ServiceReport(customer="a", period="2025", targets=(), credits=(
        ...     CreditDue(agreement="x", period="2025", total=Decimal("1.50"), currency="EUR"),
        ...     CreditDue(agreement="y", period="2025", total=Decimal("2"), currency="EUR"),
        ... )).credit_totals()
        {'EUR': Decimal('3.50')}
        """
        totals: dict[str, Decimal] = {}
        for credit in self.credits:
            totals[credit.currency] = totals.get(credit.currency, Decimal(0)) + credit.total
        return totals

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> sorted(ServiceReport(customer="a", period="2025", targets=()).to_dict())
        ['actions', 'continuity', 'credit_totals', 'credits', 'customer', 'kpis', 'period', 'targets', 'workload']
        """
        return {"customer": self.customer, "period": self.period,
                "targets": [line.to_dict() for line in self.targets],
                "actions": [line.result.target for line in self.actions],
                "workload": [w.to_dict() for w in self.workload],
                "credits": [c.to_dict() for c in self.credits],
                "credit_totals": {k: str(v) for k, v in self.credit_totals().items()},
                "kpis": None if self.kpis is None else self.kpis.to_dict(),
                "continuity": None if self.continuity is None else self.continuity.to_dict()}

    def to_text(self) -> str:
        """The report as plain text.

        >>> print(ServiceReport(customer="acme", period="2025-03", targets=()).to_text())
        Service report: acme, 2025-03
        Targets: none
        """
        return "\n".join(render_lines(self, markdown=False)) + "\n"

    def to_markdown(self) -> str:
        """The report as Markdown.

        >>> print(ServiceReport(customer="acme", period="2025-03", targets=()).to_markdown())
        ## Service report: acme, 2025-03
        <BLANKLINE>
        Targets: none
        """
        return "\n".join(render_lines(self, markdown=True)) + "\n"

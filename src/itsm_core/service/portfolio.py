"""The portfolio report: every customer's attainment for one period, each measured against
ITS OWN agreement, so that customers with different SLAs compare coherently.

Two customers' "P1 resolution" targets may ask for 95 % and 90 %, on different calendars;
comparing the raw shares would be meaningless.  The portfolio compares what every SLA
allows to compare: the share of its targets each customer's agreements met, the margin of
each measured value over its own goal (``measured - goal``, negative when missed), and the
credits due.  Per service and target kind, it shows how many customers' targets were met;
the worst targets are those with the lowest margin.

>>> from fractions import Fraction
>>> from itsm_core.service.result import TargetResult, Verdict
>>> def r(customer, goal, measured):
...     return TargetResult(agreement=f"{customer}-sla", customer=customer, service="email",
...         target="resolution", kind="tickets", period="2025-03", goal=goal,
...         measured=measured, verdict=Verdict.MET if measured >= goal else Verdict.MISSED,
...         rule="at least", volume=10)
>>> report = PortfolioReport.build([r("acme", Fraction(95, 100), Fraction(9, 10)),
...                                 r("globex", Fraction(8, 10), Fraction(9, 10))],
...                                period="2025-03")
>>> [(c.customer, str(c.share_met)) for c in report.customers]
[('acme', '0'), ('globex', '1')]
>>> [(w.customer, str(w.margin)) for w in report.worst][0]
('acme', '-1/20')
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from itsm_core.errors import InvalidArgumentError, shown
from itsm_core.service._render import percent, points, table
from itsm_core.service.period import shift
from itsm_core.service.report import CreditDue
from itsm_core.service.result import TargetResult, Verdict

__all__ = ["CustomerStanding", "PortfolioCell", "PortfolioReport", "WorstTarget"]

WORST = 5  # targets listed as the worst, by default


def _share(met: int, judged: int) -> Fraction | None:
    return None if judged == 0 else Fraction(met, judged)


def _money(totals: dict[str, Decimal]) -> dict[str, str]:
    return {k: str(v) for k, v in sorted(totals.items())}


@attrs.frozen(kw_only=True)
class CustomerStanding:
    """One customer's standing in the period, against its own agreements.

    Attributes:
        customer: the customer.
        targets: the targets measured for it.
        met: targets met.
        missed: targets missed.
        share_met: met / (met + missed), exact; ``None`` when none was judged (all had
            not enough volume).
        credits: the credits due, per currency.

    >>> CustomerStanding(customer="acme", targets=3, met=2, missed=1,
    ...                  share_met=Fraction(2, 3)).to_dict()["share_met"]
    '2/3'
    """

    customer: str
    targets: int
    met: int
    missed: int
    share_met: Fraction | None
    credits: dict[str, Decimal] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> CustomerStanding(customer="a", targets=0, met=0, missed=0,
        ...                  share_met=None).to_dict()["share_met"] is None
        True
        """
        return {"customer": self.customer, "targets": self.targets, "met": self.met,
                "missed": self.missed,
                "share_met": None if self.share_met is None else str(self.share_met),
                "credits": _money(self.credits)}


@attrs.frozen(kw_only=True)
class PortfolioCell:
    """One service and target kind across the customers: how many of their targets met
    their own goals, and the lowest margin over its goal.

    >>> PortfolioCell(service="email", kind="tickets", customers=2, targets=3, met=2,
    ...               missed=1, lowest_margin=Fraction(-1, 20)).to_dict()["lowest_margin"]
    '-1/20'
    """

    service: str | None
    kind: str
    customers: int
    targets: int
    met: int
    missed: int
    lowest_margin: Fraction | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> PortfolioCell(service=None, kind="tickets", customers=0, targets=0, met=0,
        ...               missed=0, lowest_margin=None).to_dict()["service"] is None
        True
        """
        return {"service": self.service, "kind": self.kind, "customers": self.customers,
                "targets": self.targets, "met": self.met, "missed": self.missed,
                "lowest_margin": None if self.lowest_margin is None
                else str(self.lowest_margin)}


@attrs.frozen(kw_only=True)
class WorstTarget:
    """A target among the furthest below (or least above) its own goal.

    >>> WorstTarget(customer="acme", agreement="acme-gold", service="email",
    ...             target="P1", goal=Fraction(95, 100), measured=Fraction(9, 10),
    ...             margin=Fraction(-1, 20), verdict=Verdict.MISSED).to_dict()["verdict"]
    'missed'
    """

    customer: str | None
    agreement: str
    service: str | None
    target: str
    goal: Fraction
    measured: Fraction
    margin: Fraction
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> WorstTarget(customer="a", agreement="x", service=None, target="t",
        ...             goal=Fraction(1), measured=Fraction(1), margin=Fraction(0),
        ...             verdict=Verdict.MET).to_dict()["margin"]
        '0'
        """
        return {"customer": self.customer, "agreement": self.agreement,
                "service": self.service, "target": self.target, "goal": str(self.goal),
                "measured": str(self.measured), "margin": str(self.margin),
                "verdict": self.verdict.value}


@attrs.frozen(kw_only=True)
class PortfolioReport:
    """Every customer's attainment for one period, each against its own agreements.

    Attributes:
        period: the period key.
        customers: each customer's standing, by name.
        cells: per service and target kind, across customers.
        worst: the targets with the lowest margin over their own goal, lowest first.
        credits: the credits due across the portfolio, per currency.

    >>> PortfolioReport.build([], period="2025-03").customers
    ()
    """

    period: str
    customers: tuple[CustomerStanding, ...]
    cells: tuple[PortfolioCell, ...]
    worst: tuple[WorstTarget, ...]
    credits: dict[str, Decimal] = attrs.field(factory=dict)

    @classmethod
    def build(cls, results: Iterable[TargetResult], *, period: str,
              credits: Iterable[tuple[str, CreditDue]] = (), worst: int = WORST,
              ) -> PortfolioReport:
        """The portfolio for *period* from attainment's results (other periods' are
        ignored) and ``(customer, credit)`` pairs (only *period*'s are counted).  Results
        without a customer (an OLA's) count under ``"-"``.

        >>> PortfolioReport.build([], period="2025-03", worst=-1)
        Traceback (most recent call last):
        ...
        itsm_core.errors.InvalidArgumentError: worst: expected a count from 0 to 1000, got -1
        """
        shift(period, 0)  # a malformed key raises InvalidArgumentError naming it
        if worst.__class__ is not int or not 0 <= worst <= 1000:
            raise InvalidArgumentError(f"worst: expected a count from 0 to 1000, got "
                                       f"{shown(worst)}")
        mine = [r for r in results if r.period == period]
        money: dict[str, dict[str, Decimal]] = {}
        total: dict[str, Decimal] = {}
        for customer, credit in credits:
            if credit.period == period:
                per = money.setdefault(customer, {})
                per[credit.currency] = per.get(credit.currency, Decimal(0)) + credit.total
                total[credit.currency] = total.get(credit.currency, Decimal(0)) + credit.total
        standing: dict[str, list[TargetResult]] = {}
        cells: dict[tuple[str, str], list[TargetResult]] = {}
        for r in mine:
            standing.setdefault(r.customer or "-", []).append(r)
            cells.setdefault((r.service or "", r.kind), []).append(r)
        customers = tuple(
            CustomerStanding(customer=name, targets=len(rs),
                             met=_count(rs, Verdict.MET), missed=_count(rs, Verdict.MISSED),
                             share_met=_share(_count(rs, Verdict.MET),
                                              _count(rs, Verdict.MET, Verdict.MISSED)),
                             credits=money.get(name, {}))
            for name, rs in sorted(standing.items()))
        cell_rows = tuple(
            PortfolioCell(service=service or None, kind=kind,
                          customers=len({r.customer for r in rs}), targets=len(rs),
                          met=_count(rs, Verdict.MET), missed=_count(rs, Verdict.MISSED),
                          lowest_margin=min((m for m in map(_margin, rs) if m is not None),
                                            default=None))
            for (service, kind), rs in sorted(cells.items()))
        ranked = sorted((r for r in mine if _margin(r) is not None
                         and r.verdict is not Verdict.NOT_ENOUGH_VOLUME),
                        key=lambda r: (_margin(r), r.customer or "", r.agreement, r.target))
        worst_rows = tuple(
            WorstTarget(customer=r.customer, agreement=r.agreement, service=r.service,
                        target=r.target, goal=r.goal, measured=r.measured or Fraction(0),
                        margin=_margin(r) or Fraction(0), verdict=r.verdict)
            for r in ranked[:worst])
        return cls(period=period, customers=customers, cells=cell_rows, worst=worst_rows,
                   credits=total)

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> sorted(PortfolioReport.build([], period="2025").to_dict())
        ['cells', 'credits', 'customers', 'period', 'worst']
        """
        return {"period": self.period, "customers": [c.to_dict() for c in self.customers],
                "cells": [c.to_dict() for c in self.cells],
                "worst": [w.to_dict() for w in self.worst], "credits": _money(self.credits)}

    def to_text(self) -> str:
        """The portfolio as plain text.

        >>> print(PortfolioReport.build([], period="2025-03").to_text())
        Portfolio: 2025-03
        Customers: none
        """
        return "\n".join(self._lines(markdown=False)) + "\n"

    def to_markdown(self) -> str:
        """The portfolio as Markdown.

        >>> print(PortfolioReport.build([], period="2025-03").to_markdown().splitlines()[0])
        ## Portfolio: 2025-03
        """
        return "\n".join(self._lines(markdown=True)) + "\n"

    def _lines(self, *, markdown: bool) -> list[str]:
        title = f"Portfolio: {self.period}"
        out = [f"## {title}", ""] if markdown else [title]
        if not self.customers:
            return [*out, "Customers: none"]
        out += table(["customer", "targets", "met", "missed", "share met", "credits due"],
                     [[c.customer, str(c.targets), str(c.met), str(c.missed),
                       percent(c.share_met), _credits_text(c.credits)]
                      for c in self.customers], markdown=markdown)
        out += ["", "By service and kind:", *table(
            ["service", "kind", "customers", "targets", "met", "missed", "lowest margin"],
            [[c.service or "-", c.kind, str(c.customers), str(c.targets), str(c.met),
              str(c.missed), points(c.lowest_margin)] for c in self.cells],
            markdown=markdown)]
        if self.worst:
            out += ["", "Worst targets (margin over their own goal):", *table(
                ["customer", "agreement", "target", "goal", "measured", "margin"],
                [[w.customer or "-", w.agreement, w.target, percent(w.goal),
                  percent(w.measured), points(w.margin)] for w in self.worst],
                markdown=markdown)]
        if self.credits:
            out += ["", f"Total credits due: {_credits_text(self.credits)}"]
        return out


def _credits_text(totals: dict[str, Decimal]) -> str:
    return ", ".join(f"{v} {k}".strip() for k, v in sorted(totals.items())) or "-"


def _count(results: Iterable[TargetResult], *verdicts: Verdict) -> int:
    return sum(1 for r in results if r.verdict in verdicts)


def _margin(result: TargetResult) -> Fraction | None:
    return None if result.measured is None else result.measured - result.goal

"""Service reports and the portfolio: values, trend, flags, plain data, text and Markdown."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.errors import InvalidArgumentError
from itsm_core.service._render import percent
from itsm_core.service.period import shift
from itsm_core.service.portfolio import PortfolioReport
from itsm_core.service.report import CreditDue, ServiceReport, WorkloadLine
from itsm_core.service.result import TargetResult, Verdict

PERIODS = [shift("2025-06", -k) for k in range(5, -1, -1)]


def result(customer: str = "acme", target: str = "P1", period: str = "2025-06", *,
           met: int = 9, missed: int = 1, goal: Fraction = Fraction(9, 10),
           kind: str = "tickets", agreement: str | None = None,
           verdict: Verdict | None = None) -> TargetResult:
    volume = met + missed
    measured = None if volume == 0 else Fraction(met, volume)
    if verdict is None:
        verdict = (Verdict.NOT_ENOUGH_VOLUME if measured is None
                   else Verdict.MET if measured >= goal else Verdict.MISSED)
    return TargetResult(agreement=agreement or f"{customer}-sla", customer=customer,
                        service="email", target=target, kind=kind, period=period, goal=goal,
                        measured=measured, verdict=verdict, rule=f"at least {percent(goal)}",
                        volume=volume, met=met, missed=missed,
                        tickets=tuple(f"{customer}-{period}-{i}" for i in range(volume)),
                        breaches=tuple(f"{customer}-{period}-{i}" for i in range(missed)))


class TestPercent:
    @given(st.fractions(min_value=0, max_value=1))
    def test_never_shows_more_than_the_value_and_is_within_a_thousandth_of_a_point(
            self, share: Fraction) -> None:
        shown = Fraction(Decimal(percent(share)[:-1])) / 100
        assert shown <= share
        assert share - shown < Fraction(1, 100_000)

    def test_examples(self) -> None:
        assert [percent(Fraction(n, d)) for n, d in [(1, 1), (0, 1), (2, 3), (9999, 10000)]] \
            == ["100%", "0%", "66.666%", "99.99%"]


class TestServiceReport:
    def test_trend_holds_the_previous_periods_oldest_first_with_gaps(self) -> None:
        results = [result(period=p, met=10 - i, missed=i) for i, p in enumerate(PERIODS)
                   if p != "2025-03"]
        report = ServiceReport.build(results, customer="acme", period="2025-06", previous=5)
        [line] = report.targets
        assert [p.period for p in line.trend] == PERIODS
        assert [p.measured for p in line.trend] == [
            Fraction(10, 10), Fraction(9, 10), None, Fraction(7, 10), Fraction(6, 10),
            Fraction(5, 10)]
        assert line.trend[2].verdict is None
        assert line.result.period == "2025-06"

    def test_only_the_customers_results_and_the_periods_credits(self) -> None:
        credits = [CreditDue(agreement="acme-sla", period=p, total=Decimal("10.00"),
                             currency="EUR") for p in ("2025-05", "2025-06")]
        report = ServiceReport.build(
            [result(), result("globex"), result(period="2025-05")], customer="acme",
            period="2025-06", credits=credits)
        assert [line.result.customer for line in report.targets] == ["acme"]
        assert [c.period for c in report.credits] == ["2025-06"]
        assert report.credit_totals() == {"EUR": Decimal("10.00")}

    @given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=1,
                    max_size=6))
    def test_action_needed_exactly_for_the_missed_targets(
            self, counts: list[tuple[int, int]]) -> None:
        results = [result(target=f"T{i}", met=m, missed=x) for i, (m, x) in enumerate(counts)]
        report = ServiceReport.build(results, customer="acme", period="2025-06")
        assert [line.result.target for line in report.actions] == [
            r.target for r in results if r.verdict is Verdict.MISSED]
        data = json.loads(json.dumps(report.to_dict()))
        assert data["actions"] == [line.result.target for line in report.actions]
        assert [t["action_needed"] for t in data["targets"]] == [
            r.verdict is Verdict.MISSED for r in results]
        text = report.to_text()
        assert text.count("improvement action needed") == 2 * len(report.actions)

    def test_text_and_markdown_name_every_target_breach_workload_and_credit(self) -> None:
        report = ServiceReport.build(
            [result(target="P1 | fix", met=1, missed=3), result(target="availability",
                                                                kind="availability")],
            customer="acme", period="2025-06",
            workload=[WorkloadLine(agreement="acme-sla", tickets=230, limit=200,
                                   excluded=30)],
            credits=[CreditDue(agreement="acme-sla", period="2025-06",
                               total=Decimal("120.50"), currency="EUR")])
        text = report.to_text()
        assert "Service report: acme, 2025-06" in text
        assert "acme-2025-06-0, acme-2025-06-1, acme-2025-06-2" in text
        assert "230" in text and "200" in text and "120.50 EUR" in text
        markdown = report.to_markdown()
        assert markdown.startswith("## Service report: acme, 2025-06\n")
        assert "P1 \\| fix" in markdown  # a | in a cell cannot break the table
        rows = [line for line in markdown.splitlines() if line.startswith("|")]
        assert len({len(re.findall(r"(?<!\\)\|", line)) for line in rows[:4]}) == 1

    def test_bad_arguments(self) -> None:
        with pytest.raises(InvalidArgumentError, match="period key"):
            ServiceReport.build([], customer="acme", period="2025-13")
        with pytest.raises(InvalidArgumentError, match="previous"):
            ServiceReport.build([], customer="acme", period="2025-06", previous=-1)


def slow_share(results: list[TargetResult], customer: str) -> Fraction | None:
    judged = [r for r in results if r.customer == customer
              and r.verdict in (Verdict.MET, Verdict.MISSED)]
    if not judged:
        return None
    return Fraction(sum(r.verdict is Verdict.MET for r in judged), len(judged))


class TestPortfolio:
    @given(st.lists(st.tuples(st.sampled_from(["acme", "globex", "initech"]),
                              st.integers(0, 10), st.integers(0, 10),
                              st.fractions(min_value=Fraction(1, 2), max_value=1),
                              st.sampled_from(PERIODS[-2:])),
                    max_size=12))
    def test_against_a_slow_reference(self, rows: list[tuple[str, int, int, Fraction, str]]
                                      ) -> None:
        results = [result(c, f"T{i}", p, met=m, missed=x, goal=g)
                   for i, (c, m, x, g, p) in enumerate(rows)]
        portfolio = PortfolioReport.build(results, period="2025-06", worst=100)
        mine = [r for r in results if r.period == "2025-06"]
        assert [c.customer for c in portfolio.customers] == sorted({r.customer or ""
                                                                    for r in mine})
        for standing in portfolio.customers:
            assert standing.share_met == slow_share(mine, standing.customer)
            assert standing.targets == sum(r.customer == standing.customer for r in mine)
        assert sum(c.targets for c in portfolio.cells) == len(mine)
        margins = [w.margin for w in portfolio.worst]
        assert margins == sorted(margins)
        assert len(portfolio.worst) == sum(r.verdict is not Verdict.NOT_ENOUGH_VOLUME
                                           for r in mine)
        assert all(w.margin == w.measured - w.goal for w in portfolio.worst)
        json.dumps(portfolio.to_dict())

    def test_each_customer_against_its_own_goal(self) -> None:
        """90 % is a miss for a 95 % SLA and a pass for an 85 % one: the portfolio says so."""
        portfolio = PortfolioReport.build(
            [result("acme", met=9, missed=1, goal=Fraction(95, 100)),
             result("globex", met=9, missed=1, goal=Fraction(85, 100))],
            period="2025-06",
            credits=[("acme", CreditDue(agreement="acme-sla", period="2025-06",
                                        total=Decimal("5.00"), currency="EUR")),
                     ("acme", CreditDue(agreement="acme-sla", period="2025-05",
                                        total=Decimal("7.00"), currency="EUR"))])
        assert [(c.customer, c.met, c.missed) for c in portfolio.customers] == [
            ("acme", 0, 1), ("globex", 1, 0)]
        assert [(w.customer, w.margin) for w in portfolio.worst] == [
            ("acme", Fraction(-1, 20)), ("globex", Fraction(1, 20))]
        assert portfolio.credits == {"EUR": Decimal("5.00")}
        text = portfolio.to_text()
        assert "-5 pt" in text and "+5 pt" in text and "5.00 EUR" in text
        assert portfolio.to_markdown().startswith("## Portfolio: 2025-06\n")

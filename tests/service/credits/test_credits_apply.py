"""CreditScheme.apply: worked examples, the cap, the at-risk pool, earn-back and rounding,
with hypothesis invariants and a slow reference for the exact amounts."""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_credits import (
    ZERO,
    band_lists,
    fees,
    minor,
    ratios,
    result,
    result_lists,
    rule_dicts,
    scheme_dicts,
)

from itsm_core.errors import ArgumentTypeError, InvalidArgumentError
from itsm_core.service.credits import CreditScheme, PeriodCredits
from itsm_core.service.result import TargetResult, Verdict

MET, MISSED, NEV = Verdict.MET, Verdict.MISSED, Verdict.NOT_ENOUGH_VOLUME

# A published tiered schedule: Runway's service level agreement
# (https://runway.com/legal/sla/, "Service Credits"): monthly uptime 99.5%-99.9% earns 5 % of
# the monthly fee, 98.0%-99.5% 10 %, 95.0%-98.0% 30 %, below 95 % 50 %, and the credit for a
# month is never more than the monthly fee.  Read here with half-open bands [from, to) and a
# goal of 99.9 %.
RUNWAY = {"rules": [{"kind": "tiers", "target": "uptime", "bands": [
    {"from": "99.5%", "to": "99.9%", "credit": "5%"},
    {"from": "98%", "to": "99.5%", "credit": "10%"},
    {"from": "95%", "to": "98%", "credit": "30%"},
    {"from": "0%", "to": "95%", "credit": "50%"}]}], "cap": "100%"}


def _uptime(measured: str, period: str = "2025-03") -> TargetResult:
    value = Fraction(measured)
    return result(period, "uptime", goal=Fraction(999, 1000), measured=value,
                  verdict=MET if value >= Fraction(999, 1000) else MISSED)


@pytest.mark.parametrize(("uptime", "credit"), [
    ("0.9995", "0.00"), ("0.999", "0.00"), ("0.998", "100.00"), ("0.995", "100.00"),
    ("0.9949", "200.00"), ("0.98", "200.00"), ("0.9799", "600.00"), ("0.95", "600.00"),
    ("0.9499", "1000.00"), ("0", "1000.00"),
])
def test_published_tiered_schedule(uptime: str, credit: str) -> None:
    [month] = CreditScheme.from_dict(RUNWAY).apply([_uptime(uptime)], Decimal("2000.00"))
    assert month.total == Decimal(credit)
    assert month.cap == Decimal("2000.00") and month.cut == ZERO


def _lines(credits: PeriodCredits) -> list[tuple[str, str, str]]:
    return [(line.kind, line.target, str(line.amount)) for line in credits.lines]


def test_every_rule_at_risk_and_cap_in_one_period() -> None:
    scheme = CreditScheme.from_dict({
        "rules": [{"kind": "tiers", "target": "P1", "bands": [
                      {"from": "90%", "to": "95%", "credit": "5%"},
                      {"from": "0%", "to": "90%", "credit": "10%"}]},
                  {"kind": "linear", "target": "availability", "per_point": "2%"},
                  {"kind": "per_breach", "target": "P1", "amount": "50.00"}],
        "cap": "20%", "at_risk": {"pool": "12%", "weights": {"P1": 3, "availability": 2}}})
    results = [result("2025-03", "P1", measured=Fraction(92, 100),
                      breaches=("INC1", "INC2", "INC3")),
               result("2025-03", "availability", measured=Fraction(9950, 10000),
                      goal=Fraction(999, 1000), outages=("OUT-1",), service="email")]
    [march] = scheme.apply(results, Decimal("10000.00"))
    # tiers 5 % = 500; linear 0.4 points x 2 % = 0.8 % = 80; per breach 3 x 50 = 150;
    # at risk: P1 12 % x 3/5 = 7.2 % = 720, availability 12 % x 2/5 = 4.8 % = 480;
    # 1930 in all, within the cap of 20 % = 2000.
    assert _lines(march) == [("tiers", "P1", "500.00"), ("linear", "availability", "80.00"),
                             ("per_breach", "P1", "150.00"), ("at_risk", "P1", "720.00"),
                             ("at_risk", "availability", "480.00")]
    assert march.total == Decimal("1930.00") and march.cut == Decimal("0.00")
    assert march.lines[1].service == "email" and march.lines[1].outages == ("OUT-1",)
    assert march.lines[0].tickets == ("INC1", "INC2", "INC3")
    assert march.lines[1].reason == ("measured 99.5% is 0.4 points below the goal 99.9%: "
                                     "2% of the fee per point")
    tighter = CreditScheme.from_dict({**scheme.to_dict(), "cap": "10%"})
    [capped] = tighter.apply(results, Decimal("10000.00"))
    # in rule order: 500 + 80 + 150 = 730 kept, 720 cut to 270, 480 cut to 0
    assert _lines(capped) == [("tiers", "P1", "500.00"), ("linear", "availability", "80.00"),
                              ("per_breach", "P1", "150.00"), ("at_risk", "P1", "270.00"),
                              ("at_risk", "availability", "0.00")]
    assert [str(line.cut) for line in capped.lines] == ["0.00"] * 3 + ["450.00", "480.00"]
    assert capped.total == capped.cap == Decimal("1000.00")
    assert capped.cut == Decimal("930.00")
    assert "cut by 450.00 to keep the period within the cap of 10% of the fee" in \
        capped.lines[3].reason


def test_met_and_not_enough_volume_earn_no_tier_or_linear_credit() -> None:
    scheme = CreditScheme.from_dict({"rules": [
        {"kind": "tiers", "target": "P1", "bands": [{"from": 0, "to": 1, "credit": "10%"}]},
        {"kind": "linear", "target": "P1", "per_point": "1%"},
        {"kind": "per_breach", "target": "P1", "amount": "10"}]})
    # met by the small-volume rule although below the goal: only the breaches count
    met = result("2025-01", "P1", verdict=MET, measured=Fraction(37, 39), breaches=("A", "B"))
    nev = result("2025-02", "P1", verdict=NEV, measured=Fraction(0), breaches=("C",))
    jan, feb = scheme.apply([met, nev], Decimal(1000))
    assert _lines(jan) == [("per_breach", "P1", "20.00")]
    assert feb.lines == () and feb.total == Decimal("0.00")


def test_earn_back_returns_the_credit_after_n_periods_above_goal() -> None:
    scheme = CreditScheme.from_dict({
        "rules": [{"kind": "per_breach", "target": "P1", "amount": "100"}],
        "earn_back": {"periods": 2}})
    above: dict[str, Any] = {"verdict": MET, "measured": Fraction(99, 100)}
    results = [result("2025-01", "P1", breaches=("INC1",)),
               result("2025-02", "P1", **above),
               result("2025-03", "P1", verdict=NEV, measured=None),  # no verdict: skipped
               result("2025-04", "P1", **above)]
    jan, feb, mar, apr = scheme.apply(results, Decimal(0))
    assert jan.total == Decimal("100.00")
    assert feb.lines == mar.lines == ()
    [back] = apr.lines
    assert (back.kind, back.amount, back.earned_back_from) == ("earn_back", Decimal("-100.00"),
                                                                "2025-01")
    assert back.tickets == ("INC1",)
    assert back.reason == "earned back the credit of 2025-01: above the goal in 2025-02, 2025-04"
    assert apr.total == Decimal("-100.00")


@pytest.mark.parametrize("spoiler", [
    {"verdict": MET, "measured": Fraction(95, 100)},  # met exactly at the goal: not above it
    {"verdict": MISSED, "measured": Fraction(99, 100)},
])
def test_earn_back_needs_every_period_strictly_above_goal(spoiler: dict[str, Any]) -> None:
    scheme = CreditScheme.from_dict({
        "rules": [{"kind": "per_breach", "target": "P1", "amount": "100"}],
        "earn_back": {"periods": 2}})
    results = [result("2025-01", "P1", breaches=("INC1",)),
               result("2025-02", "P1", verdict=MET, measured=Fraction(1)),
               result("2025-03", "P1", **spoiler),
               result("2025-04", "P1", verdict=MET, measured=Fraction(1)),
               result("2025-05", "P1", verdict=MET, measured=Fraction(1))]
    credits = scheme.apply(results, Decimal(0))
    assert all(line.kind != "earn_back" or line.earned_back_from != "2025-01"
               for period in credits for line in period.lines)


def test_earn_back_returns_what_the_cap_left() -> None:
    scheme = CreditScheme.from_dict({
        "rules": [{"kind": "per_breach", "target": "P1", "amount": "100"}],
        "cap": "5%", "earn_back": {"periods": 1}})
    jan, feb = scheme.apply([result("2025-01", "P1", breaches=("A", "B")),
                             result("2025-02", "P1", verdict=MET, measured=Fraction(1))],
                            Decimal("1000"))
    assert jan.total == Decimal("50.00") and jan.cut == Decimal("150.00")
    assert feb.total == Decimal("-50.00")


def test_rounding_is_half_even_per_line_and_the_total_is_their_sum() -> None:
    scheme = CreditScheme.from_dict({"rules": [
        {"kind": "linear", "target": "P1", "per_point": "1%"},
        {"kind": "linear", "target": "P2", "per_point": "1%"}]})
    # 0.5 points x 1 % x 5 = 0.025 -> 0.02; 1.5 points x 1 % x 5 = 0.075 -> 0.08
    results = [result("2025-01", "P1", measured=Fraction(945, 1000)),
               result("2025-01", "P2", measured=Fraction(935, 1000))]
    [jan] = scheme.apply(results, Decimal(5))
    assert [line.amount for line in jan.lines] == [Decimal("0.02"), Decimal("0.08")]
    assert jan.total == Decimal("0.10")
    [yen] = scheme.apply(results, Decimal(250), currency="JPY", minor_units=0)
    assert [str(line.amount) for line in yen.lines] == ["1", "4"]  # 1.25 -> 1, 3.75 -> 4
    assert yen.currency == "JPY" and yen.to_dict()["total"] == "5"


def test_to_dict_writes_amounts_as_text() -> None:
    [month] = CreditScheme.from_dict(RUNWAY).apply([_uptime("0.99")], Decimal("2000.00"))
    data = month.to_dict()
    assert data["total"] == "200.00" and data["fee"] == "2000.00" and data["cap"] == "2000.00"
    assert data["lines"][0]["amount"] == "200.00"
    assert data["lines"][0]["reason"] == "measured 99% lies in the band [98%, 99.5%): 10% of the fee"


@pytest.mark.parametrize(("results", "fee", "error"), [
    ([result()], 100.0, ArgumentTypeError),
    ([result()], True, ArgumentTypeError),
    ([result()], Decimal(-1), InvalidArgumentError),
    ([result()], Decimal("NaN"), InvalidArgumentError),
    ([result()], Decimal("1e100000"), InvalidArgumentError),
    ([result(), "x"], Decimal(1), ArgumentTypeError),
    ("2025-01", Decimal(1), ArgumentTypeError),
    ([result(customer="a"), result(customer="b")], Decimal(1), InvalidArgumentError),
    ([result(), result()], Decimal(1), InvalidArgumentError),
    ([result("2025-01"), result("2025-Q1")], Decimal(1), InvalidArgumentError),
    ([result("2025-13")], Decimal(1), InvalidArgumentError),
])
def test_bad_arguments(results: Any, fee: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        CreditScheme().apply(results, fee)


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"minor_units": -1}, InvalidArgumentError), ({"minor_units": 2.0}, InvalidArgumentError),
    ({"currency": ""}, ArgumentTypeError), ({"currency": 978}, ArgumentTypeError),
])
def test_bad_currency(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        CreditScheme().apply([result()], Decimal(1), **kwargs)


# -- invariants -------------------------------------------------------------------------------


@given(scheme_dicts(), result_lists(), fees, minor)
def test_lines_add_up_and_credits_never_exceed_the_cap(
        data: dict[str, Any], results: list[TargetResult], fee: Decimal, places: int) -> None:
    scheme = CreditScheme.from_dict(data)
    credits = scheme.apply(results, fee, minor_units=places)
    assert [c.period for c in credits] == sorted({r.period for r in results})
    for period in credits:
        amounts = [line.amount for line in period.lines]
        assert all(a.as_tuple().exponent == -places for a in [*amounts, period.total])
        assert period.total == sum(amounts, Decimal(0))
        credits_only = [line.amount for line in period.lines if line.kind != "earn_back"]
        credited = sum(credits_only, Decimal(0))
        assert all(a >= 0 for a in credits_only)
        if period.cap is not None:
            assert credited <= period.cap
            assert scheme.cap is not None  # the cap is the rounded share of the fee
            exact = Fraction(fee) * scheme.cap
            assert abs(Fraction(period.cap) - exact) <= Fraction(1, 2 * 10**places)
        assert period.cut == sum((line.cut for line in period.lines), Decimal(0))
        assert all(line.period == period.period for line in period.lines)


@given(scheme_dicts(), result_lists(), fees)
def test_not_enough_volume_never_causes_a_credit(
        data: dict[str, Any], results: list[TargetResult], fee: Decimal) -> None:
    quiet = [attrs.evolve(r, verdict=NEV) for r in results]
    for period in CreditScheme.from_dict(data).apply(quiet, fee):
        assert period.lines == () and period.total == 0


@given(scheme_dicts(), result_lists(), fees)
def test_earn_back_never_returns_more_than_was_credited(
        data: dict[str, Any], results: list[TargetResult], fee: Decimal) -> None:
    credits = CreditScheme.from_dict(data).apply(results, fee)
    credited: dict[tuple[str, str], Decimal] = {}
    for period in credits:
        for line in period.lines:
            if line.kind != "earn_back":
                key = (period.period, line.target)
                credited[key] = credited.get(key, Decimal(0)) + line.amount
    returned: set[tuple[str, str]] = set()
    for period in credits:
        for line in period.lines:
            if line.kind == "earn_back":
                assert line.earned_back_from is not None
                key = (line.earned_back_from, line.target)
                assert key not in returned  # at most once
                returned.add(key)
                assert line.earned_back_from < period.period
                assert -line.amount == credited[key] > 0


def _single(rule: dict[str, Any], measured: Fraction, goal: Fraction, fee: Decimal) -> Decimal:
    scheme = CreditScheme.from_dict({"rules": [rule]})
    [period] = scheme.apply([result("2025-01", rule["target"], measured=measured, goal=goal)],
                            fee)
    return period.total


@given(st.one_of(rule_dicts(), band_lists().map(
           lambda bands: {"kind": "tiers", "target": "P1", "bands": bands})),
       ratios, ratios, ratios, fees)
def test_a_worse_value_never_earns_a_smaller_credit(
        rule: dict[str, Any], a: Fraction, b: Fraction, goal: Fraction, fee: Decimal) -> None:
    worse, better = sorted((a, b))
    assert _single(rule, worse, goal, fee) >= _single(rule, better, goal, fee)


def _reference(rule: dict[str, Any], r: TargetResult, fee: Decimal) -> Decimal:
    """The credit of one missed result, computed the slow way with 200-digit decimals."""
    with decimal.localcontext() as ctx:
        ctx.prec = 200
        m = Decimal(r.measured.numerator) / Decimal(r.measured.denominator)  # type: ignore[union-attr]
        g = Decimal(r.goal.numerator) / Decimal(r.goal.denominator)

        def share(text: str) -> Decimal:
            f = Fraction(text)
            return Decimal(f.numerator) / Decimal(f.denominator)

        if rule["kind"] == "tiers":
            value = Decimal(0)
            for band in rule["bands"]:
                if share(band["from"]) <= m < share(band["to"]):
                    value = share(band["credit"]) * fee if "credit" in band else Decimal(
                        band["amount"])
        elif rule["kind"] == "linear":
            points = max(g - m, Decimal(0)) * 100
            each = share(rule["per_point"]) * fee if "per_point" in rule else Decimal(
                rule["per_point_amount"])
            value = points * each
        else:
            each = share(rule["credit"]) * fee if "credit" in rule else Decimal(rule["amount"])
            value = len(r.breaches) * each
        return value.quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_EVEN)


@given(rule_dicts(), ratios, ratios, st.integers(0, 4), fees)
def test_amounts_match_a_slow_decimal_reference(
        rule: dict[str, Any], measured: Fraction, goal: Fraction, breaches: int,
        fee: Decimal) -> None:
    r = result("2025-01", rule["target"], measured=measured, goal=goal,
               breaches=tuple(range(breaches)))
    [period] = CreditScheme.from_dict({"rules": [rule]}).apply([r], fee)
    assert period.total == _reference(rule, r, fee)

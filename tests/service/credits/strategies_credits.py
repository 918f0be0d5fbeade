"""Hypothesis strategies for service credit schemes and the target results they read."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from itsm_core.service.result import TargetResult, Verdict

TARGETS = ("P1", "P2", "availability")
MONTHS = tuple(f"2025-{m:02d}" for m in range(1, 13))

#: exact ratios in [0, 1], in steps of 0.1 percentage point
ratios = st.integers(0, 1000).map(lambda n: Fraction(n, 1000))
money = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False,
                    allow_infinity=False)


def result(period: str = "2025-01", target: str = "P1", *, verdict: Verdict = Verdict.MISSED,
           measured: Fraction | None = Fraction(9, 10), goal: Fraction = Fraction(95, 100),
           breaches: tuple[Any, ...] = (), service: str | None = None,
           customer: str | None = "acme", outages: tuple[Any, ...] = ()) -> TargetResult:
    """A result with the fields the credit rules read."""
    return TargetResult(agreement="acme-gold", customer=customer, service=service,
                        target=target, kind="tickets", period=period, goal=goal,
                        measured=measured, verdict=verdict, rule="at least",
                        volume=len(breaches), missed=len(breaches), breaches=breaches,
                        outages=outages)


@st.composite
def band_lists(draw: st.DrawFn, *, amounts: bool | None = None) -> list[dict[str, Any]]:
    """Valid bands: from 0% up without gaps, crediting no less as the value falls, in a
    shuffled order."""
    cuts = sorted(draw(st.sets(st.integers(1, 1000), min_size=1, max_size=5)))
    bounds = [0, *cuts]
    use_amounts = draw(st.booleans()) if amounts is None else amounts
    values: list[Any] = sorted(draw(st.lists(money, min_size=len(cuts), max_size=len(cuts)))
                               if use_amounts else
                               draw(st.lists(ratios, min_size=len(cuts), max_size=len(cuts))),
                               reverse=True)
    bands = []
    for (low, high), value in zip(itertools.pairwise(bounds), values, strict=True):
        band: dict[str, Any] = {"from": str(Fraction(low, 1000)),
                                "to": str(Fraction(high, 1000))}
        if use_amounts:
            band["amount"] = str(value)
        else:
            band["credit"] = str(value)
        bands.append(band)
    return draw(st.permutations(bands))


def _share_or_amount(share_key: str, amount_key: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(ratios.map(lambda r: {share_key: str(r)}),
                     money.map(lambda m: {amount_key: str(m)}))


@st.composite
def rule_dicts(draw: st.DrawFn, targets: tuple[str, ...] = TARGETS) -> dict[str, Any]:
    target = draw(st.sampled_from(targets))
    kind = draw(st.sampled_from(["tiers", "linear", "per_breach"]))
    if kind == "tiers":
        return {"kind": kind, "target": target, "bands": draw(band_lists())}
    if kind == "linear":
        return {"kind": kind, "target": target,
                **draw(_share_or_amount("per_point", "per_point_amount"))}
    return {"kind": kind, "target": target, **draw(_share_or_amount("credit", "amount"))}


@st.composite
def scheme_dicts(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {"rules": draw(st.lists(rule_dicts(), max_size=4))}
    if draw(st.booleans()):
        data["cap"] = str(draw(ratios))
    if draw(st.booleans()):
        names = draw(st.lists(st.sampled_from(TARGETS), min_size=1, unique=True))
        data["at_risk"] = {"pool": str(draw(ratios)),
                           "weights": {n: draw(st.integers(1, 5)) for n in names}}
    if draw(st.booleans()):
        data["earn_back"] = {"periods": draw(st.integers(1, 3))}
    return data


@st.composite
def result_lists(draw: st.DrawFn) -> list[TargetResult]:
    """Results of one agreement and customer over consecutive months."""
    months = MONTHS[:draw(st.integers(1, 8))]
    out = []
    ticket = 0
    for month in months:
        for target in draw(st.lists(st.sampled_from(TARGETS), unique=True)):
            verdict = draw(st.sampled_from(list(Verdict)))
            breaches = tuple(f"INC{ticket + i}" for i in range(draw(st.integers(0, 3))))
            ticket += len(breaches)
            out.append(result(month, target, verdict=verdict, goal=draw(ratios),
                              measured=draw(st.one_of(st.none(), ratios)), breaches=breaches))
    return out


fees = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False,
                   allow_infinity=False)
minor = st.sampled_from([0, 2, 3])
ZERO = Decimal(0)

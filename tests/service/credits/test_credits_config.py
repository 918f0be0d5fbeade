"""Credit schemes as data: round trips and the errors of bad configuration."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from strategies_credits import scheme_dicts

from itsm_core._config import read_at
from itsm_core.errors import ConfigError, ItsmError, UnknownNameError
from itsm_core.service.credit_rules import CreditBand, LinearRule, TiersRule
from itsm_core.service.credits import CreditScheme

TIERS = {"kind": "tiers", "target": "P1", "bands": [
    {"from": "90%", "to": "95%", "credit": "5%"}, {"from": "0%", "to": "90%", "credit": "10%"}]}


@given(scheme_dicts())
def test_round_trip_through_plain_data_and_json(data: dict[str, Any]) -> None:
    scheme = CreditScheme.from_dict(data)
    assert CreditScheme.from_dict(scheme.to_dict()) == scheme
    assert CreditScheme.from_dict(json.loads(json.dumps(scheme.to_dict()))) == scheme


def test_documented_scheme_reads_every_part() -> None:
    scheme = CreditScheme.from_dict({
        "rules": [TIERS, {"kind": "linear", "target": "availability", "per_point": "1%"},
                  {"kind": "per_breach", "target": "P1", "amount": "50.00"}],
        "cap": "20%", "at_risk": {"pool": "12%", "weights": {"P1": 3, "availability": 2}},
        "earn_back": {"periods": 3}})
    tiers = scheme.rules[0]
    assert isinstance(tiers, TiersRule)
    assert tiers.bands[0] == CreditBand(low=Fraction(9, 10), high=Fraction(19, 20),
                                        share=Fraction(1, 20))
    assert scheme.rules[1] == LinearRule(target="availability", per_point=Fraction(1, 100))
    assert scheme.cap == Fraction(1, 5)
    assert scheme.targets == ("P1", "availability")
    assert scheme.to_dict()["rules"][2] == {"kind": "per_breach", "target": "P1",
                                            "amount": "50.00"}


def _error(data: object) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        read_at("agreements[0].credits", CreditScheme.from_dict, data)
    return info.value


@pytest.mark.parametrize(("bands", "path", "words"), [
    ([{"from": "90%", "to": "95%", "credit": "5%"}, {"from": "0%", "to": "91%", "credit": "10%"}],
     "bands[1]", "overlaps band 0"),
    ([{"from": "90%", "to": "95%", "credit": "5%"}, {"from": "0%", "to": "85%", "credit": "10%"}],
     "bands[0]", "gap [85%, 90%)"),
    ([{"from": "50%", "to": "95%", "credit": "5%"}], "bands[0]", "lowest band starts at 50%"),
    ([{"from": "90%", "to": "95%", "credit": "5%"}, {"from": "0%", "to": "90%", "amount": "10"}],
     "bands[1]", "mixes a share"),
    ([{"from": "90%", "to": "95%", "credit": "15%"}, {"from": "0%", "to": "90%", "credit": "10%"}],
     "bands[1]", "credits less than the band above"),
    ([{"from": "95%", "to": "90%", "credit": "5%"}], "bands[0]", "is empty"),
    ([{"from": "0%", "to": "90%"}], "bands[0]", "exactly one of 'credit' and 'amount'"),
    ([{"from": "0%", "to": "90%", "credit": "5%", "colour": 1}], "bands[0].colour", "unknown key"),
    ([{"from": "0%", "to": "101%", "credit": "5%"}], "bands[0].to", "outside [0, 1]"),
    ([{"from": "0%", "to": "90%", "amount": "-5"}], "bands[0].amount", "negative"),
    ([{"from": "0%", "to": "90%", "amount": "1/3"}], "bands[0].amount", "no exact decimal"),
    ([], "bands", "no bands"),
])
def test_bad_bands_name_their_path(bands: list[Any], path: str, words: str) -> None:
    err = _error({"rules": [{"kind": "tiers", "target": "P1", "bands": bands}]})
    assert err.path == f"agreements[0].credits.rules[0].{path}"
    assert words in str(err)


@pytest.mark.parametrize(("data", "path", "words"), [
    ({"cap": "120%"}, "cap", "outside [0, 1]"),
    ({"cap": 1.5}, "cap", "outside [0, 1]"),
    ({"rules": {}}, "rules", "expected a list"),
    ({"rules": [{"kind": "bonus", "target": "P1"}]}, "rules[0].kind", "unknown rule kind"),
    ({"rules": [{"kind": "linear", "target": "P1"}]}, "rules[0]", "exactly one of"),
    ({"rules": [{"kind": "linear", "target": "", "per_point": "1%"}]}, "rules[0].target",
     "target's name"),
    ({"rules": [{"kind": "per_breach", "target": "P1", "amount": "5", "credit": "1%"}]},
     "rules[0]", "exactly one of"),
    ({"at_risk": {"pool": "12%", "weights": {"P1": 0}}}, "at_risk.weights.P1", "not positive"),
    ({"at_risk": {"pool": "12%", "weights": {}}}, "at_risk.weights", "non-empty"),
    ({"at_risk": {"weights": {"P1": 1}}}, "at_risk.pool", "missing"),
    ({"earn_back": {"periods": 0}}, "earn_back.periods", "out of range"),
    ({"earn_back": {"periods": 1.5}}, "earn_back.periods", "not a whole number"),
    ({"penalty": 1}, "penalty", "unknown key"),
    ([1], "", "expected a mapping"),
])
def test_bad_schemes_name_their_path(data: Any, path: str, words: str) -> None:
    err = _error(data)
    assert err.path == "agreements[0].credits" + ("." + path if path else "")
    assert words in str(err)


def test_hostile_values_give_short_messages() -> None:
    deep: Any = 1
    for _ in range(3000):
        deep = [deep]
    for data in ({"rules": deep}, {"cap": 10**5000}, {"rules": [{"kind": "x" * 10_000}]}):
        with pytest.raises(ItsmError) as info:
            CreditScheme.from_dict(data)
        assert len(str(info.value)) < 600


def test_check_names_unknown_targets_under_the_path() -> None:
    scheme = CreditScheme.from_dict({"rules": [TIERS],
                                     "at_risk": {"pool": "5%", "weights": {"P9": 1}}})
    with pytest.raises(UnknownNameError) as info:
        scheme.check(["P1"], "agreements[2].credits")
    assert info.value.what == "agreements[2].credits.at_risk.weights"
    assert info.value.name == "P9" and info.value.known == ("P1",)
    with pytest.raises(UnknownNameError) as rules:
        scheme.check(["P9"], "credits")
    assert rules.value.what == "credits.rules[0].target"
    scheme.check(["P1", "P9"])  # no error


def test_direct_construction_is_checked_as_well() -> None:
    with pytest.raises(ConfigError, match="overlaps"):
        TiersRule(target="t", bands=(
            CreditBand(low=Fraction(0), high=Fraction(1, 2), amount=Decimal(2)),
            CreditBand(low=Fraction(1, 4), high=Fraction(1), amount=Decimal(1))))
    with pytest.raises(ConfigError, match="exactly one"):
        LinearRule(target="t")


def test_money_keeps_its_written_form() -> None:
    rule = CreditScheme.from_dict({"rules": [
        {"kind": "per_breach", "target": "P1", "amount": "50.00"},
        {"kind": "per_breach", "target": "P1", "amount": 0.1},
        {"kind": "per_breach", "target": "P1", "amount": "1/8"},
        {"kind": "per_breach", "target": "P1", "amount": Decimal("7.5")}]})
    assert [r.to_dict()["amount"] for r in rule.rules] == ["50.00", "0.1", "0.125", "7.5"]

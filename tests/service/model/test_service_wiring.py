"""Credit schemes and continuity targets read as part of the catalogue, and credits_due."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from itsm_core.errors import ConfigError, UnknownNameError
from itsm_core.service.attainment import attainment
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.continuity import ContinuityTargets
from itsm_core.service.credits import CreditScheme
from itsm_core.service.credits_due import credits_due
from itsm_core.sla import TicketEvent

UTC = timezone.utc


def data() -> dict[str, Any]:
    return {
        "definitions": [{"name": "fix", "targets": "PT1H", "stop": {"state_in": ["Resolved"]}}],
        "services": [{"name": "email", "continuity": {"rto": "PT4H", "rpo": "PT1H",
                                                      "mtpd": "P1D", "wrt": "PT2H"}}],
        "customers": [{"name": "acme"}, {"name": "globex"}],
        "agreements": [
            {"name": "gold", "from": "2025-01-01", "customers": ["acme"], "fee": "1000",
             "currency": "JPY", "minor_units": 0,
             "targets": [{"name": "fix", "definition": "fix", "at_least": "90%"}],
             "credits": {"rules": [{"kind": "per_breach", "target": "fix", "amount": "10.5"}],
                         "cap": "50%"}},
            {"name": "any", "from": "2025-01-01", "fee": "10",
             "targets": [{"name": "fix", "definition": "fix", "at_least": "90%"}]},
        ]}


def test_credits_and_continuity_are_values_and_round_trip() -> None:
    cat = Catalogue.from_dict(data())
    gold = cat.agreement("gold")
    assert isinstance(gold.credits, CreditScheme)
    assert gold.minor_units == 0
    assert cat.service("email").continuity == ContinuityTargets(
        rto=timedelta(hours=4), rpo=timedelta(hours=1), mtpd=timedelta(days=1),
        wrt=timedelta(hours=2))
    assert Catalogue.from_dict(cat.to_dict()) == cat


@pytest.mark.parametrize(("change", "path"), [
    (lambda d: d["agreements"][0]["credits"]["rules"][0].update(target="nope"),
     "agreements[0].credits.rules[0].target"),
    (lambda d: d["agreements"][0]["credits"].update(cap="120%"), "agreements[0].credits.cap"),
    (lambda d: d["agreements"][0].update(minor_units=13), "agreements[0].minor_units"),
    (lambda d: d["services"][0]["continuity"].pop("mtpd"), "services[0].continuity.mtpd"),
    (lambda d: d["services"][0]["continuity"].update(rto="-PT1H"),
     "services[0].continuity.rto"),
])
def test_bad_credits_or_continuity_name_the_path(change: Any, path: str) -> None:
    raw = data()
    change(raw)
    with pytest.raises((ConfigError, UnknownNameError)) as caught:
        Catalogue.from_dict(raw)
    assert str(caught.value).startswith(path)


def test_credits_due_applies_each_scheme_with_its_fee_and_minor_units() -> None:
    cat = Catalogue.from_dict(data())
    at = lambda month, h: datetime(2025, month, 3, h, tzinfo=UTC)  # noqa: E731
    tickets = [(f"T{month}{i}", [TicketEvent(at(month, 9), "New", fields={"customer": who}),
                                 TicketEvent(at(month, 9 + late), "Resolved",
                                             fields={"customer": who})])
               for month, late, who, i in ((3, 3, "acme", 0), (3, 3, "acme", 1),
                                           (4, 0, "acme", 0), (4, 3, "globex", 0))]
    found = attainment(cat, tickets)
    due = credits_due(cat, found)
    assert list(due) == [("gold", "acme")]   # "any" has a fee but no scheme
    periods = due["gold", "acme"]
    assert [(p.period, p.total, p.currency) for p in periods] == [
        ("2025-03", Decimal(21), "JPY"), ("2025-04", Decimal(0), "JPY")]
    gold = cat.agreement("gold")
    assert gold.credits is not None
    direct = gold.credits.apply([r for r in found.results if r.agreement == "gold"],
                                Decimal(1000), currency="JPY", minor_units=0)
    assert periods == direct

"""The service catalogue: reading, round trip, references, matching and validation."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from itsm_core.errors import ConfigError, ItsmError, UnknownNameError
from itsm_core.service.catalogue import Catalogue

UTC = timezone.utc

WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def base() -> dict[str, Any]:
    return {
        "fields": {"customer": "customer", "service": "service"},
        "calendars": {"london": {"timezone": "Europe/London", "hours": WEEKDAYS},
                      "always": {"timezone": "UTC", "hours": {
                          d: [["00:00", "24:00"]] for d in
                          ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}},
        "definitions": [
            {"name": "gold-fix", "calendar": "london", "targets": {"P1": "PT8H", "P2": "PT16H"},
             "stop": {"state_in": ["Resolved"]}},
            {"name": "desk-fix", "calendar": "london", "targets": {"P1": "PT4H", "P2": "PT8H"},
             "stop": {"state_in": ["Resolved"]}},
            {"name": "carrier-fix", "calendar": "london", "targets": {"P1": "PT4H", "P2": "PT8H"},
             "stop": {"state_in": ["Resolved"]}},
        ],
        "services": [{"name": "email", "start": "2025-01-01", "calendar": "london"},
                     {"name": "vpn"}],
        "customers": [{"name": "acme", "aliases": ["ACME Corp"]}, {"name": "globex"}],
        "agreements": [
            {"name": "acme-gold", "from": "2025-01-01", "until": "2026-01-01",
             "customers": ["acme"], "services": ["email", "vpn"], "calendar": "london",
             "definitions": ["gold-fix"],
             "targets": [{"name": "fix", "definition": "gold-fix", "at_least": "95%",
                          "small_volume": {"below": 40, "max_misses": 2}},
                         {"name": "availability", "kind": "availability",
                          "at_least": "99.9%", "services": ["email"]}],
             "workload": {"limit": 200}, "fee": "12000.00", "currency": "EUR",
             "exclusions": {"causes": ["customer"], "min_outage": "PT5M"},
             "path": ["ola-desk", "uc-carrier"]},
            {"name": "standard", "from": "2025-01-01",
             "targets": [{"name": "fix", "definition": "gold-fix", "at_least": "90%"}]},
            {"name": "ola-desk", "kind": "ola", "from": "2025-01-01",
             "targets": [{"name": "fix", "definition": "desk-fix", "at_least": "95%"}]},
            {"name": "uc-carrier", "kind": "uc", "from": "2025-01-01", "services": ["vpn"],
             "targets": [{"name": "fix", "definition": "carrier-fix", "at_least": "95%"}]},
        ],
    }


def test_round_trip_and_lookups() -> None:
    cat = Catalogue.from_dict(base())
    assert Catalogue.from_dict(cat.to_dict()) == cat
    assert cat.to_dict() == Catalogue.from_dict(cat.to_dict()).to_dict()
    assert cat.agreement("acme-gold").path == ("ola-desk", "uc-carrier")
    assert str(cat.service("email").start) == "2025-01-01"
    assert cat.customer_of("ACME Corp") == "acme"
    assert cat.customer_of("acme") == "acme"
    assert cat.customer_of("Initech") is None
    assert cat.customer_of(["acme"]) is None
    with pytest.raises(UnknownNameError, match="agreement: unknown name 'gold'"):
        cat.agreement("gold")


@pytest.mark.parametrize(("edit", "path"), [
    (lambda d: d["agreements"][1]["targets"][0].update(definition="nope"),
     "agreements[1].targets[0].definition"),
    (lambda d: d["agreements"][0].update(calendar="paris"), "agreements[0].calendar"),
    (lambda d: d["agreements"][0]["services"].append("fax"), "agreements[0].services[2]"),
    (lambda d: d["agreements"][0]["customers"].append("initech"), "agreements[0].customers[1]"),
    (lambda d: d["agreements"][0]["definitions"].append("x"), "agreements[0].definitions[1]"),
    (lambda d: d["agreements"][0]["targets"][0].update(definition="desk-fix"),
     "agreements[0].targets[0].definition"),
    (lambda d: d["agreements"][0]["path"].append("standard"), "agreements[0].path[2]"),
    (lambda d: d["services"][1].update(calendar="paris"), "services[1].calendar"),
    (lambda d: d["definitions"][0].update(calendar="paris"), "definitions[0].calendar"),
    (lambda d: d["agreements"][2].update(name="standard"), "agreements[2].name"),
    (lambda d: d["customers"][1].update(aliases=["ACME Corp"]), "customers[1].aliases[0]"),
    (lambda d: d["agreements"][0]["targets"][1].update(at_least="101%"),
     "agreements[0].targets[1].at_least"),
    (lambda d: d["agreements"][0].update(fee="1/3"), "agreements[0].fee"),
    (lambda d: d["agreements"][0]["exclusions"].update(min_outage="soon"),
     "agreements[0].exclusions.min_outage"),
    (lambda d: d["agreements"][0].update(colour="red"), "agreements[0].colour"),
    (lambda d: d["agreements"][0]["targets"][0]["small_volume"].update(below=0),
     "agreements[0].targets[0].small_volume.below"),
])
def test_bad_references_name_the_path(edit: Any, path: str) -> None:
    data = base()
    edit(data)
    before = copy.deepcopy(data)
    with pytest.raises(ItsmError) as caught:
        Catalogue.from_dict(data)
    assert str(caught.value).startswith(path + ":"), str(caught.value)
    assert data == before  # the input is never changed, nothing half-applied


def test_hostile_values_give_bounded_messages() -> None:
    data = base()
    data["agreements"][0]["name"] = 10 ** 5000
    with pytest.raises(ConfigError, match=r"^agreements\[0\]\.name:") as caught:
        Catalogue.from_dict(data)
    assert len(str(caught.value)) < 300
    deep: Any = "x"
    for _ in range(100):
        deep = [deep]
    data = base()
    data["agreements"][0]["credits"] = deep
    with pytest.raises(ConfigError, match="nested more than"):
        Catalogue.from_dict(data)


def at(day: int, hour: int = 12, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def names(cat: Catalogue, fields: dict[str, Any], when: datetime) -> list[str]:
    return [a.name for a in cat.agreements_for(fields, when)]


def test_first_sla_wins_and_every_ola_applies() -> None:
    cat = Catalogue.from_dict(base())
    assert names(cat, {"customer": "ACME Corp", "service": "vpn"}, at(3)) == [
        "acme-gold", "ola-desk", "uc-carrier"]
    assert names(cat, {"customer": "globex", "service": "email"}, at(3)) == [
        "standard", "ola-desk"]
    assert names(cat, {"customer": "acme", "service": "fax"}, at(3)) == ["standard", "ola-desk"]
    # in force at the first event: the agreement's dates are local midnights in London
    assert names(cat, {"customer": "acme", "service": "email"},
                 datetime(2025, 12, 31, 23, 59, tzinfo=UTC)) == ["acme-gold", "ola-desk"]
    assert names(cat, {"customer": "acme", "service": "email"},
                 datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == ["standard", "ola-desk"]
    assert names(cat, {}, datetime(2024, 12, 31, tzinfo=UTC)) == []


def test_when_matches_fields() -> None:
    data = base()
    data["agreements"][0]["when"] = {"type": ["incident"]}
    cat = Catalogue.from_dict(data)
    fields = {"customer": "acme", "service": "email"}
    assert names(cat, {**fields, "type": "incident"}, at(3))[0] == "acme-gold"
    assert names(cat, {**fields, "type": "request"}, at(3))[0] == "standard"
    assert names(cat, fields, at(3))[0] == "standard"


def kinds(cat: Catalogue) -> list[tuple[str, str]]:
    return [(f.kind, f.path) for f in cat.validate()]


def test_validation_unagreed_and_overlap() -> None:
    data = base()
    data["services"].append({"name": "fax"})
    data["agreements"][1]["services"] = ["email", "vpn"]
    found = kinds(Catalogue.from_dict(data))
    assert ("unagreed_service", "services[2]") in found
    assert ("overlapping_slas", "agreements[1]") in found
    data["agreements"][1]["from"] = "2026-01-01"  # starts when acme-gold ends
    assert ("overlapping_slas", "agreements[1]") not in kinds(Catalogue.from_dict(data))
    data["agreements"][1]["from"] = "2025-01-01"
    data["agreements"][1]["customers"] = ["globex"]
    assert ("overlapping_slas", "agreements[1]") not in kinds(Catalogue.from_dict(data))
    data["agreements"][1]["customers"] = []
    data["agreements"][1]["when"] = {"type": ["request"]}
    data["agreements"][0]["when"] = {"type": ["incident"]}
    assert ("overlapping_slas", "agreements[1]") not in kinds(Catalogue.from_dict(data))


def test_alignment_fits_exactly() -> None:
    # 4h + 4h on the same calendar == the SLA's 8h for P1: aligned
    cat = Catalogue.from_dict(base())
    assert [f for f in cat.validate() if f.kind in ("misaligned", "cannot_compare")] == []


def test_alignment_reports_worst_start() -> None:
    data = base()
    # the carrier works 24x7 but the SLA only counts London office hours: a carrier
    # target of PT9H can push past the desk+carrier budget of 8 office hours
    data["definitions"][2]["calendar"] = "always"
    data["definitions"][2]["targets"] = {"P1": "PT20H", "P2": "PT1H"}
    found = [f for f in Catalogue.from_dict(data).validate() if f.kind == "misaligned"]
    assert [(f.path, f.priority) for f in found] == [("agreements[0].targets[0]", "P1")]
    finding = found[0]
    assert finding.excess is not None and finding.excess > timedelta(0)
    assert finding.start is not None
    # check the reported worst case by hand, through the public calendar API
    cat = Catalogue.from_dict(data)
    london, always = cat.calendar("london"), cat.calendar("always")
    t1 = london.add(finding.start, timedelta(hours=4))
    t2 = always.add(t1, timedelta(hours=20))
    due = london.add(finding.start, timedelta(hours=8))
    assert t2 - due == finding.excess
    assert finding.to_dict()["kind"] == "misaligned"


def test_alignment_cannot_compare() -> None:
    data = base()
    data["definitions"][1]["targets"] = {"P1": "PT4H"}  # no P2 on the desk
    found = [(f.kind, f.priority) for f in Catalogue.from_dict(data).validate()
             if f.kind == "cannot_compare"]
    assert found == [("cannot_compare", "P2")]

"""The service layer's reader samples for the structured-junk tests: valid values taken
from the docs, each read by its ``from_dict``, with the fields whose change is reported at
another field (checks across fields).  ``test_hardening_junk`` runs its reader tests over
them too; ``test_hardening_service`` adds the service calls.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timezone
from typing import Any

from itsm_core.demo.provider import load_catalogue_data
from itsm_core.service import (
    Agreement,
    AtRisk,
    BackupRun,
    Catalogue,
    ContinuityTargets,
    CreditBand,
    CreditScheme,
    Customer,
    EarnBack,
    Exclusions,
    Exercise,
    KpiSettings,
    LinearRule,
    PerBreachRule,
    Service,
    ServiceOutage,
    ServiceTarget,
    SmallVolume,
    TiersRule,
)

UTC = timezone.utc
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}

SCHEME = {
    "rules": [
        {"kind": "tiers", "target": "availability", "bands": [
            {"from": "99%", "to": "99.9%", "credit": "5%"},
            {"from": "0%", "to": "99%", "credit": "10%"}]},
        {"kind": "linear", "target": "fix", "per_point": "1%"},
        {"kind": "per_breach", "target": "fix", "amount": "50.00"}],
    "cap": "20%",
    "at_risk": {"pool": "10%", "weights": {"fix": 2, "availability": 1}},
    "earn_back": {"periods": 2},
}
GOLD = {
    "name": "acme-gold", "from": "2025-01-01", "until": "2026-01-01",
    "customers": ["acme"], "services": ["email", "vpn"], "when": {"type": ["incident"]},
    "calendar": "london", "definitions": ["gold-fix"],
    "targets": [{"name": "fix", "definition": "gold-fix", "priorities": ["P1", "P2"],
                 "at_least": "95%", "min_volume": 2,
                 "small_volume": {"below": 40, "max_misses": 2}},
                {"name": "availability", "kind": "availability", "at_least": "99.9%",
                 "services": ["email"]}],
    "workload": {"limit": 200}, "fee": "12000.00", "currency": "EUR", "minor_units": 2,
    "exclusions": {"causes": ["customer"], "cause_field": "cause", "min_outage": "PT5M",
                   "before_service_start": True},
    "credits": SCHEME,
    "path": ["ola-desk", "uc-carrier"],
}
CATALOGUE = {
    "fields": {"customer": "customer", "service": "service"},
    "calendars": {"london": {"timezone": "Europe/London", "hours": WEEKDAYS}},
    "definitions": [
        {"name": "gold-fix", "calendar": "london", "targets": {"P1": "PT8H", "P2": "PT16H"},
         "stop": {"state_in": ["Resolved"]}},
        {"name": "desk-fix", "calendar": "london", "targets": {"P1": "PT4H", "P2": "PT8H"},
         "stop": {"state_in": ["Resolved"]}}],
    "services": [{"name": "email", "start": "2025-01-01", "calendar": "london",
                  "continuity": {"rto": "PT4H", "rpo": "PT1H", "mtpd": "P1D", "wrt": "PT2H"}},
                 {"name": "vpn"}],
    "customers": [{"name": "acme", "aliases": ["ACME Corp"]}, {"name": "globex"}],
    "agreements": [
        GOLD,
        {"name": "ola-desk", "kind": "ola", "from": "2025-01-01", "definitions": ["desk-fix"],
         "targets": [{"name": "fix", "definition": "desk-fix", "at_least": "95%"}]},
        {"name": "uc-carrier", "kind": "uc", "from": "2025-01-01", "services": ["vpn"],
         "targets": [{"name": "fix", "definition": "desk-fix", "at_least": "95%"}]}],
}

@functools.cache
def catalogue() -> Catalogue:
    return Catalogue.from_dict(CATALOGUE)


Reader = Callable[[Any], object]

SAMPLES: list[tuple[str, Reader, object]] = [
    ("Catalogue-demo", Catalogue.from_dict, load_catalogue_data()),
    ("Catalogue", Catalogue.from_dict, CATALOGUE),
    ("Agreement", Agreement.from_dict, GOLD),
    ("ServiceTarget", ServiceTarget.from_dict, GOLD["targets"][0]),  # type: ignore[index]
    ("ServiceTarget-availability", ServiceTarget.from_dict, {
        "name": "availability", "kind": "availability", "at_least": "99.9%",
        "min_volume": 1, "services": ["email"]}),
    ("SmallVolume", SmallVolume.from_dict, {"below": 40, "max_misses": 2}),
    ("Exclusions", Exclusions.from_dict, GOLD["exclusions"]),
    ("ServiceOutage", ServiceOutage.from_dict, {
        "id": "OUT-1", "service": "email", "start": "2025-03-01T09:00:00+00:00",
        "end": "2025-03-01T10:00:00+00:00", "kind": "degraded", "impact": "50%",
        "cause": "power", "customer": "acme"}),
    ("Service", Service.from_dict, CATALOGUE["services"][0]),  # type: ignore[index]
    ("Customer", Customer.from_dict, {"name": "acme", "aliases": ["ACME Corp", "Acme"]}),
    ("CreditScheme", CreditScheme.from_dict, SCHEME),
    ("CreditBand", CreditBand.from_dict, {"from": "90%", "to": "95%", "credit": "5%"}),
    ("CreditBand-amount", CreditBand.from_dict, {"from": 0, "to": "90%", "amount": "250.00"}),
    ("TiersRule", TiersRule.from_dict, SCHEME["rules"][0]),  # type: ignore[index]
    ("LinearRule", LinearRule.from_dict, {"kind": "linear", "target": "t",
                                          "per_point_amount": "80.00"}),
    ("PerBreachRule", PerBreachRule.from_dict, {"kind": "per_breach", "target": "t",
                                                "credit": "0.5%"}),
    ("AtRisk", AtRisk.from_dict, SCHEME["at_risk"]),
    ("EarnBack", EarnBack.from_dict, {"periods": 3}),
    ("ContinuityTargets", ContinuityTargets.from_dict, {"rto": "PT4H", "rpo": "PT1H",
                                                        "mtpd": "P1D", "wrt": "PT2H"}),
    ("Exercise", Exercise.from_dict, {
        "service": "vpn", "disrupted_at": "2025-05-01T09:00:00Z",
        "recovered_at": "2025-05-01T12:00:00Z", "restored_to": "2025-05-01T08:00:00Z",
        "resumed_at": "2025-05-01T14:00:00+01:00"}),
    ("BackupRun", BackupRun.from_dict, {"service": "email", "at": "2025-05-01T02:00:00Z",
                                        "ok": False}),
    ("KpiSettings", KpiSettings.from_dict, {
        "acknowledged": {"state_not_in": ["New"]}, "resolved": {"state_in": ["Resolved"]},
        "reopened": {"state_in": ["Reopened"]}, "calendar": {"timezone": "Europe/London",
                                                             "hours": WEEKDAYS},
        "group_field": "team", "buckets": ["P1D", "P3D", "P7D"]}),
    ("KpiSettings-named", lambda d: KpiSettings.from_dict(
        d, calendars=dict(catalogue().calendars)), {"calendar": "london", "buckets": ["P2D"]}),
]

#: (sample, top-level key) pairs where changing the key may be reported at ANOTHER
#: field, because the check is across fields.  Each has its reason:
CROSS_FIELD: dict[tuple[str, str], str] = {
    # the definitions, services and agreements name calendars, definitions, services and
    # customers: deleting or breaking the table is reported where a name is used
    **{(cat, key): "a reference to it is reported where it is used"
       for cat in ("Catalogue", "Catalogue-demo")
       for key in ("calendars", "definitions", "services", "customers")},
    # the credit scheme names the agreement's targets: reported at credits...target
    ("Agreement", "targets"): "credits.rules[i].target names a target",
    # without its kind the target is read as a tickets target, which lacks a definition
    ("ServiceTarget-availability", "kind"): "kind decides which keys are allowed",
}

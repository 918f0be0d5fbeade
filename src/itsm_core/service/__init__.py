"""Service level management: the catalogue of services, customers and agreements, the
attainment of service level targets per period, service credits, service reports,
continuity and incident KPIs, and what-if replays of a proposed agreement.

>>> from datetime import datetime, timezone
>>> from itsm_core.service import Catalogue, attainment
>>> from itsm_core.sla import TicketEvent
>>> catalogue = Catalogue.from_dict({
...     "definitions": [{"name": "fix", "targets": {"P1": "PT4H"},
...                      "stop": {"state_in": ["Resolved"]}}],
...     "customers": [{"name": "acme"}],
...     "agreements": [{"name": "acme-gold", "from": "2025-01-01", "customers": ["acme"],
...                     "definitions": ["fix"],
...                     "targets": [{"name": "P1 fix", "definition": "fix",
...                                  "priorities": ["P1"], "at_least": "90%"}]}]})
>>> at = lambda h: datetime(2025, 3, 3, h, tzinfo=timezone.utc)
>>> acme = {"customer": "acme"}
>>> tickets = [("INC1", [TicketEvent(at(9), "New", "P1", acme),
...                      TicketEvent(at(11), "Resolved", "P1", acme)]),
...            ("INC2", [TicketEvent(at(9), "New", "P1", acme),
...                      TicketEvent(at(16), "Resolved", "P1", acme)])]
>>> [(r.target, r.period, r.measured, r.verdict.value, r.breaches)
...  for r in attainment(catalogue, tickets).results]
[('P1 fix', '2025-03', Fraction(1, 2), 'missed', ('INC2',))]
"""

from __future__ import annotations

from itsm_core.service.agreement import Agreement
from itsm_core.service.attainment import (
    Attainment,
    AttainmentAccumulator,
    NotCovered,
    NotEvaluated,
    Pending,
    WorkloadUsage,
    attainment,
)
from itsm_core.service.backups import BackupRun, RecoveryPointGap, worst_recovery_point
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.continuity import (
    ContinuityCheck,
    ContinuityFinding,
    ContinuityTargets,
    Exercise,
)
from itsm_core.service.continuity_report import (
    ContinuityReport,
    ServiceContinuity,
    continuity_report,
)
from itsm_core.service.credit_rules import CreditBand, LinearRule, PerBreachRule, TiersRule
from itsm_core.service.credit_terms import AtRisk, EarnBack
from itsm_core.service.credits import CreditLine, CreditScheme, PeriodCredits
from itsm_core.service.credits_due import credits_due
from itsm_core.service.exclusions import Exclusions
from itsm_core.service.kpi_report import KpiReport, KpiRow
from itsm_core.service.kpi_settings import KpiSettings
from itsm_core.service.kpis import KpiAccumulator
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.parties import Customer, Service
from itsm_core.service.portfolio import (
    CustomerStanding,
    PortfolioCell,
    PortfolioReport,
    WorstTarget,
)
from itsm_core.service.report import CreditDue, ServiceReport, TargetLine, TrendPoint, WorkloadLine
from itsm_core.service.report_sections import CustomerKpis, customer_continuity
from itsm_core.service.result import Exclusion, TargetResult, Verdict
from itsm_core.service.target import ServiceTarget, SmallVolume
from itsm_core.service.validation import Finding
from itsm_core.service.whatif import proposed_catalogue, what_if
from itsm_core.service.whatif_report import CreditChange, TargetChange, TicketChange, WhatIf

__all__ = [
    # the catalogue
    "Agreement",
    "Catalogue",
    "Customer",
    "Exclusions",
    "Finding",
    "Service",
    "ServiceOutage",
    "ServiceTarget",
    "SmallVolume",
    # attainment
    "Attainment",
    "AttainmentAccumulator",
    "Exclusion",
    "NotCovered",
    "NotEvaluated",
    "Pending",
    "TargetResult",
    "Verdict",
    "WorkloadUsage",
    "attainment",
    # credits
    "AtRisk",
    "CreditBand",
    "CreditLine",
    "CreditScheme",
    "EarnBack",
    "LinearRule",
    "PerBreachRule",
    "PeriodCredits",
    "TiersRule",
    "credits_due",
    # reports
    "CreditDue",
    "CustomerStanding",
    "PortfolioCell",
    "PortfolioReport",
    "ServiceReport",
    "TargetLine",
    "TrendPoint",
    "WorkloadLine",
    "WorstTarget",
    "CustomerKpis",
    "customer_continuity",
    # what-if
    "CreditChange",
    "TargetChange",
    "TicketChange",
    "WhatIf",
    "proposed_catalogue",
    "what_if",
    # continuity
    "BackupRun",
    "ContinuityCheck",
    "ContinuityFinding",
    "ContinuityReport",
    "ContinuityTargets",
    "Exercise",
    "RecoveryPointGap",
    "ServiceContinuity",
    "continuity_report",
    "worst_recovery_point",
    # incident KPIs
    "KpiAccumulator",
    "KpiReport",
    "KpiRow",
    "KpiSettings",
]

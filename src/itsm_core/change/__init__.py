"""Change enablement: risk, approvals, windows, conflicts, free slots and DORA metrics.

>>> from itsm_core.change import ChangeRequest, RiskModel, assess
>>> model = RiskModel.from_dict({"rules": [{"when": {"type": "emergency"}, "risk": "high"}]})
>>> cr = ChangeRequest.from_dict({"id": "CHG1", "type": "emergency", "cis": ["db"],
...     "start": "2025-03-01T22:00+00:00", "end": "2025-03-01T23:00+00:00"})
>>> assess(cr, model).level.label
'high'
"""

from __future__ import annotations

from itsm_core.change.approval import ApprovalPolicy, ApprovalRequirement, Authority
from itsm_core.change.conflict import Conflict, ConflictKind
from itsm_core.change.conflicts import conflicts_of, find_conflicts
from itsm_core.change.dora import (
    DORA_2023_TIERS,
    Deployment,
    DoraPeriod,
    DoraTier,
    Restoration,
    dora_metrics,
    tier_of,
)
from itsm_core.change.factors import RiskHistory, risk_factors
from itsm_core.change.levels import Contribution, MethodAssessment, RiskLevel
from itsm_core.change.methods import Questionnaire, WeightedAverage
from itsm_core.change.request import ChangeRequest, ChangeType
from itsm_core.change.risk import RiskAssessment, RiskModel, assess
from itsm_core.change.rules import FactorCondition, Rule, RuleList
from itsm_core.change.slots import free_time, next_free_slots
from itsm_core.change.windows import ChangeWindows, Window, WindowKind

__all__ = [
    # the request
    "ChangeRequest",
    "ChangeType",
    # risk
    "Contribution",
    "FactorCondition",
    "MethodAssessment",
    "Questionnaire",
    "RiskAssessment",
    "RiskHistory",
    "RiskLevel",
    "RiskModel",
    "Rule",
    "RuleList",
    "WeightedAverage",
    "assess",
    "risk_factors",
    # approval
    "ApprovalPolicy",
    "ApprovalRequirement",
    "Authority",
    # windows and conflicts
    "ChangeWindows",
    "Conflict",
    "ConflictKind",
    "Window",
    "WindowKind",
    "conflicts_of",
    "find_conflicts",
    "free_time",
    "next_free_slots",
    # DORA metrics
    "DORA_2023_TIERS",
    "Deployment",
    "DoraPeriod",
    "DoraTier",
    "Restoration",
    "dora_metrics",
    "tier_of",
]

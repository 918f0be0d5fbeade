"""Change enablement: risk, approvals, windows, conflicts, free slots and DORA metrics.

>>> from itsm_core.change import ChangeRequest, ChangeType
>>> ChangeType("normal").value
'normal'
"""

from __future__ import annotations

from itsm_core.change.approval import ApprovalPolicy, ApprovalRequirement, Authority
from itsm_core.change.check import check
from itsm_core.change.conflict import Conflict, ConflictKind
from itsm_core.change.conflicts import find_conflicts
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
from itsm_core.change.levels import Contribution, MethodResult, RiskLevel
from itsm_core.change.request import ChangeRequest, ChangeType
from itsm_core.change.risk import RiskAssessment, RiskModel, assess
from itsm_core.change.slots import free_time, next_free_slots
from itsm_core.change.windows import ChangeWindows, Window, WindowKind

__all__ = [
    # the request
    "ChangeRequest",
    "ChangeType",
    # risk
    "Contribution",
    "MethodResult",
    "RiskAssessment",
    "RiskHistory",
    "RiskLevel",
    "RiskModel",
    "assess",
    "risk_factors",
    # approval
    "ApprovalPolicy",
    "ApprovalRequirement",
    "Authority",
    # windows, checks and conflicts
    "ChangeWindows",
    "Conflict",
    "ConflictKind",
    "Window",
    "WindowKind",
    "check",
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

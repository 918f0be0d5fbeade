"""Change enablement: risk, approvals, windows, conflicts, free slots and DORA metrics.

>>> from itsm_core.change import ChangeRequest, ChangeType
>>> ChangeType("normal").value
'normal'
"""

from __future__ import annotations

from itsm_core.change.factors import RiskHistory, risk_factors
from itsm_core.change.levels import Contribution, MethodResult, RiskLevel
from itsm_core.change.request import ChangeRequest, ChangeType
from itsm_core.change.risk import RiskAssessment, RiskModel, assess

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
]

"""Service level management: the catalogue of services, customers and agreements, the
attainment of service level targets per period, service credits, service reports and
continuity.

>>> from itsm_core.service import Verdict
>>> Verdict("missed")
<Verdict.MISSED: 'missed'>
"""

from __future__ import annotations

from itsm_core.service.result import Exclusion, TargetResult, Verdict

__all__ = ["Exclusion", "TargetResult", "Verdict"]

"""The SLA engine: definitions as data, clock replay over ticket events, compliance reports.

Helpers stay importable from their modules: ``parse_condition`` (sla.conditions), ``Fields``
(sla.events), the clock's flag bits (sla.clock).

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaDefinition, TicketEvent, compliance_report
>>> d = SlaDefinition.from_dict({"name": "resolution", "targets": {"P1": "PT4H"},
...                              "stop": {"state_in": ["Resolved"]}})
>>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
>>> outcome = d.evaluate([TicketEvent(at(9), "New", "P1"), TicketEvent(at(11), "Resolved", "P1")])
>>> outcome.cycles[0].stage.value
'met'
>>> compliance_report([outcome]).rows[0].compliance
Fraction(1, 1)
"""

from __future__ import annotations

from itsm_core.sla.compliance import (
    ComplianceAccumulator,
    ComplianceReport,
    ComplianceRow,
    compliance_report,
)
from itsm_core.sla.conditions import Condition
from itsm_core.sla.cycle import SlaCycle
from itsm_core.sla.definition import SlaDefinition
from itsm_core.sla.events import TicketEvent
from itsm_core.sla.outcome import SlaOutcome
from itsm_core.sla.policy import SlaPolicy
from itsm_core.sla.schedule import CalendarChoice, Goal, SlaVersion
from itsm_core.sla.segment import Segment, Stage, TimeBreakdown, TimeShare
from itsm_core.sla.targets import Targets

__all__ = [
    "CalendarChoice",
    "ComplianceAccumulator",
    "ComplianceReport",
    "ComplianceRow",
    "Condition",
    "Goal",
    "Segment",
    "SlaCycle",
    "SlaDefinition",
    "SlaOutcome",
    "SlaPolicy",
    "SlaVersion",
    "Stage",
    "Targets",
    "TicketEvent",
    "TimeBreakdown",
    "TimeShare",
    "compliance_report",
]

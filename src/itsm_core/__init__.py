"""itsm_core: IT service management domain logic, exact and explainable.

>>> import itsm_core
>>> isinstance(itsm_core.__version__, str)
True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from itsm_core.calendar import BusinessCalendar, CalendarExplanation
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    DomainError,
    InvalidArgumentError,
    ItsmError,
    NaiveDatetimeError,
    NoBusinessTimeError,
    UnknownNameError,
)
from itsm_core.intervals import IntervalSet
from itsm_core.priority import Impact, Priority, PriorityMatrix, Urgency
from itsm_core.sla import (
    ComplianceAccumulator,
    ComplianceReport,
    SlaCycle,
    SlaDefinition,
    SlaOutcome,
    SlaPolicy,
    Stage,
    TicketEvent,
    compliance_report,
)

try:
    __version__ = version("itsm_core")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    # business calendars
    "BusinessCalendar",
    "CalendarExplanation",
    # SLA engine
    "ComplianceAccumulator",
    "ComplianceReport",
    "SlaCycle",
    "SlaDefinition",
    "SlaOutcome",
    "SlaPolicy",
    "Stage",
    "TicketEvent",
    "compliance_report",
    # priority
    "Impact",
    "Priority",
    "PriorityMatrix",
    "Urgency",
    # errors
    "ArgumentTypeError",
    "ConfigError",
    "DomainError",
    "InvalidArgumentError",
    "ItsmError",
    "NaiveDatetimeError",
    "NoBusinessTimeError",
    "UnknownNameError",
    # foundations
    "IntervalSet",
    "__version__",
]

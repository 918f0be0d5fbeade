"""Availability management: outages over agreed service time, composition, graphs, SLOs.

>>> from datetime import datetime, timezone
>>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
>>> measure([Outage(t0, t0.replace(hour=6))], t0, t0.replace(day=2)).availability
Fraction(3, 4)
>>> series("99.9%", parallel("99%", "99%"))
Fraction(9989001, 10000000)
"""

from __future__ import annotations

from itsm_core.availability.agreed import AgreedTimeCalendar
from itsm_core.availability.alerts import AlertPolicy, AlertStatus, BurnRateRule, RuleResult
from itsm_core.availability.budget import (
    ErrorBudget,
    SliMeasurement,
    burn_rate,
    time_to_exhaustion,
)
from itsm_core.availability.compose import k_of_n, parallel, series
from itsm_core.availability.downtime import allowed_downtime, eligible_time, nines_table
from itsm_core.availability.graph import ServiceGraph
from itsm_core.availability.measure import measure
from itsm_core.availability.measurement import Measurement
from itsm_core.availability.outage import Outage, OutageKind
from itsm_core.availability.sli import BadTime, RequestSeries
from itsm_core.availability.slo import SliSource, Slo
from itsm_core.availability.windows import CalendarWindow, RollingWindow

__all__ = [
    # outages and measurement over agreed service time
    "AgreedTimeCalendar",
    "Measurement",
    "Outage",
    "OutageKind",
    "measure",
    # composition
    "k_of_n",
    "parallel",
    "series",
    "ServiceGraph",
    # targets and allowed downtime
    "allowed_downtime",
    "eligible_time",
    "nines_table",
    # SLOs, error budgets and burn-rate alerts
    "AlertPolicy",
    "AlertStatus",
    "BadTime",
    "BurnRateRule",
    "CalendarWindow",
    "ErrorBudget",
    "RequestSeries",
    "RollingWindow",
    "RuleResult",
    "SliMeasurement",
    "SliSource",
    "Slo",
    "burn_rate",
    "time_to_exhaustion",
]

"""Availability management: outages measured over agreed service time, composition, graphs.

>>> from datetime import datetime, timezone
>>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
>>> measure([Outage(t0, t0.replace(hour=6))], t0, t0.replace(day=2)).availability
Fraction(3, 4)
"""

from __future__ import annotations

from itsm_core.availability.compose import k_of_n, parallel, series
from itsm_core.availability.graph import ServiceGraph
from itsm_core.availability.measure import AgreedTimeCalendar, Measurement, measure
from itsm_core.availability.outage import Outage, OutageKind

__all__ = [
    # part A: outages and measurement
    "AgreedTimeCalendar",
    "Measurement",
    "Outage",
    "OutageKind",
    "measure",
    # part A: composition
    "k_of_n",
    "parallel",
    "series",
    "ServiceGraph",
]

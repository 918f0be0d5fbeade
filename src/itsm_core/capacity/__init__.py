"""Capacity maths: Erlang B and C, service-desk staffing, Little's law, linear trends.

Erlang B (blocking with no queue) and Erlang C (probability of waiting in an M/M/N queue)
use the numerically stable recursion ``B(0) = 1``, ``B(n) = A·B(n-1) / (n + A·B(n-1))``
and ``C = N·B / (N - A·(1 - B))``: no factorials, no overflow, ``O(N)``.  These are
probabilities, so they are floats; the inputs that decide anything (traffic from counts,
targets) are exact.  Preconditions fail with :class:`~itsm_core.errors.DomainError` or
:class:`~itsm_core.errors.ConfigError`, never ``ZeroDivisionError`` or ``OverflowError``.

>>> from datetime import timedelta
>>> round(erlang_c(10, 14), 4)   # 10 Erlangs, 14 agents: 17.41 % of contacts wait
0.1741
>>> staffing = agents_for_service_level(10, timedelta(minutes=3), "80%", timedelta(seconds=20))
>>> staffing.agents, round(staffing.service_level, 4)
(14, 0.8884)

The functions live in :mod:`itsm_core.capacity.erlang` (Erlang B and C, staffing) and
:mod:`itsm_core.capacity.trend` (Little's law, linear trends); every name is importable from
``itsm_core.capacity``.
"""

from __future__ import annotations

from itsm_core.capacity._common import Number as Number  # the numeric argument type
from itsm_core.capacity.erlang import (
    MAX_AGENTS,
    Staffing,
    agents_for_service_level,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    occupancy,
    service_level,
    traffic_intensity,
)
from itsm_core.capacity.trend import LinearTrend, linear_trend, littles_law

__all__ = [
    "MAX_AGENTS",
    "LinearTrend",
    "Staffing",
    "agents_for_service_level",
    "average_speed_of_answer",
    "erlang_b",
    "erlang_c",
    "linear_trend",
    "littles_law",
    "occupancy",
    "service_level",
    "traffic_intensity",
]

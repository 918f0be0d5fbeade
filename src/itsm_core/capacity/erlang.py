"""Erlang B and C, service level, speed of answer, occupancy and staffing.

Erlang B (blocking with no queue) and Erlang C (probability of waiting in an M/M/N queue)
use the numerically stable recursion ``B(0) = 1``, ``B(n) = A·B(n-1) / (n + A·B(n-1))``
and ``C = N·B / (N - A·(1 - B))``: no factorials, no overflow, ``O(N)``.  These are
probabilities, so they are floats; the inputs that decide anything (traffic from counts,
targets) are exact.

>>> round(erlang_c(10, 14), 4)   # 10 Erlangs, 14 agents: 17.41 % of contacts wait
0.1741
"""

from __future__ import annotations

import math
from datetime import timedelta
from fractions import Fraction

import attrs

from itsm_core._instant import duration_us
from itsm_core.capacity._common import Number, _duration, _exact_value
from itsm_core.errors import ArgumentTypeError, ConfigError, DomainError, shown
from itsm_core.ratios import parse_ratio

__all__ = [
    "MAX_AGENTS",
    "Staffing",
    "agents_for_service_level",
    "average_speed_of_answer",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "service_level",
    "traffic_intensity",
]

#: The most agents (servers) any Erlang or staffing computation considers, and so the
#: most Erlangs of traffic a queue can be stable with.  The recursions are ``O(agents)``
#: (about 20 ms at the limit); the largest contact centres staff a few thousand agents.
MAX_AGENTS = 100_000


def _traffic(value: object, name: str = "traffic") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
        raise ArgumentTypeError(f"{name}: expected a number of Erlangs, got {shown(value)}")
    if not (0 <= value <= MAX_AGENTS):  # also refuses nan and infinities
        raise DomainError(f"{name}: {shown(value)}; expected a number of Erlangs from 0 to "
                          f"{MAX_AGENTS} (MAX_AGENTS)")
    return float(value)


def _agents(value: object, name: str = "agents", limit: float = MAX_AGENTS) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name}: expected an int, got {shown(value)}")
    if not 0 <= value <= limit:
        raise DomainError(f"{name}: {shown(value)}; expected an int from 0 to {limit}"
                          + (" (MAX_AGENTS)" if limit == MAX_AGENTS else ""))
    return value



def _step_b(a: float, n: int, previous: float) -> float:
    """One step of the Erlang B recursion."""
    x = a * previous
    return x / (n + x)


def erlang_b(traffic: Number, agents: int) -> float:
    """Blocking probability of *agents* servers offered *traffic* Erlangs (no queue).

    >>> round(erlang_b(4.46, 10), 4)   # 1 % grade of service at 10 circuits
    0.01
    >>> erlang_b(0, 3), erlang_b(5, 0)
    (0.0, 1.0)
    """
    a, n = _traffic(traffic), _agents(agents)
    b = 1.0
    for k in range(1, n + 1):
        b = _step_b(a, k, b)
    return b


def _c_from_b(a: float, n: int, b: float) -> float:
    return n * b / (n - a * (1 - b))


def _check_stable(a: float, n: int) -> None:
    if n <= a:
        raise DomainError(
            f"agents: {n} <= traffic {a:g}; Erlang C needs agents > traffic (the queue would "
            "grow without bound)"
        )


def erlang_c(traffic: Number, agents: int) -> float:
    """Probability that a contact waits (Erlang C), for *agents* > *traffic*.

    Raises:
        DomainError: ``agents <= traffic`` or negative inputs.

    >>> round(erlang_c(2, 3), 4)
    0.4444
    >>> erlang_c(3, 3)
    Traceback (most recent call last):
    ...
    itsm_core.errors.DomainError: agents: 3 <= traffic 3; Erlang C needs agents > traffic (the queue would grow without bound)
    """
    a, n = _traffic(traffic), _agents(agents)
    _check_stable(a, n)
    return _c_from_b(a, n, erlang_b(a, n))


def _seconds(value: object, name: str, *, positive: bool) -> float:
    us = duration_us(value, name)
    if positive and us == 0:
        raise DomainError(f"{name}: zero; expected a positive duration")
    return us / 1_000_000


def service_level(traffic: Number, agents: int, handle_time: timedelta,
                  answer_time: timedelta) -> float:
    """``P(wait <= answer_time) = 1 - C·exp(-(N - A)·t / AHT)``.

    >>> round(service_level(10, 14, timedelta(minutes=3), timedelta(seconds=20)), 4)
    0.8884
    """
    a, n = _traffic(traffic), _agents(agents)
    aht = _seconds(handle_time, "handle_time", positive=True)
    t = _seconds(answer_time, "answer_time", positive=False)
    return 1 - erlang_c(a, n) * math.exp(-(n - a) * t / aht)


def average_speed_of_answer(traffic: Number, agents: int, handle_time: timedelta) -> timedelta:
    """Mean wait over all contacts: ``C · AHT / (N - A)`` (rounded to the microsecond).

    >>> average_speed_of_answer(10, 14, timedelta(minutes=3))
    datetime.timedelta(seconds=7, microseconds=835937)
    """
    a, n = _traffic(traffic), _agents(agents)
    aht_us = duration_us(handle_time, "handle_time")
    return _duration(erlang_c(a, n) * aht_us / (n - a), "average_speed_of_answer")


def occupancy(traffic: Number, agents: int) -> float:
    """Share of the agents' time spent handling contacts: ``A / N``.

    >>> occupancy(10, 14)
    0.7142857142857143
    """
    a, n = _traffic(traffic), _agents(agents)
    if n == 0:
        raise DomainError("agents: 0; expected at least one agent")
    return a / n


def traffic_intensity(contacts: int, period: timedelta, handle_time: timedelta) -> Fraction:
    """Offered traffic in Erlangs, exactly: ``contacts × AHT / period``.

    >>> traffic_intensity(100, timedelta(minutes=30), timedelta(minutes=3))
    Fraction(10, 1)
    """
    count = _agents(contacts, "contacts", math.inf)
    length = duration_us(period, "period")
    if length == 0:
        raise DomainError("period: zero; expected a positive duration")
    return Fraction(count * duration_us(handle_time, "handle_time"), length)


@attrs.frozen(kw_only=True)
class Staffing:
    """The answer of :func:`agents_for_service_level`, with the figures that justify it.

    Attributes:
        agents: agents needed on the phones (meeting service level and occupancy cap).
        scheduled: agents to schedule once *shrinkage* is allowed for.
        service_level: ``P(wait <= answer_time)`` with *agents*.
        probability_of_waiting: Erlang C with *agents*.
        average_speed_of_answer: mean wait with *agents*.
        occupancy: ``traffic / agents``.

    >>> s = agents_for_service_level(10, timedelta(minutes=3), "80%", timedelta(seconds=20),
    ...                              shrinkage="30%")
    >>> s.agents, s.scheduled
    (14, 20)
    """

    agents: int
    scheduled: int
    service_level: float
    probability_of_waiting: float
    average_speed_of_answer: timedelta
    occupancy: float


def agents_for_service_level(traffic: Number, handle_time: timedelta, target: object,
                             answer_time: timedelta, *, shrinkage: object = 0,
                             max_occupancy: object = 1) -> Staffing:
    """The fewest agents whose service level meets *target* and whose occupancy stays at
    or below *max_occupancy*; ``scheduled = ceil(agents / (1 - shrinkage))``.

    Args:
        traffic: offered traffic in Erlangs (see :func:`traffic_intensity`).
        handle_time: average handle time (AHT), positive.
        target: the service-level target, e.g. ``"80%"`` (exact; below 100 %).
        answer_time: the answer-time threshold, e.g. 20 seconds.
        shrinkage: the share of paid time not available for contacts, in ``[0, 1)``.
        max_occupancy: the occupancy cap, in ``(0, 1]``.

    Raises:
        ConfigError: *target*, *shrinkage* or *max_occupancy* outside its range.
        DomainError: negative traffic, a non-positive handle time, a 100 % target
            with traffic (no finite number of agents reaches it), or no staffing of at
            most :data:`MAX_AGENTS` agents meets the target.

    >>> agents_for_service_level(10, timedelta(minutes=3), "80%", timedelta(seconds=20),
    ...                          max_occupancy="70%").agents
    15
    """
    a = _traffic(traffic)
    aht = _seconds(handle_time, "handle_time", positive=True)
    t = _seconds(answer_time, "answer_time", positive=False)
    goal = parse_ratio(target, "target")
    shrink = parse_ratio(shrinkage, "shrinkage")
    if shrink == 1:
        raise ConfigError("shrinkage", "100% leaves no one available", "a ratio in [0, 1)")
    cap = parse_ratio(max_occupancy, "max_occupancy")
    if cap == 0:
        raise ConfigError("max_occupancy", "0% allows no work", "a ratio in (0, 1]")
    if goal == 1 and a > 0:
        raise DomainError("target: 100% is unreachable with any traffic; expected a target < 100%")
    # the cap is a decision: exact, with the traffic as written (a float through its repr)
    exact = _exact_value(traffic, "traffic")
    floor_by_cap = math.ceil(exact / cap)
    n = math.floor(a) + 1
    b = erlang_b(a, min(n, MAX_AGENTS))
    while True:
        if n > MAX_AGENTS:
            raise DomainError(f"agents: no staffing of at most {MAX_AGENTS} agents (MAX_AGENTS) "
                              "meets the target and the occupancy cap; expected a reachable "
                              "target")
        c = _c_from_b(a, n, b)
        level = 1 - c * math.exp(-(n - a) * t / aht)
        if n >= floor_by_cap and Fraction(level) >= goal:
            break
        n += 1
        b = _step_b(a, n, b)
    scheduled = math.ceil(n / (1 - shrink))
    return Staffing(agents=n, scheduled=scheduled, service_level=level,
                    probability_of_waiting=c,
                    average_speed_of_answer=_duration(c * aht * 1_000_000 / (n - a),
                                                      "average_speed_of_answer"),
                    occupancy=a / n)


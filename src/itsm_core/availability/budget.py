"""Error budgets: SLI measurements, budget, consumption, burn rate, time to exhaustion.

An SLI measurement is a count of *good* events out of *eligible* ones: requests for a
request-based SLI, microseconds of agreed service time for a time-based one.  Against a
target ``T`` the error budget is ``(1 - T) × eligible``; what was consumed is the bad
count; the burn rate is the error ratio divided by ``1 - T`` (Google SRE workbook,
chapter 5 "Alerting on SLOs").  Every decision is exact (``Fraction``); the cases where a
ratio has no denominator (no traffic, a 100 % target) have explicit answers.

>>> b = ErrorBudget.of(SliMeasurement.requests(good=999_000, total=1_000_000), "99.95%")
>>> b.allowed, b.consumed, b.remaining, b.status
(Fraction(500, 1), 1000, Fraction(-500, 1), 'violated')
>>> b.burn_rate
Fraction(2, 1)
"""

from __future__ import annotations

import math
from datetime import timedelta
from fractions import Fraction
from typing import Any, Literal

import attrs

from itsm_core._instant import duration_us, td
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, shown
from itsm_core.ratios import format_percent, parse_number, parse_ratio

__all__ = [
    "BudgetStatus",
    "ErrorBudget",
    "SliMeasurement",
    "Unit",
    "burn_rate",
    "exceeds_burn_rate",
    "time_to_exhaustion",
]

Unit = Literal["requests", "microseconds"]
BudgetStatus = Literal["no_data", "healthy", "exhausted", "violated"]


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name}: expected an int >= 0, got {type(value).__name__} {shown(value)}")
    if value < 0:
        raise InvalidArgumentError(f"{name}: {value} is negative; expected an int >= 0")
    return value


@attrs.frozen
class SliMeasurement:
    """Good events out of eligible events, in one unit (requests or microseconds).

    Raises:
        ArgumentTypeError: a count is not an ``int``.
        InvalidArgumentError: a count is negative or ``good > eligible``.

    >>> m = SliMeasurement.requests(good=95, total=100)
    >>> m.bad, m.ratio
    (5, Fraction(19, 20))
    >>> SliMeasurement.requests(good=0, total=0).ratio is None
    True
    """

    good: int = attrs.field()
    eligible: int = attrs.field()
    unit: Unit = attrs.field(default="requests", kw_only=True)

    def __attrs_post_init__(self) -> None:
        _count(self.good, "good")
        _count(self.eligible, "eligible")
        if self.good > self.eligible:
            raise InvalidArgumentError(
                f"good: {self.good} exceeds eligible {self.eligible}; expected good <= eligible"
            )
        if self.unit not in ("requests", "microseconds"):
            raise InvalidArgumentError(
                f"unit: {shown(self.unit)}; expected 'requests' or 'microseconds'"
            )

    @classmethod
    def requests(cls, good: int, total: int) -> SliMeasurement:
        """A request-based measurement: *good* successful requests out of *total*.

        >>> SliMeasurement.requests(good=3, total=4).bad
        1
        """
        return cls(good, total, unit="requests")

    @classmethod
    def time(cls, good_us: int, eligible_us: int) -> SliMeasurement:
        """A time-based measurement: good microseconds out of eligible microseconds.

        >>> SliMeasurement.time(good_us=90, eligible_us=100).ratio
        Fraction(9, 10)
        """
        return cls(good_us, eligible_us, unit="microseconds")

    @property
    def bad(self) -> int:
        """The bad (failed, or down) count: ``eligible - good``.

        >>> SliMeasurement.requests(good=7, total=10).bad
        3
        """
        return self.eligible - self.good

    @property
    def ratio(self) -> Fraction | None:
        """The SLI ``good / eligible``, or ``None`` when nothing was eligible.

        >>> SliMeasurement.time(good_us=1, eligible_us=3).ratio
        Fraction(1, 3)
        """
        return Fraction(self.good, self.eligible) if self.eligible else None

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> SliMeasurement.requests(good=1, total=2).to_dict()
        {'good': 1, 'eligible': 2, 'unit': 'requests'}
        """
        return {"good": self.good, "eligible": self.eligible, "unit": self.unit}


def burn_rate(measurement: SliMeasurement, target: object) -> Fraction | None:
    """The burn rate ``(bad / eligible) / (1 - target)``, exactly.

    ``None`` when it has no value: nothing eligible (no traffic), or a zero budget
    (target 100 %).  Use :func:`exceeds_burn_rate` to decide against a threshold: it has
    an answer in those cases too.

    >>> burn_rate(SliMeasurement.requests(good=986, total=1000), "99.9%")
    Fraction(14, 1)
    >>> burn_rate(SliMeasurement.requests(good=0, total=0), "99.9%") is None
    True
    """
    ratio = parse_ratio(target, "target")
    if not measurement.eligible or ratio == 1:
        return None
    return Fraction(measurement.bad, measurement.eligible) / (1 - ratio)


def exceeds_burn_rate(measurement: SliMeasurement, target: object, threshold: object) -> bool:
    """Whether the burn rate is strictly above *threshold*, decided without division.

    ``bad > threshold × (1 - target) × eligible``: with no eligible events nothing is
    exceeded; with a 100 % target any bad event exceeds every threshold.

    >>> exceeds_burn_rate(SliMeasurement.requests(good=985, total=1000), "99.9%", "14.4")
    True
    >>> exceeds_burn_rate(SliMeasurement.requests(good=0, total=0), "99.9%", 1)
    False
    >>> exceeds_burn_rate(SliMeasurement.requests(good=9, total=10), 1, 1000)
    True
    """
    ratio = parse_ratio(target, "target")
    limit = _threshold(threshold, "threshold")
    return measurement.bad > limit * (1 - ratio) * measurement.eligible


def _threshold(value: object, path: str) -> Fraction:
    """A non-negative exact number (a burn rate), read by the one parser."""
    try:
        number: Fraction | None = parse_number(value, path)
    except ConfigError:
        number = None
    if number is None or number < 0:
        raise InvalidArgumentError(
            f"{path}: {shown(value)}; expected a number >= 0 (int, Fraction, float or decimal string)"
        )
    return number


@attrs.frozen(kw_only=True)
class ErrorBudget:
    """The error budget of one measurement against one target.

    Attributes:
        target: the SLO target.
        measurement: the SLI measurement over the SLO window.

    ``status`` is ``"no_data"`` (nothing eligible), ``"healthy"`` (budget left),
    ``"exhausted"`` (none left, target still met, e.g. a 100 % target with no errors) or
    ``"violated"`` (more consumed than allowed: the target is missed).

    >>> b = ErrorBudget.of(SliMeasurement.requests(good=10, total=10), "100%")
    >>> b.status, b.met, b.fraction_consumed
    ('exhausted', True, None)
    """

    target: Fraction
    measurement: SliMeasurement

    @classmethod
    def of(cls, measurement: SliMeasurement, target: object) -> ErrorBudget:
        """Build from a measurement and a target in any ratio form.

        >>> ErrorBudget.of(SliMeasurement.requests(good=1, total=1), 0.99).target
        Fraction(99, 100)
        """
        return cls(target=parse_ratio(target, "target"), measurement=measurement)

    @property
    def allowed(self) -> Fraction:
        """The budget: ``(1 - target) × eligible``, in the measurement's unit.

        >>> ErrorBudget.of(SliMeasurement.requests(good=0, total=2500), "99.9%").allowed
        Fraction(5, 2)
        """
        return (1 - self.target) * self.measurement.eligible

    @property
    def consumed(self) -> int:
        """The bad count.

        >>> ErrorBudget.of(SliMeasurement.requests(good=8, total=10), "50%").consumed
        2
        """
        return self.measurement.bad

    @property
    def remaining(self) -> Fraction:
        """``allowed - consumed``; negative once the target is missed.

        >>> ErrorBudget.of(SliMeasurement.requests(good=8, total=10), "90%").remaining
        Fraction(-1, 1)
        """
        return self.allowed - self.consumed

    @property
    def fraction_consumed(self) -> Fraction | None:
        """``consumed / allowed``, or ``None`` when the budget is zero.

        >>> ErrorBudget.of(SliMeasurement.requests(good=95, total=100), "90%").fraction_consumed
        Fraction(1, 2)
        """
        allowed = self.allowed
        return self.consumed / allowed if allowed else None

    @property
    def burn_rate(self) -> Fraction | None:
        """The burn rate over the measurement (see :func:`burn_rate`).

        >>> ErrorBudget.of(SliMeasurement.requests(good=98, total=100), "99%").burn_rate
        Fraction(2, 1)
        """
        return burn_rate(self.measurement, self.target)

    @property
    def met(self) -> bool | None:
        """Whether the SLI meets the target (``None`` without data); exact.

        >>> ErrorBudget.of(SliMeasurement.requests(good=999, total=1000), "99.9%").met
        True
        """
        if not self.measurement.eligible:
            return None
        return self.consumed <= self.allowed

    @property
    def status(self) -> BudgetStatus:
        """``"no_data"``, ``"healthy"``, ``"exhausted"`` or ``"violated"``.

        >>> ErrorBudget.of(SliMeasurement.requests(good=0, total=0), "99%").status
        'no_data'
        """
        if not self.measurement.eligible:
            return "no_data"
        remaining = self.remaining
        if remaining > 0:
            return "healthy"
        return "exhausted" if remaining == 0 else "violated"

    def to_dict(self) -> dict[str, Any]:
        """Plain data: exact values as strings, a percentage for display.

        >>> ErrorBudget.of(SliMeasurement.requests(good=95, total=100), "90%").to_dict()["remaining"]
        '5'
        """
        consumed = self.fraction_consumed
        rate = self.burn_rate
        return {
            "target": format_percent(self.target),
            "measurement": self.measurement.to_dict(),
            "allowed": str(self.allowed),
            "consumed": self.consumed,
            "remaining": str(self.remaining),
            "fraction_consumed": None if consumed is None else str(consumed),
            "burn_rate": None if rate is None else str(rate),
            "met": self.met,
            "status": self.status,
        }


def time_to_exhaustion(budget: ErrorBudget, rate: Fraction | None,
                       period: timedelta) -> timedelta | None:
    """How long the remaining budget lasts at burn rate *rate*, for an SLO *period*.

    A burn rate ``b`` spends ``b × t / period`` of the whole budget in time ``t``, so the
    remaining fraction ``r`` lasts ``r × period / b`` (floored to the microsecond).
    ``timedelta(0)`` when nothing remains; ``None`` when not burning (``rate`` is
    ``None`` or ``<= 0``).  Traffic is assumed uniform, as in the SRE workbook; for a
    business-hours SLO the answer is in business time (``calendar.add(as_of, d)``).

    >>> full = ErrorBudget.of(SliMeasurement.requests(good=1000, total=1000), "99.9%")
    >>> time_to_exhaustion(full, Fraction(1000), timedelta(days=30))
    datetime.timedelta(seconds=2592)
    >>> time_to_exhaustion(full, Fraction(0), timedelta(days=30)) is None
    True
    """
    length = duration_us(period, "period")
    remaining = budget.remaining
    if remaining <= 0:
        return timedelta(0)
    if rate is None or rate <= 0:
        return None
    left = remaining / budget.allowed  # allowed > 0 because remaining > 0
    return td(math.floor(left * length / rate))

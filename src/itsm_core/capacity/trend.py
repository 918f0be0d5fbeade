"""Little's law and least-squares linear trends, exactly.

>>> littles_law(arrival_rate=Fraction(1, 60), time_in_system=timedelta(hours=2))
Fraction(120, 1)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from fractions import Fraction

import attrs

from itsm_core._instant import duration_us, from_us, td, to_us
from itsm_core.capacity._common import Number, _duration, _exact_value
from itsm_core.errors import ArgumentTypeError, DomainError, InvalidArgumentError, shown

__all__ = ["LinearTrend", "linear_trend", "littles_law"]


def littles_law(*, items: Number | None = None, arrival_rate: Number | None = None,
                time_in_system: timedelta | None = None) -> Fraction | timedelta:
    """Little's law ``L = λ·W``: give exactly two of *items* (L), *arrival_rate* (λ, per
    second) and *time_in_system* (W); get the third (exact for exact inputs).

    >>> littles_law(arrival_rate=Fraction(1, 60), time_in_system=timedelta(hours=2))
    Fraction(120, 1)
    >>> littles_law(items=120, arrival_rate=Fraction(1, 60))
    datetime.timedelta(seconds=7200)
    """
    given = [x is not None for x in (items, arrival_rate, time_in_system)]
    if sum(given) != 2:
        raise InvalidArgumentError(
            "littles_law: expected exactly two of items, arrival_rate and time_in_system"
        )

    def exact(value: object, name: str) -> Fraction:
        number = _exact_value(value, name)
        if number < 0:
            raise DomainError(f"{name}: {shown(value)}; expected a number >= 0")
        return number

    if time_in_system is None:
        assert items is not None and arrival_rate is not None
        rate = exact(arrival_rate, "arrival_rate")
        if rate == 0:
            raise DomainError("arrival_rate: 0; the time in system is undefined")
        return _duration(exact(items, "items") / rate * 1_000_000, "time_in_system")
    w = Fraction(duration_us(time_in_system, "time_in_system"), 1_000_000)
    if items is None:
        assert arrival_rate is not None
        return exact(arrival_rate, "arrival_rate") * w
    if w == 0:
        raise DomainError("time_in_system: zero; the arrival rate is undefined")
    return exact(items, "items") / w


@attrs.frozen(kw_only=True)
class LinearTrend:
    """A least-squares line ``value = intercept + slope × (t - origin)`` (exact).

    Attributes:
        origin: the first sample's instant; results are given in its time zone.
        intercept: the fitted value at *origin*.
        slope: the change per second.

    >>> from datetime import timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> trend = linear_trend([(t, 10), (t + timedelta(days=1), 20)])
    >>> trend.slope * 86_400
    Fraction(10, 1)
    """

    origin: datetime
    intercept: Fraction
    slope: Fraction
    _origin_us: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_origin_us", to_us(self.origin, "origin"))

    def value_at(self, t: datetime) -> Fraction:
        """The fitted value at *t*.

        >>> from datetime import timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> linear_trend([(t, 0), (t + timedelta(hours=1), 1)]).value_at(t + timedelta(hours=3))
        Fraction(3, 1)
        """
        return self.intercept + self.slope * Fraction(to_us(t, "t") - self._origin_us, 1_000_000)

    def reaches(self, threshold: Number) -> datetime | None:
        """When the line reaches *threshold*; ``None`` when it does not rise.

        >>> from datetime import timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> linear_trend([(t, 50), (t + timedelta(days=1), 60)]).reaches(90).isoformat()
        '2025-01-05T00:00:00+00:00'
        """
        if self.slope <= 0:
            return None
        goal = _exact_value(threshold, "threshold")
        seconds = (goal - self.intercept) / self.slope
        tz = self.origin.tzinfo
        assert tz is not None  # an aware origin: to_us refused naive ones
        return from_us(self._origin_us + math.ceil(seconds * 1_000_000), tz)

    def time_to(self, threshold: Number, as_of: datetime) -> timedelta | None:
        """How long after *as_of* the line reaches *threshold* (zero if it already has);
        ``None`` when the trend does not rise.

        >>> from datetime import timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> linear_trend([(t, 50), (t + timedelta(days=1), 60)]).time_to(90, t)
        datetime.timedelta(days=4)
        """
        when = self.reaches(threshold)
        if when is None:
            return None
        return td(max(0, to_us(when, "reaches") - to_us(as_of, "as_of")))



def linear_trend(points: Iterable[tuple[datetime, Number]]) -> LinearTrend:
    """Fit a least-squares line through ``(aware instant, value)`` points, exactly.

    Raises:
        DomainError: fewer than two distinct instants.
        NaiveDatetimeError, ArgumentTypeError: a malformed point.

    >>> from datetime import timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> linear_trend([(t, 5), (t + timedelta(hours=1), 5)]).reaches(6) is None
    True
    """
    xs: list[int] = []
    ys: list[Fraction] = []
    first: datetime | None = None
    if isinstance(points, (str, bytes)) or not isinstance(points, Iterable):
        raise ArgumentTypeError(f"points: expected an iterable of (aware datetime, number) "
                                f"pairs, got {type(points).__name__}")
    for index, point in enumerate(points):
        if not isinstance(point, tuple) or len(point) != 2:
            raise ArgumentTypeError(f"points[{index}]: expected (aware datetime, number), got {shown(point)}")
        xs.append(to_us(point[0], f"points[{index}][0]"))
        ys.append(_exact_value(point[1], f"points[{index}][1]"))
        if first is None:
            first = point[0]
    if len(set(xs)) < 2:
        raise DomainError("points: fewer than two distinct instants; a trend needs at least two")
    assert first is not None  # two instants were read
    origin = xs[0]
    seconds = [Fraction(x - origin, 1_000_000) for x in xs]
    count = len(xs)
    mean_x = sum(seconds, Fraction(0)) / count
    mean_y = sum(ys, Fraction(0)) / count
    sxx = sum(((x - mean_x) ** 2 for x in seconds), Fraction(0))
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in zip(seconds, ys, strict=True)), Fraction(0))
    slope = sxy / sxx
    return LinearTrend(origin=first, intercept=mean_y - slope * mean_x, slope=slope)

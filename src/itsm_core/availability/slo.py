"""Service level objectives: a target over a window, judged on any SLI source.

An :class:`Slo` is a target over a window (:class:`~itsm_core.availability.RollingWindow`
or :class:`~itsm_core.availability.CalendarWindow`).  Any :class:`SliSource` answers "how
many good out of eligible in ``[start, end)``":
:class:`~itsm_core.availability.RequestSeries` (request-based) and
:class:`~itsm_core.availability.BadTime` (time-based) are the two this package offers.

>>> from datetime import datetime, timedelta, timezone
>>> from itsm_core.availability import RequestSeries
>>> slo = Slo.from_dict({"target": "99.9%", "window": {"rolling": "P30D"}})
>>> t = datetime(2025, 6, 30, tzinfo=timezone.utc)
>>> series = RequestSeries.from_samples([(t - timedelta(days=1), 9_990, 10_000)])
>>> slo.status(series, as_of=t).status
'exhausted'
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction
from typing import Any, Protocol

import attrs

from itsm_core._config import reject_unknown
from itsm_core.availability.budget import ErrorBudget, SliMeasurement
from itsm_core.availability.windows import CalendarWindow, RollingWindow, _read_window
from itsm_core.errors import ConfigError, shown
from itsm_core.ratios import parse_ratio, ratio_text

__all__ = ["SliSource", "Slo"]


class SliSource(Protocol):
    """Anything that measures good out of eligible over a window.

    :class:`RequestSeries` (requests) and :class:`BadTime` (microseconds) are sources, so
    one :class:`Slo` judges either:

    >>> from datetime import timedelta, timezone
    >>> from itsm_core.availability import BadTime, RequestSeries
    >>> slo = Slo.from_dict({"target": "99%", "window": {"calendar": "day", "timezone": "UTC"}})
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> sources = {"requests": RequestSeries.from_samples([(t, 995, 1000)]),
    ...            "time": BadTime.from_pairs([(t, t + timedelta(minutes=36))])}
    >>> {name: slo.status(source, as_of=t + timedelta(hours=12)).status
    ...  for name, source in sources.items()}   # 0.5 % bad requests; 2.5 % of the day down
    {'requests': 'healthy', 'time': 'violated'}
    """

    def measure(self, start: datetime, end: datetime, /,
                as_of: datetime | None = None) -> SliMeasurement:
        """The measurement over ``[start, end)``, counting bad events before *as_of* only."""
        ...


def _target(value: object) -> Fraction:
    return parse_ratio(value, "target")


@attrs.frozen(kw_only=True)
class Slo:
    """A target over a window, with an optional name.

    >>> from datetime import timedelta
    >>> Slo(target="99.5%", window=RollingWindow(timedelta(days=28))).target
    Fraction(199, 200)
    """

    target: Fraction = attrs.field(converter=_target)
    window: RollingWindow | CalendarWindow
    name: str = ""

    def bounds(self, as_of: datetime) -> tuple[datetime, datetime]:
        """The SLO window in force at *as_of*.

        >>> from datetime import timedelta, timezone
        >>> Slo(target=0.99, window=CalendarWindow(unit="day", timezone="UTC")).bounds(
        ...     datetime(2025, 1, 1, 12, tzinfo=timezone.utc))[0].isoformat()
        '2025-01-01T00:00:00+00:00'
        """
        return self.window.bounds(as_of)

    def status(self, source: SliSource, as_of: datetime) -> ErrorBudget:
        """The error budget of the window in force at *as_of* (events before *as_of*).

        >>> from datetime import timedelta, timezone
        >>> t = datetime(2025, 1, 31, tzinfo=timezone.utc)
        >>> from itsm_core.availability import BadTime
        >>> slo = Slo(target="99%", window=CalendarWindow(unit="month", timezone="UTC"))
        >>> slo.status(BadTime.from_pairs([]), as_of=t).fraction_consumed
        Fraction(0, 1)
        """
        start, end = self.bounds(as_of)
        return ErrorBudget(target=self.target, measurement=source.measure(start, end, as_of))

    @classmethod
    def from_dict(cls, data: object) -> Slo:
        """Read ``{"target": "99.9%", "window": {...}, "name": "..."}``.

        >>> Slo.from_dict({"target": 0.999, "window": {"rolling": "P28D"}}).window.length.days
        28
        """
        path = "slo"
        if not isinstance(data, Mapping):
            raise ConfigError(path, f"expected a mapping, got {shown(data)}",
                              "{'target': '99.9%', 'window': {'rolling': 'P30D'}}")
        reject_unknown(data, ("target", "window", "name"), path,
                       "keys 'target', 'window' and optionally 'name'")
        for key in ("target", "window"):
            if key not in data:
                raise ConfigError(f"{path}.{key}", "missing", "a target and a window")
        name = data.get("name", "")
        if not isinstance(name, str):
            raise ConfigError(f"{path}.name", f"expected a string, got {shown(name)}")
        return cls(target=parse_ratio(data["target"], f"{path}.target"),
                   window=_read_window(data["window"], f"{path}.window"), name=name)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back.

        >>> from datetime import timedelta
        >>> Slo(target="99.9%", window=RollingWindow(timedelta(days=30))).to_dict()
        {'target': '99.9%', 'window': {'rolling': 'P30D'}, 'name': ''}
        """
        return {"target": ratio_text(self.target), "window": self.window.to_dict(),
                "name": self.name}

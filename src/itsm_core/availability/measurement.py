"""The result of measuring availability: figures and the intervals that produced them.

>>> from datetime import datetime, timezone
>>> from itsm_core.availability import Outage, measure
>>> def t(h): return datetime(2025, 1, 1, h, tzinfo=timezone.utc)
>>> m = measure([Outage(t(1), t(3)), Outage(t(2), t(4))], t(0), t(10))
>>> m.availability, m.failures, m.downtime
(Fraction(7, 10), 1, datetime.timedelta(seconds=10800))
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._instant import format_duration, from_us, td
from itsm_core.intervals import IntervalSet

__all__ = ["Measurement"]


def _round_us(value: Fraction) -> timedelta:
    return td(round(value))


@attrs.frozen(kw_only=True)
class Measurement:
    r"""The result of :func:`measure`: figures and the intervals that produced them.

    The availability is an exact ``Fraction``; agreed time is exact (whole microseconds);
    weighted downtime and the means derived from it are exact inside and round to the
    nearest microsecond (half to even) as ``timedelta``\ s.  The intervals that produced
    the figures are part of the result (:attr:`intervals`, :attr:`planned_intervals`,
    :attr:`agreed_intervals`), so every figure can be checked by hand.

    Attributes:
        start: the window start.
        end: the window end actually measured (cut at ``as_of`` when earlier).
        tz: the zone instants are shown in (the calendar's, else *start*'s).
        planned: the planned-maintenance rule used.
        provisional: an open outage was clipped at ``as_of``, or the window was cut there.
        failures: the number of service breaks that contributed downtime.

    >>> from datetime import datetime, timezone
    >>> from itsm_core.availability import Outage, measure
    >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> m = measure([], t0, t0 + timedelta(days=1))
    >>> m.availability, m.mtbf, m.agreed_time
    (Fraction(1, 1), None, datetime.timedelta(days=1))
    """

    start: datetime
    end: datetime
    tz: tzinfo
    planned: str
    provisional: bool
    failures: int
    # the integer truth behind the figures (microseconds), private
    _agreed: IntervalSet
    _maintenance: IntervalSet
    _downtime_us: Fraction
    _pieces: tuple[tuple[int, int, Fraction], ...]

    @property
    def _agreed_us(self) -> int:
        return self._agreed.measure()

    @property
    def _uptime_us(self) -> Fraction:
        return self._agreed_us - self._downtime_us

    @property
    def intervals(self) -> tuple[tuple[datetime, datetime, Fraction], ...]:
        """The counted downtime ``(start, end, impact)``, sorted, in :attr:`tz`: the
        outages after merging (the largest impact wins at each instant) and clipping to
        agreed service time.  ``sum((end - start) × impact)`` is the downtime.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.availability import Outage, measure
        >>> def t(h): return datetime(2025, 1, 1, h, tzinfo=timezone.utc)
        >>> m = measure([Outage(t(1), t(3)), Outage(t(2), t(4), kind="degraded", impact="50%")],
        ...             t(0), t(10))
        >>> [(s.hour, e.hour, str(w)) for s, e, w in m.intervals]
        [(1, 3, '1'), (3, 4, '1/2')]
        """
        tz = self.tz
        return tuple((from_us(s, tz), from_us(e, tz), w) for s, e, w in self._pieces)

    @property
    def planned_intervals(self) -> tuple[tuple[datetime, datetime], ...]:
        """Planned maintenance inside the calendar's open time, merged, in :attr:`tz`.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.availability import Outage, measure
        >>> def t(h): return datetime(2025, 1, 1, h, tzinfo=timezone.utc)
        >>> m = measure([Outage(t(1), t(3), kind="planned")], t(2), t(10))
        >>> [(s.hour, e.hour) for s, e in m.planned_intervals]
        [(2, 3)]
        """
        return tuple(self._maintenance.to_datetimes(self.tz))

    @property
    def agreed_intervals(self) -> tuple[tuple[datetime, datetime], ...]:
        """The agreed service time measured against, in :attr:`tz` (the calendar's open
        time in the window, less planned maintenance when ``planned="exclude"``).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.availability import Outage, measure
        >>> def t(h): return datetime(2025, 1, 1, h, tzinfo=timezone.utc)
        >>> m = measure([Outage(t(4), t(6), kind="planned")], t(0), t(10))
        >>> [(s.hour, e.hour) for s, e in m.agreed_intervals]
        [(0, 4), (6, 10)]
        """
        return tuple(self._agreed.to_datetimes(self.tz))

    @property
    def uptime(self) -> timedelta:
        """Agreed service time minus downtime, rounded to the microsecond for display.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.availability import Outage, measure
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> measure([Outage(t0, t0 + timedelta(seconds=1))], t0, t0 + timedelta(seconds=4)).uptime
        datetime.timedelta(seconds=3)
        """
        return _round_us(self._uptime_us)

    @property
    def agreed_time(self) -> timedelta:
        """Agreed service time as a ``timedelta`` (exact: whole microseconds).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.availability import Outage, measure
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> measure([], t0, t0 + timedelta(hours=2)).agreed_time
        datetime.timedelta(seconds=7200)
        """
        return td(self._agreed_us)

    @property
    def downtime(self) -> timedelta:
        """Weighted downtime, rounded to the microsecond for display.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.availability import Outage, measure
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> o = Outage(t0, t0 + timedelta(hours=1), kind="degraded", impact="50%")
        >>> measure([o], t0, t0 + timedelta(hours=2)).downtime
        datetime.timedelta(seconds=1800)
        """
        return _round_us(self._downtime_us)

    @property
    def availability(self) -> Fraction | None:
        """``(agreed - downtime) / agreed`` exactly; ``None`` when agreed time is zero.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.availability import Outage, measure
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> print(measure([], t0, t0).availability)
        None
        """
        agreed = self._agreed_us
        return None if agreed == 0 else self._uptime_us / agreed

    @property
    def mtrs(self) -> timedelta | None:
        """Mean time to restore service: downtime / failures (``None`` without failures).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.availability import Outage, measure
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> o = [Outage(t0, t0 + timedelta(hours=1)), Outage(t0 + timedelta(hours=5),
        ...      t0 + timedelta(hours=8))]
        >>> measure(o, t0, t0 + timedelta(hours=10)).mtrs
        datetime.timedelta(seconds=7200)
        """
        return None if not self.failures else _round_us(self._downtime_us / self.failures)

    @property
    def mtbf(self) -> timedelta | None:
        """Mean time between failures: uptime / failures (``None`` without failures).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.availability import Outage, measure
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> o = [Outage(t0, t0 + timedelta(hours=1)), Outage(t0 + timedelta(hours=5),
        ...      t0 + timedelta(hours=8))]
        >>> measure(o, t0, t0 + timedelta(hours=10)).mtbf
        datetime.timedelta(seconds=10800)
        """
        return None if not self.failures else _round_us(self._uptime_us / self.failures)

    @property
    def mtbsi(self) -> timedelta | None:
        """Mean time between service incidents: agreed time / failures (= MTBF + MTRS).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.availability import Outage, measure
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> o = [Outage(t0, t0 + timedelta(hours=1)), Outage(t0 + timedelta(hours=5),
        ...      t0 + timedelta(hours=8))]
        >>> measure(o, t0, t0 + timedelta(hours=10)).mtbsi
        datetime.timedelta(seconds=18000)
        """
        return None if not self.failures else _round_us(Fraction(self._agreed_us,
                                                                 self.failures))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for reports: ISO instants and durations, exact ratios as strings.

        ``availability_display`` is a float, for display only.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.availability import Outage, measure
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> d = measure([Outage(t0, t0 + timedelta(hours=1))], t0, t0 + timedelta(hours=4)).to_dict()
        >>> d["availability"], d["downtime"], d["intervals"]
        ('3/4', 'PT1H', [{'start': '2025-01-01T00:00:00+00:00', 'end': '2025-01-01T01:00:00+00:00', 'impact': '1'}])
        """
        availability = self.availability

        def duration(value: timedelta | None) -> str | None:
            return None if value is None else format_duration(value)

        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "planned": self.planned,
            "provisional": self.provisional,
            "agreed_time": format_duration(self.agreed_time),
            "downtime": format_duration(self.downtime),
            "downtime_us": str(self._downtime_us),
            "availability": None if availability is None else str(availability),
            "availability_display": None if availability is None else float(availability),
            "failures": self.failures,
            "mtbf": duration(self.mtbf),
            "mtrs": duration(self.mtrs),
            "mtbsi": duration(self.mtbsi),
            "intervals": [{"start": from_us(s, self.tz).isoformat(),
                           "end": from_us(e, self.tz).isoformat(), "impact": str(w)}
                          for s, e, w in self._pieces],
            "planned_intervals": [{"start": s.isoformat(), "end": e.isoformat()}
                                  for s, e in self.planned_intervals],
        }

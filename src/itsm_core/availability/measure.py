"""Availability over agreed service time, as ITIL measures it, exactly.

:func:`measure` takes outage records and a window and answers with a
:class:`Measurement`: the agreed service time (a calendar's open time in the window, 24×7
by default, less planned maintenance), the downtime (overlapping outages merged, partial
outages weighted by impact, the largest impact winning at each instant), the availability
as a ``Fraction``, the number of failures, MTBF, MTRS and MTBSI, and the merged, clipped
intervals that were counted.

>>> from datetime import datetime, timezone
>>> def t(h): return datetime(2025, 1, 1, h, tzinfo=timezone.utc)
>>> m = measure([Outage(t(1), t(3)), Outage(t(2), t(4))], t(0), t(10))
>>> m.availability, m.failures, m.downtime
(Fraction(7, 10), 1, datetime.timedelta(seconds=10800))
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from fractions import Fraction
from itertools import pairwise
from typing import Any, Literal, Protocol

import attrs

from itsm_core._instant import format_duration, from_us, td, to_us
from itsm_core.availability.outage import Outage, OutageKind
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError
from itsm_core.intervals import IntervalSet

__all__ = ["AgreedTimeCalendar", "Measurement", "measure"]

PlannedMode = Literal["exclude", "count_as_up"]
_PLANNED_MODES = ("exclude", "count_as_up")
_LAYER_LIMIT = 16  # distinct impact levels above which the heap sweep is cheaper


class AgreedTimeCalendar(Protocol):
    """What :func:`measure` needs from a calendar: its zone and its open time.

    ``itsm_core.BusinessCalendar`` and its composites satisfy this protocol.

    >>> from datetime import timezone
    >>> class Always:
    ...     timezone = timezone.utc
    ...     def open_set(self, a_us, b_us): return IntervalSet.from_pairs([(a_us, b_us)])
    >>> isinstance(Always().open_set(0, 5), IntervalSet)
    True
    """

    @property
    def timezone(self) -> tzinfo:
        """The zone results are shown in."""

    def open_set(self, a_us: int, b_us: int) -> IntervalSet:
        """The open time clipped to ``[a_us, b_us)``."""


def _round_us(value: Fraction) -> timedelta:
    return td(round(value))


@attrs.frozen(kw_only=True)
class Measurement:
    """The result of :func:`measure`: figures and the intervals that produced them.

    Exact figures are integer or ``Fraction`` microseconds; the ``timedelta``
    properties round to the nearest microsecond (half to even) for display.

    Attributes:
        start: the window start.
        end: the window end actually measured (cut at ``as_of`` when earlier).
        tz: the zone instants are shown in (the calendar's, else *start*'s).
        planned: the planned-maintenance rule used.
        provisional: an open outage was clipped at ``as_of``, or the window was cut there.
        agreed: the agreed service time as an :class:`IntervalSet` (microseconds).
        planned_intervals: planned maintenance inside the calendar's open time.
        downtime_us: weighted downtime, exact ``Fraction`` microseconds.
        failures: the number of service breaks that contributed downtime.
        intervals: the counted downtime pieces ``(start_us, end_us, impact)``, sorted,
            after merging and clipping to agreed service time.

    >>> from datetime import datetime, timezone
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
    agreed: IntervalSet
    planned_intervals: IntervalSet
    downtime_us: Fraction
    failures: int
    intervals: tuple[tuple[int, int, Fraction], ...]

    @property
    def agreed_us(self) -> int:
        """Agreed service time in integer microseconds.

        >>> from datetime import datetime, timezone
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> measure([], t0, t0 + timedelta(seconds=1)).agreed_us
        1000000
        """
        return self.agreed.measure()

    @property
    def uptime_us(self) -> Fraction:
        """Agreed service time minus downtime, exact microseconds.

        >>> from datetime import datetime, timezone
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> measure([Outage(t0, t0 + timedelta(seconds=1))], t0, t0 + timedelta(seconds=4)).uptime_us
        Fraction(3000000, 1)
        """
        return self.agreed_us - self.downtime_us

    @property
    def agreed_time(self) -> timedelta:
        """Agreed service time as a ``timedelta`` (exact: whole microseconds).

        >>> from datetime import datetime, timezone
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> measure([], t0, t0 + timedelta(hours=2)).agreed_time
        datetime.timedelta(seconds=7200)
        """
        return td(self.agreed_us)

    @property
    def downtime(self) -> timedelta:
        """Weighted downtime, rounded to the microsecond for display.

        >>> from datetime import datetime, timezone
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> o = Outage(t0, t0 + timedelta(hours=1), kind="degraded", impact="50%")
        >>> measure([o], t0, t0 + timedelta(hours=2)).downtime
        datetime.timedelta(seconds=1800)
        """
        return _round_us(self.downtime_us)

    @property
    def availability(self) -> Fraction | None:
        """``(agreed - downtime) / agreed`` exactly; ``None`` when agreed time is zero.

        >>> from datetime import datetime, timezone
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> print(measure([], t0, t0).availability)
        None
        """
        agreed = self.agreed_us
        return None if agreed == 0 else self.uptime_us / agreed

    @property
    def mtrs(self) -> timedelta | None:
        """Mean time to restore service: downtime / failures (``None`` without failures).

        >>> from datetime import datetime, timezone
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> o = [Outage(t0, t0 + timedelta(hours=1)), Outage(t0 + timedelta(hours=5),
        ...      t0 + timedelta(hours=8))]
        >>> measure(o, t0, t0 + timedelta(hours=10)).mtrs
        datetime.timedelta(seconds=7200)
        """
        return None if not self.failures else _round_us(self.downtime_us / self.failures)

    @property
    def mtbf(self) -> timedelta | None:
        """Mean time between failures: uptime / failures (``None`` without failures).

        >>> from datetime import datetime, timezone
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> o = [Outage(t0, t0 + timedelta(hours=1)), Outage(t0 + timedelta(hours=5),
        ...      t0 + timedelta(hours=8))]
        >>> measure(o, t0, t0 + timedelta(hours=10)).mtbf
        datetime.timedelta(seconds=10800)
        """
        return None if not self.failures else _round_us(self.uptime_us / self.failures)

    @property
    def mtbsi(self) -> timedelta | None:
        """Mean time between service incidents: agreed time / failures (= MTBF + MTRS).

        >>> from datetime import datetime, timezone
        >>> t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> o = [Outage(t0, t0 + timedelta(hours=1)), Outage(t0 + timedelta(hours=5),
        ...      t0 + timedelta(hours=8))]
        >>> measure(o, t0, t0 + timedelta(hours=10)).mtbsi
        datetime.timedelta(seconds=18000)
        """
        return None if not self.failures else _round_us(Fraction(self.agreed_us,
                                                                 self.failures))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for reports: ISO instants and durations, exact ratios as strings.

        ``availability_display`` is a float, for display only.

        >>> from datetime import datetime, timezone
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
            "downtime_us": str(self.downtime_us),
            "availability": None if availability is None else str(availability),
            "availability_display": None if availability is None else float(availability),
            "failures": self.failures,
            "mtbf": duration(self.mtbf),
            "mtrs": duration(self.mtrs),
            "mtbsi": duration(self.mtbsi),
            "intervals": [{"start": from_us(s, self.tz).isoformat(),
                           "end": from_us(e, self.tz).isoformat(), "impact": str(w)}
                          for s, e, w in self.intervals],
            "planned_intervals": [{"start": s.isoformat(), "end": e.isoformat()}
                                  for s, e in self.planned_intervals.to_datetimes(self.tz)],
        }


def _level_sets(levels: dict[Fraction, list[tuple[int, int]]]) -> list[tuple[Fraction,
                                                                              IntervalSet]]:
    """Where each impact level is the largest active one: disjoint sets, largest first."""
    weights = sorted(levels, reverse=True)
    if len(weights) <= _LAYER_LIMIT:
        # Layer cake: U_i = union of outages with impact >= w_i; exactly w_i on U_i - U_{i-1}.
        out = []
        covered = IntervalSet.empty()
        for weight in weights:
            union = covered | IntervalSet.from_pairs(levels[weight])
            out.append((weight, union - covered))
            covered = union
        return out
    # Many distinct impacts: one sweep over the boundaries with a max-heap of active ones.
    items = sorted((s, e, w) for w, pairs in levels.items() for s, e in pairs)
    bounds = sorted({b for s, e, _ in items for b in (s, e)})
    pieces: dict[Fraction, list[tuple[int, int]]] = {w: [] for w in weights}
    heap: list[tuple[Fraction, int]] = []
    nxt = 0
    for left, right in pairwise(bounds):
        while nxt < len(items) and items[nxt][0] <= left:
            heapq.heappush(heap, (-items[nxt][2], items[nxt][1]))
            nxt += 1
        while heap and heap[0][1] <= left:
            heapq.heappop(heap)
        if heap:
            pieces[-heap[0][0]].append((left, right))
    return [(w, IntervalSet.from_pairs(pieces[w])) for w in weights]


def _count_failures(breaks: IntervalSet, counted: IntervalSet) -> int:
    """How many maximal outage periods (components of *breaks*) overlap *counted*."""
    b, c = breaks.bounds, counted.bounds
    failures = 0
    j = 0
    for i in range(0, len(b), 2):
        start, end = b[i], b[i + 1]
        while j < len(c) and c[j + 1] <= start:
            j += 2
        if j < len(c) and c[j] < end:
            failures += 1
    return failures


def measure(outages: Iterable[Outage], start: datetime, end: datetime,
            calendar: AgreedTimeCalendar | None = None, *, planned: PlannedMode = "exclude",
            as_of: datetime | None = None, service: str | None = None) -> Measurement:
    """Measure availability over the agreed service time in ``[start, end)``.

    Args:
        outages: :class:`Outage` records, in any order, overlapping or not.
        start: aware start of the window.
        end: aware end of the window (exclusive).
        calendar: the agreed service hours; ``None`` means 24×7.  The remaining
            arguments are keyword-only.
        planned: ``"exclude"`` removes planned maintenance from the agreed time;
            ``"count_as_up"`` keeps it agreed and counts it as up.  Either way an instant
            inside planned maintenance is never downtime.
        as_of: the instant of measurement.  Required when an outage is still open
            (``end=None``); such outages end at *as_of*.  A window reaching past *as_of*
            is cut there.  Either makes the result ``provisional``.
        service: when given, only outages of this service count.

    Returns:
        A :class:`Measurement`.

    Raises:
        NaiveDatetimeError: a naive *start*, *end* or *as_of*.
        InvalidArgumentError: *end* before *start*, a bad *planned* mode, or an open
            outage without *as_of*.
        ArgumentTypeError: an element of *outages* is not an :class:`Outage`.

    >>> from datetime import datetime, timezone
    >>> def t(h): return datetime(2025, 1, 1, h, tzinfo=timezone.utc)
    >>> maint = Outage(t(0), t(2), kind="planned")
    >>> measure([maint, Outage(t(1), t(3))], t(0), t(10)).availability
    Fraction(7, 8)
    >>> measure([maint, Outage(t(1), t(3))], t(0), t(10), planned="count_as_up").availability
    Fraction(9, 10)
    >>> m = measure([Outage(t(8))], t(0), t(12), as_of=t(9))
    >>> m.availability, m.provisional, m.end.hour
    (Fraction(8, 9), True, 9)
    """
    if planned not in _PLANNED_MODES:
        raise InvalidArgumentError(
            f"planned: unknown mode {planned!r}; expected 'exclude' or 'count_as_up'")
    window_start = to_us(start, "start")
    window_end = to_us(end, "end")
    if window_end < window_start:
        raise InvalidArgumentError(f"end: {end} is before start {start}; expected end >= start")
    as_of_us = None if as_of is None else to_us(as_of, "as_of")
    provisional = False
    if as_of_us is not None and as_of_us < window_end:
        window_end = max(window_start, as_of_us)
        provisional = True
    tz = calendar.timezone if calendar is not None else start.tzinfo
    assert tz is not None  # to_us refused naive starts

    planned_kind = OutageKind.PLANNED
    planned_pairs: list[tuple[int, int]] = []
    levels: dict[Fraction, list[tuple[int, int]]] = {}
    for index, outage in enumerate(outages):
        if not isinstance(outage, Outage):
            raise ArgumentTypeError(
                f"outages[{index}]: expected an Outage, got {type(outage).__name__}")
        if service is not None and outage.service != service:
            continue
        lo = outage.start_us
        hi = outage.end_us
        if hi is None:
            if as_of_us is None:
                raise InvalidArgumentError(
                    f"outages[{index}]: outage since {outage.start} is still open (end=None); "
                    "expected as_of=<aware datetime> to clip it at")
            hi = max(lo, as_of_us)
            if lo < window_end:
                provisional = True
        lo = max(lo, window_start)
        hi = min(hi, window_end)
        if lo >= hi:
            continue
        if outage.kind is planned_kind:
            planned_pairs.append((lo, hi))
        elif outage.impact:
            levels.setdefault(outage.impact, []).append((lo, hi))

    if calendar is None:
        open_time = IntervalSet.from_pairs([(window_start, window_end)])
    else:
        open_time = calendar.open_set(window_start, window_end)
    maintenance = IntervalSet.from_pairs(planned_pairs) & open_time
    downable = open_time - maintenance
    agreed = downable if planned == "exclude" else open_time

    downtime = Fraction(0)
    pieces: list[tuple[int, int, Fraction]] = []
    breaks = IntervalSet.empty()
    counted_all = IntervalSet.empty()
    for weight, where in _level_sets(levels):
        counted = where & downable
        downtime += weight * counted.measure()
        pieces.extend((s, e, weight) for s, e in counted.pairs())
        breaks |= where
        counted_all |= counted
    if len(levels) > 1:
        pieces.sort()
    return Measurement(
        start=from_us(window_start, tz), end=from_us(window_end, tz), tz=tz, planned=planned,
        provisional=provisional, agreed=agreed, planned_intervals=maintenance,
        downtime_us=downtime, failures=_count_failures(breaks, counted_all),
        intervals=tuple(pieces))

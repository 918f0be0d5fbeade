"""Availability over agreed service time, as ITIL measures it, exactly.

:func:`measure` takes outage records and a window and answers with a
:class:`~itsm_core.availability.Measurement`: the agreed service time (a calendar's open
time in the window, 24×7 by default, less planned maintenance), the downtime (overlapping
outages merged, partial outages weighted by impact, the largest impact winning at each
instant), the availability as a ``Fraction``, the number of failures, MTBF, MTRS and
MTBSI, and the merged, clipped intervals that were counted.

>>> from datetime import datetime, timezone
>>> def t(h): return datetime(2025, 1, 1, h, tzinfo=timezone.utc)
>>> m = measure([Outage(t(1), t(3)), Outage(t(2), t(4))], t(0), t(10))
>>> m.availability, m.failures, m.downtime
(Fraction(7, 10), 1, datetime.timedelta(seconds=10800))
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime
from fractions import Fraction
from functools import partial
from itertools import compress, pairwise, repeat
from operator import add, and_, attrgetter, eq, lt
from typing import Literal, cast

from itsm_core._args import items_of
from itsm_core._instant import from_us, to_us
from itsm_core.availability.agreed import AgreedTimeCalendar, _open_set
from itsm_core.availability.measurement import Measurement
from itsm_core.availability.outage import Outage
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown
from itsm_core.intervals import IntervalSet

__all__ = ["measure"]

PlannedMode = Literal["exclude", "count_as_up"]
_PLANNED_MODES = ("exclude", "count_as_up")
_LAYER_LIMIT = 16  # distinct impact levels above which the heap sweep is cheaper
_START = attrgetter("_start_us")
_END = attrgetter("_end_us")
_CLASS = attrgetter("_weight_class")
_IMPACT = attrgetter("impact")


Levels = dict[Fraction, tuple[list[int], list[int]]]  # impact -> (starts, ends)


def _where_largest(levels: Levels) -> dict[Fraction, IntervalSet]:
    """For many distinct impacts: where each is the largest active one (one heap sweep)."""
    items = sorted((s, e, w) for w, (ss, es) in levels.items()
                   for s, e in zip(ss, es, strict=True))
    bounds = sorted({b for s, e, _ in items for b in (s, e)})
    pieces: dict[Fraction, list[tuple[int, int]]] = {w: [] for w in levels}
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
    return {w: IntervalSet.from_pairs(p) for w, p in pieces.items()}


def _level_sets(levels: Levels, downable: IntervalSet
                ) -> tuple[list[tuple[Fraction, IntervalSet]], IntervalSet, IntervalSet]:
    """Counted downtime per impact level (largest impact wins at each instant).

    Returns ``[(impact, counted set), ...]`` largest impact first, the union of all
    breaks, and the union of all counted sets.
    """
    weights = sorted(levels, reverse=True)
    out: list[tuple[Fraction, IntervalSet]] = []
    if len(weights) <= _LAYER_LIMIT:
        # Layer cake: U_i = union of outages with impact >= w_i; exactly w_i on U_i - U_{i-1}.
        union = counted = IntervalSet.empty()
        for weight in weights:
            # the previous union's few sorted intervals stand in for its raw records
            starts = [*union.bounds[::2], *levels[weight][0]]
            ends = [*union.bounds[1::2], *levels[weight][1]]
            union = IntervalSet.union_of(starts, ends)
            cumulative = union & downable
            out.append((weight, cumulative - counted if counted else cumulative))
            counted = cumulative
        return out, union, counted
    where = _where_largest(levels)
    union = IntervalSet.union_of([s for ss, _ in levels.values() for s in ss],
                   [e for _, es in levels.values() for e in es])
    for weight in weights:
        out.append((weight, where[weight] & downable))
    return out, union, union & downable


def _count_failures(breaks: IntervalSet, counted: IntervalSet) -> int:
    """How many maximal outage periods (components of *breaks*) overlap *counted*."""
    # every counted piece lies inside one component; count the distinct components
    return len(set(map(partial(bisect_right, breaks.bounds), counted.bounds[::2])))


def measure(  # noqa: PLR0917 - planned and as_of are positional too
    outages: Iterable[Outage], start: datetime, end: datetime,
    calendar: AgreedTimeCalendar | None = None, planned: PlannedMode = "exclude",
    as_of: datetime | None = None, *, service: str | None = None,
) -> Measurement:
    """Measure availability over the agreed service time in ``[start, end)``.

    Args:
        outages: :class:`Outage` records, in any order, overlapping or not.
        start: aware start of the window.
        end: aware end of the window (exclusive).
        calendar: the agreed service hours; ``None`` means 24×7.
        planned: ``"exclude"`` removes planned maintenance from the agreed time;
            ``"count_as_up"`` keeps it agreed and counts it as up.  Either way an instant
            inside planned maintenance is never downtime.
        as_of: the instant of measurement.  Required when an outage is still open
            (``end=None``); such outages end at *as_of*.  A window reaching past *as_of*
            is cut there.  Either makes the result ``provisional``.
        service: when given, only outages of this service count (keyword-only).

    Returns:
        A :class:`~itsm_core.availability.Measurement`.

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
            f"planned: unknown mode {shown(planned)}; expected 'exclude' or 'count_as_up'")
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

    items = outages if isinstance(outages, tuple) else items_of(outages, "outages", "Outage values")
    if not all(map(isinstance, items, repeat(Outage))):
        index, bad = next((i, o) for i, o in enumerate(items) if not isinstance(o, Outage))
        raise ArgumentTypeError(f"outages[{index}]: expected an Outage, got {type(bad).__name__}")
    if service is not None:
        items = [o for o in items if o.service == service]
    # `+ 0` copies each instant into a fresh int, allocated one after another: the sorts
    # and passes below then read memory in order, not the records' scattered fields
    starts: list[int] = list(map(add, map(_START, items), repeat(0)))
    try:
        ends: list[int] | None = list(map(add, map(_END, items), repeat(0)))
    except TypeError:  # an open outage (end=None): it ends at as_of
        ends = None
    if ends is None:
        open_ends: list[int | None] = list(map(_END, items))
        for index, outage in enumerate(items):
            if outage._end_us is None:
                if as_of_us is None:
                    raise InvalidArgumentError(
                        f"outages[{index}]: outage since {outage.start} is still open "
                        "(end=None); expected as_of=<aware datetime> to clip it at")
                open_ends[index] = max(outage._start_us, as_of_us)
                provisional = provisional or outage._start_us < window_end
        ends = cast("list[int]", open_ends)
    classes = list(map(_CLASS, items))
    # clip to the window; the common case (nothing sticks out) costs one C-speed min/max
    if min(starts, default=window_start) < window_start:
        starts = list(map(max, starts, repeat(window_start)))
    if max(ends, default=window_end) > window_end:
        ends = list(map(min, ends, repeat(window_end)))
    nonempty = list(map(lt, starts, ends))

    def select(weight_class: int) -> tuple[list[int], list[int], list[bool]]:
        """The clipped non-empty records of one class (the input lists when that is all)."""
        if weight_class not in classes:
            return [], [], []
        keep = list(map(and_, nonempty, map(eq, classes, repeat(weight_class))))
        if all(keep):
            return starts, ends, keep
        return list(compress(starts, keep)), list(compress(ends, keep)), keep

    planned_starts, planned_ends, _ = select(0)
    levels: Levels = {}
    full_starts, full_ends, _ = select(1)
    if full_starts:
        levels[Fraction(1)] = (full_starts, full_ends)
    partial_starts, partial_ends, keep = select(2)
    if partial_starts:
        # grouped by (numerator, denominator): hashing a Fraction costs a Python call
        by_ratio: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
        for impact, lo, hi in zip(map(_IMPACT, compress(items, keep)), partial_starts,
                                  partial_ends, strict=True):
            level = by_ratio.get((impact.numerator, impact.denominator))
            if level is None:
                level = by_ratio[impact.numerator, impact.denominator] = levels[impact] = [], []
            level[0].append(lo)
            level[1].append(hi)

    open_time = _open_set(calendar, window_start, window_end)
    maintenance = IntervalSet.union_of(planned_starts, planned_ends) & open_time
    downable = open_time - maintenance
    agreed = downable if planned == "exclude" else open_time

    downtime = Fraction(0)
    pieces: list[tuple[int, int, Fraction]] = []
    per_level, breaks, counted_all = _level_sets(levels, downable)
    for weight, counted in per_level:
        downtime += weight * counted.measure()
        pieces.extend(zip(counted.bounds[::2], counted.bounds[1::2], repeat(weight)))
    if len(per_level) > 1:
        pieces.sort()
    return Measurement(
        start=from_us(window_start, tz), end=from_us(window_end, tz), tz=tz, planned=planned,
        provisional=provisional, failures=_count_failures(breaks, counted_all), agreed=agreed,
        maintenance=maintenance, downtime_us=downtime, pieces=tuple(pieces))

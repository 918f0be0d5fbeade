"""The compiled timeline: open intervals as integers, a chunk at a time, with prefix sums.

A calendar's open time is compiled lazily in fixed-size chunks of UTC time (2**45 µs, about
407 days).  Each chunk holds the flat sorted bounds ``(s0, e0, s1, e1, ...)`` of the open
intervals clipped to the chunk, and the prefix sums of their lengths.  Every query is then one
or two ``bisect`` calls inside a chunk, plus a short hop to a neighbouring chunk when a
result lies beyond it; no query walks day by day.  Searches give up with
:class:`~itsm_core.errors.NoBusinessTimeError` after the search horizon, and no query covers
more than :data:`MAX_SPAN_CHUNKS` chunks (about 570 years), so every answer costs bounded work.
Open time is compiled over every instant ``datetime`` can represent (years 1 to 9999).

The cache is the only mutable state in a calendar; it is invisible (a chunk, once built, never
changes), guarded by a lock while built, and not pickled.

>>> tl = Timeline(lambda lo, hi: [(lo + 10, lo + 20)], horizon_us=2**46)
>>> tl.elapsed(0, 15), tl.add(0, 7), tl.next_open(0), tl.next_close(12)
(5, 17, 10, 20)
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from datetime import date

from itsm_core._instant import format_duration, td
from itsm_core.calendar.chunk import (
    CHUNK_SHIFT,
    CHUNK_US,
    FIRST_US,
    LAST_US,
    MAX_SPAN_CHUNKS,
    Chunk,
    _check_span,
    _edge_error,
)
from itsm_core.errors import NoBusinessTimeError
from itsm_core.intervals import IntervalSet

__all__ = ["CHUNK_SHIFT", "CHUNK_US", "MAX_SPAN_CHUNKS", "Chunk", "Timeline"]

Compiler = Callable[[int, int], Iterable[tuple[int, int]]]


class Timeline:
    """Integer-microsecond queries over the open set produced by *compiler*.

    *compiler(lo, hi)* returns the open intervals meeting ``[lo, hi)`` (extra ones outside
    are clipped away).  *horizon_us* bounds every search for open time or a closing time.

    >>> tl = Timeline(lambda lo, hi: [], horizon_us=CHUNK_US)
    >>> tl.next_open(0)
    Traceback (most recent call last):
    ...
    itsm_core.errors.NoBusinessTimeError: no open business time within the search horizon P407DT5H26M12.088832S after the given instant; widen the calendar's hours or its "horizon"
    """

    __slots__ = ("_chunks", "_compiler", "_day_spans", "_day_steps", "_horizon_chunks",
                 "_horizon_us", "_lock")

    def __init__(self, compiler: Compiler, horizon_us: int) -> None:
        self._compiler = compiler
        self._chunks: dict[int, Chunk] = {}
        # local dates' spans and neighbouring business days, filled by calendar.days as
        # business days are asked about (like the chunks: proportional to the dates queried,
        # never to the number of calls)
        self._day_spans: dict[tuple[object, date], tuple[int, int]] = {}
        self._day_steps: dict[tuple[object, date, bool], date] = {}
        self._lock = threading.Lock()
        self._horizon_us = horizon_us
        self._horizon_chunks = min(-(-horizon_us // CHUNK_US) + 1, MAX_SPAN_CHUNKS)

    # -- chunks --------------------------------------------------------------------------------

    def chunk(self, index: int) -> Chunk:
        """The compiled chunk number *index* (built on first use, then cached).

        >>> Timeline(lambda lo, hi: [(lo, lo + 5)], CHUNK_US).chunk(3).total
        5
        """
        found = self._chunks.get(index)
        if found is not None:
            return found
        lo = index << CHUNK_SHIFT
        if lo > LAST_US or lo + CHUNK_US <= FIRST_US:
            raise _edge_error(lo > 0)
        with self._lock:
            found = self._chunks.get(index)
            if found is None:
                pairs = self._compiler(lo, lo + CHUNK_US)
                if lo < FIRST_US or lo + CHUNK_US > LAST_US:  # only representable instants
                    pairs = IntervalSet.from_pairs(pairs).clip(FIRST_US, LAST_US + 1).pairs()
                found = Chunk(lo, pairs)
                self._chunks[index] = found
            return found

    def _no_time(self, what: str, direction: str) -> NoBusinessTimeError:
        horizon = format_duration(td(self._horizon_us))
        return NoBusinessTimeError(
            f"no {what} within the search horizon {horizon} {direction} the given instant; "
            'widen the calendar\'s hours or its "horizon"'
        )

    def _too_sparse(self, d: int, direction: str) -> NoBusinessTimeError:
        return NoBusinessTimeError(
            f"fewer than {format_duration(td(d))} of business time within {MAX_SPAN_CHUNKS} "
            f"chunks (about 570 years) {direction} the given instant; widen the calendar's "
            "hours"
        )

    # -- queries (all integers) ---------------------------------------------------------------

    def cumulative_between(self, a: int, b: int) -> int:
        """Open time in ``[a, b)`` for ``a <= b``.

        >>> Timeline(lambda lo, hi: [(lo + 10, lo + 20)], CHUNK_US).cumulative_between(0, 15)
        5
        """
        ca = a >> CHUNK_SHIFT
        cb = b >> CHUNK_SHIFT
        if ca == cb:
            chunk = self.chunk(ca)
            return chunk.cumulative(b) - chunk.cumulative(a)
        _check_span(a, b)
        first = self.chunk(ca)
        total = first.total - first.cumulative(a)
        for index in range(ca + 1, cb):
            total += self.chunk(index).total
        return total + self.chunk(cb).cumulative(b)

    def elapsed(self, a: int, b: int) -> int:
        """Signed open time between *a* and *b*.

        >>> Timeline(lambda lo, hi: [(lo + 10, lo + 20)], CHUNK_US).elapsed(15, 0)
        -5
        """
        sign = 1
        if a > b:
            a, b, sign = b, a, -1
        index = a >> CHUNK_SHIFT
        if index != b >> CHUNK_SHIFT:
            return sign * self.cumulative_between(a, b)
        # hot path, inlined: both instants in one chunk, two bisects
        chunk = self._chunks.get(index) or self.chunk(index)
        bounds = chunk.bounds
        prefix = chunk.prefix
        i = bisect_right(bounds, a)
        j = bisect_right(bounds, b)
        result = prefix[j >> 1] - prefix[i >> 1]
        if j & 1:
            result += b - bounds[j - 1]
        if i & 1:
            result -= a - bounds[i - 1]
        return sign * result

    def is_open(self, t: int) -> bool:
        """Whether *t* lies in an open interval.

        >>> tl = Timeline(lambda lo, hi: [(lo + 10, lo + 20)], CHUNK_US)
        >>> tl.is_open(10), tl.is_open(20)
        (True, False)
        """
        return bisect_right(self.chunk(t >> CHUNK_SHIFT).bounds, t) & 1 == 1

    def add(self, t: int, d: int) -> int:
        """The earliest ``u >= t`` with ``elapsed(t, u) == d`` (``d >= 0``).

        >>> Timeline(lambda lo, hi: [(lo + 10, lo + 20)], CHUNK_US).add(0, 10)
        20
        """
        if d == 0:
            return t
        if t + d > LAST_US:  # business time never runs faster than wall time
            raise _edge_error(True)
        index = t >> CHUNK_SHIFT
        chunk = self._chunks.get(index) or self.chunk(index)
        bounds = chunk.bounds
        prefix = chunk.prefix
        i = bisect_right(bounds, t)
        target = prefix[i >> 1] + d
        if i & 1:
            target += t - bounds[i - 1]
        elif i < len(bounds):  # t is closed: the first open time must be within the horizon
            if bounds[i] - t > self._horizon_us:
                raise self._no_time("open business time", "after")
        else:
            self.next_open(t)  # raises when no open time lies within the horizon
        if target <= chunk.total:  # hot path: the answer lies in the same chunk
            k = bisect_left(prefix, target, 1) - 1
            return bounds[2 * k + 1] - (prefix[k + 1] - target)
        last_open = first = index
        limit = MAX_SPAN_CHUNKS
        while target > chunk.total:
            if chunk.total:
                last_open = index
            target -= chunk.total
            index += 1
            if index - last_open > self._horizon_chunks or index - first > limit:
                raise self._too_sparse(d, "after")
            chunk = self.chunk(index)
        k = bisect_left(chunk.prefix, target, 1) - 1
        found = chunk.bounds[2 * k + 1] - (chunk.prefix[k + 1] - target)
        if found > LAST_US:
            raise _edge_error(True)
        return found

    def subtract(self, t: int, d: int) -> int:
        """The latest ``u <= t`` with ``elapsed(u, t) == d`` (``d >= 0``).

        >>> Timeline(lambda lo, hi: [(lo + 10, lo + 20)], CHUNK_US).subtract(30, 10)
        10
        """
        if d == 0:
            return t
        if t - d < FIRST_US:  # business time never runs faster than wall time
            raise _edge_error(False)
        index = t >> CHUNK_SHIFT
        chunk = self._chunks.get(index) or self.chunk(index)
        bounds = chunk.bounds
        i = bisect_left(bounds, t)
        if not i & 1:  # t is not in (start, end]: the last close must be within the horizon
            if i:
                if t - bounds[i - 1] > self._horizon_us:
                    raise self._no_time("closing time", "before")
            else:
                self.previous_close(t)  # raises when no close lies within the horizon
        target = chunk.cumulative(t) - d
        last_open = first = index
        limit = MAX_SPAN_CHUNKS
        while target < 0:
            if chunk.total:
                last_open = index
            index -= 1
            if last_open - index > self._horizon_chunks or first - index > limit:
                raise self._too_sparse(d, "before")
            chunk = self.chunk(index)
            target += chunk.total
        k = bisect_right(chunk.prefix, target, 0, chunk.n) - 1
        return chunk.bounds[2 * k] + (target - chunk.prefix[k])

    def next_open(self, t: int) -> int:
        """*t* if open, else the start of the next open interval.

        >>> Timeline(lambda lo, hi: [(lo + 10, lo + 20)], CHUNK_US).next_open(12)
        12
        """
        index = t >> CHUNK_SHIFT
        chunk = self.chunk(index)
        i = bisect_right(chunk.bounds, t)
        if i & 1:
            return t
        _, chunk, i = self._next_start(index, chunk, i)
        found = chunk.bounds[i]
        if found - t > self._horizon_us:
            raise self._no_time("open business time", "after")
        return found

    def _next_start(self, index: int, chunk: Chunk, i: int) -> tuple[int, Chunk, int]:
        """The first start bound at or after position *i* of chunk *index*, crossing empty
        chunks up to the horizon; returned as ``(index, chunk, position)``."""
        start = index
        while i >= len(chunk.bounds):
            index += 1
            if index - start > self._horizon_chunks:
                raise self._no_time("open business time", "after")
            chunk = self.chunk(index)
            i = 0
        return index, chunk, i

    def _end_from(self, index: int, chunk: Chunk, i: int, t: int) -> int:
        """The end of the open interval whose end bound is ``chunk.bounds[i]``, followed
        across chunk boundaries while the interval continues, within the horizon of *t*."""
        end = chunk.bounds[i]
        last = index + MAX_SPAN_CHUNKS
        while end == chunk.lo + CHUNK_US and end - t <= self._horizon_us and index < last:
            index += 1
            chunk = self.chunk(index)
            if not chunk.bounds or chunk.bounds[0] != end:
                break
            end = chunk.bounds[1]
        if end - t > self._horizon_us or end == chunk.lo + CHUNK_US:
            raise self._no_time("closing time", "after")
        if end > LAST_US:
            raise _edge_error(True)
        return end

    def next_close(self, t: int) -> int:
        """The end of the open interval containing *t*, else of the next one.

        >>> tl = Timeline(lambda lo, hi: [(10, 20)], CHUNK_US)
        >>> tl.next_close(10), tl.next_close(0)
        (20, 20)
        """
        index = t >> CHUNK_SHIFT
        chunk = self.chunk(index)
        i = bisect_right(chunk.bounds, t)
        if not i & 1:
            index, chunk, i = self._next_start(index, chunk, i)
            if chunk.bounds[i] - t > self._horizon_us:
                raise self._no_time("open business time", "after")
            i += 1
        return self._end_from(index, chunk, i, t)

    def previous_close(self, t: int) -> int:
        """*t* if it lies in ``(start, end]`` of an open interval, else the end of the last
        interval before *t*.

        >>> tl = Timeline(lambda lo, hi: [(10, 20)], CHUNK_US)
        >>> tl.previous_close(20), tl.previous_close(15), tl.previous_close(25)
        (20, 15, 20)
        """
        index = t >> CHUNK_SHIFT
        chunk = self.chunk(index)
        i = bisect_left(chunk.bounds, t)
        if i & 1:
            return t
        start = index
        while i == 0:
            index -= 1
            if start - index > self._horizon_chunks:
                raise self._no_time("closing time", "before")
            chunk = self.chunk(index)
            i = len(chunk.bounds)
        found = chunk.bounds[i - 1]
        if t - found > self._horizon_us:
            raise self._no_time("closing time", "before")
        return found

    def open_pairs(self, a: int, b: int) -> list[tuple[int, int]]:
        """The open intervals clipped to ``[a, b)``, merged across chunk boundaries.

        >>> Timeline(lambda lo, hi: [(lo + 10, lo + 20)], CHUNK_US).open_pairs(0, 15)
        [(10, 15)]
        """
        out: list[tuple[int, int]] = []
        if a >= b:
            return out
        _check_span(a, b)
        for index in range(a >> CHUNK_SHIFT, ((b - 1) >> CHUNK_SHIFT) + 1):
            bounds = self.chunk(index).bounds
            lo = bisect_right(bounds, a) & ~1
            for i in range(lo, len(bounds), 2):
                start, end = bounds[i], bounds[i + 1]
                if start >= b:
                    break
                start = max(start, a)
                end = min(end, b)
                if start >= end:
                    continue
                if out and out[-1][1] == start:
                    out[-1] = (out[-1][0], end)
                else:
                    out.append((start, end))
        return out

    def open_set(self, a: int, b: int) -> IntervalSet:
        """The open time clipped to ``[a, b)`` as an :class:`IntervalSet`.

        >>> Timeline(lambda lo, hi: [(lo + 10, lo + 20)], CHUNK_US).open_set(0, 15)
        IntervalSet([(10, 15)])
        """
        return IntervalSet(tuple(x for pair in self.open_pairs(a, b) for x in pair))

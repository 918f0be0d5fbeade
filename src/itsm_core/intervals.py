"""Immutable sets of half-open intervals ``[start, end)`` over integer microseconds.

:class:`IntervalSet` is the interval algebra every engine shares: calendars, pauses,
outages, maintenance and freeze windows.  It is normalised on construction (sorted,
overlapping and touching intervals merged, empty ones dropped), hashable, and supports
``|`` (union), ``&`` (intersection), ``-`` (difference), :meth:`~IntervalSet.clip`,
:meth:`~IntervalSet.measure` and containment.

>>> a = IntervalSet.from_pairs([(0, 10), (10, 20), (30, 40)])
>>> a.pairs()
((0, 20), (30, 40))
>>> (a - IntervalSet.from_pairs([(5, 35)])).pairs()
((0, 5), (35, 40))
>>> a.measure(), 15 in a, 20 in a
(30, True, False)
"""

from __future__ import annotations

import operator
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, tzinfo
from itertools import compress, islice, repeat
from operator import add, lt

import attrs

from itsm_core._args import items_of
from itsm_core._instant import from_us, to_us
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown

__all__ = ["IntervalSet"]

_BISECT_RATIO = 16  # size ratio above which `&` clips the larger set per smaller interval


def _normalise(pairs: Iterable[tuple[int, int]]) -> tuple[int, ...]:
    """Sort, drop empty intervals, merge overlapping or touching ones; flatten."""
    ordered = sorted(p for p in pairs if p[0] < p[1])
    flat: list[int] = []
    for start, end in ordered:
        if flat and start <= flat[-1]:
            flat[-1] = max(flat[-1], end)
        else:
            flat.append(start)
            flat.append(end)
    return tuple(flat)


def _integer(value: object, index: int) -> int:
    """*value* as an ``int`` (an int subclass or an integer type such as numpy's), not a bool."""
    if not isinstance(value, bool):
        try:
            return operator.index(value)  # type: ignore[arg-type]
        except TypeError:
            pass
    raise ArgumentTypeError(f"intervals[{index}]: expected integer bounds, got "
                            f"{type(value).__name__} {shown(value)}")


@attrs.frozen(repr=False)
class IntervalSet:
    """A normalised, immutable set of half-open integer intervals ``[start, end)``.

    Build one with :meth:`from_pairs` (integers) or :meth:`from_datetimes` (aware
    datetimes); the constructor itself takes an already-normalised flat tuple
    ``(s0, e0, s1, e1, ...)`` and is meant for internal use.

    >>> IntervalSet.from_pairs([(5, 7), (1, 3)])
    IntervalSet([(1, 3), (5, 7)])
    >>> IntervalSet.empty().measure()
    0
    """

    bounds: tuple[int, ...] = ()

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[int, int]]) -> IntervalSet:
        """Build from ``(start, end)`` integer pairs in any order; empty pairs vanish.

        Raises:
            ArgumentTypeError: an item is not a pair of integers.
            InvalidArgumentError: a pair has ``end < start``.

        >>> IntervalSet.from_pairs([(3, 3), (0, 2), (1, 4)]).pairs()
        ((0, 4),)
        >>> IntervalSet.from_pairs([True])
        Traceback (most recent call last):
        ...
        itsm_core.errors.ArgumentTypeError: intervals[0]: expected a (start, end) pair of integers, got True
        """
        checked = []
        for index, pair in enumerate(items_of(pairs, "intervals", "(start, end) pairs")):
            try:
                start, end = pair
            except (TypeError, ValueError):
                raise ArgumentTypeError(f"intervals[{index}]: expected a (start, end) pair of "
                                        f"integers, got {shown(pair)}") from None
            if type(start) is not int or type(end) is not int:
                start, end = _integer(start, index), _integer(end, index)
            if end < start:
                raise InvalidArgumentError(
                    f"intervals[{index}]: end {end} is before start {start}; expected start <= end"
                )
            checked.append((start, end))
        return cls(_normalise(checked))

    @classmethod
    def from_datetimes(cls, pairs: Iterable[tuple[datetime, datetime]],
                       name: str = "intervals") -> IntervalSet:
        """Build from ``(start, end)`` pairs of aware datetimes.

        Raises:
            NaiveDatetimeError: a datetime is naive.
            InvalidArgumentError: a pair ends before it starts.

        >>> from datetime import datetime, timezone
        >>> s = IntervalSet.from_datetimes(
        ...     [(datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 1, 2, tzinfo=timezone.utc))])
        >>> s.measure() // 3_600_000_000
        24
        """
        converted = []
        for index, pair in enumerate(pairs):
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise ArgumentTypeError(
                    f"{name}[{index}]: expected a (start, end) pair of aware datetimes, got {shown(pair)}"
                )
            start = to_us(pair[0], f"{name}[{index}].start")
            end = to_us(pair[1], f"{name}[{index}].end")
            if end < start:
                raise InvalidArgumentError(
                    f"{name}[{index}]: end {pair[1]} is before start {pair[0]}; "
                    "expected start <= end"
                )
            converted.append((start, end))
        return cls(_normalise(converted))

    @classmethod
    def union_of(cls, starts: Sequence[int], ends: Sequence[int]) -> IntervalSet:
        """The union of ``[starts[i], ends[i])`` from two parallel sequences, in C-speed steps.

        The fast way to merge many intervals (a million outages): no pairs are built and
        no Python loop runs per interval.  With starts and ends sorted *independently*,
        the union has a gap after the i-th end exactly when ``ends[i] < starts[i + 1]``:
        every interval begun so far has ended.  Empty intervals vanish.

        Raises:
            InvalidArgumentError: the sequences differ in length, or an interval has
                ``end < start``.

        >>> IntervalSet.union_of([5, 0, 1, 9], [7, 2, 4, 9]).pairs()
        ((0, 4), (5, 7))
        """
        if len(starts) != len(ends):
            raise InvalidArgumentError(
                f"ends: {len(ends)} ends for {len(starts)} starts; expected one end per start")
        try:
            ordered = all(map(lt, starts, ends))
        except TypeError:  # not integers: diagnosed by from_pairs below
            ordered = False
        if not ordered:  # rare: empty, reversed or malformed intervals
            checked = cls.from_pairs(zip(starts, ends, strict=True))  # diagnoses end < start
            if not checked:
                return checked
            keep = list(map(lt, starts, ends))
            starts, ends = list(compress(starts, keep)), list(compress(ends, keep))
        if not starts:
            return cls(())
        s = sorted(starts)
        e = sorted(ends)
        gaps = list(compress(range(len(s) - 1), map(lt, e, islice(s, 1, None))))
        flat = [0] * (2 * len(gaps) + 2)
        flat[0] = s[0]
        flat[2::2] = map(s.__getitem__, map(add, gaps, repeat(1)))
        flat[1:-1:2] = map(e.__getitem__, gaps)
        flat[-1] = e[-1]
        return cls(tuple(flat))

    @classmethod
    def empty(cls) -> IntervalSet:
        """The empty set.

        >>> bool(IntervalSet.empty())
        False
        """
        return cls(())

    # -- views ------------------------------------------------------------------------------

    def pairs(self) -> tuple[tuple[int, int], ...]:
        """The intervals as ``(start, end)`` pairs, sorted and disjoint.

        >>> IntervalSet.from_pairs([(4, 6), (0, 1)]).pairs()
        ((0, 1), (4, 6))
        """
        b = self.bounds
        return tuple(zip(b[::2], b[1::2], strict=True))

    def to_datetimes(self, tz: tzinfo) -> list[tuple[datetime, datetime]]:
        """The intervals as pairs of aware datetimes in *tz*.

        >>> from datetime import timezone
        >>> IntervalSet.from_pairs([(0, 1_000_000)]).to_datetimes(timezone.utc)[0][1].isoformat()
        '1970-01-01T00:00:01+00:00'
        """
        return [(from_us(s, tz), from_us(e, tz)) for s, e in self.pairs()]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.pairs())

    def __len__(self) -> int:
        return len(self.bounds) // 2

    def __bool__(self) -> bool:
        return bool(self.bounds)

    def __repr__(self) -> str:
        return f"IntervalSet({list(self.pairs())!r})"

    @property
    def start(self) -> int | None:
        """The earliest start, or ``None`` when empty.

        >>> IntervalSet.from_pairs([(2, 3)]).start
        2
        """
        return self.bounds[0] if self.bounds else None

    @property
    def end(self) -> int | None:
        """The latest end, or ``None`` when empty.

        >>> IntervalSet.from_pairs([(2, 3), (7, 9)]).end
        9
        """
        return self.bounds[-1] if self.bounds else None

    # -- measures and membership ---------------------------------------------------------------

    def measure(self) -> int:
        """Total length of the intervals.

        >>> IntervalSet.from_pairs([(0, 2), (5, 6)]).measure()
        3
        """
        b = self.bounds
        return sum(b[1::2]) - sum(b[::2])

    def __contains__(self, point: object) -> bool:
        if not isinstance(point, int):
            return False
        index = bisect_right(self.bounds, point)
        return index % 2 == 1

    def contains(self, point: int) -> bool:
        """Whether *point* lies in some ``[start, end)``.

        >>> s = IntervalSet.from_pairs([(0, 10)])
        >>> s.contains(0), s.contains(10)
        (True, False)
        """
        return bisect_right(self.bounds, point) % 2 == 1

    def covers(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` lies entirely inside one interval (empty ranges: True).

        >>> IntervalSet.from_pairs([(0, 10)]).covers(2, 10)
        True
        """
        if start >= end:
            return True
        index = bisect_right(self.bounds, start)
        return index % 2 == 1 and end <= self.bounds[index]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` shares any point with the set.

        >>> s = IntervalSet.from_pairs([(0, 10)])
        >>> s.overlaps(10, 12), s.overlaps(9, 12)
        (False, True)
        """
        if start >= end:
            return False
        index = bisect_right(self.bounds, start)
        if index % 2 == 1:
            return True
        return index < len(self.bounds) and self.bounds[index] < end

    # -- algebra ------------------------------------------------------------------------------

    def clip(self, start: int, end: int) -> IntervalSet:
        """The part of the set inside ``[start, end)``.

        >>> IntervalSet.from_pairs([(0, 10), (20, 30)]).clip(5, 25).pairs()
        ((5, 10), (20, 25))
        """
        if start >= end or not self.bounds:
            return IntervalSet(())
        b = self.bounds
        lo = bisect_right(b, start)
        hi = bisect_right(b, end - 1) if end - 1 >= start else lo
        # hi: first bound strictly greater than end-1, i.e. >= end
        flat = list(b[lo & ~1: hi + (hi & 1)])
        if not flat:
            return IntervalSet(())
        flat[0] = max(flat[0], start)
        flat[-1] = min(flat[-1], end)
        return IntervalSet(tuple(flat)) if flat[0] < flat[-1] or len(flat) > 2 else IntervalSet(())

    def __or__(self, other: IntervalSet) -> IntervalSet:
        if not isinstance(other, IntervalSet):
            return NotImplemented
        if not other.bounds:
            return self
        if not self.bounds:
            return other
        return IntervalSet(_normalise(list(self.pairs()) + list(other.pairs())))

    def __and__(self, other: IntervalSet) -> IntervalSet:
        if not isinstance(other, IntervalSet):
            return NotImplemented
        a, b = self.bounds, other.bounds
        small, large = (self, other) if len(a) <= len(b) else (other, self)
        if len(small.bounds) * _BISECT_RATIO < len(large.bounds):
            # few intervals against many: clip the large set once per small interval
            flat: list[int] = []
            for start, end in small.pairs():
                flat.extend(large.clip(start, end).bounds)
            return IntervalSet(tuple(flat))
        i = j = 0
        out: list[int] = []
        while i < len(a) and j < len(b):
            start = max(a[i], b[j])
            end = min(a[i + 1], b[j + 1])
            if start < end:
                if out and out[-1] == start:
                    out[-1] = end
                else:
                    out.append(start)
                    out.append(end)
            if a[i + 1] < b[j + 1]:
                i += 2
            else:
                j += 2
        return IntervalSet(tuple(out))

    def __sub__(self, other: IntervalSet) -> IntervalSet:
        if not isinstance(other, IntervalSet):
            return NotImplemented
        if not other.bounds or not self.bounds:
            return self
        a, b = self.bounds, other.bounds
        out: list[int] = []
        j = 0
        for i in range(0, len(a), 2):
            start, end = a[i], a[i + 1]
            while j < len(b) and b[j + 1] <= start:
                j += 2
            k = j
            while k < len(b) and b[k] < end:
                if b[k] > start:
                    out.append(start)
                    out.append(b[k])
                start = max(start, b[k + 1])
                k += 2
            if start < end:
                out.append(start)
                out.append(end)
        return IntervalSet(tuple(out))

    def complement(self, start: int, end: int) -> IntervalSet:
        """The points of ``[start, end)`` not in the set.

        >>> IntervalSet.from_pairs([(2, 4)]).complement(0, 10).pairs()
        ((0, 2), (4, 10))
        """
        return IntervalSet.from_pairs([(start, end)]) - self if start < end else IntervalSet(())

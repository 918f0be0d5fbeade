"""A compiled chunk of a calendar's open time: the fixed-size slices the timeline caches.

UTC time is cut into chunks of 2**45 µs (about 407 days).  A :class:`Chunk` holds the flat
sorted bounds of the open intervals clipped to it and the prefix sums of their lengths, so
the open time before any instant inside it is one ``bisect`` away.  The bounds of what
``datetime`` can represent (years 1 to 9999) and the longest span one query may cover are
fixed here too; :mod:`itsm_core.calendar.timeline` builds and queries the chunks.

>>> chunk = Chunk(0, [(2, 4), (6, 9), (CHUNK_US - 1, CHUNK_US + 5)])
>>> chunk.bounds[-2:] == [CHUNK_US - 1, CHUNK_US], chunk.total   # clipped to the chunk
(True, 6)
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from itsm_core.errors import InvalidArgumentError, NoBusinessTimeError
from itsm_core.intervals import IntervalSet

__all__ = ["CHUNK_SHIFT", "CHUNK_US", "FIRST_US", "LAST_US", "MAX_SPAN_CHUNKS", "Chunk"]

CHUNK_SHIFT = 45
CHUNK_US = 1 << CHUNK_SHIFT  # about 407 days
# the instants datetime can represent: 0001-01-01 to 9999-12-31 (UTC)
FIRST_US = -62_135_596_800_000_000
LAST_US = 253_402_300_799_999_999
#: The most chunks one query may cover (2**9 chunks, about 570 years): a longer ``elapsed``
#: or ``open_intervals`` span is refused, and a search gives up there whatever its horizon.
MAX_SPAN_CHUNKS = 512


def _edge_error(forward: bool) -> NoBusinessTimeError:
    edge = "the end of year 9999" if forward else "the start of year 1"
    return NoBusinessTimeError(
        f"no business time between the given instant and {edge}, the limit of what "
        "datetime can represent; expected a query whose answer lies within years 1-9999"
    )


def _check_span(a: int, b: int) -> None:
    """Refuse a span ``[a, b)`` covering more than :data:`MAX_SPAN_CHUNKS` chunks."""
    if (b >> CHUNK_SHIFT) - (a >> CHUNK_SHIFT) >= MAX_SPAN_CHUNKS:
        years = (b - a) // 31_556_952_000_000
        raise InvalidArgumentError(
            f"b: the span of about {years} years from a to b is too long for one query; "
            f"expected a span within {MAX_SPAN_CHUNKS} chunks of about 407 days (about 570 "
            "years)")



class Chunk:
    """One compiled chunk: open-interval bounds clipped to ``[lo, lo + CHUNK_US)``.

    ``prefix[k]`` is the open time before interval ``k``; ``prefix[-1]`` the chunk's total.

    >>> c = Chunk(0, [(2, 4), (6, 9)])
    >>> c.bounds, c.prefix, c.total
    ([2, 4, 6, 9], [0, 2, 5], 5)
    """

    __slots__ = ("bounds", "lo", "n", "prefix", "total")

    def __init__(self, lo: int, pairs: Iterable[tuple[int, int]]) -> None:
        # merging overlapping and touching intervals is the interval algebra's normal form
        bounds = list(IntervalSet.from_pairs(pairs).clip(lo, lo + CHUNK_US).bounds)
        prefix = [0]
        acc = 0
        for i in range(0, len(bounds), 2):
            acc += bounds[i + 1] - bounds[i]
            prefix.append(acc)
        self.lo = lo
        self.bounds = bounds
        self.prefix = prefix
        self.total = acc
        self.n = len(bounds) // 2

    def cumulative(self, t: int) -> int:
        """Open time in ``[lo, t)`` for ``t`` inside the chunk.

        >>> Chunk(0, [(2, 4), (6, 9)]).cumulative(7)
        3
        """
        bounds = self.bounds
        i = bisect_right(bounds, t)
        if i & 1:
            return self.prefix[i >> 1] + t - bounds[i - 1]
        return self.prefix[i >> 1]

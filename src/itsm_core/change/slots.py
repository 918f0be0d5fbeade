"""The earliest conflict-free slots for a change, by interval algebra.

``allowed = [from, from + horizon) ∩ maintenance windows of each CI (unless exempt)
− freezes that bind the change − busy time of other changes on its CIs (and their direct
parents and children, with a topology) − busy time of its assignee``; each gap of ``allowed``
at least as long as the change gives one slot, starting as early as the gap allows.

>>> from itsm_core.change.request import ChangeRequest
>>> from datetime import datetime, timezone
>>> busy = ChangeRequest.from_dict({"id": "B", "type": "normal", "cis": ["db"],
...     "start": "2025-01-01T01:00+00:00", "end": "2025-01-01T03:00+00:00"})
>>> me = ChangeRequest.from_dict({"id": "C", "type": "normal", "cis": ["db"],
...     "start": "2025-01-01T00:00+00:00", "end": "2025-01-01T02:00+00:00"})
>>> slots = next_free_slots(me, as_of=datetime(2025, 1, 1, tzinfo=timezone.utc), changes=[busy], limit=2)
>>> [(s.hour, e.hour) for s, e in slots]
[(3, 5)]
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from itsm_core._instant import duration_us, from_us, to_us
from itsm_core.change.request import ChangeRequest
from itsm_core.change.windows import ChangeWindows
from itsm_core.errors import InvalidArgumentError, shown
from itsm_core.intervals import IntervalSet
from itsm_core.topology import Topology

__all__ = ["MAX_SEARCH", "free_time", "next_free_slots"]

MAX_SLOTS = 100
#: The longest span :func:`free_time` and :func:`next_free_slots` search (about ten years):
#: windows are expanded over the span, so its length bounds the work.
MAX_SEARCH = timedelta(days=3660)
_MAX_SEARCH_US = duration_us(MAX_SEARCH, "MAX_SEARCH")
_PIECE_US = 31 * 86_400_000_000  # next_free_slots expands windows a month at a time


def _check_search(span_us: int, name: str, value: object) -> None:
    if span_us > _MAX_SEARCH_US:
        raise InvalidArgumentError(f"{name}: {shown(value)} is too long; expected a span of at "
                                   f"most {MAX_SEARCH.days} days")


def _free_time_us(change: ChangeRequest, a: int, b: int, *, changes: Iterable[ChangeRequest],
                  windows: ChangeWindows | None, topology: Topology | None) -> IntervalSet:
    """The free time in ``[a, b)`` (microseconds, ``a <= b``)."""
    allowed = IntervalSet.from_pairs([(a, b)])
    if windows is not None:
        compiled = windows._compile(a, b)
        if change.type not in compiled.exempt:
            for ci in change.cis:
                served = compiled.maintenance_for(ci)
                if served is not None:
                    allowed = allowed & served
        for _, occ in compiled.freezes_for(change.type, change.cis):
            allowed = allowed - occ
    near = set(change.cis)
    if topology is not None:
        for ci in change.cis:
            if ci in topology:
                near |= topology.dependencies(ci) | topology.dependents(ci)
    busy = []
    for other in changes:
        if other.id == change.id or other._end_us <= a or other._start_us >= b:
            continue
        same_assignee = change.assignee is not None and other.assignee == change.assignee
        if same_assignee or any(ci in near for ci in other.cis):
            busy.append((other._start_us, other._end_us))
    return allowed - IntervalSet.from_pairs(busy)


def free_time(change: ChangeRequest, start: datetime, end: datetime, *,
              changes: Iterable[ChangeRequest] = (), windows: ChangeWindows | None = None,
              topology: Topology | None = None) -> tuple[tuple[datetime, datetime], ...]:
    """The time in ``[start, end)`` where *change* could run without any conflict.

    The same algebra as :func:`next_free_slots`, without the change's length: every free
    stretch, however short, as ``(start, end)`` pairs in *start*'s zone.

    Raises:
        InvalidArgumentError: *end* is before *start*.

    >>> from datetime import timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> busy = ChangeRequest(id="B", type="normal", cis=["db"], start=t.replace(hour=1), end=t.replace(hour=3))
    >>> me = ChangeRequest(id="C", type="normal", cis=["db"], start=t, end=t.replace(hour=1))
    >>> [(s.hour, e.hour) for s, e in free_time(me, t, t.replace(hour=6), changes=[busy])]
    [(0, 1), (3, 6)]
    """
    a, b = to_us(start, "start"), to_us(end, "end")
    if b < a:
        raise InvalidArgumentError(f"end: {end} is before start {start}; expected end >= start")
    _check_search(b - a, "end", end)
    tz = start.tzinfo
    assert tz is not None  # to_us refused naive datetimes
    free = _free_time_us(change, a, b, changes=changes, windows=windows, topology=topology)
    return tuple(free.to_datetimes(tz))


def next_free_slots(change: ChangeRequest, *, as_of: datetime, changes: Iterable[ChangeRequest] = (),
                    windows: ChangeWindows | None = None, topology: Topology | None = None,
                    horizon: timedelta = timedelta(days=90), limit: int = MAX_SLOTS,
                    not_before: datetime | None = None) -> list[tuple[datetime, datetime]]:
    """The earliest conflict-free ``(start, end)`` slots for *change*, one per free gap.

    Args:
        change: the change to place; its planned length is kept, its planned times ignored.
        as_of: the search starts here (no implicit clock).
        changes: the other scheduled changes (the change itself, by id, is ignored).
        windows: maintenance and freeze windows.
        topology: makes direct parents and children of its CIs busy too.
        horizon: how far from the start to look (default 90 days, at most :data:`MAX_SEARCH`);
            a slot must end inside it.
        limit: the most slots to return, 1 to 100.
        not_before: a later start bound, e.g. the approval lead time's earliest start.

    Returns:
        Up to *limit* slots in time order, aware datetimes in *as_of*'s zone.

    >>> from datetime import timezone
    >>> me = ChangeRequest.from_dict({"id": "C", "type": "normal", "cis": [],
    ...     "start": "2025-01-01T00:00+00:00", "end": "2025-01-01T02:00+00:00"})
    >>> next_free_slots(me, as_of=datetime(2025, 1, 1, tzinfo=timezone.utc), limit=0)
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: limit: 0 is out of range; expected 1 to 100
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_SLOTS:
        raise InvalidArgumentError(f"limit: {shown(limit)} is out of range; expected 1 to {MAX_SLOTS}")
    a = to_us(as_of, "as_of")
    span = duration_us(horizon, "horizon")
    _check_search(span, "horizon", horizon)
    b = a + span
    if not_before is not None:
        a = max(a, to_us(not_before, "not_before"))
    if a >= b:  # not_before at or past the horizon: nothing to search
        return []
    need = change._end_us - change._start_us
    tz = as_of.tzinfo
    assert tz is not None  # to_us refused naive datetimes
    changes = tuple(changes)  # read once per piece
    slots: list[tuple[datetime, datetime]] = []
    pending: tuple[int, int, bool] | None = None  # a free gap reaching the end of a piece
    for p in range(a, b, _PIECE_US):  # a piece at a time: stop as soon as enough are found
        q = min(p + _PIECE_US, b)
        free = _free_time_us(change, p, q, changes=changes, windows=windows, topology=topology)
        for gap_start, end in free:
            start, taken = gap_start, False
            if pending is not None and pending[1] == gap_start:  # the same gap, continued
                start, taken = pending[0], pending[2]
            pending = None
            if not taken and end - start >= need:
                slots.append((from_us(start, tz), from_us(start + need, tz)))
                taken = True
                if len(slots) == limit:
                    return slots
            if end == q:
                pending = (start, end, taken)
    return slots

"""Conflicts: the rules one change breaks, and those a set of changes breaks together.

:func:`conflicts_of` checks one change on its own (windows and approval lead time);
:func:`find_conflicts` checks a set, sweeping sorted intervals (not all pairs).  Rules (each reported as a :class:`~itsm_core.change.conflict.Conflict`):

* ``same_ci`` — two changes touch the same CI at overlapping times (one conflict per shared CI);
* ``related_ci`` — one touches a CI, the other a direct parent or child of it in the
  topology, at overlapping times (not reported for a pair that already shares a CI);
* ``assignee`` — the same assignee holds two overlapping changes;
* ``outside_maintenance`` / ``in_freeze`` — the window rules of
  :class:`~itsm_core.change.windows.ChangeWindows`, per change.

Overlap means the half-open intervals share time: a change ending at 02:00 and one starting
at 02:00 do not conflict.  Cost: sorting, then one pass per CI, assignee and topology edge,
so ``O(n log n + k)`` for ``n`` changes and ``k`` conflicts.

>>> from itsm_core.change.request import ChangeRequest
>>> def cr(i, s, e, cis, who=None):
...     return ChangeRequest.from_dict({"id": i, "type": "normal", "cis": cis, "assignee": who,
...         "start": f"2025-01-01T{s}:00+00:00", "end": f"2025-01-01T{e}:00+00:00"})
>>> found = find_conflicts([cr("C1", "01", "03", ["db"], "ana"), cr("C2", "02", "04", ["db"], "ana"),
...                         cr("C3", "03", "05", ["db"])])
>>> [(c.kind.value, c.changes) for c in found]
[('same_ci', ('C1', 'C2')), ('assignee', ('C1', 'C2')), ('same_ci', ('C2', 'C3'))]
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from itsm_core._args import items_of
from itsm_core.calendar import BusinessCalendar
from itsm_core.change.approval import ApprovalPolicy
from itsm_core.change.conflict import Conflict, ConflictKind
from itsm_core.change.levels import RiskLevel
from itsm_core.change.request import ChangeRequest
from itsm_core.change.windows import ChangeWindows
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown
from itsm_core.topology import Topology

__all__ = ["conflicts_of", "find_conflicts"]

_ORDER = {kind: i for i, kind in enumerate(ConflictKind)}


def _overlapping_pairs(items: Sequence[tuple[int, int, int]]) -> Iterator[tuple[int, int]]:
    """Yield ``(i, j)`` for every two items whose ``[start, end)`` overlap (sweep with a heap).

    *items* are ``(start, end, index)`` triples sorted by start; each pair comes once, the
    earlier-started index first: ``[(0, 5, 0), (1, 2, 1), (2, 9, 2), (5, 6, 3)]`` gives
    ``(0, 1), (0, 2), (2, 3)``.
    """
    active: list[tuple[int, int]] = []  # (end, index)
    for start, end, index in items:
        while active and active[0][0] <= start:
            heapq.heappop(active)
        for _, other in active:
            yield other, index
        heapq.heappush(active, (end, index))


def _bipartite_pairs(left: Sequence[tuple[int, int, int]],
                     right: Sequence[tuple[int, int, int]]) -> Iterator[tuple[int, int]]:
    """Overlapping (left index, right index) pairs of two sorted lists, by one merged sweep."""
    active: tuple[list[tuple[int, int]], list[tuple[int, int]]] = ([], [])
    i = j = 0
    while i < len(left) or j < len(right):
        side = 0 if j >= len(right) or (i < len(left) and left[i][0] <= right[j][0]) else 1
        start, end, index = left[i] if side == 0 else right[j]
        if side == 0:
            i += 1
        else:
            j += 1
        other = active[1 - side]
        while other and other[0][0] <= start:
            heapq.heappop(other)
        for _, k in other:
            yield (index, k) if side == 0 else (k, index)
        heapq.heappush(active[side], (end, index))


def _sorted_by_start(changes: Sequence[ChangeRequest], indices: Iterable[int]) -> list[tuple[int, int, int]]:
    return sorted((changes[i]._start_us, changes[i]._end_us, i) for i in indices)


def _pair(kind: ConflictKind, a: ChangeRequest, b: ChangeRequest, *, ci: str | None = None,
          related: str | None = None, assignee: str | None = None) -> Conflict:
    first, second = (a, b) if a.id <= b.id else (b, a)
    if related is not None and first is not a:
        ci, related = related, ci
    start, end = max(a._start_us, b._start_us), min(a._end_us, b._end_us)
    if kind is ConflictKind.SAME_CI:
        detail = f"{first.id} and {second.id} both change {ci} at overlapping times"
    elif kind is ConflictKind.RELATED_CI:
        detail = f"{first.id} changes {ci} while {second.id} changes {related}, which is related to it"
    else:
        detail = f"{assignee} is assigned to both {first.id} and {second.id} at overlapping times"
    return Conflict._at(kind, (first.id, second.id), start, end, detail, ci=ci, related_ci=related,
                        assignee=assignee)


def _optional(value: object, kind: type, name: str) -> None:
    """Refuse an optional argument that is neither ``None`` nor a *kind*."""
    if value is not None and not isinstance(value, kind):
        raise ArgumentTypeError(f"{name}: expected a {kind.__name__} or None, got "
                                f"{type(value).__name__} {shown(value)}")


def find_conflicts(changes: Iterable[ChangeRequest], *, windows: ChangeWindows | None = None,
                   topology: Topology | None = None) -> tuple[Conflict, ...]:
    """Every conflict among *changes*, sorted by start, kind and change ids.

    Args:
        changes: the changes to schedule (ids must be unique).
        windows: maintenance and freeze windows to check each change against.
        topology: the dependency graph; CIs in it that are direct parent and child
            (dependent and dependency) of each other conflict when changed at overlapping times.

    Raises:
        ArgumentTypeError: *changes* is not an iterable of ``ChangeRequest`` values, or
            *windows* or *topology* is of the wrong type.
        InvalidArgumentError: two changes share an id.

    >>> find_conflicts([])
    ()
    """
    _optional(windows, ChangeWindows, "windows")
    _optional(topology, Topology, "topology")
    items = items_of(changes, "changes", "ChangeRequest values")
    ids: set[str] = set()
    for index, change in enumerate(items):
        if not isinstance(change, ChangeRequest):
            raise ArgumentTypeError(f"changes[{index}]: expected a ChangeRequest, got {shown(change)}")
        if change.id in ids:
            raise InvalidArgumentError(f"changes[{index}].id: duplicate id {shown(change.id)}; expected unique ids")
        ids.add(change.id)
    by_ci: dict[str, list[int]] = defaultdict(list)
    by_assignee: dict[str, list[int]] = defaultdict(list)
    for index, change in enumerate(items):
        for ci in change.cis:
            by_ci[ci].append(index)
        if change.assignee is not None:
            by_assignee[change.assignee].append(index)
    out: list[Conflict] = []
    sorted_ci = {ci: _sorted_by_start(items, idx) for ci, idx in by_ci.items()}
    shared: set[tuple[int, int]] = set()
    for ci, ordered in sorted_ci.items():
        for i, j in _overlapping_pairs(ordered):
            shared.add((min(i, j), max(i, j)))
            out.append(_pair(ConflictKind.SAME_CI, items[i], items[j], ci=ci))
    if topology is not None:
        for ci, ordered in sorted_ci.items():
            if ci not in topology:
                continue
            for parent in sorted(topology.dependents(ci)):
                if parent not in sorted_ci:
                    continue
                for i, j in _bipartite_pairs(ordered, sorted_ci[parent]):
                    if i != j and (min(i, j), max(i, j)) not in shared:
                        out.append(_pair(ConflictKind.RELATED_CI, items[i], items[j], ci=ci, related=parent))
    for who, idx in by_assignee.items():
        for i, j in _overlapping_pairs(_sorted_by_start(items, idx)):
            out.append(_pair(ConflictKind.ASSIGNEE, items[i], items[j], assignee=who))
    if windows is not None and items:
        compiled = windows._compile(min(c._start_us for c in items), max(c._end_us for c in items))
        for change in items:
            out.extend(compiled.conflicts(change))
    out.sort(key=lambda c: (c._start_us, _ORDER[c.kind], c.changes, c.ci or "", c.related_ci or "",
                            c.window or ""))
    return tuple(out)


def conflicts_of(change: ChangeRequest, *, windows: ChangeWindows | None = None,
                 approval: ApprovalPolicy | None = None, risk: RiskLevel | None = None,
                 calendar: BusinessCalendar | None = None) -> tuple[Conflict, ...]:
    """The rules *change* breaks on its own: maintenance windows, freezes, approval lead time.

    The lead time is checked when *approval* is given, with the change's *risk* level and the
    *calendar* whose business time counts (all three are needed), for a change with
    ``requested_at``.

    Raises:
        ArgumentTypeError: an argument of the wrong type.
        InvalidArgumentError: *approval* without *risk* or *calendar*.

    >>> policy = ApprovalPolicy.from_dict({"normal": {"authority": "cab", "lead_time": "P2D"},
    ...     "emergency": {"authority": "emergency_cab", "lead_time": "PT0S"}})
    >>> windows = ChangeWindows.from_dict({"freezes": [{"name": "launch", "intervals": [
    ...     ["2025-06-01T00:00+00:00", "2025-06-08T00:00+00:00"]]}]})
    >>> cr = ChangeRequest.from_dict({"id": "C8", "type": "normal", "cis": ["web"],
    ...     "requested_at": "2025-06-06T12:00+00:00",
    ...     "start": "2025-06-07T22:00+00:00", "end": "2025-06-08T02:00+00:00"})
    >>> [c.kind.value for c in conflicts_of(cr, windows=windows, approval=policy, risk=RiskLevel.LOW,
    ...                                     calendar=BusinessCalendar.always_open("UTC"))]
    ['in_freeze', 'lead_time']
    """
    if not isinstance(change, ChangeRequest):
        raise ArgumentTypeError(f"change: expected a ChangeRequest, got {type(change).__name__} "
                                f"{shown(change)}")
    for value, kind, name in ((windows, ChangeWindows, "windows"),
                              (approval, ApprovalPolicy, "approval"), (risk, RiskLevel, "risk"),
                              (calendar, BusinessCalendar, "calendar")):
        _optional(value, kind, name)
    found = list(windows.window_conflicts(change)) if windows is not None else []
    if approval is not None:
        if risk is None or calendar is None:
            raise InvalidArgumentError("risk, calendar: both are needed to check the approval lead time; "
                                       "expected a RiskLevel and a BusinessCalendar")
        late = approval.lead_time_conflict(change, risk, calendar)
        if late is not None:
            found.append(late)
    return tuple(found)

"""The columnar evaluation, free of I/O: an event log as arrays in, counted outcomes out.

The command line's columnar path (``sla-report --engine columnar``) and the Dask recipe
(:func:`~itsm_core.integrations.dask.compliance_report_dask`) share this core.  The caller
reads its input into :class:`ColumnArrays` (codes into the distinct tickets, states,
priorities, time texts and field values) and converts each distinct time to UTC µs;
:func:`evaluate_columns` sorts the rows by ticket, then time, replays each ticket through
each definition (:mod:`itsm_core.integrations.columnar_core_replay`: the tickets with a
simple history in numpy, the others on a per-event state machine on plain integers),
measures every running stretch on the calendar in bulk and counts the cycles in a
:class:`~itsm_core.sla.compliance.ComplianceAccumulator`: exactly what evaluating every
ticket with ``SlaPolicy.evaluate`` and adding each outcome gives.

How a time text reads is the caller's (it passes its parser): the core only needs it for
the instants it reports (the latest and earliest time read) and for the few tickets it
hands to the core engine itself.

Supported (:func:`columnar_support` says why not otherwise): definitions whose conditions
read the state alone, with business-time targets by priority on the definition's calendar
(no deadlines, ``calendar_by``, ``goals``, ``versions``, ``start_from`` or ``reset``).

>>> import numpy as np
>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaPolicy
>>> policy = SlaPolicy.from_dict({"definitions": [{"name": "fix", "targets": "PT4H",
...                                                "stop": {"state_in": ["Resolved"]}}]})
>>> hours = [datetime(2016, 3, 1, h, tzinfo=timezone.utc) for h in (9, 15)]
>>> log = ColumnArrays(ticket=np.array([0, 0]), state=np.array([0, 1]),
...                    priority=np.array([0, 0]), at=np.array([0, 1]), fields={},
...                    tickets=["A"], states=["New", "Resolved"], priorities=[None],
...                    times=hours, values={})
>>> stamps = np.array([1456822800000000, 1456844400000000])
>>> found = evaluate_columns(log, stamps, None, policy, parse=lambda t: t, as_of=None,
...                          by=("definition", "stage"), period=None)
>>> [(row.keys, row.total) for row in found.accumulator.report().rows]
[((('definition', 'fix'), ('stage', 'breached')), 1)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import attrs

from itsm_core._instant import to_us
from itsm_core.errors import InvalidArgumentError
from itsm_core.integrations.columnar_core_replay import Replay
from itsm_core.sla.compliance import ComplianceAccumulator
from itsm_core.sla.conditions import Always
from itsm_core.sla.definition import SlaDefinition
from itsm_core.sla.policy import SlaPolicy

__all__ = ["CHUNK_ROWS", "ColumnArrays", "ColumnsEvaluated", "columnar_support",
           "evaluate_columns"]

_NEVER = Always(False)
#: Rows replayed at a time (whole tickets; a ticket longer than this is one chunk).
CHUNK_ROWS = 1 << 19


def _numpy() -> Any:
    import numpy  # noqa: PLC0415 - optional dependency
    return numpy


class ColumnArrays:
    """An event log column by column (numpy int64 arrays of codes, one value per row).

    ``ticket``, ``state``, ``priority`` and ``at`` are codes into ``tickets``,
    ``states``, ``priorities`` (``None``: no priority) and ``times`` (the time values as
    the caller's parser takes them); ``fields`` holds one code array per ticket field
    into ``values[name]`` (``None``: no value).  Any object with these attributes will
    do (the command line's reader gives its own).

    >>> ColumnArrays(tickets=["A"]).tickets
    ['A']
    """

    def __init__(self, **parts: Any) -> None:
        self.__dict__.update(parts)

    ticket: Any
    state: Any
    priority: Any
    at: Any
    fields: dict[str, Any]
    tickets: list[Any]
    states: list[str]
    priorities: list[Any]
    times: Sequence[Any]
    values: dict[str, list[Any]]


@attrs.frozen(kw_only=True)
class ColumnsEvaluated:
    """What :func:`evaluate_columns` gives: the outcomes counted (cycles and tickets not
    evaluated), how many tickets there were, the instant they were evaluated at and the
    earliest time read (both as the caller's parser reads them: the first row holding
    each, in ticket order, then row order).

    >>> ColumnsEvaluated(accumulator=ComplianceAccumulator(), tickets=0, as_of=None).tickets
    0
    """

    accumulator: ComplianceAccumulator
    tickets: int
    as_of: datetime | None
    earliest: datetime | None = None


def _definition_support(definition: SlaDefinition) -> str | None:
    targets = definition.targets
    budgets = (*targets._lookup.values(), targets._default_us)
    if definition.versions or definition.calendar_by is not None or definition.goals:
        return f"SLA {definition.name!r} uses versions, calendar_by or goals"
    if definition.start_from is not None or definition.reset != _NEVER:
        return f"SLA {definition.name!r} uses start_from or reset"
    if not all(goal is None or type(goal) is int for goal in budgets):
        return f"SLA {definition.name!r} has deadline targets"
    if targets.by != "priority":
        return f"SLA {definition.name!r} keys its targets by a field"
    if definition._rules.by_state is None:
        return f"SLA {definition.name!r} has conditions that read more than the state"
    return None


def columnar_support(policy: SlaPolicy) -> str | None:
    """Why :func:`evaluate_columns` cannot evaluate *policy* (``None``: it can).

    >>> from itsm_core.sla import SlaPolicy
    >>> columnar_support(SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H",
    ...     "applies": {"field": "category", "in": ["Network"]}}]}))
    "SLA 'r' has conditions that read more than the state"
    """
    for definition in policy.definitions:
        reason = _definition_support(definition)
        if reason is not None:
            return reason
    return None


def evaluate_columns(read: Any, stamps: Any, keep: Any, policy: SlaPolicy, *,
                     parse: Callable[[Any], datetime], as_of: datetime | None,
                     by: Sequence[str], period: str | None, strict: bool = False,
                     vector: bool = True, chunk_rows: int = CHUNK_ROWS,
                     each_own: bool = False) -> ColumnsEvaluated:
    """Evaluate every ticket of *read* (a :class:`ColumnArrays`) through *policy*.

    Args:
        read: the rows (tickets keep the order of their first row; a ticket's rows are
            taken in time order, rows at the same time in row order).
        stamps: the UTC µs of each of ``read.times`` (a numpy int64 array).
        keep: which rows to evaluate (a boolean array), or ``None`` for all.
        policy: the SLA policy (:func:`columnar_support` must accept it).
        parse: a value of ``read.times`` to the aware datetime it stands for.
        as_of: the instant to evaluate at (default: the latest time read).
        by, period: the grouping, as for ``ComplianceAccumulator``.
        strict: as for ``SlaDefinition.evaluate`` (``False``: a ticket the engine cannot
            decide is counted as skipped, with its reason).
        vector: ``False`` replays every ticket with the per-event machine (the tests
            compare it with the numpy replay of the simple tickets).
        chunk_rows: rows replayed at a time (whole tickets; a longer ticket is one chunk).
        each_own: evaluate each ticket as of its own last event, as ``SlaPolicy.evaluate``
            does without an ``as_of`` (*as_of* must be ``None``; the result's ``as_of``
            is then ``None``).

    Raises:
        InvalidArgumentError: *each_own* with an *as_of*.

    >>> import numpy as np
    >>> from itsm_core.sla import SlaPolicy
    >>> p = SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H"}]})
    >>> none = ColumnArrays(ticket=np.zeros(0, dtype=np.int64), state=np.zeros(0, dtype=np.int64),
    ...                     priority=np.zeros(0, dtype=np.int64), at=np.zeros(0, dtype=np.int64),
    ...                     fields={}, tickets=[], states=[], priorities=[None], times=[],
    ...                     values={})
    >>> evaluate_columns(none, np.zeros(0, dtype=np.int64), None, p, parse=str, as_of=None,
    ...                  by=("definition",), period=None).tickets
    0
    """
    if each_own and as_of is not None:
        raise InvalidArgumentError("each_own: given with an as_of; expected one or the other")
    np = _numpy()
    ticket_codes = read.ticket
    # ticket order: first row (kept or not: the order the caller's rows give)
    present, first_rows = np.unique(ticket_codes, return_index=True)
    rank = np.empty(len(read.tickets) or 1, dtype=np.int64)
    rank[present[np.argsort(first_rows, kind="stable")]] = np.arange(len(present))
    rows_kept = np.arange(len(ticket_codes)) if keep is None else np.flatnonzero(keep)
    # one stable sort on (ticket rank, time rank): rows of a ticket in time, then row order
    instants, time_rank = np.unique(stamps, return_inverse=True)
    at_kept = read.at[rows_kept]
    order_rows = np.argsort(rank[ticket_codes[rows_kept]] * max(len(instants), 1)
                            + time_rank.reshape(-1)[at_kept], kind="stable")
    t = stamps[at_kept[order_rows]]
    del at_kept
    rows_sorted = rows_kept[order_rows]
    del rows_kept, order_rows
    latest = earliest = None
    if len(t):  # the first row (ticket order, then row order) holding each, as read
        latest = parse(read.times[int(read.at[rows_sorted[int(np.argmax(t))]])])
        earliest = parse(read.times[int(read.at[rows_sorted[int(np.argmin(t))]])])
    shown_as_of = None if each_own else as_of if as_of is not None else latest
    as_of_us = None if shown_as_of is None else to_us(shown_as_of, "as_of")
    tk = ticket_codes[rows_sorted]
    bounds = np.flatnonzero(np.diff(tk)) + 1
    del tk
    starts = np.concatenate(([0], bounds)) if len(t) else np.zeros(0, dtype=np.int64)
    ends = np.concatenate((bounds, [len(t)])) if len(t) else starts
    accumulator = ComplianceAccumulator(tuple(by), period)
    tickets = len(starts)
    # whole tickets, about chunk_rows rows at a time (in ticket order): the replay's
    # working memory is bounded by a chunk, not the log
    first = 0
    while first < tickets:
        lo = int(starts[first])
        last = max(int(np.searchsorted(ends, lo + chunk_rows, side="right")), first + 1)
        hi = int(ends[last - 1])
        t_part = t[lo:hi]
        cut = np.ones(len(t_part), dtype=bool) if as_of_us is None else t_part <= as_of_us
        Replay(read=read, rows=rows_sorted[lo:hi], t=t_part, cut=cut,
               starts=(starts[first:last] - lo).tolist(), ends=(ends[first:last] - lo).tolist(),
               as_of_us=as_of_us, policy=policy, by=tuple(by), period=period, parse=parse,
               strict=strict).run(accumulator, vector=vector)
        first = last
    return ColumnsEvaluated(accumulator=accumulator, tickets=tickets, as_of=shown_as_of,
                            earliest=earliest)

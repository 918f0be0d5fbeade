"""The columnar path: an export evaluated column by column (the ``columnar`` extra).

:func:`evaluate_columnar` reads an event-log CSV with pyarrow (only the needed columns;
times parsed and localised in one vectorised step, :mod:`itsm_core.cli.columnar_read`),
replays each ticket through each definition (:mod:`itsm_core.cli.columnar_replay`: the
tickets with a simple history in numpy, the others on a per-event state machine on plain
integers), measures every running stretch on the calendar in bulk
(:meth:`~itsm_core.calendar.business.BusinessCalendar.elapsed_many`) and counts the cycles in a :class:`~itsm_core.sla.compliance.ComplianceAccumulator`:
exactly the accumulator, skipped rows and not-evaluated tickets the pure path gives
(``tests/cli/test_cli_columnar.py`` runs one suite against both).

Supported (:func:`columnar_support` says why not otherwise): definitions whose conditions
read the state alone, with business-time targets by priority on the definition's calendar
(no deadlines, ``calendar_by``, ``goals``, ``versions``, ``start_from`` or ``reset``); the
time column in ISO 8601 or the slash form (no ``time_format``); a UTF-8 file whose values
do not span lines.  A ticket the state machine cannot decide (a priority without a target,
a span the calendar refuses) is evaluated by the core itself, for its exact reason.

>>> import io
>>> from itsm_core.sla import SlaPolicy
>>> policy = SlaPolicy.from_dict({"definitions": [{"name": "fix", "targets": "PT4H",
...                                                "stop": {"state_in": ["Resolved"]}}]})
>>> csv = b"n,s,t\\nA,New,2016-03-01T09:00Z\\nA,Resolved,2016-03-01T15:00Z\\n"
>>> result = evaluate_columnar(io.BytesIO(csv), policy, roles={"ticket": "n", "state": "s",
...                            "at": "t"}, by=("definition", "stage"))
>>> [(row.keys, row.total) for row in result.accumulator.report().rows]
[((('definition', 'fix'), ('stage', 'breached')), 1)]
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import IO, Any

import attrs

from itsm_core._instant import to_us
from itsm_core.cli.columnar_read import Columns, instants_us, read_columns
from itsm_core.cli.columnar_replay import Replay
from itsm_core.cli.csvread import DEFAULT_MISSING, SkippedRow
from itsm_core.cli.timeparse import DAY_FIRST, make_time_parser
from itsm_core.errors import NaiveDatetimeError
from itsm_core.sla.compliance import ComplianceAccumulator
from itsm_core.sla.conditions import Always
from itsm_core.sla.definition import SlaDefinition
from itsm_core.sla.policy import SlaPolicy

__all__ = ["ColumnarResult", "ColumnarUnsupported", "columnar_support", "evaluate_columnar",
           "run_columns"]

_NEVER = Always(False)
#: Rows replayed at a time (whole tickets; a ticket longer than this is one chunk).
CHUNK_ROWS = 1 << 19


class ColumnarUnsupported(Exception):
    """The columnar path cannot give the pure path's answer for this input; the message
    says why (the caller uses the pure path).

    >>> str(ColumnarUnsupported("a quoted header"))
    'a quoted header'
    """


@attrs.frozen(kw_only=True)
class ColumnarResult:
    """What :func:`evaluate_columnar` gives: the counts, every data row read, the rows left
    out (line order), the tickets evaluated, the instant they were evaluated at and the
    earliest time read (both as the pure path reads them: the first row holding each).

    >>> ColumnarResult(accumulator=ComplianceAccumulator(), rows=0, skipped=(), tickets=0,
    ...                as_of=None).rows
    0
    """

    accumulator: ComplianceAccumulator
    rows: int
    skipped: tuple[SkippedRow, ...]
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


def columnar_support(policy: SlaPolicy, *, time_format: str | None = None) -> str | None:
    """Why the columnar path cannot evaluate *policy* (``None``: it can).

    >>> from itsm_core.sla import SlaPolicy
    >>> columnar_support(SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H",
    ...     "applies": {"field": "category", "in": ["Network"]}}]}))
    "SLA 'r' has conditions that read more than the state"
    """
    if time_format is not None:
        return "a --time-format is given"
    for definition in policy.definitions:
        reason = _definition_support(definition)
        if reason is not None:
            return reason
    return None


def evaluate_columnar(source: str | IO[bytes], policy: SlaPolicy, *,
                      roles: Mapping[str, str], fields: Sequence[str] = (),
                      tz: tzinfo | None = None, order: str = DAY_FIRST,
                      as_of: datetime | None = None,
                      by: Sequence[str] = ("definition", "priority"), period: str | None = None,
                      delimiter: str = ",", missing: Collection[str] = DEFAULT_MISSING,
                      ) -> ColumnarResult:
    """Evaluate an event-log export (a path or a binary file) on the columnar path.

    Args:
        source: the CSV file (header first; UTF-8).
        policy: the SLA policy (see :func:`columnar_support`).
        roles: column names of ``ticket``, ``at``, ``state`` and optionally ``priority``.
        fields: other columns to carry (the ``by`` keys that are ticket fields).
        tz: the zone of naive times (``None``: a naive time raises).
        order: the slash form's date order (``"day-first"`` or ``"month-first"``).
        as_of: the instant to evaluate at (default: the latest time read).
        by: the grouping keys; period: as for ``ComplianceAccumulator``.
        delimiter: the field separator; missing: the cells meaning "no value".

    Raises:
        ColumnarUnsupported: the policy or the input is not supported (use the pure path).
        NaiveDatetimeError: a naive time without *tz* (the message names its first line).

    >>> import io
    >>> from itsm_core.sla import SlaPolicy
    >>> p = SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H"}]})
    >>> evaluate_columnar(io.BytesIO(b"n,s,t\\nA,New,1/3/2016 09:00\\n"), p,
    ...                   roles={"ticket": "n", "state": "s", "at": "t"}).skipped
    Traceback (most recent call last):
    ...
    itsm_core.errors.NaiveDatetimeError: line 2, column 't': naive timestamp '1/3/2016 09:00' has no UTC offset; expected --tz ZONE (e.g. --tz Europe/London) to say which zone the export's local times are in
    """
    reason = columnar_support(policy)
    if reason is not None:
        raise ColumnarUnsupported(reason)
    import numpy as np  # noqa: PLC0415 - optional dependency
    read = read_columns(source, roles=roles, fields=fields, delimiter=delimiter, missing=missing)
    if isinstance(read, str):
        raise ColumnarUnsupported(read)
    at_name = roles["at"]
    stamps, reasons, naive = instants_us(read.times, tz=tz, order=order, at_name=at_name)
    if naive:
        hit = np.isin(read.at, np.array(sorted(naive), dtype=np.int64))
        if hit.any():
            first = int(np.flatnonzero(hit)[0])
            raise NaiveDatetimeError(f"line {int(read.line[first])}, column {at_name!r}: "
                                     f"{naive[int(read.at[first])]}")
    return run_columns(read, stamps, reasons, policy, tz=tz, order=order, as_of=as_of, by=by,
                       period=period)


def run_columns(read: Columns, stamps: Any, reasons: Sequence[str | None],
                policy: SlaPolicy, *, tz: tzinfo | None, order: str,
                as_of: datetime | None, by: Sequence[str], period: str | None,
                ) -> ColumnarResult:
    """Evaluate the rows *read* (:func:`~itsm_core.cli.columnar_read.read_columns`) whose
    distinct times are *stamps* (UTC µs) or, where *reasons* says, unreadable
    (:func:`~itsm_core.cli.columnar_read.instants_us`); the arguments as for
    :func:`evaluate_columnar`.

    >>> import io
    >>> from itsm_core.sla import SlaPolicy
    >>> from itsm_core.cli.columnar_read import Columns, instants_us, read_columns
    >>> p = SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H"}]})
    >>> read = read_columns(io.BytesIO(b"n,s,t\\nA,New,2016-03-01T09:00+01:00\\n"),
    ...                     roles={"ticket": "n", "state": "s", "at": "t"}, fields=())
    >>> stamps, reasons, _ = instants_us(read.times, tz=None)
    >>> run_columns(read, stamps, reasons, p, tz=None, order="day-first", as_of=None,
    ...             by=("definition",), period=None).as_of.isoformat()
    '2016-03-01T09:00:00+01:00'
    """
    return _run_columns(read, stamps, reasons, policy, tz=tz, order=order, as_of=as_of, by=by,
                        period=period, vector=True)


def _run_columns(read: Columns, stamps: Any, reasons: Sequence[str | None],
                 policy: SlaPolicy, *, tz: tzinfo | None, order: str,
                 as_of: datetime | None, by: Sequence[str], period: str | None,
                 vector: bool) -> ColumnarResult:
    """:func:`run_columns`; *vector* ``False`` replays every ticket with the per-event
    machine (the tests compare it with the numpy replay of the simple tickets)."""
    import numpy as np  # noqa: PLC0415 - optional dependency
    skipped = list(read.skipped)
    bad = [k for k, why in enumerate(reasons) if why is not None] if any(reasons) else []
    keep = np.ones(len(read.line), dtype=bool)
    if bad:
        unreadable = np.isin(read.at, np.array(bad, dtype=np.int64))
        skipped += [SkippedRow(int(n), reasons[int(c)]) for n, c in  # type: ignore[arg-type]
                    zip(read.line[unreadable], read.at[unreadable], strict=True)]
        skipped.sort(key=lambda s: s.line)
        keep = ~unreadable
    # ticket order: first row passing the checks made before times are read
    ticket_codes = read.ticket
    present, first_rows = np.unique(ticket_codes, return_index=True)
    rank = np.empty(len(read.tickets) or 1, dtype=np.int64)
    rank[present[np.argsort(first_rows, kind="stable")]] = np.arange(len(present))
    rows_kept = np.flatnonzero(keep)
    del keep
    # one stable sort on (ticket rank, time rank): rows of a ticket in time, then file order
    instants, time_rank = np.unique(stamps, return_inverse=True)
    at_kept = read.at[rows_kept]
    order_rows = np.argsort(rank[ticket_codes[rows_kept]] * max(len(instants), 1)
                            + time_rank.reshape(-1)[at_kept], kind="stable")
    t = stamps[at_kept[order_rows]]
    del at_kept
    rows_sorted = rows_kept[order_rows]
    del rows_kept, order_rows
    parse = make_time_parser(None, tz, order=order)
    latest = earliest = None
    if len(t):  # the first row (ticket order, then file order) holding each, as read
        latest = parse(read.times[int(read.at[rows_sorted[int(np.argmax(t))]])])
        earliest = parse(read.times[int(read.at[rows_sorted[int(np.argmin(t))]])])
    shown_as_of = as_of if as_of is not None else latest
    as_of_us = None if shown_as_of is None else to_us(shown_as_of, "as_of")
    tk = ticket_codes[rows_sorted]
    bounds = np.flatnonzero(np.diff(tk)) + 1
    del tk
    starts = np.concatenate(([0], bounds)) if len(t) else np.zeros(0, dtype=np.int64)
    ends = np.concatenate((bounds, [len(t)])) if len(t) else starts
    accumulator = ComplianceAccumulator(tuple(by), period)
    tickets = len(starts)
    # whole tickets, about CHUNK_ROWS rows at a time (in ticket order): the replay's
    # working memory is bounded by a chunk, not the export
    first = 0
    while first < tickets:
        lo = int(starts[first])
        last = max(int(np.searchsorted(ends, lo + CHUNK_ROWS, side="right")), first + 1)
        hi = int(ends[last - 1])
        t_part = t[lo:hi]
        Replay(read=read, rows=rows_sorted[lo:hi], t=t_part, cut=t_part <= as_of_us,
               starts=(starts[first:last] - lo).tolist(), ends=(ends[first:last] - lo).tolist(),
               as_of_us=as_of_us, policy=policy, by=tuple(by), period=period, tz=tz,
               order=order).run(accumulator, vector=vector)
        first = last
    return ColumnarResult(accumulator=accumulator, rows=read.rows, skipped=tuple(skipped),
                          tickets=tickets, as_of=shown_as_of, earliest=earliest)

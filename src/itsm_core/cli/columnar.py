"""The columnar path: an export evaluated column by column (the ``columnar`` extra).

:func:`evaluate_columnar` reads an event-log CSV with pyarrow (only the needed columns;
times parsed and localised in one vectorised step, :mod:`itsm_core.cli.columnar_read`),
replays each ticket through each definition (the I/O-free core
:mod:`itsm_core.integrations.columnar_core`, shared with the Dask recipe: the tickets with
a simple history in numpy, the others on a per-event state machine on plain integers),
measures every running stretch on the calendar in bulk
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

from itsm_core.cli.columnar_read import Columns, read_columns
from itsm_core.cli.columnar_times import instants_us
from itsm_core.cli.csvread import DEFAULT_MISSING, SkippedRow
from itsm_core.cli.timeparse import DAY_FIRST, make_time_parser
from itsm_core.errors import NaiveDatetimeError
from itsm_core.integrations.columnar_core import CHUNK_ROWS, evaluate_columns
from itsm_core.integrations.columnar_core import columnar_support as policy_support
from itsm_core.sla.compliance import ComplianceAccumulator
from itsm_core.sla.policy import SlaPolicy

__all__ = ["ColumnarResult", "ColumnarUnsupported", "columnar_support", "evaluate_columnar",
           "run_columns"]


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


def columnar_support(policy: SlaPolicy, *, time_format: str | None = None) -> str | None:
    """Why the columnar path cannot evaluate *policy* (``None``: it can): a *time_format*,
    or what :func:`~itsm_core.integrations.columnar_core.columnar_support` says.

    >>> from itsm_core.sla import SlaPolicy
    >>> columnar_support(SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H",
    ...     "applies": {"field": "category", "in": ["Network"]}}]}))
    "SLA 'r' has conditions that read more than the state"
    """
    if time_format is not None:
        return "a --time-format is given"
    return policy_support(policy)


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
    (:func:`~itsm_core.cli.columnar_times.instants_us`); the arguments as for
    :func:`evaluate_columnar`.

    >>> import io
    >>> from itsm_core.sla import SlaPolicy
    >>> from itsm_core.cli.columnar_read import Columns, read_columns
    >>> from itsm_core.cli.columnar_times import instants_us
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
    keep = None
    if bad:
        unreadable = np.isin(read.at, np.array(bad, dtype=np.int64))
        skipped += [SkippedRow(int(n), reasons[int(c)]) for n, c in  # type: ignore[arg-type]
                    zip(read.line[unreadable], read.at[unreadable], strict=True)]
        skipped.sort(key=lambda s: s.line)
        keep = ~unreadable
    found = evaluate_columns(read, stamps, keep, policy,
                             parse=make_time_parser(None, tz, order=order), as_of=as_of, by=by,
                             period=period, vector=vector, chunk_rows=CHUNK_ROWS)
    return ColumnarResult(accumulator=found.accumulator, rows=read.rows,
                          skipped=tuple(skipped), tickets=found.tickets, as_of=found.as_of,
                          earliest=found.earliest)

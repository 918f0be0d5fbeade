"""The Dask recipe, as tested functions: SLA cycles and compliance over a partitioned log.

1. Partition the events by ticket (``shuffle`` on the ticket column), so every ticket's
   rows sit in one partition; a log read from files already cut by ticket (each ticket's
   rows in one file: ``partitioned_by_ticket=True``) is not shuffled at all.
2. ``map_partitions`` with :func:`~itsm_core.integrations.pandas.evaluate_frame`; its
   ``meta`` is the same function run on the log's empty ``_meta``, so the declared and
   the real columns cannot disagree.
3. Aggregate compliance without moving cycles: each partition's cycles are counted in a
   core :class:`~itsm_core.sla.compliance.ComplianceAccumulator` (counts and the elapsed
   times the exact statistics need), the accumulators are merged pairwise in a tree of
   ``dask.delayed`` tasks, and the one left is reported as the core reports (exact
   medians and nearest-rank percentiles, not approximations).

Needs ``itsm_core[dask]``.  The clock logic is the core's, run inside each partition; the
policy travels to the workers pickled (calendars as their rules).

>>> import dask
>>> import dask.dataframe as dd
>>> import pandas as pd
>>> from itsm_core.sla import SlaPolicy
>>> policy = SlaPolicy.from_dict({"definitions": [
...     {"name": "fix", "targets": "PT4H", "stop": {"state_in": ["Resolved"]}}]})
>>> log = pd.DataFrame({"ticket": ["A", "B", "A", "B"], "state": ["New", "New", "Resolved", "Resolved"],
...                     "at": ["2025-01-06 09:00", "2025-01-06 10:00", "2025-01-06 12:00",
...                            "2025-01-06 18:00"], "priority": [None] * 4})
>>> with dask.config.set(scheduler="synchronous"):
...     cycles = evaluate_dask(dd.from_pandas(log, npartitions=2), policy, tz="UTC")
...     report = compliance_dask(cycles)
>>> report[["definition", "total", "met", "breached"]].to_dict("records")
[{'definition': 'fix', 'total': 2, 'met': 1, 'breached': 1}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown
from itsm_core.integrations.columnar_core_frame import count_frame, frame_support
from itsm_core.integrations.pandas import (
    DEFAULT_COLUMNS,
    _roles,
    accumulate_cycles,
    evaluate_frame,
    group_keys,
    report_frame,
)
from itsm_core.sla.compliance import ComplianceAccumulator
from itsm_core.sla.policy import SlaPolicy

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["compliance_dask", "compliance_report_dask", "evaluate_dask"]

_NEEDS = "itsm_core.integrations.dask needs Dask: pip install 'itsm_core[dask]'"


def _dask() -> Any:
    try:
        import dask.dataframe  # noqa: PLC0415 - optional dependency
    except ImportError:  # pragma: no cover - the extra is installed where this runs
        raise ImportError(_NEEDS) from None
    return dask.dataframe


def _delayed() -> Any:
    try:
        from dask.delayed import delayed  # noqa: PLC0415 - optional dependency
    except ImportError:  # pragma: no cover - the extra is installed where this runs
        raise ImportError(_NEEDS) from None
    return delayed


def evaluate_dask(events: Any, policy: SlaPolicy, *, columns: Mapping[str, str] | None = None,
                  fields: Sequence[str] | None = None, tz: str | tzinfo | None = None,
                  as_of: datetime | None = None, strict: bool = True,
                  partitioned_by_ticket: bool = False) -> Any:
    """SLA cycles of a Dask DataFrame event log: a lazy Dask DataFrame of cycle rows.

    Arguments as :func:`~itsm_core.integrations.pandas.evaluate_frame`.  Rows come out
    grouped by partition (so in no particular ticket order); the rows themselves are
    exactly those of ``evaluate_frame`` on the whole log.  With *partitioned_by_ticket*
    the log is taken as it is (each ticket's rows in one partition, e.g. one file per
    range of tickets read by ``dd.read_csv`` or ``dd.read_parquet``): no shuffle.  A
    ticket split over two partitions is then evaluated twice, as two tickets: say it
    only when it holds.

    Raises:
        ArgumentTypeError: *events* is not a Dask DataFrame.
        ConfigError, NaiveDatetimeError, InvalidArgumentError: as ``evaluate_frame``,
            found on the log's empty ``meta`` before anything runs.

    >>> evaluate_dask([], None)  # type: ignore[arg-type]
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: events: expected a Dask DataFrame, got list
    """
    _require_frame(events, "events")
    options: dict[str, Any] = {"columns": columns, "fields": fields, "tz": tz, "as_of": as_of,
                               "strict": strict}
    meta = evaluate_frame(events._meta, policy, **options)  # checks everything up front
    return _by_ticket(events, columns, partitioned_by_ticket).map_partitions(
        evaluate_frame, policy, meta=meta, **options)


def _by_ticket(events: Any, columns: Mapping[str, str] | None, partitioned: bool) -> Any:
    """*events* with every ticket's rows in one partition (shuffled unless they are)."""
    if partitioned:
        return events
    return events.shuffle(on={**DEFAULT_COLUMNS, **(columns or {})}["ticket"])


def _require_frame(value: object, name: str) -> None:
    """Raise ArgumentTypeError naming *name* unless *value* is a Dask DataFrame."""
    if not isinstance(value, _dask().DataFrame):
        raise ArgumentTypeError(f"{name}: expected a Dask DataFrame, got "
                                f"{type(value).__name__}")


def _counted(part: pd.DataFrame, by: tuple[str, ...], period: str | None) -> ComplianceAccumulator:
    """One partition's cycles, counted."""
    names, rows = group_keys(part, by, period)
    return accumulate_cycles(rows, names, period)


def _evaluated(part: pd.DataFrame, policy: SlaPolicy, options: dict[str, Any],
               grouping: tuple[tuple[str, ...], str | None],
               roles: dict[str, str] | None) -> ComplianceAccumulator:
    """One partition's tickets evaluated and counted by *grouping* (by, period): on the
    columnar core when *roles* is given and the partition's values allow, else through
    its cycle frame (let go here)."""
    by, period = grouping
    if roles is not None:
        counted = count_frame(part, policy, roles=roles, tz=options["tz"],
                              as_of=options["as_of"], strict=options["strict"], by=by,
                              period=period)
        if counted is not None:
            return counted
    return _counted(evaluate_frame(part, policy, **options), by, period)


def _merged(left: ComplianceAccumulator, right: ComplianceAccumulator) -> ComplianceAccumulator:
    """A new accumulator holding both; the inputs are left alone (a task Dask runs again
    must find them as they were)."""
    return ComplianceAccumulator(left.by, left.period).merge(left).merge(right)


def compliance_dask(cycles: Any, by: Sequence[str] = ("definition", "priority"),
                    period: str | None = None) -> pd.DataFrame:
    """The compliance report of :func:`evaluate_dask` cycles: partitions counted where
    they are, accumulators merged in a tree.

    Returns the same pandas DataFrame as
    :func:`~itsm_core.integrations.pandas.compliance_frame` on the whole cycle frame.

    Raises:
        ArgumentTypeError: *cycles* is not a Dask DataFrame.
        ConfigError: *by* or *period* is malformed, or *by* names a missing column.

    >>> compliance_dask(None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: cycles: expected a Dask DataFrame, got NoneType
    """
    _require_frame(cycles, "cycles")
    group_keys(cycles._meta, by, period)  # checks the grouping before anything runs
    delayed = _delayed()
    level = [delayed(_counted)(part, tuple(by), period) for part in cycles.to_delayed()]
    return report_frame(_reduce(level, tuple(by), period).report())


def _reduce(level: list[Any], by: tuple[str, ...], period: str | None,
            ) -> ComplianceAccumulator:
    """The delayed accumulators *level* merged pairwise in a tree, computed."""
    delayed = _delayed()
    while len(level) > 1:
        pairs = [level[i:i + 2] for i in range(0, len(level), 2)]
        level = [delayed(_merged)(*pair) if len(pair) == 2 else pair[0] for pair in pairs]
    return level[0].compute() if level else ComplianceAccumulator(by, period)


def compliance_report_dask(events: Any, policy: SlaPolicy, *,
                           by: Sequence[str] = ("definition", "priority"),
                           period: str | None = None, columns: Mapping[str, str] | None = None,
                           fields: Sequence[str] | None = None, tz: str | tzinfo | None = None,
                           as_of: datetime | None = None, strict: bool = True,
                           partitioned_by_ticket: bool = False,
                           engine: str = "auto") -> pd.DataFrame:
    """The compliance report of a Dask DataFrame event log, each partition evaluated and
    counted in one task: only accumulators travel, merged in a tree.

    The same pandas DataFrame as ``compliance_dask(evaluate_dask(events, ...), by,
    period)`` and as :func:`~itsm_core.integrations.pandas.compliance_frame` on
    ``evaluate_frame`` of the whole log; arguments as there.  With
    *partitioned_by_ticket* there is no shuffle (see :func:`evaluate_dask`).  The report
    is as of *as_of*; give the export's latest time to match ``sla-report``'s default
    (e.g. ``dd.to_datetime(log[at]).max().compute()``, localised).

    *engine* chooses how a partition is evaluated: ``"pure"`` through ``evaluate_frame``
    (every ticket's events through ``SlaPolicy.evaluate``); ``"columnar"`` on the
    columnar core the command line's ``--engine columnar`` uses (numpy; see
    :mod:`itsm_core.integrations.columnar_core`), several times faster, for a policy
    and grouping it supports (:func:`~itsm_core.integrations.columnar_core_frame.frame_support`:
    state-only conditions, targets by priority, grouping keys that are built in or
    ticket fields; with or without *as_of*); ``"auto"`` (the default) the columnar core when it
    supports them, else pure.  A partition whose values the core would read otherwise
    (a state that is not text, a missing ticket id) is evaluated pure.  The report is
    the same whichever engine runs.

    Raises:
        ArgumentTypeError: *events* is not a Dask DataFrame.
        InvalidArgumentError: *engine* is unknown, or ``"columnar"`` for an evaluation
            the columnar core does not support (the message says why).
        ConfigError, NaiveDatetimeError, InvalidArgumentError: as ``evaluate_frame`` and
            ``compliance_frame``, found on the log's empty ``meta`` before anything runs.

    >>> import dask
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from itsm_core.sla import SlaPolicy
    >>> policy = SlaPolicy.from_dict({"definitions": [
    ...     {"name": "fix", "targets": "PT4H", "stop": {"state_in": ["Resolved"]}}]})
    >>> log = pd.DataFrame({"ticket": ["A", "A", "B", "B"], "state": ["New", "Resolved"] * 2,
    ...                     "at": ["2025-01-06 09:00", "2025-01-06 12:00", "2025-01-06 10:00",
    ...                            "2025-01-06 18:00"], "priority": [None] * 4})
    >>> with dask.config.set(scheduler="synchronous"):
    ...     report = compliance_report_dask(dd.from_pandas(log, npartitions=2, sort=False),
    ...                                     policy, by=("definition",), tz="UTC",
    ...                                     partitioned_by_ticket=True)
    >>> report[["definition", "total", "met", "breached"]].to_dict("records")
    [{'definition': 'fix', 'total': 2, 'met': 1, 'breached': 1}]
    """
    _require_frame(events, "events")
    options: dict[str, Any] = {"columns": columns, "fields": fields, "tz": tz, "as_of": as_of,
                               "strict": strict}
    group_keys(evaluate_frame(events._meta, policy, **options), by, period)  # up front
    roles = _columnar_roles(events._meta, policy, options, by=tuple(by), period=period,
                            engine=engine)
    delayed = _delayed()
    parts = _by_ticket(events, columns, partitioned_by_ticket).to_delayed()
    shared = delayed(policy, pure=True)  # one copy per worker: its calendars compile once
    level = [delayed(_evaluated)(part, shared, options, (tuple(by), period), roles)
             for part in parts]
    return report_frame(_reduce(level, tuple(by), period).report())


_ENGINES = ("auto", "pure", "columnar")


def _columnar_roles(meta: pd.DataFrame, policy: SlaPolicy, options: dict[str, Any], *,
                    by: tuple[str, ...], period: str | None, engine: str,
                    ) -> dict[str, str] | None:
    """The column of each role when *engine* runs the columnar core, else ``None``."""
    if not isinstance(engine, str) or engine not in _ENGINES:
        raise InvalidArgumentError(f"engine: unknown engine {shown(engine)}; expected one of "
                                   f"{', '.join(_ENGINES)}")
    if engine == "pure":
        return None
    roles, carried = _roles(meta, options["columns"], options["fields"])
    reason = frame_support(policy, by=by, period=period, fields=carried)
    if reason is None:
        return roles
    if engine == "columnar":
        raise InvalidArgumentError(f"engine: the columnar engine cannot evaluate this: "
                                   f"{reason}; expected engine='auto' or 'pure'")
    return None

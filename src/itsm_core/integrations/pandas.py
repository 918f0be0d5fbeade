"""pandas adapter: an event log DataFrame in, SLA cycles and compliance DataFrames out.

Only this module imports pandas (the optional extra ``itsm_core[pandas]``), and only when
it is first used.  The parsing and grouping are vectorised (one ``to_datetime`` and one
``tz_localize`` over the whole column, one stable factorisation of the ticket column); the
clock logic stays in the core: each ticket's rows become ``TicketEvent`` values and go
through ``SlaPolicy.evaluate``, so a frame gives exactly the figures the core gives.

>>> import pandas as pd
>>> from itsm_core.sla import SlaPolicy
>>> policy = SlaPolicy.from_dict({"definitions": [
...     {"name": "fix", "targets": "PT4H", "stop": {"state_in": ["Resolved"]}}]})
>>> events = pd.DataFrame({"ticket": ["INC1", "INC1"], "state": ["New", "Resolved"],
...                        "at": ["2025-01-06 09:00", "2025-01-06 15:00"],
...                        "priority": [None, None]})
>>> cycles = evaluate_frame(events, policy, tz="UTC")
>>> cycles[["ticket", "stage", "elapsed", "breached"]].to_dict("records")
[{'ticket': 'INC1', 'stage': 'breached', 'elapsed': Timedelta('0 days 06:00:00'), 'breached': True}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, cast

from itsm_core._instant import from_us, to_us
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    shown,
)
from itsm_core.integrations._frames import import_pandas, instants_us
from itsm_core.sla.compliance import ComplianceAccumulator
from itsm_core.sla.events import Fields, TicketEvent
from itsm_core.sla.grouping import check_grouping
from itsm_core.sla.outcome import SlaCycle, SlaOutcome, Stage
from itsm_core.sla.policy import SlaPolicy
from itsm_core.sla.report import ComplianceReport

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "COMPLIANCE_COLUMNS",
    "CYCLE_COLUMNS",
    "DEFAULT_COLUMNS",
    "accumulate_cycles",
    "compliance_frame",
    "evaluate_frame",
    "outcomes_frame",
    "report_frame",
]

#: the role of each input column and its default name
DEFAULT_COLUMNS: Mapping[str, str] = {"ticket": "ticket", "at": "at", "state": "state",
                                      "priority": "priority"}
_ROLES_FORM = "a mapping of role (ticket, at, state, priority) to column name"
#: the columns of :func:`evaluate_frame`, before ``skipped`` and the ticket's fields
CYCLE_COLUMNS = ("ticket", "definition", "cycle", "stage", "priority", "started_at",
                 "stopped_at", "due_at", "target", "elapsed", "remaining", "paused_business",
                 "paused_wall", "breached", "percent")
_INSTANTS = frozenset({"started_at", "stopped_at", "due_at"})
_DURATIONS = frozenset({"target", "elapsed", "remaining", "paused_business", "paused_wall"})
_COUNTS = ("total", "met", "breached", "running", "paused", "cancelled", "overdue")
_STATS = ("mean_elapsed", "median_elapsed", "p90_elapsed")
#: the columns of :func:`compliance_frame` after the group keys
COMPLIANCE_COLUMNS = (*_COUNTS, "compliance", *_STATS)
_ONE_US = timedelta(microseconds=1)
_OPEN = (Stage.RUNNING, Stage.PAUSED)


def _output_zone(policy: SlaPolicy) -> str:
    zones = {d.calendar.timezone.key for d in policy.definitions}
    return zones.pop() if len(zones) == 1 else "UTC"


def _us(value: datetime | None) -> int | None:
    return None if value is None else to_us(value, "instant")


def _cycle_row(outcome: SlaOutcome, index: int, cycle: SlaCycle) -> tuple[Any, ...]:
    target, elapsed = cycle.target // _ONE_US, cycle.elapsed // _ONE_US
    return (outcome.ticket, outcome.definition, index, cycle.stage.value, cycle.priority,
            _us(cycle.started_at), _us(cycle.stopped_at), _us(cycle.due_at), target,
            elapsed, target - elapsed, cycle.paused_business // _ONE_US,
            cycle.paused_wall // _ONE_US, cycle.breached, float(cycle.percent))


def _roles(frame: pd.DataFrame, columns: Mapping[str, str] | None,
           fields: Sequence[str] | None) -> tuple[dict[str, str], list[str]]:
    if columns is not None and not isinstance(columns, Mapping):
        raise ConfigError("columns", f"expected a mapping, got {shown(columns)}", _ROLES_FORM)
    roles = {**DEFAULT_COLUMNS, **(columns or {})}
    unknown = sorted(set(roles) - set(DEFAULT_COLUMNS))
    if unknown:
        raise ConfigError(f"columns.{unknown[0]}", "unknown role", _ROLES_FORM)
    present = list(frame.columns)
    for role, name in roles.items():
        if name not in present and not (role == "priority" and columns is None):
            raise ConfigError(f"columns.{role}", f"no column {shown(name)} in the frame",
                              f"one of {present}")
    if fields is None:
        fields = [c for c in present if c not in roles.values()]
    elif isinstance(fields, str) or not all(f in present for f in fields):
        raise ConfigError("fields", f"expected a list of column names, got {shown(fields)}",
                          f"names from {present}")
    clash = sorted(set(fields) & {*CYCLE_COLUMNS, "skipped"})
    if clash:
        raise ConfigError("fields", f"column {shown(clash[0])} would clash with a result column",
                          "rename it before evaluating")
    return roles, list(fields)


def _nullable(values: list[Any]) -> list[Any]:
    pdm = import_pandas()
    return [None if v is None or (not isinstance(v, str) and pdm.isna(v) is True) else v
            for v in values]


def _histories(frame: pd.DataFrame, roles: dict[str, str], fields: list[str],
               tz: str | tzinfo | None) -> list[tuple[Any, list[TicketEvent]]]:
    pdm = import_pandas()
    stamps = instants_us(frame[roles["at"]], tz)
    codes, uniques = pdm.factorize(frame[roles["ticket"]], sort=False, use_na_sentinel=False)
    states = frame[roles["state"]].tolist()
    priorities = (_nullable(frame[roles["priority"]].tolist()) if roles["priority"] in frame
                  else [None] * len(frame))
    values = [_nullable(frame[name].tolist()) for name in fields]
    labels = frame.index.tolist()
    grouped: list[list[TicketEvent]] = [[] for _ in range(len(uniques))]
    shared: dict[tuple[Any, ...], Fields] = {}
    for row, code in enumerate(codes.tolist()):
        key = tuple(column[row] for column in values)
        found = shared.get(key)
        if found is None:
            found = shared[key] = Fields({n: v for n, v in zip(fields, key, strict=True)
                                          if v is not None})
        try:
            event = TicketEvent(from_us(stamps[row], timezone.utc), states[row],
                                priorities[row], found)
        except (ArgumentTypeError, InvalidArgumentError) as exc:
            raise type(exc)(f"row {shown(labels[row])}: {exc}") from None
        grouped[code].append(event)
    return [(_nullable([ticket])[0], events)
            for ticket, events in zip(uniques.tolist(), grouped, strict=True)]


def outcomes_frame(outcomes: Sequence[SlaOutcome], policy: SlaPolicy,
                   fields: Sequence[str] = ()) -> pd.DataFrame:
    """One row per outcome × cycle (and one per skipped outcome), typed columns.

    Instants are in the zone the policy's calendars share (UTC if they differ), durations
    are ``timedelta64[us]``, ``percent`` is a float for display (``breached`` is exact).
    The ticket's *fields* as of its last event follow the cycle columns.

    >>> from itsm_core.sla import SlaPolicy
    >>> p = SlaPolicy.from_dict({"definitions": [{"name": "a", "targets": "PT1H"}]})
    >>> list(outcomes_frame([], p).columns)[:6]
    ['ticket', 'definition', 'cycle', 'stage', 'priority', 'started_at']
    """
    pdm = import_pandas()
    zone = _output_zone(policy)
    rows: list[tuple[Any, ...]] = []
    for outcome in outcomes:
        extra = tuple(outcome.fields.get(name) for name in fields)
        if outcome.skipped is not None:
            rows.append((outcome.ticket, outcome.definition, *([None] * (len(CYCLE_COLUMNS)
                         - 2)), outcome.skipped, *extra))
        rows.extend((*_cycle_row(outcome, index, cycle), None, *extra)
                    for index, cycle in enumerate(outcome.cycles))
    names = [*CYCLE_COLUMNS, "skipped", *fields]
    data = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    out: dict[str, Any] = {}
    for name in names:
        column = data[name]
        if name in _INSTANTS:
            out[name] = pdm.to_datetime(pdm.Series(column, dtype="Int64"), unit="us",
                                       utc=True).dt.tz_convert(zone)
        elif name in _DURATIONS:
            out[name] = pdm.to_timedelta(pdm.Series(column, dtype="Int64"), unit="us")
        elif name == "cycle":
            out[name] = pdm.Series(column, dtype="Int64")
        elif name == "breached":
            out[name] = pdm.Series(column, dtype="boolean")
        elif name == "percent":
            out[name] = pdm.Series(column, dtype="float64")
        else:
            out[name] = pdm.Series(column, dtype=object)
    return cast("pd.DataFrame", pdm.DataFrame(out, columns=names))


def evaluate_frame(events: pd.DataFrame, policy: SlaPolicy, *,
                   columns: Mapping[str, str] | None = None,
                   fields: Sequence[str] | None = None, tz: str | tzinfo | None = None,
                   as_of: datetime | None = None, strict: bool = True) -> pd.DataFrame:
    """Evaluate *policy* on an event log frame: one row per ticket × definition × cycle.

    Args:
        events: one row per ticket change (any row order; tickets keep the order of
            their first row, the engine orders each ticket's events by time).
        policy: the SLA policy.
        columns: role to column name, default :data:`DEFAULT_COLUMNS` (a missing
            ``priority`` column means no priority, unless named explicitly).
        fields: the columns carried as ticket fields (conditions, grouping) and copied to
            the result; default every column that has no role.
        tz: the zone of naive timestamps (exports often drop the offset).
        as_of: the evaluation instant, as in ``SlaPolicy.evaluate``.
        strict: as in ``SlaPolicy.evaluate``; with ``False`` a ticket that cannot be
            evaluated gives one row with ``skipped`` set and no cycle figures.

    Raises:
        ConfigError: a column role or field names a missing column.
        NaiveDatetimeError: naive timestamps and no *tz*.
        InvalidArgumentError: a missing timestamp, an unknown zone, or (strict) a ticket
            whose priority has no target.

    >>> import pandas as pd
    >>> from itsm_core.sla import SlaPolicy
    >>> evaluate_frame(pd.DataFrame({"ticket": ["A"], "at": ["2025-01-06 09:00"],
    ...                              "state": ["New"]}),
    ...                SlaPolicy.from_dict({"definitions": [{"name": "a", "targets": "PT1H"}]}))
    Traceback (most recent call last):
    ...
    itsm_core.errors.NaiveDatetimeError: at: naive timestamps (e.g. 2025-01-06 09:00:00); expected aware ones, or tz= naming the zone the export was written in
    """
    pdm = import_pandas()
    if not isinstance(events, pdm.DataFrame):
        raise ArgumentTypeError(f"events: expected a pandas DataFrame, got "
                                f"{type(events).__name__}")
    if not isinstance(policy, SlaPolicy):
        raise ArgumentTypeError(f"policy: expected an SlaPolicy, got {type(policy).__name__}")
    roles, carried = _roles(events, columns, fields)
    outcomes = [outcome for ticket, history in _histories(events, roles, carried, tz)
                for outcome in policy.evaluate(history, as_of, ticket, strict=strict)]
    return outcomes_frame(outcomes, policy, carried)


def _period_of(started: pd.Series, period: str) -> list[str]:
    if period == "day":
        return list(started.dt.strftime("%Y-%m-%d"))
    if period == "week":
        iso = started.dt.isocalendar()
        return [f"{y}-W{w:02d}" for y, w in zip(iso["year"], iso["week"], strict=True)]
    return list(started.dt.strftime("%Y-%m" if period == "month" else "%Y"))


def group_keys(cycles: pd.DataFrame, by: Sequence[str],
               period: str | None) -> tuple[tuple[str, ...], pd.DataFrame]:
    """Check *by* and *period*; the key names and the frame's cycle rows with their keys.

    Rows without a cycle (skipped tickets) are left out; a ``period`` column is added
    when a period is asked for (the cycle's start, in the frame's zone).

    Raises:
        ConfigError: *by* is malformed or names a missing column, or *period* is unknown.

    >>> import pandas as pd
    >>> group_keys(pd.DataFrame({"cycle": []}), ["group"], None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: by: no column 'group' in the cycles; expected one of ['cycle']
    """
    check_grouping(by, period)
    for name in by:
        if name not in cycles.columns:
            raise ConfigError("by", f"no column {shown(name)} in the cycles",
                              f"one of {list(cycles.columns)}")
    rows = cycles[cycles["cycle"].notna()]
    names = tuple(by)
    if period is not None:
        rows = rows.assign(period=_period_of(rows["started_at"], period))
        names = (*names, "period")
    return names, rows


def report_frame(report: ComplianceReport) -> pd.DataFrame:
    """A core :class:`~itsm_core.sla.compliance.ComplianceReport` as a typed DataFrame: the
    group keys, then :data:`COMPLIANCE_COLUMNS` (compliance as a float for display,
    durations as ``timedelta64[us]``).

    >>> from itsm_core.sla import compliance_report
    >>> list(report_frame(compliance_report([], by=("definition",))).columns)[:3]
    ['definition', 'total', 'met']
    """
    pdm = import_pandas()
    names = list(report.by)
    out: dict[str, Any] = {name: pdm.Series([dict(row.keys)[name] for row in report.rows],
                                            dtype=object) for name in names}
    for column in COMPLIANCE_COLUMNS:
        values = [getattr(row, column) for row in report.rows]
        if column in _STATS:
            out[column] = pdm.to_timedelta(pdm.Series([v // _ONE_US for v in values],
                                                    dtype="int64"), unit="us")
        elif column == "compliance":
            out[column] = pdm.Series([None if v is None else float(v) for v in values],
                                     dtype="float64")
        else:
            out[column] = pdm.Series(values, dtype="int64")
    return cast("pd.DataFrame", pdm.DataFrame(out, columns=[*names, *COMPLIANCE_COLUMNS]))


def accumulate_cycles(cycles: pd.DataFrame, names: Sequence[str],
                      period: str | None) -> ComplianceAccumulator:
    """Count the cycle rows of *cycles* (keys already chosen by :func:`group_keys`) in a
    core :class:`~itsm_core.sla.compliance.ComplianceAccumulator`, mergeable with others.

    >>> import pandas as pd
    >>> accumulate_cycles(pd.DataFrame({"definition": [], "stage": [], "breached": [],
    ...                                 "elapsed": pd.to_timedelta([])}), ["definition"], None)
    ComplianceAccumulator(by=('definition',), period=None: 0 groups, 0 cycles, 0 skipped)
    """
    accumulator = ComplianceAccumulator(names[:-1] if period is not None else names, period)
    keys = list(zip(*(_nullable(cycles[n].tolist()) for n in names), strict=True)) if names \
        else [() for _ in range(len(cycles))]
    stages = [Stage(value) for value in cycles["stage"].tolist()]
    elapsed = cycles["elapsed"].dt.as_unit("us").array.asi8.tolist()
    late = cycles["breached"].tolist()
    for key, stage, us, breached in zip(keys, stages, elapsed, late, strict=True):
        accumulator.add_cycle(key, stage, timedelta(microseconds=us),
                              overdue=bool(breached) and stage in _OPEN)
    return accumulator


def compliance_frame(cycles: pd.DataFrame, by: Sequence[str] = ("definition", "priority"),
                     period: str | None = None) -> pd.DataFrame:
    """The compliance report of an :func:`evaluate_frame` result, as a DataFrame.

    The groups, counts and statistics are the core's: the rows are counted in a
    :class:`~itsm_core.sla.compliance.ComplianceAccumulator` and reported as
    ``itsm_core.sla.compliance_report`` reports them (one row per group, sorted by key
    with missing keys last; compliance as a float for display, exact from ``met`` and
    ``breached``).

    >>> import pandas as pd
    >>> from itsm_core.sla import SlaPolicy
    >>> policy = SlaPolicy.from_dict({"definitions": [
    ...     {"name": "fix", "targets": "PT4H", "stop": {"state_in": ["Resolved"]}}]})
    >>> events = pd.DataFrame({"ticket": ["A", "A", "B", "B"],
    ...                        "state": ["New", "Resolved"] * 2,
    ...                        "at": pd.to_datetime(["2025-01-06 09:00", "2025-01-06 11:00",
    ...                                              "2025-01-06 09:00", "2025-01-06 17:00"]),
    ...                        "priority": ["P1"] * 4})
    >>> report = compliance_frame(evaluate_frame(events, policy, tz="UTC"))
    >>> report[["definition", "priority", "total", "met", "breached", "compliance"]].to_dict("records")
    [{'definition': 'fix', 'priority': 'P1', 'total': 2, 'met': 1, 'breached': 1, 'compliance': 0.5}]
    """
    names, rows = group_keys(cycles, by, period)
    return report_frame(accumulate_cycles(rows, names, period).report())

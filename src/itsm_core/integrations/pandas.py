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
from fractions import Fraction
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from itsm_core._instant import from_us, to_us
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    NaiveDatetimeError,
)
from itsm_core.sla.compliance import check_grouping
from itsm_core.sla.events import Fields, TicketEvent
from itsm_core.sla.outcome import SlaCycle, SlaOutcome, Stage
from itsm_core.sla.policy import SlaPolicy

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "COMPLIANCE_COLUMNS",
    "CYCLE_COLUMNS",
    "DEFAULT_COLUMNS",
    "compliance_frame",
    "evaluate_frame",
    "instants_us",
    "group_keys",
    "outcomes_frame",
    "report_from_groups",
    "summarise",
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


def _output_zone(policy: SlaPolicy) -> str:
    zones = {d.calendar.timezone.key for d in policy.definitions}
    return zones.pop() if len(zones) == 1 else "UTC"


def _us(value: datetime | None) -> int | None:
    return None if value is None else to_us(value, "instant")


def _cycle_row(outcome: SlaOutcome, index: int, cycle: SlaCycle) -> tuple[Any, ...]:
    return (outcome.ticket, outcome.definition, index, cycle.stage.value, cycle.priority,
            cycle.start_us, cycle.stop_us, _us(cycle.due_at), cycle.target_us,
            cycle.elapsed_us, cycle.target_us - cycle.elapsed_us,
            cycle.paused_business // _ONE_US, cycle.paused_wall // _ONE_US, cycle.breached,
            float(cycle.percent))


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:  # pragma: no cover - the extra is installed where this runs
        raise ImportError("itsm_core.integrations.pandas needs pandas: "
                          "pip install 'itsm_core[pandas]'") from None
    return pandas


def _zone(tz: str | tzinfo | None) -> tzinfo | None:
    if tz is None or isinstance(tz, tzinfo):
        return tz
    if not isinstance(tz, str):
        raise ArgumentTypeError(f"tz: expected an IANA zone name or a tzinfo, got "
                                f"{type(tz).__name__} {tz!r}")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgumentError(f"tz: unknown time zone {tz!r}; expected an IANA name such "
                                   f"as 'Europe/London'") from None


def _roles(frame: pd.DataFrame, columns: Mapping[str, str] | None,
           fields: Sequence[str] | None) -> tuple[dict[str, str], list[str]]:
    if columns is not None and not isinstance(columns, Mapping):
        raise ConfigError("columns", f"expected a mapping, got {columns!r}", _ROLES_FORM)
    roles = {**DEFAULT_COLUMNS, **(columns or {})}
    unknown = sorted(set(roles) - set(DEFAULT_COLUMNS))
    if unknown:
        raise ConfigError(f"columns.{unknown[0]}", "unknown role", _ROLES_FORM)
    present = list(frame.columns)
    for role, name in roles.items():
        if name not in present and not (role == "priority" and columns is None):
            raise ConfigError(f"columns.{role}", f"no column {name!r} in the frame",
                              f"one of {present}")
    if fields is None:
        fields = [c for c in present if c not in roles.values()]
    elif isinstance(fields, str) or not all(f in present for f in fields):
        raise ConfigError("fields", f"expected a list of column names, got {fields!r}",
                          f"names from {present}")
    clash = sorted(set(fields) & {*CYCLE_COLUMNS, "skipped"})
    if clash:
        raise ConfigError("fields", f"column {clash[0]!r} would clash with a result column",
                          "rename it before evaluating")
    return roles, list(fields)


def instants_us(column: pd.Series, tz: str | tzinfo | None = None) -> list[int]:
    """Parse a timestamp column to integer microseconds since the epoch, vectorised.

    Aware values (or ISO strings with offsets, even mixed ones) keep their instant.  Naive
    values are wall times in *tz*, mapped as the core maps them (``fold=0``: a time in a
    DST gap moves forward by the gap, an ambiguous one is its first occurrence).

    Raises:
        NaiveDatetimeError: naive values and no *tz*.
        InvalidArgumentError: a missing or unreadable timestamp (the row is named).

    >>> import pandas as pd
    >>> instants_us(pd.Series(["2025-03-30 01:30"]), "Europe/London")  # in the gap
    [1743298200000000]
    >>> instants_us(pd.Series(["2025-01-06T09:00:00+01:00", "2025-01-06T09:00:00Z"]))
    [1736150400000000, 1736154000000000]
    """
    pdm = _pandas()
    name = str(column.name) if column.name is not None else "at"
    zone = _zone(tz)
    parsed = column
    if not (pdm.api.types.is_datetime64_any_dtype(column)):
        try:
            parsed = pdm.to_datetime(column, format="ISO8601")
        except ValueError:
            try:
                parsed = pdm.to_datetime(column, format="ISO8601", utc=True)
            except ValueError as exc:
                raise InvalidArgumentError(f"{name}: cannot read the timestamps ({exc}); "
                                           f"expected ISO 8601 date-times") from None
    missing = parsed.isna()
    if missing.any():
        row = column.index[int(missing.to_numpy().argmax())]
        raise InvalidArgumentError(f"{name}[{row!r}]: missing timestamp; expected a date-time")
    if parsed.dt.tz is not None:
        return list(parsed.dt.tz_convert("UTC").dt.as_unit("us").array.asi8.tolist())
    if zone is None:
        shown = f" (e.g. {parsed.iloc[0]})" if len(parsed) else ""
        raise NaiveDatetimeError(f"{name}: naive timestamps{shown}; expected aware ones, or "
                                 f"tz= naming the zone the export was written in")
    wall = parsed.dt.as_unit("us")
    local = wall.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    out: list[int] = local.dt.tz_convert("UTC").array.asi8.tolist()
    for index in local.isna().to_numpy().nonzero()[0].tolist():  # DST edges: the core's rule
        naive = datetime(1970, 1, 1) + timedelta(microseconds=int(wall.array.asi8[index]))
        out[index] = to_us(naive.replace(tzinfo=zone), name)
    return out


def _nullable(values: list[Any]) -> list[Any]:
    pdm = _pandas()
    return [None if v is None or (not isinstance(v, str) and pdm.isna(v) is True) else v
            for v in values]


def _histories(frame: pd.DataFrame, roles: dict[str, str], fields: list[str],
               tz: str | tzinfo | None) -> list[tuple[Any, list[TicketEvent]]]:
    pdm = _pandas()
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
            raise type(exc)(f"row {labels[row]!r}: {exc}") from None
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
    pdm = _pandas()
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
    pdm = _pandas()
    if not isinstance(events, pdm.DataFrame):
        raise ArgumentTypeError(f"events: expected a pandas DataFrame, got "
                                f"{type(events).__name__}")
    if not isinstance(policy, SlaPolicy):
        raise ArgumentTypeError(f"policy: expected an SlaPolicy, got {type(policy).__name__}")
    roles, carried = _roles(events, columns, fields)
    outcomes = [outcome for ticket, history in _histories(events, roles, carried, tz)
                for outcome in policy.evaluate(history, as_of, ticket, strict=strict)]
    return outcomes_frame(outcomes, policy, carried)


def summarise(stages: Sequence[str], elapsed_us: Sequence[int],
              breached: Sequence[bool]) -> dict[str, Any]:
    """The counts and statistics of one group of cycles, as ``compliance_report`` has them.

    ``overdue`` counts open cycles past their target; ``compliance`` is met / (met +
    breached) as a float for display (``None`` if nothing finished); the mean and median
    are rounded to the microsecond half to even, the 90th percentile is by nearest rank.

    >>> summarise(["met", "met", "breached", "running"], [1, 2, 9, 4],
    ...           [False, False, True, False])["median_elapsed"]
    datetime.timedelta(microseconds=3)
    """
    counts = dict.fromkeys((s.value for s in Stage), 0)
    overdue = 0
    for stage, late in zip(stages, breached, strict=True):
        counts[stage] += 1
        overdue += bool(late) and stage in ("running", "paused")
    ordered = sorted(int(v) for v in elapsed_us)
    n = len(ordered)
    finished = counts["met"] + counts["breached"]
    return {"total": n, "met": counts["met"], "breached": counts["breached"],
            "running": counts["running"], "paused": counts["paused"],
            "cancelled": counts["cancelled"], "overdue": overdue,
            "compliance": counts["met"] / finished if finished else None,
            "mean_elapsed": timedelta(microseconds=round(Fraction(sum(ordered), n))),
            "median_elapsed": timedelta(microseconds=round(
                Fraction(ordered[(n - 1) // 2] + ordered[n // 2], 2))),
            "p90_elapsed": timedelta(microseconds=ordered[(9 * n + 9) // 10 - 1])}


def _sort_key(keys: tuple[Any, ...]) -> tuple[tuple[bool, str, Any], ...]:
    return tuple((v is None, type(v).__name__, v if isinstance(v, (str, int)) else str(v))
                 for v in keys)


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
            raise ConfigError("by", f"no column {name!r} in the cycles",
                              f"one of {list(cycles.columns)}")
    rows = cycles[cycles["cycle"].notna()]
    names = tuple(by)
    if period is not None:
        rows = rows.assign(period=_period_of(rows["started_at"], period))
        names = (*names, "period")
    return names, rows


def _report_rows(pdm: Any, names: tuple[str, ...],
                 groups: dict[tuple[Any, ...], dict[str, Any]]) -> pd.DataFrame:
    ordered = sorted(groups, key=_sort_key)
    out: dict[str, Any] = {name: pdm.Series([k[i] for k in ordered], dtype=object)
                           for i, name in enumerate(names)}
    for column in COMPLIANCE_COLUMNS:
        values = [groups[k][column] for k in ordered]
        if column in _STATS:
            out[column] = pdm.to_timedelta(pdm.Series([v // _ONE_US for v in values],
                                                    dtype="int64"), unit="us")
        elif column == "compliance":
            out[column] = pdm.Series(values, dtype="float64")
        else:
            out[column] = pdm.Series(values, dtype="int64")
    return cast("pd.DataFrame", pdm.DataFrame(out, columns=[*names, *COMPLIANCE_COLUMNS]))


def report_from_groups(names: Sequence[str], groups: pd.DataFrame) -> pd.DataFrame:
    """Order and type per-group summaries (one row per group: keys, then summary columns).

    Used by the Dask recipe after its own groupby; :func:`compliance_frame` ends the same way.

    >>> import pandas as pd
    >>> report_from_groups(["definition"], pd.DataFrame(columns=["definition",
    ...     *COMPLIANCE_COLUMNS])).shape
    (0, 12)
    """
    pdm = _pandas()
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for record in groups.to_dict("records"):
        key = tuple(_nullable([record[name] for name in names]))
        found[key] = {c: record[c] for c in COMPLIANCE_COLUMNS}
        found[key]["compliance"] = _nullable([record["compliance"]])[0]
        for stat in _STATS:
            found[key][stat] = pdm.Timedelta(record[stat]).to_pytimedelta()
    return _report_rows(pdm, tuple(names), found)


def compliance_frame(cycles: pd.DataFrame, by: Sequence[str] = ("definition", "priority"),
                     period: str | None = None) -> pd.DataFrame:
    """The compliance report of an :func:`evaluate_frame` result, as a DataFrame.

    Same groups, counts and statistics as ``itsm_core.sla.compliance_report`` (one row per
    group, sorted by key with missing keys last; compliance as a float for display, exact
    from ``met`` and ``breached``).

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
    pdm = _pandas()
    names, rows = group_keys(cycles, by, period)
    keys = list(zip(*(_nullable(rows[n].tolist()) for n in names), strict=True)) if names \
        else [() for _ in range(len(rows))]
    members: dict[tuple[Any, ...], list[int]] = {}
    for position, key in enumerate(keys):
        members.setdefault(key, []).append(position)
    stages = rows["stage"].tolist()
    elapsed = rows["elapsed"].dt.as_unit("us").array.asi8.tolist()
    late = rows["breached"].tolist()
    groups = {key: summarise([stages[i] for i in where], [elapsed[i] for i in where],
                             [late[i] for i in where])
              for key, where in members.items()}
    return _report_rows(pdm, names, groups)

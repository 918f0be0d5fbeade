"""The Dask recipe, as tested functions: SLA cycles and compliance over a partitioned log.

1. Partition the events by ticket (``shuffle`` on the ticket column), so every ticket's
   rows sit in one partition.
2. ``map_partitions`` with :func:`~itsm_core.integrations.pandas.evaluate_frame`; its
   ``meta`` is the same function run on the log's empty ``_meta``, so the declared and
   the real columns cannot disagree.
3. Aggregate compliance with Dask's own ``groupby``: each group's rows are shuffled
   together and summarised exactly (counts, exact medians and nearest-rank percentiles,
   not approximations), then ordered as the core orders its report.

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
from typing import TYPE_CHECKING, Any, cast

from itsm_core.errors import ArgumentTypeError
from itsm_core.integrations.pandas import (
    COMPLIANCE_COLUMNS,
    DEFAULT_COLUMNS,
    evaluate_frame,
    group_keys,
    report_from_groups,
    summarise,
)
from itsm_core.sla.policy import SlaPolicy

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["compliance_dask", "evaluate_dask"]

_ALL = "__all__"  # a constant key for a report grouped by nothing


def _dask() -> Any:
    try:
        import dask.dataframe
    except ImportError:  # pragma: no cover - the extra is installed where this runs
        raise ImportError("itsm_core.integrations.dask needs Dask: "
                          "pip install 'itsm_core[dask]'") from None
    return dask.dataframe


def evaluate_dask(events: Any, policy: SlaPolicy, *, columns: Mapping[str, str] | None = None,
                  fields: Sequence[str] | None = None, tz: str | tzinfo | None = None,
                  as_of: datetime | None = None, strict: bool = True) -> Any:
    """SLA cycles of a Dask DataFrame event log: a lazy Dask DataFrame of cycle rows.

    Arguments as :func:`~itsm_core.integrations.pandas.evaluate_frame`.  Rows come out
    grouped by partition (so in no particular ticket order); the rows themselves are
    exactly those of ``evaluate_frame`` on the whole log.

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
    ticket = {**DEFAULT_COLUMNS, **(columns or {})}["ticket"]
    return events.shuffle(on=ticket).map_partitions(evaluate_frame, policy, meta=meta,
                                                    **options)


def _require_frame(value: object, name: str) -> None:
    """Raise ArgumentTypeError naming *name* unless *value* is a Dask DataFrame."""
    if not isinstance(value, _dask().DataFrame):
        raise ArgumentTypeError(f"{name}: expected a Dask DataFrame, got "
                                f"{type(value).__name__}")


def _summary(group: pd.DataFrame) -> pd.Series:
    import pandas

    figures = summarise(group["stage"].tolist(),
                        group["elapsed"].dt.as_unit("us").array.asi8.tolist(),
                        group["breached"].tolist())
    return cast("pd.Series", pandas.Series(figures, index=list(COMPLIANCE_COLUMNS),
                                           dtype=object))


def compliance_dask(cycles: Any, by: Sequence[str] = ("definition", "priority"),
                    period: str | None = None) -> pd.DataFrame:
    """The compliance report of :func:`evaluate_dask` cycles, computed with Dask's groupby.

    Returns the same pandas DataFrame as
    :func:`~itsm_core.integrations.pandas.compliance_frame` on the whole cycle frame.

    Raises:
        ArgumentTypeError: *cycles* is not a Dask DataFrame.
        ConfigError: *by* or *period* is malformed.

    >>> compliance_dask(None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: cycles: expected a Dask DataFrame, got NoneType
    """
    import pandas

    _require_frame(cycles, "cycles")
    names, meta = group_keys(cycles._meta, by, period)
    rows = cycles.map_partitions(lambda part: group_keys(part, by, period)[1], meta=meta)
    keys = list(names) or [_ALL]
    if not names:
        rows = rows.assign(**{_ALL: 0})
    summary_meta = pandas.DataFrame({c: pandas.Series(dtype=object) for c in COMPLIANCE_COLUMNS})
    grouped = (rows[[*keys, "stage", "elapsed", "breached"]]
               .groupby(keys, dropna=False)[["stage", "elapsed", "breached"]]
               .apply(_summary, meta=summary_meta))
    found = grouped.compute().reset_index()
    return report_from_groups(names, found)

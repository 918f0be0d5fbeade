"""A pandas event-log frame on the columnar evaluation (the Dask recipe's ``columnar`` engine).

:func:`frame_support` says whether the columnar core can give, for a policy and a grouping,
exactly the report :func:`~itsm_core.integrations.pandas.evaluate_frame` and
:func:`~itsm_core.integrations.pandas.compliance_frame` give; :func:`count_frame` then
turns one frame (a Dask partition) into :class:`~itsm_core.integrations.columnar_core.ColumnArrays`
and counts its outcomes with :func:`~itsm_core.integrations.columnar_core.evaluate_columns`.
The columns are coded with ``pandas.factorize`` (tickets keep the order of their first
row, as ``evaluate_frame`` keeps them) and the times read by the pandas adapter's own
parser, so every value means what it means there.  A frame whose values the core would
read differently (a state that is not text, a missing ticket id, a grouping field that is
neither text nor an integer) gives ``None``: the caller evaluates it with
``evaluate_frame``.

>>> import pandas as pd
>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaPolicy
>>> policy = SlaPolicy.from_dict({"definitions": [{"name": "fix", "targets": "PT4H",
...                                                "stop": {"state_in": ["Resolved"]}}]})
>>> as_of = datetime(2025, 1, 7, tzinfo=timezone.utc)
>>> frame = pd.DataFrame({"ticket": ["A", "A"], "state": ["New", "Resolved"],
...                       "at": ["2025-01-06T09:00Z", "2025-01-06T15:00Z"]})
>>> frame_support(policy, by=("definition", "stage"), period=None, fields=[])
>>> counted = count_frame(frame, policy, roles={"ticket": "ticket", "at": "at", "state": "state",
...                       "priority": "priority"}, tz=None, as_of=as_of, strict=True,
...                       by=("definition", "stage"), period=None)
>>> [(row.keys, row.total) for row in counted.report().rows]
[((('definition', 'fix'), ('stage', 'breached')), 1)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from itsm_core._instant import from_us
from itsm_core.integrations._frames import import_pandas, instants_us
from itsm_core.integrations.columnar_core import ColumnArrays, columnar_support, evaluate_columns
from itsm_core.sla.compliance import ComplianceAccumulator
from itsm_core.sla.policy import SlaPolicy

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["count_frame", "frame_support"]

#: the grouping keys the core builds itself (any other is a ticket field)
_BUILT_IN = frozenset({"definition", "ticket", "priority", "stage"})


def _numpy() -> Any:
    try:
        import numpy  # noqa: PLC0415 - optional dependency
    except ImportError:  # pragma: no cover - numpy comes with pandas
        return None
    return numpy


def frame_support(policy: SlaPolicy, *, by: Sequence[str], period: str | None,
                  fields: Sequence[str]) -> str | None:
    """Why :func:`count_frame` cannot count frames for this evaluation (``None``: it can).

    *fields* are the frame's columns carried as ticket fields (every grouping key that
    is not built in must be one).

    >>> from itsm_core.sla import SlaPolicy
    >>> p = SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H"}]})
    >>> frame_support(p, by=("definition", "group"), period=None, fields=())
    "grouping by 'group', a cycle column"
    """
    reason = columnar_support(policy)
    if reason is not None:
        return reason
    other = [name for name in by if name not in _BUILT_IN and name not in fields]
    if other:
        return f"grouping by {other[0]!r}, a cycle column"
    if period is not None and len({d.calendar.timezone.key for d in policy.definitions}) > 1:
        return "a period over calendars in different zones"
    if _numpy() is None:  # pragma: no cover - numpy comes with pandas
        return "numpy is not installed"
    return None


def _coded(pdm: Any, np: Any, column: Any, kinds: tuple[type, ...],
           ) -> tuple[Any, list[Any]] | None:
    """Codes into the distinct values of *column* (a missing value: ``None``, the last
    code), or ``None`` when a value is not exactly of one of *kinds* or two kinds mix."""
    codes, uniques = pdm.factorize(column, sort=False)
    values = uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)
    found = {type(v) for v in values}
    if len(found) > 1 or not found <= set(kinds):
        return None
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(values), codes)
    return codes, [*values, None]


def count_frame(frame: pd.DataFrame, policy: SlaPolicy, *, roles: Mapping[str, str],
                tz: str | tzinfo | None, as_of: datetime | None, strict: bool, by: Sequence[str],
                period: str | None) -> ComplianceAccumulator | None:
    """The outcomes of every ticket of *frame* counted (cycles grouped by *by* and
    *period*), as ``evaluate_frame`` and ``compliance_frame`` count them; ``None`` when a
    column holds values the columnar core does not read as ``evaluate_frame`` does.
    Call it only for an evaluation :func:`frame_support` accepts.

    Raises:
        NaiveDatetimeError, InvalidArgumentError: as ``evaluate_frame`` (a naive or
            unreadable time; with *strict*, a ticket the engine cannot decide).

    >>> import pandas as pd
    >>> from datetime import datetime, timezone
    >>> from itsm_core.sla import SlaPolicy
    >>> p = SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H"}]})
    >>> count_frame(pd.DataFrame({"ticket": ["A"], "state": [3], "at": ["2025-01-06T09:00Z"]}),
    ...             p, roles={"ticket": "ticket", "at": "at", "state": "state",
    ...             "priority": "priority"}, tz=None, as_of=datetime(2025, 1, 7, tzinfo=timezone.utc),
    ...             strict=True, by=("definition",), period=None) is None
    True
    """
    pdm, np = import_pandas(), _numpy()
    tickets = frame[roles["ticket"]]
    if tickets.isna().any():
        return None
    ticket, ticket_values = pdm.factorize(tickets, sort=False)
    state = _coded(pdm, np, frame[roles["state"]], (str,))
    if state is None or (state[0] == len(state[1]) - 1).any():  # a missing state
        return None
    if roles["priority"] in frame:
        priority = _coded(pdm, np, frame[roles["priority"]], (str,))
        if priority is None:
            return None
    else:
        priority = (np.zeros(len(frame), dtype=np.int64), [None])
    fields: dict[str, Any] = {}
    values: dict[str, list[Any]] = {}
    for name in dict.fromkeys(n for n in by if n not in _BUILT_IN):
        field = _coded(pdm, np, frame[name], (str, int))
        if field is None:
            return None
        fields[name], values[name] = field
    stamps = np.array(instants_us(frame[roles["at"]], tz), dtype=np.int64)
    instants, at = np.unique(stamps, return_inverse=True)
    read = ColumnArrays(ticket=np.asarray(ticket, dtype=np.int64), state=state[0],
                        priority=priority[0], at=at.reshape(-1), fields=fields,
                        tickets=ticket_values.tolist(), states=state[1],
                        priorities=priority[1], times=instants.tolist(), values=values)
    return evaluate_columns(read, instants, None, policy, parse=_utc, as_of=as_of, by=by,
                            period=period, strict=strict, each_own=as_of is None).accumulator


def _utc(us: int) -> datetime:
    return from_us(us, timezone.utc)

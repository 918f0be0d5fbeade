"""``check(change)``: every rule one change breaks, on its own (windows and lead time).

>>> from itsm_core.change.request import ChangeRequest
>>> from itsm_core.change.windows import ChangeWindows
>>> w = ChangeWindows.from_dict({"freezes": [{"name": "launch", "intervals": [
...     ["2025-06-01T00:00+00:00", "2025-06-08T00:00+00:00"]]}]})
>>> cr = ChangeRequest.from_dict({"id": "C7", "type": "normal", "cis": ["web"],
...     "start": "2025-06-07T22:00+00:00", "end": "2025-06-08T02:00+00:00"})
>>> [c.kind.value for c in check(cr, windows=w)]
['in_freeze']
"""

from __future__ import annotations

from itsm_core.calendar import BusinessCalendar
from itsm_core.change.approval import ApprovalPolicy
from itsm_core.change.conflict import Conflict
from itsm_core.change.levels import RiskLevel
from itsm_core.change.request import ChangeRequest
from itsm_core.change.windows import ChangeWindows
from itsm_core.errors import InvalidArgumentError

__all__ = ["check"]


def check(change: ChangeRequest, *, windows: ChangeWindows | None = None,
          approval: ApprovalPolicy | None = None, risk: RiskLevel | None = None,
          calendar: BusinessCalendar | None = None) -> tuple[Conflict, ...]:
    """The rules *change* breaks: maintenance windows, freezes, and approval lead time.

    The lead time is checked when *approval* is given, with the change's *risk* level and the
    *calendar* whose business time counts (all three are needed), for a change with
    ``requested_at``.

    Raises:
        InvalidArgumentError: *approval* without *risk* or *calendar*.

    >>> from itsm_core.calendar import BusinessCalendar
    >>> policy = ApprovalPolicy.from_dict({"normal": {"authority": "cab", "lead_time": "P2D"},
    ...     "emergency": {"authority": "emergency_cab", "lead_time": "PT0S"}})
    >>> cr = ChangeRequest.from_dict({"id": "C8", "type": "normal", "cis": ["web"],
    ...     "requested_at": "2025-06-06T12:00+00:00",
    ...     "start": "2025-06-07T22:00+00:00", "end": "2025-06-08T02:00+00:00"})
    >>> [c.kind.value for c in check(cr, approval=policy, risk=RiskLevel.LOW,
    ...                              calendar=BusinessCalendar.always_open("UTC"))]
    ['lead_time']
    """
    found = list(windows.check(change)) if windows is not None else []
    if approval is not None:
        if risk is None or calendar is None:
            raise InvalidArgumentError("risk, calendar: both are needed to check the approval lead time; "
                                       "expected a RiskLevel and a BusinessCalendar")
        late = approval.check_lead_time(change, risk, calendar)
        if late is not None:
            found.append(late)
    return tuple(found)

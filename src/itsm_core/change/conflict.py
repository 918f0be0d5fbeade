"""A broken scheduling rule: which rule, which changes, where and when.

One value serves both :func:`~itsm_core.change.check` (rules a single change breaks) and
:func:`~itsm_core.change.find_conflicts` (rules a set of changes breaks together).

>>> c = Conflict(kind=ConflictKind.SAME_CI, changes=("C1", "C2"), start_us=0, end_us=3_600_000_000,
...              ci="db", detail="C1 and C2 both change db")
>>> c.to_dict()["kind"], c.to_dict()["end"]
('same_ci', '1970-01-01T01:00:00+00:00')
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone

import attrs

from itsm_core._instant import from_us

__all__ = ["Conflict", "ConflictKind"]


class ConflictKind(enum.Enum):
    """The rules a change schedule can break.

    >>> ConflictKind("in_freeze")
    <ConflictKind.IN_FREEZE: 'in_freeze'>
    """

    SAME_CI = "same_ci"
    RELATED_CI = "related_ci"
    ASSIGNEE = "assignee"
    OUTSIDE_MAINTENANCE = "outside_maintenance"
    IN_FREEZE = "in_freeze"
    LEAD_TIME = "lead_time"


@attrs.frozen(kw_only=True)
class Conflict:
    """One broken rule.

    Attributes:
        kind: which rule.
        changes: the change ids involved (one, or two sorted).
        start_us, end_us: the offending interval (the overlap, the part outside the
            maintenance window, the part inside the freeze), microseconds.
        ci: the CI concerned, if any; related_ci: the parent/child CI for ``RELATED_CI``.
        assignee: the double-booked assignee, window: the window's name, if any.
        detail: a sentence a person can read.

    >>> Conflict(kind=ConflictKind.IN_FREEZE, changes=("C1",), start_us=0, end_us=1,
    ...          window="year-end", detail="C1 runs in freeze year-end").window
    'year-end'
    """

    kind: ConflictKind
    changes: tuple[str, ...]
    start_us: int
    end_us: int
    detail: str
    ci: str | None = None
    related_ci: str | None = None
    assignee: str | None = None
    window: str | None = None

    @property
    def start(self) -> datetime:
        """The start of the offending interval, in UTC.

        >>> Conflict(kind=ConflictKind.ASSIGNEE, changes=("a", "b"), start_us=0, end_us=1,
        ...          detail="").start.isoformat()
        '1970-01-01T00:00:00+00:00'
        """
        return from_us(self.start_us, timezone.utc)

    @property
    def end(self) -> datetime:
        """The end of the offending interval, in UTC.

        >>> Conflict(kind=ConflictKind.ASSIGNEE, changes=("a", "b"), start_us=0, end_us=1,
        ...          detail="").end.microsecond
        1
        """
        return from_us(self.end_us, timezone.utc)

    def to_dict(self) -> dict[str, object]:
        """Plain data for display.

        >>> Conflict(kind=ConflictKind.ASSIGNEE, changes=("a", "b"), start_us=0, end_us=1,
        ...          assignee="ana", detail="").to_dict()["assignee"]
        'ana'
        """
        return {"kind": self.kind.value, "changes": list(self.changes),
                "start": self.start.isoformat(), "end": self.end.isoformat(), "ci": self.ci,
                "related_ci": self.related_ci, "assignee": self.assignee, "window": self.window,
                "detail": self.detail}

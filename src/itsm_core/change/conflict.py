"""A broken scheduling rule: which rule, which changes, where and when.

One value serves both :func:`~itsm_core.change.conflicts_of` (the rules one change breaks)
and :func:`~itsm_core.change.find_conflicts` (the rules a set of changes breaks together).

>>> from datetime import datetime, timezone
>>> t = datetime(2025, 1, 1, 1, tzinfo=timezone.utc)
>>> c = Conflict(kind=ConflictKind.SAME_CI, changes=("C1", "C2"), start=t, end=t.replace(hour=3),
...              ci="db", detail="C1 and C2 both change db")
>>> c.to_dict()["kind"], c.to_dict()["end"], c.end - c.start
('same_ci', '2025-01-01T03:00:00+00:00', datetime.timedelta(seconds=7200))
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone

import attrs

from itsm_core._instant import from_us, to_us

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


def _start_us(value: datetime) -> int:
    return to_us(value, "start")


def _end_us(value: datetime) -> int:
    return to_us(value, "end")


@attrs.frozen(kw_only=True, repr=False)
class Conflict:
    """One broken rule.

    Attributes:
        kind: which rule.
        changes: the change ids involved (one, or two sorted).
        start, end: the offending interval (the overlap, the part outside the maintenance
            window, the part inside the freeze) as aware datetimes, read back in UTC.
        detail: a sentence a person can read.
        ci: the CI concerned, if any; related_ci: the parent/child CI for ``RELATED_CI``.
        assignee: the double-booked assignee, window: the window's name, if any.

    Two conflicts are equal when they name the same instants, whatever the zones.

    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2025, 12, 24, tzinfo=timezone.utc)
    >>> Conflict(kind=ConflictKind.IN_FREEZE, changes=("C1",), start=t, end=t + timedelta(hours=1),
    ...          window="year-end", detail="C1 runs in freeze year-end")
    Conflict(kind='in_freeze', changes=('C1',), start='2025-12-24T00:00:00+00:00', end='2025-12-24T01:00:00+00:00', window='year-end')
    """

    kind: ConflictKind
    changes: tuple[str, ...]
    _start_us: int = attrs.field(alias="start", converter=_start_us)
    _end_us: int = attrs.field(alias="end", converter=_end_us)
    detail: str
    ci: str | None = None
    related_ci: str | None = None
    assignee: str | None = None
    window: str | None = None

    @classmethod
    def _at(cls, kind: ConflictKind, changes: tuple[str, ...], start_us: int, end_us: int,
            detail: str, *, ci: str | None = None, related_ci: str | None = None,
            assignee: str | None = None, window: str | None = None) -> Conflict:
        """Build from integer microseconds (the engine's fast path; no conversion)."""
        self = object.__new__(cls)
        put = object.__setattr__
        put(self, "kind", kind)
        put(self, "changes", changes)
        put(self, "_start_us", start_us)
        put(self, "_end_us", end_us)
        put(self, "detail", detail)
        put(self, "ci", ci)
        put(self, "related_ci", related_ci)
        put(self, "assignee", assignee)
        put(self, "window", window)
        return self

    @property
    def start(self) -> datetime:
        """The start of the offending interval, in UTC.

        >>> from datetime import datetime, timedelta, timezone
        >>> t = datetime(2025, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
        >>> Conflict(kind=ConflictKind.ASSIGNEE, changes=("a", "b"), start=t,
        ...          end=t + timedelta(hours=1), detail="").start.isoformat()
        '2025-01-01T00:00:00+00:00'
        """
        return from_us(self._start_us, timezone.utc)

    @property
    def end(self) -> datetime:
        """The end of the offending interval, in UTC.

        >>> from datetime import datetime, timedelta, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> Conflict(kind=ConflictKind.ASSIGNEE, changes=("a", "b"), start=t,
        ...          end=t + timedelta(microseconds=1), detail="").end.microsecond
        1
        """
        return from_us(self._end_us, timezone.utc)

    def to_dict(self) -> dict[str, object]:
        """Plain data for display.

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> Conflict(kind=ConflictKind.ASSIGNEE, changes=("a", "b"), start=t, end=t.replace(hour=1),
        ...          assignee="ana", detail="ana holds a and b").to_dict()["assignee"]
        'ana'
        """
        return {"kind": self.kind.value, "changes": list(self.changes),
                "start": self.start.isoformat(), "end": self.end.isoformat(), "ci": self.ci,
                "related_ci": self.related_ci, "assignee": self.assignee, "window": self.window,
                "detail": self.detail}

    def __repr__(self) -> str:
        extra = "".join(f", {name}={value!r}" for name, value in (
            ("ci", self.ci), ("related_ci", self.related_ci), ("assignee", self.assignee),
            ("window", self.window)) if value is not None)
        return (f"Conflict(kind={self.kind.value!r}, changes={self.changes!r}, "
                f"start={self.start.isoformat()!r}, end={self.end.isoformat()!r}{extra})")

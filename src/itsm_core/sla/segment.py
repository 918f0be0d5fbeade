"""The pieces of a replayed cycle: where it stands (:class:`Stage`) and its stretches
(:class:`Segment`) of running or paused clock.

>>> Stage.BREACHED.value, Stage("met")
('breached', <Stage.MET: 'met'>)
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

import attrs

from itsm_core._instant import format_duration

__all__ = ["Segment", "Stage"]


class Stage(str, enum.Enum):
    """Where an SLA cycle stands.

    ``running`` and ``paused`` are open; ``met``, ``breached`` and ``cancelled`` are final
    (a met or breached cycle may still be reopened by a later event).

    >>> [s.value for s in Stage]
    ['running', 'paused', 'met', 'breached', 'cancelled']
    """

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"


@attrs.frozen(kw_only=True)
class Segment:
    """A stretch of a cycle during which the clock ran or was paused.

    Attributes:
        kind: ``"running"`` or ``"paused"``.
        start: first instant (aware, calendar zone).
        end: end instant (exclusive).
        priority: the target key (priority label) in force.
        state: the ticket state that opened the segment.
        business: business time inside ``[start, end)`` on the definition's calendar.

    >>> from datetime import datetime, timedelta, timezone
    >>> s = Segment(kind="paused", start=datetime(2025, 1, 3, 17, tzinfo=timezone.utc),
    ...             end=datetime(2025, 1, 6, 9, tzinfo=timezone.utc), priority="P2",
    ...             state="Awaiting User Info", business=timedelta(0))
    >>> s.to_dict()["business"], s.wall
    ('PT0S', datetime.timedelta(days=2, seconds=57600))
    """

    kind: str
    start: datetime
    end: datetime
    priority: str | None
    state: str
    business: timedelta

    @property
    def wall(self) -> timedelta:
        """Wall-clock length of the segment.

        >>> from datetime import datetime, timedelta, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> Segment(kind="running", start=t, end=t, priority=None, state="New",
        ...         business=timedelta(0)).wall
        datetime.timedelta(0)
        """
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ISO 8601 instants and durations.

        >>> from datetime import datetime, timedelta, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> Segment(kind="running", start=t, end=t + timedelta(hours=1), priority="P1",
        ...         state="New", business=timedelta(hours=1)).to_dict()["end"]
        '2025-01-01T01:00:00+00:00'
        """
        return {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "priority": self.priority, "state": self.state,
                "business": format_duration(self.business), "wall": format_duration(self.wall)}

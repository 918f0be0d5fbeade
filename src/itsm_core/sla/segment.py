"""The pieces of a replayed cycle: where it stands (:class:`Stage`), its stretches
(:class:`Segment`) of running or paused clock, and who spent its time
(:class:`TimeBreakdown`).

>>> Stage.BREACHED.value, Stage("met")
('breached', <Stage.MET: 'met'>)
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from itsm_core._instant import format_duration
from itsm_core.errors import shown

__all__ = ["Segment", "Stage", "TimeBreakdown", "TimeShare"]


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


@attrs.frozen(kw_only=True)
class TimeShare:
    """The time of one cycle spent while a field held one value.

    Attributes:
        value: the field's value (an owner such as an assignment group, or a state).
        elapsed: business time the clock ran.
        paused_business: business time the clock was paused.
        paused_wall: wall-clock time the clock was paused.

    >>> from datetime import timedelta
    >>> TimeShare(value="Network", elapsed=timedelta(hours=2), paused_business=timedelta(0),
    ...           paused_wall=timedelta(0)).to_dict()
    {'value': 'Network', 'elapsed': 'PT2H', 'paused_business': 'PT0S', 'paused_wall': 'PT0S'}
    """

    value: Any
    elapsed: timedelta
    paused_business: timedelta
    paused_wall: timedelta

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ISO 8601 durations.

        >>> from datetime import timedelta
        >>> TimeShare(value=None, elapsed=timedelta(minutes=90), paused_business=timedelta(0),
        ...           paused_wall=timedelta(0)).to_dict()["elapsed"]
        'PT1H30M'
        """
        return {"value": self.value, "elapsed": format_duration(self.elapsed),
                "paused_business": format_duration(self.paused_business),
                "paused_wall": format_duration(self.paused_wall)}


@attrs.frozen(kw_only=True)
class TimeBreakdown:
    """A cycle's elapsed and paused time split by the value of one field, summing exactly
    to the cycle's ``elapsed``, ``paused_business`` and ``paused_wall``.

    Attributes:
        by: the field (``"state"`` for the ticket state).
        shares: one :class:`TimeShare` per value, in order of first appearance.

    >>> from datetime import timedelta
    >>> one = TimeShare(value="EU", elapsed=timedelta(hours=1), paused_business=timedelta(0),
    ...                 paused_wall=timedelta(0))
    >>> b = TimeBreakdown(by="group", shares=(one,))
    >>> b["EU"].elapsed, b.to_dict()["shares"][0]["value"]
    (datetime.timedelta(seconds=3600), 'EU')
    """

    by: str
    shares: tuple[TimeShare, ...]

    def __getitem__(self, value: Any) -> TimeShare:
        """The share of *value*.

        Raises:
            KeyError: no time was spent under *value*.

        >>> TimeBreakdown(by="group", shares=())["EU"]
        Traceback (most recent call last):
        ...
        KeyError: 'EU'
        """
        for share in self.shares:
            if share.value == value:
                return share
        raise KeyError(value)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{"by": ..., "shares": [...]}``.

        >>> TimeBreakdown(by="state", shares=()).to_dict()
        {'by': 'state', 'shares': []}
        """
        return {"by": self.by, "shares": [s.to_dict() for s in self.shares]}


def breakdown(by: str, raw_segments: Sequence[tuple[Any, ...]],
              marks: Sequence[tuple[int, Any]], value_of: Callable[[Any], Any]) -> TimeBreakdown:
    """Split raw segments ``(running, start, end, ..., calendar)`` at the *marks* (``(instant,
    event)`` in order: from each instant, the event's value holds) by ``value_of(event)``.

    Each piece is measured on its segment's calendar; business time is additive on
    integers, so the shares sum exactly to the segments' totals.

    >>> breakdown("state", [], [], str).shares
    ()
    """
    totals: dict[Any, list[int]] = {}
    j = 0
    count = len(marks)
    for running, start, end, *rest in raw_segments:
        engine = rest[-1]._engine
        pos = start
        while True:
            while j + 1 < count and marks[j + 1][0] <= pos:
                j += 1
            cut = end
            if j + 1 < count and marks[j + 1][0] < end:
                cut = marks[j + 1][0]
            value = value_of(marks[j][1]) if count else None
            try:
                hash(value)
            except TypeError:
                value = shown(value)
            row = totals.setdefault(value, [0, 0, 0])
            if running:
                row[0] += engine.elapsed(pos, cut)
            else:
                row[1] += engine.elapsed(pos, cut)
                row[2] += cut - pos
            if cut == end:
                break
            pos = cut
    return TimeBreakdown(by=by, shares=tuple(
        TimeShare(value=value, elapsed=timedelta(microseconds=e),
                  paused_business=timedelta(microseconds=pb), paused_wall=timedelta(microseconds=pw))
        for value, (e, pb, pw) in totals.items()))


class TimeSplits:
    """What a cycle offers to say where its time went: paused time, and who spent it
    (:meth:`time_by_owner`, :meth:`time_by_state`); a base of
    :class:`~itsm_core.sla.cycle.SlaCycle`.

    >>> TimeSplits.time_by_state.__name__
    'time_by_state'
    """

    __slots__ = ()
    _raw_segments: tuple[tuple[Any, ...], ...]
    _marks: Sequence[Any]  # the cycle's events; the first counts from the cycle's start
    _start_us: int

    def _timed_marks(self) -> list[tuple[int, Any]]:
        marks = self._marks
        return [(self._start_us if i == 0 else event._at_us, event)
                for i, event in enumerate(marks)]

    def time_by_owner(self, field: str) -> TimeBreakdown:
        """Elapsed and paused time split by the value of ticket field *field* (e.g. the
        assignment group) on each event: which team spent the budget.  The shares sum
        exactly to ``elapsed``, ``paused_business`` and ``paused_wall``.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT8H"})
        >>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
        >>> cycle = fix.evaluate([TicketEvent(at(9), "New", fields={"group": "L1"}),
        ...                       TicketEvent(at(10), "Active", fields={"group": "Network"})],
        ...                      as_of=at(13)).cycles[0]
        >>> [(s.value, s.elapsed.seconds // 3600) for s in cycle.time_by_owner("group").shares]
        [('L1', 1), ('Network', 3)]
        """
        return breakdown(field, self._raw_segments, self._timed_marks(),
                         lambda event: event.fields.get(field))

    def time_by_state(self) -> TimeBreakdown:
        """Elapsed and paused time split by ticket state (summing exactly, as
        :meth:`time_by_owner`).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT8H"})
        >>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
        >>> cycle = fix.evaluate([TicketEvent(at(9), "New"), TicketEvent(at(11), "Active")],
        ...                      as_of=at(12)).cycles[0]
        >>> {s.value: s.elapsed.seconds // 3600 for s in cycle.time_by_state().shares}
        {'New': 2, 'Active': 1}
        """
        return breakdown("state", self._raw_segments, self._timed_marks(),
                         lambda event: event.state)

    def _paused_business_us(self) -> int:
        return sum(s[-1]._engine.elapsed(s[1], s[2]) for s in self._raw_segments if not s[0])

    def _paused_segments(self) -> list[tuple[Any, ...]]:
        return [s for s in self._raw_segments if not s[0]]

    @property
    def paused_business(self) -> timedelta:
        """Business time spent paused (a pause over a weekend costs the weekend nothing).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> weekdays = {"timezone": "UTC", "hours": {d: [["09:00", "17:00"]]
        ...                                          for d in ("mon", "tue", "wed", "thu", "fri")}}
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT8H", "calendar": weekdays,
        ...                                "pause": {"state_in": ["On Hold"]}})
        >>> friday_4pm, monday_10am = (datetime(2025, 1, 10, 16, tzinfo=timezone.utc),
        ...                            datetime(2025, 1, 13, 10, tzinfo=timezone.utc))
        >>> fix.evaluate([TicketEvent(friday_4pm, "On Hold"), TicketEvent(monday_10am, "New")]
        ...              ).cycles[0].paused_business   # Friday 16-17 and Monday 9-10
        datetime.timedelta(seconds=7200)
        """
        return timedelta(microseconds=self._paused_business_us())

    @property
    def paused_wall(self) -> timedelta:
        """Wall-clock time spent paused, whatever the calendar says.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> office = {"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}}
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT8H", "calendar": office,
        ...                                "pause": {"state_in": ["Awaiting User Info"]}})
        >>> waits = [TicketEvent(datetime(2025, 1, 6, h, tzinfo=timezone.utc), state)
        ...          for h, state in ((10, "Awaiting User Info"), (20, "Active"))]
        >>> fix.evaluate(waits).cycles[0].paused_wall   # ten hours, of which seven were open
        datetime.timedelta(seconds=36000)
        """
        return timedelta(microseconds=sum(s[2] - s[1] for s in self._paused_segments()))

    @property
    def paused(self) -> tuple[timedelta, timedelta]:
        """``(paused_business, paused_wall)``: a pause outside business hours costs no time.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H", "calendar": {
        ...     "timezone": "UTC", "hours": {"mon": [["10:00", "18:00"]]}}, "pause": True})
        >>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
        >>> fix.evaluate([TicketEvent(at(9), "Pending"), TicketEvent(at(11), "Active")]
        ...              ).cycles[0].paused   # paused 09:00-11:00, open from 10:00
        (datetime.timedelta(seconds=3600), datetime.timedelta(seconds=7200))
        """
        return self.paused_business, self.paused_wall

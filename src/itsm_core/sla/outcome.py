"""Results of replaying a ticket: cycles, their segments and the per-ticket outcome.

A cycle keeps integers (microseconds) and its calendar; datetimes, timedeltas, the
percentage, the due instant and the warning instants are computed when asked, so that
evaluating many tickets for a compliance report stays cheap.

>>> Stage.BREACHED.value, Stage("met")
('breached', <Stage.MET: 'met'>)
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

from itsm_core._instant import format_duration, from_us
from itsm_core.sla.events import Fields

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.calendar import BusinessCalendar

__all__ = ["Segment", "SlaCycle", "SlaOutcome", "Stage"]


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


# A raw segment: (running, start_us, end_us, key, state).
RawSegment = tuple[bool, int, int, Any, str]


def _ceil_fraction(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


@attrs.frozen(kw_only=True)
class SlaCycle:
    """One run of an SLA clock, from attachment to stop, cancel or the evaluation instant.

    Build by :func:`itsm_core.sla.replay.replay`; read through the properties, which turn
    the stored integers into aware datetimes (in the calendar's zone) and timedeltas.

    >>> from itsm_core.sla import SlaDefinition, TicketEvent
    >>> from datetime import datetime, timezone
    >>> d = SlaDefinition.from_dict({"name": "fix", "calendar": {"timezone": "UTC",
    ...     "hours": {day: [["00:00", "24:00"]] for day in
    ...               ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
    ...     "targets": "PT4H", "stop": {"state_in": ["Resolved"]}})
    >>> t = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
    >>> cycle = d.evaluate([TicketEvent(t(9), "New"), TicketEvent(t(12), "Resolved")]).cycles[0]
    >>> cycle.stage, cycle.elapsed, cycle.remaining, cycle.percent
    (<Stage.MET: 'met'>, datetime.timedelta(seconds=10800), datetime.timedelta(seconds=3600), Fraction(75, 1))
    >>> cycle.due_at.isoformat()
    '2025-01-06T13:00:00+00:00'
    """

    stage: Stage
    start_us: int
    stop_us: int | None
    end_us: int
    target_us: int
    priority: Any
    elapsed_us: int
    raw_segments: tuple[RawSegment, ...]
    thresholds: tuple[Fraction, ...] = ()
    calendar: BusinessCalendar = attrs.field(eq=False, hash=False, repr=False)

    # -- instants and durations -------------------------------------------------------------

    def _dt(self, us: int) -> datetime:
        return from_us(us, self.calendar.timezone)

    @property
    def started_at(self) -> datetime:
        """When the clock attached, in the calendar's zone.

        >>> from datetime import datetime, timezone
        >>> from itsm_core import BusinessCalendar, SlaDefinition, TicketEvent
        >>> london = BusinessCalendar.always_open("Europe/London")
        >>> uk = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H", "calendar": london})
        >>> opened = TicketEvent(datetime(2025, 7, 7, 9, tzinfo=timezone.utc), "New")
        >>> uk.evaluate([opened]).cycles[0].started_at.isoformat()
        '2025-07-07T10:00:00+01:00'
        """
        return self._dt(self.start_us)

    @property
    def stopped_at(self) -> datetime | None:
        """When it stopped (met / breached / cancelled), ``None`` while open.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
        ...                                "stop": {"state_in": ["Resolved"]}})
        >>> history = [TicketEvent(datetime(2025, 1, 6, h, tzinfo=timezone.utc), state)
        ...            for h, state in ((9, "New"), (11, "Resolved"))]
        >>> print(fix.evaluate(history[:1]).cycles[0].stopped_at)
        None
        >>> fix.evaluate(history).cycles[0].stopped_at.isoformat()
        '2025-01-06T11:00:00+00:00'
        """
        return None if self.stop_us is None else self._dt(self.stop_us)

    @property
    def target(self) -> timedelta:
        """The business-time target in force at the end (after any priority change).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": {"P1": "PT4H", "P2": "PT8H"}})
        >>> escalated = [TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New", "P2"),
        ...              TicketEvent(datetime(2025, 1, 6, 10, tzinfo=timezone.utc), "New", "P1")]
        >>> fix.evaluate(escalated).cycles[0].target
        datetime.timedelta(seconds=14400)
        """
        return timedelta(microseconds=self.target_us)

    @property
    def elapsed(self) -> timedelta:
        """Business time the clock ran (time outside the calendar's hours does not count).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> office = {"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]],
        ...                                        "tue": [["09:00", "17:00"]]}}
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT8H", "calendar": office})
        >>> monday_4pm = TicketEvent(datetime(2025, 1, 6, 16, tzinfo=timezone.utc), "New")
        >>> fix.evaluate([monday_4pm], as_of=datetime(2025, 1, 7, 10, tzinfo=timezone.utc)
        ...              ).cycles[0].elapsed   # 16:00-17:00 and 09:00-10:00, not 18 hours
        datetime.timedelta(seconds=7200)
        """
        return timedelta(microseconds=self.elapsed_us)

    @property
    def remaining(self) -> timedelta:
        """``target - elapsed``; negative when overdue.

        >>> from datetime import datetime, timedelta, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H"})
        >>> opened = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)
        >>> fix.evaluate([TicketEvent(opened, "New")], as_of=opened + timedelta(hours=6)
        ...              ).cycles[0].remaining == -timedelta(hours=2)
        True
        """
        return timedelta(microseconds=self.target_us - self.elapsed_us)

    @property
    def breached(self) -> bool:
        """Whether elapsed business time exceeds the target, decided exactly on integers.

        Resolving at exactly the target meets it; one microsecond later breaches it.

        >>> from datetime import datetime, timedelta, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
        ...                                "stop": {"state_in": ["Resolved"]}})
        >>> opened = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)
        >>> [fix.evaluate([TicketEvent(opened, "New"), TicketEvent(opened + late, "Resolved")]
        ...               ).cycles[0].breached
        ...  for late in (timedelta(hours=4), timedelta(hours=4, microseconds=1))]
        [False, True]
        """
        return self.elapsed_us > self.target_us

    @property
    def percent(self) -> Fraction:
        """``100 * elapsed / target``, exact (for display, convert with ``float``).

        >>> from datetime import datetime, timedelta, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT3H"})
        >>> opened = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)
        >>> share = fix.evaluate([TicketEvent(opened, "New")],
        ...                      as_of=opened + timedelta(hours=1)).cycles[0].percent
        >>> share, round(float(share), 1)
        (Fraction(100, 3), 33.3)
        """
        return Fraction(100 * self.elapsed_us, self.target_us)

    def _paused_segments(self) -> list[RawSegment]:
        return [s for s in self.raw_segments if not s[0]]

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
        cal = self.calendar
        return timedelta(microseconds=sum(cal._engine.elapsed(s[1], s[2])
                                          for s in self._paused_segments()))

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
        """``(paused_business, paused_wall)``.

        >>> from datetime import datetime, timedelta, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> nights = {"timezone": "UTC", "hours": {"mon": [["22:00", "06:00"]]}}
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H", "calendar": nights,
        ...                                "pause": {"state_in": ["Pending"]}})
        >>> at = lambda h: datetime(2025, 1, 6, 20, tzinfo=timezone.utc) + timedelta(hours=h)
        >>> fix.evaluate([TicketEvent(at(0), "Pending"), TicketEvent(at(4), "Active")],
        ...              as_of=at(5)).cycles[0].paused   # paused 20:00-24:00, open from 22:00
        (datetime.timedelta(seconds=7200), datetime.timedelta(seconds=14400))
        """
        return self.paused_business, self.paused_wall

    @property
    def is_open(self) -> bool:
        """Whether the cycle is running or paused.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
        ...                                "pause": {"state_in": ["Pending"]},
        ...                                "stop": {"state_in": ["Resolved"]}})
        >>> events = [TicketEvent(datetime(2025, 1, 6, 9 + i, tzinfo=timezone.utc), state)
        ...           for i, state in enumerate(["New", "Pending", "Resolved"])]
        >>> [fix.evaluate(events[:n]).cycles[0].is_open for n in (1, 2, 3)]
        [True, True, False]
        """
        return self.stage in (Stage.RUNNING, Stage.PAUSED)

    # -- crossings ----------------------------------------------------------------------------

    def crossing_us(self, need_us: int) -> int | None:
        """When the running clock reached (or, running, will reach) *need_us* of business time.

        ``None`` if it has not reached it and is not running.

        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> from datetime import datetime, timezone
        >>> d = SlaDefinition.from_dict({"name": "x", "targets": "PT1H"})
        >>> c = d.evaluate([TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New")]).cycles[0]
        >>> c.crossing_us(60_000_000) - c.start_us
        60000000
        """
        cal = self.calendar
        done = 0
        running_now = self.stage is Stage.RUNNING
        last = len(self.raw_segments) - 1
        for index, (running, start, end, _key, _state) in enumerate(self.raw_segments):
            if not running:
                continue
            if index == last and running_now:
                return int(cal._engine.add(start, need_us - done))
            here = int(cal._engine.elapsed(start, end))
            if done + here >= need_us:
                return int(cal._engine.add(start, need_us - done))
            done += here
        return None

    @property
    def breached_at(self) -> datetime | None:
        """The instant the target was used up, if it has been (the deadline that passed).

        >>> from datetime import datetime, timedelta, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H"})
        >>> opened = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
        >>> [fix.evaluate([opened], as_of=opened.at + timedelta(hours=h)).cycles[0].breached_at
        ...  for h in (3, 6)]
        [None, datetime.datetime(2025, 1, 6, 13, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))]
        """
        if self.elapsed_us < self.target_us:
            return None
        us = self.crossing_us(self.target_us)
        return None if us is None else self._dt(us)

    @property
    def due_at(self) -> datetime | None:
        """When the target is (or was) used up: projected while running, ``None`` while paused.

        For a stopped (met, breached, cancelled) cycle it is the instant the target was
        used up, or, if it stopped in time, the deadline as it stood when it stopped
        (the remaining business time added to the stop instant).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
        ...                                "pause": {"state_in": ["Awaiting Vendor"]}})
        >>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
        >>> waiting = [TicketEvent(at(9), "New"), TicketEvent(at(10), "Awaiting Vendor")]
        >>> fix.evaluate(waiting[:1]).cycles[0].due_at.isoformat()   # projected while running
        '2025-01-06T13:00:00+00:00'
        >>> print(fix.evaluate(waiting).cycles[0].due_at)   # unknown while paused
        None
        >>> fix.evaluate([*waiting, TicketEvent(at(12), "New")]).cycles[0].due_at.hour  # moved on
        15
        """
        if self.stage is Stage.PAUSED:
            return None
        us = self.crossing_us(self.target_us)
        if us is None and self.stop_us is not None:
            us = int(self.calendar._engine.add(self.stop_us, self.target_us - self.elapsed_us))
        return None if us is None else self._dt(us)

    @property
    def warnings(self) -> dict[Fraction, datetime | None]:
        """Each warning threshold (a fraction of the target) and when it was or will be crossed.

        A threshold is crossed at the first microsecond where ``elapsed >= threshold *
        target``; ``None`` means not crossed and the clock is not running.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
        ...                                "warnings": [0.5, 0.75]})
        >>> opened = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
        >>> warnings = fix.evaluate([opened]).cycles[0].warnings
        >>> {str(share): at.strftime("%H:%M") for share, at in warnings.items()}
        {'1/2': '11:00', '3/4': '12:00'}
        """
        out: dict[Fraction, datetime | None] = {}
        for threshold in self.thresholds:
            us = self.crossing_us(_ceil_fraction(threshold * self.target_us))
            out[threshold] = None if us is None else self._dt(us)
        return out

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The running / paused segments that explain the figures.

        >>> from datetime import datetime, timedelta, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
        ...                                "pause": {"state_in": ["Awaiting User Info"]}})
        >>> history = [TicketEvent(datetime(2025, 1, 6, h, tzinfo=timezone.utc), state)
        ...            for h, state in ((9, "New"), (10, "Awaiting User Info"), (12, "Active"))]
        >>> cycle = fix.evaluate(history, as_of=history[-1].at + timedelta(hours=1)).cycles[0]
        >>> [(s.kind, s.state, s.business.seconds // 3600) for s in cycle.segments]
        [('running', 'New', 1), ('paused', 'Awaiting User Info', 2), ('running', 'Active', 1)]
        """
        cal = self.calendar
        return tuple(
            Segment(kind="running" if running else "paused", start=self._dt(start),
                    end=self._dt(end), priority=key, state=state,
                    business=timedelta(microseconds=cal._engine.elapsed(start, end)))
            for running, start, end, key, state in self.raw_segments
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data: every figure, ISO 8601 strings for instants and durations.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H"})
        >>> opened = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
        >>> data = fix.evaluate([opened], as_of=datetime(2025, 1, 6, 10, tzinfo=timezone.utc)
        ...                     ).cycles[0].to_dict()
        >>> data["stage"], data["elapsed"], data["remaining"], data["percent"], data["due_at"]
        ('running', 'PT1H', 'PT3H', 25.0, '2025-01-06T13:00:00+00:00')
        """

        def iso(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "stage": self.stage.value,
            "started_at": iso(self.started_at),
            "stopped_at": iso(self.stopped_at),
            "priority": self.priority,
            "target": format_duration(self.target),
            "elapsed": format_duration(self.elapsed),
            "paused_business": format_duration(self.paused_business),
            "paused_wall": format_duration(self.paused_wall),
            "remaining": format_duration(self.remaining),
            "due_at": iso(self.due_at),
            "breached": self.breached,
            "percent": float(self.percent),
            "warnings": {str(k): iso(v) for k, v in self.warnings.items()},
            "segments": [s.to_dict() for s in self.segments],
        }


@attrs.frozen(kw_only=True)
class SlaOutcome:
    """What one SLA definition says about one ticket.

    Attributes:
        definition: the definition's name.
        ticket: the ticket identifier passed to ``evaluate`` (or ``None``).
        applies: whether the ``applies`` condition held on some event up to ``as_of``.
        cycles: the clock's cycles in order (several after reopen/new_cycle or restart).
        fields: the ticket's fields as of its last event considered (for grouping).
        skipped: ``None``, or why the ticket could not be evaluated (non-strict mode).

    >>> SlaOutcome(definition="x", ticket="INC1", applies=False, cycles=()).to_dict()
    {'definition': 'x', 'ticket': 'INC1', 'applies': False, 'skipped': None, 'cycles': []}
    """

    definition: str
    ticket: Any
    applies: bool
    cycles: tuple[SlaCycle, ...]
    fields: Fields = attrs.field(factory=lambda: Fields({}))
    skipped: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (cycles through :meth:`SlaCycle.to_dict`).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H"})
        >>> opened = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
        >>> outcome = fix.evaluate([opened], ticket="INC42")
        >>> data = outcome.to_dict()
        >>> data["ticket"], [c["target"] for c in data["cycles"]]
        ('INC42', ['PT4H'])
        """
        return {"definition": self.definition, "ticket": self.ticket, "applies": self.applies,
                "skipped": self.skipped, "cycles": [c.to_dict() for c in self.cycles]}

"""One run of an SLA clock: :class:`SlaCycle`, the figures a replay reports for it.

A cycle keeps its figures as integers (microseconds) with its calendar, privately; the
datetimes, timedeltas, the percentage, the due instant and the warning instants are
computed when asked, so that evaluating many tickets for a compliance report stays cheap
(docs/design.md, "Scale and embedding").

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaDefinition, TicketEvent
>>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H"})
>>> opened = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
>>> fix.evaluate([opened], as_of=datetime(2025, 1, 6, 12, tzinfo=timezone.utc)).cycles[0].remaining
datetime.timedelta(seconds=3600)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

from itsm_core._instant import format_duration
from itsm_core.sla.crossings import Crossings
from itsm_core.sla.segment import Segment, Stage

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.calendar import BusinessCalendar
    from itsm_core.sla.events import TicketEvent

__all__ = ["SlaCycle"]

# A raw segment: (running, start_us, end_us, key, the event that began it (its state and
# fields are the segment's), the calendar it is measured on).
RawSegment = tuple[bool, int, int, Any, "TicketEvent", "BusinessCalendar"]


@attrs.frozen(kw_only=True)
class SlaCycle(Crossings):
    """One run of an SLA clock, from attachment to stop, cancel or the evaluation instant.

    Built by :meth:`SlaDefinition.evaluate`.  Instants are aware datetimes in the zone of
    the calendar in force when the cycle started, durations are timedeltas of business time
    unless named ``wall``; each segment is measured on its own calendar (docs/sla-schedules.md).

    Attributes:
        stage: where the cycle stands.
        priority: the target key (priority label) in force at the end.
        thresholds: the definition's warning thresholds (fractions of the target).
        escalation_offsets: the definition's escalation levels (business time after the due
            instant; negative: before it).
        calendar: the calendar in force when the cycle started.

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
    priority: Any
    # (thresholds, escalation offsets): the definition's, shared by its cycles
    _levels: tuple[tuple[Fraction, ...], tuple[timedelta, ...]] = ((), ())
    calendar: BusinessCalendar = attrs.field(eq=False, hash=False, repr=False)
    # the figures, in microseconds (private: read them through the properties)
    _start_us: int
    _stop_us: int | None
    _target_us: int
    _elapsed_us: int
    _raw_segments: tuple[RawSegment, ...]
    # a deadline's due instant before pauses move it (None: a business-time budget)
    _due_us: int | None = None
    # every event of the cycle with the instant it took effect, for time_by_*
    # (a list the replay built and hands over: never changed afterwards)
    _marks: Sequence[TicketEvent] = attrs.field(default=(), eq=False, repr=False)

    @property
    def thresholds(self) -> tuple[Fraction, ...]:
        """The definition's warning thresholds (fractions of the target).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H", "warnings": [0.5]})
        >>> opened = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
        >>> fix.evaluate([opened]).cycles[0].thresholds
        (Fraction(1, 2),)
        """
        return self._levels[0]

    @property
    def escalation_offsets(self) -> tuple[timedelta, ...]:
        """The definition's escalation levels (business time after the due instant;
        negative: before it).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
        ...                                "escalations": ["-PT1H"]})
        >>> opened = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
        >>> fix.evaluate([opened]).cycles[0].escalation_offsets
        (datetime.timedelta(days=-1, seconds=82800),)
        """
        return self._levels[1]

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
        return self._dt(self._start_us)

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
        return None if self._stop_us is None else self._dt(self._stop_us)

    @property
    def target(self) -> timedelta:
        """The business-time target in force at the end (after any priority change); for a
        deadline, the business time from the start to the due instant.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": {"P1": "PT4H", "P2": "PT8H"}})
        >>> escalated = [TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New", "P2"),
        ...              TicketEvent(datetime(2025, 1, 6, 10, tzinfo=timezone.utc), "New", "P1")]
        >>> fix.evaluate(escalated).cycles[0].target
        datetime.timedelta(seconds=14400)
        """
        return timedelta(microseconds=self._target_us)

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
        return timedelta(microseconds=self._elapsed_us)

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
        return timedelta(microseconds=self._target_us - self._elapsed_us)

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
        if not self._target_us:  # a deadline due at its start: the budget is used up
            return Fraction(100)
        return Fraction(100 * self._elapsed_us, self._target_us)

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
        return tuple(
            Segment(kind="running" if running else "paused", start=self._dt(start),
                    end=self._dt(end), priority=key, state=event.state,
                    business=timedelta(microseconds=cal._engine.elapsed(start, end)))
            for running, start, end, key, event, cal in self._raw_segments
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
            "escalations": {format_duration(k): iso(v) for k, v in self.escalations.items()},
            "segments": [s.to_dict() for s in self.segments],
        }

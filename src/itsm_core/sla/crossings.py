"""When an SLA clock crosses a line: the due instant, the breach, warnings and escalations.

:class:`Crossings` is the base of :class:`~itsm_core.sla.cycle.SlaCycle` that turns the
cycle's integer figures into the instants a line was (or, running, will be) crossed: the
target used up, each warning threshold, each escalation level.  A deadline's due instant
moves later by the business time spent paused (docs/sla-schedules.md).

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaDefinition, TicketEvent
>>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H", "warnings": [0.5]})
>>> opened = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
>>> cycle = fix.evaluate([opened]).cycles[0]
>>> cycle.due_at.hour, [at.hour for at in cycle.warnings.values()]
(13, [11])
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

from itsm_core._instant import from_us
from itsm_core.sla.segment import Stage, TimeSplits

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.calendar import BusinessCalendar

__all__ = ["Crossings"]

_ONE_US = timedelta(microseconds=1)


def _ceil_fraction(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


class Crossings(TimeSplits):
    """What a cycle offers to say when a line was or will be crossed: the due instant, the
    breach, each warning and escalation; a base of :class:`~itsm_core.sla.cycle.SlaCycle`.

    >>> Crossings.due_at.__doc__.split(":")[0]
    'When the target is (or was) used up'
    """

    __slots__ = ()
    stage: Stage
    calendar: BusinessCalendar
    _levels: tuple[tuple[Fraction, ...], tuple[timedelta, ...]]
    _stop_us: int | None
    _target_us: int
    _elapsed_us: int
    _due_us: int | None

    def _dt(self, us: int) -> datetime:
        return from_us(us, self.calendar.timezone)

    def _end_us(self) -> int:
        if self._stop_us is not None:
            return self._stop_us
        return self._raw_segments[-1][2] if self._raw_segments else self._start_us

    def _effective_due_us(self) -> int:
        """A deadline's due instant, moved later by the business time spent paused."""
        assert self._due_us is not None
        paused = self._paused_business_us()
        return self.calendar._engine.add(self._due_us, paused) if paused else self._due_us


    @property
    def breached(self) -> bool:
        """Whether elapsed business time exceeds the target, decided exactly on integers.

        Resolving at exactly the target meets it; one microsecond later breaches it.  For a
        deadline: whether the cycle stopped (or, open, stands) after the due instant as
        moved by pauses, on the wall clock.

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
        if self._due_us is not None:
            return self._end_us() > self._effective_due_us()
        return self._elapsed_us > self._target_us


    def _crossing_us(self, need_us: int) -> int | None:
        """When the running clock reached (or, running, will reach) *need_us* of business
        time; ``None`` if it has not reached it and is not running."""
        done = 0
        running_now = self.stage is Stage.RUNNING
        last = len(self._raw_segments) - 1
        for index, (running, start, end, *_, cal) in enumerate(self._raw_segments):
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
        if self._due_us is not None:
            return self._dt(self._effective_due_us()) if self.breached else None
        if self._elapsed_us < self._target_us:
            return None
        us = self._crossing_us(self._target_us)
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
        if self._due_us is not None:
            return self._dt(self._effective_due_us())
        us = self._crossing_us(self._target_us)
        if us is None and self._stop_us is not None:
            us = int(self.calendar._engine.add(self._stop_us, self._target_us - self._elapsed_us))
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
        for threshold in self._levels[0]:
            us = self._crossing_us(_ceil_fraction(threshold * self._target_us))
            out[threshold] = None if us is None else self._dt(us)
        return out

    @property
    def escalations(self) -> dict[timedelta, datetime | None]:
        """Each escalation level (business time after the due instant, negative before it)
        and when it was or will be crossed; ``None`` if not crossed and the clock is not
        running.  For a budget, level ``o`` is crossed when elapsed reaches ``target + o``
        (at the start if that is not positive); for a deadline, it is the due instant (as
        moved by pauses) moved by ``o`` of business time (``None`` while paused).

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
        ...                                "escalations": ["-PT1H", "PT0S", "PT2H"]})
        >>> opened = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
        >>> [at.hour for at in fix.evaluate([opened]).cycles[0].escalations.values()]
        [12, 13, 15]
        """
        out: dict[timedelta, datetime | None] = {}
        for offset in self._levels[1]:
            us = self._escalation_us(offset // _ONE_US)
            out[offset] = None if us is None else self._dt(us)
        return out

    def _escalation_us(self, offset: int) -> int | None:
        if self._due_us is None:
            return self._crossing_us(max(0, self._target_us + offset))
        if self.stage is Stage.PAUSED:
            return None
        engine = self.calendar._engine
        due = self._effective_due_us()
        return int(engine.add(due, offset) if offset >= 0 else engine.subtract(due, -offset))


"""A cycle while the replay builds it, and the finished :class:`SlaCycle` made from it.

The replay (:mod:`itsm_core.sla.replay`) decides, event by event, when a cycle attaches,
runs, pauses, stops or is cancelled; an :class:`OpenCycle` records those decisions as
segments, each begun by one event (its state and fields are the segment's), on integer
microseconds.  A definition with a per-ticket calendar (``calendar_by``) or ordered ``goals``
builds a :class:`~itsm_core.sla.scheduled.ScheduledCycle` instead, which re-chooses them at
every event (docs/sla-schedules.md).  :func:`finish` measures each segment on its calendar and gives
the cycle its stage (docs/design.md, "Time").

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaDefinition, TicketEvent
>>> d = SlaDefinition.from_dict({"name": "r", "targets": "PT1H"})
>>> opened = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
>>> cycle = OpenCycle(opened._at_us, None, 3_600_000_000, True, opened)
>>> finish(d, cycle, opened._at_us + 7_200_000_000).stage.value
'running'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from itsm_core.errors import shown
from itsm_core.sla.cycle import RawSegment, SlaCycle
from itsm_core.sla.events import TicketEvent
from itsm_core.sla.segment import Stage

if TYPE_CHECKING:  # pragma: no cover - typing only
    from datetime import timedelta
    from fractions import Fraction

    from itsm_core.calendar import BusinessCalendar
    from itsm_core.sla.definition import SlaDefinition
    from itsm_core.sla.targets import Targets

__all__ = ["OpenCycle", "aim_of", "finish", "finish_on", "no_target"]


class OpenCycle:
    """A cycle being built (mutable, private to one replay), on the definition's calendar;
    :class:`ScheduledCycle` is one whose calendar and goal the ticket chooses.

    Attributes:
        start: when it attached (µs).
        key: the target key (priority label) in force.
        target: the business-time target in force (µs; for a deadline, the business time
            from the start to the due instant).
        due: a deadline's due instant (µs), ``None`` for a business-time budget.
        running: whether the clock runs now.
        segs: ``(running, start_us, key, event)`` per segment, in order.
        marks: every event of the cycle, in order (the first counts from ``start``, the
            others from their own instants).
        stop: when it stopped or was cancelled (µs), ``None`` while open.
        stop_event: the event that stopped it (met or breached), if any.
        cancelled: whether it was cancelled.
        cal / cals / plan / goal / sig: a :class:`ScheduledCycle`'s choice (here: none).
        problem: why the ticket cannot be evaluated after all (a later event named no
            calendar or no goal), or ``None``.

    >>> from datetime import datetime, timezone
    >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
    >>> c = OpenCycle(0, "P1", 10, True, e)
    >>> c.switch(False, 0, "P1", e)      # a switch at the same instant replaces the segment
    >>> len(c.segs), c.running, c.cals
    (1, False, None)
    """

    __slots__ = ("cancelled", "due", "key", "marks", "running", "segs", "start", "stop",
                 "stop_event", "target")
    # no schedule: a ScheduledCycle has slots of these names
    cal: BusinessCalendar | None = None
    cals: list[tuple[int, BusinessCalendar]] | None = None
    plan: SlaDefinition | None = None
    goal: int = -1
    problem: str | None = None

    def __init__(self, t: int, key: Any, target: int, running: bool, event: TicketEvent, *,
                 due: int | None = None) -> None:
        self.start = t
        self.key = key
        self.target = target
        self.due = due
        self.running = running
        self.segs: list[tuple[bool, int, Any, TicketEvent]] = [(running, t, key, event)]
        self.marks: list[TicketEvent] = [event]
        self.stop: int | None = None
        self.stop_event: TicketEvent | None = None
        self.cancelled = False

    def switch(self, running: bool, t: int, key: Any, event: TicketEvent) -> None:
        """Begin a segment at *t* (replacing one that began at the same instant).

        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
        >>> c = OpenCycle(0, "P1", 10, True, e)
        >>> c.switch(False, 5, "P1", e)
        >>> [(running, start) for running, start, *_ in c.segs]
        [(True, 0), (False, 5)]
        """
        segs = self.segs
        if segs[-1][1] == t:
            segs[-1] = (running, t, key, event)
        else:
            segs.append((running, t, key, event))
        self.marks.append(event)
        self.running = running
        self.key = key

    def retarget(self, definition: SlaDefinition, t: int, key: Any,
                 event: TicketEvent) -> str | None:
        """Switch to the target of *key* at *t*, keeping the elapsed time; or say why not.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition
        >>> d = SlaDefinition.from_dict({"name": "r", "targets": {"P1": "PT1H", "P2": "PT2H"}})
        >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New", "P2")
        >>> c = OpenCycle(e._at_us, "P2", 7_200_000_000, True, e)
        >>> c.retarget(d, e._at_us + 1, "P1", e), c.target
        (None, 3600000000)
        >>> c.retarget(d, e._at_us + 2, "P9", e)
        "priority 'P9' has no target; expected one of ['P1', 'P2']"
        """
        found = aim_of(definition.targets, key, self.start, definition.calendar, event)
        if isinstance(found, str):
            return found
        self.target, self.due = found
        self.switch(self.running, t, key, event)
        return None

    def step(self, running: bool, t: int, key: Any, event: TicketEvent) -> None:
        """Record *event* of an open cycle that neither stops nor cancels it: a new segment
        begins when the clock starts or stops running.

        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
        >>> c = OpenCycle(0, "P1", 10, True, e)
        >>> c.step(True, 3, "P1", e)     # still running: no new segment, one more mark
        >>> len(c.segs), len(c.marks)
        (1, 2)
        """
        if running != self.running:
            self.switch(running, t, key, event)
        else:
            self.marks.append(event)


def aim_of(targets: Targets, key: Any, start: int, calendar: BusinessCalendar,
         event: TicketEvent) -> tuple[int, int | None] | str:
    """``(target µs, due µs or None)`` for *key* of a cycle starting at *start* on
    *calendar*, or why there is none.

    >>> from datetime import datetime, timezone
    >>> from itsm_core import BusinessCalendar
    >>> from itsm_core.sla.targets import Targets
    >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New", "P1")
    >>> aim_of(Targets.from_dict({"P1": "PT1H"}), "P1", e._at_us,
    ...        BusinessCalendar.always_open("UTC"), e)
    (3600000000, None)
    """
    goal = targets._goal(key)
    if goal is None:
        return no_target(targets, key)
    if type(goal) is int:
        return goal, None
    assert not isinstance(goal, int)
    due = goal._due_us(start, calendar, event.fields)
    if isinstance(due, str):
        return due
    return calendar._engine.elapsed(start, max(start, due)), due


def no_target(targets: Targets, key: Any) -> str:
    """Why *key* has no target in *targets* (the reason a replay reports).

    >>> from itsm_core.sla.targets import Targets
    >>> no_target(Targets.from_dict({"P1": "PT1H"}), "P7")
    "priority 'P7' has no target; expected one of ['P1']"
    """
    return f"{targets.by} {shown(key)} has no target; expected one of {list(targets.labels())}"


# SlaCycle's fields, each set straight into its slot by _cycle
_FIELD_ORDER = ("stage", "priority", "_levels", "calendar", "_start_us", "_stop_us",
                "_target_us", "_elapsed_us", "_raw_segments", "_due_us", "_marks")
(_set_stage, _set_priority, _set_levels, _set_calendar, _set_start, _set_stop, _set_target,
 _set_elapsed, _set_raw, _set_due, _set_marks) = (SlaCycle.__dict__[name].__set__
                                                  for name in _FIELD_ORDER)
if (set(_FIELD_ORDER) != {field.name for field in attrs.fields(SlaCycle)}
        or any(field.validator or field.converter
               for field in attrs.fields(SlaCycle))):  # pragma: no cover
    raise TypeError("_cycle must set every field of SlaCycle, none checked or converted")
_NEW = object.__new__
# the stages, read once (an enum member read from its class is a slow lookup)
_CANCELLED, _BREACHED, _MET, _RUNNING, _PAUSED = (Stage.CANCELLED, Stage.BREACHED, Stage.MET,
                                                  Stage.RUNNING, Stage.PAUSED)


def finish(definition: SlaDefinition, cycle: OpenCycle, as_of_us: int) -> SlaCycle:
    """Measure *cycle*'s segments up to its stop (or *as_of_us*) and give it its stage.

    >>> from datetime import datetime, timezone
    >>> from itsm_core.sla import SlaDefinition
    >>> d = SlaDefinition.from_dict({"name": "r", "targets": "PT1H"})
    >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
    >>> c = OpenCycle(e._at_us, None, 3_600_000_000, True, e)
    >>> c.stop = e._at_us + 1_800_000_000
    >>> finish(d, c, c.stop).stage.value
    'met'
    """
    cals = cycle.cals
    if cals is None:
        calendar = definition.calendar if cycle.cal is None else cycle.cal
        return finish_on(calendar, definition._levels, cycle, as_of_us)
    first = calendar = cals[0][1]
    end = as_of_us if cycle.stop is None else cycle.stop
    segs = cycle.segs
    raw: list[RawSegment] = []
    elapsed = paused = 0
    due = cycle.due
    last = len(segs) - 1
    at = 0
    closed = cycle.stop is not None
    for i, (running, start, key, event) in enumerate(segs):
        while at + 1 < len(cals) and cals[at + 1][0] <= start:
            at += 1
        calendar = cals[at][1]
        seg_end = segs[i + 1][1] if i < last else end
        if seg_end == start and (closed or i < last):
            continue  # drop empty stretches, but keep an open cycle's current one
        if running:
            elapsed += calendar._engine.elapsed(start, seg_end)
        elif due is not None:
            paused += calendar._engine.elapsed(start, seg_end)
        raw.append((running, start, seg_end, key, event, calendar))
    return _cycle(first, definition._levels, cycle, elapsed, paused, raw=tuple(raw))


def finish_on(calendar: BusinessCalendar,
              levels: tuple[tuple[Fraction, ...], tuple[timedelta, ...]], cycle: OpenCycle,
              as_of_us: int) -> SlaCycle:
    """:func:`finish` for a cycle measured on one *calendar* throughout (no schedule), with
    the definition's warning *levels*: a replay of a plain definition looks both up once
    per ticket, and a cycle of one segment (the most common) is measured without a loop.

    >>> from datetime import datetime, timezone
    >>> from itsm_core import BusinessCalendar
    >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
    >>> c = OpenCycle(e._at_us, None, 3_600_000_000, True, e)
    >>> cycle = finish_on(BusinessCalendar.always_open("UTC"), ((), ()), c,
    ...                   e._at_us + 7_200_000_000)
    >>> cycle.stage.value, cycle.elapsed.seconds
    ('running', 7200)
    """
    stop = cycle.stop
    end = as_of_us if stop is None else stop
    segs = cycle.segs
    measure = calendar._engine.elapsed
    due = cycle.due
    elapsed = paused = 0
    if len(segs) == 1:
        running, start, key, event = segs[0]
        if end == start and stop is not None:  # a closed cycle of no time: no segment
            return _cycle(calendar, levels, cycle, 0, 0, raw=())
        if running:
            elapsed = measure(start, end)
        elif due is not None:
            paused = measure(start, end)
        return _cycle(calendar, levels, cycle, elapsed, paused,
                      raw=((running, start, end, key, event, calendar),))
    raw: list[RawSegment] = []
    running, start, key, event = segs[0]
    for following in segs[1:]:
        seg_end = following[1]
        if seg_end != start:  # drop empty stretches
            if running:
                elapsed += measure(start, seg_end)
            elif due is not None:
                paused += measure(start, seg_end)
            raw.append((running, start, seg_end, key, event, calendar))
        running, start, key, event = following
    if end != start or stop is None:  # an open cycle keeps its current stretch
        if running:
            elapsed += measure(start, end)
        elif due is not None:
            paused += measure(start, end)
        raw.append((running, start, end, key, event, calendar))
    return _cycle(calendar, levels, cycle, elapsed, paused, raw=tuple(raw))


def _cycle(first: BusinessCalendar, levels: tuple[tuple[Fraction, ...], tuple[timedelta, ...]],
           cycle: OpenCycle, elapsed: int, paused: int, *,
           raw: tuple[RawSegment, ...]) -> SlaCycle:
    """The finished cycle of *cycle*, measured: its stage, and its field values (each private
    figure in microseconds) set straight into its slots: a replay builds one per cycle, and
    the frozen class's ``__init__`` would pass each value through ``object.__setattr__``
    (nearly twice the cost; docs/design.md, "Scale and embedding")."""
    stop = cycle.stop
    due = cycle.due
    if cycle.cancelled:
        stage = _CANCELLED
    elif stop is not None:
        if due is not None:
            late = stop > (first._engine.add(due, paused) if paused else due)
        else:
            late = elapsed > cycle.target
        stage = _BREACHED if late else _MET
    else:
        stage = _RUNNING if cycle.running else _PAUSED
    made: SlaCycle = _NEW(SlaCycle)
    _set_stage(made, stage)
    _set_priority(made, cycle.key)
    _set_levels(made, levels)
    _set_calendar(made, first)
    _set_start(made, cycle.start)
    _set_stop(made, stop)
    _set_target(made, cycle.target)
    _set_elapsed(made, elapsed)
    _set_raw(made, raw)
    _set_due(made, due)
    _set_marks(made, cycle.marks)
    return made

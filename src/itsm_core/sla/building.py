"""A cycle while the replay builds it, and the finished :class:`SlaCycle` made from it.

The replay (:mod:`itsm_core.sla.replay`) decides, event by event, when a cycle attaches,
runs, pauses, stops or is cancelled; an :class:`OpenCycle` records those decisions as
segments, each begun by one event (its state and fields are the segment's), on integer
microseconds.  A definition with a per-ticket calendar (``calendar_by``) or ordered ``goals``
re-chooses them at every event, beginning a segment where the calendar or the goal changes
(docs/sla-schedules.md).  :func:`finish` measures each segment on its calendar and gives
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

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from itsm_core.errors import shown
from itsm_core.sla.conditions import Always, FieldIn, Junction, KindIn, Not, StateIn
from itsm_core.sla.cycle import RawSegment, SlaCycle
from itsm_core.sla.events import TicketEvent
from itsm_core.sla.segment import Stage

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.calendar import BusinessCalendar
    from itsm_core.sla.definition import SlaDefinition
    from itsm_core.sla.schedule import CalendarChoice, Goal
    from itsm_core.sla.targets import Targets

__all__ = ["OpenCycle", "finish", "open_cycle", "signature"]


class OpenCycle:
    """A cycle being built (mutable, private to one replay).

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
        problem: why the ticket cannot be evaluated after all (a later event named no
            calendar or no goal), or ``None``.

    >>> from datetime import datetime, timezone
    >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
    >>> c = OpenCycle(0, "P1", 10, True, e)
    >>> c.switch(False, 0, "P1", e)      # a switch at the same instant replaces the segment
    >>> len(c.segs), c.running
    (1, False)
    """

    __slots__ = ("cal", "cals", "cancelled", "due", "goal", "key", "marks", "plan", "problem",
                 "running", "segs", "sig", "start", "stop", "stop_event", "target")

    def __init__(self, t: int, key: Any, target: int, running: bool, event: TicketEvent, *,
                 calendar: BusinessCalendar | None = None, plan: SlaDefinition | None = None,
                 goal: int = -1, due: int | None = None) -> None:
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
        self.cal = calendar
        # calendar changes (instant, calendar), kept only for a per-ticket schedule
        self.cals: list[tuple[int, BusinessCalendar]] | None = (
            None if plan is None or calendar is None else [(t, calendar)])
        self.plan = plan
        self.goal = goal
        self.problem: str | None = None
        # what the calendar and goal were last chosen from (see schedule.signature)
        sign = None if plan is None else plan._signature
        self.sig: object = None if sign is None else sign(event)

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
        >>> c = open_cycle(d, e._at_us, "P2", e, True)
        >>> c.retarget(d, e._at_us + 1, "P1", e), c.target
        (None, 3600000000)
        >>> c.retarget(d, e._at_us + 2, "P9", e)
        "priority 'P9' has no target; expected one of ['P1', 'P2']"
        """
        goal = self.goal
        targets = definition.targets
        if definition.goals:
            found = _goal_index(definition, event)
            if found is None:
                return _no_goal(definition)
            goal, targets = found, definition.goals[found].targets
        aim = _aim(targets, key, self.start, self._start_calendar(definition), event)
        if isinstance(aim, str):
            return aim
        self.target, self.due = aim
        sign = None if self.plan is None else self.plan._signature
        if sign is not None:
            self.sig = sign(event)
        if goal != self.goal or self.plan is not None:
            self.goal = goal
            reason = self._recalendar(definition, t, event)
            if reason is not None:
                return reason
        self.switch(self.running, t, key, event)
        return None

    def step(self, running: bool, t: int, key: Any, event: TicketEvent) -> None:
        """Record *event* of an open cycle that neither stops nor cancels it: a new segment
        begins when the clock starts or stops running, or the calendar or goal changes.

        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
        >>> c = OpenCycle(0, "P1", 10, True, e)
        >>> c.step(True, 3, "P1", e)     # still running: no new segment, one more mark
        >>> len(c.segs), len(c.marks)
        (1, 2)
        """
        plan = self.plan
        if plan is None:
            if running != self.running:
                self.switch(running, t, key, event)
            else:
                self.marks.append(event)
            return
        sign = plan._signature
        if sign is not None:
            sig = sign(event)
            if sig == self.sig:  # nothing the calendar or goal depends on changed
                if running != self.running:
                    self.switch(running, t, key, event)
                else:
                    self.marks.append(event)
                return
            self.sig = sig
        changed = running != self.running
        if plan.goals:
            goal = _goal_index(plan, event)
            if goal is None:
                self._fail(event, _no_goal(plan))
                goal = self.goal
            elif goal != self.goal:
                aim = _aim(plan.goals[goal].targets, key, self.start,
                           self._start_calendar(plan), event)
                if isinstance(aim, str):
                    self._fail(event, aim)
                else:
                    self.target, self.due = aim
                    self.goal = goal
                    changed = True
        before = self.cal
        reason = self._recalendar(plan, t, event)
        if reason is not None:
            self._fail(event, reason)
        if changed or self.cal is not before:
            self.switch(running, t, key, event)
        else:
            self.marks.append(event)

    def _start_calendar(self, definition: SlaDefinition) -> BusinessCalendar:
        if self.cals:
            return self.cals[0][1]
        return definition.calendar if self.cal is None else self.cal

    def _recalendar(self, definition: SlaDefinition, t: int, event: TicketEvent) -> str | None:
        """Take the calendar in force for *event* from *t*; or say why there is none."""
        cal = _calendar_for(definition, self.goal, event)
        if isinstance(cal, str):
            return cal
        if cal is not self.cal and self.cals is not None:
            if self.cals[-1][0] == t:
                self.cals[-1] = (t, cal)
            else:
                self.cals.append((t, cal))
            self.cal = cal
        return None

    def _fail(self, event: TicketEvent, reason: str) -> None:
        if self.problem is None:
            self.problem = f"event at {event.at.isoformat()}: {reason}"


def _goal_index(definition: SlaDefinition, event: TicketEvent) -> int | None:
    for index, goal in enumerate(definition.goals):
        if goal.when.holds(event):
            return index
    return None


def _no_goal(definition: SlaDefinition) -> str:
    return f"no goal matches the ticket (of {len(definition.goals)}); expected one whose " \
        "'when' holds, or an unconditional goal last"


def _calendar_for(definition: SlaDefinition, goal: int,
                  event: TicketEvent) -> BusinessCalendar | str:
    """The calendar in force for *event*: the goal's, else the per-ticket choice, else the
    definition's; or why there is none."""
    if goal >= 0:
        own = definition.goals[goal].calendar
        if own is not None:
            return own
    choice = definition.calendar_by
    if choice is None:
        return definition.calendar
    found = choice.calendar_for(event.fields)
    return choice._missing(event.fields) if found is None else found


def _aim(targets: Targets, key: Any, start: int, calendar: BusinessCalendar,
         event: TicketEvent) -> tuple[int, int | None] | str:
    """``(target µs, due µs or None)`` for *key*, or why there is none."""
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
    return f"{targets.by} {shown(key)} has no target; expected one of {list(targets.labels())}"


def signature(choice: CalendarChoice | None,
              goals: tuple[Goal, ...]) -> Callable[[TicketEvent], object] | None:
    """What the calendar and goal choice read from an event, as one comparable value: while
    it stays equal, neither can change.  ``None`` when a condition may read anything (a
    Python callable, or ``changed``).

    >>> from datetime import datetime, timezone
    >>> from itsm_core.sla.schedule import Goal
    >>> sign = signature(None, (Goal.from_dict({"when": {"field": "tier", "in": ["gold"]},
    ...                                         "targets": "PT1H"}),))
    >>> sign(TicketEvent(datetime(2025, 1, 6, tzinfo=timezone.utc), "New", None, {"tier": "x"}))
    'x'
    """
    attributes: set[str] = set()
    fields: set[str] = set() if choice is None else {choice.field}
    stack: list[object] = [goal.when for goal in goals]
    while stack:
        node = stack.pop()
        if isinstance(node, StateIn):
            attributes.add("state")
        elif isinstance(node, KindIn):
            attributes.add("kind")
        elif isinstance(node, FieldIn):
            if node.field in ("state", "priority"):
                attributes.add(node.field)
            else:
                fields.add(node.field)
        elif isinstance(node, Not):
            stack.append(node.part)
        elif isinstance(node, Junction):
            stack.extend(node.parts)
        elif not isinstance(node, Always):
            return None
    names = tuple(sorted(fields))
    if attributes:
        read = operator.attrgetter(*sorted(attributes))
        return lambda event: (read(event), tuple(map(event.fields._data.get, names)))
    if len(names) == 1:
        name = names[0]
        return lambda event: event.fields._data.get(name)
    if len(names) == 2:  # a field for the calendar, one for the goal: the common case
        first, second = names
        return lambda event: (event.fields._data.get(first), event.fields._data.get(second))
    return lambda event: tuple(map(event.fields._data.get, names))


def open_cycle(definition: SlaDefinition, t: int, key: Any, event: TicketEvent,
               running: bool) -> OpenCycle | str:
    """A cycle attaching at *t* on *event* with target key *key*, or why none can
    (the reason names what is missing).

    >>> from datetime import datetime, timezone
    >>> from itsm_core.sla import SlaDefinition
    >>> d = SlaDefinition.from_dict({"name": "r", "targets": {"P1": "PT1H"}})
    >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New", "P2")
    >>> open_cycle(d, e._at_us, "P2", e, True)
    "priority 'P2' has no target; expected one of ['P1']"
    """
    if definition.calendar_by is None and not definition.goals:
        goal = definition.targets._goal(key)
        if type(goal) is int:  # the common case: a budget on the definition's calendar
            return OpenCycle(t, key, goal, running, event)
        aim = _aim(definition.targets, key, t, definition.calendar, event)
        if isinstance(aim, str):
            return aim
        return OpenCycle(t, key, aim[0], running, event, due=aim[1])
    index, targets = -1, definition.targets
    if definition.goals:
        found = _goal_index(definition, event)
        if found is None:
            return _no_goal(definition)
        index, targets = found, definition.goals[found].targets
    cal = _calendar_for(definition, index, event)
    if isinstance(cal, str):
        return cal
    aim = _aim(targets, key, t, cal, event)
    if isinstance(aim, str):
        return aim
    return OpenCycle(t, key, aim[0], running, event, calendar=cal, plan=definition, goal=index,
                     due=aim[1])


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
    if cals is not None:
        first = cals[0][1]
    else:
        first = definition.calendar if cycle.cal is None else cycle.cal
    calendar = first
    end = as_of_us if cycle.stop is None else cycle.stop
    segs = cycle.segs
    raw: list[RawSegment] = []
    elapsed = paused = 0
    due = cycle.due
    last = len(segs) - 1
    at = 0
    measure = calendar._engine.elapsed
    closed = cycle.stop is not None
    for i, (running, start, key, event) in enumerate(segs):
        if cals is not None:
            while at + 1 < len(cals) and cals[at + 1][0] <= start:
                at += 1
            calendar = cals[at][1]
            measure = calendar._engine.elapsed
        seg_end = segs[i + 1][1] if i < last else end
        if seg_end == start and (closed or i < last):
            continue  # drop empty stretches, but keep an open cycle's current one
        if running:
            elapsed += measure(start, seg_end)
        elif due is not None:
            paused += measure(start, seg_end)
        raw.append((running, start, seg_end, key, event, calendar))
    if cycle.cancelled:
        stage = Stage.CANCELLED
    elif cycle.stop is not None:
        if due is not None:
            late = cycle.stop > (first._engine.add(due, paused) if paused else due)
        else:
            late = elapsed > cycle.target
        stage = Stage.BREACHED if late else Stage.MET
    else:
        stage = Stage.RUNNING if cycle.running else Stage.PAUSED
    return SlaCycle(stage=stage, priority=cycle.key, levels=definition._levels, calendar=first,
                    start_us=cycle.start, stop_us=cycle.stop, target_us=cycle.target,
                    elapsed_us=elapsed, raw_segments=tuple(raw), due_us=due, marks=cycle.marks)

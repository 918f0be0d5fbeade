"""A cycle whose calendar and goal the ticket chooses: :class:`ScheduledCycle`, and
:func:`open_cycle`, which attaches the right kind of cycle for a definition.

A definition with a per-ticket calendar (``calendar_by``) or ordered ``goals`` re-chooses
them at every event, beginning a segment where the calendar or the goal changes
(docs/sla-schedules.md); :func:`signature` lets it skip the choice while nothing it reads
changed.  Every other definition's cycles are plain
:class:`~itsm_core.sla.building.OpenCycle` values on the definition's calendar.

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaDefinition, TicketEvent
>>> d = SlaDefinition.from_dict({"name": "r", "calendar_by": {"field": "group", "calendars": {
...     "EU": {"timezone": "Europe/London"}}, "default": {"timezone": "UTC"}}, "targets": "PT1H"})
>>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New", None, {"group": "EU"})
>>> open_cycle(d, e._at_us, None, e, True).cal.timezone.key
'Europe/London'
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from itsm_core.sla.building import OpenCycle, aim_of
from itsm_core.sla.conditions import Always, FieldIn, Junction, KindIn, Not, StateIn
from itsm_core.sla.events import TicketEvent

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.calendar import BusinessCalendar
    from itsm_core.sla.definition import SlaDefinition
    from itsm_core.sla.schedule import CalendarChoice, Goal

__all__ = ["ScheduledCycle", "open_cycle", "signature"]


class ScheduledCycle(OpenCycle):
    """An :class:`OpenCycle` of a definition with a per-ticket calendar (``calendar_by``) or
    ordered ``goals``: both are re-chosen at every event, a segment beginning where the
    calendar or the goal changes.

    Attributes:
        cal: the calendar in force.
        cals: the calendar changes ``(instant µs, calendar)``, in order.
        plan: the definition whose choice it follows.
        goal: the index of the goal in force (``-1``: no goals).
        sig: what the calendar and goal were last chosen from (see :func:`signature`).

    >>> from datetime import datetime, timezone
    >>> from itsm_core.sla import SlaDefinition
    >>> d = SlaDefinition.from_dict({"name": "r", "goals": [
    ...     {"when": {"field": "tier", "in": ["gold"]}, "targets": "PT1H"}, {"targets": "PT4H"}]})
    >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New", None, {"tier": "x"})
    >>> c = open_cycle(d, e._at_us, None, e, True)
    >>> type(c).__name__, c.goal, c.target
    ('ScheduledCycle', 1, 14400000000)
    """

    __slots__ = ("cal", "cals", "goal", "plan", "problem", "sig")
    cals: list[tuple[int, BusinessCalendar]]
    plan: SlaDefinition

    def __init__(self, t: int, key: Any, target: int, running: bool, event: TicketEvent, *,
                 calendar: BusinessCalendar, plan: SlaDefinition, goal: int = -1,
                 due: int | None = None) -> None:
        super().__init__(t, key, target, running, event, due=due)
        self.cal = calendar
        self.cals = [(t, calendar)]
        self.plan = plan
        self.goal = goal
        self.problem = None
        sign = plan._signature
        self.sig: object = None if sign is None else sign(event)

    def retarget(self, definition: SlaDefinition, t: int, key: Any,
                 event: TicketEvent) -> str | None:
        """Switch to the target of *key* at *t* (under the goal in force), keeping the
        elapsed time; or say why not.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition
        >>> d = SlaDefinition.from_dict({"name": "r", "goals": [
        ...     {"targets": {"P1": "PT1H", "P2": "PT2H"}}]})
        >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New", "P2")
        >>> c = open_cycle(d, e._at_us, "P2", e, True)
        >>> c.retarget(d, e._at_us + 1, "P1", e), c.target
        (None, 3600000000)
        """
        goal = self.goal
        targets = definition.targets
        if definition.goals:
            found = _goal_index(definition, event)
            if found is None:
                return _no_goal(definition)
            goal, targets = found, definition.goals[found].targets
        aim = aim_of(targets, key, self.start, self._start_calendar(), event)
        if isinstance(aim, str):
            return aim
        self.target, self.due = aim
        sign = self.plan._signature
        if sign is not None:
            self.sig = sign(event)
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
        >>> from itsm_core.sla import SlaDefinition
        >>> d = SlaDefinition.from_dict({"name": "r", "goals": [
        ...     {"when": {"field": "tier", "in": ["gold"]}, "targets": "PT1H"},
        ...     {"targets": "PT4H"}]})
        >>> at = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)
        >>> e = TicketEvent(at, "New", None, {"tier": "x"})
        >>> c = open_cycle(d, e._at_us, None, e, True)
        >>> c.step(True, e._at_us + 5, None, TicketEvent(at, "New", None, {"tier": "gold"}))
        >>> len(c.segs), c.goal, c.target   # the gold goal from the second event
        (2, 0, 3600000000)
        """
        plan = self.plan
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
                aim = aim_of(plan.goals[goal].targets, key, self.start,
                           self._start_calendar(), event)
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

    def _start_calendar(self) -> BusinessCalendar:
        return self.cals[0][1]

    def _recalendar(self, definition: SlaDefinition, t: int, event: TicketEvent) -> str | None:
        """Take the calendar in force for *event* from *t*; or say why there is none."""
        cal = _calendar_for(definition, self.goal, event)
        if isinstance(cal, str):
            return cal
        if cal is not self.cal:
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
        aim = aim_of(definition.targets, key, t, definition.calendar, event)
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
    aim = aim_of(targets, key, t, cal, event)
    if isinstance(aim, str):
        return aim
    return ScheduledCycle(t, key, aim[0], running, event, calendar=cal, plan=definition,
                          goal=index, due=aim[1])

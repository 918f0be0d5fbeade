"""Hypothesis strategies and a slow, obviously-correct reference SLA clock.

The reference replays the same rules as ``itsm_core.sla.replay`` in the plainest way
(one status per event, written out case by case) and then measures business time by
stepping minute by minute over wall-clock time with the calendar engine's ``is_open``.
Events and calendar hours are minute-aligned, so minute sampling is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from itsm_core._instant import to_us
from itsm_core.calendar import BusinessCalendar
from itsm_core.sla import SlaDefinition, TicketEvent

MINUTE = 60_000_000
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

LONDON_OFFICE = {
    "timezone": "Europe/London",
    "hours": {day: [["09:00", "17:00"]] for day in WEEKDAYS},
    "holidays": [{"country": "GB", "subdivision": "ENG"}],
}
SPLIT_SHIFT_NY = {
    "timezone": "America/New_York",
    "hours": {"mon": [["08:00", "12:00"], ["13:00", "18:00"]], "tue": [["22:00", "06:00"]],
              "wed": [["00:00", "24:00"]], "fri": [["09:00", "17:30"]]},
    "closed_dates": ["2025-03-14"],
}
CALENDARS = {
    "london": BusinessCalendar.from_dict(LONDON_OFFICE),
    "ny": BusinessCalendar.from_dict(SPLIT_SHIFT_NY),
    "24x7": BusinessCalendar.always_open("UTC"),
}

STATES = ("Draft", "New", "Active", "Awaiting User Info", "Resolved", "Closed", "Cancelled")
PRIORITIES = ("P1", "P2", "P3")
TARGETS = {"P1": "PT4H", "P2": "PT8H", "P3": "P3D"}
# Monday 2025-03-03 00:00 UTC: a week before the US and four before the UK DST change.
T0 = int(datetime(2025, 3, 3, tzinfo=timezone.utc).timestamp()) * 1_000_000


def definition(calendar: str, *, on_priority_change: str = "keep_elapsed",
               on_reopen: str = "resume") -> SlaDefinition:
    """The definition every property test uses, on one of CALENDARS."""
    return SlaDefinition.from_dict({
        "name": "resolution",
        "calendar": CALENDARS[calendar].to_dict(),
        "targets": TARGETS,
        "start": {"state_not_in": ["Draft"]},
        "pause": {"state_in": ["Awaiting User Info"]},
        "stop": {"state_in": ["Resolved", "Closed"]},
        "cancel": {"state_in": ["Cancelled"]},
        "warnings": [0.5, 0.75, 0.9],
        "on_priority_change": on_priority_change,
        "on_reopen": on_reopen,
    })


def at(us: int) -> datetime:
    """An aware UTC datetime for integer microseconds."""
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=us)


def us(moment: datetime) -> int:
    """Integer microseconds since the epoch of an aware datetime (the reference's clock)."""
    return to_us(moment, "moment")


def micros(duration: timedelta) -> int:
    """A timedelta as integer microseconds, exactly."""
    return duration // timedelta(microseconds=1)


@st.composite
def event_logs(draw: st.DrawFn, max_events: int = 8, max_gap_minutes: int = 3 * 1440,
               ) -> list[TicketEvent]:
    """A ticket's events in time order (ties allowed), minute-aligned."""
    n = draw(st.integers(1, max_events))
    t = T0 + draw(st.integers(0, 7 * 1440)) * MINUTE
    events = []
    for _ in range(n):
        t += draw(st.integers(0, max_gap_minutes)) * MINUTE
        events.append(TicketEvent(at(t), draw(st.sampled_from(STATES)),
                                  draw(st.sampled_from(PRIORITIES))))
    return events


# -- the reference ----------------------------------------------------------------------------


@dataclass
class RefCycle:
    """A cycle as the reference sees it: its timeline of (instant, status, priority)."""

    start: int
    marks: list[tuple[int, str, str]] = field(default_factory=list)  # status: run/pause/stop/cancel
    end_status: str = ""

    @property
    def priority(self) -> str:
        return self.marks[-1][2]


def reference_cycles(events: list[TicketEvent], definition_: SlaDefinition,
                     as_of: int | None = None) -> list[RefCycle]:
    """Replay the rules case by case (events already in time order)."""
    resume = definition_.on_reopen == "resume"
    restart = definition_.on_priority_change == "restart"
    events = sorted(events, key=lambda e: us(e.at))
    end = us(events[-1].at) if as_of is None else as_of
    cycles: list[RefCycle] = []
    current: RefCycle | None = None
    last_stopped: RefCycle | None = None
    for e in events:
        if us(e.at) > end:
            break
        state, t, prio = e.state, us(e.at), e.priority
        assert prio is not None
        ends = state in ("Resolved", "Closed", "Cancelled")
        status = ("cancel" if state == "Cancelled" else "stop" if state in ("Resolved", "Closed")
                  else "pause" if state == "Awaiting User Info" else "run")
        if current is None:
            if last_stopped is not None and not ends:
                if resume and restart and prio != last_stopped.priority:
                    current = RefCycle(start=t, marks=[(t, status, prio)])
                    cycles.append(current)
                    last_stopped = None
                    continue
                if resume:
                    current = last_stopped
                    current.marks.append((t, status, prio))
                    last_stopped = None
                    continue
                last_stopped = None
            if state != "Draft" and not ends:
                current = RefCycle(start=t, marks=[(t, status, prio)])
                cycles.append(current)
            continue
        if prio != current.priority and restart:
            current.marks.append((t, "cancel", current.priority))
            current = None
            if not ends:
                current = RefCycle(start=t, marks=[(t, status, prio)])
                cycles.append(current)
            continue
        current.marks.append((t, status, prio))
        if status == "stop":
            last_stopped = current
            current = None
        elif status == "cancel":
            current = None
    for cycle in cycles:
        cycle.end_status = cycle.marks[-1][1]
    return cycles


def reference_measure(cycle: RefCycle, calendar: BusinessCalendar, end: int,
                      ) -> tuple[int, int, int]:
    """(elapsed, paused business, paused wall) by minute stepping."""
    elapsed = paused_business = paused_wall = 0
    marks = cycle.marks
    for i, (t, status, _prio) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else end
        if status in ("stop", "cancel") and i + 1 == len(marks):
            break
        running = status == "run"
        for minute in range(t, stop, MINUTE):
            open_ = calendar._engine.is_open(minute)
            if running:
                elapsed += MINUTE * open_
            else:
                paused_business += MINUTE * open_
                paused_wall += MINUTE
    return elapsed, paused_business, paused_wall


def reference_stage(cycle: RefCycle, elapsed: int, target: int) -> str:
    """The stage the reference expects."""
    last = cycle.end_status
    if last == "cancel":
        return "cancelled"
    if last == "stop":
        return "breached" if elapsed > target else "met"
    return "running" if last == "run" else "paused"


def target_us(definition_: SlaDefinition, priority: Any) -> int:
    """The target of *priority* in microseconds."""
    found = definition_.targets.target(priority)
    assert found is not None
    return micros(found)

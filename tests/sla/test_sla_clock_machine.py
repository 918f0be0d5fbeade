"""A RuleBasedStateMachine drives a ticket through start / pause / resume / stop / cancel /
priority changes / reopen, with time passing in between, and compares the engine's verdict
at every step with a slow model clock that counts business minutes one by one with the
calendar engine's ``is_open``."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from strategies_sla import (
    CALENDARS,
    MINUTE,
    PRIORITIES,
    STATES,
    T0,
    at,
    definition,
    micros,
    target_us,
    us,
)

from itsm_core.sla import SlaDefinition, TicketEvent


@dataclass
class ModelCycle:
    start: int
    priority: str
    status: str  # running / paused / stopped / cancelled
    elapsed: int = 0
    paused_business: int = 0
    paused_wall: int = 0
    stopped_at: int | None = None


def status_of(state: str) -> str:
    if state == "Cancelled":
        return "cancelled"
    if state in ("Resolved", "Closed"):
        return "stopped"
    return "paused" if state == "Awaiting User Info" else "running"


class SlaClockMachine(RuleBasedStateMachine):
    definition: SlaDefinition

    def __init__(self) -> None:
        super().__init__()
        self.now = T0 + 9 * 60 * MINUTE
        self.events: list[TicketEvent] = []
        self.cycles: list[ModelCycle] = []
        self.current: ModelCycle | None = None
        self.stopped: ModelCycle | None = None

    @initialize(calendar=st.sampled_from(sorted(CALENDARS)),
                priority_mode=st.sampled_from(["keep_elapsed", "restart"]),
                reopen_mode=st.sampled_from(["resume", "new_cycle"]))
    def choose(self, calendar: str, priority_mode: str, reopen_mode: str) -> None:
        self.calendar = CALENDARS[calendar]
        self.definition = definition(calendar, on_priority_change=priority_mode,
                                     on_reopen=reopen_mode)

    # -- time passes: the model counts minutes ---------------------------------------------

    @rule(minutes=st.integers(1, 2 * 1440))
    def wait(self, minutes: int) -> None:
        cycle = self.current
        for minute in range(self.now, self.now + minutes * MINUTE, MINUTE):
            if cycle is None:
                break
            open_minutes = MINUTE * self.calendar._engine.is_open(minute)
            if cycle.status == "running":
                cycle.elapsed += open_minutes
            else:
                cycle.paused_business += open_minutes
                cycle.paused_wall += MINUTE
        self.now += minutes * MINUTE

    # -- the ticket changes ----------------------------------------------------------------------

    def _attach(self, priority: str, status: str) -> None:
        self.current = ModelCycle(start=self.now, priority=priority, status=status)
        self.cycles.append(self.current)

    def _reopen_stretch(self, cycle: ModelCycle) -> None:
        assert cycle.stopped_at is not None
        for minute in range(cycle.stopped_at, self.now, MINUTE):
            cycle.paused_business += MINUTE * self.calendar._engine.is_open(minute)
            cycle.paused_wall += MINUTE
        cycle.stopped_at = None

    @rule(state=st.sampled_from(STATES), priority=st.sampled_from(PRIORITIES))
    def update(self, state: str, priority: str) -> None:
        self.events.append(TicketEvent(at(self.now), state, priority))
        status = status_of(state)
        ends = status in ("stopped", "cancelled")
        restart = self.definition.on_priority_change == "restart"
        cycle = self.current
        if cycle is None:
            stopped, self.stopped = self.stopped, None
            if stopped is not None and not ends and self.definition.on_reopen == "resume":
                if restart and priority != stopped.priority:
                    self._attach(priority, status)
                    return
                self._reopen_stretch(stopped)
                self.current = cycle = stopped
            elif state != "Draft" and not ends:
                self._attach(priority, status)
                return
            else:
                if stopped is not None and ends:
                    self.stopped = stopped  # still stopped (e.g. Resolved -> Closed)
                return
        if priority != cycle.priority and restart:
            cycle.status, cycle.stopped_at = "cancelled", self.now
            self.current = None
            if not ends:
                self._attach(priority, status)
            return
        cycle.priority = priority
        cycle.status = status
        if ends:
            cycle.stopped_at = self.now
            self.current = None
            if status == "stopped":
                self.stopped = cycle

    @precondition(lambda self: self.events)
    @rule(state=st.sampled_from(STATES))
    def update_at_the_same_instant(self, state: str) -> None:
        self.update(state, self.events[-1].priority or "P1")

    # -- the engine agrees ---------------------------------------------------------------------

    @invariant()
    def engine_agrees_with_model(self) -> None:
        if not hasattr(self, "definition"):
            return
        outcome = self.definition.evaluate(self.events, as_of=at(self.now))
        assert len(outcome.cycles) == len(self.cycles)
        for got, want in zip(outcome.cycles, self.cycles, strict=True):
            target = target_us(self.definition, want.priority)
            stage = {"running": "running", "paused": "paused", "cancelled": "cancelled",
                     "stopped": "breached" if want.elapsed > target else "met"}[want.status]
            assert got.stage.value == stage
            assert us(got.started_at) == want.start
            assert got.priority == want.priority
            assert micros(got.elapsed) == want.elapsed
            assert got.paused_business.total_seconds() * 1_000_000 == want.paused_business
            assert got.paused_wall.total_seconds() * 1_000_000 == want.paused_wall
            assert got.breached == (want.elapsed > target)
            if stage == "paused":
                assert got.due_at is None


SlaClockMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25,
                                             deadline=None)
TestSlaClock = SlaClockMachine.TestCase

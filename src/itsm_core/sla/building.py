"""A cycle while the replay builds it, and the finished :class:`SlaCycle` made from it.

The replay (:mod:`itsm_core.sla.replay`) decides, event by event, when a cycle attaches,
runs, pauses, stops or is cancelled; an :class:`OpenCycle` records those decisions as
segments, each begun by one event (its state and fields are the segment's), on integer
microseconds.  :func:`finish` measures the segments on the definition's calendar and gives
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

from itsm_core.errors import shown
from itsm_core.sla.cycle import RawSegment, SlaCycle
from itsm_core.sla.events import TicketEvent
from itsm_core.sla.segment import Stage

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.sla.definition import SlaDefinition

__all__ = ["OpenCycle", "finish", "open_cycle"]


class OpenCycle:
    """A cycle being built (mutable, private to one replay).

    Attributes:
        start: when it attached (µs).
        key: the target key (priority label) in force.
        target: the business-time target in force (µs).
        running: whether the clock runs now.
        segs: ``(running, start_us, key, event)`` per segment, in order.
        stop: when it stopped or was cancelled (µs), ``None`` while open.
        stop_event: the event that stopped it (met or breached), if any.
        cancelled: whether it was cancelled.

    >>> from datetime import datetime, timezone
    >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
    >>> c = OpenCycle(0, "P1", 10, True, e)
    >>> c.switch(False, 0, "P1", e)      # a switch at the same instant replaces the segment
    >>> len(c.segs), c.running
    (1, False)
    """

    __slots__ = ("cancelled", "key", "running", "segs", "start", "stop", "stop_event", "target")

    def __init__(self, t: int, key: Any, target: int, running: bool, event: TicketEvent) -> None:
        self.start = t
        self.key = key
        self.target = target
        self.running = running
        self.segs: list[tuple[bool, int, Any, TicketEvent]] = [(running, t, key, event)]
        self.stop: int | None = None
        self.stop_event: TicketEvent | None = None
        self.cancelled = False

    def switch(self, running: bool, t: int, key: Any, event: TicketEvent) -> None:
        """Begin a segment at *t* (replacing one that began at the same instant)."""
        segs = self.segs
        if segs[-1][1] == t:
            segs[-1] = (running, t, key, event)
        else:
            segs.append((running, t, key, event))
        self.running = running
        self.key = key

    def retarget(self, definition: SlaDefinition, t: int, key: Any,
                 event: TicketEvent) -> str | None:
        """Switch to the target of *key* at *t*, keeping the elapsed time; or say why not."""
        target = definition.targets._target_us(key)
        if target is None:
            return _no_target(definition, key)
        self.target = target
        self.switch(self.running, t, key, event)
        return None

    def step(self, running: bool, t: int, key: Any, event: TicketEvent) -> None:
        """Record *event* of an open cycle that neither stops nor cancels it: a new segment
        begins when the clock starts or stops running."""
        if running != self.running:
            self.switch(running, t, key, event)


def _no_target(definition: SlaDefinition, key: Any) -> str:
    targets = definition.targets
    return f"{targets.by} {shown(key)} has no target; expected one of {list(targets.labels())}"


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
    target = definition.targets._target_us(key)
    if target is None:
        return _no_target(definition, key)
    return OpenCycle(t, key, target, running, event)


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
    calendar = definition.calendar
    end = as_of_us if cycle.stop is None else cycle.stop
    segs = cycle.segs
    raw: list[RawSegment] = []
    elapsed = 0
    last = len(segs) - 1
    for i, (running, start, key, event) in enumerate(segs):
        seg_end = segs[i + 1][1] if i < last else end
        if seg_end == start and (i < last or cycle.stop is not None):
            continue  # drop empty stretches, but keep an open cycle's current one
        if running:
            elapsed += calendar._engine.elapsed(start, seg_end)
        raw.append((running, start, seg_end, key, event.state, event.fields))
    if cycle.cancelled:
        stage = Stage.CANCELLED
    elif cycle.stop is not None:
        stage = Stage.BREACHED if elapsed > cycle.target else Stage.MET
    else:
        stage = Stage.RUNNING if cycle.running else Stage.PAUSED
    return SlaCycle(stage=stage, priority=cycle.key, thresholds=definition.warnings,
                    calendar=calendar, start_us=cycle.start, stop_us=cycle.stop,
                    target_us=cycle.target, elapsed_us=elapsed, raw_segments=tuple(raw))

"""The replay engine against the minute-stepping reference, and its invariants."""

from __future__ import annotations

import itertools
import random

from hypothesis import given
from hypothesis import strategies as st
from strategies_sla import (
    CALENDARS,
    MINUTE,
    at,
    definition,
    event_logs,
    micros,
    reference_cycles,
    reference_measure,
    reference_stage,
    target_us,
    us,
)

from itsm_core.sla import Stage, TicketEvent

MODES = st.sampled_from([("keep_elapsed", "resume"), ("keep_elapsed", "new_cycle"),
                         ("restart", "resume"), ("restart", "new_cycle")])
CAL_NAMES = st.sampled_from(sorted(CALENDARS))


def check_against_reference(events: list[TicketEvent], cal: str, modes: tuple[str, str],
                            as_of: int | None = None) -> None:
    d = definition(cal, on_priority_change=modes[0], on_reopen=modes[1])
    outcome = d.evaluate(events, as_of=None if as_of is None else at(as_of))
    end = max(us(e.at) for e in events) if as_of is None else as_of
    expected = reference_cycles(events, d, as_of)
    assert len(outcome.cycles) == len(expected)
    for cycle, ref in zip(outcome.cycles, expected, strict=True):
        elapsed, paused_b, paused_w = reference_measure(ref, CALENDARS[cal], end)
        target = target_us(d, ref.priority)
        assert us(cycle.started_at) == ref.start
        assert cycle.priority == ref.priority
        assert micros(cycle.target) == target
        assert micros(cycle.elapsed) == elapsed
        assert cycle.paused_business.total_seconds() * 1_000_000 == paused_b
        assert cycle.paused_wall.total_seconds() * 1_000_000 == paused_w
        assert cycle.stage.value == reference_stage(ref, elapsed, target)
        assert cycle.breached == (elapsed > target)


@given(event_logs(), CAL_NAMES, MODES)
def test_engine_matches_minute_stepping_reference(events, cal, modes):
    check_against_reference(events, cal, modes)


@given(event_logs(), CAL_NAMES, MODES, st.integers(0, 12 * 1440))
def test_as_of_matches_reference_and_ignores_later_events(events, cal, modes, offset):
    as_of = us(events[0].at) + offset * MINUTE
    check_against_reference(events, cal, modes, as_of)
    d = definition(cal, on_priority_change=modes[0], on_reopen=modes[1])
    kept = [e for e in events if us(e.at) <= as_of]
    assert d.evaluate(events, as_of=at(as_of)) == d.evaluate(kept, as_of=at(as_of))


@given(event_logs(), CAL_NAMES, st.randoms(use_true_random=False))
def test_input_order_of_distinct_instants_does_not_matter(events, cal, rnd: random.Random):
    distinct = list({us(e.at): e for e in events}.values())
    shuffled = distinct[:]
    rnd.shuffle(shuffled)
    d = definition(cal)
    assert d.evaluate(shuffled) == d.evaluate(distinct)


@given(event_logs(), CAL_NAMES)
def test_segments_tile_the_cycle_and_explain_elapsed(events, cal):
    d = definition(cal)
    end = max(e.at for e in events)  # no as_of: the last event's instant
    for cycle in d.evaluate(events).cycles:
        segments = cycle.segments
        running = [s for s in segments if s.kind == "running"]
        assert sum((s.business for s in running), start=cycle.elapsed - cycle.elapsed) \
            == cycle.elapsed
        if segments:
            assert segments[0].start == cycle.started_at
            for left, right in itertools.pairwise(segments):
                assert left.end == right.start
            assert segments[-1].end == (cycle.stopped_at or end)
        assert cycle.remaining == cycle.target - cycle.elapsed
        assert cycle.percent * micros(cycle.target) == 100 * micros(cycle.elapsed)


@given(event_logs(), CAL_NAMES)
def test_due_and_warning_instants_use_up_exactly_their_business_time(events, cal):
    d = definition(cal)
    calendar = CALENDARS[cal]
    end = max(e.at for e in events)  # no as_of: the last event's instant
    for cycle in d.evaluate(events).cycles:
        due = cycle.due_at
        if cycle.stage is Stage.PAUSED:
            assert due is None
            continue
        if cycle.stage is Stage.RUNNING:
            last_start = us(cycle.segments[-1].start)
            before = micros(cycle.elapsed) - calendar._engine.elapsed(last_start, us(end))
            assert due is not None
            due_us = int((due - at(0)).total_seconds()) * 1_000_000
            target = micros(cycle.target)
            if before < target:
                assert calendar._engine.elapsed(last_start, due_us) == target - before
            else:  # used up in an earlier running segment
                assert due == cycle.breached_at
            crossed = {k: v for k, v in cycle.warnings.items() if v is not None}
            assert len(crossed) == len(d.warnings)  # a running clock crosses every threshold
            instants = [crossed[k] for k in sorted(crossed)]
            assert instants == sorted(instants)
            assert all(v <= due for v in instants)
        if cycle.breached:
            assert cycle.breached_at is not None
            assert cycle.breached_at <= (cycle.stopped_at or end)


@given(event_logs(max_events=6), st.integers(1, 3 * 1440))
def test_elapsed_never_decreases_as_time_passes(events, step):
    d = definition("london")
    first, last = us(events[0].at), us(events[-1].at) + 2 * 1440 * MINUTE
    previous: dict[int, int] = {}
    for as_of in range(first, last, step * MINUTE):
        for index, cycle in enumerate(d.evaluate(events, as_of=at(as_of)).cycles):
            assert micros(cycle.elapsed) >= previous.get(index, 0)
            previous[index] = micros(cycle.elapsed)

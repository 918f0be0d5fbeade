"""Who spent the time: a cycle's time split by owner and by state, and OLAs as data
(docs/sla-schedules.md, "Who spent the time")."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.calendar import BusinessCalendar
from itsm_core.sla import SlaDefinition, Stage, TicketEvent

UTC = timezone.utc
US = timedelta(microseconds=1)
OFFICE = {"timezone": "UTC", "hours": {d: [["09:00", "17:00"]]
                                       for d in ("mon", "tue", "wed", "thu", "fri")}}
CAL = BusinessCalendar.from_dict(OFFICE)
FIX = SlaDefinition.from_dict({"name": "fix", "calendar": OFFICE, "targets": "P1D",
                               "pause": {"state_in": ["Waiting", "Awaiting Vendor"]},
                               "stop": {"state_in": ["Resolved"]}})


def utc(day: int, hour: int) -> datetime:
    return datetime(2025, 1, day, hour, tzinfo=UTC)


def ev(moment: datetime, state: str, group: str) -> TicketEvent:
    return TicketEvent(moment, state, "P1", {"group": group})


def test_time_by_owner_and_state_within_one_segment() -> None:
    # New (L1) -> Active (Network) -> Waiting (Network) -> Awaiting Vendor (Vendor desk):
    # the two paused states make one paused segment, still split by state and owner
    events = [ev(utc(6, 9), "New", "L1"), ev(utc(6, 10), "Active", "Network"),
              ev(utc(6, 12), "Waiting", "Network"), ev(utc(6, 13), "Awaiting Vendor", "Vendor"),
              ev(utc(6, 16), "Active", "Network"), ev(utc(6, 17), "Resolved", "Network")]
    cycle = FIX.evaluate(events).cycles[0]
    owners = cycle.time_by_owner("group")
    assert [(s.value, s.elapsed // US // 3_600_000_000, s.paused_business // US // 3_600_000_000)
            for s in owners.shares] == [("L1", 1, 0), ("Network", 3, 1), ("Vendor", 0, 3)]
    states = cycle.time_by_state()
    assert {s.value: (s.elapsed, s.paused_business) for s in states.shares} == {
        "New": (timedelta(hours=1), timedelta(0)),
        "Active": (timedelta(hours=3), timedelta(0)),
        "Waiting": (timedelta(0), timedelta(hours=1)),
        "Awaiting Vendor": (timedelta(0), timedelta(hours=3))}
    assert owners.to_dict()["shares"][0] == {"value": "L1", "elapsed": "PT1H",
                                             "paused_business": "PT0S", "paused_wall": "PT0S"}
    assert states.by == "state" and owners.by == "group"


@st.composite
def histories(draw: st.DrawFn) -> list[TicketEvent]:
    t = utc(6, 0) + timedelta(minutes=draw(st.integers(0, 7 * 1440)))
    out = []
    for _ in range(draw(st.integers(1, 8))):
        out.append(ev(t, draw(st.sampled_from(["New", "Active", "Waiting", "Awaiting Vendor",
                                               "Resolved"])),
                      draw(st.sampled_from(["L1", "Network", "Vendor"]))))
        t += timedelta(minutes=draw(st.integers(0, 2 * 1440)))
    return out


def reference(events: list[TicketEvent], cycle_start: datetime, end: datetime,
              key: str) -> dict[str, list[int]]:
    """Obviously correct: each event's value owns the stretch to the next event (within the
    first cycle, which the replay attaches at its first event and resumes after a reopen).
    While resolved, the cycle is stopped and sees no event: the stretch to the reopening
    belongs to the event that resolved it."""
    out: dict[str, list[int]] = {}
    seen: list[TicketEvent] = []
    for event in events:
        if not (seen and seen[-1].state == "Resolved" and event.state == "Resolved"):
            seen.append(event)
    events = seen
    stamps = [*events[1:], None]
    for event, following in zip(events, stamps, strict=True):
        lo = max(event.at, cycle_start)
        hi = min(end, following.at if following is not None else end)
        if hi <= lo:
            continue
        value = event.state if key == "state" else event.fields["group"]
        row = out.setdefault(value, [0, 0, 0])
        business = CAL.elapsed(lo, hi) // US
        if event.state in ("Waiting", "Awaiting Vendor", "Resolved"):
            row[1] += business
            row[2] += (hi - lo) // US
        else:
            row[0] += business
    return out


@settings(max_examples=200, deadline=None)
@given(histories())
def test_breakdowns_sum_exactly_and_match_the_reference(events: list[TicketEvent]) -> None:
    outcome = FIX.evaluate(events)
    if not outcome.cycles:
        return
    cycle = outcome.cycles[0]   # resume: one cycle, a resolved stretch counts as paused
    end = cycle.stopped_at or events[-1].at
    for key, split in (("group", cycle.time_by_owner("group")), ("state", cycle.time_by_state())):
        shares = split.shares
        assert sum((s.elapsed for s in shares), timedelta(0)) == cycle.elapsed
        assert sum((s.paused_business for s in shares), timedelta(0)) == cycle.paused_business
        assert sum((s.paused_wall for s in shares), timedelta(0)) == cycle.paused_wall
        expected = reference(events, cycle.started_at, end, key)
        got = {s.value: [s.elapsed // US, s.paused_business // US, s.paused_wall // US]
               for s in shares}
        assert {k: v for k, v in got.items() if any(v)} == {
            k: v for k, v in expected.items() if any(v)}


# --- OLA: a clock that runs only while one group owns the ticket --------------------------

def ola(on_reopen: str = "new_cycle") -> SlaDefinition:
    owned = {"field": "group", "in": ["Network"]}
    return SlaDefinition.from_dict({
        "name": "ola-network", "calendar": OFFICE, "targets": "PT2H",
        "start": owned,
        "stop": {"any": [{"state_in": ["Resolved"]}, {"not": owned}]},
        "on_reopen": on_reopen})


def test_ola_handover_ends_met_or_breached_never_cancelled() -> None:
    quick = [ev(utc(6, 9), "New", "L1"), ev(utc(6, 10), "Active", "Network"),
             ev(utc(6, 11), "Active", "Apps")]
    slow = [*quick[:2], ev(utc(6, 13), "Active", "Apps")]
    assert [c.stage for c in ola().evaluate(quick).cycles] == [Stage.MET]
    assert [c.stage for c in ola().evaluate(slow).cycles] == [Stage.BREACHED]
    cycle = ola().evaluate(quick).cycles[0]
    assert (cycle.started_at, cycle.stopped_at) == (utc(6, 10), utc(6, 11))


def test_ola_comes_back_new_cycle_or_resumed_budget() -> None:
    events = [ev(utc(6, 9), "Active", "Network"), ev(utc(6, 10), "Active", "Apps"),
              ev(utc(6, 14), "Active", "Network"), ev(utc(6, 16), "Resolved", "Network")]
    stints = ola("new_cycle").evaluate(events).cycles
    assert [(c.stage, c.elapsed) for c in stints] == [
        (Stage.MET, timedelta(hours=1)), (Stage.MET, timedelta(hours=2))]
    total = ola("resume").evaluate(events).cycles
    assert [(c.stage, c.elapsed, c.paused_business) for c in total] == [
        (Stage.BREACHED, timedelta(hours=3), timedelta(hours=4))]
    assert total[0].time_by_owner("group")["Apps"].paused_business == timedelta(hours=4)

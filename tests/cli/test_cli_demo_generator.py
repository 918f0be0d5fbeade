"""The demo's synthetic log: deterministic, well-formed, and exercising every path."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.demo import AS_OF, GROUPS, PRIORITIES, generate_incident_log

STATES = {"New", "Active", "Awaiting User Info", "Awaiting Vendor", "Resolved", "Closed",
          "Cancelled"}


@settings(max_examples=30)
@given(st.integers(0, 2**32), st.integers(1, 40))
def test_well_formed(seed: int, n: int) -> None:
    log = generate_incident_log(tickets=n, seed=seed)
    assert log == generate_incident_log(tickets=n, seed=seed)
    assert len({t.number for t in log}) == len(log) == n
    for ticket in log:
        times = [u.at.astimezone(timezone.utc) for u in ticket.updates]  # instants
        assert times == sorted(times)
        assert times[-1] < AS_OF
        assert ticket.updates[0].state == "New"
        for update in ticket.updates:
            assert update.state in STATES
            assert update.priority in PRIORITIES
            assert dict(update.fields)["assignment_group"] in GROUPS


def test_earlier_as_of_truncates() -> None:
    cut = datetime(2016, 4, 1, tzinfo=AS_OF.tzinfo)
    full = {t.number: t for t in generate_incident_log(tickets=300)}
    short = generate_incident_log(tickets=300, as_of=cut)
    assert short
    for ticket in short:
        kept = full[ticket.number].updates
        assert ticket.updates == tuple(u for u in kept if u.at.astimezone(timezone.utc) < cut)


def test_demo_exercises_the_lifecycle() -> None:
    log = generate_incident_log()
    assert len(log) == 3_000
    states = Counter(u.state for t in log for u in t.updates)
    assert set(states) == STATES
    last = Counter(t.updates[-1].state for t in log)
    assert last["Active"] > 0 and last["Awaiting User Info"] > 0  # still open at AS_OF
    changed = sum(1 for t in log if len({u.priority for u in t.updates}) > 1)
    reopened = sum(1 for t in log if [u.state for u in t.updates].count("Resolved") > 1)
    moved = sum(1 for t in log if len({dict(u.fields)["assignment_group"] for u in t.updates}) > 1)
    assert changed > 100 and reopened > 50 and moved > 100

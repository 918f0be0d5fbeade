"""itsm_core.parallel: process-pool evaluation gives exactly the single-process outcomes.

The oracle is the plainest possible loop, ``policy.evaluate`` ticket after ticket in this
process; every pooled run is compared with it (outcomes, order, and the calendars the
cycles refer to).
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import pickle
import pickletools
import time
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core._instant import from_us
from itsm_core.demo import AS_OF, generate
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, NaiveDatetimeError
from itsm_core.parallel import (
    _dumps,
    chunk_bounds,
    chunk_size_for,
    evaluate_tickets,
    pack_outcomes,
    portable_policy,
    unpack_outcomes,
)
from itsm_core.sla import SlaCycle, SlaDefinition, SlaOutcome, SlaPolicy, TicketEvent
from itsm_core.sla.conditions import PythonCondition
from itsm_core.sla.wire import _CYCLE_FIELDS, _OUTCOME_FIELDS

LONDON = ZoneInfo("Europe/London")
POLICY = SlaPolicy.from_dict(json.loads(
    (resources.files("itsm_core.demo") / "policy.json").read_text(encoding="utf-8")))
# events keep the demo's London wall times, so their zone travels with them
TICKETS = [(t.number, [TicketEvent(from_us(u.at_us, LONDON), u.state, u.priority,
                                   dict(u.fields)) for u in t.updates])
           for t in generate(tickets=240, seed=8)]


def sequential(policy: SlaPolicy, tickets: list[Any], as_of: datetime | None,
               strict: bool = True) -> list[SlaOutcome]:
    """The oracle: one ticket after the other, in this process."""
    return [o for ticket, events in tickets
            for o in policy.evaluate(events, as_of, ticket, strict=strict)]


def same_calendars(outcomes: list[SlaOutcome], policy: SlaPolicy) -> bool:
    by_name = {d.name: d.calendar for d in policy.definitions}
    return all(c.calendar is by_name[o.definition] for o in outcomes for c in o.cycles)


def available(*methods: str) -> list[str]:
    return [m for m in methods if m in multiprocessing.get_all_start_methods()]


def tagged(chunk: list[Any]) -> list[Any]:
    """A ``prepare`` step that tags each ticket id with the process evaluating it."""
    pid = os.getpid()
    return [((pid, ticket), events) for ticket, events in chunk]


CALLER = os.getpid()


def tagged_slowly(chunk: list[Any]) -> list[Any]:
    """:func:`tagged`, taking its time in the calling process (so a worker gets chunks)."""
    if os.getpid() == CALLER:
        time.sleep(0.02)
    return tagged(chunk)


def untagged(outcomes: list[SlaOutcome]) -> list[SlaOutcome]:
    return [attrs.evolve(o, ticket=o.ticket[1]) for o in outcomes]


class TestSameAsOneProcess:
    @pytest.mark.parametrize("method", available("fork", "forkserver"))
    def test_pool_equals_sequential_loop(self, method: str) -> None:
        expected = sequential(POLICY, TICKETS, AS_OF, strict=False)
        got = evaluate_tickets(POLICY, TICKETS, AS_OF, jobs=2, strict=False, chunk_size=25,
                               start_method=method)
        assert got == expected
        assert [(o.ticket, o.definition) for o in got] == [
            (o.ticket, o.definition) for o in expected]
        # the figures computed from the calendar agree too, not only the stored integers
        assert [c.to_dict() for o in got for c in o.cycles] == [
            c.to_dict() for o in expected for c in o.cycles]
        assert same_calendars(got, POLICY)
        assert multiprocessing.active_children() == []

    def test_jobs_one_is_the_loop(self) -> None:
        assert evaluate_tickets(POLICY, iter(TICKETS), AS_OF) == sequential(POLICY, TICKETS,
                                                                             AS_OF)

    def test_as_of_none_and_generators_of_events(self) -> None:
        gen = [(t, (e for e in events)) for t, events in TICKETS[:60]]
        got = evaluate_tickets(POLICY, gen, None, jobs=2, chunk_size=7)
        assert got == sequential(POLICY, TICKETS[:60], None)

    @settings(max_examples=12)
    @given(st.integers(0, 90), st.integers(1, 40), st.integers(2, 3))
    def test_any_split_gives_the_loop(self, count: int, size: int, jobs: int) -> None:
        tickets = TICKETS[:count]
        got = evaluate_tickets(POLICY, tickets, AS_OF, jobs, strict=False, chunk_size=size)
        assert got == sequential(POLICY, tickets, AS_OF, strict=False)
        assert same_calendars(got, POLICY)

    def test_spawn_small(self) -> None:
        tickets = TICKETS[:12]
        got = evaluate_tickets(POLICY, tickets, AS_OF, jobs=2, chunk_size=4,
                               start_method="spawn")
        assert got == sequential(POLICY, tickets, AS_OF)
        assert same_calendars(got, POLICY)


class TestBothEnds:
    """The workers take chunks from the front, the calling process from the back."""

    @pytest.mark.parametrize("method", available("fork", "forkserver"))
    def test_the_caller_takes_the_last_chunk_first(self, method: str) -> None:
        got = evaluate_tickets(POLICY, TICKETS, AS_OF, jobs=2, chunk_size=20,
                               start_method=method, prepare=tagged)
        assert got[-1].ticket[0] == os.getpid()
        assert untagged(got) == sequential(POLICY, TICKETS, AS_OF)
        assert same_calendars(got, POLICY)
        assert multiprocessing.active_children() == []

    @pytest.mark.parametrize("method", available("fork"))
    def test_a_worker_takes_the_front_the_caller_the_back(self, method: str) -> None:
        got = evaluate_tickets(POLICY, TICKETS, AS_OF, jobs=2, chunk_size=20,
                               start_method=method, prepare=tagged_slowly)
        pids = [o.ticket[0] for o in got]
        mine = pids.index(os.getpid())
        assert mine > 0 and set(pids[:mine]) == {pids[0]} != {os.getpid()}
        assert set(pids[mine:]) == {os.getpid()}  # one meeting point
        assert untagged(got) == sequential(POLICY, TICKETS, AS_OF)
        assert multiprocessing.active_children() == []

    def test_prepare_runs_where_the_chunk_is_evaluated_alone_too(self) -> None:
        got = evaluate_tickets(POLICY, TICKETS[:30], AS_OF, prepare=tagged)
        assert {o.ticket[0] for o in got} == {os.getpid()}
        assert untagged(got) == sequential(POLICY, TICKETS[:30], AS_OF)

    @pytest.mark.parametrize("enabled", [True, False])
    def test_the_collector_is_left_as_it_was(self, enabled: bool) -> None:
        was = gc.isenabled()
        (gc.enable if enabled else gc.disable)()
        try:
            evaluate_tickets(POLICY, TICKETS[:60], AS_OF, jobs=2, chunk_size=10,
                             start_method=available("fork", "forkserver")[0])
            assert gc.isenabled() is enabled
            assert gc.get_freeze_count() == 0
        finally:
            (gc.enable if was else gc.disable)()


class TestErrors:
    def _bad_tickets(self) -> list[Any]:
        at = datetime(2016, 3, 1, 10, tzinfo=timezone.utc)
        bad = [TicketEvent(at, "New", "9 - Unknown")]
        return [*TICKETS[:30], ("BAD1", bad), *TICKETS[30:50], ("BAD2", bad)]

    def test_strict_raises_the_first_failure_like_one_process(self) -> None:
        tickets = self._bad_tickets()
        with pytest.raises(InvalidArgumentError) as one:
            sequential(POLICY, tickets, AS_OF)
        with pytest.raises(InvalidArgumentError) as pooled:
            evaluate_tickets(POLICY, tickets, AS_OF, jobs=2, chunk_size=10,
                             start_method="forkserver")
        assert str(pooled.value) == str(one.value)
        assert "9 - Unknown" in str(one.value)
        assert multiprocessing.active_children() == []

    @pytest.mark.parametrize("method", available("fork", "forkserver"))
    @pytest.mark.parametrize("where", [0, 35, 59])  # a worker's first chunk, the middle,
    def test_one_failure_anywhere_raises_like_one_process(  # the caller's last chunk
            self, method: str, where: int) -> None:
        at = datetime(2016, 3, 1, 10, tzinfo=timezone.utc)
        tickets = list(TICKETS[:60])
        tickets[where] = ("BAD", [TicketEvent(at, "New", "9 - Unknown")])
        with pytest.raises(InvalidArgumentError) as one:
            sequential(POLICY, tickets, AS_OF)
        with pytest.raises(InvalidArgumentError) as pooled:
            evaluate_tickets(POLICY, tickets, AS_OF, jobs=2, chunk_size=10, start_method=method)
        assert str(pooled.value) == str(one.value)
        assert multiprocessing.active_children() == []

    def test_lenient_lists_skipped_tickets_like_one_process(self) -> None:
        tickets = self._bad_tickets()
        got = evaluate_tickets(POLICY, tickets, AS_OF, jobs=2, chunk_size=10, strict=False)
        assert got == sequential(POLICY, tickets, AS_OF, strict=False)
        assert [o.ticket for o in got if o.skipped] == ["BAD1", "BAD1", "BAD2", "BAD2"]

    @pytest.mark.parametrize(("kwargs", "error", "text"), [
        ({"jobs": 0}, InvalidArgumentError, "jobs: expected an int >= 1, got 0"),
        ({"jobs": True}, ArgumentTypeError, "jobs: expected an int >= 1, got bool True"),
        ({"jobs": 2.0}, ArgumentTypeError, "jobs: expected an int >= 1, got float"),
        ({"chunk_size": -1}, InvalidArgumentError, "chunk_size: expected an int >= 1"),
        ({"start_method": "thread"}, InvalidArgumentError, "start_method: 'thread'"),
        ({"as_of": datetime(2016, 7, 1)}, NaiveDatetimeError, "as_of: naive datetime"),
    ])
    def test_bad_arguments(self, kwargs: dict[str, Any], error: type[Exception],
                           text: str) -> None:
        with pytest.raises(error, match=text.replace("(", r"\(")):
            evaluate_tickets(POLICY, TICKETS[:3], **kwargs)

    @pytest.mark.parametrize(("tickets", "text"), [
        ("INC1", "tickets: expected an iterable of (ticket id, events), got str"),
        (5, "tickets: expected an iterable of (ticket id, events), got int"),
        ([("INC1",)], "tickets[0]: expected a pair (ticket id, events)"),
        ([("INC1", 3)], "tickets[0]: expected an iterable of TicketEvent, got int"),
    ])
    def test_bad_tickets(self, tickets: Any, text: str) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            evaluate_tickets(POLICY, tickets, jobs=2)
        assert str(caught.value).startswith(text)

    def test_a_worker_that_cannot_start(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The error of the failed start, not an error of the clean-up after it."""
        method = available("fork", "forkserver")[0]
        process = type(multiprocessing.get_context(method).Process())

        def refuse(self: Any) -> None:
            raise OSError("no more processes")

        monkeypatch.setattr(process, "start", refuse)
        with pytest.raises(OSError, match="no more processes"):
            evaluate_tickets(POLICY, TICKETS[:60], AS_OF, jobs=2, chunk_size=10,
                             start_method=method)
        assert multiprocessing.active_children() == []

    def test_prepare_must_be_callable(self) -> None:
        with pytest.raises(ArgumentTypeError, match="prepare: expected a function or None, got int"):
            evaluate_tickets(POLICY, TICKETS[:3], prepare=3)  # type: ignore[arg-type]

    def test_not_a_policy(self) -> None:
        with pytest.raises(ArgumentTypeError, match="policy: expected an SlaPolicy, got dict"):
            evaluate_tickets({"definitions": []}, [])  # type: ignore[arg-type]


class TestPortability:
    def lambda_policy(self) -> SlaPolicy:
        definition = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H"})
        return SlaPolicy(definitions=(attrs.evolve(
            definition, stop=PythonCondition(lambda e: e.state == "Resolved")),))

    def test_data_form_round_trips(self) -> None:
        kind, payload = portable_policy(POLICY)
        assert kind in ("pickle", "data")
        if kind == "data":
            assert SlaPolicy.from_dict(payload) == POLICY

    def test_a_lambda_cannot_travel_and_says_so(self) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            portable_policy(self.lambda_policy())
        assert "policy: cannot be sent to worker processes" in str(caught.value)
        assert "or jobs=1" in str(caught.value)
        with pytest.raises(ArgumentTypeError):
            evaluate_tickets(self.lambda_policy(), TICKETS[:40], jobs=2, chunk_size=10,
                             start_method="forkserver")
        assert multiprocessing.active_children() == []

    @pytest.mark.parametrize("method", available("fork"))  # POSIX only
    def test_a_lambda_is_inherited_under_fork(self, method: str) -> None:
        policy = self.lambda_policy()
        got = evaluate_tickets(policy, TICKETS[:40], AS_OF, jobs=2, chunk_size=10,
                               start_method=method)
        assert got == sequential(policy, TICKETS[:40], AS_OF)


instants = st.integers(1_450_000_000_000_000, 1_470_000_000_000_000)
zones = st.sampled_from([timezone.utc, LONDON, ZoneInfo("America/New_York"),
                         timezone(timedelta(hours=5, minutes=30))])


@st.composite
def ticket_lists(draw: st.DrawFn) -> list[Any]:
    picked = draw(st.lists(st.sampled_from(TICKETS), max_size=12))
    extra = draw(st.lists(st.tuples(instants, zones, st.sampled_from(["New", "Resolved"]),
                                    st.sampled_from(["2 - High", "4 - Low", None])),
                          max_size=6))
    own = [TicketEvent(from_us(us, zone), state, priority, {"n": us % 3})
           for us, zone, state, priority in extra]
    return [*picked, ("OWN", own)]


class TestWireFormat:
    @given(ticket_lists())
    def test_events_round_trip_exactly(self, tickets: list[Any]) -> None:
        back = pickle.loads(_dumps(tickets))
        assert back == tickets
        # equal is not enough: the instant's zone and offset must travel too
        assert [(e.at.tzinfo, e.at.utcoffset(), e.at_us) for _, es in back for e in es] == [
            (e.at.tzinfo, e.at.utcoffset(), e.at_us) for _, es in tickets for e in es]

    @given(ticket_lists())
    def test_outcomes_round_trip_onto_the_callers_calendars(self, tickets: list[Any]) -> None:
        outcomes = sequential(POLICY, tickets, AS_OF, strict=False)
        blob = pack_outcomes(outcomes)
        back = unpack_outcomes(blob, POLICY)
        assert back == outcomes
        assert same_calendars(back, POLICY)
        # plain tuples: unpickling builds no itsm_core object but the stage enum (no calendar,
        # no Python call per outcome); the caller rebuilds them
        named = {arg for op, arg, _ in pickletools.genops(blob) if op.name == "SHORT_BINUNICODE"}
        assert "BusinessCalendar" not in named and "SlaOutcome" not in named
        assert "SlaCycle" not in named and "Fields" not in named


    def test_the_wire_carries_every_field(self) -> None:
        """A field added to the outcome or the cycle must be added to the wire format too."""
        assert {*_OUTCOME_FIELDS, "fields", "cycles"} == {
            f.name for f in attrs.fields(SlaOutcome)}
        assert {*_CYCLE_FIELDS, "calendar"} == {f.name for f in attrs.fields(SlaCycle)}
        assert len(_OUTCOME_FIELDS) + 2 == len(attrs.fields(SlaOutcome))
        assert len(_CYCLE_FIELDS) + 1 == len(attrs.fields(SlaCycle))


class TestChunks:
    @given(st.integers(0, 10**7), st.integers(1, 64))
    def test_chunks_cover_with_few_tasks(self, tickets: int, jobs: int) -> None:
        size = chunk_size_for(tickets, jobs)
        assert 1 <= size <= 2_000
        tasks = -(-tickets // size)
        assert tasks <= 4 * jobs or size == 2_000

    @given(st.integers(0, 10**6), st.integers(1, 16), st.none() | st.integers(1, 5_000))
    def test_bounds_cover_the_list_in_order(self, tickets: int, jobs: int,
                                            size: int | None) -> None:
        bounds = chunk_bounds(tickets, jobs, size)
        assert [a for a, _ in bounds] == [0, *(b for _, b in bounds)][:len(bounds)]
        assert (bounds[-1][1] if bounds else 0) == tickets
        largest = size or chunk_size_for(tickets, jobs)
        assert all(1 <= b - a <= largest for a, b in bounds)
        if size is None and len(bounds) > 2:  # large at both ends, small where they meet
            sizes = [b - a for a, b in bounds]
            middle = sizes.index(min(sizes))
            assert sizes[:middle] == sorted(sizes[:middle], reverse=True)
            assert sizes[middle + 1:] == sorted(sizes[middle + 1:])

"""KpiAccumulator against a slow, obviously-correct reference, split + merge == one pass,
and the edge cases of docs/service-kpis.md."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError
from itsm_core.service.kpi_report import KpiRow
from itsm_core.service.kpi_settings import KpiSettings
from itsm_core.service.kpis import KpiAccumulator
from itsm_core.service.period import period_bounds, period_of, shift
from itsm_core.sla import TicketEvent

LONDON = ZoneInfo("Europe/London")
BASE = datetime(2025, 1, 20, tzinfo=timezone.utc)
STATES = ["New", "In Progress", "Resolved", "Closed"]
GROUPS = [None, "DB", "Network"]
WEEKDAYS = BusinessCalendar.from_dict({
    "timezone": "Europe/London",
    "hours": {d: [["09:00", "17:00"]] for d in ["mon", "tue", "wed", "thu", "fri"]}})


def ev(hours: float, state: str, group: Any = "DB", kind: str | None = None) -> TicketEvent:
    return TicketEvent(BASE + timedelta(hours=hours), state, fields={"group": group},
                       kind=kind)


# -- the reference: each figure straight from its definition, one ticket at a time ----------

def ref_status(events: list[TicketEvent], s: KpiSettings) -> list[tuple[bool, int]]:
    """After each event: (resolved?, reopens so far)."""
    out, resolved, reopens, previous = [], False, 0, None
    for e in events:
        if not resolved:
            resolved = s.resolved.holds(e, previous)
        else:
            again = (s.reopened.holds(e, previous) if s.reopened is not None
                     else not s.resolved.holds(e, previous))
            if again:
                resolved, reopens = False, reopens + 1
        out.append((resolved, reopens))
        previous = e
    return out


def reference(tickets: list[list[TicketEvent]], s: KpiSettings, period: str,
              by: tuple[str, ...]) -> dict[tuple[Any, str], dict[str, Any]]:
    zone = s.calendar.timezone
    rows: dict[tuple[Any, str], dict[str, Any]] = {}

    def row(group: tuple[Any, ...], key: str) -> dict[str, Any]:
        return rows.setdefault((group, key), {
            "ack": [], "ack_b": [], "res": [], "res_b": [], "first": 0, "reopened": 0,
            "backlog": 0, "ageing": [0] * (len(s.buckets) + 1)})

    def group_of(e: TicketEvent) -> tuple[Any, ...]:
        return tuple(e.state if n == "state" else e.priority if n == "priority"
                     else e.fields.get(n) for n in by)

    last_period = max(period_of(max(e.at for e in t), period, zone) for t in tickets)
    for raw in tickets:
        events = sorted(raw, key=lambda e: e.at)
        status = ref_status(events, s)
        opened = events[0].at
        acks = [i for i, e in enumerate(events)
                if s.acknowledged.holds(e, events[i - 1] if i else None)]
        if acks:
            e = events[acks[0]]
            r = row(group_of(e), period_of(e.at, period, zone))
            r["ack"].append(e.at - opened)
            r["ack_b"].append(s.calendar.elapsed(opened, e.at))
        if status[-1][0]:
            final = max(i for i in range(len(events))
                        if status[i][0] and (i == 0 or not status[i - 1][0]))
            e = events[final]
            r = row(group_of(e), period_of(e.at, period, zone))
            r["res"].append(e.at - opened)
            r["res_b"].append(s.calendar.elapsed(opened, e.at))
            groups = {x.fields.get(s.group_field) for x in events[:final + 1]} - {None, ""}
            r["first"] += status[-1][1] == 0 and len(groups) <= 1
            r["reopened"] += status[-1][1] > 0
        key = period_of(opened, period, zone)
        while key <= last_period:
            end = period_bounds(key, zone)[1]
            before = [i for i, e in enumerate(events) if e.at < end]
            if before and not status[before[-1]][0]:
                r = row(group_of(events[before[-1]]), key)
                r["backlog"] += 1
                age = end - opened
                r["ageing"][sum(1 for b in s.buckets if b <= age)] += 1
            key = shift(key, 1)
    return rows


def mean(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    total = sum((v // timedelta(microseconds=1) for v in values), 0)
    return timedelta(microseconds=round(Fraction(total, len(values))))


def as_rows(rows: dict[tuple[Any, str], dict[str, Any]]) -> dict[tuple[Any, str], KpiRow]:
    return {key: KpiRow(group=key[0], period=key[1], acknowledged=len(r["ack"]),
                        mtta=mean(r["ack"]), mtta_business=mean(r["ack_b"]),
                        resolved=len(r["res"]), mttr=mean(r["res"]),
                        mttr_business=mean(r["res_b"]), first_contact=r["first"],
                        reopened=r["reopened"], backlog=r["backlog"],
                        ageing=tuple(r["ageing"]))
            for key, r in rows.items()}


# -- random histories -------------------------------------------------------------------------

event_st = st.tuples(st.integers(0, 24 * 80), st.sampled_from(STATES), st.sampled_from(GROUPS),
                     st.sampled_from([None, "reopen"]))
ticket_st = st.lists(event_st, min_size=1, max_size=6).map(
    lambda raw: [TicketEvent(BASE + timedelta(hours=h, minutes=7 * i), state,
                             fields={"group": g}, kind=k)
                 for i, (h, state, g, k) in enumerate(raw)])
settings_st = st.sampled_from([
    KpiSettings(),
    KpiSettings(calendar=WEEKDAYS, buckets=(timedelta(hours=12), timedelta(days=10))),
    KpiSettings.from_dict({"resolved": {"state_in": ["Resolved"]},
                           "reopened": {"kind_in": ["reopen"]},
                           "acknowledged": {"kind_in": ["reopen"]}, "buckets": []}),
])


@settings(max_examples=60, deadline=None)
@given(st.lists(ticket_st, min_size=1, max_size=8), settings_st,
       st.sampled_from(["week", "month"]), st.sampled_from([("group",), ("state",), ()]))
def test_matches_the_reference(tickets: list[list[TicketEvent]], s: KpiSettings, period: str,
                               by: tuple[str, ...]) -> None:
    accumulator = KpiAccumulator(s, period=period, by=by)
    for i, ticket in enumerate(tickets):
        accumulator.add(ticket, f"INC{i}")
    got = {(r.group, r.period): r for r in accumulator.result().rows}
    expected = as_rows(reference(tickets, s, period, by))
    assert got == {k: v for k, v in expected.items() if v != KpiRow(
        group=k[0], period=k[1], ageing=(0,) * (len(s.buckets) + 1))}


@settings(max_examples=60, deadline=None)
@given(st.lists(ticket_st, min_size=1, max_size=8), settings_st, st.data())
def test_split_and_merge_is_one_pass(tickets: list[list[TicketEvent]], s: KpiSettings,
                                     data: st.DataObject) -> None:
    one = KpiAccumulator(s, period="week")
    for ticket in tickets:
        one.add(ticket)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(tickets)), max_size=3)))
    parts = []
    for lo, hi in zip([0, *cuts], [*cuts, len(tickets)], strict=True):
        part = KpiAccumulator(s, period="week")
        for ticket in tickets[lo:hi]:
            part.add(ticket)
        parts.append(pickle.loads(pickle.dumps(part)))
    order = data.draw(st.permutations(parts))
    merged = reduce(KpiAccumulator.merge, order, KpiAccumulator(s, period="week"))
    assert merged.result() == one.result()


def test_result_leaves_the_accumulator_as_it_was() -> None:
    kpis = KpiAccumulator(KpiSettings())
    kpis.add([ev(0, "New")])
    kpis.add([ev(24 * 40, "New")])
    first = kpis.result()
    assert kpis.result() == first
    assert [(r.period, r.backlog) for r in first.rows] == [("2025-01", 1), ("2025-02", 1),
                                                          ("2025-03", 2)]


# -- edge cases (docs/service-kpis.md) --------------------------------------------------------

def test_reassignment_and_reopen_break_first_contact() -> None:
    kpis = KpiAccumulator(KpiSettings(), by=())
    kpis.add([ev(0, "New", None), ev(1, "In Progress", "DB"), ev(2, "Resolved", "DB")])  # FCR
    kpis.add([ev(0, "New", "DB"), ev(1, "In Progress", "Network"), ev(2, "Resolved")])
    kpis.add([ev(0, "New"), ev(1, "Resolved"), ev(2, "In Progress"), ev(3, "Resolved")])
    (row,) = kpis.result().rows
    assert (row.resolved, row.first_contact, row.reopened) == (3, 1, 1)
    assert row.first_contact_rate == Fraction(1, 3)
    assert row.reopen_rate == Fraction(1, 3)
    # the reopened ticket's time to resolve runs to its final resolution
    assert row.mttr == timedelta(minutes=(120 + 120 + 180) // 3 * 1)


def test_mean_is_rounded_half_to_even() -> None:
    kpis = KpiAccumulator(KpiSettings(), by=())
    kpis.add([TicketEvent(BASE, "New"), TicketEvent(BASE + timedelta(microseconds=1),
                                                    "Resolved")])
    kpis.add([TicketEvent(BASE, "New"), TicketEvent(BASE + timedelta(microseconds=4),
                                                    "Resolved")])
    # 5 / 2 = 2.5 us -> 2 us (half to even), not 3
    assert kpis.result().rows[0].mttr == timedelta(microseconds=2)


def test_business_time_uses_the_calendar() -> None:
    kpis = KpiAccumulator(KpiSettings(calendar=WEEKDAYS), by=())
    friday_16 = datetime(2025, 1, 24, 16, tzinfo=LONDON)
    kpis.add([TicketEvent(friday_16, "New"),
              TicketEvent(friday_16 + timedelta(days=3), "Resolved")])  # Monday 16:00
    row = kpis.result().rows[0]
    assert row.mttr == timedelta(days=3)
    assert row.mttr_business == timedelta(hours=8)


def test_backlog_at_period_ends_and_ageing_boundaries() -> None:
    zone = timezone.utc
    s = KpiSettings(buckets=(timedelta(days=1), timedelta(days=3)))
    kpis = KpiAccumulator(s, by=())
    end_jan = datetime(2025, 2, 1, tzinfo=zone)
    # opened exactly one day before the end of January: aged exactly 1 day -> bucket 1-3 d
    kpis.add([TicketEvent(end_jan - timedelta(days=1), "New")])
    # resolved exactly at the period end: not in January's backlog (the period is half-open)
    kpis.add([TicketEvent(end_jan - timedelta(hours=1), "New"),
              TicketEvent(end_jan, "Resolved")])
    # opened at the period end: belongs to February
    kpis.add([TicketEvent(end_jan, "New"), TicketEvent(end_jan + timedelta(days=40), "New")])
    rows = {r.period: r for r in kpis.result().rows}
    assert (rows["2025-01"].backlog, rows["2025-01"].ageing) == (2, (1, 1, 0))
    assert (rows["2025-02"].backlog, rows["2025-02"].ageing) == (2, (0, 0, 2))
    assert (rows["2025-03"].backlog, rows["2025-03"].ageing) == (2, (0, 0, 2))


def test_periods_are_local_to_the_calendar_zone() -> None:
    sydney = BusinessCalendar.always_open("Australia/Sydney")
    kpis = KpiAccumulator(KpiSettings(calendar=sydney), by=())
    utc_31_march = datetime(2025, 3, 31, 14, tzinfo=timezone.utc)  # 1 April in Sydney
    kpis.add([TicketEvent(utc_31_march, "New"),
              TicketEvent(utc_31_march + timedelta(hours=1), "Resolved")])
    assert [r.period for r in kpis.result().rows] == ["2025-04"]


def test_errors() -> None:
    with pytest.raises(ArgumentTypeError, match="settings"):
        KpiAccumulator({"resolved": True})  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="by"):
        KpiAccumulator(KpiSettings(), by="group")
    with pytest.raises(InvalidArgumentError, match="period"):
        KpiAccumulator(KpiSettings(), period="Month")
    kpis = KpiAccumulator(KpiSettings())
    with pytest.raises(ArgumentTypeError, match="INC7"):
        kpis.add(["not an event"], "INC7")  # type: ignore[list-item]
    with pytest.raises(ArgumentTypeError, match="unhashable"):  # nothing half-counted
        kpis.add([TicketEvent(BASE, "New", fields={"group": "DB"}),
                  TicketEvent(BASE + timedelta(days=40), "New", fields={"group": ["a"]})])
    assert kpis.result().rows == ()
    with pytest.raises(InvalidArgumentError, match="same settings"):
        kpis.merge(KpiAccumulator(KpiSettings(group_field="team")))
    with pytest.raises(ArgumentTypeError, match="KpiAccumulator"):
        kpis.merge("x")  # type: ignore[arg-type]

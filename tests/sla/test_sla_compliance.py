"""Compliance reports: exact counts and ratios, statistics against the standard library."""

from __future__ import annotations

import statistics
from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_sla import CALENDARS, definition, event_logs

from itsm_core.errors import ConfigError
from itsm_core.sla import Stage, compliance_report
from itsm_core.sla.events import TicketEvent

logs = st.lists(st.tuples(event_logs(max_events=5), st.sampled_from(["Network", "DB"])),
                max_size=12)


def outcomes_of(tickets, cal="london"):
    d = definition(cal)
    return [d.evaluate([TicketEvent(e.at, e.state, e.priority, {"group": group})
                        for e in events], ticket=f"INC{i}")
            for i, (events, group) in enumerate(tickets)]


@given(logs, st.sampled_from([("definition", "priority"), ("group",), ("stage", "ticket"), ()]),
       st.sampled_from([None, "day", "week", "month"]))
def test_rows_partition_the_cycles_with_exact_figures(tickets, by, period):
    outcomes = outcomes_of(tickets)
    cycles = [c for o in outcomes for c in o.cycles]
    report = compliance_report(outcomes, by=by, period=period)
    assert sum(r.total for r in report.rows) == len(cycles)
    for row in report.rows:
        assert row.total == row.met + row.breached + row.running + row.paused + row.cancelled
        finished = row.met + row.breached
        assert row.compliance == (Fraction(row.met, finished) if finished else None)
        assert [name for name, _ in row.keys] == [*by, *(["period"] if period else [])]
    for row in report.rows:
        keys = dict(row.keys)
        members = [c for o in outcomes for c in o.cycles
                   if all(_value(name, o, c) == keys[name] for name in by)
                   and (period is None or _period(period, c) == keys["period"])]
        elapsed = [c.elapsed_us for c in members]
        assert row.total == len(members)
        assert row.mean_elapsed == timedelta(microseconds=round(Fraction(sum(elapsed),
                                                                         len(elapsed))))
        assert row.median_elapsed == timedelta(
            microseconds=round(statistics.median(Fraction(e) for e in elapsed)))
        ordered = sorted(elapsed)
        rank = next(k for k in range(1, len(ordered) + 1) if 10 * k >= 9 * len(ordered))
        assert row.p90_elapsed == timedelta(microseconds=ordered[rank - 1])


def _value(name, outcome, cycle):
    return {"definition": outcome.definition, "priority": cycle.priority,
            "ticket": outcome.ticket, "stage": cycle.stage.value}.get(
        name, outcome.fields.get(name))


def _period(period, cycle):
    start = cycle.started_at
    if period == "day":
        return start.date().isoformat()
    if period == "week":
        return "{}-W{:02d}".format(*start.isocalendar()[:2])
    return start.strftime("%Y-%m")


@given(logs)
def test_to_dict_and_text_carry_the_rows(tickets):
    report = compliance_report(outcomes_of(tickets))
    data = report.to_dict()
    assert len(data["rows"]) == len(report.rows)
    for raw, row in zip(data["rows"], report.rows, strict=True):
        assert raw["total"] == row.total
        assert raw["compliance"] == (None if row.compliance is None else float(row.compliance))
    lines = report.to_text().splitlines()
    assert len(lines) == 1 + len(report.rows)
    assert lines[0].split()[:3] == ["definition", "priority", "total"]


def test_period_is_the_start_date_in_the_calendar_zone():
    # 23:30 UTC on Sunday 30 March 2025 is 00:30 BST on Monday 31 March in London.
    from datetime import datetime, timezone

    d = definition("24x7")
    london = definition("london")
    event = TicketEvent(datetime(2025, 3, 30, 23, 30, tzinfo=timezone.utc), "New", "P1")
    assert compliance_report([d.evaluate([event])], by=(), period="day").rows[0].keys == (
        ("period", "2025-03-30"),)
    assert compliance_report([london.evaluate([event])], by=(), period="day").rows[0].keys == (
        ("period", "2025-03-31"),)
    assert CALENDARS["london"].timezone.key == "Europe/London"


def test_skipped_outcomes_are_listed():
    d = definition("london")
    from datetime import datetime, timezone

    event = TicketEvent(datetime(2025, 3, 3, 9, tzinfo=timezone.utc), "New", "P9")
    report = compliance_report([d.evaluate([event], ticket="INC9", strict=False)])
    assert report.rows == ()
    assert report.to_dict()["skipped"][0]["ticket"] == "INC9"
    assert "'P9' has no target" in report.to_dict()["skipped"][0]["reason"]


def test_overdue_counts_open_cycles_past_target():
    from datetime import datetime, timezone

    d = definition("24x7")
    start = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
    outcome = d.evaluate([TicketEvent(start, "New", "P1")], as_of=start + timedelta(hours=5))
    (row,) = compliance_report([outcome]).rows
    assert (row.running, row.overdue, row.compliance) == (1, 1, None)
    assert outcome.cycles[0].stage is Stage.RUNNING


def test_bad_arguments():
    with pytest.raises(ConfigError, match="period"):
        compliance_report([], period="quarter")
    with pytest.raises(ConfigError, match="by"):
        compliance_report([], by="definition")
    with pytest.raises(TypeError, match="outcomes"):
        compliance_report([object()])

"""Compliance reports: exact counts and ratios, statistics against the standard library;
the accumulator: any split of the outcomes, merged in any bracketing, is one pass."""

from __future__ import annotations

import collections
import functools
import itertools
import pickle
import statistics
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_sla import CALENDARS, definition, event_logs

from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError
from itsm_core.sla import Stage, compliance_report
from itsm_core.sla.compliance import ComplianceAccumulator, reason_kind
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
        elapsed = [c.elapsed // timedelta(microseconds=1) for c in members]
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
    event = TicketEvent(datetime(2025, 3, 3, 9, tzinfo=timezone.utc), "New", "P9")
    report = compliance_report([d.evaluate([event], ticket="INC9", strict=False)])
    assert report.rows == ()
    assert report.to_dict()["skipped"][0]["ticket"] == "INC9"
    assert "'P9' has no target" in report.to_dict()["skipped"][0]["reason"]


def test_overdue_counts_open_cycles_past_target():
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


# -- the accumulator: a mergeable value -------------------------------------------------------

groupings = st.sampled_from([(("definition", "priority"), None), (("group",), "day"),
                             (("stage", "ticket"), "week"), ((), "month")])


def _accumulate(outcomes, by, period):
    accumulator = ComplianceAccumulator(by, period)
    for outcome in outcomes:
        accumulator.add(outcome)
    return accumulator


@st.composite
def split_and_tree(draw, size):
    """Cut points splitting ``range(size)`` into contiguous parts, and a random binary
    bracketing of the parts (as nested pairs of part indices)."""
    cuts = sorted(draw(st.sets(st.integers(0, size), max_size=5)) | {0, size})
    if len(cuts) == 1:  # nothing to split: one empty part
        cuts = [0, 0]
    parts = list(range(len(cuts) - 1))

    def tree(items):
        if len(items) == 1:
            return items[0]
        cut = draw(st.integers(1, len(items) - 1))
        return (tree(items[:cut]), tree(items[cut:]))

    return cuts, tree(parts)


@given(st.data(), logs, groupings)
def test_any_split_merged_in_any_bracketing_is_one_pass(data, tickets, grouping):
    by, period = grouping
    outcomes = outcomes_of(tickets) + outcomes_of(tickets[:2], cal="24x7")
    cuts, tree = data.draw(split_and_tree(len(outcomes)))
    parts = [_accumulate(outcomes[a:b], by, period) for a, b in itertools.pairwise(cuts)]
    parts = [pickle.loads(pickle.dumps(part)) for part in parts]  # as from a worker

    def merge(node):
        if isinstance(node, int):
            return parts[node]
        return merge(node[0]).merge(merge(node[1]))

    merged = merge(tree)
    assert merged.report() == compliance_report(outcomes, by=by, period=period)
    # the tickets not evaluated, and their counts, survive pickling and merging in order
    expected = _not_evaluated(outcomes)
    assert merged.not_evaluated() == tuple(expected)
    assert merged.not_evaluated_counts() == _counts(expected)
    assert merged.cycles == sum(len(o.cycles) for o in outcomes)


def _not_evaluated(outcomes):
    """The reference: (definition, ticket, kind), skipped outcomes first, then the applying
    outcomes without a cycle, each in outcome order."""
    skipped = [(o.definition, o.ticket, reason_kind(o.skipped)) for o in outcomes
               if o.skipped is not None]
    unstarted = [(o.definition, o.ticket, o.unstarted) for o in outcomes
                 if o.skipped is None and o.applies and not o.cycles]
    return skipped + unstarted


def _counts(entries):
    tally = collections.Counter((d, r) for d, _, r in entries)
    return tuple(sorted(((d, r, n) for (d, r), n in tally.items()),
                        key=lambda item: (item[0], -item[2], item[1])))


@given(logs)
def test_every_applying_ticket_without_a_cycle_is_not_evaluated_with_a_reason(tickets):
    outcomes = outcomes_of(tickets)
    accumulator = _accumulate(outcomes, ("definition",), None)
    listed = {(t, r) for _, t, r in accumulator.not_evaluated()}
    for o in outcomes:
        if o.applies and not o.cycles:
            reason = reason_kind(o.skipped) if o.skipped is not None else o.unstarted
            assert reason in ("stopped before it started", "never started") or \
                o.skipped is not None
            assert (o.ticket, reason) in listed
        else:
            assert all(t != o.ticket for t, _ in listed)


@given(st.data(), logs, groupings)
def test_merge_order_changes_only_the_order_of_the_skipped_list(data, tickets, grouping):
    by, period = grouping
    outcomes = outcomes_of(tickets)
    parts = [_accumulate([o], by, period) for o in outcomes]
    order = data.draw(st.permutations(range(len(parts))))
    merged = functools.reduce(ComplianceAccumulator.merge, [parts[i] for i in order],
                              ComplianceAccumulator(by, period)).report()
    expected = compliance_report(outcomes, by=by, period=period)
    assert merged.rows == expected.rows
    assert sorted(merged.skipped, key=repr) == sorted(expected.skipped, key=repr)
    merged_accumulator = functools.reduce(ComplianceAccumulator.merge,
                                          [parts[i] for i in order],
                                          ComplianceAccumulator(by, period))
    assert merged_accumulator.not_evaluated_counts() == _counts(_not_evaluated(outcomes))


def test_merge_leaves_the_other_accumulator_alone():
    d = definition("24x7")
    start = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
    outcome = d.evaluate([TicketEvent(start, "New", "P1")], as_of=start + timedelta(hours=1))
    left, right = _accumulate([outcome], ("definition",), None), _accumulate(
        [outcome], ("definition",), None)
    left.merge(right)
    left.merge(right)
    assert [row.total for row in left.report().rows] == [3]
    assert [row.total for row in right.report().rows] == [1]


def test_the_accumulator_holds_no_outcome_and_pickles_small():
    d = definition("london")
    outcomes = [d.evaluate([TicketEvent(datetime(2025, 3, 3, 9, tzinfo=timezone.utc) +
                                        timedelta(minutes=7 * i), "New", "P1")],
                           ticket=f"INC{i}", as_of=datetime(2025, 3, 10, tzinfo=timezone.utc))
                for i in range(500)]
    accumulator = _accumulate(outcomes, ("definition", "priority"), "week")
    blob = pickle.dumps(accumulator)
    assert b"SlaOutcome" not in blob and b"SlaCycle" not in blob
    assert len(blob) < 20 * len(outcomes)  # a few bytes per cycle
    assert pickle.loads(blob).report() == accumulator.report()


def test_merge_refuses_other_groupings_and_other_values():
    with pytest.raises(InvalidArgumentError, match="groups by"):
        ComplianceAccumulator(("definition",)).merge(ComplianceAccumulator(("definition",), "day"))
    with pytest.raises(ArgumentTypeError, match="ComplianceAccumulator"):
        ComplianceAccumulator().merge(compliance_report([]))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="outcomes"):
        ComplianceAccumulator().add(object())  # type: ignore[arg-type]

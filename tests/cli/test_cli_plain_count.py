"""Counting on integers (itsm_core.cli.plain_count) against the engine's evaluation.

The reference is the same command with the integer count switched off: every row's event
built, every ticket evaluated by ``SlaPolicy.evaluate`` and its outcomes added to the
accumulator (the obviously-correct path).  Both must give the same result, or the same
error, on random exports (unsorted tickets and rows, repeated rows, unreadable and naive
times, priorities without a target, reopened, paused, cancelled and re-prioritised
tickets) under random plain policies, groupings and ``as_of``; and the same bytes on a
ServiceNow-shaped export.
"""

from __future__ import annotations

import csv
import functools
import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from servicenow_export import write_export
from test_cli_stream import _text  # the export of rows (number, state, time, priority, group)

from itsm_core.cli import main
from itsm_core.cli import worker as worker_module
from itsm_core.cli.csvread import collect_rows, read_header
from itsm_core.cli.jobs import ExportWork, evaluate_export
from itsm_core.cli.plain_count import plain_support
from itsm_core.cli.policyfile import load_demo_policy
from itsm_core.errors import ItsmError
from itsm_core.sla import SlaPolicy

REPO = Path(__file__).resolve().parents[2]
STATES = ["New", "Active", "Waiting", "Resolved", "Closed", "Cancelled", "Reopened"]

times = st.one_of(
    st.builds("2016-03-{:02d}T{:02d}:{:02d}:00Z".format, st.integers(1, 9),
              st.integers(0, 23), st.sampled_from([0, 30])),
    st.builds("{}/{}/2016 {:02d}:00".format, st.integers(13, 28), st.integers(1, 12),
              st.integers(0, 23)),
    st.sampled_from(["31/2/2016 10:00", "soon", "2016-03-01 10:00", "27/3/2016 01:30",
                     # the same instants as others, written with an offset
                     "2016-03-09T23:30:00Z", "2016-03-10T00:30:00+01:00",
                     "2016-03-01T01:00:00+01:00"]),
)
rows = st.tuples(st.sampled_from([f"INC{n}" for n in range(6)]), st.sampled_from(STATES),
                 times, st.sampled_from(["P1", "P2", "P9", "?"]), st.sampled_from(["N", "D", "?"]))
def _policy(pause: list[str], cancel: list[str], reopen: str, change: str,
            calendar: dict[str, Any]) -> SlaPolicy:
    return SlaPolicy.from_dict({
        "calendars": {"c": calendar},
        "definitions": [
            {"name": "response", "calendar": "c", "targets": {"P1": "PT30M", "P2": "PT2H"},
             "stop": {"state_not_in": ["New"]}},
            {"name": "fix", "calendar": "c", "targets": {"P1": "PT4H", "P2": "P1D"},
             "pause": {"state_in": pause}, "stop": {"state_in": ["Resolved", "Closed"]},
             "cancel": {"state_in": cancel}, "on_reopen": reopen,
             "on_priority_change": change}]})


UTC_CALENDAR: dict[str, Any] = {"timezone": "UTC"}
policies = st.builds(
    _policy, st.sampled_from([[], ["Waiting"]]), st.sampled_from([[], ["Cancelled"]]),
    st.sampled_from(["resume", "new_cycle"]), st.sampled_from(["keep_elapsed", "restart"]),
    st.sampled_from([UTC_CALENDAR,
                     {"timezone": "Europe/London",
                      "hours": {day: [["09:00", "17:00"]]
                                for day in ("mon", "tue", "wed", "thu", "fri")}}]))
groupings = st.sampled_from([("definition",), ("definition", "priority"),
                             ("definition", "stage", "ticket"), ("definition", "group")])


def _outcome(text: str, work: ExportWork, as_of: datetime | None, *, plain: bool) -> object:
    """Everything the evaluation says (the report, its lists, its instants), or the error;
    with the integer count, or with every ticket through the engine."""
    reader = csv.reader(io.StringIO(text, newline=""))
    collect = functools.partial(collect_rows, reader, columns=read_header(reader, {}),
                                watch_every=7)
    with pytest.MonkeyPatch.context() as patch:
        if not plain:
            patch.setattr(worker_module, "plain_support", lambda *_, **__: "switched off")
        try:
            result = evaluate_export(collect, work, jobs=1, as_of=as_of)  # type: ignore[arg-type]
        except ItsmError as exc:
            return type(exc), str(exc)
    counted = result.accumulator
    shown = None if result.as_of is None else result.as_of.isoformat()  # which row's text
    return (counted.report(), counted.not_evaluated(), result.skipped, result.rows,
            result.tickets, shown, result.notes, result.order)


REOPENED = [("INC0", "New", "2016-03-01T09:00:00Z", "P1", "N"),
            ("INC0", "Resolved", "2016-03-01T10:00:00Z", "P1", "N"),
            ("INC0", "Reopened", "2016-03-01T11:00:00Z", "P1", "N"),
            ("INC0", "Resolved", "2016-03-01T12:00:00Z", "P1", "D"),
            ("INC1", "New", "2016-03-01T09:00:00Z", "P1", "N"),
            ("INC1", "Resolved", "2016-03-01T10:00:00Z", "P1", "N"),
            ("INC1", "Active", "2016-03-01T11:00:00Z", "P2", "N")]


# the same instants written two ways, at the start and at the end of the export
TWINS = [("INC0", "New", "2016-03-01T01:00:00+01:00", "P1", "N"),
         ("INC1", "New", "2016-03-01T00:00:00Z", "P2", "N"),
         ("INC0", "Active", "2016-03-09T23:30:00Z", "P1", "N"),
         ("INC1", "Active", "2016-03-10T00:30:00+01:00", "P2", "N")]


@settings(max_examples=150, deadline=None)
@example(REOPENED, _policy([], [], "resume", "restart", UTC_CALENDAR),
         ("definition", "stage", "ticket"), True, None)  # reopened at the same priority
@example(TWINS, _policy([], [], "resume", "keep_elapsed", UTC_CALENDAR), ("definition",),
         True, None)  # the latest time twice: the report shows the first row's text
@example(TWINS, _policy([], [], "resume", "keep_elapsed", UTC_CALENDAR), ("definition",),
         True, datetime(2016, 2, 29, tzinfo=timezone.utc))  # before every row: the first
@given(st.lists(rows, max_size=40), policies, groupings, st.booleans(),
       st.none() | st.integers(0, 10).map(
           lambda d: datetime(2016, 3, 1, tzinfo=timezone.utc).replace(day=1 + d)))
def test_counting_on_integers_is_the_engines_count(
        lines: list[tuple[str, ...]], policy: SlaPolicy, by: tuple[str, ...], zone: bool,
        as_of: datetime | None) -> None:
    work = ExportWork(policy=policy, time_format=None, tz=timezone.utc if zone else None,
                      at_name="sys_updated_at", fields=("group",), by=by, period=None)
    assert plain_support(policy, by=by, fields=("group",), period=None, cycles=False) is None
    text = _text(lines)
    assert _outcome(text, work, as_of, plain=True) == _outcome(text, work, as_of, plain=False)


def test_the_same_bytes_on_a_servicenow_export(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's report, on 20,000 rows of a ServiceNow-shaped export (sorted by
    ticket, unreadable rows, duplicated updates), as JSON: byte for byte."""
    export = tmp_path / "export.csv"
    with export.open("w", encoding="utf-8", newline="") as out:
        write_export(out, rows=20_000)
    policy = str(REPO / "docs" / "examples" / "servicenow-policy.json")
    reports = []
    for plain in (True, False):
        if not plain:
            monkeypatch.setattr(worker_module, "plain_support", lambda *_, **__: "off")
        path = tmp_path / f"report-{plain}.json"
        assert main(["sla-report", str(export), "--policy", policy, "--tz", "Europe/London",
                     "--engine", "pure", "--by", "definition,priority,assignment_group",
                     "--format", "json", "--quiet", "--output", str(path)]) == 0
        reports.append(path.read_bytes())
    assert reports[0] == reports[1]
    assert b'"not_evaluated"' in reports[0]


@pytest.mark.parametrize(("change", "reason"), [
    ({"period": "month"}, "a period"),
    ({"cycles": True}, "--cycles lists every cycle"),
    ({"by": ("definition", "category")}, "grouping by 'category', not a column read"),
])
def test_what_it_leaves_to_the_engine(change: dict[str, Any], reason: str) -> None:
    options: dict[str, Any] = {"by": ("definition",), "fields": (), "period": None,
                               "cycles": False, **change}
    assert plain_support(load_demo_policy(), **options) == reason


def test_a_policy_it_leaves_to_the_engine() -> None:
    fielded = SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H",
                                                    "applies": {"field": "group",
                                                                "in": ["N"]}}]})
    assert plain_support(fielded, by=("definition",), fields=("group",), period=None,
                         cycles=False) == "SLA 'r' is not plain, by priority, on the state alone"

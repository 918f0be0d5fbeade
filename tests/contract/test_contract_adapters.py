"""Acceptance tests of the pandas and Dask adapters, pickling, ``--jobs``.

The adapters must give exactly the core's figures: every test here compares them with
``SlaPolicy.evaluate`` and ``compliance_report`` run on the same events.
"""

from __future__ import annotations

import csv
import json
import pickle
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dask
import dask.dataframe as dd
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core import BusinessCalendar, SlaPolicy, TicketEvent, compliance_report
from itsm_core.integrations.dask import compliance_dask, evaluate_dask
from itsm_core.integrations.pandas import compliance_frame, evaluate_frame

UK = ZoneInfo("Europe/London")
UTC = timezone.utc
OFFICE = {"timezone": "Europe/London",
          "hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
          "holidays": [{"country": "GB", "subdivision": "ENG"}]}
POLICY = SlaPolicy.from_dict({
    "calendars": {"office": OFFICE},
    "definitions": [
        {"name": "response", "calendar": "office",
         "targets": {"1 - Critical": "PT30M", "2 - High": "PT1H", "3 - Moderate": "PT4H"},
         "stop": {"state_not_in": ["New"]}},
        {"name": "resolution", "calendar": "office",
         "targets": {"1 - Critical": "PT4H", "2 - High": "PT8H", "3 - Moderate": "P1D"},
         "pause": {"state_in": ["Awaiting User Info"]},
         "stop": {"state_in": ["Resolved", "Closed"]},
         "on_reopen": "resume"}]})
COLUMNS = {"ticket": "number", "at": "sys_updated_on", "state": "incident_state",
           "priority": "priority"}
STATES = ["New", "Active", "Awaiting User Info", "Resolved", "Closed"]
PRIORITIES = ["1 - Critical", "2 - High", "3 - Moderate"]


def naive(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def core(frame: pd.DataFrame, as_of: datetime) -> list[Any]:
    """The core's outcomes for the same rows: wall times read with fold=0."""
    outcomes = []
    for number in dict.fromkeys(frame["number"]):
        rows = frame[frame["number"] == number]
        events = [TicketEvent(naive(r.sys_updated_on).replace(tzinfo=UK), r.incident_state,
                              r.priority, {"assignment_group": r.assignment_group})
                  for r in rows.itertuples()]
        outcomes.extend(POLICY.evaluate(events, as_of, number))
    return outcomes


LOG = pd.DataFrame([
    # INC1: answered after 30 min, paused over the weekend, resolved Monday
    ("INC1", "2025-03-07 15:00", "New", "2 - High", "network"),
    ("INC1", "2025-03-07 15:30", "Active", "2 - High", "network"),
    ("INC1", "2025-03-07 16:00", "Awaiting User Info", "2 - High", "network"),
    ("INC1", "2025-03-10 10:00", "Active", "2 - High", "network"),
    ("INC1", "2025-03-10 12:00", "Resolved", "2 - High", "network"),
    # INC2: rows out of order; raised to critical; breaches
    ("INC2", "2025-03-10 13:00", "Active", "1 - Critical", "desk"),
    ("INC2", "2025-03-10 09:00", "New", "3 - Moderate", "desk"),
    ("INC2", "2025-03-11 10:00", "Resolved", "1 - Critical", "desk"),
    # INC3: timestamps in London's spring-forward gap and in the autumn overlap
    ("INC3", "2025-03-30 01:30", "New", "3 - Moderate", "desk"),
    ("INC3", "2025-03-31 09:30", "Active", "3 - Moderate", "desk"),
    ("INC3", "2025-10-26 01:30", "Resolved", "3 - Moderate", "desk"),
], columns=["number", "sys_updated_on", "incident_state", "priority", "assignment_group"])
AS_OF = datetime(2025, 11, 1, tzinfo=UTC)


def assert_rows_equal_core(cycles: pd.DataFrame, outcomes: list[Any]) -> None:
    expected = [(o.ticket, o.definition, c) for o in outcomes for c in o.cycles]
    assert len(cycles) == len(expected)
    for row, (ticket, definition, cycle) in zip(cycles.itertuples(), expected, strict=True):
        assert (row.ticket, row.definition) == (ticket, definition)
        assert row.stage == cycle.stage.value
        assert row.priority == cycle.priority
        assert row.elapsed.to_pytimedelta() == cycle.elapsed
        assert row.target.to_pytimedelta() == cycle.target
        assert row.remaining.to_pytimedelta() == cycle.remaining
        assert bool(row.breached) is cycle.breached
        assert row.started_at.to_pydatetime().astimezone(UTC) == \
            cycle.started_at.astimezone(UTC)
        assert row.paused_business.to_pytimedelta() == cycle.paused_business


class TestEvaluateFrame:
    def test_one_row_per_ticket_definition_cycle_equal_to_the_core(self):
        cycles = evaluate_frame(LOG, POLICY, columns=COLUMNS, tz="Europe/London", as_of=AS_OF)
        assert {"ticket", "definition", "stage", "elapsed", "target", "breached", "due_at",
                "started_at", "stopped_at", "remaining", "paused_business", "paused_wall",
                "assignment_group"} <= set(cycles.columns)
        assert_rows_equal_core(cycles, core(LOG, AS_OF))

    def test_dst_gap_and_overlap_use_the_cores_fold_0_rule(self):
        cycles = evaluate_frame(LOG, POLICY, columns=COLUMNS, tz="Europe/London", as_of=AS_OF)
        started = cycles[(cycles.ticket == "INC3")].started_at.iloc[0].to_pydatetime()
        # 01:30 does not exist on 2025-03-30 in London: it moves forward to 02:30 BST
        assert started.astimezone(UTC) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
        stopped = cycles[(cycles.ticket == "INC3") &
                         (cycles.definition == "resolution")].stopped_at.iloc[0]
        # 01:30 happens twice on 2025-10-26: the first (BST) is taken
        assert stopped.to_pydatetime().astimezone(UTC) == datetime(2025, 10, 26, 0, 30,
                                                                   tzinfo=UTC)

    def test_compliance_frame_equals_the_core_report(self):
        cycles = evaluate_frame(LOG, POLICY, columns=COLUMNS, tz="Europe/London", as_of=AS_OF)
        frame = compliance_frame(cycles, by=("definition", "priority"))
        report = compliance_report(core(LOG, AS_OF), by=("definition", "priority"))
        expected = [(dict(r.keys)["definition"], dict(r.keys)["priority"], r.total, r.met,
                     r.breached, r.running, r.paused, r.cancelled) for r in report.rows]
        got = list(frame[["definition", "priority", "total", "met", "breached", "running",
                          "paused", "cancelled"]].itertuples(index=False, name=None))
        assert got == expected

    @settings(max_examples=40)
    @given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 24 * 4 * 10),
                              st.sampled_from(STATES), st.sampled_from(PRIORITIES)),
                    min_size=1, max_size=20))
    def test_random_logs_equal_the_core(self, raw):
        base = datetime(2025, 3, 24)
        rows = [(f"INC{t}", (base + timedelta(minutes=15 * q)).strftime("%Y-%m-%d %H:%M"),
                 state, priority, "desk") for t, q, state, priority in raw]
        frame = pd.DataFrame(rows, columns=list(LOG.columns))
        as_of = datetime(2025, 4, 10, tzinfo=UTC)
        cycles = evaluate_frame(frame, POLICY, columns=COLUMNS, tz="Europe/London",
                                as_of=as_of)
        assert_rows_equal_core(cycles, core(frame, as_of))


class TestDaskRecipe:
    def test_partitioned_by_ticket_equals_one_process(self):
        tickets = pd.concat([LOG.assign(number=LOG.number + f"-{k}") for k in range(30)],
                            ignore_index=True)
        whole = evaluate_frame(tickets, POLICY, columns=COLUMNS, tz="Europe/London",
                               as_of=AS_OF)
        with dask.config.set(scheduler="synchronous"):
            lazy = evaluate_dask(dd.from_pandas(tickets, npartitions=4), POLICY,
                                 columns=COLUMNS, tz="Europe/London", as_of=AS_OF)
            parts = lazy.compute()
            report = compliance_dask(lazy, by=("definition", "priority"))
        key = ["ticket", "definition", "cycle"]
        assert parts.sort_values(key).reset_index(drop=True).equals(
            whole.sort_values(key).reset_index(drop=True))
        assert report.equals(compliance_frame(whole, by=("definition", "priority")))


def test_the_core_never_imports_pandas():
    script = ("import sys, itsm_core, itsm_core.calendar, itsm_core.sla, itsm_core.priority, "
              "itsm_core.availability, itsm_core.capacity, itsm_core.change, itsm_core.problem, "
              "itsm_core.topology, itsm_core.recurrence, itsm_core.cli.jobs, itsm_core.cli, "
              "itsm_core.integrations; print('pandas' in sys.modules, 'dask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False False"


class TestPickling:
    def test_calendars_ship_their_rules_not_their_timeline(self):
        cal = BusinessCalendar.from_dict(OFFICE)
        fresh = len(pickle.dumps(cal))
        start = datetime(2020, 1, 1, tzinfo=UTC)
        cal.elapsed(start, start + timedelta(days=3653))      # compiles ten years
        used = pickle.dumps(cal)
        assert len(used) == fresh < 4_000
        assert pickle.loads(used) == cal

    def test_definitions_policies_and_outcomes_pickle(self):
        outcomes = core(LOG, AS_OF)
        for value in (POLICY, POLICY.definitions[0], *outcomes):
            copy = pickle.loads(pickle.dumps(value))
            assert copy == value
        cycle = outcomes[0].cycles[0]
        assert pickle.loads(pickle.dumps(cycle)).due_at == cycle.due_at


# -- python -m itsm_core sla-report --jobs N ----------------------------------------------------

def test_jobs_gives_the_same_output_as_one_process(tmp_path: Path):
    rows = []
    for k in range(300):
        for number, at, state, priority, group in LOG.itertuples(index=False):
            rows.append([f"{number}-{k}", at, state, priority, group])
    export = tmp_path / "events.csv"
    with export.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(LOG.columns)
        writer.writerows(rows)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY.to_dict()))
    runs = {}
    for jobs in ("1", "2"):
        for fmt in ("json", "table"):
            result = subprocess.run(
                [sys.executable, "-m", "itsm_core", "sla-report", str(export), "--policy",
                 str(policy), "--tz", "Europe/London", "--columns",
                 ",".join(f"{k}={v}" for k, v in COLUMNS.items()), "--format", fmt,
                 "--jobs", jobs], capture_output=True, text=True, timeout=600, check=False)
            assert result.returncode == 0, result.stderr
            runs[jobs, fmt] = result.stdout
    assert runs["1", "json"] == runs["2", "json"]
    assert runs["1", "table"] == runs["2", "table"]
    totals = sum(r["total"] for r in json.loads(runs["2", "json"])["rows"])
    assert totals == 300 * 6        # three tickets, two definitions, one cycle each

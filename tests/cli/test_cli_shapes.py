"""Ticket tables (``--shape table``): one row per ticket, read as the ticket's events."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itsm_core.cli import main

REPO = Path(__file__).resolve().parents[2]
SERVICENOW_POLICY = str(REPO / "docs" / "examples" / "servicenow-policy.json")
START = datetime(2016, 3, 1, 7, 0, tzinfo=timezone.utc)
PRIORITIES = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low")
AS_OF = "2016-03-20T00:00:00Z"


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_both(tmp_path: Path, tickets: list[tuple[str, str, list[datetime | None]]]
               ) -> tuple[str, str]:
    """The same tickets as an audit log and as a ticket table."""
    log = ["number,incident_state,sys_updated_at,priority,group"]
    table = ["number,priority,group,opened_at,responded_at,resolved_at,closed_at"]
    states = ("New", "In Progress", "Resolved", "Closed")
    for number, priority, times in tickets:
        for state, at in zip(states, times, strict=True):
            if at is not None:
                log.append(f"{number},{state},{_iso(at)},{priority},G")
        cells = ["" if at is None else _iso(at) for at in times]
        table.append(f"{number},{priority},G,{','.join(cells)}")
    (tmp_path / "log.csv").write_text("\n".join(log) + "\n", encoding="utf-8")
    (tmp_path / "table.csv").write_text("\n".join(table) + "\n", encoding="utf-8")
    return str(tmp_path / "log.csv"), str(tmp_path / "table.csv")


def run_json(capsys: pytest.CaptureFixture[str], path: str, *extra: str
             ) -> tuple[int, dict[str, object] | None, str]:
    code = main(["sla-report", path, "--policy", SERVICENOW_POLICY, "--as-of", AS_OF,
                 "--format", "json", *extra])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else None), captured.err


def _ticket(draw: st.DrawFn, number: int) -> tuple[str, str, list[datetime | None]]:
    opened = START + timedelta(minutes=draw(st.integers(0, 14 * 24 * 60)))
    times: list[datetime | None] = [opened]
    at = opened
    for _ in range(3):  # responded, resolved, closed: each happens or not, in order
        if draw(st.booleans()):
            at += timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
            times.append(at)
        else:
            times.append(None)
    return f"INC{number}", draw(st.sampled_from(PRIORITIES)), times


@st.composite
def tickets(draw: st.DrawFn) -> list[tuple[str, str, list[datetime | None]]]:
    return [_ticket(draw, n) for n in range(draw(st.integers(1, 8)))]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tickets())
def test_a_table_reports_as_its_audit_log(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        data: list[tuple[str, str, list[datetime | None]]]) -> None:
    log, table = write_both(tmp_path, data)
    by = ("--by", "definition,priority,group", "--tz", "UTC")
    code_log, from_log, err_log = run_json(capsys, log, *by, "--shape", "log")
    code_table, from_table, err_table = run_json(capsys, table, *by, "--shape", "table")
    assert code_log == code_table
    if from_log is None or from_table is None:
        assert err_log == err_table.replace("table.csv", "log.csv")
        return
    for key in ("rows", "not_evaluated", "skipped"):
        assert from_log[key] == from_table[key]
    assert from_table["skipped"] == []


def test_the_shape_is_detected(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    day = START.replace(hour=9)
    data = [("INC1", "2 - High", [day, day + timedelta(minutes=30), day + timedelta(hours=3),
                                   None]),
            ("INC2", "3 - Moderate", [day, None, None, None])]
    log, table = write_both(tmp_path, data)
    _, detected, _ = run_json(capsys, table, "--tz", "UTC")
    _, explicit, _ = run_json(capsys, table, "--tz", "UTC", "--shape", "table")
    _, from_log, _ = run_json(capsys, log, "--tz", "UTC")
    assert detected == explicit and detected is not None and from_log is not None
    assert detected["rows"] == from_log["rows"]
    rows = {(r["definition"], r["priority"]): r for r in detected["rows"]}  # type: ignore[attr-defined]
    assert (rows["response", "2 - High"]["met"], rows["resolution", "2 - High"]["met"]) == (1, 1)
    assert rows["resolution", "3 - Moderate"]["running"] == 1


def test_a_log_with_opened_and_resolved_columns_stays_a_log(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("number,incident_state,sys_updated_at,priority,opened_at,resolved_at\n"
                    "INC1,New,2016-03-01T09:30Z,2 - High,2016-03-01T09:00Z,\n"
                    "INC1,Resolved,2016-03-01T10:00Z,2 - High,2016-03-01T09:00Z,"
                    "2016-03-01T10:00Z\n", encoding="utf-8")
    code, data, err = run_json(capsys, str(path), "--by", "definition")
    assert code == 0 and data is not None, err
    # the clock starts at the first update (09:30), not at opened_at (09:00)
    assert [r["mean_elapsed"] for r in data["rows"]] == ["PT30M", "PT30M"]  # type: ignore[attr-defined]
    code, data, err = run_json(capsys, str(path), "--by", "definition", "--shape", "table")
    assert code == 0 and data is not None, err
    assert [r["mean_elapsed"] for r in data["rows"]] == ["PT1H", "PT1H"]  # type: ignore[attr-defined]


def test_table_lines_and_skips(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_text("number,priority,note,opened_at,resolved_at\n"   # 1
                    "INC1,2 - High,\"two\nlines\",2016-03-01T09:00Z,2016-03-01T10:00Z\n"  # 2-3
                    "INC2,2 - High,x,,\n"                           # 4: no time at all
                    "INC3,2 - High,x,2016-03-01T09:00Z,31/2/2016 10:00\n"  # 5: bad resolved
                    "INC4,2 - High\n"                               # 6: too few fields
                    "INC5,2 - High,x,2016-03-01T09:00Z,\n", encoding="utf-8")  # 7
    code, data, err = run_json(capsys, str(path), "--shape", "table")
    assert code == 0 and data is not None, err
    skipped = [(s["line"], s["reason"]) for s in data["skipped"]]  # type: ignore[attr-defined]
    assert [line for line, _ in skipped] == [4, 5, 6]
    assert "no time" in skipped[0][1]
    assert "cannot read '31/2/2016 10:00'" in skipped[1][1]
    assert skipped[2][1] == "row has 2 fields; the header has 5"


@pytest.mark.parametrize(("argv", "message"), [
    (["--shape", "log", "--columns", "opened=opened_at"], "are the columns of a ticket table"),
    (["--shape", "table", "--columns", "at=opened_at"], "are the columns of an event log"),
    (["--shape", "table", "--columns", "opened=nope"], "no column 'nope' in the header"),
    (["--columns", "opened=a,opened=b"], "role 'opened' is mapped twice"),
    (["--columns", "closed"], "cannot read 'closed'"),
])
def test_column_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                       argv: list[str], message: str) -> None:
    day = START.replace(hour=9)
    _, table = write_both(tmp_path, [("INC1", "2 - High", [day, None, None, None])])
    code, _, err = run_json(capsys, table, "--tz", "UTC", *argv)
    assert code == 2 and message in err, err


def test_a_table_without_time_columns_names_what_it_needs(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("number,priority,when\nINC1,2 - High,2016-03-01T09:00Z\n", encoding="utf-8")
    code, _, err = run_json(capsys, str(path), "--shape", "table")
    assert code == 2 and "--columns ticket=COLUMN,opened=COLUMN,resolved=COLUMN" in err

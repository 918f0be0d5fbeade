"""``sla-report --source NAME``: each tool's column preset on its sample export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from itsm_core.cli import main
from itsm_core.cli.presets import PRESETS

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "docs" / "examples"
SAMPLES = {
    "servicenow-incident": "servicenow-incidents.csv",
    "servicenow-task": "servicenow-tasks.csv",
    "jsm": "jsm-issues.csv",
    "zendesk": "zendesk-tickets.csv",
    "glpi": "glpi-tickets.csv",
    "znuny": "znuny-tickets.csv",
    "otrs": "znuny-tickets.csv",
    "freshservice": "freshservice-tickets.csv",
}
POLICY = {"definitions": [
    {"name": "response", "targets": {"*": "PT4H"}, "stop": {"state_not_in": ["New"]}},
    {"name": "resolution", "targets": {"*": "P1D"},
     "stop": {"state_in": ["Resolved", "Closed"]}},
]}


@pytest.fixture
def policy(tmp_path: Path) -> str:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(POLICY), encoding="utf-8")
    return str(path)


def report(capsys: pytest.CaptureFixture[str], policy: str, name: str,
           *extra: str) -> dict[str, dict[str, Any]]:
    code = main(["sla-report", str(EXAMPLES / SAMPLES[name]), "--policy", policy,
                 "--tz", "Europe/London", "--source", name, "--by", "definition",
                 "--as-of", "2024-03-09T00:00:00Z", "--format", "json", *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert data["skipped"] == []
    return {row["definition"]: row for row in data["rows"]}


def test_every_preset_has_a_sample() -> None:
    assert set(SAMPLES) == set(PRESETS)
    for name in set(SAMPLES.values()):
        assert (EXAMPLES / name).is_file()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_ticket_of_the_sample_is_evaluated(
        capsys: pytest.CaptureFixture[str], policy: str, name: str) -> None:
    text = (EXAMPLES / SAMPLES[name]).read_text(encoding="utf-8")
    delimiter = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    ticket = PRESETS[name].columns["ticket"]
    tickets = {row[ticket] for row in rows}
    assert len(tickets) == len(rows) >= 5  # a ticket table: one row per ticket
    resolved = [c for role, c in PRESETS[name].columns.items() if role in ("resolved", "closed")]
    finished = sum(any(row[c] for c in resolved) for row in rows)
    rows_out = report(capsys, policy, name)
    for definition in ("response", "resolution"):
        assert rows_out[definition]["total"] == len(tickets)
    done = rows_out["resolution"]
    assert done["met"] + done["breached"] == finished  # each filled resolved/closed time stops it
    assert done["running"] == len(tickets) - finished


def test_zendesk_sample_counted_by_hand(capsys: pytest.CaptureFixture[str], policy: str) -> None:
    rows = report(capsys, policy, "zendesk")
    # 1201 solved after 3h25m, 1202 after 35m, 1205 after 8h25m: all within a day
    assert (rows["resolution"]["met"], rows["resolution"]["breached"]) == (3, 0)
    # no response column: the response clock stops at the solve; 8h25m > 4h for 1205
    assert (rows["response"]["met"], rows["response"]["breached"]) == (2, 1)


def test_znuny_first_response_stops_the_response_clock(
        capsys: pytest.CaptureFixture[str], policy: str) -> None:
    rows = report(capsys, policy, "znuny")
    # responses after 20m, 3h30m, 2h25m, 45m; 2024030510000044 has none yet
    assert (rows["response"]["met"], rows["response"]["breached"],
            rows["response"]["running"]) == (4, 0, 1)


def test_jsm_reads_its_date_format(capsys: pytest.CaptureFixture[str], policy: str) -> None:
    rows = report(capsys, policy, "jsm")
    # ITSD-101 5h15m (met), ITSD-102 1d22h25m (breached), ITSD-105 20h35m (met)
    assert (rows["resolution"]["met"], rows["resolution"]["breached"]) == (2, 1)


def test_explicit_options_win_over_the_preset(
        capsys: pytest.CaptureFixture[str], policy: str) -> None:
    # the Updated column as the resolved time: every ticket of the sample has one
    rows = report(capsys, policy, "jsm", "--columns", "resolved=Updated")
    assert rows["resolution"]["running"] == 0
    code = main(["sla-report", str(EXAMPLES / "jsm-issues.csv"), "--policy", policy,
                 "--tz", "UTC", "--source", "jsm", "--time-format", "%Y-%m-%d"])
    err = capsys.readouterr().err
    assert code == 0 and "cannot read '04/Mar/24 9:15 AM' as a time" in err


def test_an_unknown_source_is_a_usage_error(
        capsys: pytest.CaptureFixture[str], policy: str) -> None:
    code = main(["sla-report", "x.csv", "--policy", policy, "--source", "remedy"])
    assert code == 2 and "invalid choice: 'remedy'" in capsys.readouterr().err


def test_a_preset_column_missing_from_the_export_names_it(
        capsys: pytest.CaptureFixture[str], policy: str) -> None:
    code = main(["sla-report", str(EXAMPLES / "zendesk-tickets.csv"), "--policy", policy,
                 "--tz", "UTC", "--source", "freshservice"])
    err = capsys.readouterr().err
    assert code == 2 and "no column 'Ticket Id' in the header" in err

"""``--cycles FILE``: one line per SLA cycle the report counted, CSV or JSON lines.

Checked against the report itself (the lines, counted by ticket, definition and stage, are
the report's ``--by ticket,definition,stage`` totals), against the library evaluating the
demo's tickets one by one, and across ``--jobs`` (the same file, byte for byte).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servicenow_export import write_export

from itsm_core._instant import parse_duration, parse_instant
from itsm_core.cli import main
from itsm_core.cli.cycles import COLUMNS, in_file_order, outcome_lines
from itsm_core.cli.evaluate import histories_from_demo
from itsm_core.cli.policyfile import load_demo_policy, load_policy
from itsm_core.demo.generator import AS_OF, LONDON, generate_incident_log

REPO = Path(__file__).resolve().parents[2]
POLICY_PATH = str(REPO / "docs" / "examples" / "servicenow-policy.json")
POLICY = load_policy(POLICY_PATH)
HEADER = ["number", "incident_state", "sys_updated_at", "priority", "group"]


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read_lines(path: Path) -> list[dict[str, str | None]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines()]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == COLUMNS
    return [{k: (v or None) for k, v in zip(COLUMNS, row, strict=True)} for row in rows[1:]]


def first_row_order(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        tickets = [row[0] for row in list(csv.reader(file))[1:] if row]
    return list(dict.fromkeys(tickets))


def check_against_report(capsys: pytest.CaptureFixture[str], path: Path,
                         lines: list[dict[str, str | None]], *extra: str) -> None:
    """The lines, counted, are the report's totals; each is well formed; they are in
    ticket (first-row), definition (policy), cycle order."""
    code, out, _ = report(capsys, "sla-report", str(path), "--policy", POLICY_PATH,
                          "--by", "ticket,definition,stage", "--format", "json", *extra)
    assert code == 0
    totals = Counter({(r["ticket"], r["definition"], r["stage"]): r["total"]
                      for r in json.loads(out)["rows"]})
    assert Counter((ln["ticket"], ln["definition"], ln["stage"]) for ln in lines) == totals
    names = [d.name for d in POLICY.definitions]
    tickets = first_row_order(path)
    keys = [(tickets.index(str(ln["ticket"])), names.index(str(ln["definition"])))
            for ln in lines]
    assert keys == sorted(keys)
    for line in lines:
        started = parse_instant(line["started"], "started")
        assert parse_duration(line["elapsed"], "elapsed") >= timedelta(0)
        assert parse_duration(line["paused"], "paused") >= timedelta(0)
        assert (line["stopped"] is None) == (line["stage"] in ("running", "paused"))
        if line["stopped"] is not None:
            assert parse_instant(line["stopped"], "stopped") >= started
        if line["breached_at"] is not None:
            assert parse_instant(line["breached_at"], "breached_at") >= started
        if line["stage"] == "breached":
            assert line["breached_at"] is not None


@pytest.mark.parametrize("ending", [".csv", ".jsonl"])
def test_a_servicenow_export_same_for_every_jobs(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path, ending: str) -> None:
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_export(out, rows=3_000)
    files = []
    for jobs in ("1", "2"):
        target = tmp_path / f"cycles-{jobs}{ending}"
        code, text, _ = report(capsys, "sla-report", str(path), "--policy", POLICY_PATH,
                               "--tz", "Europe/London", "--jobs", jobs, "--cycles", str(target))
        assert code == 0 and text
        files.append(target.read_bytes())
    assert files[0] == files[1]
    lines = read_lines(tmp_path / f"cycles-1{ending}")
    assert len(lines) > 500
    assert {ln["stage"] for ln in lines} >= {"met", "breached"}
    check_against_report(capsys, path, lines, "--tz", "Europe/London")


def test_scattered_tickets_still_open(capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    """Tickets' rows all over the file, most still open at the latest time (evaluated
    again once it is known): the lines stay in first-row order."""
    rows = [",".join(HEADER)]
    for i in range(400):
        rows.append(f"INC{(i * 7) % 23},{'New' if i < 23 else 'Active'},"
                    f"2016-03-01T{9 + i % 8:02d}:{i % 60:02d}:00Z,3 - Moderate,g{i % 3}")
    rows += [f"INC{n},Resolved,2016-03-02T10:00:00Z,3 - Moderate,x" for n in (4, 9, 16)]
    path = tmp_path / "scattered.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    got = []
    for jobs in ("1", "2"):
        target = tmp_path / f"c{jobs}.jsonl"
        assert report(capsys, "sla-report", str(path), "--policy", POLICY_PATH, "--jobs",
                      jobs, "--cycles", str(target))[0] == 0
        got.append(target.read_text(encoding="utf-8"))
    assert got[0] == got[1]
    lines = read_lines(tmp_path / "c1.jsonl")
    assert {ln["stage"] for ln in lines} >= {"running", "met"}
    check_against_report(capsys, path, lines)


times = st.one_of(
    st.builds("{}/3/2016 {:02d}:{:02d}".format, st.integers(1, 31), st.integers(0, 23),
              st.sampled_from([0, 30])),
    st.builds("2016-03-{:02d}T{:02d}:00:00{}".format, st.integers(1, 31), st.integers(0, 23),
              st.sampled_from(["Z", "+01:00"])),
    st.sampled_from(["31/2/2016 10:00", "soon"]),
)
rows_strategy = st.lists(st.tuples(
    st.sampled_from(["INC1", "INC2", "INC3", "INC4", "INC5"]),
    st.sampled_from(["New", "Active", "Awaiting User Info", "Resolved", "Closed"]),
    times, st.sampled_from(["1 - Critical", "3 - Moderate", "?"]),
    st.sampled_from(["Network", "a,b"])), min_size=1, max_size=40)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows_strategy)
def test_generated_exports(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                           rows: list[tuple[str, ...]]) -> None:
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    results = []
    for jobs in ("1", "2"):
        target = tmp_path / f"c{jobs}.csv"
        target.unlink(missing_ok=True)
        code, _, _ = report(capsys, "sla-report", str(path), "--policy", POLICY_PATH,
                            "--tz", "UTC", "--jobs", jobs, "--cycles", str(target))
        results.append((code, target.read_bytes() if target.exists() else None))
        assert (code == 0) == target.exists()  # written only when the run succeeds
    assert results[0] == results[1]
    if results[0][0] == 0:
        check_against_report(capsys, path, read_lines(tmp_path / "c1.csv"), "--tz", "UTC")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_demo_lines_are_the_library_s_cycles(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path, jobs: str) -> None:
    """The slow reference: each demo ticket evaluated by the policy, one by one."""
    target = tmp_path / "demo.csv"
    code, _, _ = report(capsys, "demo", "--tickets", "150", "--seed", "7", "--jobs", jobs,
                        "--cycles", str(target))
    assert code == 0
    policy = load_demo_policy()
    expected = [line for number, events in
                histories_from_demo(generate_incident_log(tickets=150, seed=7), LONDON)
                for outcome in policy.evaluate(events, AS_OF, number, strict=False)
                for line in outcome_lines(outcome)]
    got = [tuple(ln.values()) for ln in read_lines(target)]
    assert got == expected and len(got) >= 300
    assert all(str(ln[3]).endswith(("+00:00", "+01:00")) for ln in got)  # London's zone


def test_in_file_order_is_stable() -> None:
    lines = [(1, ("B", "y", "1")), (0, ("A", "x", "1")), (1, ("B", "y", "2")),
             (0, ("B", "x", "1")), (0, ("A", "x", "2"))]
    assert in_file_order(lines, ["B", "A"]) == [
        ("B", "x", "1"), ("B", "y", "1"), ("B", "y", "2"), ("A", "x", "1"), ("A", "x", "2")]


@pytest.mark.parametrize(("name", "problem"), [
    ("-", "'-' (standard output holds the report)"),
    ("cycles.txt", "cannot tell the form of"),
    ("cycles", "cannot tell the form of"),
    ("no-such-dir/c.csv", "cannot write"),
])
def test_bad_cycles_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str,
                         problem: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (["demo", "--tickets", "5"],
                    ["sla-report", str(REPO / "docs" / "examples" / "servicenow-incidents.csv"),
                     "--policy", POLICY_PATH, "--tz", "UTC"]):
        code, out, err = report(capsys, *command, "--cycles", name)
        assert code == 2 and out == ""
        assert "error: --cycles: " + problem in err
        assert "expected a file ending in .csv (CSV) or .jsonl (JSON lines)" in err
    assert list(tmp_path.iterdir()) == []


def test_cycles_file_is_not_the_report(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    target = str(tmp_path / "same.csv")
    code, _, err = report(capsys, "demo", "--tickets", "5", "--output", target,
                          "--cycles", target)
    assert code == 2 and "--cycles: " in err and "is the --output file" in err
    assert not Path(target).exists()


def test_not_written_when_the_run_fails(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    target = tmp_path / "c.csv"
    code, _, err = report(capsys, "sla-report",
                          str(REPO / "docs" / "examples" / "servicenow-incidents.csv"),
                          "--policy", POLICY_PATH, "--tz", "UTC", "--as-of",
                          "2000-01-01T00:00:00Z", "--cycles", str(target))
    assert code == 2 and "--as-of" in err
    assert not target.exists()


def test_no_lines_without_the_option(capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    """Without ``--cycles`` the report is the same and no file appears."""
    path = REPO / "docs" / "examples" / "servicenow-incidents.csv"
    plain = report(capsys, "sla-report", str(path), "--policy", POLICY_PATH, "--tz", "UTC")
    target = tmp_path / "c.jsonl"
    with_lines = report(capsys, "sla-report", str(path), "--policy", POLICY_PATH, "--tz",
                        "UTC", "--cycles", str(target))
    assert plain == with_lines and plain[0] == 0
    assert read_lines(target)

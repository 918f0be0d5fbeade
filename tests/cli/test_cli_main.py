"""End-to-end runs of ``main([...])``: golden cases counted by hand, every error path."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from servicenow_export import write_export

from itsm_core.cli import main
from itsm_core.cli.evaluate import histories_from_demo
from itsm_core.cli.policyfile import load_demo_policy, load_policy
from itsm_core.demo import AS_OF, generate_incident_log
from itsm_core.demo.generator import LONDON
from itsm_core.sla import compliance_report

REPO = Path(__file__).resolve().parents[2]
SERVICENOW_POLICY = REPO / "docs" / "examples" / "servicenow-policy.json"

POLICY = {"definitions": [{
    "name": "resolution",  # no calendar: 24x7 UTC, so the arithmetic is plain hours
    "targets": {"1 - Critical": "PT4H", "3 - Moderate": "P1D"},
    "pause": {"state_in": ["Awaiting User Info"]},
    "stop": {"state_in": ["Resolved", "Closed"]},
}]}
POLICY_TOML = """
[[definitions]]
name = "resolution"
targets = { "1 - Critical" = "PT4H", "3 - Moderate" = "P1D" }
pause = { state_in = ["Awaiting User Info"] }
stop = { state_in = ["Resolved", "Closed"] }
"""
EVENTS = (
    "number,incident_state,sys_updated_at,priority,assignment_group\n"   # line 1
    "INC1,New,1/3/2016 09:00,1 - Critical,Network\n"                      # 2
    "INC1,Resolved,1/3/2016 12:00,1 - Critical,Network\n"                 # 3  3h <= 4h: met
    "INC2,New,1/3/2016 09:00,1 - Critical,Network\n"                      # 4
    "INC2,Awaiting User Info,1/3/2016 10:00,1 - Critical,Network\n"       # 5  1h run
    "INC2,Active,1/3/2016 20:00,1 - Critical,Database\n"                  # 6  10h paused
    "INC2,Resolved,1/3/2016 23:00,1 - Critical,Database\n"                # 7  +3h = 4h: met
    "INC3,New,1/3/2016 09:00,3 - Moderate,?\n"                            # 8
    "INC3,Active,2/3/2016 10:00,3 - Moderate,?\n"                         # 9  running, 51h
    "INC4,New,1/3/2016 09:00,3 - Moderate,Database\n"                     # 10
    "INC4,Resolved,2/3/2016 09:01,3 - Moderate,Database\n"                # 11 24h01m: breached
    "INC5,New,1/3/2016 10:00,9 - Unknown,Network\n"                       # 12 no target
    "INC6,New,31/2/2016 10:00,3 - Moderate,Network\n"                     # 13 bad date
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8")
    (tmp_path / "policy.json").write_text(json.dumps(POLICY), encoding="utf-8")
    (tmp_path / "policy.toml").write_text(POLICY_TOML, encoding="utf-8")
    return {name: str(tmp_path / name) for name in ("events.csv", "policy.json", "policy.toml")}


def report_args(files: dict[str, str], *extra: str) -> list[str]:
    return ["sla-report", files["events.csv"], "--policy", files["policy.json"], "--tz", "UTC",
            "--as-of", "2016-03-03T12:00:00Z", *extra]


def _counts(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in ("total", "met", "breached", "running", "paused", "cancelled",
                                  "compliance"))


class TestGolden:
    def test_json_counted_by_hand(self, capsys: pytest.CaptureFixture[str],
                                  files: dict[str, str]) -> None:
        code, out, err = run(capsys, *report_args(files, "--format", "json"))
        assert (code, err) == (0, "")
        data = json.loads(out)
        assert set(data) == {"meta", "not_evaluated", "rows", "skipped"}
        rows = {(r["definition"], r["priority"]): _counts(r) for r in data["rows"]}
        assert rows == {
            ("resolution", "1 - Critical"): (2, 2, 0, 0, 0, 0, 1.0),
            ("resolution", "3 - Moderate"): (2, 0, 1, 1, 0, 0, 0.0),
        }
        assert data["skipped"][0]["line"] == 13
        assert "31/2/2016 10:00" in data["skipped"][0]["reason"]
        assert data["skipped"][1]["ticket"] == "INC5"
        assert "9 - Unknown" in data["skipped"][1]["reason"]
        assert len(data["skipped"]) == 2

    def test_by_a_column(self, capsys: pytest.CaptureFixture[str],
                         files: dict[str, str]) -> None:
        code, out, _ = run(capsys, *report_args(files, "--format", "json",
                                                "--by", "assignment_group"))
        assert code == 0
        rows = {r["assignment_group"]: _counts(r)[:4] for r in json.loads(out)["rows"]}
        # grouped by the value on each ticket's last event; INC3's '?' is missing (None)
        assert rows == {"Database": (2, 1, 1, 0), "Network": (1, 1, 0, 0), None: (1, 0, 0, 1)}

    def test_as_of_defaults_to_the_latest_event(self, capsys: pytest.CaptureFixture[str],
                                                files: dict[str, str]) -> None:
        args = report_args(files, "--format", "json")
        args.remove("--as-of")
        args.remove("2016-03-03T12:00:00Z")
        code, out, _ = run(capsys, *args)
        assert code == 0
        rows = {r["priority"]: r for r in json.loads(out)["rows"]}
        # latest event is INC4's 2/3/2016 09:01; INC3 has run 24h01m by then, so is overdue
        assert rows["3 - Moderate"]["overdue"] == 1

    def test_table_and_stderr_summary(self, capsys: pytest.CaptureFixture[str],
                                      files: dict[str, str]) -> None:
        code, out, err = run(capsys, *report_args(files))
        assert code == 0
        assert out.splitlines()[0].split()[:3] == ["definition", "priority", "total"]
        assert "100.0%" in out and "0.0%" in out
        assert "5 tickets from 12 rows" in err
        assert "skipped 1 of 12 rows" in err and "line 13:" in err
        assert "INC5 (resolution)" in err

    def test_csv(self, capsys: pytest.CaptureFixture[str], files: dict[str, str]) -> None:
        code, out, _ = run(capsys, *report_args(files, "--format", "csv"))
        assert code == 0
        lines = out.splitlines()
        assert lines[0].startswith("definition,priority,total,met,breached")
        assert lines[1].startswith("resolution,1 - Critical,2,2,0,0,0,0,1.0,")

    def test_toml_policy_gives_the_same_report(self, capsys: pytest.CaptureFixture[str],
                                               files: dict[str, str]) -> None:
        _, from_json, _ = run(capsys, *report_args(files, "--format", "json"))
        args = report_args(files, "--format", "json")
        args[args.index(files["policy.json"])] = files["policy.toml"]
        code, from_toml, _ = run(capsys, *args)
        assert code == 0
        as_json, as_toml = json.loads(from_json), json.loads(from_toml)
        assert as_json["meta"].pop("policy").endswith("policy.json")  # the one difference
        assert as_toml["meta"].pop("policy").endswith("policy.toml")
        assert as_toml == as_json

    def test_explicit_columns_and_time_format(self, capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path, files: dict[str, str]) -> None:
        text = "id;when;status;prio\nA;2016-03-01 09:00;New;1 - Critical\n" \
               "A;2016-03-01 14:00;Closed;1 - Critical\n"
        (tmp_path / "other.csv").write_text(text.replace(";", ","), encoding="utf-8")
        code, out, _ = run(capsys, "sla-report", str(tmp_path / "other.csv"),
                           "--policy", files["policy.json"], "--tz", "Europe/London",
                           "--columns", "ticket=id,at=when,state=status,priority=prio",
                           "--time-format", "%Y-%m-%d %H:%M", "--format", "json")
        assert code == 0
        assert _counts(json.loads(out)["rows"][0]) == (1, 0, 1, 0, 0, 0, 0.0)  # 5h > 4h


class TestErrors:
    """Every configuration or usage error exits 2 with a message naming the field."""

    @pytest.mark.parametrize(("extra", "needle"), [
        (["--columns", "ticket=nmber"], "--columns ticket: no column 'nmber'"),
        (["--columns", "ticket"], "--columns: cannot read 'ticket'"),
        (["--columns", "owner=x"], "--columns: unknown role 'owner'"),
        (["--tz", "Mars/Olympus"], "--tz: unknown time zone 'Mars/Olympus'"),
        (["--as-of", "soon"], "--as-of: cannot read 'soon'"),
        (["--by", "definition,colour"], "--by: unknown key 'colour'"),
        (["--encoding", "klingon"], "--encoding: unknown encoding 'klingon'"),
    ])
    def test_option_errors(self, capsys: pytest.CaptureFixture[str], files: dict[str, str],
                           extra: list[str], needle: str) -> None:
        code, out, err = run(capsys, *report_args(files), *extra)
        assert code == 2
        assert out == ""
        assert needle in err

    def test_naive_time_without_tz(self, capsys: pytest.CaptureFixture[str],
                                   files: dict[str, str]) -> None:
        code, _, err = run(capsys, "sla-report", files["events.csv"],
                           "--policy", files["policy.json"])
        assert code == 2
        assert "line 2, column 'sys_updated_at'" in err and "--tz" in err

    def test_missing_column(self, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                            files: dict[str, str]) -> None:
        (tmp_path / "bad.csv").write_text("number,sys_updated_at\nINC1,1/3/2016 09:00\n",
                                          encoding="utf-8")
        code, _, err = run(capsys, "sla-report", str(tmp_path / "bad.csv"),
                           "--policy", files["policy.json"], "--tz", "UTC")
        assert code == 2
        assert "no column for the role 'state'" in err and "number, sys_updated_at" in err

    @pytest.mark.parametrize(("name", "content", "needle"), [
        ("p.json", "{", "p.json: not valid JSON"),
        ("p.toml", "definitions = [", "p.toml: not valid TOML"),
        ("p.yaml", "{}", "--policy: "),
        ("p.json", '{"definitions": [{"name": "r", "targets": {"P1": "4 hours"}}]}',
         "p.json: definitions[0].targets"),
        ("p.json", '{"definitions": [], "calendar": {}}', "p.json: "),
        ("p.json", '{"calendars": {"uk": {"timezone": "Nowhere/Land"}}, "definitions": '
                   '[{"name": "r", "targets": "PT1H"}]}', "p.json: calendars.uk"),
    ])
    def test_bad_policy_file(self, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                             files: dict[str, str], name: str, content: str,
                             needle: str) -> None:
        (tmp_path / name).write_text(content, encoding="utf-8")
        code, _, err = run(capsys, "sla-report", files["events.csv"], "--policy",
                           str(tmp_path / name), "--tz", "UTC")
        assert code == 2
        assert needle in err

    def test_missing_files(self, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                           files: dict[str, str]) -> None:
        code, _, err = run(capsys, "sla-report", files["events.csv"], "--policy",
                           str(tmp_path / "nope.json"))
        assert (code, "--policy: cannot read") == (2, err.split("error: ")[1][:21])
        code, _, err = run(capsys, "sla-report", str(tmp_path / "nope.csv"), "--policy",
                           files["policy.json"])
        assert code == 2
        assert "EVENTS.csv: cannot read" in err

    def test_options_are_checked_before_the_file_is_read(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path,
            files: dict[str, str]) -> None:
        code, _, err = run(capsys, "sla-report", str(tmp_path / "nope.csv"), "--policy",
                           files["policy.json"], "--columns", "owner=x", "--tz", "Mars/Olympus")
        assert code == 2 and "--tz: unknown time zone" in err
        code, _, err = run(capsys, "sla-report", str(tmp_path / "nope.csv"), "--policy",
                           files["policy.json"], "--columns", "owner=x")
        assert code == 2 and "--columns: unknown role 'owner'" in err

    def test_not_utf8(self, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                      files: dict[str, str]) -> None:
        (tmp_path / "latin.csv").write_bytes("ticket,at,state\nT,2016-03-01T09:00Z,Résolu\n"
                                             .encode("latin-1"))
        code, _, err = run(capsys, "sla-report", str(tmp_path / "latin.csv"), "--policy",
                           files["policy.json"])
        assert code == 2
        assert "--encoding" in err
        code, out, err = run(capsys, "sla-report", str(tmp_path / "latin.csv"), "--policy",
                             files["policy.json"], "--encoding", "latin-1", "--format", "json")
        # read now; with no priority the one ticket has no target: nothing was evaluated
        assert (code, out) == (2, "")
        assert "the one ticket was not evaluated" in err

    def test_usage_errors(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert run(capsys, "sla-report", "x.csv")[0] == 2          # --policy is required
        assert run(capsys, "demo", "--format", "xml")[0] == 2
        assert run(capsys)[0] == 2
        code, out, _ = run(capsys, "--help")
        assert code == 0
        assert "Exit codes" in out


class TestDemo:
    def test_table(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "demo", "--compliance")
        assert code == 0
        lines = out.splitlines()
        assert len(lines) == 1 + 2 * 4  # header + two definitions x four priorities
        assert "3,000 synthetic incidents" in err

    def test_json_matches_the_library(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "demo", "--format", "json", "--tickets", "300",
                           "--by", "definition,assignment_group", "--period", "month")
        assert code == 0
        histories = histories_from_demo(generate_incident_log(tickets=300), LONDON)
        policy = load_demo_policy()
        outcomes = [o for number, events in histories
                    for o in policy.evaluate(events, AS_OF, number, strict=False)]
        expected = compliance_report(outcomes, by=("definition", "assignment_group"),
                                     period="month")
        data = json.loads(out)
        assert (data["rows"], data["skipped"]) == (expected.to_dict()["rows"], [])

    def test_deterministic(self, capsys: pytest.CaptureFixture[str]) -> None:
        first = run(capsys, "demo", "--format", "csv", "--tickets", "200")
        assert first == run(capsys, "demo", "--format", "csv", "--tickets", "200")
        assert first != run(capsys, "demo", "--format", "csv", "--tickets", "200", "--seed", "1")


class TestServiceNowExport:
    def test_digests_the_export(self, capsys: pytest.CaptureFixture[str],
                                tmp_path: Path) -> None:
        path = tmp_path / "incident_event_log.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            info = write_export(out, rows=3_000)
        code, out_text, err = run(capsys, "sla-report", str(path), "--policy",
                                  str(SERVICENOW_POLICY), "--tz", "Europe/London",
                                  "--format", "json")
        assert (code, err) == (0, "")
        data = json.loads(out_text)
        lines = [s["line"] for s in data["skipped"] if "line" in s]
        assert lines == list(info.bad_lines)
        assert lines  # the generator did put unreadable rows in
        per_definition: dict[str, int] = {}
        for row in data["rows"]:
            per_definition[row["definition"]] = per_definition.get(row["definition"], 0) + \
                row["total"]
        # reference, straight from the file: the first readable row of each ticket
        bad = set(info.bad_lines)
        first_state: dict[str, str] = {}
        with path.open(encoding="utf-8", newline="") as text:
            for line, row in enumerate(csv.reader(text), start=1):
                if line > 1 and line not in bad:
                    first_state.setdefault(row[0], row[1])
        assert len(first_state) == info.tickets
        # one resolution cycle per ticket (reopens resume); a response clock attaches only
        # if the first readable row is still New (start and stop together attach nothing)
        new_first = sum(1 for state in first_state.values() if state == "New")
        assert new_first < info.tickets  # the noise did hit some first rows
        assert per_definition == {"resolution": info.tickets, "response": new_first}

    def test_clean_export_equals_the_direct_evaluation(self, capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path) -> None:
        """CSV text, minute times, naive London wall clock and duplicated rows change nothing."""
        path = tmp_path / "clean.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            info = write_export(out, rows=1_500, noise=False)
        as_of = "2016-07-01T00:00:00+01:00"
        code, out_text, _ = run(capsys, "sla-report", str(path), "--policy",
                                str(SERVICENOW_POLICY), "--tz", "Europe/London",
                                "--as-of", as_of, "--format", "json",
                                "--by", "definition,priority,assignment_group")
        assert code == 0
        tickets = generate_incident_log(tickets=1_500 // 6 + 1)[:info.tickets]
        policy = load_policy(str(SERVICENOW_POLICY))
        expected = compliance_report(
            [o for number, events in histories_from_demo(tickets, LONDON)
             for o in policy.evaluate(events, AS_OF, number, strict=False)],
            by=("definition", "priority", "assignment_group"))
        data = json.loads(out_text)
        assert (data["rows"], data["skipped"]) == (expected.to_dict()["rows"], [])


class TestProgress:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    @pytest.fixture
    def args(self, tmp_path: Path, files: dict[str, str]) -> list[str]:
        path = tmp_path / "many.csv"
        path.write_text("ticket,at,state,priority\n" + "".join(
            f"T{i % 500},2016-03-01T09:{i % 60:02d}Z,New,1 - Critical\n" for i in range(10_001)),
            encoding="utf-8")
        return ["sla-report", str(path), "--policy", files["policy.json"], "--format", "json"]

    def test_shown_on_a_terminal_for_a_large_file(self, args: list[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("itsm_core.cli.app.PROGRESS_MIN_BYTES", 100_000)
        tty = self.Tty()
        monkeypatch.setattr("sys.stderr", tty)
        monkeypatch.setattr("sys.stdout", io.StringIO())
        assert main(args) == 0
        assert "\rread 10,000 rows..." in tty.getvalue()

    def test_not_shown_for_a_small_file(self, args: list[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
        tty = self.Tty()  # the file is ~300 kB, under the 4 MB threshold
        monkeypatch.setattr("sys.stderr", tty)
        monkeypatch.setattr("sys.stdout", io.StringIO())
        assert main(args) == 0
        assert tty.getvalue() == ""

    def test_not_shown_when_stderr_is_not_a_terminal(
            self, capsys: pytest.CaptureFixture[str], args: list[str],
            monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("itsm_core.cli.app.PROGRESS_MIN_BYTES", 100_000)
        code, _, err = run(capsys, *args)
        assert (code, err) == (0, "")


class TestModule:
    def test_python_dash_m(self) -> None:
        """The README's first command, as CI runs it, and a reader that goes away early."""
        done = subprocess.run([sys.executable, "-m", "itsm_core", "demo", "--tickets", "50"],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0
        assert done.stdout.startswith("definition  priority")
        assert "50 synthetic incidents" in done.stderr
        # ~600 kB of JSON, far more than a pipe buffers, so the writer meets the closed end
        with subprocess.Popen(
                [sys.executable, "-m", "itsm_core", "demo", "--tickets", "1000", "--format",
                 "json", "--by", "ticket"], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE) as reader:
            assert reader.stdout is not None and reader.stderr is not None
            reader.stdout.read(10)
            reader.stdout.close()  # like `| head`
            err = reader.stderr.read().decode()
            assert reader.wait() == 1
        assert "Traceback" not in err


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A 2,000-row ServiceNow-shaped export with unreadable rows (~330 tickets)."""
    path = tmp_path_factory.mktemp("jobs") / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_export(out, rows=2_000)
    return str(path)


class TestJobs:
    """``--jobs N`` splits the tickets across processes and changes nothing in the output."""

    @pytest.mark.parametrize("extra", [
        ("--format", "table", "--by", "definition,priority,stage", "--period", "month"),
        ("--format", "csv", "--by", "ticket"),
        ("--format", "json", "--by", "definition,assignment_group",
         "--as-of", "2016-05-01T00:00:00+01:00"),
    ])
    @pytest.mark.parametrize("jobs", ["2", "3"])
    def test_every_output_is_byte_identical(self, capsys: pytest.CaptureFixture[str],
                                            export: str, extra: tuple[str, ...],
                                            jobs: str) -> None:
        common = ("sla-report", export, "--policy", str(SERVICENOW_POLICY), "--tz",
                  "Europe/London", *extra)
        one = run(capsys, *common)
        assert one[0] == 0 and len(one[1].splitlines()) > 5  # a real report
        assert "skipped" in one[2] or extra[1] == "json"      # unreadable rows, listed
        assert run(capsys, *common, "--jobs", jobs) == one     # exit code, stdout, stderr

    def test_errors_are_the_same(self, capsys: pytest.CaptureFixture[str], export: str) -> None:
        common = ("sla-report", export, "--policy", str(SERVICENOW_POLICY))  # no --tz
        one = run(capsys, *common)
        assert one[0] == 2 and "--tz" in one[2]
        assert run(capsys, *common, "--jobs", "2") == one

    def test_two_processes_give_the_same_report(self, capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
        path = tmp_path / "export.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            write_export(out, rows=2_000)
        common = ("sla-report", str(path), "--policy", str(SERVICENOW_POLICY), "--tz",
                  "Europe/London", "--format",
                  "json", "--by", "definition,priority,assignment_group")
        code_1, out_1, _ = run(capsys, *common, "--jobs", "1")
        code_2, out_2, _ = run(capsys, *common, "--jobs", "2")
        assert code_1 == code_2 == 0
        assert json.loads(out_1)["rows"]  # a real report, not two empty ones
        assert out_2 == out_1

    def test_demo_with_two_processes_matches(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert run(capsys, "demo", "--tickets", "300", "--format", "csv", "--jobs", "2") \
            == run(capsys, "demo", "--tickets", "300", "--format", "csv")

    def test_jobs_below_one_is_a_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run(capsys, "demo", "--tickets", "10", "--jobs", "0")
        assert code == 2
        assert "--jobs" in err


@pytest.mark.parametrize("count", ["-1", "1000001"])
def test_demo_ticket_counts_outside_the_generator_limits_are_usage_errors(
        capsys: pytest.CaptureFixture[str], count: str) -> None:
    code, out, err = run(capsys, "demo", "--tickets", count)
    assert (code, out) == (2, "")
    assert "--tickets: count" in err and "from 0 to 1,000,000" in err

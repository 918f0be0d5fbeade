"""The input forms ``sla-report`` reads (long fields, gzip, ``;`` and tab, stdin, repeated
column names) and the command-line options ``--version``, ``--output``, ``--quiet``,
``--delimiter``, the program's name, help wrapping and the natural order of groups."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.cli import main
from itsm_core.cli.columns import ColumnMap
from itsm_core.cli.csvread import collect_rows, read_header
from itsm_core.cli.source import parse_delimiter, sniff_delimiter
from itsm_core.errors import ConfigError
from itsm_core.sla.report import group_order

POLICY = {"definitions": [{
    "name": "resolution",
    "targets": {"1 - Critical": "PT4H", "3 - Moderate": "P1D"},
    "stop": {"state_in": ["Resolved", "Closed"]},
}]}
HEADER = ["number", "incident_state", "sys_updated_at", "priority", "assignment_group"]
ROWS = [
    ["INC1", "New", "2016-03-01T09:00Z", "1 - Critical", "Group 10"],
    ["INC1", "Resolved", "2016-03-01T12:00Z", "1 - Critical", "Group 10"],
    ["INC2", "New", "2016-03-01T09:00Z", "3 - Moderate", "Group 2"],
    ["INC3", "New", "2016-03-01T10:00Z", "3 - Moderate", "Group 1"],
    ["INC3", "Closed", "2016-03-02T12:00Z", "3 - Moderate", "Group 1"],
]


def csv_text(rows: list[list[str]], delimiter: str = ",", header: list[str] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def policy(tmp_path: Path) -> str:
    (tmp_path / "policy.json").write_text(json.dumps(POLICY), encoding="utf-8")
    return str(tmp_path / "policy.json")


def report(capsys: pytest.CaptureFixture[str], events: str, policy: str,
           *extra: str) -> tuple[int, str, str]:
    return run(capsys, "sla-report", events, "--policy", policy, "--format", "json",
               "--by", "definition,assignment_group", *extra)


@pytest.fixture
def reference(capsys: pytest.CaptureFixture[str], tmp_path: Path, policy: str) -> str:
    """The JSON report of the plain comma-separated UTF-8 file."""
    (tmp_path / "plain.csv").write_text(csv_text(ROWS), encoding="utf-8")
    code, out, err = report(capsys, str(tmp_path / "plain.csv"), policy)
    assert (code, err) == (0, "")
    assert len(json.loads(out)["rows"]) == 3
    return out


class TestLongFields:
    def test_a_field_over_the_csv_default_limit_is_read(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path, policy: str) -> None:
        notes = "x" * 300_000 + "\n" + "y" * 10  # a long quoted work note with a newline
        rows = [[*row, notes] for row in ROWS]
        text = csv_text(rows, header=[*HEADER, "work_notes"])
        (tmp_path / "long.csv").write_text(text, encoding="utf-8")
        code, out, err = report(capsys, str(tmp_path / "long.csv"), policy)
        assert (code, err) == (0, "")
        assert json.loads(out)["skipped"] == []
        assert sum(r["total"] for r in json.loads(out)["rows"]) == 3

    def test_a_csv_module_error_is_a_config_error_naming_the_line(self) -> None:
        old = csv.field_size_limit()
        try:
            csv.field_size_limit(20)  # restored below: the test owns the setting briefly
            reader = csv.reader(["ticket,at,state\n", "T1,2016-03-01T09:00Z,New\n",
                                 "T1,2016-03-01T09:00Z," + "z" * 30 + "\n"])
            columns = read_header(reader, {})
            with pytest.raises(ConfigError, match=r"^EVENTS\.csv: line 3: cannot read the CSV"):
                collect_rows(reader, columns=columns)
            with pytest.raises(ConfigError, match=r"^EVENTS\.csv: line 1: "):
                read_header(csv.reader(["a" * 30 + ",at,state\n"]), {})
        finally:
            csv.field_size_limit(old)


class TestGzip:
    @pytest.mark.parametrize("name", ["export.csv.gz", "export.csv", "export"])
    def test_detected_by_its_magic_bytes_whatever_the_name(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path, policy: str,
            reference: str, name: str) -> None:
        (tmp_path / name).write_bytes(gzip.compress(csv_text(ROWS).encode("utf-8")))
        assert report(capsys, str(tmp_path / name), policy) == (0, reference, "")

    def test_gzip_of_another_encoding(self, capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path, policy: str, reference: str) -> None:
        (tmp_path / "e.gz").write_bytes(gzip.compress(csv_text(ROWS).encode("utf-16")))
        assert report(capsys, str(tmp_path / "e.gz"), policy, "--encoding", "utf-16") \
            == (0, reference, "")

    @pytest.mark.parametrize("data", [
        b"\x1f\x8b" + b"not really gzip",
        gzip.compress(b"ticket,at,state\n" * 100)[:30],  # truncated
    ])
    def test_corrupt_gzip_is_a_clear_error(self, capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path, policy: str, data: bytes) -> None:
        (tmp_path / "bad.gz").write_bytes(data)
        code, out, err = report(capsys, str(tmp_path / "bad.gz"), policy)
        assert (code, out) == (2, "")
        assert "EVENTS.csv: " in err and "starts like gzip data but cannot be decompressed" in err


class TestDelimiters:
    @pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
    def test_sniffed_from_the_header(self, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     policy: str, reference: str, delimiter: str) -> None:
        (tmp_path / "d.csv").write_text(csv_text(ROWS, delimiter), encoding="utf-8")
        assert report(capsys, str(tmp_path / "d.csv"), policy) == (0, reference, "")

    @pytest.mark.parametrize(("option", "delimiter"), [
        (";", ";"), ("tab", "\t"), ("\\t", "\t"), ("\t", "\t"), ("semicolon", ";"),
        ("pipe", "|"), ("comma", ",")])
    def test_given_explicitly(self, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                              policy: str, reference: str, option: str,
                              delimiter: str) -> None:
        (tmp_path / "d.csv").write_text(csv_text(ROWS, delimiter), encoding="utf-8")
        assert report(capsys, str(tmp_path / "d.csv"), policy, "--delimiter", option) \
            == (0, reference, "")

    def test_explicit_wins_over_the_sniffed_one(self, capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path, policy: str) -> None:
        # the header has more ';' than ',' (inside names), but the file is comma-separated
        header = ["number", "incident_state", "sys_updated_at", "priority", "a;b;c;d;e;f"]
        (tmp_path / "d.csv").write_text(csv_text(ROWS, ",", header), encoding="utf-8")
        code, _, err = run(capsys, "sla-report", str(tmp_path / "d.csv"), "--policy", policy)
        assert code == 2 and "no column for the role" in err  # sniffed ';' is wrong here
        code, out, _ = run(capsys, "sla-report", str(tmp_path / "d.csv"), "--policy", policy,
                           "--delimiter", ",", "--format", "json")
        assert code == 0 and json.loads(out)["rows"]

    @pytest.mark.parametrize("option", ["", "::", '"', "\n", "tabs"])
    def test_bad_delimiter_is_a_usage_error(self, capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path, policy: str, option: str) -> None:
        code, out, err = report(capsys, str(tmp_path / "missing.csv"), policy,
                                "--delimiter", option)
        assert (code, out) == (2, "")
        assert "--delimiter: cannot use" in err  # before the missing file

    @given(st.lists(st.text(alphabet='ab ;,\t|"', max_size=8), min_size=1, max_size=6),
           st.sampled_from([",", ";", "\t", "|"]))
    def test_sniffing_finds_the_writer_delimiter_when_it_is_the_most_frequent(
            self, names: list[str], delimiter: str) -> None:
        """Reference: count the delimiters outside the fields csv.writer quoted."""
        line = csv_text([], delimiter, names).split("\n")[0]
        found = sniff_delimiter(line + "\n")
        unquoted = re.sub(r'"(?:[^"]|"")*"', "", line)
        counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
        best = max(counts.values())
        if best == 0:
            assert found == ","
        else:
            assert counts[found] == best
            assert found == next(d for d in (",", ";", "\t", "|") if counts[d] == best)
        if len(names) > 1:
            assert counts[delimiter] >= len(names) - 1

    def test_parse_delimiter_names(self) -> None:
        assert [parse_delimiter(t) for t in ("TAB", "Pipe", "x")] == ["\t", "|", "x"]


class TestStdin:
    @pytest.mark.parametrize("gzipped", [False, True])
    def test_dash_reads_standard_input(self, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch, policy: str,
                                       reference: str, gzipped: bool) -> None:
        data = csv_text(ROWS).encode("utf-8")
        stdin = io.TextIOWrapper(io.BytesIO(gzip.compress(data) if gzipped else data))
        monkeypatch.setattr("sys.stdin", stdin)
        assert report(capsys, "-", policy) == (0, reference, "")

    def test_text_only_stdin_and_the_summary_name(self, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  policy: str) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(csv_text(ROWS)))
        code, out, err = run(capsys, "sla-report", "-", "--policy", policy)
        assert code == 0 and out.startswith("definition")
        assert "3 tickets from 5 rows of standard input" in err

    def test_empty_stdin(self, capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch, policy: str) -> None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
        code, _, err = report(capsys, "-", policy)
        assert code == 2 and "header: the file is empty" in err


class TestRepeatedColumns:
    @pytest.mark.parametrize(("header", "needle"), [
        ([*HEADER, "priority"], "repeated column name 'priority' (columns 4 and 6)"),
        ([*HEADER, " number ", "x", "x"],
         "repeated column names 'number' (columns 1 and 6), 'x' (columns 7 and 8)"),
        ([*HEADER, "", "", ""], "repeated column name '' (columns 6, 7 and 8)"),
    ])
    def test_are_an_error_naming_them(self, capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path, policy: str, header: list[str],
                                      needle: str) -> None:
        rows = [[*row, *[""] * (len(header) - len(row))] for row in ROWS]
        (tmp_path / "dup.csv").write_text(csv_text(rows, header=header), encoding="utf-8")
        code, out, err = report(capsys, str(tmp_path / "dup.csv"), policy)
        assert (code, out) == (2, "")
        assert f"error: header: {needle}; expected each column named once" in err

    def test_distinct_names_differing_in_case_are_fields(self) -> None:
        cols = ColumnMap.resolve(["ticket", "at", "state", "Group", "group"], {})
        assert cols.fields == (("Group", 3), ("group", 4))

    def test_a_huge_header_is_listed_bounded(self) -> None:
        header = ["x" * 5_000 + str(i) for i in range(1_000)]
        with pytest.raises(ConfigError) as caught:
            ColumnMap.resolve(header, {})
        assert len(str(caught.value)) < 4_000
        assert "(1,000 in all)" in str(caught.value)


class TestOptions:
    def test_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "--version")
        assert (code, out) == (0, f"itsm_core {version('itsm_core')}\n")

    @pytest.mark.parametrize("fmt", ["table", "json", "csv"])
    def test_output_file_holds_what_stdout_would(self, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path, fmt: str) -> None:
        args = ["demo", "--tickets", "30", "--format", fmt]
        code, expected, err = run(capsys, *args)
        assert code == 0
        target = tmp_path / "report.out"
        assert run(capsys, *args, "--output", str(target)) == (0, "", err)
        assert target.read_text(encoding="utf-8") == expected
        assert run(capsys, *args, "-o", "-") == (0, expected, err)

    def test_output_is_not_written_on_error(self, capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path, policy: str) -> None:
        target = tmp_path / "keep.txt"
        target.write_text("previous", encoding="utf-8")
        code, _, err = run(capsys, "sla-report", str(tmp_path / "missing.csv"), "--policy",
                           policy, "--output", str(target))
        assert code == 2 and "EVENTS.csv: cannot read" in err
        assert target.read_text(encoding="utf-8") == "previous"

    @pytest.mark.parametrize("where", ["no-such-dir/r.txt", "."])
    def test_output_that_cannot_be_a_file_fails_first(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path, policy: str,
            where: str) -> None:
        code, _, err = run(capsys, "sla-report", str(tmp_path / "missing.csv"), "--policy",
                           policy, "--output", str(tmp_path / where))
        assert code == 2 and "--output: cannot write" in err
        code, _, err = run(capsys, "demo", "--tickets", "5", "-o", str(tmp_path / where))
        assert code == 2 and "--output: cannot write" in err

    def test_quiet_keeps_stderr_for_errors_only(self, capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path, policy: str) -> None:
        text = csv_text([*ROWS, ["INC9", "New", "31/2/2016 10:00", "?", "x"]])
        (tmp_path / "e.csv").write_text(text, encoding="utf-8")
        code, out, err = run(capsys, "sla-report", str(tmp_path / "e.csv"), "--policy", policy)
        assert code == 0 and "tickets from" in err and "skipped 1" in err
        code, quiet_out, quiet_err = run(capsys, "sla-report", str(tmp_path / "e.csv"),
                                         "--policy", policy, "--quiet")
        assert (code, quiet_out, quiet_err) == (0, out, "")
        assert run(capsys, "demo", "--tickets", "5", "-q")[2] == ""
        code, _, err = run(capsys, "sla-report", str(tmp_path / "nope.csv"), "--policy",
                           policy, "--quiet")
        assert code == 2 and "EVENTS.csv: cannot read" in err

    def test_unknown_calendar_in_the_policy_is_a_config_error(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        (tmp_path / "p.json").write_text(json.dumps({"definitions": [
            {"name": "r", "targets": "PT1H", "calendar": "uk"}]}), encoding="utf-8")
        code, _, err = run(capsys, "sla-report", "x.csv", "--policy", str(tmp_path / "p.json"))
        assert code == 2
        assert "p.json: definitions[0].calendar: unknown name 'uk'" in err

    def test_an_encoding_stdout_cannot_write_is_a_clear_error(
            self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
            tmp_path: Path, policy: str) -> None:
        rows = [[*row[:4], "Réseau"] for row in ROWS]
        (tmp_path / "e.csv").write_text(csv_text(rows), encoding="utf-8")
        stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
        monkeypatch.setattr("sys.stdout", stdout)
        code = main(["sla-report", str(tmp_path / "e.csv"), "--policy", policy, "--by",
                     "assignment_group"])
        assert code == 1
        assert "standard output's encoding (ascii) cannot write" in capsys.readouterr().err


class TestProgramName:
    def test_python_dash_m(self) -> None:
        done = subprocess.run([sys.executable, "-m", "itsm_core", "sla-report"],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 2
        assert done.stderr.startswith("usage: python -m itsm_core sla-report")
        assert "python -m itsm_core sla-report: error:" in done.stderr

    @pytest.mark.parametrize(("argv0", "prog"), [
        ("/usr/local/bin/itsm-core", "itsm-core"), ("-c", "itsm-core"), ("", "itsm-core"),
        ("/x/site-packages/itsm_core/__main__.py", "python -m itsm_core"),
        ("/x/site-packages/pytest/__main__.py", "python -m pytest")])
    def test_named_as_invoked(self, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch, argv0: str, prog: str) -> None:
        monkeypatch.setattr("sys.argv", [argv0])
        code, _, err = run(capsys, "demo", "--jobs", "0")
        assert (code, err) == (2, f"{prog} demo: error: --jobs: 0 is below 1; expected a "
                                  "number of processes >= 1\n")


class TestHelp:
    @pytest.mark.parametrize("command", [(), ("sla-report",), ("demo",)])
    @pytest.mark.parametrize("columns", ["24", "40", "61"])
    def test_narrow_help_only_moves_line_breaks(
            self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
            command: tuple[str, ...], columns: str) -> None:
        """Wrapped at any width, the help has the same words as unwrapped: none split."""
        monkeypatch.setenv("COLUMNS", "400")
        code, wide, _ = run(capsys, *command, "--help")
        assert code == 0
        monkeypatch.setenv("COLUMNS", columns)
        code, narrow, _ = run(capsys, *command, "--help")
        assert code == 0
        assert narrow.split() == wide.split()
        assert len(narrow.splitlines()) > len(wide.splitlines())  # it did wrap


def _natural_reference(text: str) -> list[object]:
    """Slow and obvious: digit runs as ints (short runs only), the rest as text."""
    return [int(part) if part.isdigit() else part for part in re.split(r"([0-9]+)", text)]


class TestGroupOrder:
    def test_groups_in_natural_order_in_every_output(self, capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path, policy: str) -> None:
        (tmp_path / "e.csv").write_text(csv_text(ROWS), encoding="utf-8")
        base = ("sla-report", str(tmp_path / "e.csv"), "--policy", policy, "--by",
                "assignment_group")
        expected = ["Group 1", "Group 2", "Group 10"]
        _, out, _ = run(capsys, *base, "--format", "json")
        assert [r["assignment_group"] for r in json.loads(out)["rows"]] == expected
        _, out, _ = run(capsys, *base, "--format", "csv")
        assert [line.split(",")[0] for line in out.splitlines()[1:]
                if line.startswith("Group")] == expected
        _, out, _ = run(capsys, *base)
        assert [line[:8].strip() for line in out.splitlines()[1:]
                if line.startswith("Group")] == expected

    @given(st.lists(st.text(alphabet="ab0129 ", max_size=8), max_size=8))
    def test_strings_match_the_reference(self, values: list[str]) -> None:
        got = sorted(values, key=lambda v: group_order((v,)))
        assert got == sorted(values, key=lambda v: (_natural_reference(v), v))

    @given(st.lists(st.one_of(st.none(), st.integers(), st.floats(), st.booleans(),
                              st.text(max_size=5), st.tuples(st.integers()),
                              st.decimals(), st.just(10**5000), st.just("9" * 5000)),
                    max_size=8), st.randoms())
    def test_total_and_deterministic_for_mixed_types(self, values: list[object],
                                                     random: object) -> None:
        keys = [group_order((v,)) for v in values]
        ordered = sorted(keys)  # never raises
        shuffled = list(keys)
        random.shuffle(shuffled)  # type: ignore[attr-defined]
        assert sorted(shuffled) == ordered
        if values:
            assert all(k[0][0] is False for k in ordered[:len(values) - values.count(None)])

"""Reading one export in several processes gives exactly what one process gives.

The oracle is ``--jobs 1`` (one process reads the whole file, as it always did); every
split run must match it byte for byte on stdout and stderr, with the exit code, on
exports built to break a naive split: tickets scattered over the file, quoted fields
holding commas and newlines, stray quotes, CRLF and CR line ends, a byte-order mark,
unreadable rows, naive and offset timestamps tying at the latest instant.
"""

from __future__ import annotations

import csv
import io
import itertools
import multiprocessing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.cli import main
from itsm_core.cli import split as split_module
from itsm_core.cli.policyfile import load_policy
from itsm_core.cli.split import Export, Part, RowRules, plan_parts

REPO = Path(__file__).resolve().parents[2]
POLICY_PATH = str(REPO / "docs" / "examples" / "servicenow-policy.json")
POLICY = load_policy(POLICY_PATH)
HEADER = ["number", "incident_state", "sys_updated_at", "priority", "group"]


def run(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["sla-report", str(path), "--policy", POLICY_PATH, *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def same_in_every_split(capsys: pytest.CaptureFixture[str], path: Path,
                        *extra: str) -> tuple[int, str, str]:
    one = run(capsys, path, *extra)
    for jobs in ("2", "3", "4"):
        assert run(capsys, path, *extra, "--jobs", jobs) == one, f"--jobs {jobs}"
    return one


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split even small test files (a stretch is normally at least 500 kB)."""
    monkeypatch.setattr(split_module, "PART_MIN_BYTES", 40)


# -- generated exports -------------------------------------------------------------------

times = st.one_of(
    st.builds("{}/3/2016 {:02d}:{:02d}".format, st.integers(1, 31), st.integers(0, 23),
              st.sampled_from([0, 30])),
    st.builds("2016-03-{:02d}T{:02d}:00:00{}".format, st.integers(1, 31), st.integers(0, 23),
              st.sampled_from(["Z", "+00:00", "+01:00"])),
    st.sampled_from(["31/2/2016 10:00", "", "?", "soon"]),
)
cells = st.one_of(st.sampled_from(["Network", "Database", "?", ""]),
                  st.sampled_from(['Service, Desk', 'two\nlines', 'say "hi"', 'a\r\nb']))
rows = st.tuples(st.sampled_from(["INC1", "INC2", "INC3", "INC4", "INC5", ""]),
                 st.sampled_from(["New", "Active", "Awaiting User Info", "Resolved", "Closed"]),
                 times, st.sampled_from(["1 - Critical", "3 - Moderate", "?", "9 - Unknown"]),
                 cells)
raw_lines = st.sampled_from(["", "INC1,New", 'INC2,Active,1/3/2016 10:00,3 - Moderate,ab"c',
                             "INC9,New,1/3/2016 10:00,3 - Moderate,x,extra"])


@st.composite
def exports(draw: st.DrawFn) -> bytes:
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=ending)
    writer.writerow(HEADER)
    for item in draw(st.lists(st.one_of(rows, raw_lines), min_size=0, max_size=40)):
        if isinstance(item, str):
            out.write(item + ending)
        else:
            writer.writerow(item)
    bom = draw(st.booleans())
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


class TestSameAsOneProcess:
    @settings(max_examples=30)
    @given(exports())
    def test_generated_exports(self, tmp_path_factory: pytest.TempPathFactory,
                               data: bytes) -> None:
        path = tmp_path_factory.mktemp("split") / "export.csv"
        path.write_bytes(data)
        capture = _Capture()
        one = capture.run(path, "--tz", "Europe/London", "--format", "json")
        for jobs in ("2", "3"):
            assert capture.run(path, "--tz", "Europe/London", "--format", "json",
                               "--jobs", jobs) == one
        table = capture.run(path, "--tz", "Europe/London", "--by", "definition,stage")
        assert capture.run(path, "--tz", "Europe/London", "--by", "definition,stage",
                           "--jobs", "3") == table

    def test_a_servicenow_export(self, capsys: pytest.CaptureFixture[str],
                                 tmp_path: Path) -> None:
        from servicenow_export import write_export

        path = tmp_path / "export.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            write_export(out, rows=3_000)
        code, out, err = same_in_every_split(capsys, path, "--tz", "Europe/London",
                                             "--by", "definition,priority,assignment_group",
                                             "--period", "month")
        assert code == 0 and "skipped" in err and len(out.splitlines()) > 10

    def test_scattered_tickets_and_ties_at_the_latest_instant(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        """Rows of each ticket all over the file; the latest instant written three ways."""
        lines = [",".join(HEADER)]
        for i in range(300):
            lines.append(f"INC{i % 7},{'New' if i < 7 else 'Active'},"
                         f"2016-03-01T{9 + i % 8:02d}:{i % 60:02d}:00Z,3 - Moderate,g{i % 3}")
        lines += ["INC3,Active,2016-03-02T10:00:00+01:00,3 - Moderate,late",
                  "INC1,Active,2016-03-02T09:00:00Z,3 - Moderate,late",
                  "INC2,Active,2016-03-02T09:00:00+00:00,3 - Moderate,late"]
        path = tmp_path / "scattered.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        code, _, err = same_in_every_split(capsys, path, "--by", "ticket")
        # max() over tickets in first-row order: INC1's row is the first holding it
        assert code == 0 and "as of 2016-03-02T09:00:00+00:00" in err

    def test_an_explicit_as_of(self, capsys: pytest.CaptureFixture[str],
                               tmp_path: Path) -> None:
        path = tmp_path / "e.csv"
        path.write_text(",".join(HEADER) + "\n" + "".join(
            f"INC{i % 5},New,{1 + i % 28}/3/2016 10:00,1 - Critical,x\n" for i in range(200)),
            encoding="utf-8")
        assert same_in_every_split(capsys, path, "--tz", "UTC", "--as-of",
                                   "2016-03-15T00:00:00Z", "--format", "csv")[0] == 0


class TestErrors:
    def test_a_naive_time_late_in_the_file(self, capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
        rows = [f"INC{i},New,2016-03-01T10:00:00Z,1 - Critical,x" for i in range(100)]
        rows[70] = "INC70,New,1/3/2016 10:00,1 - Critical,x"  # no offset, and no --tz
        rows[90] = "INC90,New,2/3/2016 10:00,1 - Critical,x"
        path = tmp_path / "naive.csv"
        path.write_text(",".join(HEADER) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        code, out, err = same_in_every_split(capsys, path)
        assert (code, out) == (2, "") and "line 72, column 'sys_updated_at'" in err

    def test_an_encoding_error_comes_first(self, capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
        rows = [f"INC{i},New,1/3/2016 10:00,1 - Critical,x" for i in range(100)]  # naive
        path = tmp_path / "latin.csv"
        path.write_bytes((",".join(HEADER) + "\n" + "\n".join(rows) + "\nINC1,R\xe9solu\n")
                         .encode("latin-1"))
        code, _, err = same_in_every_split(capsys, path)
        assert code == 2 and "is not utf-8-sig" in err and "--encoding" in err
        assert same_in_every_split(capsys, path, "--encoding", "latin-1", "--tz", "UTC")[0] == 0

    def test_header_only_and_empty(self, capsys: pytest.CaptureFixture[str],
                                   tmp_path: Path) -> None:
        path = tmp_path / "h.csv"
        path.write_text(",".join(HEADER) + "\n" + "\n" * 100, encoding="utf-8")
        assert same_in_every_split(capsys, path)[0] == 0
        path.write_text("", encoding="utf-8")
        assert same_in_every_split(capsys, path)[0] == 2


class _Capture:
    """``main`` with stdout and stderr captured, for use inside hypothesis tests."""

    def run(self, path: Path, *extra: str) -> tuple[int, str, str]:
        import contextlib

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["sla-report", str(path), "--policy", POLICY_PATH, *extra])
        return code, out.getvalue(), err.getvalue()


# -- the pieces ------------------------------------------------------------------------------

RULES = RowRules(time_format=None, tz=None, missing=frozenset({"", "?"}), keep=None)


def _export(lines: list[str]) -> bytes:
    return (",".join(HEADER) + "\n" + "".join(lines)).encode()


class TestPlan:
    @given(st.binary(max_size=300).map(lambda b: b.replace(b"\r", b"")), st.integers(1, 6),
           st.integers(1, 40))
    def test_parts_cover_whole_lines_with_even_quotes(self, data: bytes, count: int,
                                                      least: int) -> None:
        parts = plan_parts(data, 0, 1, count, min_bytes=least)
        assert 1 <= len(parts) <= count
        assert parts[0].start == 0 and parts[-1].end == len(data)
        for before, after in itertools.pairwise(parts):
            assert before.end == after.start and data[after.start - 1:after.start] == b"\n"
            assert data.count(b'"', 0, after.start) % 2 == 0
            assert after.first_line == before.next_line
        for part in parts:  # the first line of each stretch, counted the slow way
            assert part.first_line == 1 + data[:part.start].count(b"\n")

    def test_lines_count_cr_lf_and_crlf_as_a_reader_does(self) -> None:
        data = b"a\r\nb\rc\nd\n"
        assert plan_parts(data, 0, 1, 1)[0].next_line == 1 + len(
            list(io.StringIO(data.decode(), newline="")))


class TestExport:
    def test_a_cut_inside_quotes_falls_back_to_one_process(self) -> None:
        """A stray quote makes the count even inside a quoted field, where the cut lands."""
        lines = ['INC1,New,2016-03-01T10:00:00Z,1 - Critical,a"b\n',  # a literal quote
                 f'INC2,New,2016-03-01T10:00:00Z,1 - Critical,"{"x" * 1_000}\ny"\n',
                 "INC3,New,2016-03-01T10:00:00Z,1 - Critical,z\n"]
        data = _export(lines)
        with Export.open(data, "utf-8", {}, RULES, policy=POLICY, jobs=2) as export:
            cut = export._parts[1].start
            assert data[cut - 2:cut + 2] == b'x\ny"'  # inside the quoted field
            read = export.read()
            assert export._whole is not None  # the marker was swallowed: read here
            outcomes = export.evaluate(read.latest)
        assert read.tickets == 3 and read.skipped == ()
        assert [o.fields["group"] for o in outcomes[2:4]] == [f"{'x' * 1_000}\ny"] * 2

    def test_a_stray_quote_shifts_the_cut_or_falls_back(self) -> None:
        lines = [f'INC{i},New,2016-03-01T10:00:00Z,1 - Critical,a"b{"x" * 80}\n'
                 for i in range(6)]
        with Export.open(_export(lines), "utf-8", {}, RULES, policy=POLICY, jobs=3) as export:
            read = export.read()
            outcomes = export.evaluate(read.latest)
        assert read.tickets == 6 and len(outcomes) == 12

    @pytest.mark.parametrize("method", [m for m in ("fork", "forkserver", "spawn")
                                        if m in multiprocessing.get_all_start_methods()])
    def test_every_start_method(self, method: str) -> None:
        lines = [f"INC{i % 9},{'New' if i < 9 else 'Resolved'},2016-03-0{1 + i % 5}T10:00:00Z,"
                 f"3 - Moderate,g{i}\n" for i in range(60)]
        data = _export(lines)
        with Export.open(data, "utf-8", {}, RULES, policy=POLICY, jobs=1) as export:
            one = export.read()
            expected = export.evaluate(one.latest)
        with Export.open(data, "utf-8", {}, RULES, policy=POLICY, jobs=3,
                         start_method=method) as export:
            assert len(export._parts) == 3
            read = export.read()
            assert export._whole is None and read == one
            assert export.evaluate(read.latest) == expected
        assert multiprocessing.active_children() == []

    def test_workers_stop_when_the_caller_fails(self) -> None:
        lines = [f"INC{i},New,1/3/2016 10:00,1 - Critical,x\n" for i in range(60)]
        with pytest.raises(Exception, match="line 2"), \
                Export.open(_export(lines), "utf-8", {}, RULES, policy=POLICY,
                            jobs=3) as export:
            export.read()  # naive, no zone: the first stretch fails
        assert multiprocessing.active_children() == []

    def test_a_part_is_plain_data(self) -> None:
        assert Part(0, 1, 1, 2) == Part(0, 1, 1, 2)

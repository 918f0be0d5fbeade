"""``--jobs N`` evaluates the tickets in N processes and gives exactly what one process gives.

The oracle is ``--jobs 1``; every run with more processes must match it byte for byte on
stdout and stderr, with the exit code, on exports built to trip a split: tickets scattered
over the file, quoted fields holding commas and newlines, stray quotes, CRLF line ends, a
byte-order mark, unreadable rows, naive and offset timestamps tying at the latest instant,
tickets still open at the latest time (evaluated again once it is known).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import multiprocessing
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from servicenow_export import write_export

from itsm_core.cli import main
from itsm_core.cli import stream as stream_module
from itsm_core.cli.csvread import collect_rows, read_header
from itsm_core.cli.jobs import Collect, ExportWork, evaluate_demo, evaluate_export
from itsm_core.cli.policyfile import load_demo_policy, load_policy
from itsm_core.demo.generator import AS_OF, LONDON, generate_incident_log
from itsm_core.errors import NaiveDatetimeError

REPO = Path(__file__).resolve().parents[2]
POLICY_PATH = str(REPO / "docs" / "examples" / "servicenow-policy.json")
POLICY = load_policy(POLICY_PATH)
HEADER = ["number", "incident_state", "sys_updated_at", "priority", "group"]
METHODS = [m for m in ("fork", "forkserver", "spawn")
           if m in multiprocessing.get_all_start_methods()]


def run(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["sla-report", str(path), "--policy", POLICY_PATH, *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def same_for_every_jobs(capsys: pytest.CaptureFixture[str], path: Path,
                        *extra: str) -> tuple[int, str, str]:
    one = run(capsys, path, *extra)
    for jobs in ("2", "3", "4"):
        assert run(capsys, path, *extra, "--jobs", jobs) == one, f"--jobs {jobs}"
    return one


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
        path = tmp_path_factory.mktemp("jobs") / "export.csv"
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
        path = tmp_path / "export.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            write_export(out, rows=3_000)
        code, out, err = same_for_every_jobs(capsys, path, "--tz", "Europe/London",
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
        code, _, err = same_for_every_jobs(capsys, path, "--by", "ticket")
        # max() over tickets in first-row order: INC1's row is the first holding it
        assert code == 0 and "as of 2016-03-02T09:00:00+00:00" in err

    def test_an_explicit_as_of(self, capsys: pytest.CaptureFixture[str],
                               tmp_path: Path) -> None:
        path = tmp_path / "e.csv"
        path.write_text(",".join(HEADER) + "\n" + "".join(
            f"INC{i % 5},New,{1 + i % 28}/3/2016 10:00,1 - Critical,x\n" for i in range(200)),
            encoding="utf-8")
        assert same_for_every_jobs(capsys, path, "--tz", "UTC", "--as-of",
                                   "2016-03-15T00:00:00Z", "--format", "csv")[0] == 0


class TestErrors:
    def test_the_files_own_error_comes_before_a_bad_option(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        rows = [f"INC{i},New,2016-03-01T10:00:00Z,1 - Critical,x" for i in range(50)]
        rows[40] = "INC40,New,1/3/2016 10:00,1 - Critical,x"  # naive, and no --tz
        path = tmp_path / "naive.csv"
        path.write_text(",".join(HEADER) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        code, _, err = same_for_every_jobs(capsys, path, "--by", "team")
        assert code == 2 and "line 42" in err and "--by" not in err
        code, _, err = run(capsys, path, "--by", "definition", "--jobs", "0")
        assert code == 2 and "line 42" in err
        code, _, err = same_for_every_jobs(capsys, path, "--by", "team", "--tz", "UTC")
        assert code == 2 and "--by: unknown key 'team'" in err

    def test_a_naive_time_late_in_the_file(self, capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
        rows = [f"INC{i},New,2016-03-01T10:00:00Z,1 - Critical,x" for i in range(100)]
        rows[70] = "INC70,New,1/3/2016 10:00,1 - Critical,x"  # no offset, and no --tz
        rows[90] = "INC90,New,2/3/2016 10:00,1 - Critical,x"
        path = tmp_path / "naive.csv"
        path.write_text(",".join(HEADER) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        code, out, err = same_for_every_jobs(capsys, path)
        assert (code, out) == (2, "") and "line 72, column 'sys_updated_at'" in err

    def test_an_encoding_error_comes_first(self, capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
        rows = [f"INC{i},New,1/3/2016 10:00,1 - Critical,x" for i in range(100)]  # naive
        path = tmp_path / "latin.csv"
        path.write_bytes((",".join(HEADER) + "\n" + "\n".join(rows) + "\nINC1,R\xe9solu\n")
                         .encode("latin-1"))
        code, _, err = same_for_every_jobs(capsys, path)
        assert code == 2 and "is not utf-8-sig" in err and "--encoding" in err
        # every date is 1/3/2016: the order cannot be decided from the column, so it is given
        assert same_for_every_jobs(capsys, path, "--encoding", "latin-1", "--tz", "UTC",
                                   "--time-format", "%d/%m/%Y %H:%M")[0] == 0

    def test_header_only_and_empty(self, capsys: pytest.CaptureFixture[str],
                                   tmp_path: Path) -> None:
        path = tmp_path / "h.csv"
        path.write_text(",".join(HEADER) + "\n" + "\n" * 100, encoding="utf-8")
        assert same_for_every_jobs(capsys, path)[0] == 0
        path.write_text("", encoding="utf-8")
        assert same_for_every_jobs(capsys, path)[0] == 2


class _Capture:
    """``main`` with stdout and stderr captured, for use inside hypothesis tests."""

    def run(self, path: Path, *extra: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["sla-report", str(path), "--policy", POLICY_PATH, *extra])
        return code, out.getvalue(), err.getvalue()



# -- the pieces -------------------------------------------------------------------------------

def _rows(lines: list[str]) -> Collect:
    """Reads *lines* (after the header) when called, once."""
    reader = csv.reader(io.StringIO(",".join(HEADER) + "\n" + "".join(lines), newline=""))
    return functools.partial(collect_rows, reader, columns=read_header(reader, {}))


def _work(by: tuple[str, ...] = ("definition", "priority"),
          tz: timezone | None = timezone.utc) -> ExportWork:
    return ExportWork(policy=POLICY, time_format=None, tz=tz, at_name="sys_updated_at",
                      fields=("group",), by=by, period=None)


class TestEvaluateExport:
    @pytest.mark.parametrize("method", METHODS)
    def test_every_start_method(self, method: str) -> None:
        lines = [f"INC{i % 9},{'New' if i < 9 else 'Resolved' if i > 50 else 'Active'},"
                 f"2016-03-0{1 + i % 5}T10:00:00Z,3 - Moderate,g{i}\n" for i in range(60)]
        one = evaluate_export(_rows(lines), _work(), jobs=1, as_of=None)
        got = evaluate_export(_rows(lines), _work(), jobs=3, as_of=None, start_method=method)
        assert got.accumulator.report() == one.accumulator.report()
        assert (got.skipped, got.rows, got.tickets, got.as_of) == (
            one.skipped, one.rows, one.tickets, one.as_of)
        assert multiprocessing.active_children() == []

    @pytest.mark.parametrize("scattered", [False, True])
    def test_chunks_folded_while_reading(self, monkeypatch: pytest.MonkeyPatch,
                                         scattered: bool) -> None:
        """Looked at every 10,000 rows: the tickets idle since the last look are folded
        and taken out; when one of them gets a row again (at row 25,000, seen at 30,000),
        every chunk is put back and the file is evaluated once read."""
        folded_while_reading: list[tuple[int, bool]] = []
        finish = stream_module.Stream.finish

        def counting_finish(stream, rows, order):  # type: ignore[no-untyped-def]
            folded_while_reading.append((len(stream.parts), stream.streaming))
            return finish(stream, rows, order)

        monkeypatch.setattr(stream_module.Stream, "finish", counting_finish)
        states = ("New", "Active", "Awaiting User Info", "Active", "Resolved")
        order = list(range(31_000))
        if scattered:  # INC0's last row comes late
            order.insert(25_000, order.pop(4))
        lines = [f"INC{i // 5},{states[i % 5]},"
                 f"2016-03-{1 + i % 28:02d}T{8 + i % 10:02d}:{i % 60:02d}:00Z,"
                 f"3 - Moderate,g{i % 7}\n" for i in order]
        one = evaluate_export(_rows(lines), _work(("definition", "stage")), jobs=1, as_of=None)
        for jobs in (1, 2, 3):
            folded_while_reading.clear()
            got = evaluate_export(_rows(lines), _work(("definition", "stage")), jobs=jobs,
                                  as_of=None)
            assert got.accumulator.report() == one.accumulator.report()
            assert (got.rows, got.tickets, got.as_of) == (one.rows, one.tickets, one.as_of)
            # at 20,000 rows, the 1,999 tickets idle since 10,000 (9,995 rows): one chunk
            # (of at most 10,000 rows); at 30,000, those idle since 20,000: one more, or
            # all put back
            assert folded_while_reading == [(0, False) if scattered else (2, True)]
            assert multiprocessing.active_children() == []

    def test_open_tickets_are_evaluated_as_of_the_latest_time(self) -> None:
        """Each ticket's own last event is not the export's: a second round puts it right."""
        lines = [f"INC{i},New,2016-03-01T{10 + i:02d}:00:00Z,1 - Critical,g\n" for i in range(6)]
        latest = datetime(2016, 3, 1, 15, tzinfo=timezone.utc)  # a Tuesday, office hours
        by = ("definition", "ticket")
        expected = evaluate_export(_rows(lines), _work(by), jobs=1, as_of=latest)
        got = evaluate_export(_rows(lines), _work(by), jobs=2, as_of=None)
        assert got.as_of == latest
        assert got.accumulator.report() == expected.accumulator.report()
        elapsed = [row.mean_elapsed.total_seconds() / 3600
                   for row in got.accumulator.report().rows if row.keys[0][1] == "resolution"]
        assert elapsed == [5, 4, 3, 2, 1, 0]  # every clock runs until 15:00, not its own start

    def test_a_naive_time_is_the_first_in_the_file(self) -> None:
        lines = [f"INC{i % 4},New,2016-03-01T10:00:00Z,1 - Critical,x\n" for i in range(40)]
        lines[33] = "INC1,New,2016-03-01 10:00,1 - Critical,x\n"
        lines[35] = "INC0,New,2016-03-01 10:00,1 - Critical,x\n"
        lines[21] = "INC3,New,2016-03-01 10:00,1 - Critical,x\n"
        for jobs in (1, 2, 3):
            with pytest.raises(NaiveDatetimeError, match=r"^line 23, column 'sys_updated_at'"):
                evaluate_export(_rows(lines), _work(tz=None), jobs=jobs, as_of=None)
        assert multiprocessing.active_children() == []


@pytest.mark.parametrize("method", METHODS)
def test_demo_in_workers_equals_one_process(method: str) -> None:
    tickets = generate_incident_log(tickets=120)
    options = {"as_of": AS_OF, "tz": LONDON, "by": ("definition", "assignment_group"),
               "period": "week"}
    one = evaluate_demo(load_demo_policy(), tickets, jobs=1, **options)  # type: ignore[arg-type]
    two = evaluate_demo(load_demo_policy(), tickets, jobs=2, start_method=method,
                        **options)  # type: ignore[arg-type]
    assert two.report() == one.report()

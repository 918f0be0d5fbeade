"""Folding tickets while the export is read (itsm_core.cli.stream) against reading it all
first: the same result, the same error, on every input, for every way the file is cut.

The reference is the same evaluation with the watch never called (nothing is folded
before the end of the file): the obviously-correct path.  The streamed one is called
every few rows, so that on these small files tickets are folded, put back when they get
rows again, kept when their dates need an order not decided yet.
"""

from __future__ import annotations

import csv
import functools
import io
import multiprocessing
import subprocess
import sys
import textwrap
from datetime import timezone
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from itsm_core.cli import stream as stream_module
from itsm_core.cli import worker as worker_module
from itsm_core.cli.csvread import collect_rows, read_header
from itsm_core.cli.jobs import ExportResult, ExportWork, evaluate_export
from itsm_core.cli.policyfile import load_policy
from itsm_core.cli.stream_pack import Packed, pack_chunk
from itsm_core.errors import ItsmError

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy(str(ROOT / "docs" / "examples" / "servicenow-policy.json"))
HEADER = ["number", "incident_state", "sys_updated_at", "priority", "group"]
NEVER = 10**9

times = st.one_of(
    st.builds("2016-03-{:02d}T{:02d}:00:00Z".format, st.integers(1, 9), st.integers(0, 23)),
    st.builds("{}/{}/2016 {:02d}:00".format, st.integers(1, 28), st.integers(1, 12),
              st.integers(0, 23)),
    st.builds("{}/{}/2016 {:02d}:00".format, st.integers(1, 12), st.integers(13, 28),
              st.integers(0, 23)),
    st.sampled_from(["31/2/2016 10:00", "soon", "2016-03-01 10:00"]),
)
rows = st.tuples(st.sampled_from([f"INC{n}" for n in range(8)]),
                 st.sampled_from(["New", "Active", "Awaiting User Info", "Resolved",
                                  "Closed"]),
                 times, st.sampled_from(["1 - Critical", "3 - Moderate", "?"]),
                 st.sampled_from(["N", "?"]))


def _collect(text: str, every: int) -> functools.partial[object]:
    reader = csv.reader(io.StringIO(text, newline=""))
    return functools.partial(collect_rows, reader, columns=read_header(reader, {}),
                             watch_every=every)


def _work(tz: timezone | None, cycles: bool) -> ExportWork:
    return ExportWork(policy=POLICY, time_format=None, tz=tz, at_name="sys_updated_at",
                      fields=("group",), by=("definition", "priority"), period=None,
                      cycles=cycles)


def _outcome(text: str, every: int, work: ExportWork, jobs: int) -> object:
    """Everything a result says (the report, its lists, its notes), or the error."""
    try:
        result: ExportResult = evaluate_export(_collect(text, every), work,  # type: ignore[arg-type]
                                               jobs=jobs, as_of=None)
    except ItsmError as exc:
        return type(exc), str(exc)
    counted = result.accumulator
    return (counted.report(), counted.not_evaluated(), result.skipped, result.rows,
            result.tickets, result.as_of, result.notes, result.order, result.cycles)


def _text(lines: list[tuple[str, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(lines)
    return out.getvalue()


@settings(max_examples=150, deadline=None)
@given(st.lists(rows, max_size=40), st.integers(1, 6), st.booleans(), st.booleans())
def test_folding_while_reading_changes_nothing(lines: list[tuple[str, ...]], every: int,
                                               zone: bool, cycles: bool) -> None:
    text = _text(lines)
    work = _work(timezone.utc if zone else None, cycles)
    assert _outcome(text, every, work, 1) == _outcome(text, NEVER, work, 1)


OPEN_THREE = [("INC0", "New", "2016-03-01T09:00:00Z", "1 - Critical", "N"),
              ("INC1", "New", "2016-03-01T10:00:00Z", "3 - Moderate", "N"),
              ("INC2", "New", "2016-03-02T10:00:00Z", "1 - Critical", "N"),
              ("INC2", "Active", "2016-03-03T10:00:00Z", "1 - Critical", "N")]


@settings(max_examples=100, deadline=None)
@given(st.lists(rows, max_size=40), st.integers(1, 3),
       st.sampled_from([True, True, True, False]), st.booleans())
@example(OPEN_THREE, 1, True, False)  # three tickets still open: evaluated again at the end
def test_counting_a_chunk_in_pieces_changes_nothing(
        lines: list[tuple[str, ...]], piece: int, zone: bool, cycles: bool) -> None:
    """A chunk is read and counted a few tickets at a time (worker._PIECE): one ticket or
    two at a time gives what the whole chunk at once gives (counts, lists, the latest and
    earliest times, the open tickets evaluated again, a naive time's error)."""
    text = _text(lines)
    work = _work(timezone.utc if zone else None, cycles)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(worker_module, "_PIECE", 10**9)
        whole = _outcome(text, NEVER, work, 1)
        patch.setattr(worker_module, "_PIECE", piece)
        assert _outcome(text, NEVER, work, 1) == whole


def test_unreadable_times_folded_early_name_the_columns_order() -> None:
    # INC0 is folded before any date decides the order, with unreadable times; INC1's
    # 1/13/2016 then makes the column month-first: the skipped rows' reasons must name the
    # M/D/YYYY form, as they do when nothing is folded (found by the property test above)
    lines = [("INC0", "New", "2016-03-01T00:00:00Z", "1 - Critical", "N"),
             *[("INC0", "New", "soon", "1 - Critical", "N")] * 4,
             ("INC0", "New", "2016-03-01T00:00:00Z", "1 - Critical", "N"),
             ("INC1", "New", "2016-03-01T00:00:00Z", "1 - Critical", "N"),
             ("INC1", "New", "1/13/2016 00:00", "1 - Critical", "N")]
    text, work = _text(lines), _work(timezone.utc, False)
    folded = _outcome(text, 1, work, 1)
    assert folded == _outcome(text, NEVER, work, 1)
    assert "M/D/YYYY" in repr(folded)


@settings(max_examples=10, deadline=None)
@given(st.lists(rows, min_size=10, max_size=40), st.integers(1, 4))
def test_folding_in_workers_changes_nothing(lines: list[tuple[str, ...]], every: int) -> None:
    text = _text(lines)
    work = _work(timezone.utc, True)
    assert _outcome(text, every, work, 3) == _outcome(text, NEVER, work, 1)
    assert multiprocessing.active_children() == []


def test_sorted_tickets_are_let_go() -> None:
    """A ticket folded is out of the dict: at the end only the last ones are left."""
    left: list[int] = []
    lines = [(f"INC{n // 4}", ("New", "Active", "Resolved", "Closed")[n % 4],
              f"2016-03-01T{n % 24:02d}:00:00Z", "3 - Moderate", "N") for n in range(400)]
    reader = csv.reader(io.StringIO(_text(lines), newline=""))
    collect = functools.partial(collect_rows, reader, columns=read_header(reader, {}),
                                watch_every=10)

    def watching(*, watch):  # type: ignore[no-untyped-def]
        log = collect(watch=watch)
        left.append(len(log.tickets))
        return log

    result = evaluate_export(watching, _work(timezone.utc, False), jobs=1, as_of=None)
    assert result.tickets == 100
    assert left[0] <= 6  # the tickets of the last 20 rows, at most


def test_put_back_keeps_the_first_row_order() -> None:
    """INC1 is folded, then gets a row again: the cycles still come in first-row order."""
    lines = [("INC1", "New", "2016-03-01T09:00:00Z", "1 - Critical", "N"),
             ("INC1", "Active", "2016-03-01T09:30:00Z", "1 - Critical", "N"),
             *[(f"INC{n}", "New", f"2016-03-01T{10 + n:02d}:00:00Z", "1 - Critical", "N")
               for n in range(2, 8)],
             ("INC1", "Resolved", "2016-03-01T20:00:00Z", "1 - Critical", "N")]
    work = _work(timezone.utc, True)
    streamed = _outcome(_text(lines), 2, work, 1)
    assert streamed == _outcome(_text(lines), NEVER, work, 1)
    assert [line[0] for line in streamed[-1]][:2] == ["INC1", "INC1"]  # type: ignore[index]


def test_a_packed_chunk_is_compact() -> None:
    """What crosses to a worker is the chunk's text, packed: well under 150 bytes a row."""
    flat: list[object] = []
    for n in range(1_000):
        flat += [n + 2, f"{1 + n % 28}/3/2016 {n % 24:02d}:{n % 60:02d}", "Active",
                 "3 - Moderate", "Network"]
    assert len(pack_chunk([("INC0012345", flat)])) / 1_000 < 60


_PEAK = textwrap.dedent("""
    import csv, functools, sys
    from zoneinfo import ZoneInfo
    from itsm_core.cli.csvread import collect_rows, read_header
    from itsm_core.cli.evaluate import fields_needed
    from itsm_core.cli.jobs import ExportWork, evaluate_export
    from itsm_core.cli.policyfile import load_policy
    policy = load_policy(sys.argv[2])
    keep = fields_needed(policy, ["definition", "priority"])
    with open(sys.argv[1], encoding="utf-8", newline="") as text:
        reader = csv.reader(text)
        columns = read_header(reader, {})
        work = ExportWork(policy=policy, time_format=None, tz=ZoneInfo("Europe/London"),
                          at_name=columns.names["at"], by=("definition", "priority"),
                          fields=tuple(name for name, _ in columns.kept(keep)), period=None)
        collect = functools.partial(collect_rows, reader, columns=columns, keep=keep)
        result = evaluate_export(collect, work, jobs=1, as_of=None)
    with open("/proc/self/status") as status:
        print(next(line.split()[1] for line in status if line.startswith("VmHWM")),
              result.tickets)
""")


def test_memory_does_not_grow_with_a_sorted_file(tmp_path: Path) -> None:
    """Peak memory of the evaluation on an open file grows by well under 150 bytes a row
    from 30,000 to 120,000 rows (the rows are let go as they are folded; reading the
    whole export first cost about 950 bytes a row)."""
    sys.path.insert(0, str(ROOT / "tests" / "cli"))
    from servicenow_export import write_export  # noqa: PLC0415 - the tests' own helper

    peaks = []
    for count in (30_000, 120_000):
        path = tmp_path / f"export{count}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            write_export(out, rows=count)
        done = subprocess.run(
            [sys.executable, "-c", _PEAK, str(path),
             str(ROOT / "docs" / "examples" / "servicenow-policy.json")],
            check=True, capture_output=True, text=True)
        peak, tickets = done.stdout.split()
        assert int(tickets) > count // 8
        peaks.append(int(peak) * 1024)
    grown = (peaks[1] - peaks[0]) / 90_000
    assert grown < 150, f"{grown:.0f} bytes a row ({peaks})"


def test_an_unsorted_file_waits_packed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a folded ticket comes again, the tickets wait for the end of the file with
    their rows packed (as strings), and the result is still the reference's."""
    seen: list[int] = []
    finish = stream_module.Stream.finish

    def counting_finish(stream, rows, order):  # type: ignore[no-untyped-def]
        seen.append(sum(isinstance(flat, Packed) for flat in rows.values()))
        return finish(stream, rows, order)

    monkeypatch.setattr(stream_module.Stream, "finish", counting_finish)
    states = ("New", "Active", "Awaiting User Info", "Active", "Resolved")
    # three groups of ten tickets take turns, 120 rows each: a group is idle for 240 rows
    lines = [(f"INC{(n // 120) % 3 * 10 + n % 10}", states[(n // 10) % 5],
              f"2016-03-{1 + n // 60:02d}T{n % 24:02d}:00:00Z", "3 - Moderate", "N")
             for n in range(1_200)]
    work = _work(timezone.utc, True)
    assert _outcome(_text(lines), 50, work, 1) == _outcome(_text(lines), NEVER, work, 1)
    assert seen[0] > 15  # most tickets were idle at some look, and packed

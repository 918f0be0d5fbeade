"""The export read as a stream (itsm_core.cli.source.open_events): the same lines as reading
the whole text, in bounded memory, with every input problem still a clear error.

The reference is the obviously-correct reading: the whole input decompressed
(``gzip.decompress``), decoded (``bytes.decode``) and split by ``io.StringIO(text,
newline="")``, which is what ``sla-report`` did before it streamed.
"""

from __future__ import annotations

import gc
import gzip
import io
import json
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.cli import main, source
from itsm_core.cli.source import open_events
from itsm_core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "docs" / "examples" / "servicenow-policy.json")
HEADER = "number,incident_state,sys_updated_at,priority\n"


def _rows(tickets: int) -> list[str]:
    return [f"INC{n},{state},2016-03-0{1 + n % 7}T{hour:02d}:00Z,1 - Critical\n"
            for n in range(tickets)
            for state, hour in (("New", 9), ("Active", 10), ("Resolved", 12))]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


texts = st.lists(st.sampled_from(["a", "é", ",", '"', "\n", "\r", "\r\n", "xyz", "€"]),
                 max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=texts, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
       packed=st.booleans(), block=st.integers(1, 9), head=st.integers(1, 12))
def test_lines_and_head_are_those_of_the_whole_text(text: str, encoding: str, packed: bool,
                                                    block: int, head: int) -> None:
    """Any cut of the bytes into blocks (even inside a character or a ``\\r\\n``) and any
    head size give the lines the whole text gives; the head is whole lines from the
    start (or the start of the only line)."""
    data = text.encode(encoding)
    if packed:
        data = gzip.compress(data[: len(data) // 2]) + gzip.compress(data[len(data) // 2:])
    expected = io.StringIO(data.decode(encoding) if not packed else text, newline="")
    want = expected.readlines()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(source, "_BLOCK", block)
        patch.setattr(source, "HEAD_CHARS", head)
        stdin = io.TextIOWrapper(io.BytesIO(data))  # kept: letting it go closes its buffer
        lines = open_events("-", stdin, encoding)
        got = list(lines.lines())
    assert got == want
    assert "".join(want).startswith(lines.head)
    whole = "".join(want[:len(io.StringIO(lines.head, newline="").readlines())])
    assert lines.head == whole or want[0].startswith(lines.head)  # no line ends that early
    assert lines.size in (-1, len(data))


def test_a_text_stdin_is_read_as_it_is() -> None:
    lines = open_events("-", io.StringIO("a\r\nb\rc"), "utf-8")
    assert (lines.head, list(lines.lines()), lines.size) == ("a\r\nb\rc", ["a\r\n", "b\r", "c"],
                                                              6)


def test_the_whole_file_is_never_held(tmp_path: Path) -> None:
    """A 40 MB file is read line by line within a bounded few megabytes (the head, a
    block and its lines), where reading it whole needs its decoded text at least."""
    path = tmp_path / "big.csv"
    line = "INC1," + "x" * 230 + ",2016-03-01T09:00Z\n"
    with path.open("w", encoding="utf-8") as out:
        for _ in range(100):
            out.write(line * 1_700)
    assert path.stat().st_size > 40_000_000
    tracemalloc.start()
    try:
        lines = open_events(str(path), io.StringIO(), "utf-8")
        count = sum(1 for _ in lines.lines())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 170_000 and lines.size == path.stat().st_size
    assert peak < 16_000_000, peak


def test_the_file_is_closed_once_read_or_let_go(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "HEAD_CHARS", 10)
    monkeypatch.setattr(source, "_BLOCK", 16)
    path = tmp_path / "e.csv"
    path.write_text(HEADER + "".join(_rows(3)), encoding="utf-8")
    lines = open_events(str(path), io.StringIO(), "utf-8")
    raw = lines._raw  # the file this object opened
    assert raw is not None and not raw.closed
    assert len(list(lines.lines())) == 10
    assert raw.closed
    lines = open_events(str(path), io.StringIO(), "utf-8")
    raw = lines._raw
    assert raw is not None and not raw.closed
    del lines  # a reading abandoned on an error (the object holds a cycle: collected)
    gc.collect()
    assert raw.closed


class TestLateProblems:
    """A problem past the head is found when its line is read: exit 2, the line named,
    the same for every ``--jobs``."""

    @pytest.fixture
    def small_head(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(source, "HEAD_CHARS", 200)
        monkeypatch.setattr(source, "_BLOCK", 64)

    @pytest.mark.parametrize("jobs", ["1", "2"])
    def test_a_byte_that_does_not_decode_names_its_line(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path, small_head: None,
            jobs: str) -> None:
        rows = _rows(40)
        data = (HEADER + "".join(rows[:100]) + "INC7,R\xe9solu,2016-03-01T09:00Z,x\n"
                + "".join(rows[100:])).encode("latin-1")
        path = tmp_path / "late.csv"
        path.write_bytes(data)
        code, out, err = _run(capsys, "sla-report", str(path), "--policy", POLICY,
                              "--jobs", jobs, "--engine", "pure")
        assert (code, out) == (2, "")
        assert "EVENTS.csv: line 102: " in err and "is not utf-8-sig" in err
        assert "--encoding" in err
        assert _run(capsys, "sla-report", str(path), "--policy", POLICY, "--jobs", jobs,
                    "--engine", "pure", "--encoding", "latin-1")[0] == 0

    def test_an_early_byte_keeps_the_whole_file_message(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        Path("early.csv").write_bytes(
            (HEADER + "INC7,R\xe9solu,2016-03-01T09:00Z,x\n").encode("latin-1"))
        code, _, err = _run(capsys, "sla-report", "early.csv", "--policy", POLICY)
        assert code == 2
        assert "EVENTS.csv: 'early.csv' is not utf-8-sig (invalid continuation byte)" in err

    def test_a_gzip_stream_cut_short_after_the_head(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path, small_head: None) -> None:
        data = gzip.compress((HEADER + "".join(_rows(200))).encode("utf-8"))
        path = tmp_path / "cut.csv.gz"
        path.write_bytes(data[:len(data) - 20])
        code, out, err = _run(capsys, "sla-report", str(path), "--policy", POLICY,
                              "--engine", "pure")
        assert (code, out) == (2, "")
        assert "starts like gzip data but cannot be decompressed" in err

    def test_trailing_data_after_a_gzip_member(
            self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        path = tmp_path / "tail.gz"
        path.write_bytes(gzip.compress((HEADER + "".join(_rows(3))).encode()) + b"junk")
        code, _, err = _run(capsys, "sla-report", str(path), "--policy", POLICY)
        assert code == 2 and "starts like gzip data but cannot be decompressed" in err


def test_streamed_report_equals_the_report_of_small_pieces(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same report whether the input is read in one block or in 7-byte blocks with a
    tiny head, as a file, gzip data or standard input."""
    text = HEADER + "".join(_rows(300))
    path = tmp_path / "e.csv"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "e.gz").write_bytes(gzip.compress(text.encode()))
    args = ["--policy", POLICY, "--format", "json", "--engine", "pure"]
    whole = _run(capsys, "sla-report", str(path), *args)
    assert whole[0] == 0 and json.loads(whole[1])["meta"]["tickets"] == 300
    monkeypatch.setattr(source, "HEAD_CHARS", 50)
    monkeypatch.setattr(source, "_BLOCK", 7)
    assert _run(capsys, "sla-report", str(path), *args) == whole
    gz = _run(capsys, "sla-report", str(tmp_path / "e.gz"), *args)
    assert (gz[0], gz[2]) == (0, whole[2].replace(str(path), str(tmp_path / "e.gz")))
    assert json.loads(gz[1])["rows"] == json.loads(whole[1])["rows"]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    piped = _run(capsys, "sla-report", "-", *args)
    assert piped[0] == 0 and json.loads(piped[1])["rows"] == json.loads(whole[1])["rows"]


def test_unknown_encoding_after_a_missing_file_check(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^EVENTS\.csv: cannot read"):
        open_events(str(tmp_path / "none.csv"), io.StringIO(), "no-such-codec")
    (tmp_path / "e.csv").write_text(HEADER, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^--encoding: unknown encoding"):
        open_events(str(tmp_path / "e.csv"), io.StringIO(), "no-such-codec")
    with pytest.raises(ConfigError, match="is not a text encoding"):
        open_events(str(tmp_path / "e.csv"), io.StringIO(), "base64")


def test_the_shape_is_decided_on_the_head(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A ticket table whose head ends inside a quoted value spanning lines is still found
    to be a table: the same report as ``--shape table``."""
    rows = "".join(f'INC{n},1 - Critical,2016-03-01T09:00Z,2016-03-01T1{n % 10}:00Z,'
                   f'"line one\nline two of {n}"\n' for n in range(200))
    path = tmp_path / "table.csv"
    path.write_text("number,priority,opened_at,resolved_at,description\n" + rows,
                    encoding="utf-8")
    monkeypatch.setattr(source, "HEAD_CHARS", 500)
    monkeypatch.setattr(source, "_BLOCK", 100)
    args = ["--policy", POLICY, "--format", "json", "--engine", "pure"]
    auto = _run(capsys, "sla-report", str(path), *args)
    table = _run(capsys, "sla-report", str(path), *args, "--shape", "table")
    assert auto == table and auto[0] == 0
    assert json.loads(auto[1])["meta"]["tickets"] == 200

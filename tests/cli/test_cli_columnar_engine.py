"""``sla-report --engine``: the columnar and the pure engine write the same report, byte
for byte (JSON, CSV, table and the lines on standard error), and ``auto`` picks the
columnar one only where it may."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from servicenow_export import write_export

import itsm_core.cli.engine as engine_module
from itsm_core.cli import main
from itsm_core.cli.jobs import ExportResult

REPO = Path(__file__).parents[2]
SERVICENOW_POLICY = str(REPO / "docs" / "examples" / "servicenow-policy.json")
DEMO_POLICY = json.dumps(json.loads((REPO / "docs" / "examples" / "servicenow-policy.json")
                                    .read_text()))
STATE_POLICY = json.dumps({"definitions": [
    {"name": "restart", "targets": {"1 - Critical": "PT1H", "2 - High": "PT2H",
                                    "4 - Low": "PT3H"},
     "pause": {"state_in": ["Awaiting User Info"]}, "stop": {"state_in": ["Resolved"]},
     "cancel": {"state_in": ["Cancelled"]}, "on_priority_change": "restart",
     "on_reopen": "new_cycle"},
    {"name": "started", "targets": {"*": "PT30M"}, "start": {"state_in": ["Active"]},
     "stop": {"state_not_in": ["New", "Active"]}}]})


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def both(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The report of each engine: equal, byte for byte; the columnar one was used."""
    pure = run(capsys, *args, "--engine", "pure")
    columnar = run(capsys, *args, "--engine", "columnar")
    auto = run(capsys, *args)
    assert columnar == pure
    assert auto == pure
    return pure


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("columnar") / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_export(out, rows=3_000)
    return path


@pytest.fixture(scope="module")
def us_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("columnar") / "us.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_export(out, rows=2_000, us_dates=True)
    return path


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
@pytest.mark.parametrize("options", [
    (),
    ("--by", "definition,stage,assignment_group", "--period", "month"),
    ("--as-of", "2016-03-20T00:00:00+00:00", "--by", "ticket"),
    ("--by", "priority"),
], ids=["default", "group-month", "as-of-ticket", "priority-only"])
def test_servicenow_export_same_report(capsys: pytest.CaptureFixture[str], export: Path,
                                       fmt: str, options: tuple[str, ...]) -> None:
    code, out, err = both(capsys, "sla-report", str(export), "--policy", SERVICENOW_POLICY,
                          "--tz", "Europe/London", "--format", fmt, *options)
    assert code == 0 and out
    assert "2999" in err + out and "row has 7 fields" in err + out  # the noise is listed


def test_us_dates_and_gzip_same_report(capsys: pytest.CaptureFixture[str], us_export: Path,
                                       tmp_path: Path) -> None:
    zipped = tmp_path / "us.csv.gz"
    zipped.write_bytes(gzip.compress(us_export.read_bytes()))
    plain = both(capsys, "sla-report", str(us_export), "--policy", SERVICENOW_POLICY,
                 "--tz", "America/New_York", "--format", "json", "--period", "week")
    assert plain[0] == 0
    assert both(capsys, "sla-report", str(zipped), "--policy", SERVICENOW_POLICY,
                "--tz", "America/New_York", "--format", "json", "--period", "week") == plain


def test_auto_uses_the_columnar_engine_where_it_may(export: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[bool] = []
    real = engine_module.columnar_report

    def spy(*args: Any, **kwargs: Any) -> ExportResult | None:
        found = real(*args, **kwargs)
        used.append(found is not None)
        return found

    monkeypatch.setattr("itsm_core.cli.app.columnar_report", spy)
    out = str(tmp_path / "out.json")
    base = ["sla-report", str(export), "--policy", SERVICENOW_POLICY, "--tz", "Europe/London",
            "--quiet", "--output", out]
    assert main(base) == 0
    assert main([*base, "--engine", "pure"]) == 0
    assert main([*base, "--cycles", str(tmp_path / "c.csv")]) == 0  # cycles: the pure path
    assert main([*base, "--time-format", "%d/%m/%Y %H:%M"]) == 0  # a format: the pure path
    assert used == [True, False, False, False]


def test_forced_columnar_on_what_it_cannot_read_is_a_usage_error(
        capsys: pytest.CaptureFixture[str], export: Path, tmp_path: Path) -> None:
    code, out, err = run(capsys, "sla-report", str(export), "--policy", SERVICENOW_POLICY,
                         "--tz", "Europe/London", "--engine", "columnar", "--time-format",
                         "%d/%m/%Y %H:%M")
    assert (code, out) == (2, "")
    assert "--engine: the columnar engine cannot evaluate this report: a --time-format is " \
           "given; expected --engine auto or --engine pure" in err
    spanning = tmp_path / "spanning.csv"
    spanning.write_text('ticket,at,state\n"T\n1",2016-03-01T09:00Z,New\n', encoding="utf-8")
    code, _, err = run(capsys, "sla-report", str(spanning), "--policy", SERVICENOW_POLICY,
                       "--engine", "columnar")
    assert code == 2 and "a value spans several lines" in err


@pytest.mark.parametrize("text", [
    "ticket,at,state\nT1,2016-03-01T09:00Z,New\nT1,2016-03-01T09:00Z,Resolved\n",  # constant
    "ticket,at,state,priority\nT1,3/4/2016 09:00,New,1 - Critical\n",  # undecidable order
    "ticket,at,state,priority\nT1,3/4/2016 09:00,New,1 - Critical\nT1,25/3/2016 09:00,"
    "Resolved,1 - Critical\nT2,3/25/2016 09:00,New,1 - Critical\n",  # mixed orders
    "ticket,at,state,priority\nT1,2016-03-01T09:00Z,New,P1\n",  # nothing evaluated
    "ticket,at,state,at\nT1,x,New,y\n",  # a repeated column
], ids=["constant-time", "undecidable", "mixed-orders", "nothing-evaluated", "repeated"])
def test_notes_and_errors_are_the_pure_paths(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path, text: str) -> None:
    path = tmp_path / "e.csv"
    path.write_text(text, encoding="utf-8")
    both(capsys, "sla-report", str(path), "--policy", SERVICENOW_POLICY, "--tz", "UTC",
         "--format", "json")


STATES = ["New", "Active", "Awaiting User Info", "Resolved", "Closed", "Cancelled", "?", ""]
PRIORITIES = ["1 - Critical", "2 - High", "4 - Low", "9 - Unknown", "?"]
TIMES = st.one_of(
    st.builds(lambda d, m, h: f"{d}/{m}/2016 {h:02d}:{(d * 7) % 60:02d}",
              st.integers(1, 28), st.integers(3, 4), st.integers(0, 23)),
    st.builds(lambda d, h, off: f"2016-03-{d:02d}T{h:02d}:30{off}", st.integers(20, 31),
              st.integers(0, 23), st.sampled_from(["Z", "+01:00", "-05:00", ""])),
    st.sampled_from(["31/2/2016 10:00", "soon", "?", "27/3/2016 01:30", "30/10/2016 01:30",
                     "3/25/2016 9:00 PM", "4/4/2016 09:00"]),
)
ROW = st.tuples(st.sampled_from(["A", "B", " C", "C", "?"]), st.sampled_from(STATES), TIMES,
                st.sampled_from(PRIORITIES), st.sampled_from(["g1", "g2", "?"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.one_of(ROW, st.just(None)), max_size=20),
       policy=st.sampled_from([DEMO_POLICY, STATE_POLICY]),
       options=st.sampled_from([(), ("--by", "definition,stage,group"), ("--by", "ticket"),
                                ("--period", "day"), ("--as-of", "2016-03-26T12:00Z")]),
       tz=st.sampled_from([["--tz", "Europe/London"], []]),
       fmt=st.sampled_from(["json", "csv", "table"]))
def test_generated_logs_same_output(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    rows: list[Any], policy: str, options: tuple[str, ...],
                                    tz: list[str], fmt: str) -> None:
    lines = ["number,incident_state,sys_updated_at,priority,group"]
    for row in rows:
        lines.append("A,New" if row is None else ",".join(row))  # None: a short row
    path = tmp_path / "log.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode())
    policy_path = tmp_path / "policy.json"
    policy_path.write_text(policy, encoding="utf-8")
    pure = run(capsys, "sla-report", str(path), "--policy", str(policy_path), *tz,
               "--format", fmt, *options, "--engine", "pure")
    auto = run(capsys, "sla-report", str(path), "--policy", str(policy_path), *tz,
               "--format", fmt, *options)
    assert auto == pure


def test_progress_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    path = tmp_path / "many.csv"
    path.write_text("ticket,at,state,priority\n" + "".join(
        f"T{i % 500},2016-03-01T09:{i % 60:02d}Z,New,1 - Critical\n" for i in range(20_001)),
        encoding="utf-8")
    monkeypatch.setattr("itsm_core.cli.app.PROGRESS_MIN_BYTES", 100_000)
    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert main(["sla-report", str(path), "--policy", SERVICENOW_POLICY, "--engine",
                 "columnar", "--format", "json"]) == 0
    assert "\rread 10,000 rows...\rread 20,000 rows...\r" in tty.getvalue()


def test_replayed_in_small_chunks_same_report(capsys: pytest.CaptureFixture[str], export: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole tickets a few rows at a time give the report of the whole export at once."""
    args = ("sla-report", str(export), "--policy", SERVICENOW_POLICY, "--tz", "Europe/London",
            "--format", "json", "--by", "ticket,definition,stage")
    whole = run(capsys, *args, "--engine", "columnar")
    monkeypatch.setattr("itsm_core.cli.columnar.CHUNK_ROWS", 7)
    assert run(capsys, *args, "--engine", "columnar") == whole
    assert run(capsys, *args, "--engine", "pure") == whole


def test_streamed_input_problems_are_the_pure_paths(capsys: pytest.CaptureFixture[str],
                                                    export: Path, tmp_path: Path) -> None:
    """Gzip members, bytes that are not UTF-8 and gzip data cut short, past the first
    megabyte: the same report or the same message (naming the line) as the pure path."""
    data = export.read_bytes()
    data = data + b"".join(data.split(b"\n", 1)[1] for _ in range(6))  # over a megabyte
    assert len(data) > 2 * (1 << 20)
    members = tmp_path / "members.csv.gz"
    half = data.rfind(b"\n", 0, len(data) // 2) + 1
    members.write_bytes(gzip.compress(data[:half]) + gzip.compress(data[half:]))
    args = ("--policy", SERVICENOW_POLICY, "--tz", "Europe/London", "--format", "json")
    assert both(capsys, "sla-report", str(members), *args)[0] == 0
    latin = tmp_path / "latin.csv"
    latin.write_bytes(data[:-40] + "Résolu\n".encode("cp1252"))
    code, out, err = both(capsys, "sla-report", str(latin), *args)
    assert (code, out) == (2, "") and "line " in err and "is not utf-8" in err
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress(data)[:-20])
    code, out, err = both(capsys, "sla-report", str(cut), *args)
    assert (code, out) == (2, "") and "cannot be decompressed" in err

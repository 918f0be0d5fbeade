"""Every ticket accounted for, and never silent: what a report leaves out, it says."""

from __future__ import annotations

import csv
import functools
import io
import json
from collections import Counter
from pathlib import Path

import attrs
import pytest
from servicenow_export import write_export

from itsm_core.cli import main
from itsm_core.cli.csvread import collect_rows, read_event_log, read_header
from itsm_core.cli.evaluate import histories_from_records
from itsm_core.cli.jobs import ExportWork, evaluate_export
from itsm_core.cli.output import NotEvaluated, report_meta, write_report
from itsm_core.cli.policyfile import load_policy
from itsm_core.cli.timeparse import make_time_parser
from itsm_core.demo.generator import LONDON
from itsm_core.errors import ConfigError
from itsm_core.sla.compliance import reason_kind

REPO = Path(__file__).resolve().parents[2]
POLICY_PATH = str(REPO / "docs" / "examples" / "servicenow-policy.json")
POLICY = load_policy(POLICY_PATH)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def servicenow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("accounting") / "incident_event_log.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_export(out, rows=3_000)
    return path


def _reference(path: Path) -> list[tuple[str, str, str]]:
    """(definition, ticket, reason) straight from the library, ticket by ticket."""
    with path.open(encoding="utf-8", newline="") as text:
        log = read_event_log(text, make_time_parser(None, LONDON), spec={})
    latest = max(r[0] for records in log.tickets.values() for r in records)
    found = []
    for ticket, events in histories_from_records(log.tickets.items()):
        for outcome in POLICY.evaluate(events, latest, ticket, strict=False):
            if outcome.applies and not outcome.cycles:
                reason = outcome.unstarted if outcome.skipped is None else outcome.skipped
                found.append((outcome.definition, ticket, reason_kind(reason or "")))
    return found


class TestEveryTicketAccountedFor:
    def test_json_lists_and_counts_every_ticket_not_evaluated(
            self, capsys: pytest.CaptureFixture[str], servicenow: Path) -> None:
        code, out, _ = run(capsys, "sla-report", str(servicenow), "--policy", POLICY_PATH,
                           "--tz", "Europe/London", "--format", "json")
        assert code == 0
        data = json.loads(out)["not_evaluated"]
        expected = _reference(servicenow)
        assert sorted((e["definition"], e["ticket"], e["reason"]) for e in data["tickets"]) \
            == sorted(expected)
        assert {(c["definition"], c["reason"]): c["tickets"] for c in data["counts"]} == \
            dict(Counter((d, r) for d, _, r in expected))
        # the noise hits some first rows: their response clock stopped before it started
        assert any(c["reason"] == "stopped before it started" for c in data["counts"])

    def test_table_footer_and_csv_section_say_it(self, capsys: pytest.CaptureFixture[str],
                                                 servicenow: Path) -> None:
        args = ("sla-report", str(servicenow), "--policy", POLICY_PATH, "--tz", "Europe/London")
        expected = Counter((d, r) for d, _, r in _reference(servicenow))
        code, out, _ = run(capsys, *args)
        assert code == 0
        footer = out.splitlines()[-1]
        assert footer.startswith(f"not evaluated: {sum(expected.values()):,} ticket clocks (")
        assert "response: stopped before it started" in footer
        code, out, _ = run(capsys, *args, "--format", "csv")
        section = [row for row in csv.reader(io.StringIO(out)) if row[0] == "# not_evaluated"]
        assert {(d, r): int(n) for _, d, r, n in section} == dict(expected)

    def test_jobs_give_the_same_accounting(self, capsys: pytest.CaptureFixture[str],
                                           servicenow: Path) -> None:
        args = ("sla-report", str(servicenow), "--policy", POLICY_PATH, "--tz",
                "Europe/London", "--format", "json")
        assert run(capsys, *args, "--jobs", "2") == run(capsys, *args)


class TestNothingEvaluatedIsAnError:
    EVENTS = ("number,incident_state,sys_updated_at,priority\n"
              "INC1,New,2016-03-01T09:00Z,1 - Critical\n"
              "INC1,Resolved,2016-03-01T11:00Z,1 - Critical\n"
              "INC2,New,2016-03-02T09:00Z,3 - Moderate\n")

    def test_policy_keyed_on_other_priorities(self, capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
        (tmp_path / "e.csv").write_text(self.EVENTS, encoding="utf-8")
        (tmp_path / "p.json").write_text(json.dumps({"definitions": [{
            "name": "resolution", "targets": {f"P{n}": "PT4H" for n in range(1, 5)},
            "stop": {"state_in": ["Resolved"]}}]}), encoding="utf-8")
        code, out, err = run(capsys, "sla-report", str(tmp_path / "e.csv"), "--policy",
                             str(tmp_path / "p.json"))
        assert (code, out) == (2, "")
        assert "--policy: none of the 2 tickets was evaluated" in err
        assert "no target for priority '1 - Critical' (1)" in err
        assert "no target for priority '3 - Moderate' (1)" in err

    def test_as_of_before_every_row(self, capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
        (tmp_path / "e.csv").write_text(self.EVENTS, encoding="utf-8")
        code, out, err = run(capsys, "sla-report", str(tmp_path / "e.csv"), "--policy",
                             POLICY_PATH, "--as-of", "2016-02-01T00:00:00Z")
        assert (code, out) == (2, "")
        assert "--as-of: 2016-02-01T00:00:00+00:00 is before every row" in err
        assert "2016-03-01T09:00:00+00:00" in err
        assert run(capsys, "sla-report", str(tmp_path / "e.csv"), "--policy", POLICY_PATH,
                   "--as-of", "2016-03-01T10:00:00Z")[0] == 0

    def test_no_definition_applies(self, tmp_path: Path) -> None:
        policy = POLICY.from_dict({"definitions": [{
            "name": "fix", "targets": "PT4H", "applies": {"field": "category", "in": ["x"]}}]})
        reader = csv.reader(io.StringIO(self.EVENTS))
        collect = functools.partial(collect_rows, reader, columns=read_header(reader, {}),
                                    keep=frozenset())
        work = ExportWork(policy=policy, time_format=None, tz=None, at_name="sys_updated_at",
                          fields=(), by=("definition",), period=None)
        with pytest.raises(ConfigError, match="no definition applies to any of the 2 tickets"):
            evaluate_export(collect, work, jobs=1, as_of=None)


def _work(policy_path: str = POLICY_PATH, by: tuple[str, ...] = ("definition",),
          fields: tuple[str, ...] = ()) -> ExportWork:
    return ExportWork(policy=load_policy(policy_path), time_format=None, tz=LONDON,
                      at_name="sys_updated_at", fields=fields, by=by, period=None)


def _collect(text: str, spec: dict[str, str] | None = None) -> functools.partial[object]:
    reader = csv.reader(io.StringIO(text, newline=""))
    return functools.partial(collect_rows, reader, columns=read_header(reader, spec or {}),
                             keep=frozenset())


class TestNeverSilent:
    def test_a_time_column_that_cannot_run_a_clock_is_a_warning(self, servicenow: Path) -> None:
        text = servicenow.read_text(encoding="utf-8")
        result = evaluate_export(_collect(text, {"at": "opened_at"}),
                                 attrs.evolve(_work(), at_name="opened_at"), jobs=1, as_of=None)
        assert any("'opened_at' holds one time on every row" in n and "start_from" in n
                   for n in result.notes)
        normal = evaluate_export(_collect(text), _work(), jobs=1, as_of=None)
        assert normal.notes == ()

    def test_by_without_definition_groups_by_definition_too(self, servicenow: Path) -> None:
        text = servicenow.read_text(encoding="utf-8")
        result = evaluate_export(_collect(text), _work(by=("priority",)), jobs=1, as_of=None)
        assert result.accumulator.by == ("definition", "priority")
        assert [n for n in result.notes if "grouping by 'definition' too" in n]
        definitions = {dict(row.keys)["definition"] for row in result.accumulator.report().rows}
        assert definitions == {"response", "resolution"}

    def test_json_and_csv_carry_the_metadata(self, servicenow: Path) -> None:
        text = servicenow.read_text(encoding="utf-8")
        result = evaluate_export(_collect(text), _work(), jobs=1, as_of=None)
        meta = report_meta(as_of=result.as_of, rows=result.rows, tickets=result.tickets,
                           policy=POLICY_PATH, notes=result.notes)
        out, err = io.StringIO(), io.StringIO()
        write_report(result.accumulator.report(), result.skipped, "json", out, err,
                     rows_seen=result.rows, not_evaluated=NotEvaluated.of(result.accumulator),
                     meta=meta)
        got = json.loads(out.getvalue())["meta"]
        assert got["as_of"] == result.as_of.isoformat()  # type: ignore[union-attr]
        assert (got["rows_read"], got["tickets"], got["policy"]) == (
            result.rows, result.tickets, "servicenow-policy.json")
        assert got["version"]
        out = io.StringIO()
        write_report(result.accumulator.report(), result.skipped, "csv", out, err, meta=meta)
        comments = {row[0]: row[1] for row in csv.reader(io.StringIO(out.getvalue()))
                    if row[0].startswith("# ") and row[0] != "# not_evaluated"}
        assert comments["# tickets"] == str(result.tickets)
        assert comments["# policy"] == "servicenow-policy.json"






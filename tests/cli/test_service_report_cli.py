"""``service-report`` end to end on a small catalogue, events and outages written here, and
the service demo: every format, the figures against the library, exit codes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from itsm_core.cli import main
from itsm_core.cli.evaluate import histories_from_demo
from itsm_core.cli.service_report import build_reports, demo_report, facts_of
from itsm_core.demo.provider import (
    PROVIDER_AS_OF,
    load_catalogue_data,
    provider_outages,
    provider_tickets,
)
from itsm_core.service.attainment import attainment
from itsm_core.service.backups import BackupRun
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.continuity import Exercise
from itsm_core.service.continuity_report import continuity_report
from itsm_core.service.credits import CreditScheme
from itsm_core.service.kpi_report import KpiReport
from itsm_core.service.kpi_settings import KpiSettings
from itsm_core.service.kpis import KpiAccumulator
from itsm_core.service.outages import ServiceOutage
from itsm_core.sla.events import TicketEvent

CATALOGUE = {
    "definitions": [{"name": "fix", "targets": {"P1": "PT4H", "P2": "PT8H"},
                     "stop": {"state_in": ["Resolved"]}}],
    "services": [{"name": "email"}],
    "customers": [{"name": "acme", "aliases": ["ACME Corp"]}, {"name": "globex"}],
    "agreements": [
        {"name": "acme-sla", "from": "2025-01-01", "customers": ["acme"],
         "definitions": ["fix"],
         "targets": [{"name": "fix", "definition": "fix", "at_least": "90%"},
                     {"name": "availability", "kind": "availability", "at_least": "99%",
                      "services": ["email"]}],
         "fee": "1000.00", "currency": "EUR",
         "credits": {"rules": [{"kind": "per_breach", "target": "fix", "amount": "10.00"}]}},
        {"name": "globex-sla", "from": "2025-01-01", "customers": ["globex"],
         "definitions": ["fix"],
         "targets": [{"name": "fix", "definition": "fix", "at_least": "50%"}]}]}
EVENTS = """ticket,at,state,priority,customer,service,cause
INC0,2025-02-03T09:00:00Z,New,P1,ACME Corp,email,network
INC0,2025-02-03T10:00:00Z,Resolved,P1,ACME Corp,email,network
INC1,2025-03-03T09:00:00Z,New,P1,ACME Corp,email,network
INC1,2025-03-03T10:00:00Z,Resolved,P1,ACME Corp,email,network
INC2,2025-03-03T09:00:00Z,New,P1,acme,email,power
INC2,2025-03-03T15:00:00Z,Resolved,P1,acme,email,power
INC3,2025-03-04T09:00:00Z,New,P2,globex,email,
INC3,2025-03-04T10:00:00Z,Resolved,P2,globex,email,
"""
OUTAGES = """id,service,start,end,cause
OUT1,email,2025-03-10T00:00:00Z,2025-03-10T12:00:00Z,power
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    paths = {}
    for name, text in [("catalogue.json", json.dumps(CATALOGUE)), ("events.csv", EVENTS),
                       ("outages.csv", OUTAGES)]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths[name] = str(tmp_path / name)
    return paths


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def command(files: dict[str, str], *more: str) -> list[str]:
    return ["service-report", files["events.csv"], "--catalogue", files["catalogue.json"],
            "--outages", files["outages.csv"], *more]


def library_histories() -> list[tuple[str, list[TicketEvent]]]:
    """The same tickets, built by hand (not through the CSV reader)."""
    rows = [line.split(",") for line in EVENTS.splitlines()[1:]]
    tickets: dict[str, list[TicketEvent]] = {}
    for ticket, at, state, priority, customer, service, cause in rows:
        fields = {"customer": customer, "service": service} | ({"cause": cause} if cause else {})
        tickets.setdefault(ticket, []).append(
            TicketEvent(datetime.fromisoformat(at.replace("Z", "+00:00")), state, priority,
                        fields))
    return list(tickets.items())


def kpis_by_hand(catalogue: Catalogue, settings: KpiSettings) -> dict[str, KpiReport]:
    """Each customer's KPIs: a KpiAccumulator over its tickets, picked out here."""
    out = {}
    for customer in catalogue.customers:
        accumulator = KpiAccumulator(settings, by=(settings.group_field,))
        for ticket, events in library_histories():
            if catalogue.customer_of(events[-1].fields["customer"]) == customer.name:
                accumulator.add(events, ticket)
        out[customer.name] = accumulator.result()
    return out


class TestServiceReportCommand:
    def test_json_is_the_library_s_report(self, capsys: pytest.CaptureFixture[str],
                                          files: dict[str, str]) -> None:
        code, out, err = run(capsys, *command(files, "--format", "json"))
        assert (code, err) == (0, "")
        data = json.loads(out)
        catalogue = Catalogue.from_dict(CATALOGUE)
        outage = ServiceOutage.from_dict({"id": "OUT1", "service": "email",
                                          "start": "2025-03-10T00:00:00+00:00",
                                          "end": "2025-03-10T12:00:00+00:00",
                                          "cause": "power"})
        found = attainment(catalogue, library_histories(), [outage])
        reports, portfolio = build_reports(catalogue, found, period=None,
                                           kpis=kpis_by_hand(catalogue, KpiSettings()))
        assert portfolio is not None
        assert data["reports"] == [r.to_dict() for r in reports]
        assert data["reports"][0]["kpis"]["rows"]  # the KPI section is there
        assert data["reports"][0]["continuity"] is None  # no --exercises, no --backups
        assert data["portfolio"] == portfolio.to_dict()
        assert data["meta"]["period"] == "2025-03"
        assert (data["meta"]["tickets"], data["meta"]["outages"]) == (4, 1)

    def test_the_figures(self, capsys: pytest.CaptureFixture[str],
                         files: dict[str, str]) -> None:
        data = json.loads(run(capsys, *command(files, "--format", "json"))[1])
        acme = {t["target"]: t for t in data["reports"][0]["targets"]}
        assert data["reports"][0]["customer"] == "acme"  # "ACME Corp" is its alias
        assert (acme["fix"]["measured"], acme["fix"]["verdict"], acme["fix"]["breaches"]) \
            == ("1/2", "missed", ["INC2"])
        assert acme["fix"]["action_needed"] is True
        assert [p["measured"] for p in acme["fix"]["trend"]][-2:] == ["1", "1/2"]
        assert acme["availability"]["outages"] == ["OUT1"]
        assert Fraction(acme["availability"]["measured"]) < Fraction(99, 100)
        assert data["reports"][0]["credit_totals"] == {"EUR": "10.00"}
        assert [c["customer"] for c in data["portfolio"]["customers"]] == ["acme", "globex"]

    @pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
    def test_every_format(self, capsys: pytest.CaptureFixture[str], files: dict[str, str],
                          fmt: str) -> None:
        code, out, err = run(capsys, *command(files, "--format", fmt))
        assert (code, err) == (0, "")
        for word in ("acme", "globex", "INC2", "improvement action needed", "10.00"):
            assert word in out
        if fmt == "html":
            assert out.startswith("<!DOCTYPE html>")
            assert "<script" not in out.lower()
            assert "http:" not in out and "https:" not in out and "//" not in out
        if fmt == "markdown":
            assert "## Service report: acme, 2025-03" in out

    def test_one_customer_by_alias_and_output_file(self, capsys: pytest.CaptureFixture[str],
                                                   files: dict[str, str],
                                                   tmp_path: Path) -> None:
        target = tmp_path / "report.json"
        code, out, _ = run(capsys, *command(files, "--customer", "ACME Corp", "--format",
                                            "json", "--output", str(target)))
        assert (code, out) == (0, "")
        data = json.loads(target.read_text(encoding="utf-8"))
        assert [r["customer"] for r in data["reports"]] == ["acme"]

    def test_report_period_and_trend(self, capsys: pytest.CaptureFixture[str],
                                     files: dict[str, str]) -> None:
        data = json.loads(run(capsys, *command(files, "--format", "json", "--report-period",
                                               "2025-02", "--trend", "1"))[1])
        acme = next(r for r in data["reports"] if r["customer"] == "acme")
        fix = next(t for t in acme["targets"] if t["target"] == "fix")
        assert (fix["period"], fix["measured"]) == ("2025-02", "1")
        assert [p["period"] for p in fix["trend"]] == ["2025-01", "2025-02"]

    @pytest.mark.parametrize(("change", "expected"), [
        (("--catalogue", "missing.json"), "--catalogue: cannot read 'missing.json'"),
        (("--outages", "missing.csv"), "--outages: cannot read 'missing.csv'"),
        (("--customer", "initech"), "--customer: unknown customer 'initech'"),
        (("--report-period", "March"), "--report-period: period key"),
        (("--trend", "-1"), "--trend: -1 is out of range"),
        (("--as-of", "yesterday"), "--as-of"),
    ])
    def test_usage_errors_exit_2_with_a_message(self, capsys: pytest.CaptureFixture[str],
                                                files: dict[str, str],
                                                change: tuple[str, str], expected: str) -> None:
        args = command(files)
        if change[0] in args:
            args[args.index(change[0]) + 1] = change[1]
        else:
            args += change
        code, out, err = run(capsys, *args)
        assert (code, out) == (2, "")
        assert expected in err
        assert "Traceback" not in err

    def test_bad_catalogue_names_the_file_and_path(self, capsys: pytest.CaptureFixture[str],
                                                   files: dict[str, str]) -> None:
        bad = json.loads(json.dumps(CATALOGUE))
        bad["agreements"][0]["calendar"] = "nowhere"
        Path(files["catalogue.json"]).write_text(json.dumps(bad), encoding="utf-8")
        code, _, err = run(capsys, *command(files))
        assert code == 2
        assert "catalogue.json: agreements[0].calendar" in err and "nowhere" in err

    @pytest.mark.parametrize(("text", "expected"), [
        ("id,service,begin\n", "unknown column 'begin'"),
        ("id,start\n", "no column 'service'"),
        ("id,service,start\nO1,email,2025-03-01T00:00:00\n", "line 2"),  # naive, no --tz
        ("id,service,start,end\nO1,email,2025-03-01T02:00Z,2025-03-01T01:00Z\n", "line 2"),
    ])
    def test_bad_outages(self, capsys: pytest.CaptureFixture[str], files: dict[str, str],
                         text: str, expected: str) -> None:
        Path(files["outages.csv"]).write_text(text, encoding="utf-8")
        code, _, err = run(capsys, *command(files))
        assert code == 2
        assert expected in err

    def test_naive_event_times_need_tz(self, capsys: pytest.CaptureFixture[str],
                                       files: dict[str, str]) -> None:
        Path(files["events.csv"]).write_text(EVENTS.replace("Z,", ","), encoding="utf-8")
        code, _, err = run(capsys, *command(files))
        assert code == 2 and "--tz" in err
        code, out, _ = run(capsys, *command(files, "--tz", "UTC"))
        assert code == 0 and "Service report: acme, 2025-03" in out

    def test_nothing_covered_is_an_error(self, capsys: pytest.CaptureFixture[str],
                                         files: dict[str, str]) -> None:
        Path(files["events.csv"]).write_text(EVENTS.replace("acme", "x").replace("ACME Corp", "x")
                                             .replace("globex", "x"), encoding="utf-8")
        Path(files["outages.csv"]).write_text("id,service,start\n", encoding="utf-8")
        code, _, err = run(capsys, *command(files))
        assert code == 2
        assert "--catalogue: no agreement covers any of the 4 tickets" in err

    def test_skipped_rows_are_listed(self, capsys: pytest.CaptureFixture[str],
                                     files: dict[str, str]) -> None:
        Path(files["events.csv"]).write_text(EVENTS + "INC9,not a time,New,P1,acme,email,\n",
                                             encoding="utf-8")
        code, out, err = run(capsys, *command(files, "--format", "json"))
        assert code == 0
        assert "1 of 9 rows skipped, the first at line 10" in err
        assert json.loads(out)["meta"]["skipped"][0]["line"] == 10


class TestServiceDemo:
    def test_text_is_the_portfolio_then_each_customer(
            self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "demo")
        assert code == 0
        assert out.startswith("Portfolio: 2025-06\n")
        assert [line for line in out.splitlines() if line.startswith("Service report:")] == [
            "Service report: northwind, 2025-06", "Service report: contoso, 2025-06",
            "Service report: fabrikam, 2025-06"]

    def test_three_customers_with_different_slas_and_six_months(self) -> None:
        data = json.loads(demo_report(seed=2025, fmt="json"))
        assert [r["customer"] for r in data["reports"]] == ["northwind", "contoso", "fabrikam"]
        goals = {r["customer"]: {t["target"]: t["goal"] for t in r["targets"]}
                 for r in data["reports"]}
        assert len({json.dumps(g, sort_keys=True) for g in goals.values()}) == 3
        for report in data["reports"]:
            for target in report["targets"]:
                assert [p["period"] for p in target["trend"]] == [
                    "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
        currencies = {c for r in data["reports"] for c in r["credit_totals"]}
        assert currencies == {"GBP", "USD", "AUD"}
        assert any(r["actions"] for r in data["reports"])  # something to act on

    def test_credits_are_the_schemes_own(self) -> None:
        """The demo's credits equal each agreement's scheme applied by hand."""
        catalogue = Catalogue.from_dict(load_catalogue_data())
        found = attainment(catalogue, histories_from_demo(provider_tickets(), timezone.utc),
                           [ServiceOutage.from_dict(o) for o in provider_outages()],
                           as_of=PROVIDER_AS_OF)
        data = json.loads(demo_report(seed=2025, fmt="json"))
        for report in data["reports"]:
            [agreement] = [a for a in catalogue.agreements
                           if a.customers == (report["customer"],)]
            scheme = agreement.credits
            assert isinstance(scheme, CreditScheme)
            mine = [r for r in found.results if r.agreement == agreement.name]
            by_period = {p.period: p.total for p in scheme.apply(
                mine, agreement.fee or Decimal(0), currency=agreement.currency or "EUR")}
            assert report["credit_totals"] == {agreement.currency: str(by_period["2025-06"])}

    def test_deterministic_and_seeded(self) -> None:
        assert demo_report(seed=1, fmt="json") == demo_report(seed=1, fmt="json")
        assert demo_report(seed=1, fmt="json") != demo_report(seed=2, fmt="json")

    def test_html_page_to_a_file(self, capsys: pytest.CaptureFixture[str],
                                 tmp_path: Path) -> None:
        target = tmp_path / "report.html"
        code, out, _ = run(capsys, "demo", "--format", "html", "--output", str(target))
        assert (code, out) == (0, "")
        page = target.read_text(encoding="utf-8")
        assert page.count("<section>") == 4  # the portfolio and three customers
        assert "<svg" in page

    def test_compliance_demo_is_still_there(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "demo", "--compliance")
        assert code == 0
        assert out.startswith("definition  priority")
        assert "3,000 synthetic incidents" in err
        assert run(capsys, "demo", "--compliance", "--format", "json") != run(
            capsys, "demo", "--format", "json")

    @pytest.mark.parametrize("args", [("--compliance", "--format", "html"),
                                      ("--tickets", "5", "--customer", "contoso"),
                                      ("--customer", "nobody")])
    def test_mixed_options_are_usage_errors(self, capsys: pytest.CaptureFixture[str],
                                            args: tuple[str, ...]) -> None:
        code, out, err = run(capsys, "demo", *args)
        assert (code, out) == (2, "")
        assert "error:" in err and "Traceback" not in err


def test_facts_of_reads_the_last_event() -> None:
    facts = facts_of(library_histories())
    assert facts["INC2"] == {"priority": "P1", "cause": "power"}
    assert facts["INC3"] == {"priority": "P2", "cause": None}


EXERCISES = """service,disrupted_at,recovered_at,restored_to,resumed_at
email,2025-03-05T20:00:00Z,2025-03-05T23:00:00Z,2025-03-05T19:00:00Z,
"""
BACKUPS = """service,at,ok
email,2025-03-01T02:00:00Z,true
email,2025-03-02T02:00:00Z,failed
email,2025-03-20T02:00:00Z,
"""


class TestContinuityAndKpiFiles:
    def test_the_sections_are_the_library_s(self, capsys: pytest.CaptureFixture[str],
                                            files: dict[str, str], tmp_path: Path) -> None:
        catalogue_data = json.loads(json.dumps(CATALOGUE))
        catalogue_data["services"][0]["continuity"] = {"rto": "PT4H", "rpo": "P1D",
                                                       "mtpd": "P1D"}
        Path(files["catalogue.json"]).write_text(json.dumps(catalogue_data), encoding="utf-8")
        paths = {}
        for name, text in [("exercises.csv", EXERCISES), ("backups.csv", BACKUPS),
                           ("kpis.json", json.dumps({"group_field": "cause",
                                                     "buckets": ["PT1H"]}))]:
            (tmp_path / name).write_text(text, encoding="utf-8")
            paths[name] = str(tmp_path / name)
        code, out, err = run(capsys, *command(
            files, "--format", "json", "--exercises", paths["exercises.csv"], "--backups",
            paths["backups.csv"], "--kpis", paths["kpis.json"]))
        assert (code, err) == (0, "")
        acme = json.loads(out)["reports"][0]
        catalogue = Catalogue.from_dict(catalogue_data)
        kpis = kpis_by_hand(catalogue, KpiSettings(group_field="cause",
                                                   buckets=(timedelta(hours=1),)))
        assert acme["kpis"]["rows"] == [r.to_dict() for r in kpis["acme"].rows]
        assert {tuple(r["group"]) for r in acme["kpis"]["rows"]} == {("network",), ("power",)}
        start, end = (datetime(2025, 3, 1, tzinfo=timezone.utc),
                      datetime(2025, 4, 1, tzinfo=timezone.utc))
        expected = continuity_report(
            {"email": catalogue.service("email").continuity},  # type: ignore[dict-item]
            [Exercise.from_dict({"service": "email", "disrupted_at": "2025-03-05T20:00:00Z",
                                 "recovered_at": "2025-03-05T23:00:00Z",
                                 "restored_to": "2025-03-05T19:00:00Z"})],
            [BackupRun(service="email", at=datetime(2025, 3, d, 2, tzinfo=timezone.utc),
                       ok=d != 2) for d in (1, 2, 20)], start, end, services=["email"])
        assert acme["continuity"] == expected.to_dict()
        worst = acme["continuity"]["services"][0]["checks"][-1]
        assert (worst["achieved"], worst["verdict"]) == ("P19D", "missed")
        code, text, _ = run(capsys, *command(files, "--exercises", paths["exercises.csv"]))
        assert code == 0 and "Continuity, 2025-03-01T00:00:00+00:00" in text
        assert "Incident KPIs by group" in text  # default settings without --kpis

    @pytest.mark.parametrize(("option", "text", "expected"), [
        ("--exercises", "service,disrupted_at\n", "no column 'recovered_at'"),
        ("--exercises", EXERCISES.replace("23:00", "18:00"), "line 2, column recovered_at"),
        ("--exercises", EXERCISES.replace("2025-03-05T19:00:00Z", "soon"),
         "line 2, column restored_to"),
        ("--backups", "service,at,ok,size\n", "unknown column 'size'"),
        ("--backups", BACKUPS.replace("failed", "maybe"), "line 3, column ok"),
        ("--backups", BACKUPS + "email,2025-03-21T02:00:00,\n", "line 5, column at"),
        ("--backups", "service,at\nemail\n", "line 2: 1 fields"),
        ("--kpis", "{", "not valid JSON"),
        ("--kpis", '{"buckets": ["P3D", "P1D"]}', "buckets[1]"),
        ("--kpis", '{"calendar": "mars"}', "unknown name 'mars'"),
        ("--kpis", '{"colour": 1}', "colour"),
    ])
    def test_bad_files_exit_2_naming_file_line_and_column(
            self, capsys: pytest.CaptureFixture[str], files: dict[str, str], tmp_path: Path,
            option: str, text: str, expected: str) -> None:
        path = tmp_path / "input.file"
        path.write_text(text, encoding="utf-8")
        code, out, err = run(capsys, *command(files, option, str(path)))
        assert (code, out) == (2, "")
        assert option in err and "input.file" in err and expected in err
        assert "Traceback" not in err

    def test_missing_file(self, capsys: pytest.CaptureFixture[str],
                          files: dict[str, str]) -> None:
        for option in ("--exercises", "--backups", "--kpis"):
            code, _, err = run(capsys, *command(files, option, "missing.file"))
            assert code == 2 and f"{option}: cannot read 'missing.file'" in err

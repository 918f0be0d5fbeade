"""The incident KPI and continuity sections of a customer's service report, against the
library pieces run by hand: KpiAccumulator on the customer's tickets (on its agreement's
calendar) and continuity_report on the services its agreements cover."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.cli.evaluate import histories_from_demo
from itsm_core.cli.service_report import demo_report
from itsm_core.demo.provider import (
    PROVIDER_KPIS,
    load_catalogue_data,
    provider_backups,
    provider_exercises,
    provider_tickets,
)
from itsm_core.errors import ArgumentTypeError, UnknownNameError
from itsm_core.service.backups import BackupRun
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.continuity import Exercise
from itsm_core.service.continuity_report import continuity_report
from itsm_core.service.kpi_report import KpiReport, KpiRow
from itsm_core.service.kpi_settings import KpiSettings
from itsm_core.service.kpis import KpiAccumulator
from itsm_core.service.period import period_bounds
from itsm_core.service.report import ServiceReport
from itsm_core.service.report_sections import (
    CustomerKpis,
    covered_services,
    customer_continuity,
    kpi_settings_for,
)
from itsm_core.sla.events import TicketEvent

ZONES = {"northwind": "Europe/London", "contoso": "America/New_York",
         "fabrikam": "Australia/Sydney"}


@pytest.fixture(scope="module")
def demo() -> dict[str, object]:
    data: dict[str, object] = json.loads(demo_report(seed=2025, fmt="json"))
    return data


def test_the_kpi_section_is_kpi_accumulator_on_the_customer_s_tickets(
        demo: dict[str, object]) -> None:
    catalogue = Catalogue.from_dict(load_catalogue_data())
    histories = histories_from_demo(provider_tickets(seed=2025), timezone.utc)
    reports = demo["reports"]
    assert isinstance(reports, list)
    for report in reports:
        customer = report["customer"]
        [agreement] = [a for a in catalogue.agreements if a.customers == (customer,)]
        assert agreement.calendar is not None
        mine = KpiSettings.from_dict({**PROVIDER_KPIS, "calendar": agreement.calendar},
                                     calendars=dict(catalogue.calendars))
        assert mine.calendar.timezone.key == ZONES[customer]
        accumulator = KpiAccumulator(mine, by=("assignment_group",))
        for ticket, events in histories:
            if events[-1].fields["customer"] == customer:
                accumulator.add(events, ticket)
        expected = accumulator.result()
        trend = {f"2025-0{m}" for m in range(1, 7)}
        assert report["kpis"]["rows"] == [r.to_dict() for r in expected.rows
                                          if r.period in trend]
        june = [r for r in report["kpis"]["rows"] if r["period"] == "2025-06"]
        assert {tuple(r["group"]) for r in june} == {("Applications",), ("Network",),
                                                     ("Service Desk",)}
        # business time on the customer's own calendar: Fabrikam's is round the clock
        if customer == "fabrikam":
            assert all(r["mttr"] == r["mttr_business"] for r in june)
        else:
            assert all(r["mttr"] != r["mttr_business"] for r in june)


def test_the_continuity_section_is_continuity_report(demo: dict[str, object]) -> None:
    catalogue = Catalogue.from_dict(load_catalogue_data())
    exercises = [Exercise.from_dict(e) for e in provider_exercises(seed=2025)]
    backups = [BackupRun.from_dict(b) for b in provider_backups(seed=2025)]
    reports = demo["reports"]
    assert isinstance(reports, list)
    for report in reports:
        customer = report["customer"]
        [agreement] = [a for a in catalogue.agreements if a.customers == (customer,)]
        services = agreement.services or tuple(s.name for s in catalogue.services)
        start, end = period_bounds("2025-06", catalogue.zone_of(agreement.name))
        expected = continuity_report(
            {s: catalogue.service(s).continuity for s in services},  # type: ignore[misc]
            [e for e in exercises if e.service in services],
            [b for b in backups if b.service in services], start, end, services=services)
        assert report["continuity"] == expected.to_dict()
    fabrikam = next(r for r in reports if r["customer"] == "fabrikam")
    # fabrikam-care lists no services: it covers every one
    assert [s["service"] for s in fabrikam["continuity"]["services"]] == ["email", "vpn", "erp"]
    northwind = next(r for r in reports if r["customer"] == "northwind")
    assert [s["service"] for s in northwind["continuity"]["services"]] == ["email", "erp"]


def test_text_and_markdown_show_both_sections() -> None:
    text = demo_report(seed=2025, fmt="text")
    markdown = demo_report(seed=2025, fmt="markdown")
    for out in (text, markdown):
        assert out.count("Incident KPIs by assignment_group") == 3
        assert out.count("Continuity, 2025-06-01T00:00:00") == 3
        assert "worst-case recovery point" in out
    assert "| group | acknowledged | MTTA |" in markdown


AT = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
CATALOGUE = Catalogue.from_dict({
    "calendars": {"ny": {"timezone": "America/New_York",
                         "hours": {"mon": [["09:00", "17:00"]]}}},
    "services": [{"name": "email", "continuity": {"rto": "PT1H", "rpo": "PT1H",
                                                  "mtpd": "PT2H"}},
                 {"name": "vpn"}, {"name": "erp"}],
    "customers": [{"name": "acme", "aliases": ["ACME"]}, {"name": "globex"}],
    "agreements": [
        {"name": "acme-sla", "from": "2025-01-01", "customers": ["acme"], "calendar": "ny",
         "services": ["email", "vpn"]},
        {"name": "old", "from": "2024-01-01", "until": "2025-01-01", "customers": ["acme"],
         "services": ["erp"]},
        {"name": "any", "from": "2025-01-01", "customers": ["globex"]}]})


def ticket(customer: str, hours: int, group: str = "Desk") -> list[TicketEvent]:
    fields = {"customer": customer, "group": group}
    return [TicketEvent(AT, "New", fields=fields),
            TicketEvent(AT + timedelta(hours=hours), "Resolved", fields=fields)]


class TestPieces:
    def test_calendar_and_services_of_a_customer(self) -> None:
        assert kpi_settings_for(CATALOGUE, "acme").calendar_name == "ny"
        assert kpi_settings_for(CATALOGUE, "globex").calendar_name is None
        own = KpiSettings.from_dict({"calendar": {"timezone": "Asia/Tokyo"}})
        assert kpi_settings_for(CATALOGUE, "acme", own) == own  # its own calendar wins
        assert covered_services(CATALOGUE, "acme") == ("email", "vpn", "erp")
        start, end = period_bounds("2025-03", timezone.utc)
        assert covered_services(CATALOGUE, "acme", start, end) == ("email", "vpn")
        assert covered_services(CATALOGUE, "globex") == ("email", "vpn", "erp")
        with pytest.raises(UnknownNameError, match="customer: unknown name 'initech'"):
            covered_services(CATALOGUE, "initech")

    def test_customer_continuity_leaves_other_services_out(self) -> None:
        runs = [BackupRun(service=s, at=AT) for s in ("email", "erp")]
        report = customer_continuity(CATALOGUE, "acme", [], runs, "2025-03")
        assert [s.service for s in report.services] == ["email", "vpn"]
        assert report.start.tzinfo is not None and report.start.utcoffset() == timedelta(hours=-5)

    def test_tickets_count_for_the_customer_of_their_last_event(self) -> None:
        kpis = CustomerKpis(CATALOGUE)
        moved = ticket("acme", 2)
        moved[-1] = TicketEvent(moved[-1].at, "Resolved", fields={"customer": "globex",
                                                                  "group": "Desk"})
        kpis.add(ticket("ACME", 1), "T1")
        kpis.add(moved, "T2")
        kpis.add(ticket("nobody", 1), "T3")
        result = kpis.result()
        assert [r.resolved for r in result["acme"].rows] == [1]
        assert [r.resolved for r in result["globex"].rows] == [1]

    def test_as_of_leaves_later_events_out(self) -> None:
        kpis = CustomerKpis(CATALOGUE, as_of=AT + timedelta(minutes=30))
        kpis.add(ticket("globex", 1), "T1")
        [row] = kpis.result()["globex"].rows
        assert (row.resolved, row.backlog) == (0, 1)

    @settings(max_examples=30, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(["acme", "globex", "x"]), st.integers(1, 300),
                              st.sampled_from(["Desk", "Network"])), max_size=12),
           st.integers(0, 12))
    def test_merge_of_a_split_is_one_pass(self, items: list[tuple[str, int, str]],
                                          cut: int) -> None:
        whole, left, right = (CustomerKpis(CATALOGUE) for _ in range(3))
        for n, (customer, hours, group) in enumerate(items):
            events = ticket(customer, hours, group)
            whole.add(events, n)
            (left if n < cut else right).add(events, n)
        assert left.merge(right).result() == whole.result()

    def test_build_keeps_the_trend_s_kpi_rows_and_checks_types(self) -> None:
        rows = tuple(KpiRow(group=("Desk",), period=p) for p in ("2024-12", "2025-02",
                                                                 "2025-03", "2025-04"))
        kpis = KpiReport(by=("group",), period="month", buckets=(), rows=rows)
        report = ServiceReport.build([], customer="acme", period="2025-03", previous=2,
                                     kpis=kpis)
        assert report.kpis is not None
        assert [r.period for r in report.kpis.rows] == ["2025-02", "2025-03"]
        assert "Incident KPIs by group" in report.to_text()
        with pytest.raises(ArgumentTypeError, match="kpis: expected a KpiReport"):
            ServiceReport.build([], customer="acme", period="2025-03",
                                kpis=[1])  # type: ignore[arg-type]
        with pytest.raises(ArgumentTypeError, match="continuity: expected a ContinuityReport"):
            ServiceReport.build([], customer="acme", period="2025-03",
                                continuity="x")  # type: ignore[arg-type]

"""The ``service-report`` command and the service demo: attainment of a catalogue's
agreements over an event log (and outages), written as text, JSON, Markdown or HTML.

The events are read as ``sla-report`` reads them (the same columns, shapes, presets, time
parsing and skipped-row accounting); the catalogue is a JSON file
(:meth:`~itsm_core.service.catalogue.Catalogue.from_dict`); the outages a CSV with the
columns ``id, service, start, end`` and optionally ``kind, impact, cause, customer``.
The report covers one period (``--report-period``, default: the latest with a result)
with the trend over the periods before it; one section per customer (``--customer``: one
only) after the portfolio.

>>> from itsm_core.service.report import ServiceReport
>>> print(render("text", [ServiceReport(customer="acme", period="2025-03", targets=())],
...              None, meta={}), end="")
Service report: acme, 2025-03
Targets: none
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from itsm_core._instant import load_zone
from itsm_core.cli.csvread import SkippedRow, collect_rows, parse_rows
from itsm_core.cli.evaluate import History, events_from_rows, histories_from_demo
from itsm_core.cli.html_report import html_page
from itsm_core.cli.policyfile import config_from_text, load_config
from itsm_core.cli.scan import decide_order
from itsm_core.cli.service_inputs import (
    load_backups,
    load_exercises,
    load_kpi_settings,
    load_outages,
)
from itsm_core.cli.timeparse import DAY_FIRST, make_time_parser
from itsm_core.demo.provider import (
    PERIOD,
    PROVIDER_AS_OF,
    PROVIDER_KPIS,
    load_catalogue_data,
    provider_backups,
    provider_exercises,
    provider_outages,
    provider_tickets,
)
from itsm_core.errors import ConfigError, InvalidArgumentError, NaiveDatetimeError, shown
from itsm_core.service.attainment import Attainment, AttainmentAccumulator
from itsm_core.service.backups import BackupRun
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.continuity import Exercise
from itsm_core.service.credits_due import credits_due
from itsm_core.service.kpi_report import KpiReport
from itsm_core.service.kpi_settings import KpiSettings
from itsm_core.service.outages import ServiceOutage
from itsm_core.service.period import PERIODS
from itsm_core.service.portfolio import PortfolioReport
from itsm_core.service.report import TREND, CreditDue, ServiceReport, WorkloadLine
from itsm_core.service.report_sections import CustomerKpis, customer_continuity

if TYPE_CHECKING:  # pragma: no cover - typing only
    from _csv import Reader as CsvReader

    from itsm_core.cli.columns import ColumnMap

__all__ = ["FORMATS", "add_arguments", "build_reports", "demo_report", "load_catalogue",
           "load_outages", "read_histories", "render", "run"]

FORMATS = ("text", "json", "markdown", "html")
_CATALOGUE_FORM = "a .json or .toml file holding {'services': [...], 'customers': [...], 'agreements': [...]}"
# ticket id -> the fields the breach charts count
Facts = dict[object, dict[str, object]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``service-report`` that are its own (the events' reading options are
    ``sla-report``'s, added by the caller).

    >>> parser = argparse.ArgumentParser()
    >>> add_arguments(parser)
    >>> parser.parse_args(["--catalogue", "c.json"]).period
    'month'
    """
    parser.add_argument("--catalogue", required=True, metavar="CATALOGUE",
                        help="the service catalogue, a .json file")
    parser.add_argument("--outages", metavar="OUTAGES.csv",
                        help="outages: id, service, start, end[, kind, impact, cause, "
                             "customer]")
    parser.add_argument("--exercises", metavar="EXERCISES.csv",
                        help="recovery exercises: service, disrupted_at, recovered_at, "
                             "restored_to[, resumed_at] (adds the continuity section)")
    parser.add_argument("--backups", metavar="BACKUPS.csv",
                        help="backup history: service, at[, ok] (adds the continuity "
                             "section)")
    parser.add_argument("--kpis", metavar="KPIS.json",
                        help="incident KPI settings (default: the default settings)")
    parser.add_argument("--period", choices=PERIODS, default="month",
                        help="the reporting period (default: month)")
    parser.add_argument("--report-period", metavar="KEY",
                        help="the period to report, e.g. 2025-03 (default: the latest "
                             "with a result)")
    parser.add_argument("--trend", type=int, default=TREND, metavar="N",
                        help=f"previous periods in each target's trend (default {TREND})")
    parser.add_argument("--customer", metavar="NAME",
                        help="report on this customer only (name or alias)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write the report to FILE (UTF-8) instead of standard output")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="write nothing to standard error but errors")


def load_catalogue(path: str) -> Catalogue:
    """Read the catalogue file at *path* (``.json`` or ``.toml``).

    Raises:
        ConfigError: the file is missing, unreadable, does not parse, or holds an invalid
            catalogue (the message names the file and the path inside it).

    >>> load_catalogue("no-such-catalogue.json")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --catalogue: cannot read 'no-such-catalogue.json' (No such file or directory); expected a .json or .toml file holding {'services': [...], 'customers': [...], 'agreements': [...]}
    """
    return load_config(path, "--catalogue", Catalogue.from_dict, _CATALOGUE_FORM,
                       other="json")


def catalogue_from_text(text: str, name: str) -> Catalogue:
    """The catalogue in JSON *text*; errors name *name* then the path inside.

    >>> catalogue_from_text('{"agreements": [{"name": "a"}]}', "c.json")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: c.json: agreements[0].from: ...
    """
    return config_from_text(text, name, "json", Catalogue.from_dict, _CATALOGUE_FORM)


def read_histories(reader: CsvReader, columns: ColumnMap, *, missing: frozenset[str],
                   time_format: str | None, tz: tzinfo | None,
                   ) -> tuple[list[History], tuple[SkippedRow, ...], int]:
    """The tickets of an export as ``(ticket, events)``, the skipped rows, and the rows
    seen: rows grouped by ticket, the date order decided for the whole column, times read.

    Raises:
        NaiveDatetimeError: a naive time without *tz* (the first in the file).

    >>> from itsm_core.cli.csvread import read_header
    >>> import csv
    >>> reader = csv.reader(["ticket,at,state\\n", "T1,2025-03-01T09:00Z,New\\n"])
    >>> histories, skipped, rows = read_histories(reader, read_header(reader, {}),
    ...     missing=frozenset({""}), time_format=None, tz=None)
    >>> [(t, e[0].state) for t, e in histories], skipped, rows
    ([('T1', 'New')], (), 1)
    """
    log = collect_rows(reader, columns=columns, missing=missing)
    order = decide_order(log, time_format, tz) or DAY_FIRST
    parse = make_time_parser(time_format, tz, order=order)
    skipped = list(log.skipped)
    shared: dict[tuple[str | None, ...], Any] = {}
    histories: list[History] = []
    naive: list[tuple[int, str]] = []
    for ticket in log.tickets:
        parsed, error = parse_rows(log.rows_of(ticket), parse, log.columns.names["at"],
                                   skipped)
        if error is not None:
            naive.append(error)
        elif parsed:
            histories.append((ticket, events_from_rows(parsed, log.fields, shared)))
    if naive:
        raise NaiveDatetimeError(min(naive)[1])
    return histories, tuple(sorted(skipped, key=lambda s: s.line)), log.rows


def facts_of(histories: Iterable[History]) -> Facts:
    """Each ticket's last priority and ``cause`` field, for the breach charts.

    >>> from datetime import datetime, timezone
    >>> from itsm_core.sla.events import TicketEvent
    >>> at = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> facts_of([("T1", [TicketEvent(at, "New", "P1", {"cause": "network"})])])
    {'T1': {'priority': 'P1', 'cause': 'network'}}
    """
    return {ticket: {"priority": events[-1].priority,
                     "cause": events[-1].fields.get("cause")}
            for ticket, events in histories if events}


def credits_by_customer(catalogue: Catalogue, found: Attainment) -> list[tuple[str, CreditDue]]:
    """The credits of every agreement with a credit scheme and a fee, per customer and
    period, as ``(customer, credit)`` pairs (from :func:`~itsm_core.service.credits_due.credits_due`).

    >>> from itsm_core.service.attainment import attainment
    >>> credits_by_customer(Catalogue.from_dict({}), attainment(Catalogue.from_dict({}), []))
    []
    """
    out: list[tuple[str, CreditDue]] = []
    for (name, customer), periods in credits_due(catalogue, found).items():
        currency = catalogue.agreement(name).currency or "EUR"
        out.extend((customer or "-", CreditDue.of(name, period, currency)) for period in periods)
    return out


def build_reports(catalogue: Catalogue, found: Attainment, *, period: str | None,
                  customer: str | None = None, previous: int = TREND,
                  kpis: Mapping[str, KpiReport] | None = None,
                  continuity: tuple[Sequence[Exercise], Sequence[BackupRun]] | None = None,
                  ) -> tuple[list[ServiceReport], PortfolioReport | None]:
    """Each customer's report and the portfolio for *period* (default: the latest period
    with a result; no reports at all when there is none), with each customer's incident
    KPIs from *kpis* and, given ``(exercises, backups)``, the continuity of the services
    its agreements cover (:func:`~itsm_core.service.report_sections.customer_continuity`).

    Raises:
        ConfigError: (``--customer``) a customer the catalogue does not know.

    >>> from itsm_core.service.attainment import attainment
    >>> build_reports(Catalogue.from_dict({}), attainment(Catalogue.from_dict({}), []),
    ...               period=None)
    ([], None)
    """
    name = None
    if customer is not None:
        name = catalogue.customer_of(customer)
        if name is None:
            known = ", ".join(c.name for c in catalogue.customers) or "none"
            raise ConfigError("--customer", f"unknown customer {shown(customer)}",
                              f"one of {known}")
    if period is None:
        if not found.results:
            return [], None
        period = max(r.period for r in found.results)
    credits = credits_by_customer(catalogue, found)
    workload: dict[tuple[str | None, str], list[WorkloadLine]] = {}
    for item in found.workload:
        workload.setdefault((item.customer, item.period), []).append(
            WorkloadLine(agreement=item.agreement, tickets=item.count, limit=item.limit,
                         excluded=len(item.excluded)))
    names = [c.name for c in catalogue.customers if name is None or c.name == name]
    reports = [ServiceReport.build(
        found.results, customer=who, period=period, previous=previous,
        workload=workload.get((who, period), ()), credits=[c for w, c in credits if w == who],
        kpis=None if kpis is None else kpis.get(who),
        continuity=None if continuity is None else customer_continuity(
            catalogue, who, continuity[0], continuity[1], period))
        for who in names]
    portfolio = PortfolioReport.build(found.results, period=period, credits=credits)
    return [r for r in reports if r.targets or r.credits], portfolio


def render(fmt: str, reports: Sequence[ServiceReport], portfolio: PortfolioReport | None, *,
           meta: Mapping[str, Any], facts: Facts | None = None, title: str = "Service report",
           ) -> str:
    """The reports in *fmt* (one of :data:`FORMATS`).

    >>> render("json", [], None, meta={"tickets": 0})
    '{"meta": {"tickets": 0}, "portfolio": null, "reports": []}\\n'
    """
    if fmt == "json":
        return json.dumps({"meta": dict(meta),
                           "portfolio": None if portfolio is None else portfolio.to_dict(),
                           "reports": [r.to_dict() for r in reports]}, indent=None) + "\n"
    if fmt == "html":
        return html_page(reports, portfolio, title=title, facts=facts)
    parts = []
    markdown = fmt == "markdown"
    if portfolio is not None and len(reports) != 1:
        parts.append(portfolio.to_markdown() if markdown else portfolio.to_text())
    parts += [r.to_markdown() if markdown else r.to_text() for r in reports]
    return "\n".join(parts)


def _inputs(catalogue: Catalogue, args: argparse.Namespace,
            ) -> tuple[KpiSettings, tuple[tuple[Exercise, ...], tuple[BackupRun, ...]] | None]:
    """The KPI settings (``--kpis``, default settings otherwise) and, when ``--exercises``
    or ``--backups`` is given, the continuity records."""
    tz = None if getattr(args, "tz", None) is None else load_zone(args.tz, "--tz")
    kpis, exercises, backups = (getattr(args, key, None) for key in ("kpis", "exercises",
                                                                     "backups"))
    settings = (KpiSettings() if kpis is None
                else load_kpi_settings(kpis, dict(catalogue.calendars)))
    if exercises is None and backups is None:
        return settings, None
    return settings, (() if exercises is None else load_exercises(exercises, tz),
                      () if backups is None else load_backups(backups, tz))


def run(catalogue: Catalogue, histories: Sequence[History], outages: Sequence[ServiceOutage],
        args: argparse.Namespace, *, as_of: datetime | None, meta: Mapping[str, Any],
        title: str = "Service report", kpi_settings: KpiSettings | None = None,
        continuity: tuple[Sequence[Exercise], Sequence[BackupRun]] | None = None) -> str:
    """Attainment, incident KPIs, continuity, reports and their text in ``args.format``:
    what the command and the demo share.  The tickets are read once: each feeds the
    attainment and its customer's KPIs in the same loop.  Without *kpi_settings* and
    *continuity*, ``args.kpis``, ``args.exercises`` and ``args.backups`` name the files.

    >>> args = argparse.Namespace(period="month", report_period=None, customer=None,
    ...                           trend=5, format="text")
    >>> run(Catalogue.from_dict({}), [], [], args, as_of=None, meta={})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --catalogue: no target of any agreement was measured (0 tickets, 0 outages); expected agreements that cover some of the tickets or outages
    """
    if args.trend.__class__ is not int or not 0 <= args.trend <= 1000:
        raise ConfigError("--trend", f"{shown(args.trend)} is out of range",
                          "a count of periods from 0 to 1000")
    if args.report_period is not None:
        try:
            ServiceReport.build([], customer="-", period=args.report_period)
        except InvalidArgumentError as exc:
            raise ConfigError("--report-period", str(exc), "a key such as 2025-03") from None
    settings, read = _inputs(catalogue, args)
    settings = kpi_settings or settings
    records = continuity if continuity is not None else read
    accumulator = AttainmentAccumulator(catalogue, args.period, as_of=as_of)
    kpis = CustomerKpis(catalogue, settings, args.period, as_of=as_of)
    for ticket, events in histories:
        accumulator.add_ticket(events, ticket)
        kpis.add(events, ticket)
    for outage in outages:
        accumulator.add_outage(outage)
    found = accumulator.result()
    if histories and not outages and len(found.not_covered) == len(histories):
        raise ConfigError("--catalogue", f"no agreement covers any of the {len(histories):,} "
                          f"tickets (the first: {found.not_covered[0].reason})",
                          "agreements whose customers, services and dates fit the tickets")
    reports, portfolio = build_reports(catalogue, found, period=args.report_period,
                                       customer=args.customer, previous=args.trend,
                                       kpis=kpis.result(), continuity=records)
    if portfolio is None:
        raise ConfigError("--catalogue", f"no target of any agreement was measured "
                          f"({len(histories):,} tickets, {len(outages):,} outages)",
                          "agreements that cover some of the tickets or outages")
    info = {**meta, "period": portfolio.period, "not_covered": len(found.not_covered)}
    return render(args.format, reports, portfolio, meta=info, facts=facts_of(histories),
                  title=f"{title}, {portfolio.period}")


def demo_report(*, seed: int, fmt: str, customer: str | None = None,
                trend: int = TREND) -> str:
    """The service report of the demo's synthetic provider (:mod:`itsm_core.demo.provider`)
    for June 2025, with the five months before it as the trend.

    >>> print(demo_report(seed=2025, fmt="text").splitlines()[0])
    Portfolio: 2025-06
    """
    catalogue = Catalogue.from_dict(load_catalogue_data())
    tickets = provider_tickets(seed=seed)
    outages = [ServiceOutage.from_dict(o) for o in provider_outages(seed=seed)]
    args = argparse.Namespace(period="month", report_period=PERIOD, customer=customer,
                              trend=trend, format=fmt)
    records = ([Exercise.from_dict(e) for e in provider_exercises(seed=seed)],
               [BackupRun.from_dict(b) for b in provider_backups(seed=seed)])
    return run(catalogue, histories_from_demo(tickets, timezone.utc),
               outages, args, as_of=PROVIDER_AS_OF,
               meta={"source": "synthetic provider", "seed": seed, "tickets": len(tickets),
                     "outages": len(outages), "as_of": PROVIDER_AS_OF.isoformat()},
               title="Service report of a synthetic provider",
               kpi_settings=KpiSettings.from_dict(PROVIDER_KPIS), continuity=records)

"""Text and Markdown rendering of service reports: percentages, aligned tables, the lines
of a :class:`~itsm_core.service.report.ServiceReport`.

>>> table(["target", "measured"], [["P1", percent(Fraction(1, 3))]], markdown=False)
['target  measured', 'P1      33.333%']
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

from itsm_core._instant import format_duration
from itsm_core.ratios import report_percent as percent
from itsm_core.service.continuity_report import ContinuityReport, ServiceContinuity
from itsm_core.service.kpi_report import KpiRow
from itsm_core.service.result import Verdict

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.service.report import ServiceReport, TargetLine

__all__ = ["ACTION", "CHECK_HEADER", "CONTINUITY_HEADER", "KPI_HEADER", "TARGET_HEADER",
           "check_rows", "continuity_cells", "duration_up", "finding_lines", "kpi_cells",
           "kpi_rows", "percent", "points", "render_lines", "table", "target_cells"]

_MINUTE = timedelta(minutes=1)
KPI_HEADER = ["group", "acknowledged", "MTTA", "MTTA business", "resolved", "MTTR",
              "MTTR business", "first contact", "reopened", "backlog", "ageing"]
CONTINUITY_HEADER = ["service", "RTO", "RPO", "MTPD", "WRT", "last exercise",
                     "worst-case recovery point"]
CHECK_HEADER = ["service", "measure", "objective", "target", "achieved", "verdict"]

ACTION = "improvement action needed"


def points(margin: Fraction | None) -> str:
    """A margin over a goal in percentage points, signed, cut down like
    :func:`~itsm_core.ratios.report_percent`.

    >>> points(Fraction(-1, 200)), points(Fraction(1, 20)), points(None)
    ('-0.5 pt', '+5 pt', '-')
    """
    if margin is None:
        return "-"
    sign = "-" if margin < 0 else "+"
    return f"{sign}{percent(abs(margin))[:-1]} pt"


def duration_up(value: timedelta | None) -> str:
    """A mean time for a table, rounded UP to the whole minute (a time shown never looks
    shorter than it is): days, hours and minutes; ``"-"`` for ``None``.

    >>> duration_up(timedelta(hours=26, seconds=1)), duration_up(timedelta(0)), duration_up(None)
    ('1d 2h 01m', '0m', '-')
    """
    if value is None:
        return "-"
    minutes = -(-value // _MINUTE)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes:02d}m"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def kpi_rows(report: ServiceReport) -> list[KpiRow]:
    """The incident KPI rows of the report's own period (none without KPIs).

    >>> from itsm_core.service.report import ServiceReport
    >>> kpi_rows(ServiceReport(customer="a", period="2025", targets=()))
    []
    """
    if report.kpis is None:
        return []
    return [row for row in report.kpis.rows if row.period == report.period]


def kpi_cells(row: KpiRow) -> list[str]:
    """One group's row of the incident KPI table (times rounded up to the minute, rates
    cut towards the worse side by :func:`~itsm_core.ratios.report_percent`: first contact
    down, reopened up; the ageing buckets' counts in order).

    >>> kpi_cells(KpiRow(group=("Desk",), period="2025", resolved=2, first_contact=1,
    ...                  mttr=timedelta(minutes=90), backlog=1, ageing=(1, 0)))
    ['Desk', '0', '-', '-', '2', '1h 30m', '-', '50%', '0%', '1', '1 0']
    """
    group = ", ".join("-" if v is None else str(v) for v in row.group) or "all"
    return [group, str(row.acknowledged), duration_up(row.mtta), duration_up(row.mtta_business),
            str(row.resolved), duration_up(row.mttr), duration_up(row.mttr_business),
            percent(row.first_contact_rate), percent(row.reopen_rate, higher_is_worse=True),
            str(row.backlog),
            " ".join(map(str, row.ageing))]


def continuity_cells(entry: ServiceContinuity) -> list[str]:
    """One service's row of the continuity table: its objectives (ISO 8601), the day of its
    last exercise and the worst-case recovery point of its backups.

    >>> from datetime import datetime, timezone
    >>> from itsm_core.service.continuity_report import continuity_report
    >>> r = continuity_report({}, [], [], datetime(2025, 1, 1, tzinfo=timezone.utc),
    ...                       datetime(2025, 2, 1, tzinfo=timezone.utc), services=["vpn"])
    >>> continuity_cells(r.services[0])
    ['vpn', '-', '-', '-', '-', '-', 'P31D']
    """
    t = entry.targets
    objectives = (["-"] * 4 if t is None else
                  [format_duration(t.rto), format_duration(t.rpo), format_duration(t.mtpd),
                   "-" if t.wrt is None else format_duration(t.wrt)])
    last = "-" if entry.exercise is None else entry.exercise.disrupted_at.date().isoformat()
    return [entry.service, *objectives, last, format_duration(entry.recovery_point.length)]


def check_rows(report: ContinuityReport) -> list[list[str]]:
    """Every service's checks: the last exercise and the worst-case recovery point against
    the objectives.

    >>> from datetime import datetime, timezone
    >>> from itsm_core.service.continuity_report import continuity_report
    >>> from itsm_core.service.continuity import ContinuityTargets
    >>> t = ContinuityTargets.from_dict({"rto": "PT4H", "rpo": "P1D", "mtpd": "P1D"})
    >>> check_rows(continuity_report({"vpn": t}, [], [],
    ...     datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 1, 2, tzinfo=timezone.utc)))
    [['vpn', 'worst-case recovery point', 'RPO', 'P1D', 'P1D', 'met']]
    """
    return [[entry.service, c.measure, c.objective.upper(), format_duration(c.target),
             format_duration(c.achieved), c.verdict.value]
            for entry in report.services for c in entry.checks]


def finding_lines(report: ContinuityReport) -> list[str]:
    """Every service's findings, as ``"service: message"``.

    >>> from datetime import datetime, timezone
    >>> from itsm_core.service.continuity_report import continuity_report
    >>> finding_lines(continuity_report({}, [], [], datetime(2025, 1, 1, tzinfo=timezone.utc),
    ...     datetime(2025, 1, 2, tzinfo=timezone.utc), services=["vpn"]))[0]
    'vpn: vpn has no continuity objectives'
    """
    return [f"{entry.service}: {f.message}" for entry in report.services for f in entry.findings]


def target_cells(line: TargetLine) -> list[str]:
    """One target's row of the report's table: agreement, service, target, goal,
    measured, verdict, volume, breaches, trend and the action flag.

    >>> from itsm_core.service.report import TargetLine
    >>> from itsm_core.service.result import TargetResult
    >>> r = TargetResult(agreement="a", customer="c", service=None, target="t",
    ...                  kind="tickets", period="2025", goal=Fraction(9, 10),
    ...                  measured=Fraction(1, 2), verdict=Verdict.MISSED, rule="at least 90%",
    ...                  volume=2, met=1, missed=1, breaches=("INC2",))
    >>> target_cells(TargetLine(result=r, trend=()))
    ['a', '-', 't', '90%', '50%', 'missed', '2', '1', '', 'improvement action needed']
    """
    r = line.result
    volume = str(r.volume)
    if r.kind == "availability" and r.agreed_time is not None:
        volume = f"{format_duration(r.downtime) if r.downtime else 'PT0S'} down"
    trend = " ".join(percent(p.measured) for p in line.trend[:-1])
    return [r.agreement, r.service or "-", r.target, percent(r.goal), percent(r.measured),
            r.verdict.value, volume, str(len(r.breaches)), trend,
            ACTION if line.action_needed else ""]


TARGET_HEADER = ["agreement", "service", "target", "goal", "measured", "verdict", "volume",
                 "breaches", "trend", "action"]


def table(header: list[str], rows: list[list[str]], *, markdown: bool) -> list[str]:
    """*rows* under *header*, aligned in columns (text) or as a Markdown table; a ``|`` in
    a Markdown cell is escaped.

    >>> table(["a", "bb"], [["x", "y"]], markdown=False)
    ['a  bb', 'x  y']
    >>> table(["a"], [["x|y"]], markdown=True)
    ['| a |', '| --- |', '| x\\\\|y |']
    """
    if markdown:
        def esc(cell: str) -> str:
            return cell.replace("|", "\\|").replace("\n", " ")
        return (["| " + " | ".join(map(esc, header)) + " |",
                 "| " + " | ".join("---" for _ in header) + " |"]
                + ["| " + " | ".join(map(esc, row)) + " |" for row in rows])
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in [header, *rows]]


def render_lines(report: ServiceReport, *, markdown: bool) -> list[str]:
    """The lines of a report's text (or Markdown) form.

    >>> from itsm_core.service.report import ServiceReport
    >>> render_lines(ServiceReport(customer="a", period="2025", targets=()), markdown=False)
    ['Service report: a, 2025', 'Targets: none']
    """
    title = f"Service report: {report.customer}, {report.period}"
    out = [f"## {title}", ""] if markdown else [title]
    if not report.targets:
        out.append("Targets: none")
    else:
        met = sum(1 for t in report.targets if t.result.verdict is Verdict.MET)
        out.append(f"Targets: {len(report.targets)}, met {met}, "
                   f"missed {len(report.actions)}")
        out.append("")
        out += table(TARGET_HEADER, [target_cells(t) for t in report.targets],
                     markdown=markdown)
    for line in report.actions:
        r = line.result
        shown_breaches = ", ".join(map(str, r.breaches[:20]))
        more = f" and {len(r.breaches) - 20} more" if len(r.breaches) > 20 else ""
        out += ["", f"{'- ' if markdown else ''}{ACTION}: {r.agreement} / {r.target}"
                    f" ({r.rule}); measured {percent(r.measured)}"
                    + (f"; breaches: {shown_breaches}{more}" if r.breaches else "")]
    if report.workload:
        out += ["", "Workload:", *table(
            ["agreement", "tickets", "limit", "excluded"],
            [[w.agreement, str(w.tickets), "-" if w.limit is None else str(w.limit),
              str(w.excluded)] for w in report.workload], markdown=markdown)]
    if report.credits:
        out += ["", "Credits due:", *table(
            ["agreement", "amount", "currency"],
            [[c.agreement, str(c.total), c.currency] for c in report.credits],
            markdown=markdown)]
        totals = ", ".join(f"{v} {k}".strip() for k, v in report.credit_totals().items())
        out += ["", f"Total credits due: {totals}"]
    return out + _kpi_lines(report, markdown) + _continuity_lines(report.continuity, markdown)


def _kpi_lines(report: ServiceReport, markdown: bool) -> list[str]:
    if report.kpis is None:
        return []
    by = ", ".join(report.kpis.by)
    rows = kpi_rows(report)
    if not rows:
        return ["", f"Incident KPIs by {by}: no tickets in the period"]
    return ["", f"Incident KPIs by {by} (times rounded up to the minute):",
            *table(KPI_HEADER, [kpi_cells(row) for row in rows], markdown=markdown),
            "", f"Ageing of the backlog at the period's end: "
                f"{', '.join(report.kpis.bucket_labels)}"]


def _continuity_lines(report: ContinuityReport | None, markdown: bool) -> list[str]:
    if report is None:
        return []
    head = f"Continuity, {report.start.isoformat()} to {report.end.isoformat()}"
    if not report.services:
        return ["", f"{head}: no services"]
    out = ["", f"{head}:", *table(CONTINUITY_HEADER,
                                  [continuity_cells(e) for e in report.services],
                                  markdown=markdown)]
    checks = check_rows(report)
    if checks:
        out += ["", "Continuity checks:", *table(CHECK_HEADER, checks, markdown=markdown)]
    findings = finding_lines(report)
    if findings:
        out += ["", "Continuity findings:", *(f"- {line}" for line in findings)]
    return out

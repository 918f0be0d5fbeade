"""The service report as one self-contained HTML page: inline CSS, inline SVG charts, no
script and no reference to anything outside the page.

Its ``Content-Security-Policy`` (``default-src 'none'; style-src 'unsafe-inline';
img-src data:``) forbids every fetch, so a browser opening the file reaches no network
even if a value in the report looked like an address.  Every value from the data is
HTML-escaped.  Charts (the attainment trend of each target against its goal, breaches by
priority and by cause) need matplotlib (``pip install itsm_core[report]``); without it the
page carries the same tables and a note saying how to get the charts.

>>> from itsm_core.service.report import ServiceReport
>>> page = html_page([ServiceReport(customer="acme", period="2025-03", targets=())],
...                  title="Service report 2025-03")
>>> page.startswith("<!DOCTYPE html>"), "<script" in page, "default-src 'none'" in page
(True, False, True)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from itsm_core.cli.charts import available, bars_svg, hours_svg, trend_svg
from itsm_core.service._render import (
    ACTION,
    CHECK_HEADER,
    CONTINUITY_HEADER,
    KPI_HEADER,
    TARGET_HEADER,
    check_rows,
    continuity_cells,
    finding_lines,
    kpi_cells,
    kpi_rows,
    percent,
    points,
    target_cells,
)
from itsm_core.service.portfolio import PortfolioReport
from itsm_core.service.report import ServiceReport

__all__ = ["CSP", "html_page"]

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:70rem;color:#222;
line-height:1.4;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.25rem;border-bottom:1px solid #ccc;margin-top:2rem}
h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f2f5}
td.met{color:#1e7b34}td.missed{color:#b03a2e;font-weight:bold}
td.volume{color:#777}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
.charts figure{margin:0;border:1px solid #ddd;padding:.25rem}
.charts svg{max-width:100%;height:auto}
.note{background:#fff8e1;border:1px solid #e6c200;padding:.5rem}
.action{color:#b03a2e}
"""
NO_CHARTS = ("Charts need matplotlib: install it with pip install 'itsm_core[report]' "
             "(the tables hold the same figures).")
# ticket id -> its fields (priority, cause, ...): what the breach charts count
Facts = Mapping[object, Mapping[str, object]]


_VERDICT_CLASS = {"met": "met", "missed": "missed", "not enough volume": "volume"}


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], verdict: int = -1) -> str:
    """An HTML table; the cell in column *verdict* gets its verdict's class."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            css = f' class="{_VERDICT_CLASS[cell]}"' if i == verdict else ""
            cells.append(f"<td{css}>{escape(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(svg: str | None, caption: str) -> str:
    if svg is None:
        return ""
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _breach_counts(report: ServiceReport, facts: Facts, field: str) -> Counter[str]:
    seen: set[object] = set()
    counts: Counter[str] = Counter()
    for line in report.targets:
        for ticket in line.result.breaches:
            if ticket in seen:
                continue
            seen.add(ticket)
            value = facts.get(ticket, {}).get(field)
            counts["unknown" if value is None else str(value)] += 1
    return counts


def _customer_section(report: ServiceReport, facts: Facts, charts: bool, number: int) -> str:
    out = [f"<section><h2>{escape(report.customer)}, {escape(report.period)}</h2>"]
    if not report.targets:
        out.append("<p>No targets measured in this period.</p>")
    else:
        out.append(_table(TARGET_HEADER, [target_cells(line) for line in report.targets],
                          verdict=TARGET_HEADER.index("verdict")))
    if report.actions:
        out.append("<h3>Improvement actions needed</h3><ul>")
        for line in report.actions:
            r = line.result
            breaches = ", ".join(map(str, r.breaches[:50]))
            more = f" and {len(r.breaches) - 50} more" if len(r.breaches) > 50 else ""
            out.append(f'<li class="action">{escape(r.agreement)} / {escape(r.target)}: '
                       f"{escape(r.rule)}, measured {escape(percent(r.measured))}"
                       + (f"; breaches: {escape(breaches + more)}" if breaches else "")
                       + "</li>")
        out.append("</ul>")
    if report.workload:
        out.append("<h3>Workload</h3>" + _table(
            ["agreement", "tickets", "limit", "excluded"],
            [[w.agreement, str(w.tickets), "-" if w.limit is None else str(w.limit),
              str(w.excluded)] for w in report.workload]))
    if report.credits:
        totals = ", ".join(f"{v} {k}".strip() for k, v in report.credit_totals().items())
        out.append("<h3>Credits due</h3>" + _table(
            ["agreement", "amount", "currency"],
            [[c.agreement, str(c.total), c.currency] for c in report.credits])
            + f"<p>Total credits due: {escape(totals)}</p>")
    out += _operations(report)
    if charts and report.targets:
        figures = [_figure(trend_svg(f"{line.result.agreement}: {line.result.target}",
                                     [(p.period, p.measured) for p in line.trend],
                                     line.result.goal, f"c{number}t{i}"),
                           f"{line.result.target}: attainment per period against the goal")
                   for i, line in enumerate(report.targets)]
        for field in ("priority", "cause"):
            counts = _breach_counts(report, facts, field)
            if counts:
                figures.append(_figure(bars_svg(f"Breaches by {field}", counts,
                                                f"c{number}{field}"),
                                       f"breaches by {field}"))
        figures.append(_mttr_figure(report, number))
        out.append('<div class="charts">' + "".join(figures) + "</div>")
    out.append("</section>")
    return "\n".join(out)


def _operations(report: ServiceReport) -> list[str]:
    """The incident KPI and continuity sections of a customer."""
    out = []
    if report.kpis is not None:
        rows = kpi_rows(report)
        head = f"<h3>Incident KPIs by {escape(', '.join(report.kpis.by))}</h3>"
        out.append(head + (_table(KPI_HEADER, [kpi_cells(row) for row in rows])
                           + "<p>Times rounded up to the minute; ageing of the backlog at "
                           f"the period's end: {escape(', '.join(report.kpis.bucket_labels))}"
                           "</p>" if rows else "<p>No tickets in the period.</p>"))
    continuity = report.continuity
    if continuity is not None:
        out.append(f"<h3>Continuity, {escape(continuity.start.isoformat())} to "
                   f"{escape(continuity.end.isoformat())}</h3>")
        out.append(_table(CONTINUITY_HEADER, [continuity_cells(e) for e in continuity.services]))
        checks = check_rows(continuity)
        if checks:
            out.append(_table(CHECK_HEADER, checks, verdict=CHECK_HEADER.index("verdict")))
        findings = finding_lines(continuity)
        if findings:
            out.append("<ul>" + "".join(f'<li class="action">{escape(f)}</li>'
                                        for f in findings) + "</ul>")
    return out


def _mttr_figure(report: ServiceReport, number: int) -> str:
    """The mean time to resolve of each group over the trend's periods."""
    if report.kpis is None or not report.kpis.rows:
        return ""
    periods = sorted({row.period for row in report.kpis.rows})
    series: dict[str, dict[str, float]] = {}
    for row in report.kpis.rows:
        if row.mttr is not None:
            group = ", ".join("-" if v is None else str(v) for v in row.group) or "all"
            series.setdefault(group, {})[row.period] = row.mttr.total_seconds() / 3600
    if not series:
        return ""
    return _figure(hours_svg("Mean time to resolve per group (hours)", periods,
                             {g: [v.get(p) for p in periods] for g, v in sorted(series.items())},
                             f"c{number}mttr"), "mean time to resolve per group, wall clock")


def _portfolio_section(portfolio: PortfolioReport) -> str:
    out = [f"<section><h2>Portfolio, {escape(portfolio.period)}</h2>"]
    out.append(_table(["customer", "targets", "met", "missed", "share met", "credits due"],
                      [[c.customer, str(c.targets), str(c.met), str(c.missed),
                        percent(c.share_met),
                        ", ".join(f"{v} {k}".strip() for k, v in c.credits.items()) or "-"]
                       for c in portfolio.customers]))
    out.append("<h3>By service and kind</h3>" + _table(
        ["service", "kind", "customers", "targets", "met", "missed", "lowest margin"],
        [[c.service or "-", c.kind, str(c.customers), str(c.targets), str(c.met),
          str(c.missed), points(c.lowest_margin)] for c in portfolio.cells]))
    if portfolio.worst:
        out.append("<h3>Worst targets (margin over their own goal)</h3>" + _table(
            ["customer", "agreement", "target", "goal", "measured", "margin", "verdict"],
            [[w.customer or "-", w.agreement, w.target, percent(w.goal),
              percent(w.measured), points(w.margin), w.verdict.value]
             for w in portfolio.worst], verdict=6))
    out.append("</section>")
    return "\n".join(out)


def html_page(reports: Sequence[ServiceReport], portfolio: PortfolioReport | None = None,
              *, title: str, facts: Facts | None = None, charts: bool = True) -> str:
    """The HTML page of *reports* (one section per customer) and the *portfolio*.

    Args:
        reports: the customers' reports.
        portfolio: the portfolio report, shown first when given.
        title: the page's title.
        facts: ticket id -> its fields, for the breach charts (by ``priority`` and
            ``cause``).
        charts: draw the charts (when matplotlib is installed).

    >>> from itsm_core.service.report import ServiceReport
    >>> page = html_page([], title="<empty>", charts=False)
    >>> "&lt;empty&gt;" in page, "<svg" in page
    (True, False)
    """
    drawn = charts and available()
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
             '<meta name="referrer" content="no-referrer">',
             f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>{escape(title)}</h1>"]
    if charts and not drawn:
        parts.append(f'<p class="note">{escape(NO_CHARTS)}</p>')
    if portfolio is not None:
        parts.append(_portfolio_section(portfolio))
    parts += [_customer_section(report, facts or {}, drawn, number)
              for number, report in enumerate(reports)]
    parts.append(f'<p class="note">Verdicts: met, missed, not enough volume; a missed '
                 f'target is flagged "{escape(ACTION)}". Shares are truncated, never rounded '
                 "up.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"

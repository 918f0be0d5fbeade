"""Text and Markdown rendering of service reports: percentages, aligned tables, the lines
of a :class:`~itsm_core.service.report.ServiceReport`.

>>> table(["target", "measured"], [["P1", percent(Fraction(1, 3))]], markdown=False)
['target  measured', 'P1      33.333%']
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from itsm_core._instant import format_duration
from itsm_core.service.result import Verdict

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.service.report import ServiceReport, TargetLine

__all__ = ["ACTION", "TARGET_HEADER", "percent", "points", "render_lines", "table", "target_cells"]

ACTION = "improvement action needed"


def percent(share: Fraction | None) -> str:
    """*share* as a percentage, truncated towards zero to at most three decimals (a value
    shown never looks better than it is); ``"-"`` for ``None``.

    >>> percent(Fraction(19, 20)), percent(Fraction(199999, 200000)), percent(None)
    ('95%', '99.999%', '-')
    """
    if share is None:
        return "-"
    value = (Decimal(share.numerator * 100_000 // share.denominator) / 1000).quantize(
        Decimal("0.001"), ROUND_DOWN)
    text = f"{value:f}".rstrip("0").rstrip(".")
    return f"{text}%"


def points(margin: Fraction | None) -> str:
    """A margin over a goal in percentage points, signed, truncated like :func:`percent`.

    >>> points(Fraction(-1, 200)), points(Fraction(1, 20)), points(None)
    ('-0.5 pt', '+5 pt', '-')
    """
    if margin is None:
        return "-"
    sign = "-" if margin < 0 else "+"
    return f"{sign}{percent(abs(margin))[:-1]} pt"


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
    return out

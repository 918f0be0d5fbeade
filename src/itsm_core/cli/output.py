"""Writing a compliance report as a table, JSON or CSV, and the skipped-row summary.

JSON is ``{"rows": [...], "skipped": [...]}``: each row is the report row's plain data
(group keys, ``total``, ``met``, ``breached``, ``running``, ``paused``, ``cancelled``,
``compliance`` as a float or ``null``, plus ``overdue`` and the elapsed statistics as ISO
8601 durations); each skipped entry is either an unreadable CSV row ``{"line", "reason"}``
or a ticket the engine could not evaluate ``{"definition", "ticket", "reason"}``.  Table
and CSV output put the rows on stdout and a summary of what was skipped on stderr.

>>> import io
>>> from itsm_core.sla import compliance_report
>>> out, err = io.StringIO(), io.StringIO()
>>> write_report(compliance_report([], by=("definition",)), [], "json", out, err)
>>> out.getvalue()
'{\\n  "rows": [],\\n  "skipped": []\\n}\\n'
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import Any, TextIO

from itsm_core.cli.csvread import SkippedRow
from itsm_core.sla.compliance import ComplianceReport

__all__ = ["FORMATS", "skipped_entries", "summarise_skipped", "write_report"]

FORMATS = ("table", "json", "csv")
SHOWN = 10  # skipped entries listed on stderr before "... and N more"


def skipped_entries(report: ComplianceReport,
                    rows: Sequence[SkippedRow]) -> list[dict[str, Any]]:
    """Unreadable rows first (file order), then tickets the engine skipped.

    >>> from itsm_core.sla import compliance_report
    >>> skipped_entries(compliance_report([]), [SkippedRow(3, "empty line")])
    [{'line': 3, 'reason': 'empty line'}]
    """
    return [*(row.to_dict() for row in rows), *report.to_dict()["skipped"]]


def summarise_skipped(entries: Sequence[dict[str, Any]], rows_seen: int | None) -> str:
    """A short human summary of *entries* for stderr ('' when nothing was skipped).

    >>> print(summarise_skipped([{"line": 5, "reason": "empty line"}], 10))
    skipped 1 of 10 rows that could not be read (see --format json for the full list):
      line 5: empty line
    >>> summarise_skipped([], 10)
    ''
    """
    lines = [e for e in entries if "line" in e]
    tickets = [e for e in entries if "line" not in e]
    out: list[str] = []
    if lines:
        of = f" of {rows_seen:,}" if rows_seen is not None else ""
        out.append(f"skipped {len(lines):,}{of} rows that could not be read "
                   "(see --format json for the full list):")
        out += [f"  line {e['line']}: {e['reason']}" for e in lines[:SHOWN]]
        if len(lines) > SHOWN:
            out.append(f"  ... and {len(lines) - SHOWN:,} more")
    if tickets:
        out.append(f"skipped {len(tickets):,} ticket evaluations the policy cannot decide:")
        out += [f"  {e['ticket']} ({e['definition']}): {e['reason']}" for e in tickets[:SHOWN]]
        if len(tickets) > SHOWN:
            out.append(f"  ... and {len(tickets) - SHOWN:,} more")
    return "\n".join(out)


def write_report(report: ComplianceReport, rows: Sequence[SkippedRow], fmt: str,
                 out: TextIO, err: TextIO, *, rows_seen: int | None = None) -> None:
    """Write *report* to *out* in *fmt* (``table``, ``json`` or ``csv``).

    >>> import io
    >>> from itsm_core.sla import compliance_report
    >>> out, err = io.StringIO(), io.StringIO()
    >>> write_report(compliance_report([], by=("definition",)), [SkippedRow(2, "empty line")],
    ...              "csv", out, err, rows_seen=1)
    >>> out.getvalue().splitlines()[0]
    'definition,total,met,breached,running,paused,cancelled,compliance,overdue,mean_elapsed,median_elapsed,p90_elapsed'
    >>> err.getvalue().splitlines()[0]
    'skipped 1 of 1 rows that could not be read (see --format json for the full list):'
    """
    entries = skipped_entries(report, rows)
    data = report.to_dict()["rows"]
    if fmt == "json":
        json.dump({"rows": data, "skipped": entries}, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    if fmt == "csv":
        columns = [*report.by, "total", "met", "breached", "running", "paused", "cancelled",
                   "compliance", "overdue", "mean_elapsed", "median_elapsed", "p90_elapsed"]
        writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
    else:
        out.write(report.to_text() + "\n")
    summary = summarise_skipped(entries, rows_seen)
    if summary:
        err.write(summary + "\n")

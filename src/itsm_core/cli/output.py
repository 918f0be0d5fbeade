"""Writing a compliance report as a table, JSON or CSV, with everything it leaves out.

Every format accounts for every ticket: besides the rows, a report says which tickets
were **not evaluated** by a definition that applies to them, per definition and reason
(``stopped before it started``, ``never started``, ``no target for priority '9 -
Unknown'``, ...; :meth:`~itsm_core.sla.compliance.ComplianceAccumulator.not_evaluated`),
and which rows could not be read.

- JSON is ``{"meta": {...}, "rows": [...], "not_evaluated": {"counts": [...], "tickets":
  [...]}, "skipped": [...]}``.  ``meta`` holds ``as_of``, ``rows_read``, ``tickets``,
  ``policy`` (the file name), ``notes`` and ``version`` (the library's).  Each row is the
  report row's plain data (group keys, ``total``, ``met``, ``breached``, ``running``,
  ``paused``, ``cancelled``, ``compliance`` as a float or ``null``, plus ``overdue`` and
  the elapsed statistics as ISO 8601 durations); each skipped entry is either an
  unreadable CSV row ``{"line", "reason"}`` or a ticket the engine could not evaluate
  ``{"definition", "ticket", "reason"}``.
- CSV is the rows, then ``#`` lines: ``# not_evaluated,DEFINITION,REASON,TICKETS`` per
  reason and ``# NAME,VALUE`` per metadata item (``pandas.read_csv(..., comment="#")``
  reads the rows alone).
- The table ends with a one-line footer when some tickets were not evaluated.

Table and CSV output put a summary of the skipped rows and tickets on stderr, after the
notes (how the export was read).

>>> import io
>>> from itsm_core.sla import compliance_report
>>> out, err = io.StringIO(), io.StringIO()
>>> write_report(compliance_report([], by=("definition",)), [], "json", out, err,
...              meta={"tickets": 0})
>>> print(out.getvalue())  # doctest: +ELLIPSIS
{
  "meta": {
    "tickets": 0,
    "version": "..."
  },
  "rows": [],
  "not_evaluated": {
    "counts": [],
    "tickets": []
  },
  "skipped": []
}
<BLANKLINE>
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TextIO

import attrs

from itsm_core.cli.csvread import SkippedRow
from itsm_core.cli.terminal import printable
from itsm_core.sla.compliance import ComplianceAccumulator, ComplianceReport, reason_kind

__all__ = ["FORMATS", "NotEvaluated", "library_version", "report_meta", "skipped_entries",
           "summarise_skipped", "write_report"]

FORMATS = ("table", "json", "csv")
SHOWN = 10  # skipped entries listed on stderr before "... and N more"


def library_version() -> str:
    """The installed ``itsm_core`` version (``"unknown"`` when not installed).

    >>> library_version() != ""
    True
    """
    try:
        return version("itsm_core")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def report_meta(*, as_of: datetime | None, rows: int | None, tickets: int,
                policy: str | None, notes: Sequence[str] = ()) -> dict[str, Any]:
    """A report's metadata: the evaluation instant, rows read, tickets, the policy's file
    name, the notes (how the export was read) and the library version.

    >>> meta = report_meta(as_of=None, rows=12, tickets=5, policy="/srv/sla/policy.json")
    >>> meta["policy"], meta["rows_read"], meta["as_of"]
    ('policy.json', 12, None)
    """
    return {"as_of": None if as_of is None else as_of.isoformat(), "rows_read": rows,
            "tickets": tickets, "policy": None if policy is None else os.path.basename(policy),
            "notes": list(notes), "version": library_version()}


@attrs.frozen(kw_only=True)
class NotEvaluated:
    """The tickets a definition applies to that got no cycle, and how many per reason.

    Attributes:
        counts: ``(definition, reason, tickets)``, by definition, most tickets first.
        tickets: ``(definition, ticket, reason)`` for each of them.

    >>> from datetime import datetime, timezone
    >>> from itsm_core.sla import SlaDefinition, TicketEvent
    >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
    ...                                "stop": {"state_in": ["Resolved"]}})
    >>> counted = ComplianceAccumulator()
    >>> counted.add(fix.evaluate([TicketEvent(datetime(2025, 1, 6, tzinfo=timezone.utc),
    ...                                       "Resolved")], ticket="INC3"))
    >>> print(NotEvaluated.of(counted))
    not evaluated: 1 ticket clock (fix: stopped before it started 1)
    """

    counts: tuple[tuple[str, str, int], ...]
    tickets: tuple[tuple[str, Any, str], ...]

    @classmethod
    def of(cls, counted: ComplianceAccumulator | ComplianceReport) -> NotEvaluated:
        """From an accumulator (skipped and unstarted outcomes) or from a report (its
        skipped outcomes only).

        >>> from itsm_core.sla import compliance_report
        >>> NotEvaluated.of(compliance_report([])).counts
        ()
        """
        if isinstance(counted, ComplianceAccumulator):
            return cls(counts=counted.not_evaluated_counts(), tickets=counted.not_evaluated())
        tickets = tuple((d, t, reason_kind(r)) for d, t, r in counted.skipped)
        tally = Counter((d, r) for d, _, r in tickets)
        counts = tuple(sorted(((d, r, n) for (d, r), n in tally.items()),
                              key=lambda item: (item[0], -item[2], item[1])))
        return cls(counts=counts, tickets=tickets)

    def to_dict(self) -> dict[str, Any]:
        """``{"counts": [{"definition", "reason", "tickets"}], "tickets": [{"definition",
        "ticket", "reason"}]}``.

        >>> NotEvaluated(counts=(("fix", "never started", 1),),
        ...              tickets=(("fix", "T1", "never started"),)).to_dict()["counts"]
        [{'definition': 'fix', 'reason': 'never started', 'tickets': 1}]
        """
        return {"counts": [{"definition": d, "reason": r, "tickets": n}
                           for d, r, n in self.counts],
                "tickets": [{"definition": d, "ticket": t, "reason": r}
                            for d, t, r in self.tickets]}

    def __str__(self) -> str:
        """The table's footer: one line ('' when every ticket was evaluated).

        >>> str(NotEvaluated(counts=(), tickets=()))
        ''
        """
        if not self.counts:
            return ""
        total = sum(n for _, _, n in self.counts)
        parts = "; ".join(f"{d}: {r} {n:,}" for d, r, n in self.counts)
        return (f"not evaluated: {total:,} ticket clock{'s' if total != 1 else ''} "
                f"({parts})")


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
                 out: TextIO, err: TextIO, *, rows_seen: int | None = None,
                 not_evaluated: NotEvaluated | None = None,
                 meta: Mapping[str, Any] | None = None) -> None:
    """Write *report* to *out* in *fmt* (``table``, ``json`` or ``csv``).

    Args:
        report: the rows (and the outcomes the engine skipped).
        rows: the unreadable rows.
        fmt: ``table``, ``json`` or ``csv``.
        out: the report.
        err: the notes in *meta* and, for table and CSV, the skipped summary.
        rows_seen: data rows read (for the summary).
        not_evaluated: the tickets not evaluated (default: the report's skipped ones).
        meta: the report's metadata (:func:`report_meta`); the version is always added.

    >>> import io
    >>> from itsm_core.sla import compliance_report
    >>> out, err = io.StringIO(), io.StringIO()
    >>> write_report(compliance_report([], by=("definition",)), [SkippedRow(2, "empty line")],
    ...              "csv", out, err, rows_seen=1, meta={"tickets": 0})
    >>> print(out.getvalue())  # doctest: +ELLIPSIS
    definition,total,met,breached,running,paused,cancelled,compliance,overdue,mean_elapsed,median_elapsed,p90_elapsed
    # tickets,0
    # version,...
    <BLANKLINE>
    >>> err.getvalue().splitlines()[0]
    'skipped 1 of 1 rows that could not be read (see --format json for the full list):'
    """
    missing = NotEvaluated.of(report) if not_evaluated is None else not_evaluated
    info = {**(meta or {}), "version": library_version()}
    for note in info.get("notes") or ():
        err.write(f"{printable(str(note))}\n")
    entries = skipped_entries(report, rows)
    data = report.to_dict()["rows"]
    if fmt == "json":
        json.dump({"meta": info, "rows": data, "not_evaluated": missing.to_dict(),
                   "skipped": entries}, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    if fmt == "csv":
        columns = [*report.by, "total", "met", "breached", "running", "paused", "cancelled",
                   "compliance", "overdue", "mean_elapsed", "median_elapsed", "p90_elapsed"]
        writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
        lines = csv.writer(out, lineterminator="\n")
        lines.writerows(["# not_evaluated", d, r, n] for d, r, n in missing.counts)
        lines.writerows([f"# {name}", "; ".join(value) if isinstance(value, list) else value]
                        for name, value in info.items() if value not in (None, []))
    else:
        out.write(report.to_text() + "\n")
        footer = str(missing)
        if footer:
            out.write(footer + "\n")
    summary = summarise_skipped(entries, rows_seen)
    if summary:  # it echoes ticket ids and reasons: one inert line each
        err.write("\n".join(printable(line) for line in summary.split("\n")) + "\n")

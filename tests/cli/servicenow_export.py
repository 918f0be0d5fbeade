"""Write a CSV shaped like a ServiceNow incident audit export, for tests and the benchmark.

The shape is that of the public "Incident management process enriched event log"
(UCI Machine Learning Repository, Amaral et al., 2018; 141,712 rows, 36 columns, one row
per update): naive local times ``D/M/YYYY HH:MM``, missing values written ``?``, priorities
like ``3 - Moderate``.  The lifecycle comes from :func:`itsm_core.demo.generate_incident_log`; on top,
some updates are recorded twice (same minute, same state, ``sys_mod_count`` + 1, as the
real log does), a few states are ``-100`` (as in the real log), and a deterministic
sprinkling of unreadable rows: impossible dates, text in the date column, short rows.
Nothing here is shipped data: the file is generated into a temporary directory.
"""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TextIO

import attrs

from itsm_core.demo import generate_incident_log
from itsm_core.demo.generator import LONDON

HEADER = ["number", "incident_state", "active", "reassignment_count", "reopen_count",
          "sys_mod_count", "made_sla", "caller_id", "opened_by", "opened_at", "sys_created_by",
          "sys_created_at", "sys_updated_by", "sys_updated_at", "contact_type", "location",
          "category", "subcategory", "u_symptom", "cmdb_ci", "impact", "urgency", "priority",
          "assignment_group", "assigned_to", "knowledge", "u_priority_confirmation", "notify",
          "problem_id", "rfc", "vendor", "caused_by", "closed_code", "resolved_by",
          "resolved_at", "closed_at"]
_IMPACT = {"1 - Critical": ("1 - High", "1 - High"), "2 - High": ("1 - High", "2 - Medium"),
           "3 - Moderate": ("2 - Medium", "2 - Medium"), "4 - Low": ("3 - Low", "2 - Medium")}
BAD_DATE_EVERY = 997     # an impossible date (31/2) or text in sys_updated_at
SHORT_ROW_EVERY = 1_499  # a row cut short
DUPLICATE_EVERY = 9      # an update recorded twice in the same minute


@attrs.frozen(kw_only=True)
class ExportInfo:
    """What was written: row count, tickets, and the line numbers of unreadable rows."""

    rows: int
    tickets: int
    bad_lines: tuple[int, ...]
    good_rows: int


def _when(at: datetime, us: bool = False) -> str:
    d = at.astimezone(LONDON).replace(tzinfo=None)
    if us:  # ServiceNow's US form: 02/29/2016 01:23:00 AM
        return d.strftime("%m/%d/%Y %I:%M:%S %p")
    return f"{d.day}/{d.month}/{d.year} {d.hour:02d}:{d.minute:02d}"


def write_export(out: TextIO, *, rows: int = 120_000, seed: int = 2016,
                 noise: bool = True, us_dates: bool = False) -> ExportInfo:
    """Write at least *rows* data rows (whole tickets) to *out*; return what was written.

    With ``noise=False`` there are no unreadable rows and no ``-100`` states (duplicated
    updates stay: they must not change any result).  With ``us_dates`` every time is in
    ServiceNow's US form ``02/29/2016 01:23:00 AM`` (month first, 12-hour clock), and the
    impossible dates of the noise are ``02/31/2016 10:00:00 AM``.
    """
    def when(at: datetime) -> str:
        return _when(at, us_dates)

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    tickets = generate_incident_log(tickets=rows // 6 + 1, seed=seed)
    written = 0
    bad: list[int] = []
    used = 0
    for t_index, ticket in enumerate(tickets):
        if written >= rows:
            break
        used += 1
        opened = when(ticket.updates[0].at)
        resolved = next((when(u.at) for u in ticket.updates if u.state == "Resolved"), "?")
        closed = next((when(u.at) for u in ticket.updates if u.state == "Closed"), "?")
        groups: list[str] = []
        reopens = 0
        mods = 0
        for u_index, update in enumerate(ticket.updates):
            fields = dict(update.fields)
            if fields["assignment_group"] not in groups:
                groups.append(fields["assignment_group"])
            if update.state == "Active" and u_index > 0 and \
                    ticket.updates[u_index - 1].state == "Resolved":
                reopens += 1
            impact, urgency = _IMPACT[update.priority]
            state = "-100" if noise and (t_index * 7 + u_index + 1) % 1_201 == 0 else update.state
            copies = 2 if (t_index + u_index) % DUPLICATE_EVERY == 0 else 1
            for _ in range(copies):
                written += 1
                line = written + 1
                row = [
                    ticket.number, state, "false" if update.state in ("Closed", "Cancelled")
                    else "true", str(len(groups) - 1), str(reopens), str(mods),
                    "true" if t_index % 3 else "false", f"Caller {t_index % 5_000}",
                    f"Opened by {t_index % 200}", opened,
                    "?" if t_index % 4 == 0 else f"Created by {t_index % 150}",
                    "?" if t_index % 4 == 0 else opened, f"Updated by {u_index % 900}",
                    when(update.at), fields["contact_type"], f"Location {t_index % 224}",
                    fields["category"], "?" if u_index % 5 == 0 else "Subcategory 174",
                    "?" if t_index % 10 == 0 else f"Symptom {t_index % 500}", "?",
                    impact, urgency, update.priority, fields["assignment_group"],
                    "?" if update.state == "New" else f"Resolver {t_index % 230}",
                    "false", "false", "Do Not Notify", "?", "?", "?", "?",
                    "code 5" if resolved != "?" else "?",
                    f"Resolved by {t_index % 216}" if resolved != "?" else "?",
                    resolved, closed]
                if noise and written % BAD_DATE_EVERY == 0:
                    impossible = "02/31/2016 10:00:00 AM" if us_dates else "31/2/2016 10:00"
                    row[13] = impossible if written % 2 else "unknown"
                    bad.append(line)
                elif noise and written % SHORT_ROW_EVERY == 0:
                    row = row[:7]
                    bad.append(line)
                writer.writerow(row)
                mods += 1
    return ExportInfo(rows=written, tickets=used, bad_lines=tuple(bad),
                      good_rows=written - len(bad))

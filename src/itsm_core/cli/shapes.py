"""Ticket tables: one row per ticket, read as the ticket's events.

Most tools' list views export one row per ticket with the times of its steps (ServiceNow
``opened_at`` / ``resolved_at`` / ``closed_at``, Jira Service Management ``Created`` /
``Resolved``, Zendesk ``Created at`` / ``Solved at`` ...).  ``sla-report --shape table``
turns each row into the events of its ticket, in this order, one per filled time cell:

========== ============== =============================================
role       event state    meaning
========== ============== =============================================
opened     ``New``        the ticket was opened (required column)
responded  ``In Progress`` the first response (optional column)
resolved   ``Resolved``   the ticket was resolved
closed     ``Closed``     the ticket was closed (optional column)
========== ============== =============================================

A missing cell means the step did not happen.  The table needs an ``opened`` column and a
``resolved`` or ``closed`` column.  Every other column (the current status included)
stays a ticket field, on every event of the ticket.  So a policy written for ServiceNow
states (response stops on leaving ``New``, resolution stops on ``Resolved`` / ``Closed``)
reads a table and the equivalent audit log alike.

>>> import csv
>>> rows = csv.reader(["id,priority,opened,resolved\\n",
...                    "T1,P1,2016-03-01T09:00Z,2016-03-01T11:00Z\\n"])
>>> table = TableReader(rows, {}, frozenset({""}))
>>> next(table), table.log_spec["at"]
(['id', 'priority', 'event_time', 'event_state'], 'event_time')
>>> list(table)
[['T1', 'P1', '2016-03-01T09:00Z', 'New'], ['T1', 'P1', '2016-03-01T11:00Z', 'Resolved']]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from itsm_core.cli.columns import header_listing
from itsm_core.errors import ConfigError, shown

__all__ = ["SHAPES", "TABLE_ROLES", "TABLE_STATES", "TableReader", "choose_shape",
           "split_column_spec"]

#: The values of ``--shape``.
SHAPES = ("auto", "log", "table")
#: The time columns of a ticket table, in the order their events are replayed.
TABLE_ROLES = ("opened", "responded", "resolved", "closed")
#: The state of the event each time column gives.
TABLE_STATES = {"opened": "New", "responded": "In Progress", "resolved": "Resolved",
                "closed": "Closed"}

_LOG_ROLES = ("at", "state")
_SPEC_FORM = ("ROLE=COLUMN pairs separated by commas, roles among ticket, at, state, "
              "priority (event logs) or ticket, priority, opened, responded, resolved, "
              "closed (ticket tables)")
# tried in order, case-insensitively, when a role is not mapped explicitly
_CANDIDATES: dict[str, tuple[str, ...]] = {
    "ticket": ("ticket", "number", "ticket_id", "ticket id", "id", "key", "issue_key",
               "issue key", "ticket#"),
    "priority": ("priority",),
    "opened": ("opened", "opened_at", "created", "created_at", "created at", "created date",
               "creation date", "opening date", "sys_created_on"),
    "responded": ("responded", "responded_at", "first_response_at", "first response",
                  "first response time", "first responded at"),
    "resolved": ("resolved", "resolved_at", "resolved at", "resolved date", "resolution date",
                 "solved", "solved_at", "solved at"),
    "closed": ("closed", "closed_at", "closed at", "closed date", "close date", "close time"),
}
_SCAN_LIMIT = 1_000_000  # rows looked at to decide the shape


def split_column_spec(text: str | None) -> tuple[str | None, dict[str, str]]:
    """Split ``--columns`` text into the event-log pairs (text, for
    :func:`itsm_core.cli.columns.parse_column_spec`) and the ticket-table time roles.

    Raises:
        ConfigError: a table role is malformed or repeated.

    >>> split_column_spec("ticket=Id, opened=Created at,resolved=Solved at")
    ('ticket=Id', {'opened': 'Created at', 'resolved': 'Solved at'})
    >>> split_column_spec(None)
    (None, {})
    """
    if not isinstance(text, str) or not text:
        return text, {}
    rest: list[str] = []
    table: dict[str, str] = {}
    for pair in text.split(","):
        role, sep, column = (part.strip() for part in pair.partition("="))
        if role not in TABLE_ROLES:
            rest.append(pair.strip())
            continue
        if not sep or not column:
            raise ConfigError("--columns", f"cannot read {shown(pair.strip())}", _SPEC_FORM)
        if role in table:
            raise ConfigError("--columns", f"role {shown(role)} is mapped twice", _SPEC_FORM)
        table[role] = column
    return ",".join(p for p in rest if p), table


def _find(header: Sequence[str], role: str, spec: dict[str, str],
          taken: set[int]) -> int | None:
    if role in spec:
        names = [name.strip() for name in header]
        if spec[role] not in names:
            raise ConfigError(f"--columns {role}", f"no column {shown(spec[role])} in the header",
                              f"one of the header's columns: {header_listing(names)}")
        return names.index(spec[role])
    lowered: dict[str, int] = {}
    for index, name in enumerate(header):
        lowered.setdefault(name.strip().lower(), index)
    for candidate in _CANDIDATES[role]:
        place = lowered.get(candidate)
        if place is not None and place not in taken:
            return place
    return None


def _table_columns(header: Sequence[str], spec: dict[str, str]) -> dict[str, int] | None:
    """Role -> column index, or ``None`` when the header has no opened column or neither
    a resolved nor a closed column."""
    found: dict[str, int] = {}
    for role in ("ticket", "priority", *TABLE_ROLES):
        place = _find(header, role, spec, set(found.values()))
        if place is not None:
            found[role] = place
    if "ticket" not in found or "opened" not in found or not (
            "resolved" in found or "closed" in found):
        return None
    return found


def choose_shape(text: str, delimiter: str, requested: str, spec: dict[str, str],
                 log_spec: dict[str, str]) -> str:
    """``log`` or ``table``: *requested* unless it is ``auto``; then ``table`` when the
    header has ticket, opened-like and resolved- or closed-like columns (or the roles
    given in *spec*) and either no ticket id repeats or there is no event-log time column
    (nor an ``at`` in *log_spec*); ``log`` otherwise.

    >>> choose_shape("Id,Created at,Solved at\\n1,x,y\\n2,x,y\\n", ",", "auto", {}, {})
    'table'
    >>> choose_shape("number,opened_at,resolved_at,sys_updated_at\\nI1,x,,a\\nI1,x,y,b\\n",
    ...              ",", "auto", {}, {})
    'log'
    """
    if requested != "auto":
        return requested
    if "at" in log_spec or "state" in log_spec:
        return "log"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            return "log"
        try:
            found = _table_columns(header, spec)
        except ConfigError:
            return "table" if spec else "log"  # the table path reports the missing column
        if found is None:
            return "log"
        lowered = {name.strip().lower() for name in header}
        if not lowered & {"at", "timestamp", "time", "sys_updated_at", "sys_updated_on",
                          "updated_at", "updated", "changed_at"}:
            return "table"
        seen: set[str] = set()
        index = found["ticket"]
        for count, row in enumerate(reader):
            if count >= _SCAN_LIMIT:
                break
            if len(row) != len(header):
                continue
            ticket = row[index].strip()
            if ticket in seen:
                return "log"
            seen.add(ticket)
    except csv.Error:
        return "log"  # the reading itself reports the problem
    return "table" if seen else "log"


def _unique(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    return name


class TableReader:
    """A ``csv.reader`` over a ticket table that yields an event log: its header, then
    each table row's events (:data:`TABLE_STATES`), so that
    :func:`itsm_core.cli.csvread.collect_rows` reads a table as it reads a log.

    The log header is the table's, with the ``opened`` column named ``event_time`` (the
    event's time) and the ``resolved`` (else ``closed``) column named ``event_state``;
    each event row is its table row with those two cells replaced, so the log has the
    table's width and a row with the wrong number of fields is reported as it is.
    ``line_num`` follows the table: every event of a row carries the row's line.

    Raises:
        ConfigError: the table has no opened or no resolved/closed column, the
            ``csv`` module cannot read the header, or the file is empty.

    >>> rows = csv.reader(["Id,Created,Resolved\\n", "7,2016-03-01T09:00Z,\\n"])
    >>> table = TableReader(rows, {}, frozenset({""}))
    >>> _ = next(table)
    >>> next(table), table.line_num
    (['7', '2016-03-01T09:00Z', 'New'], 2)
    """

    def __init__(self, reader: Iterator[list[str]], spec: dict[str, str],
                 missing: frozenset[str]) -> None:
        self._reader = reader
        self._missing = missing
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise ConfigError("EVENTS.csv", f"line {self._source_line()}: cannot read the "
                              f"CSV ({str(exc)[:200]})", "CSV text with a header line") from None
        if header is None:
            raise ConfigError("header", "the file is empty", "a first line naming the columns")
        found = _table_columns(header, spec)
        if found is None:
            tried = "; ".join(f"{role}: {', '.join(_CANDIDATES[role])}"
                              for role in ("ticket", "opened", "resolved"))
            raise ConfigError("--shape table", "no ticket, opened or resolved/closed column "
                              f"(tried {tried})", "--columns ticket=COLUMN,opened=COLUMN,"
                              "resolved=COLUMN, among the header's columns: "
                              + header_listing([h.strip() for h in header]))
        names = [name.strip() for name in header]
        taken = set(names)
        self._at = found["opened"]
        self._state = found.get("resolved", found.get("closed", -1))
        self._times = tuple((found[role], TABLE_STATES[role]) for role in TABLE_ROLES
                            if role in found)
        self._width = len(header)
        at_name = _unique("event_time", taken)
        state_name = _unique("event_state", taken | {at_name})
        names[self._at], names[self._state] = at_name, state_name
        self._header: list[str] | None = names
        self.log_spec = {"ticket": names[found["ticket"]], "at": at_name, "state": state_name}
        if "priority" in found:
            self.log_spec["priority"] = names[found["priority"]]
        self.line_num = getattr(reader, "line_num", 0)
        self._events = self._generate()

    def _source_line(self) -> int:
        return int(getattr(self._reader, "line_num", 0))

    def __iter__(self) -> TableReader:
        return self

    def __next__(self) -> list[str]:
        if self._header is not None:
            header, self._header = self._header, None
            self.line_num = self._source_line()
            return header
        return next(self._events)

    def _generate(self) -> Iterator[list[str]]:
        before = self.line_num  # the line before the current table row
        for row in self._reader:
            end = self._source_line()
            if len(row) != self._width:
                self.line_num = end
                yield row
                before = end
                continue
            events = [(row[index], state) for index, state in self._times
                      if row[index].strip() not in self._missing]
            if not events:  # no step at all: one row with no time, skipped as such
                events = [("", TABLE_STATES["opened"])]
            for number, (at, state) in enumerate(events, 1):
                event = list(row)
                event[self._at], event[self._state] = at, state
                self.line_num = end if number == len(events) else before
                yield event
            before = end

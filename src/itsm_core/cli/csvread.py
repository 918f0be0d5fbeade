"""Read an event-log CSV into per-ticket histories, accounting for every row.

One row is one update of one ticket (a ServiceNow audit export, a Jira changelog, ...).
A row that cannot be read (too few or too many fields, no ticket id, no state, a time
that is missing or unreadable) is *skipped*: kept out of the evaluation and reported with
its line number and the reason.  Nothing is dropped silently and nothing else is lost:
every other column becomes a ticket field, with the missing markers (``""`` and ``?`` by
default) read as ``None``.  Rows keep their file order within a ticket, so events with
equal timestamps replay in file order.

>>> import io
>>> from datetime import timezone
>>> from itsm_core.cli.columns import ColumnMap
>>> from itsm_core.cli.timeparse import make_time_parser
>>> text = "number,incident_state,sys_updated_at,category\\n" \\
...        "INC1,New,29/2/2016 01:16,?\\n" \\
...        "INC1,Active,not a date,Network\\n" \\
...        "INC1,Resolved,29/2/2016 09:00,Network\\n"
>>> log = read_event_log(io.StringIO(text), make_time_parser(None, timezone.utc), spec={})
>>> [(at.hour, state, fields) for at, state, _, fields in log.tickets["INC1"]]
[(1, 'New', {'category': None}), (9, 'Resolved', {'category': 'Network'})]
>>> log.skipped
(SkippedRow(line=3, reason="column 'sys_updated_at': cannot read 'not a date' as a time; expected ISO 8601 (2016-02-29T01:16:00Z) or D/M/YYYY HH:MM[:SS] (29/2/2016 01:16)"),)
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from itsm_core.cli.columns import ColumnMap
from itsm_core.cli.timeparse import TimeParser
from itsm_core.errors import ConfigError, InvalidArgumentError, NaiveDatetimeError, shown

__all__ = ["DEFAULT_MISSING", "EventLog", "FlatRows", "RawRow", "Record", "RowLog",
           "SkippedRow", "collect_rows", "parse_rows", "raw_rows", "read_event_log",
           "read_header"]

DEFAULT_MISSING = frozenset({"", "?"})

if TYPE_CHECKING:  # pragma: no cover - typing only
    from _csv import Reader as CsvReader

# (at, state, priority, fields): one update of one ticket
Record = tuple[datetime, str, str | None, dict[str, str | None]]
# (line, time text, state, priority, *kept field values): a row before its time is read
RawRow = tuple[Any, ...]
# a ticket's raw rows one after the other in one flat list (``RowLog.rows_of`` cuts them):
# one list per ticket instead of a tuple per row keeps the garbage collector's work small
FlatRows = list[Any]
# (at, state, priority, kept field values): a row with its time read
Parsed = tuple[datetime, str, str | None, tuple[str | None, ...]]

PROGRESS_EVERY = 10_000


@attrs.frozen
class SkippedRow:
    """A row left out of the evaluation: its first physical line number and why.

    >>> SkippedRow(7, "row has 3 fields; the header has 36").to_dict()
    {'line': 7, 'reason': 'row has 3 fields; the header has 36'}
    """

    line: int
    reason: str

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON output.

        >>> SkippedRow(2, "empty line").to_dict()["line"]
        2
        """
        return {"line": self.line, "reason": self.reason}


@attrs.frozen(kw_only=True)
class EventLog:
    """What a CSV held: per-ticket records in file order, the skipped rows, the counts.

    Attributes:
        tickets: ticket id -> its records, tickets in order of first appearance.
        skipped: the rows that could not be read, in file order.
        rows: the number of data rows seen (read + skipped).
        columns: the resolved column mapping.

    >>> import io
    >>> from datetime import timezone
    >>> from itsm_core.cli.timeparse import make_time_parser
    >>> log = read_event_log(io.StringIO("ticket,at,state\\n"), make_time_parser(None, None), spec={})
    >>> (log.rows, len(log.tickets), log.skipped)
    (0, 0, ())
    """

    tickets: dict[str, list[Record]]
    skipped: tuple[SkippedRow, ...]
    rows: int
    columns: ColumnMap




@attrs.frozen(kw_only=True)
class RowLog:
    """The rows of a CSV grouped by ticket, their times not read yet (the cheap first step).

    Attributes:
        tickets: ticket id -> its rows in file order, flat (:meth:`rows_of` gives them
            as :data:`RawRow` tuples); tickets in order of first appearance.
        skipped: the rows that could not be read for another reason than their time.
        rows: the number of data rows seen.
        columns: the resolved column mapping.
        fields: the names of the kept field columns (the values' order in a row).

    >>> import csv
    >>> cols = read_header(csv.reader(["ticket,at,state,group\\n"]), {})
    >>> log = collect_rows(csv.reader(["T1,2016-03-01T09:00Z,New,N\\n", ",,,\\n"]), columns=cols)
    >>> list(log.rows_of("T1")), log.skipped, log.fields
    ([(2, '2016-03-01T09:00Z', 'New', None, 'N')], (SkippedRow(line=3, reason="no ticket id in column 'ticket'"),), ('group',))
    """

    tickets: dict[str, FlatRows]
    skipped: tuple[SkippedRow, ...]
    rows: int
    columns: ColumnMap
    fields: tuple[str, ...]

    def rows_of(self, ticket: str) -> Iterator[RawRow]:
        """The rows of *ticket*, each a :data:`RawRow` tuple.

        >>> import csv
        >>> cols = read_header(csv.reader(["ticket,at,state\\n"]), {})
        >>> log = collect_rows(csv.reader(["T1,9:00,New\\n", "T1,10:00,Active\\n"]), columns=cols)
        >>> list(log.rows_of("T1"))
        [(2, '9:00', 'New', None), (3, '10:00', 'Active', None)]
        """
        return raw_rows(self.tickets[ticket], len(self.fields))


def raw_rows(flat: FlatRows, fields: int) -> Iterator[RawRow]:
    """Cut a ticket's flat rows into :data:`RawRow` tuples (*fields*: kept field values
    per row).

    >>> list(raw_rows([2, "9:00", "New", None, "N", 3, "9:30", "Active", None, None], 1))
    [(2, '9:00', 'New', None, 'N'), (3, '9:30', 'Active', None, None)]
    """
    items = iter(flat)
    return zip(*[items] * (4 + fields), strict=True)  # the same iterator, 4 + fields a row


def read_event_log(
    lines: Iterable[str],
    parse_time: TimeParser,
    *,
    spec: dict[str, str],
    missing: frozenset[str] = DEFAULT_MISSING,
    keep: Collection[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> EventLog:
    """Read CSV *lines* (header first) into an :class:`EventLog`: :func:`collect_rows`,
    then :func:`parse_rows` on each ticket.

    Args:
        lines: the file's lines (an open text file, ``newline=""``).
        parse_time: from :func:`~itsm_core.cli.timeparse.make_time_parser`.
        spec: the ``--columns`` mapping, role -> column name.
        missing: cell values that mean "no value".
        keep: the other columns to carry as ticket fields (default: all of them).
        progress: called with the number of rows read every 10,000 rows.

    Raises:
        ConfigError: the header is missing or a role has no column.
        NaiveDatetimeError: a timestamp is naive and the parser has no zone; the message
            names the first such line and the column.

    >>> import io
    >>> from itsm_core.cli.timeparse import make_time_parser
    >>> read_event_log(io.StringIO(""), make_time_parser(None, None), spec={})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: header: the file is empty; expected a first line naming the columns
    """
    reader = csv.reader(lines)
    log = collect_rows(reader, columns=read_header(reader, spec), missing=missing, keep=keep,
                       progress=progress)
    at_name = log.columns.names["at"]
    skipped = list(log.skipped)
    tickets: dict[str, list[Record]] = {}
    naive: list[tuple[int, str]] = []
    for ticket in log.tickets:
        parsed, error = parse_rows(log.rows_of(ticket), parse_time, at_name, skipped)
        if error is not None:
            naive.append(error)
        elif parsed:
            tickets[ticket] = [(at, state, priority, dict(zip(log.fields, values, strict=True)))
                               for at, state, priority, values in parsed]
    if naive:
        raise NaiveDatetimeError(min(naive)[1])
    return EventLog(tickets=tickets, skipped=tuple(sorted(skipped, key=_line)), rows=log.rows,
                    columns=log.columns)


def _line(row: SkippedRow) -> int:
    return row.line


def read_header(reader: CsvReader, spec: dict[str, str]) -> ColumnMap:
    """Read the header row from a ``csv.reader`` and resolve the columns.

    Raises:
        ConfigError: the file is empty, the CSV module cannot read the header (see
            :func:`collect_rows`), two columns share a name, or a role has no column.

    >>> import csv
    >>> read_header(csv.reader(["number,incident_state,sys_updated_at\\n"]), {}).names["at"]
    'sys_updated_at'
    """
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise _unreadable(reader.line_num, exc) from None
    if header is None:
        raise ConfigError("header", "the file is empty", "a first line naming the columns")
    return ColumnMap.resolve(header, spec)


def collect_rows(
    reader: CsvReader,
    *,
    columns: ColumnMap,
    missing: frozenset[str] = DEFAULT_MISSING,
    keep: Collection[str] | None = None,
    progress: Callable[[int], None] | None = None,
    watch: Callable[[dict[str, FlatRows]], None] | None = None,
    watch_every: int = PROGRESS_EVERY,
) -> RowLog:
    """Group the data rows of a ``csv.reader`` (after the header) by ticket, as they come.

    A row with the wrong number of fields, or no ticket id, state or time, is skipped
    here; reading the times is left to :func:`parse_rows` (the costly part, which can run
    in another process on whole tickets).

    Raises:
        ConfigError: the ``csv`` module cannot read a row (a field longer than
            ``csv.field_size_limit()``); the message names the line.

    Args:
        reader: a ``csv.reader``; its ``line_num`` gives the line numbers.
        columns: the resolved columns (:func:`read_header`).
        missing: cell values that mean "no value".
        keep: the other columns to carry as ticket fields (default: all of them).
        progress: called with the number of rows read every 10,000 rows.
        watch: called with the tickets read so far every *watch_every* rows.  It may
            start on the tickets that look complete and take them out of the dict (to
            keep memory bounded); a ticket taken out whose rows come again is put back
            at the end of the dict, with its new rows only (the watch sees it there).
        watch_every: rows between two calls of *watch* (default 10,000).

    >>> import csv
    >>> cols = read_header(csv.reader(["ticket,at,state\\n"]), {})
    >>> collect_rows(csv.reader(["T1,,Active\\n"]), columns=cols).skipped
    (SkippedRow(line=2, reason="no time in column 'at'"),)
    """
    cols = columns
    i_ticket, i_at, i_state, i_priority = cols.ticket, cols.at, cols.state, cols.priority
    kept = cols.kept(keep)
    places = tuple(i for _, i in kept)
    width = cols.width
    at_name = cols.names["at"]
    tickets: dict[str, FlatRows] = {}
    skipped: list[SkippedRow] = []
    rows = 0
    offset = 1 - reader.line_num  # the reader has read the header: file line = offset + line_num
    line = reader.line_num + offset + 1
    # the next row count at which progress or watch is due (one comparison a row)
    due_progress = PROGRESS_EVERY if progress is not None else -1
    due_watch = watch_every if watch is not None else -1
    due = _next_due(due_progress, due_watch)
    try:
        for row in reader:
            rows += 1
            if rows == due:
                if rows == due_progress and progress is not None:
                    progress(rows)
                    due_progress += PROGRESS_EVERY
                if rows == due_watch and watch is not None:
                    watch(tickets)
                    due_watch += watch_every
                due = _next_due(due_progress, due_watch)
            start, line = line, offset + reader.line_num + 1
            if len(row) != width:
                reason = (f"row has {len(row)} fields; the header has {width}" if row
                          else "empty line")
                skipped.append(SkippedRow(start, reason))
                continue
            ticket = row[i_ticket].strip()
            state = row[i_state].strip()
            at_text = row[i_at]
            if ticket in missing:
                skipped.append(SkippedRow(start, f"no ticket id in column {shown(cols.names['ticket'])}"))
                continue
            if state in missing:
                skipped.append(SkippedRow(start, f"no state in column {shown(cols.names['state'])}"))
                continue
            if at_text.strip() in missing:
                skipped.append(SkippedRow(start, f"no time in column {shown(at_name)}"))
                continue
            priority = None if i_priority is None else row[i_priority].strip()
            if priority in missing:
                priority = None
            history = tickets.get(ticket)
            if history is None:
                history = tickets[ticket] = []
            if places:
                history += (start, at_text, state, priority,
                            *[None if row[i] in missing else row[i] for i in places])
            else:  # no field kept (the policy reads none): no list a row
                history += (start, at_text, state, priority)
    except csv.Error as exc:
        raise _unreadable(offset + reader.line_num, exc) from None
    return RowLog(tickets=tickets, skipped=tuple(skipped), rows=rows, columns=cols,
                  fields=tuple(name for name, _ in kept))


def _next_due(*dues: int) -> int:
    """The least of the row counts due (``-1``: never), or ``-1`` when none is."""
    return min((due for due in dues if due > 0), default=-1)


def _unreadable(line: int, exc: csv.Error) -> ConfigError:
    """What the ``csv`` module could not read (a field over ``csv.field_size_limit()``)."""
    return ConfigError("EVENTS.csv", f"line {line}: cannot read the CSV "
                                     f"({str(exc)[:200]})", "CSV text with a header line")


def parse_rows(rows: Iterable[RawRow], parse_time: TimeParser, at_name: str,
               skipped: list[SkippedRow]) -> tuple[list[Parsed], tuple[int, str] | None]:
    """Read the times of one ticket's *rows*; a row whose time cannot be read is appended
    to *skipped* (with its line) and left out.

    Returns:
        The rows with their times, and ``None``; or, at the first naive time when the
        parser has no zone, what was read so far and ``(line, message)`` for the
        ``NaiveDatetimeError`` the caller raises (the first in the file wins).

    >>> from itsm_core.cli.timeparse import make_time_parser
    >>> skipped = []
    >>> rows = [(2, "2016-03-01T09:00Z", "New", None), (3, "31/2/2016 09:00", "Active", None)]
    >>> parsed, naive = parse_rows(rows, make_time_parser(None, None), "at", skipped)
    >>> [(at.hour, state) for at, state, _, _ in parsed], skipped[0].line, naive
    ([(9, 'New')], 3, None)
    >>> parse_rows([(4, "2016-03-01 09:00", "New", None)], make_time_parser(None, None),
    ...            "at", skipped)[1]
    (4, "line 4, column 'at': ...")
    """
    out: list[Parsed] = []
    for row in rows:
        line, text, state, priority = row[:4]
        try:
            at = parse_time(text)
        except NaiveDatetimeError as exc:
            return out, (line, f"line {line}, column {shown(at_name)}: {exc}")
        except InvalidArgumentError as exc:
            skipped.append(SkippedRow(line, f"column {shown(at_name)}: {exc}"))
            continue
        out.append((at, state, priority, row[4:]))
    return out, None

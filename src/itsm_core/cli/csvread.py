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
from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from itsm_core.cli.columns import ColumnMap
from itsm_core.cli.timeparse import TimeParser
from itsm_core.errors import ConfigError, InvalidArgumentError, NaiveDatetimeError

__all__ = ["DEFAULT_MISSING", "EventLog", "Record", "SkippedRow", "read_event_log", "read_header",
           "read_rows"]

DEFAULT_MISSING = frozenset({"", "?"})

if TYPE_CHECKING:  # pragma: no cover - typing only
    from _csv import Reader as CsvReader

# (at, state, priority, fields): one update of one ticket
Record = tuple[datetime, str, str | None, dict[str, str | None]]

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


def read_event_log(
    lines: Iterable[str],
    parse_time: TimeParser,
    *,
    spec: dict[str, str],
    missing: frozenset[str] = DEFAULT_MISSING,
    keep: Collection[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> EventLog:
    """Read CSV *lines* (header first) into an :class:`EventLog`.

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
            names the line and the column.

    >>> import io
    >>> from itsm_core.cli.timeparse import make_time_parser
    >>> read_event_log(io.StringIO(""), make_time_parser(None, None), spec={})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: header: the file is empty; expected a first line naming the columns
    """
    reader = csv.reader(lines)
    return read_rows(reader, parse_time, columns=read_header(reader, spec), missing=missing,
                     keep=keep, progress=progress)


def read_header(reader: CsvReader, spec: dict[str, str]) -> ColumnMap:
    """Read the header row from a ``csv.reader`` and resolve the columns.

    Raises:
        ConfigError: the file is empty, or a role has no column.

    >>> import csv
    >>> read_header(csv.reader(["number,incident_state,sys_updated_at\\n"]), {}).names["at"]
    'sys_updated_at'
    """
    header = next(reader, None)
    if header is None:
        raise ConfigError("header", "the file is empty", "a first line naming the columns")
    return ColumnMap.resolve(header, spec)


def read_rows(
    reader: CsvReader,
    parse_time: TimeParser,
    *,
    columns: ColumnMap,
    first_line: int | None = None,
    missing: frozenset[str] = DEFAULT_MISSING,
    keep: Collection[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> EventLog:
    """Read the data rows of a ``csv.reader`` (after the header) into an :class:`EventLog`.

    Args:
        reader: a ``csv.reader``; its ``line_num`` gives the line numbers.
        columns: the resolved columns (:func:`read_header`).
        first_line: the file's line number of the reader's first line (default: the line
            after those the reader has read), for a reader over a stretch of the file.
        Others: as in :func:`read_event_log`.

    >>> import csv
    >>> from itsm_core.cli.timeparse import make_time_parser
    >>> cols = read_header(csv.reader(["ticket,at,state\\n"]), {})
    >>> log = read_rows(csv.reader(["T1,2016-03-01T09:00Z,New\\n", "T1,,Active\\n"]),
    ...                 make_time_parser(None, None), columns=cols, first_line=41)
    >>> list(log.tickets), log.skipped
    (['T1'], (SkippedRow(line=42, reason="no time in column 'at'"),))
    """
    cols = columns
    i_ticket, i_at, i_state, i_priority = cols.ticket, cols.at, cols.state, cols.priority
    fields = cols.fields if keep is None else tuple(f for f in cols.fields if f[0] in keep)
    width = cols.width
    at_name = cols.names["at"]
    tickets: dict[str, list[Record]] = {}
    skipped: list[SkippedRow] = []
    rows = 0
    read = reader.line_num
    offset = 0 if first_line is None else first_line - 1 - read  # file line = offset + line_num
    line = offset + read + 1
    for row in reader:
        rows += 1
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress(rows)
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
            skipped.append(SkippedRow(start, f"no ticket id in column {cols.names['ticket']!r}"))
            continue
        if state in missing:
            skipped.append(SkippedRow(start, f"no state in column {cols.names['state']!r}"))
            continue
        if at_text.strip() in missing:
            skipped.append(SkippedRow(start, f"no time in column {at_name!r}"))
            continue
        try:
            at = parse_time(at_text)
        except NaiveDatetimeError as exc:
            raise NaiveDatetimeError(f"line {start}, column {at_name!r}: {exc}") from None
        except InvalidArgumentError as exc:
            skipped.append(SkippedRow(start, f"column {at_name!r}: {exc}"))
            continue
        priority = None if i_priority is None else row[i_priority].strip()
        if priority in missing:
            priority = None
        record_fields = {name: (None if row[i] in missing else row[i]) for name, i in fields}
        history = tickets.get(ticket)
        if history is None:
            tickets[ticket] = [(at, state, priority, record_fields)]
        else:
            history.append((at, state, priority, record_fields))
    return EventLog(tickets=tickets, skipped=tuple(skipped), rows=rows, columns=cols)

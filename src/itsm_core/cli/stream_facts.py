"""What the whole time column says, kept while the rows themselves are let go.

``sla-report`` folds an export's tickets into the report as it reads them and drops their
rows (:mod:`itsm_core.cli.stream`), yet three facts are about the whole column: the date
order of slash dates (decided from every value, :func:`~itsm_core.cli.scan.decide_order`),
the first naive time, and whether the column can run a clock at all
(:func:`~itsm_core.cli.scan.constant_time_note`).  Each of them depends only on a few
*marks*: the first row of each date kind, the first naive row in each order, and one
ticket showing that times vary (or, failing that, one with several rows all at one time).
:func:`marks_of` picks a chunk's marks; :func:`column_log` puts the marks of every chunk
in a small :class:`~itsm_core.cli.csvread.RowLog` on which the scan's own functions give
the answers (and the error messages) they give on the whole export.

>>> from itsm_core.cli.columns import ColumnMap
>>> columns = ColumnMap.resolve(["ticket", "at", "state"], {})
>>> chunk = [("T1", [2, "25/3/2016 09:00", "New", None, 3, "26/3/2016 09:00", "Done", None])]
>>> marks = marks_of(chunk, 0, None, None, DateKinds())
>>> log = column_log([marks], columns)
>>> from itsm_core.cli.scan import column_notes, decide_order
>>> decide_order(log, None, None), column_notes(log)
('day-first', ())
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import tzinfo

from itsm_core.cli.columns import ColumnMap
from itsm_core.cli.csvread import FlatRows, RawRow, RowLog, parse_rows, raw_rows
from itsm_core.cli.slashdates import DateKinds
from itsm_core.cli.timeparse import DAY_FIRST, ORDERS, make_time_parser

__all__ = ["Marks", "column_log", "marks_of"]

# The marking rows (line, time text, state, priority), each a real row of the export: the
# single rows, then one ticket's two rows that show whether its times vary (or none).
Mark = tuple[int, str, str, str | None]
Marks = tuple[list[Mark], list[Mark]]


def _mark(row: RawRow) -> Mark:
    return (row[0], row[1], row[2], row[3])


def marks_of(chunk: Sequence[tuple[str, FlatRows]], kept: int, time_format: str | None,
             tz: tzinfo | None, seen: DateKinds) -> Marks:
    """The rows of *chunk* (``(ticket, flat rows)``, *kept* field values a row) that stand
    for it in the column's facts; *seen* keeps each time text's date kind.

    >>> marks_of([("T1", [2, "2016-03-01T09:00Z", "New", None])], 0, None, None, DateKinds())
    ([(2, '2016-03-01T09:00Z', 'New', None)], [])
    """
    stride = 4 + kept
    first: dict[str | None, Mark] = {}
    varied: list[RawRow] = []
    constant: list[RawRow] = []
    for _, flat in chunk:
        for index in range(0, len(flat), stride):
            text = flat[index + 1]
            kind = seen[text]
            found = first.get(kind)
            if found is None or flat[index] < found[0]:
                first[kind] = (flat[index], text, flat[index + 2], flat[index + 3])
        if len(flat) > stride and not varied:
            times = flat[1::stride]
            if len(set(times)) > 1:
                rows = list(raw_rows(flat, kept))
                varied = [rows[0], next(r for r in rows if r[1] != times[0])]
            elif not constant:
                constant = list(raw_rows(flat, kept))[:2]
    marks = list(first.values())
    if tz is None:
        for order in ORDERS if time_format is None else (DAY_FIRST,):
            parse_time = make_time_parser(time_format, tz, order=order)
            naive = [naive_at for _, flat in chunk
                     if (naive_at := parse_rows(raw_rows(flat, kept), parse_time, "", [])[1])]
            if naive:
                line = min(naive)[0]
                marks += (_mark(row) for _, flat in chunk for row in raw_rows(flat, kept)
                          if row[0] == line)
    return marks, [_mark(row) for row in (varied or constant)]


def column_log(marks: Iterable[Marks], columns: ColumnMap) -> RowLog:
    """The marks of every chunk as one small log: :func:`~itsm_core.cli.scan.decide_order`,
    :func:`~itsm_core.cli.scan.raise_first_naive_time` and
    :func:`~itsm_core.cli.scan.column_notes` give on it what they give on the whole export.

    Each chunk's pair of marks stays a ticket of its own (so that the column's note sees
    it as it was); the other marks are one-row tickets.

    >>> from itsm_core.cli.columns import ColumnMap
    >>> columns = ColumnMap.resolve(["ticket", "at", "state"], {})
    >>> same = [(2, "2016-03-01T09:00Z", "New", None), (3, "2016-03-01T09:00Z", "Done", None)]
    >>> from itsm_core.cli.scan import column_notes
    >>> column_notes(column_log([([], same)], columns))[0][:40]
    "warning: column 'at' holds one time on e"
    """
    tickets: dict[str, FlatRows] = {}
    for number, (singles, pair) in enumerate(marks):
        for index, row in enumerate(singles):
            tickets[f"{number}:{index}"] = list(row)
        if pair:
            tickets[f"{number}:pair"] = [*pair[0], *pair[1]]
    return RowLog(tickets=tickets, skipped=(), rows=0, columns=columns, fields=())

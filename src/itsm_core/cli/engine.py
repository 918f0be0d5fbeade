"""Which engine evaluates ``sla-report``: the pure-Python path or the columnar path.

``sla-report --engine auto|pure|columnar`` (default ``auto``).  The columnar path
(:mod:`itsm_core.cli.columnar`, the ``columnar`` extra: numpy and pyarrow) gives the
report the pure path gives, byte for byte, on the inputs it supports; ``auto`` takes it
when all of these hold, and the pure path otherwise:

- numpy and pyarrow import;
- the policy is one it evaluates (:func:`~itsm_core.cli.columnar.columnar_support`) and
  no ``--time-format``, ``--source`` or ``--cycles`` is given;
- the export is an event log (``--shape log``, or ``auto`` deciding so), in UTF-8 (a file,
  standard input or gzip data), with no value spanning lines and an unquoted header;
- with no ``--tz``, every time carries its UTC offset (a naive time is reported by the
  pure path, which names its line).

``--engine columnar`` on an input it does not support is a usage error naming the reason.
Every input error the pure path reports (a missing file, a repeated or missing column, an
unknown ``--by`` key, a date order that cannot be decided, nothing evaluated) is reported
the same way, with the same message.

>>> import argparse
>>> from itsm_core.cli.policyfile import load_demo_policy
>>> args = argparse.Namespace(engine="pure")
>>> columnar_report(args, load_demo_policy(), tz=None, as_of=None) is None
True
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any, TextIO

from itsm_core.cli.columnar import columnar_support, run_columns
from itsm_core.cli.columnar_read import Columns, read_columns
from itsm_core.cli.columnar_source import BAD_GZIP, NOT_UTF8, UNREADABLE
from itsm_core.cli.columnar_times import date_kinds, instants_us, slash_match
from itsm_core.cli.columns import ColumnMap, parse_column_spec
from itsm_core.cli.csvread import PROGRESS_EVERY, RowLog
from itsm_core.cli.evaluate import group_keys
from itsm_core.cli.jobs import ExportResult
from itsm_core.cli.scan import check_evaluated, column_notes, decide_order
from itsm_core.cli.shapes import TABLE_STATES, choose_shape, split_column_spec
from itsm_core.cli.source import (
    HEAD_CHARS,
    STDIN,
    open_events,
    parse_delimiter,
    sniff_delimiter,
)
from itsm_core.cli.timeparse import DAY_FIRST
from itsm_core.errors import ConfigError
from itsm_core.sla.policy import SlaPolicy

__all__ = ["ENGINES", "columnar_available", "columnar_report"]

#: The ``--engine`` choices.
ENGINES = ("auto", "pure", "columnar")

_BUILTIN_KEYS = ("definition", "priority", "ticket", "stage")
_INPUT_ERRORS = (NOT_UTF8, BAD_GZIP, UNREADABLE)  # reported by the pure path
_UTF8 = frozenset({"utf-8", "utf-8-sig"})


def columnar_available() -> bool:
    """Whether the columnar extra (numpy and pyarrow) can be imported.

    >>> isinstance(columnar_available(), bool)
    True
    """
    try:
        import numpy  # noqa: F401, PLC0415 - optional dependency
        import pyarrow.csv  # type: ignore[import-untyped]  # noqa: F401, PLC0415 - optional dependency
    except ImportError:  # pragma: no cover - the extra is installed where tests run
        return False
    return True


class _Unsupported(Exception):
    """The columnar path cannot give the pure path's report here (the message says why)."""


def columnar_report(args: argparse.Namespace, policy: SlaPolicy, *, tz: tzinfo | None,
                    as_of: datetime | None,
                    progress: Callable[[int], Callable[[int], None] | None] | None = None,
                    err: TextIO | None = None) -> ExportResult | None:
    """The ``sla-report`` result on the columnar path, or ``None`` to use the pure path.

    Args:
        args: the parsed ``sla-report`` options (``engine``, ``events``, ``columns``,
            ``shape``, ``source``, ``time_format``, ``missing``, ``encoding``,
            ``delimiter``, ``by``, ``period``, ``jobs``, ``cycles``).
        policy: the loaded policy.
        tz: the ``--tz`` zone; as_of: the ``--as-of`` instant.
        progress: given the export's size in bytes, the progress display to call with
            the rows read every 10,000 rows (or ``None``: none), as the pure path does;
            err: where the display is cleared when the rows are read.

    Raises:
        ConfigError: ``--engine columnar`` and the input is not supported (the reason), or
            an input error, with the pure path's message.

    >>> import argparse
    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> args = argparse.Namespace(engine="columnar", cycles="c.csv")
    >>> columnar_report(args, load_demo_policy(), tz=None, as_of=None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --engine: the columnar engine cannot evaluate this report: --cycles is given; expected --engine auto or --engine pure
    """
    if args.engine == "pure":
        return None
    try:
        return _columnar(args, policy, tz, as_of, _Display(progress, err))
    except _Unsupported as exc:
        if args.engine == "columnar":
            raise ConfigError("--engine", f"the columnar engine cannot evaluate this report: "
                              f"{exc}", "--engine auto or --engine pure") from None
        return None


def _require(reason: str | None) -> None:
    if reason is not None:
        raise _Unsupported(reason)


class _Display:
    """The pure path's progress display, shown once the rows are read."""

    def __init__(self, progress: Callable[[int], Callable[[int], None] | None] | None,
                 err: TextIO | None) -> None:
        self.progress, self.err = progress, err

    def show(self, size: int, rows: int) -> None:
        show = None if self.progress is None else self.progress(size)
        if show is None:
            return
        for count in range(PROGRESS_EVERY, rows + 1, PROGRESS_EVERY):
            show(count)
        if self.err is not None:
            self.err.write("\r" + " " * 40 + "\r")


def _columnar(args: argparse.Namespace, policy: SlaPolicy, tz: tzinfo | None,
              as_of: datetime | None, display: _Display) -> ExportResult:
    _require(None if columnar_available() else "numpy and pyarrow are not installed "
             "(pip install itsm_core[columnar])")
    _require("--cycles is given" if args.cycles is not None else None)
    _require("--source is given" if args.source is not None else None)
    _require(columnar_support(policy, time_format=args.time_format))
    _require("--shape table is given" if args.shape == "table" else None)
    # the pure reader's steps, in its order (so that its errors come first, as they are)
    log_text, table_spec = split_column_spec(args.columns)
    spec = parse_column_spec(log_text)
    delimiter = parse_delimiter(args.delimiter)
    _require("the columns name a ticket table's roles"
             if table_spec.keys() & set(TABLE_STATES) else None)
    # standard input cannot be read twice: the pure path reads it (when auto falls back)
    _require("the export is standard input" if args.events == STDIN else None)
    # the head (about a megabyte) as the pure path reads it, with its errors; the whole
    # file is read once, in blocks, by pyarrow (never held whole)
    source = open_events(args.events, io.StringIO(), args.encoding)
    prefix, size = source.head, source.size
    del source  # (closes the file)
    try:
        encoding = codecs.lookup(args.encoding).name
    except (LookupError, ValueError):
        encoding = ""
    if encoding not in _UTF8 and args.engine == "columnar":
        _pure_input_error(args)  # the pure path's decoding errors come first
    _require(None if encoding in _UTF8 else f"the encoding is {args.encoding}")
    if encoding == "utf-8" and prefix.startswith("\ufeff"):
        _require("a byte-order mark read as text (--encoding utf-8)")
    _require(None if "\n" in prefix or "\r" in prefix or len(prefix) < HEAD_CHARS
             else "the header line is over a megabyte")
    delimiter = delimiter or sniff_delimiter(prefix)
    table_spec = {**table_spec, **{r: c for r, c in spec.items() if r in ("ticket", "priority")}}
    shape = choose_shape(prefix, delimiter, args.shape, table_spec, spec)
    _require(None if shape == "log" else "the export is a ticket table")
    header = next(csv.reader(io.StringIO(prefix, newline=""), delimiter=delimiter), None)
    _require(None if header is not None else "the file is empty")
    assert header is not None
    columns = ColumnMap.resolve(header, spec)
    by = _keys(args.by, [name for name, _ in columns.fields])
    _require(None if args.jobs >= 1 else "--jobs is below 1")
    by, note = group_keys(policy, by)
    field_names = tuple(k for k in by if k not in _BUILTIN_KEYS)
    roles = dict(columns.names)
    missing = frozenset({"", *(m.strip() for m in args.missing.split(","))})
    read = read_columns(args.events, roles=roles, fields=field_names, delimiter=delimiter,
                        missing=missing)
    if read in _INPUT_ERRORS:
        _pure_input_error(args)
    _require(read if isinstance(read, str) else None)
    assert isinstance(read, Columns)
    display.show(size, read.rows)
    match = slash_match(read.times)
    order, notes = _column_facts(read, columns, tz, match)
    stamps, reasons, naive = instants_us(read.times, tz=tz, order=order or DAY_FIRST,
                                         at_name=columns.names["at"], match=match)
    _require("a naive time without --tz" if naive else None)
    found = run_columns(read, stamps, reasons, policy, tz=tz, order=order or DAY_FIRST,
                        as_of=as_of, by=by, period=args.period)
    result = ExportResult(accumulator=found.accumulator, skipped=found.skipped, rows=found.rows,
                          tickets=found.tickets, as_of=found.as_of,
                          notes=(*(() if note is None else (note,)), *notes), order=order)
    check_evaluated(result.tickets, result.accumulator, found.earliest, result.as_of)
    return result


def _pure_input_error(args: argparse.Namespace) -> None:
    """Read the export as the pure path does, to raise its error (naming the line) for
    data that is not in the encoding or not gzip data after all."""
    for _ in open_events(args.events, io.StringIO(), args.encoding).lines():
        pass


def _keys(text: str, known: list[str]) -> tuple[str, ...]:
    """The ``--by`` keys (an unknown or empty list: the pure path reports it)."""
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    allowed = frozenset((*_BUILTIN_KEYS, *known))
    _require(None if keys and all(k in allowed for k in keys) else "--by is not valid")
    return keys


def _column_facts(read: Columns, columns: ColumnMap, tz: tzinfo | None, match: Any,
                  ) -> tuple[str | None, tuple[str, ...]]:
    """The slash dates' order decided from the whole column and the column's notes, by
    the scan's own functions on the rows that mark them (:mod:`itsm_core.cli.stream_facts`).
    """
    import numpy as np  # noqa: PLC0415 - optional dependency
    kinds = date_kinds(read.times, match=match)
    row_kind = kinds[read.at]
    marks: list[tuple[int, str, str, str | None]] = []
    for kind in np.unique(row_kind).tolist():
        if kind == 0:
            continue
        first = int(np.flatnonzero(row_kind == kind)[0])
        marks.append(_mark(read, first))
    if marks and tz is None:
        raise _Unsupported("a naive time without --tz")
    tickets: dict[str, Any] = {f"0:{i}": list(m) for i, m in enumerate(marks)}
    pair = _constant_pair(read)
    if pair:
        tickets["0:pair"] = [*pair[0], *pair[1]]
    log = RowLog(tickets=tickets, skipped=(), rows=0, columns=columns, fields=())
    return decide_order(log, None, tz), column_notes(log)


def _mark(read: Columns, row: int) -> tuple[int, str, str, str | None]:
    return (int(read.line[row]), read.times[int(read.at[row])],
            read.states[int(read.state[row])], read.priorities[int(read.priority[row])])


def _constant_pair(read: Columns) -> list[tuple[int, str, str, str | None]]:
    """Two rows of one ticket with one time, when no ticket's times vary (the column
    cannot run a clock); else nothing."""
    import numpy as np  # noqa: PLC0415 - optional dependency
    if len(read.ticket) < 2:
        return []
    some = np.zeros(len(read.tickets) or 1, dtype=np.int64)
    some[read.ticket] = read.at  # one of the times of each ticket
    if (some[read.ticket] != read.at).any():  # a ticket whose times vary
        return []
    order = np.lexsort((read.at, read.ticket))
    tk, at = read.ticket[order], read.at[order]
    same_ticket = tk[1:] == tk[:-1]
    if (same_ticket & (at[1:] != at[:-1])).any() or not same_ticket.any():
        return []
    k = int(np.flatnonzero(same_ticket)[0])
    rows = sorted((int(order[k]), int(order[k + 1])))
    return [_mark(read, rows[0]), _mark(read, rows[1])]

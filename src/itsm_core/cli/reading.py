"""How ``sla-report`` and ``service-report`` read an export: the options they share and
the reader those options give.

:func:`add_event_options` declares the reading options (``--columns``, ``--shape``,
``--source``, ``--tz``, ``--time-format``, ``--as-of``, ``--missing``, ``--encoding``,
``--delimiter``); :func:`reading` turns the parsed options into the time format, the
missing marks and the export's rows (an event log as it is, a ticket table as events),
its header read; :func:`zone` and :func:`as_of_instant` read ``--tz`` and ``--as-of``.

>>> zone("Europe/London").key, as_of_instant("2016-03-01T09:00Z", None).isoformat()
('Europe/London', '2016-03-01T09:00:00+00:00')
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import datetime
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from itsm_core._instant import load_zone
from itsm_core.cli.columns import ColumnMap, parse_column_spec
from itsm_core.cli.csvread import DEFAULT_MISSING, read_header
from itsm_core.cli.presets import PRESETS, Preset
from itsm_core.cli.shapes import (
    SHAPES,
    TABLE_STATES,
    TableReader,
    choose_shape,
    split_column_spec,
)
from itsm_core.cli.source import open_events, parse_delimiter, sniff_delimiter
from itsm_core.cli.timeparse import make_time_parser
from itsm_core.errors import ConfigError, InvalidArgumentError, NaiveDatetimeError, shown

if TYPE_CHECKING:  # pragma: no cover - typing only
    from _csv import Reader as CsvReader

__all__ = ["add_event_options", "as_of_instant", "reading", "zone"]


def add_event_options(report: argparse.ArgumentParser) -> None:
    """Declare how an export is read: the options ``sla-report`` and ``service-report``
    share.

    >>> parser = argparse.ArgumentParser()
    >>> add_event_options(parser)
    >>> parser.parse_args(["--tz", "UTC"]).shape
    'auto'
    """
    report.add_argument("--columns", metavar="MAP",
                        help="role=column pairs, e.g. ticket=number,at=sys_updated_at,"
                             "state=incident_state,priority=priority; for a ticket table "
                             "ticket, priority, opened, responded, resolved, closed")
    report.add_argument("--shape", choices=SHAPES, default="auto",
                        help="log: one row per ticket update; table: one row per ticket "
                             "with opened/responded/resolved/closed times (default: auto, "
                             "a table when no ticket id repeats and opened and resolved "
                             "columns are found)")
    report.add_argument("--source", choices=sorted(PRESETS), metavar="TOOL",
                        help="read the export of a known tool: its columns, shape and date "
                             "format (" + ", ".join(sorted(PRESETS)) + ")")
    report.add_argument("--tz", metavar="ZONE",
                        help="IANA zone of naive timestamps (required if the export has any)")
    report.add_argument("--time-format", metavar="FMT",
                        help="strptime format, e.g. '%%d/%%m/%%Y %%H:%%M' (default: ISO 8601, "
                             "then D/M/YYYY HH:MM[:SS])")
    report.add_argument("--as-of", metavar="TIME",
                        help="evaluate at this ISO 8601 instant (default: the latest event)")
    report.add_argument("--missing", default=",".join(sorted(DEFAULT_MISSING - {""})),
                        metavar="MARKS", help="comma-separated cell values meaning 'no value', "
                                               "besides the empty cell (default: ?)")
    report.add_argument("--encoding", default="utf-8-sig", help="file encoding (default utf-8)")
    report.add_argument("--delimiter", metavar="CHAR",
                        help="the field separator: one character, or tab, comma, semicolon, "
                             "pipe (default: the most frequent of , ; tab | in the header)")


def zone(name: str | None) -> ZoneInfo | None:
    """The ``--tz`` zone (``None``: none given).

    Raises:
        ConfigError: *name* is not a known IANA zone.

    >>> zone("Mars/Olympus")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --tz: unknown time zone 'Mars/Olympus'; expected an IANA name such as Europe/London or UTC
    """
    if name is None:
        return None
    try:
        return load_zone(name, "--tz")
    except ConfigError as exc:
        raise ConfigError("--tz", f"unknown time zone {shown(name)}",
                          "an IANA name such as Europe/London or UTC") from exc


def as_of_instant(text: str | None, tz: ZoneInfo | None) -> datetime | None:
    """The ``--as-of`` instant (``None``: none given), a naive time read in *tz*.

    Raises:
        ConfigError: *text* is not a time, or is naive and there is no *tz*.

    >>> as_of_instant("1/3/2016 09:00", ZoneInfo("Europe/London")).isoformat()
    '2016-03-01T09:00:00+00:00'
    """
    if text is None:
        return None
    try:
        return make_time_parser(None, tz)(text)
    except (InvalidArgumentError, NaiveDatetimeError) as exc:
        raise ConfigError("--as-of", str(exc)) from None


def _reader(args: argparse.Namespace, preset: Preset | None, missing: frozenset[str],
            ) -> tuple[CsvReader, ColumnMap, int]:
    """The export's rows (a ticket table's as events), its header read (its rows are read
    as they are evaluated), and its size in bytes (``EventLines.size`` of
    :mod:`itsm_core.cli.source`; ``-1``: unknown).  The input is a stream: its head
    (about a megabyte) is read and decoded first, so that an input problem there is found
    before any row is read, and the delimiter and the shape are decided on it; a later
    problem is raised as its line is read."""
    log_text, table_spec = split_column_spec(args.columns)
    spec = parse_column_spec(log_text)  # a malformed option before a missing file
    if preset is not None:
        table_spec = {**{r: c for r, c in preset.columns.items() if r not in spec},
                      **table_spec}
    delimiter = parse_delimiter(args.delimiter)
    source = open_events(args.events, sys.stdin, args.encoding)
    delimiter = delimiter or sniff_delimiter(source.head)
    requested = args.shape
    if requested == "auto" and preset is not None:
        requested = preset.shape
    if requested == "auto" and table_spec.keys() & set(TABLE_STATES):
        requested = "table"
    reader = csv.reader(source.lines(), delimiter=delimiter)
    table_spec = {**table_spec, **{r: c for r, c in spec.items() if r in ("ticket", "priority")}}
    if choose_shape(source.head, delimiter, requested, table_spec, spec) == "log":
        if table_spec.keys() & set(TABLE_STATES):
            raise ConfigError("--columns", "the roles opened, responded, resolved and closed "
                              "are the columns of a ticket table", "--shape table, or the "
                              "roles ticket, at, state, priority for an event log")
        return reader, read_header(reader, {**_preset_log(preset), **spec}), source.size
    if spec.keys() & {"at", "state"}:
        raise ConfigError("--columns", "the roles at and state are the columns of an event "
                          "log; a ticket table has opened, responded, resolved and closed",
                          "--shape log, or the ticket table's roles")
    table = TableReader(reader, table_spec, missing)
    rows = cast("CsvReader", table)
    return rows, read_header(rows, table.log_spec), source.size


def _preset_log(preset: Preset | None) -> dict[str, str]:
    """A preset's roles that an event log has (ticket, priority) when it is read as one."""
    if preset is None:
        return {}
    return {r: c for r, c in preset.columns.items() if r in ("ticket", "priority")}


def reading(args: argparse.Namespace) -> tuple[str | None, frozenset[str],
                                              tuple[CsvReader, ColumnMap, int]]:
    """The time format, the missing marks and the export's rows, header and size in bytes
    for the parsed options (``events``, ``columns``, ``shape``, ``source``,
    ``time_format``, ``missing``, ``encoding``, ``delimiter``).

    Raises:
        ConfigError: a malformed option, a missing, unreadable or undecodable file, a
            missing or repeated column, roles of the other shape.

    >>> args = argparse.Namespace(events="no-such.csv", columns=None, shape="auto",
    ...                           source=None, time_format=None, missing="?",
    ...                           encoding="utf-8", delimiter=None)
    >>> reading(args)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: ...
    """
    preset = None if args.source is None else PRESETS[args.source]
    time_format = args.time_format
    if time_format is None and preset is not None:
        time_format = preset.time_format
    missing = frozenset({"", *(m.strip() for m in args.missing.split(","))})
    return time_format, missing, _reader(args, preset, missing)

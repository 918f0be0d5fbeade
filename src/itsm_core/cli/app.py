"""``python -m itsm_core``: argument parsing and the two commands, ``demo`` and ``sla-report``.

Exit codes: 0 the report was written (even if some rows were skipped: they are listed);
2 a usage or configuration error (bad option, unreadable or invalid policy, missing
column, unknown ``--tz``, naive timestamps without ``--tz``, missing events file);
1 any other failure (e.g. a calendar with no business time at all).

>>> main(["sla-report", "no-such-events.csv", "--policy", "no-such-policy.json"])
2
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from itsm_core._instant import load_zone
from itsm_core.cli.columns import ColumnMap, parse_column_spec
from itsm_core.cli.csvread import DEFAULT_MISSING, collect_rows, read_header
from itsm_core.cli.evaluate import fields_needed
from itsm_core.cli.jobs import ExportWork, evaluate_demo, evaluate_export, raise_first_naive_time
from itsm_core.cli.output import FORMATS, write_report
from itsm_core.cli.policyfile import load_demo_policy, load_policy
from itsm_core.cli.timeparse import make_time_parser
from itsm_core.demo.generator import AS_OF, LONDON, MAX_TICKETS, generate_incident_log
from itsm_core.errors import ConfigError, InvalidArgumentError, ItsmError, NaiveDatetimeError, shown
from itsm_core.sla.compliance import PERIODS

if TYPE_CHECKING:  # pragma: no cover - typing only
    from _csv import Reader as CsvReader

__all__ = ["main"]

_BUILTIN_KEYS = ("definition", "priority", "ticket", "stage")
PROGRESS_MIN_BYTES = 4_000_000  # show progress for files at least this large


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", default="definition,priority", metavar="KEYS",
                        help="grouping keys, comma-separated: definition, priority, ticket, "
                             "stage or any column (default: definition,priority)")
    parser.add_argument("--period", choices=PERIODS,
                        help="also group by the day/week/month/year each clock started")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="output format (default: table)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="evaluate tickets in N processes (default 1; same output)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="itsm-core", description="SLA compliance reports from ticket event logs.",
        epilog="Exit codes: 0 ok, 2 usage or configuration error, 1 other failure.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="report on a synthetic incident log (no input)",
                               description="Run the SLA report on a deterministic synthetic "
                                           "log of incidents and the packaged demo policy.")
    demo.add_argument("--tickets", type=int, default=3_000, help="tickets (default 3000)")
    demo.add_argument("--seed", type=int, default=2016, help="random seed (default 2016)")
    _common(demo)
    report = commands.add_parser(
        "sla-report", help="report on an event-log CSV export",
        description="Evaluate an SLA policy over a CSV event log (one row per ticket update).")
    report.add_argument("events", metavar="EVENTS.csv", help="the export, header first")
    report.add_argument("--policy", required=True, metavar="POLICY",
                        help="the SLA policy, a .json or .toml file")
    report.add_argument("--columns", metavar="MAP",
                        help="role=column pairs, e.g. ticket=number,at=sys_updated_at,"
                             "state=incident_state,priority=priority")
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
    _common(report)
    return parser


def _keys(text: str, known: Sequence[str]) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    allowed = (*_BUILTIN_KEYS, *known)
    for key in keys:
        if key not in allowed:
            raise ConfigError("--by", f"unknown key {shown(key)}",
                              f"comma-separated names among {', '.join(allowed)}")
    if not keys:
        raise ConfigError("--by", "no keys given", "e.g. --by definition,priority")
    return keys


def _zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return load_zone(name, "--tz")
    except ConfigError as exc:
        raise ConfigError("--tz", f"unknown time zone {shown(name)}",
                          "an IANA name such as Europe/London or UTC") from exc


def _progress(err: TextIO, path: str) -> Callable[[int], None] | None:
    try:
        large = os.path.getsize(path) >= PROGRESS_MIN_BYTES
    except OSError:
        large = False
    if not (large and err.isatty()):
        return None

    def show(rows: int) -> None:
        err.write(f"\rread {rows:,} rows...")
        err.flush()

    return show


def _text(args: argparse.Namespace) -> str:
    """The export, decoded in full (an encoding problem is found before any row is read)."""
    try:
        with open(args.events, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise ConfigError("EVENTS.csv", f"cannot read {shown(args.events)} ({exc.strerror or exc})",
                          "a CSV file with a header line") from None
    try:
        return data.decode(args.encoding)
    except UnicodeDecodeError as exc:
        raise ConfigError("EVENTS.csv", f"{shown(args.events)} is not {args.encoding} ({exc.reason})",
                          "--encoding NAME, e.g. --encoding cp1252") from None
    except LookupError:
        raise ConfigError("--encoding", f"unknown encoding {shown(args.encoding)}",
                          "a Python codec name such as utf-8 or cp1252") from None


def _reader(args: argparse.Namespace) -> tuple[CsvReader, ColumnMap]:
    """The export's rows, its header read (its rows are read as they are evaluated)."""
    spec = parse_column_spec(args.columns)  # a malformed --columns before a missing file
    reader = csv.reader(io.StringIO(_text(args), newline=""))
    return reader, read_header(reader, spec)


def _as_of(text: str | None, tz: ZoneInfo | None) -> datetime | None:
    if text is None:
        return None
    try:
        return make_time_parser(None, tz)(text)
    except (InvalidArgumentError, NaiveDatetimeError) as exc:
        raise ConfigError("--as-of", str(exc)) from None


def _check_jobs(jobs: int) -> int:
    """*jobs*, checked just before the evaluation (after the input's own errors)."""
    if jobs < 1:
        raise ConfigError("--jobs", f"{jobs} is below 1", "a number of processes >= 1")
    return jobs


def _sla_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policy = load_policy(args.policy)
    tz = _zone(args.tz)
    as_of = _as_of(args.as_of, tz)
    keep = fields_needed(policy, [k.strip() for k in args.by.split(",")])
    reader, columns = _reader(args)
    progress = _progress(err, args.events)
    collect = partial(collect_rows, reader, columns=columns, keep=keep, progress=progress,
                      missing=frozenset({"", *(m.strip() for m in args.missing.split(","))}))
    try:
        try:
            by = _keys(args.by, [name for name, _ in columns.fields])
            jobs = _check_jobs(args.jobs)
        except ConfigError:
            raise_first_naive_time(collect(watch=None), args.time_format, tz)  # file first
            raise
        work = ExportWork(policy=policy, time_format=args.time_format, tz=tz,
                          at_name=columns.names["at"],
                          fields=tuple(name for name, _ in columns.kept(keep)), by=by,
                          period=args.period)
        # Every ticket through every definition, in --jobs processes; tickets the engine
        # cannot evaluate are listed by the report as skipped.
        result = evaluate_export(collect, work, jobs=jobs, as_of=as_of)
    finally:
        if progress is not None:
            err.write("\r" + " " * 40 + "\r")
    if args.format == "table":
        when = "-" if result.as_of is None else result.as_of.isoformat()
        err.write(f"{result.tickets:,} tickets from {result.rows:,} rows of {args.events}, "
                  f"as of {when}\n")
    write_report(result.accumulator.report(), result.skipped, args.format, out, err,
                 rows_seen=result.rows)
    return 0


def _demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if not 0 <= args.tickets <= MAX_TICKETS:
        raise ConfigError("--tickets", f"count {args.tickets} out of range",
                          f"a count from 0 to {MAX_TICKETS:,}")
    policy = load_demo_policy()
    by = _keys(args.by, ["assignment_group", "category", "contact_type"])
    tickets = generate_incident_log(tickets=args.tickets, seed=args.seed)
    counted = evaluate_demo(policy, tickets, as_of=AS_OF, tz=LONDON, by=by, period=args.period,
                            jobs=_check_jobs(args.jobs))
    if args.format == "table":
        err.write(f"SLA compliance of {len(tickets):,} synthetic incidents (seed {args.seed}) "
                  f"as of {AS_OF.isoformat()} Europe/London, demo policy: response and "
                  "resolution on UK business hours with England's bank holidays\n")
    write_report(counted.report(), (), args.format, out, err)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 usage/config error, 1 other).

    Args:
        argv: the arguments after the program name (default: ``sys.argv[1:]``).

    >>> main(["demo", "--tickets", "20", "--by", "definition", "--format", "csv"])
    definition,total,met,breached,running,paused,cancelled,compliance,overdue,mean_elapsed,median_elapsed,p90_elapsed
    resolution,20,...
    response,20,...
    0
    """
    out, err = sys.stdout, sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 2
    command = _demo if args.command == "demo" else _sla_report
    try:
        return command(args, out, err)
    except (ConfigError, NaiveDatetimeError) as exc:
        err.write(f"itsm-core {args.command}: error: {exc}\n")
        return 2
    except ItsmError as exc:
        err.write(f"itsm-core {args.command}: error: {exc}\n")
        return 1

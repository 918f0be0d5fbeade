"""``python -m itsm_core``: argument parsing and the commands ``demo`` (the service report
of a synthetic provider; ``--compliance``: the SLA compliance report of a synthetic
incident log), ``sla-report`` and ``service-report``
(:mod:`itsm_core.cli.service_report`).

Exit codes: 0 the report was written (even if some rows were skipped: they are listed);
2 a usage or configuration error (bad option, unreadable or invalid policy, missing or
repeated column, unknown ``--tz``, naive timestamps without ``--tz``, a missing,
unreadable or corrupt events file, an ``--output`` file that cannot be written, a time
column whose date order cannot be decided, nothing evaluated);
1 any other failure (e.g. a calendar with no business time at all, a report the
terminal's encoding cannot show).

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
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from itsm_core import __version__
from itsm_core.cli.columns import header_listing
from itsm_core.cli.csvread import collect_rows
from itsm_core.cli.cycles import CycleLine, check_cycles_path, write_cycles
from itsm_core.cli.engine import ENGINES, columnar_report
from itsm_core.cli.evaluate import fields_needed, group_keys
from itsm_core.cli.jobs import ExportResult, ExportWork, evaluate_demo, evaluate_export
from itsm_core.cli.output import FORMATS, NotEvaluated, report_meta, write_report
from itsm_core.cli.policyfile import load_demo_policy, load_policy
from itsm_core.cli.reading import add_event_options, as_of_instant, reading, zone
from itsm_core.cli.scan import raise_first_naive_time
from itsm_core.cli.service_report import FORMATS as SERVICE_FORMATS
from itsm_core.cli.service_report import (
    add_arguments,
    demo_report,
    load_catalogue,
    load_outages,
    read_histories,
    run,
)
from itsm_core.cli.source import STDIN
from itsm_core.cli.terminal import HelpFormatter, Parser, printable
from itsm_core.demo.generator import AS_OF, LONDON, MAX_TICKETS, generate_incident_log
from itsm_core.errors import ConfigError, ItsmError, NaiveDatetimeError, shown
from itsm_core.sla.grouping import PERIODS
from itsm_core.sla.policy import SlaPolicy

__all__ = ["main"]

_BUILTIN_KEYS = ("definition", "priority", "ticket", "stage")
PROGRESS_MIN_BYTES = 4_000_000  # show progress for files at least this large
# csv's default field limit (131,072 characters) is below real work notes; the whole file
# is in memory anyway, so a field may be as long as the file (the largest C long on
# every platform).  See main().
_FIELD_LIMIT = 2**31 - 1
_CHUNK = 65_536  # characters per write of the report to standard output
_PROG = "itsm-core"  # the name when the invocation does not tell (python -c, a notebook)


def _prog() -> str:
    """The program's name as it was invoked: ``python -m itsm_core`` or the script's."""
    path = sys.argv[0] if sys.argv and isinstance(sys.argv[0], str) else ""
    name = os.path.basename(path)
    if name == "__main__.py":  # python -m PACKAGE runs PACKAGE/__main__.py
        return f"python -m {os.path.basename(os.path.dirname(path)) or 'itsm_core'}"
    return name if name and name not in ("-c", "-m") else _PROG


def _common(parser: argparse.ArgumentParser, formats: Sequence[str] = FORMATS) -> None:
    parser.add_argument("--by", default="definition,priority", metavar="KEYS",
                        help="grouping keys, comma-separated: definition, priority, ticket, "
                             "stage or any column (default: definition,priority)")
    parser.add_argument("--period", choices=PERIODS,
                        help="also group by the day/week/month/year each clock started")
    parser.add_argument("--format", choices=formats, default="table",
                        help="output format (default: table)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="evaluate tickets in N processes (default 1; same output)")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write the report to FILE (UTF-8) instead of standard output; "
                             "FILE is written only when the report is complete")
    parser.add_argument("--cycles", metavar="FILE",
                        help="also write one line per SLA cycle to FILE: CSV if it ends in "
                             ".csv, JSON lines if .jsonl; written when the report is")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="write nothing to standard error but errors (no progress, no "
                             "summary, no list of skipped rows)")


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = Parser(
        prog=prog, description="SLA compliance reports from ticket event logs.",
        epilog="Exit codes: 0 ok, 2 usage or configuration error, 1 other failure.",
        formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"itsm_core {__version__}",
                        help="show the library version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands_add = partial(commands.add_parser, formatter_class=HelpFormatter)
    demo = commands_add(
        "demo", help="the service report of a synthetic provider (no input)",
        description="The service report of a deterministic synthetic provider: three "
                    "customers with different SLAs, six months of incidents and outages "
                    "(--format text, json, markdown or html). With --compliance (implied "
                    "by --tickets, --by, --period, --jobs, --cycles, --format table or "
                    "csv): the SLA compliance report of a synthetic incident log.")
    demo.add_argument("--compliance", action="store_true",
                      help="the SLA compliance demo (the packaged demo policy)")
    demo.add_argument("--tickets", type=int, help="compliance: tickets (default 3000)")
    demo.add_argument("--seed", type=int, help="random seed (default 2025; compliance 2016)")
    demo.add_argument("--customer", metavar="NAME", help="service report: one customer only")
    _common(demo, (*FORMATS, *(f for f in SERVICE_FORMATS if f not in FORMATS)))
    demo.set_defaults(by=None, jobs=None, format=None)
    report = commands_add(
        "sla-report", help="report on an event-log CSV export",
        description="Evaluate an SLA policy over a CSV event log (one row per ticket update).")
    report.add_argument("events", metavar="EVENTS.csv",
                        help="the export, header first; '-' reads standard input; gzip "
                             "data is decompressed whatever the file is called")
    report.add_argument("--policy", required=True, metavar="POLICY",
                        help="the SLA policy, a .json or .toml file")
    add_event_options(report)
    _common(report)
    report.add_argument("--engine", choices=ENGINES, default="auto",
                        help="pure: the csv module and the core; columnar: pyarrow and numpy "
                             "(the columnar extra; same report, faster); auto (default): "
                             "columnar when installed and the policy and export allow it")
    service = commands_add(
        "service-report", help="service level report of a catalogue over an export",
        description="Attainment of a service catalogue's agreements over a CSV event log "
                    "(and outages): per customer and period, with trend, breaches, "
                    "workload, availability and credits.")
    service.add_argument("events", metavar="EVENTS.csv",
                         help="the export, as sla-report reads it; '-' reads standard input")
    add_arguments(service)
    add_event_options(service)
    return parser


def _keys(text: str, known: Sequence[str]) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    allowed = frozenset((*_BUILTIN_KEYS, *known))
    for key in keys:
        if key not in allowed:
            raise ConfigError("--by", f"unknown key {shown(key)}", "comma-separated names "
                              f"among {header_listing([*_BUILTIN_KEYS, *known])}")
    if not keys:
        raise ConfigError("--by", "no keys given", "e.g. --by definition,priority")
    return keys


def _progress(err: TextIO, size: int) -> Callable[[int], None] | None:
    """A progress display for an input of *size* bytes (``-1``: unknown, not short)."""
    if not ((size >= PROGRESS_MIN_BYTES or size < 0) and err.isatty()):
        return None

    def show(rows: int) -> None:
        err.write(f"\rread {rows:,} rows...")
        err.flush()

    return show


def _check_output(path: str | None) -> None:
    """Fail early on an ``--output`` that cannot be a file (the file is written last)."""
    if path is None or path == STDIN:
        return
    target = Path(path)
    if target.is_dir() or not target.parent.is_dir():
        raise ConfigError("--output", f"cannot write {shown(path)} (not a file in an existing "
                          "directory)", "a file path, or - for standard output")


def _emit(text: str, args: argparse.Namespace, out: TextIO) -> None:
    """Write the finished report to ``--output`` (whole, or not at all) or to *out*."""
    if args.output is None or args.output == STDIN:
        try:
            for start in range(0, len(text), _CHUNK):  # one huge write() to a pipe whose
                out.write(text[start:start + _CHUNK])  # reader left may not report it
        except UnicodeEncodeError as exc:
            raise ItsmError(f"the report holds {shown(exc.object[exc.start:exc.end])}, which "
                            f"standard output's encoding ({exc.encoding}) cannot write; use "
                            "--output FILE (UTF-8) or set PYTHONIOENCODING=utf-8") from None
        return
    try:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as exc:
        raise ConfigError("--output", f"cannot write {shown(args.output)} "
                          f"({exc.strerror or exc})", "a writable file path") from None


def _check_jobs(jobs: int) -> int:
    """*jobs*, checked just before the evaluation (after the input's own errors)."""
    if jobs < 1:
        raise ConfigError("--jobs", f"{jobs} is below 1", "a number of processes >= 1")
    return jobs


def _service_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    catalogue = load_catalogue(args.catalogue)
    tz = zone(args.tz)
    as_of = as_of_instant(args.as_of, tz)
    outages = () if args.outages is None else load_outages(args.outages, tz)
    _check_output(args.output)
    time_format, missing, (reader, columns, _) = reading(args)
    histories, skipped, rows = read_histories(reader, columns, missing=missing,
                                              time_format=time_format, tz=tz)
    if skipped:
        err.write(f"{len(skipped):,} of {rows:,} rows skipped, the first at line "
                  f"{skipped[0].line}: {printable(skipped[0].reason)}\n")
    _emit(run(catalogue, histories, outages, args, as_of=as_of,
              meta={"events": args.events, "catalogue": args.catalogue, "rows": rows,
                    "tickets": len(histories), "outages": len(outages),
                    "skipped": [s.to_dict() for s in skipped],
                    "as_of": None if as_of is None else as_of.isoformat()}), args, out)
    return 0


def _sla_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policy = load_policy(args.policy)
    tz = zone(args.tz)
    as_of = as_of_instant(args.as_of, tz)
    _check_output(args.output)
    check_cycles_path(args.cycles, args.output)
    result = columnar_report(args, policy, tz=tz, as_of=as_of,  # None: the pure path
                             progress=partial(_progress, err), err=err)
    if result is None:
        result = _pure_result(args, policy, tz, as_of, err)
    if args.format == "table":
        when = "-" if result.as_of is None else result.as_of.isoformat()
        name = "standard input" if args.events == STDIN else args.events
        err.write(f"{result.tickets:,} tickets from {result.rows:,} rows of {name}, "
                  f"as of {when}\n")
    text = io.StringIO()
    write_report(result.accumulator.report(), result.skipped, args.format, text, err,
                 rows_seen=result.rows, not_evaluated=NotEvaluated.of(result.accumulator),
                 meta=report_meta(as_of=result.as_of, rows=result.rows, tickets=result.tickets,
                                  policy=args.policy, notes=result.notes))
    _emit(text.getvalue(), args, out)
    if args.cycles is not None:
        write_cycles(args.cycles, result.cycles)
    return 0


def _pure_result(args: argparse.Namespace, policy: SlaPolicy, tz: ZoneInfo | None,
                 as_of: datetime | None, err: TextIO) -> ExportResult:
    """``sla-report``'s evaluation on the pure path (the csv module, ``--jobs`` processes)."""
    keep = fields_needed(policy, [k.strip() for k in args.by.split(",")])
    time_format, missing, (reader, columns, size) = reading(args)
    progress = _progress(err, size)
    collect = partial(collect_rows, reader, columns=columns, keep=keep, progress=progress,
                      missing=missing)
    try:
        try:
            by = _keys(args.by, [name for name, _ in columns.fields])
            jobs = _check_jobs(args.jobs)
        except ConfigError:
            raise_first_naive_time(collect(watch=None), time_format, tz)  # file first
            raise
        work = ExportWork(policy=policy, time_format=time_format, tz=tz,
                          at_name=columns.names["at"],
                          fields=tuple(name for name, _ in columns.kept(keep)), by=by,
                          period=args.period, cycles=args.cycles is not None)
        # Every ticket through every definition, in --jobs processes; tickets the engine
        # cannot evaluate are listed by the report as skipped.
        return evaluate_export(collect, work, jobs=jobs, as_of=as_of)
    finally:
        if progress is not None:
            err.write("\r" + " " * 40 + "\r")


def _demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    compliance = args.compliance or args.format in ("table", "csv") or any(
        getattr(args, key) is not None for key in ("tickets", "by", "jobs", "cycles", "period"))
    if not compliance:
        _check_output(args.output)
        _emit(demo_report(seed=2025 if args.seed is None else args.seed,
                          fmt=args.format or "text", customer=args.customer), args, out)
        return 0
    if args.format not in (None, *FORMATS) or args.customer is not None:
        option = "--customer" if args.customer is not None else "--format"
        raise ConfigError(option, f"{option} {shown(args.customer or args.format)} is an "
                          "option of the service demo, not of the compliance demo",
                          "no --compliance, --tickets, --by, --period, --jobs or --cycles")
    args.tickets = 3_000 if args.tickets is None else args.tickets
    args.seed = 2016 if args.seed is None else args.seed
    args.by = args.by or "definition,priority"
    args.jobs = 1 if args.jobs is None else args.jobs
    args.format = args.format or "table"
    if not 0 <= args.tickets <= MAX_TICKETS:
        raise ConfigError("--tickets", f"count {args.tickets} out of range",
                          f"a count from 0 to {MAX_TICKETS:,}")
    policy = load_demo_policy()
    by, note = group_keys(policy, _keys(args.by, ["assignment_group", "category",
                                                  "contact_type"]))
    _check_output(args.output)
    check_cycles_path(args.cycles, args.output)
    tickets = generate_incident_log(tickets=args.tickets, seed=args.seed)
    lines: list[CycleLine] | None = None if args.cycles is None else []
    counted = evaluate_demo(policy, tickets, as_of=AS_OF, tz=LONDON, by=by, period=args.period,
                            jobs=_check_jobs(args.jobs), cycles=lines)
    if args.format == "table":
        err.write(f"SLA compliance of {len(tickets):,} synthetic incidents (seed {args.seed}) "
                  f"as of {AS_OF.isoformat()} Europe/London, demo policy: response and "
                  "resolution on UK business hours with England's bank holidays\n")
    text = io.StringIO()
    write_report(counted.report(), (), args.format, text, err,
                 not_evaluated=NotEvaluated.of(counted),
                 meta=report_meta(as_of=AS_OF, rows=None, tickets=len(tickets),
                                  policy="demo policy", notes=() if note is None else (note,)))
    _emit(text.getvalue(), args, out)
    if lines is not None:
        write_cycles(args.cycles, lines)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 usage/config error, 1 other).

    Whatever the arguments and the input files hold, the result is an exit code and, when
    it is not 0, a message on standard error: never a traceback.  Being the process's
    front end, it raises ``csv.field_size_limit`` (a process-wide setting) so that fields
    of any length are read; the library itself never changes it.

    Args:
        argv: the arguments after the program name (default: ``sys.argv[1:]``).

    >>> main(["demo", "--tickets", "20", "--by", "definition", "--format", "csv"])
    definition,total,met,breached,running,paused,cancelled,compliance,overdue,mean_elapsed,median_elapsed,p90_elapsed
    resolution,20,...
    response,20,...
    0
    """
    out, err = sys.stdout, sys.stderr
    prog = _prog()
    try:
        args = _parser(prog).parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 2
    if csv.field_size_limit() < _FIELD_LIMIT:  # this process's CLI owns the setting
        csv.field_size_limit(_FIELD_LIMIT)
    command = {"demo": _demo, "sla-report": _sla_report,
               "service-report": _service_report}[args.command]
    try:
        return command(args, out, io.StringIO() if args.quiet else err)
    except (ConfigError, NaiveDatetimeError) as exc:
        err.write(f"{prog} {args.command}: error: {printable(str(exc))}\n")
        return 2
    except ItsmError as exc:
        err.write(f"{prog} {args.command}: error: {printable(str(exc))}\n")
        return 1

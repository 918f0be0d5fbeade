"""The continuity and KPI inputs of ``service-report``: exercise records and backup history
(CSV files) and the incident KPI settings (a JSON file).  A bad file is a
:class:`~itsm_core.errors.ConfigError` naming the option, the file, the line and the column.

>>> load_backups("no-such-backups.csv", None)
Traceback (most recent call last):
...
itsm_core.errors.ConfigError: --backups: cannot read 'no-such-backups.csv' (No such file or directory); expected a CSV file with the columns service, at[, ok]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Any

from itsm_core.calendar import BusinessCalendar
from itsm_core.cli.policyfile import load_config
from itsm_core.cli.timeparse import make_time_parser
from itsm_core.errors import ConfigError, InvalidArgumentError, NaiveDatetimeError, shown
from itsm_core.service.backups import BackupRun
from itsm_core.service.continuity import Exercise
from itsm_core.service.kpi_settings import KpiSettings
from itsm_core.service.outages import ServiceOutage

__all__ = ["load_backups", "load_exercises", "load_kpi_settings", "load_outages"]

_OUTAGE_COLUMNS = ("id", "service", "start", "end", "kind", "impact", "cause", "customer")

_EXERCISE_FORM = ("a CSV file with the columns service, disrupted_at, recovered_at, "
                  "restored_to[, resumed_at]")
_BACKUP_FORM = "a CSV file with the columns service, at[, ok]"
_KPI_FORM = ("a .json or .toml file holding KPI settings such as {'group_field': 'assignment_group', "
             "'buckets': ['P1D', 'P7D']}")
_TRUE = {"true", "yes", "1", "ok", "y"}
_FALSE = {"false", "no", "0", "failed", "n"}


def _read(option: str, path: str, form: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(option, f"cannot read {shown(path)} ({reason})", form) from None


def _rows(option: str, path: str, form: str, columns: tuple[str, ...],
          required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, {column: text})`` of every non-blank row, the header checked first."""
    reader = csv.reader(io.StringIO(_read(option, path, form), newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        unknown = [h for h in header if h not in columns]
        missing = [c for c in required if c not in header]
        if unknown or missing or len(set(header)) != len(header):
            problem = (f"unknown column {shown(unknown[0])}" if unknown
                       else f"no column {shown(missing[0])}" if missing
                       else "a repeated column")
            raise ConfigError(option, f"{shown(path)}: {problem}", form)
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise ConfigError(option, f"{shown(path)} line {line}: {len(row)} fields; the "
                                  f"header has {len(header)}", form)
            yield line, {k: v.strip() for k, v in zip(header, row, strict=True) if v.strip()}
    except csv.Error as exc:
        raise ConfigError(option, f"{shown(path)} line {reader.line_num}: not CSV ({exc})",
                          form) from None


def _instants(option: str, path: str, line: int, data: dict[str, Any], *,
              columns: tuple[str, ...], parse: Callable[[str], Any], form: str) -> None:
    for column in columns:
        if column in data:
            try:
                data[column] = parse(data[column]).isoformat()
            except (InvalidArgumentError, NaiveDatetimeError) as exc:
                raise ConfigError(option, f"{shown(path)} line {line}, column {column}: {exc}",
                                  form) from None


def load_exercises(path: str, tz: tzinfo | None) -> tuple[Exercise, ...]:
    """Read the exercise records at *path* (CSV: ``service, disrupted_at, recovered_at,
    restored_to`` and optionally ``resumed_at``; times ISO 8601, naive ones in *tz*).

    Raises:
        ConfigError: the file is unreadable, a column unknown or missing, or a row invalid
            (the message names the file, its line and the column).

    >>> load_exercises("no-such-exercises.csv", None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --exercises: cannot read 'no-such-exercises.csv' (No such file or directory); expected a CSV file with the columns service, disrupted_at, recovered_at, restored_to[, resumed_at]
    """
    times = ("disrupted_at", "recovered_at", "restored_to", "resumed_at")
    parse = make_time_parser(None, tz)
    out = []
    for line, data in _rows("--exercises", path, _EXERCISE_FORM, ("service", *times),
                            ("service", *times[:3])):
        _instants("--exercises", path, line, data, columns=times, parse=parse,
                  form=_EXERCISE_FORM)
        try:
            out.append(Exercise.from_dict(data))
        except ConfigError as exc:
            raise ConfigError("--exercises", f"{shown(path)} line {line}, column "
                              f"{exc.path or 'service'}: {exc.problem}",
                              exc.expected) from None
    return tuple(out)


def load_backups(path: str, tz: tzinfo | None) -> tuple[BackupRun, ...]:
    """Read the backup history at *path* (CSV: ``service, at`` and optionally ``ok``:
    true/false, yes/no, 1/0, ok/failed; empty means good).

    Raises:
        ConfigError: the file is unreadable, a column unknown or missing, or a row invalid
            (the message names the file, its line and the column).

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     name = os.path.join(folder, "b.csv")
    ...     _ = Path(name).write_text("service,at,ok\\nvpn,2025-05-01T02:00Z,maybe\\n")
    ...     load_backups(name, None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --backups: '...b.csv' line 2, column ok: expected true or false, got 'maybe'; expected a CSV file with the columns service, at[, ok]
    """
    parse = make_time_parser(None, tz)
    out = []
    for line, data in _rows("--backups", path, _BACKUP_FORM, ("service", "at", "ok"),
                            ("service", "at")):
        _instants("--backups", path, line, data, columns=("at",), parse=parse,
                  form=_BACKUP_FORM)
        ok = data.get("ok", "true").lower()
        if ok not in _TRUE | _FALSE:
            raise ConfigError("--backups", f"{shown(path)} line {line}, column ok: expected "
                              f"true or false, got {shown(data['ok'])}", _BACKUP_FORM)
        try:
            out.append(BackupRun.from_dict({**data, "ok": ok in _TRUE}))
        except ConfigError as exc:
            raise ConfigError("--backups", f"{shown(path)} line {line}, column "
                              f"{exc.path or 'service'}: {exc.problem}",
                              exc.expected) from None
    return tuple(out)


def load_kpi_settings(path: str,
                      calendars: Mapping[str, BusinessCalendar] | None = None) -> KpiSettings:
    """Read the incident KPI settings at *path* (JSON,
    :meth:`~itsm_core.service.kpi_settings.KpiSettings.from_dict`; a calendar may name one
    of *calendars*).

    Raises:
        ConfigError: the file is unreadable, not JSON or invalid settings (the message
            names the file and the path inside it).

    >>> load_kpi_settings("no-such-kpis.json")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --kpis: cannot read 'no-such-kpis.json' (No such file or directory); expected a .json or .toml file holding KPI settings such as {'group_field': 'assignment_group', 'buckets': ['P1D', 'P7D']}
    """
    return load_config(path, "--kpis",
                       lambda data: KpiSettings.from_dict(data, calendars=calendars), _KPI_FORM,
                       other="json")


def load_outages(path: str, tz: tzinfo | None) -> tuple[ServiceOutage, ...]:
    """Read the outages CSV at *path* (header first; times ISO 8601, naive ones in *tz*).

    Raises:
        ConfigError: the file is missing or unreadable, a column is unknown or missing, or
            a row is invalid (the message names its line).

    >>> load_outages("no-such-outages.csv", None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --outages: cannot read 'no-such-outages.csv' (No such file or directory); expected a CSV file with the columns id, service, start, end[, kind, impact, cause, customer]
    """
    form = "a CSV file with the columns id, service, start, end[, kind, impact, cause, customer]"
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError("--outages", f"cannot read {shown(path)} ({reason})", form) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    unknown = [h for h in header if h not in _OUTAGE_COLUMNS]
    missing = [c for c in ("id", "service", "start") if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        problem = (f"unknown column {shown(unknown[0])}" if unknown
                   else f"no column {shown(missing[0])}" if missing else "a repeated column")
        raise ConfigError("--outages", f"{shown(path)}: {problem}", form)
    parse = make_time_parser(None, tz)
    out = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ConfigError("--outages", f"line {line}: {len(row)} fields; the header has "
                              f"{len(header)}", form)
        data: dict[str, Any] = {k: v.strip() for k, v in zip(header, row, strict=True)
                                if v.strip()}
        try:
            for key in ("start", "end"):
                if key in data:
                    data[key] = parse(data[key]).isoformat()
            out.append(ServiceOutage.from_dict(data))
        except (ConfigError, InvalidArgumentError, NaiveDatetimeError) as exc:
            raise ConfigError("--outages", f"line {line}: {exc}", form) from None
    return tuple(out)

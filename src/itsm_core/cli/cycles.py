"""Per-cycle output (``--cycles FILE``): one line per SLA cycle the report counted.

A line holds the ticket, the definition, the stage, the instants the clock started, is
due, stopped and was breached (ISO 8601, in the zone of the cycle's calendar) and the
business time it ran and spent paused (ISO 8601 durations); an absent value is an empty
CSV cell or a JSON ``null``.  Lines are plain tuples of strings (cheap to send back from a
worker process); they are put in the export's ticket order, then the policy's definition
order, then cycle order, by :func:`in_file_order`.

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaDefinition, TicketEvent
>>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
...                                "stop": {"state_in": ["Resolved"]}})
>>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
>>> outcome = fix.evaluate([TicketEvent(at(9), "New"), TicketEvent(at(15), "Resolved")],
...                        ticket="INC1")
>>> dict(zip(COLUMNS, outcome_lines(outcome)[0]))  # doctest: +NORMALIZE_WHITESPACE
{'ticket': 'INC1', 'definition': 'fix', 'stage': 'breached',
 'started': '2025-01-06T09:00:00+00:00', 'due': '2025-01-06T13:00:00+00:00',
 'stopped': '2025-01-06T15:00:00+00:00', 'elapsed': 'PT6H', 'paused': 'PT0S',
 'breached_at': '2025-01-06T13:00:00+00:00'}
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from itsm_core._instant import format_duration
from itsm_core.errors import ConfigError, shown
from itsm_core.sla.outcome import SlaOutcome

__all__ = ["COLUMNS", "CycleLine", "FORMS", "check_cycles_path", "in_file_order",
           "outcome_lines", "write_cycles"]

COLUMNS = ("ticket", "definition", "stage", "started", "due", "stopped", "elapsed", "paused",
           "breached_at")
"""The fields of a line, in order (the CSV header, the JSON lines' keys)."""

FORMS = {".csv": "csv", ".jsonl": "jsonl"}
"""The file endings ``--cycles`` accepts and the form each one writes."""

CycleLine = tuple[str | None, ...]  # one value per COLUMNS entry; None: absent


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def outcome_lines(outcome: SlaOutcome) -> list[CycleLine]:
    """One line per cycle of *outcome*, in cycle order (none for an outcome with no cycle).

    >>> from datetime import datetime, timezone
    >>> from itsm_core.sla import SlaDefinition, TicketEvent
    >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H"})
    >>> opened = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New")
    >>> outcome_lines(fix.evaluate([opened], as_of=datetime(2025, 1, 6, 10, tzinfo=timezone.utc),
    ...                            ticket="T1"))
    [('T1', 'fix', 'running', '2025-01-06T09:00:00+00:00', '2025-01-06T13:00:00+00:00', None, 'PT1H', 'PT0S', None)]
    """
    ticket = None if outcome.ticket is None else str(outcome.ticket)
    return [(ticket, outcome.definition, cycle.stage.value, _iso(cycle.started_at),
             _iso(cycle.due_at), _iso(cycle.stopped_at), format_duration(cycle.elapsed),
             format_duration(cycle.paused_business), _iso(cycle.breached_at))
            for cycle in outcome.cycles]


def in_file_order(lines: Iterable[tuple[int, CycleLine]], tickets: Iterable[str],
                  ) -> list[CycleLine]:
    """*lines*, each with its definition's index in the policy, in the order of *tickets*
    (the export's first-row order), then of the definitions; a ticket's lines for one
    definition keep their order (the cycles').

    >>> lines = [(1, ("T2", "b")), (0, ("T2", "a")), (0, ("T1", "a", "1")), (0, ("T1", "a", "2"))]
    >>> in_file_order(lines, ["T1", "T2"])
    [('T1', 'a', '1'), ('T1', 'a', '2'), ('T2', 'a'), ('T2', 'b')]
    """
    position = {ticket: index for index, ticket in enumerate(tickets)}
    ordered = sorted(lines, key=lambda item: (position[str(item[1][0])], item[0]))
    return [line for _, line in ordered]


def check_cycles_path(path: str | None, output: str | None) -> None:
    """Fail early on a ``--cycles`` FILE that cannot be written (it is written last).

    >>> check_cycles_path("cycles.txt", None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --cycles: cannot tell the form of 'cycles.txt'; expected a file ending in .csv (CSV) or .jsonl (JSON lines), in an existing directory
    >>> check_cycles_path("cycles.csv", None)
    """
    if path is None:
        return
    expected = ("a file ending in .csv (CSV) or .jsonl (JSON lines), in an existing "
                "directory")
    target = Path(path)
    if path == "-":
        raise ConfigError("--cycles", "'-' (standard output holds the report)", expected)
    if target.suffix.lower() not in FORMS:
        raise ConfigError("--cycles", f"cannot tell the form of {shown(path)}", expected)
    if target.is_dir() or not target.parent.is_dir():
        raise ConfigError("--cycles", f"cannot write {shown(path)} (not a file in an existing "
                          "directory)", expected)
    if output is not None and output != "-" and Path(output).resolve() == target.resolve():
        raise ConfigError("--cycles", f"{shown(path)} is the --output file", expected)


def write_cycles(path: str, lines: Sequence[CycleLine]) -> None:
    """Write *lines* to *path*: CSV (header first) or JSON lines, by its ending (UTF-8).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = Path(folder, "c.jsonl")
    ...     write_cycles(str(target), [("T1", "fix", "running", "2025-01-06T09:00:00+00:00",
    ...                                 None, None, "PT1H", "PT0S", None)])
    ...     print(target.read_text(encoding="utf-8").strip())
    {"ticket": "T1", "definition": "fix", "stage": "running", "started": "2025-01-06T09:00:00+00:00", "due": null, "stopped": null, "elapsed": "PT1H", "paused": "PT0S", "breached_at": null}
    """
    form = FORMS[Path(path).suffix.lower()]
    try:
        with open(path, "w", encoding="utf-8", newline="") as file:
            if form == "csv":
                writer = csv.writer(file, lineterminator="\n")
                writer.writerow(COLUMNS)
                writer.writerows(["" if v is None else v for v in line] for line in lines)
            else:
                file.writelines(json.dumps(dict(zip(COLUMNS, line, strict=True)),
                                           ensure_ascii=False) + "\n" for line in lines)
    except OSError as exc:
        raise ConfigError("--cycles", f"cannot write {shown(path)} ({exc.strerror or exc})",
                          "a writable file path") from None

"""The command-line adapter: the only part of itsm_core that reads files or writes output.

``python -m itsm_core demo`` and ``python -m itsm_core sla-report EVENTS.csv --policy P``;
see ``docs/cli.md``.  Modules: :mod:`~itsm_core.cli.app` (arguments, the commands, exit
codes), :mod:`~itsm_core.cli.source` (the export from a file or stdin, gzip, encoding,
delimiter), :mod:`~itsm_core.cli.timeparse` (timestamps), :mod:`~itsm_core.cli.columns`
(column mapping), :mod:`~itsm_core.cli.csvread` (rows grouped by ticket, then their
times), :mod:`~itsm_core.cli.policyfile` (JSON/TOML policies),
:mod:`~itsm_core.cli.evaluate` (rows to ticket events), :mod:`~itsm_core.cli.jobs`
(``--jobs``: chunks of tickets to worker processes, compliance accumulators back),
:mod:`~itsm_core.cli.worker` (what each process runs) and :mod:`~itsm_core.cli.output`
(table, JSON, CSV).

>>> from itsm_core.cli.columns import parse_column_spec
>>> parse_column_spec("ticket=number")
{'ticket': 'number'}
"""

from __future__ import annotations

from itsm_core.cli.app import main

__all__ = ["main"]

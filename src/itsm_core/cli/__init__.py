"""The command-line adapter: the only part of itsm_core that reads files or writes output.

``python -m itsm_core demo`` and ``python -m itsm_core sla-report EVENTS.csv --policy P``;
see ``docs/cli.md``.  Modules: :mod:`~itsm_core.cli.timeparse` (timestamps),
:mod:`~itsm_core.cli.columns` (column mapping), :mod:`~itsm_core.cli.csvread` (rows to
per-ticket histories).

>>> from itsm_core.cli.columns import parse_column_spec
>>> parse_column_spec("ticket=number")
{'ticket': 'number'}
"""

from __future__ import annotations

from itsm_core.cli.main import main

__all__ = ["main"]

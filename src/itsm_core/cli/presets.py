"""Column presets (``sla-report --source NAME``) for the exports of common ITSM tools.

Each preset names the export's columns for the roles (ticket, priority and the ticket
table's opened / responded / resolved / closed times), its shape, and the date format
when the tool's default is not ISO 8601.  ``--columns``, ``--shape`` and
``--time-format`` given on the command line win over the preset.  The samples in
``docs/examples/`` are small exports of each form.

>>> PRESETS["jsm"].columns["opened"], PRESETS["jsm"].time_format
('Created', '%d/%b/%y %I:%M %p')
>>> sorted(PRESETS)[:3]
['freshservice', 'glpi', 'jsm']
"""

from __future__ import annotations

import attrs

__all__ = ["PRESETS", "Preset"]


@attrs.frozen(kw_only=True)
class Preset:
    """How one tool's export is read.

    Attributes:
        name: the ``--source`` value.
        title: the tool and export, for help and docs.
        shape: ``table`` (one row per ticket) or ``log`` (one row per update).
        columns: role -> the export's column name.
        time_format: a ``strptime`` format, or ``None`` for the default reading.

    >>> PRESETS["zendesk"].columns["resolved"]
    'Solved at'
    """

    name: str
    title: str
    shape: str
    columns: dict[str, str]
    time_format: str | None = None


_ZNUNY = Preset(name="znuny", title="Znuny / OTRS ticket list statistic", shape="table",
                columns={"ticket": "Ticket#", "priority": "Priority", "opened": "Created",
                         "responded": "First Response", "closed": "Close Time"})

PRESETS: dict[str, Preset] = {preset.name: preset for preset in (
    Preset(name="servicenow-incident", title="ServiceNow incident list export",
           shape="table",
           columns={"ticket": "number", "priority": "priority", "opened": "opened_at",
                    "resolved": "resolved_at", "closed": "closed_at"}),
    Preset(name="servicenow-task", title="ServiceNow task list export (no resolved time)",
           shape="table",
           columns={"ticket": "number", "priority": "priority", "opened": "opened_at",
                    "closed": "closed_at"}),
    Preset(name="jsm", title="Jira Service Management issue export (CSV, all fields)",
           shape="table",
           columns={"ticket": "Issue key", "priority": "Priority", "opened": "Created",
                    "resolved": "Resolved"},
           time_format="%d/%b/%y %I:%M %p"),
    Preset(name="zendesk", title="Zendesk ticket view / Explore export",
           shape="table",
           columns={"ticket": "Id", "priority": "Priority", "opened": "Created at",
                    "resolved": "Solved at"}),
    Preset(name="glpi", title="GLPI ticket search export",
           shape="table",
           columns={"ticket": "ID", "priority": "Priority", "opened": "Opening date",
                    "resolved": "Resolution date", "closed": "Close date"}),
    _ZNUNY,
    attrs.evolve(_ZNUNY, name="otrs", title="OTRS ticket list statistic (as znuny)"),
    Preset(name="freshservice", title="Freshservice ticket export",
           shape="table",
           columns={"ticket": "Ticket Id", "priority": "Priority", "opened": "Created Date",
                    "resolved": "Resolved Date", "closed": "Closed Date"}),
)}

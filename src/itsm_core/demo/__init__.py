"""The demo: a deterministic synthetic incident log and the SLA policy shipped with it.

``python -m itsm_core demo`` evaluates the log of
:func:`~itsm_core.demo.generator.generate_incident_log` against ``policy.json`` (package
data, read by the CLI) at the fixed instant :data:`~itsm_core.demo.generator.AS_OF`.

>>> from itsm_core.demo import generate_incident_log
>>> len(generate_incident_log(tickets=10))
10
"""

from __future__ import annotations

from itsm_core.demo.generator import (
    AS_OF,
    GROUPS,
    PRIORITIES,
    SyntheticTicket,
    Update,
    generate_incident_log,
)

__all__ = ["AS_OF", "GROUPS", "PRIORITIES", "SyntheticTicket", "Update", "generate_incident_log"]

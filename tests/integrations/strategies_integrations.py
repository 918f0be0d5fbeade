"""Shared data for the integration tests: the demo log as a frame and as core histories.

The frame holds naive London wall times (as a ServiceNow export does), so reading it
exercises ``tz_localize``; the histories are built directly from the generator's integer
instants, independently of any pandas parsing, and serve as the oracle's input.
"""

from __future__ import annotations

import json
from datetime import timezone
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from itsm_core.demo import generate_incident_log
from itsm_core.sla import SlaOutcome, SlaPolicy, TicketEvent

LONDON = ZoneInfo("Europe/London")
POLICY = SlaPolicy.from_dict(json.loads(
    (resources.files("itsm_core.demo") / "policy.json").read_text(encoding="utf-8")))
FIELDS = ("assignment_group", "category", "contact_type")


def demo_log(tickets: int, seed: int = 2016) -> tuple[pd.DataFrame, list[Any]]:
    """The demo log as (frame with naive London times, [(number, events), ...])."""
    log = generate_incident_log(tickets=tickets, seed=seed)
    rows = [{"number": t.number, "sys_updated_on": u.at.astimezone(LONDON).replace(tzinfo=None)
             .isoformat(sep=" "), "state": u.state, "priority": u.priority, **dict(u.fields)}
            for t in log for u in t.updates]
    histories = [(t.number, [TicketEvent(u.at.astimezone(timezone.utc), u.state, u.priority,
                                         dict(u.fields)) for u in t.updates]) for t in log]
    return pd.DataFrame(rows), histories


COLUMNS = {"ticket": "number", "at": "sys_updated_on"}


def core_outcomes(histories: list[Any], as_of: Any, strict: bool = True) -> list[SlaOutcome]:
    """The oracle: the core's own evaluation, ticket after ticket."""
    return [o for number, events in histories
            for o in POLICY.evaluate(events, as_of, number, strict=strict)]


_, HISTORIES_SMALL = demo_log(40, seed=3)

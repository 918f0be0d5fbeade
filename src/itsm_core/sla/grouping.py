"""How a compliance report groups cycles: the keys of ``by`` and the ``period`` a cycle
started in, read from each outcome and cycle (shared by every front end that groups).

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaDefinition, TicketEvent
>>> fix = SlaDefinition.from_dict({"name": "fix", "targets": {"P1": "PT4H"}})
>>> outcome = fix.evaluate([TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New",
...                                     "P1", {"group": "Network"})])
>>> [get(outcome, outcome.cycles[0]) for get in getters(("definition", "group"), "month")]
['fix', 'Network', '2025-01']
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from itsm_core.errors import ConfigError, shown
from itsm_core.sla.outcome import SlaCycle, SlaOutcome

__all__ = ["PERIODS", "check_grouping", "getters"]

PERIODS = ("day", "week", "month", "year")
Getter = Callable[[SlaOutcome, SlaCycle], Any]


def check_grouping(by: object, period: object) -> None:
    """Check a report's grouping: *by* a sequence of key names, *period* one of
    :data:`PERIODS` or ``None`` (shared by every front end that groups outcomes).

    >>> check_grouping("priority", None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: by: expected a sequence of key names, got 'priority'; expected e.g. ('definition', 'priority')
    """
    if isinstance(by, str) or not isinstance(by, (list, tuple)) \
            or not all(isinstance(b, str) and b for b in by):
        raise ConfigError("by", f"expected a sequence of key names, got {shown(by)}",
                          "e.g. ('definition', 'priority')")
    if period is not None and period not in PERIODS:
        raise ConfigError("period", f"unknown period {shown(period)}",
                          f"one of {', '.join(PERIODS)}, or None")


def _period(period: str, outcome: SlaOutcome, cycle: SlaCycle) -> str:
    start = cycle.started_at  # in the calendar's zone
    if period == "day":
        return start.date().isoformat()
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{start.year:04d}-{start.month:02d}"
    return f"{start.year:04d}"


def _definition(outcome: SlaOutcome, cycle: SlaCycle) -> Any:
    return outcome.definition


def _ticket(outcome: SlaOutcome, cycle: SlaCycle) -> Any:
    return outcome.ticket


def _priority(outcome: SlaOutcome, cycle: SlaCycle) -> Any:
    return cycle.priority


def _stage(outcome: SlaOutcome, cycle: SlaCycle) -> Any:
    return cycle.stage.value


def _field(name: str, outcome: SlaOutcome, cycle: SlaCycle) -> Any:
    return outcome.fields.get(name)


_BUILT_IN: dict[str, Getter] = {"definition": _definition, "ticket": _ticket,
                                 "priority": _priority, "stage": _stage}


def getters(by: tuple[str, ...], period: str | None) -> tuple[Getter, ...]:
    """One function per key of *by* (a built-in key or a ticket field), then the period's.

    >>> len(getters(("definition", "priority"), None))
    2
    """
    getters = [_BUILT_IN.get(name) or partial(_field, name) for name in by]
    if period is not None:
        getters.append(partial(_period, period))
    return tuple(getters)

"""What attainment works out once per catalogue rather than once per ticket: each
agreement's plan (its dates as integer microseconds, the definitions it evaluates, its
ticket targets), period keys of integer instants, and the final cycles of an outcome.
Private helpers of :mod:`itsm_core.service.attainment` (see ``docs/service.md``,
Attainment).

>>> from datetime import timezone
>>> keys = PeriodIndex("month", timezone.utc)
>>> keys(0), keys(-1)
('1970-01', '1969-12')
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from itsm_core._instant import _MAX_US, _MIN_US, from_us, to_us
from itsm_core.service.agreement import Agreement
from itsm_core.service.period import period_of
from itsm_core.sla import SlaDefinition, SlaOutcome, Stage

__all__ = ["AgreementPlan", "PeriodIndex", "final_cycles", "service_start_us"]

_HOUR = 3600 * 10**6  # microseconds
_QUARTER = 900 * 10**6

# a final cycle: (priority, period key, met); a pending one: (priority, stage)
Final = tuple[Any, str, bool]


class PeriodIndex:
    """``period_of`` for integer-microsecond instants, for one period kind and zone.

    Keys are remembered per hour of UTC time, and only for an hour whose first and last
    microsecond have the same UTC offset and the same local date: local time then runs
    straight through the hour (no zone changes its offset twice within an hour), so every
    instant in it has that key.  An hour holding a local midnight (zones at a half or
    quarter hour offset) is remembered per quarter hour the same way; a quarter hour
    that still does not qualify (offsets of historical local mean time) is computed each
    time.  Exact in every zone.

    >>> from datetime import timezone
    >>> from zoneinfo import ZoneInfo
    >>> keys = PeriodIndex("month", ZoneInfo("Asia/Kolkata"))
    >>> [keys(to_us(datetime(2025, 3, 31, 18, m, tzinfo=timezone.utc), "at")) for m in (29, 30)]
    ['2025-03', '2025-04']
    """

    __slots__ = ("_hours", "_period", "_quarters", "_zone")

    def __init__(self, period: str, zone: tzinfo) -> None:
        self._period = period
        self._zone = zone
        self._hours: dict[int, str | None] = {}
        self._quarters: dict[int, str | None] = {}

    def __call__(self, us: int) -> str:
        found = self._hours.get(us // _HOUR, "")
        if found:
            return found
        if found == "":
            found = self._hours[us // _HOUR] = self._slot(us // _HOUR * _HOUR, _HOUR)
            if found:
                return found
        quarter = self._quarters.get(us // _QUARTER, "")
        if quarter == "":
            quarter = self._quarters[us // _QUARTER] = self._slot(us // _QUARTER * _QUARTER,
                                                                  _QUARTER)
        if quarter:
            return quarter
        return period_of(from_us(us, self._zone), self._period, self._zone)

    def _slot(self, lo: int, size: int) -> str | None:
        """The key of every instant of ``[lo, lo + size)``, or ``None`` when they may differ."""
        hi = lo + size - 1
        if lo <= _MIN_US or hi >= _MAX_US:
            return None
        first, last = from_us(lo, self._zone), from_us(hi, self._zone)
        if first.utcoffset() != last.utcoffset() or first.date() != last.date():
            return None
        return period_of(first, self._period, self._zone)


def final_cycles(outcome: SlaOutcome, key: Callable[[int], str]
                 ) -> tuple[list[Final], list[tuple[Any, str]]]:
    """The final cycles of *outcome* as ``(priority, period key, met)`` and the pending ones
    as ``(priority, stage)``: met or breached count at their stop, a running cycle already
    breached at its breach; cancelled cycles never count.

    >>> from datetime import timezone
    >>> from itsm_core.sla import TicketEvent
    >>> d = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
    ...                              "stop": {"state_in": ["Resolved"]}})
    >>> at = lambda h: datetime(2025, 1, 31, h, tzinfo=timezone.utc)
    >>> final_cycles(d.evaluate([TicketEvent(at(9), "New"), TicketEvent(at(10), "Resolved")]),
    ...              PeriodIndex("month", timezone.utc))
    ([(None, '2025-01', True)], [])
    """
    final: list[Final] = []
    pending: list[tuple[Any, str]] = []
    for cycle in outcome.cycles:
        stage = cycle.stage
        if stage is Stage.MET or stage is Stage.BREACHED:
            # _stop_us is the engine's integer twin of stopped_at (set when met/breached)
            stop = cycle._stop_us
            assert stop is not None
            final.append((cycle.priority, key(stop), stage is Stage.MET))
        elif stage is not Stage.CANCELLED:
            breached_at = cycle.breached_at
            if breached_at is None:
                pending.append((cycle.priority, stage.value))
            else:
                final.append((cycle.priority, key(to_us(breached_at, "breached_at")), False))
    return final, pending


def service_start_us(start: Any, zone: tzinfo) -> int | None:
    """The local midnight of a service's start day in *zone*, or ``None``.

    >>> from datetime import date, timezone
    >>> service_start_us(date(1970, 1, 2), timezone.utc)
    86400000000
    """
    if start is None:
        return None
    return to_us(datetime(start.year, start.month, start.day, tzinfo=zone), "start")


class AgreementPlan:
    """One agreement as attainment applies it to each ticket.

    Attributes:
        targets: ``(target name, definition name, priorities or None)`` of its ticket
            targets, in order.
        names: the definitions it evaluates (its own, then its targets'), without repeats.

    >>> from datetime import timezone
    >>> a = Agreement.from_dict({"name": "a", "from": "1970-01-01", "definitions": ["fix"],
    ...     "targets": [{"name": "t", "definition": "fix", "priorities": ["P1"],
    ...                  "at_least": "90%"}]})
    >>> plan = AgreementPlan(a, (0, 2**62), PeriodIndex("month", timezone.utc))
    >>> plan.names, plan.targets
    (('fix',), (('t', 'fix', frozenset({'P1'})),))
    """

    __slots__ = (
        "agreement",
        "before_start",
        "cause_field",
        "causes",
        "excludes",
        "hi",
        "key",
        "lo",
        "name",
        "names",
        "per_customer",
        "sla",
        "targets",
    )

    def __init__(self, agreement: Agreement, bounds: tuple[int, int], key: PeriodIndex, *,
                 starts: bool = True) -> None:
        self.agreement = agreement
        self.name = agreement.name
        self.sla = agreement.kind == "sla"
        self.lo, self.hi = bounds
        self.key = key
        self.per_customer = bool(agreement.customers)
        rules = agreement.exclusions
        self.causes = rules.causes
        self.cause_field = rules.cause_field
        self.before_start = rules.before_service_start
        # whether static_reason can give a reason at all (*starts*: a service has a start)
        self.excludes = bool(rules.causes) or (rules.before_service_start and starts)
        self.targets = tuple((t.name, t.definition, frozenset(t.priorities) or None)
                             for t in agreement.targets if t.definition is not None)
        self.names = tuple(dict.fromkeys([*agreement.definitions,
                                          *(d for _, d, _ in self.targets)]))

    def static_reason(self, fields: Any, first: int, service: object,
                      starts: dict[str, int | None]) -> str | None:
        """Why every cycle of a ticket is excluded from this agreement's targets, if so.

        >>> from datetime import timezone
        >>> a = Agreement.from_dict({"name": "a", "from": "1970-01-01",
        ...                          "exclusions": {"causes": ["customer"]}})
        >>> AgreementPlan(a, (0, 1), PeriodIndex("month", timezone.utc)).static_reason(
        ...     {"cause": "customer"}, 0, None, {})
        'cause customer'
        """
        cause = fields.get(self.cause_field)
        if cause is not None and cause in self.causes:
            return f"cause {cause}"
        if self.before_start and isinstance(service, str):
            start = starts.get(service)
            if start is not None and first < start:
                return "before the service start"
        return None


def definitions_of(plans: list[AgreementPlan], find: Callable[[str], SlaDefinition]
                   ) -> dict[str, SlaDefinition]:
    """Every definition the *plans* evaluate, by name.

    >>> definitions_of([], lambda name: None)
    {}
    """
    return {name: find(name) for plan in plans for name in plan.names}

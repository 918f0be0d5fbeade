"""Checking a catalogue: references that must resolve (errors), and policy findings
reported as data, never refused (like the priority matrix's findings).

Finding kinds:

* ``unagreed_service``: a service no SLA covers.
* ``overlapping_slas``: two SLAs both in force on some day and both matching some ticket
  of one customer and service; the first in catalogue order wins, the later one is named.
* ``misaligned``: along an SLA's ``path`` of OLAs and UCs, the chained targets can end after
  the SLA's own deadline (the worst start instant found is named).
* ``cannot_compare``: an alignment that cannot be decided (no target for a priority, a
  deadline read from a ticket field, no matching target on the path).

The alignment check evaluates every opening and closing instant of the calendars involved
over one year from the SLA's start (see ``docs/service.md``, Alignment).

>>> from itsm_core.service.catalogue import Catalogue
>>> cat = Catalogue.from_dict({"services": [{"name": "vpn"}]})
>>> [(f.kind, f.path) for f in cat.validate()]
[('unagreed_service', 'services[0]')]
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from itsm_core._config import join
from itsm_core._instant import format_duration, to_us
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ConfigError, ItsmError, UnknownNameError, shown
from itsm_core.sla import SlaDefinition

if TYPE_CHECKING:
    from itsm_core.service.agreement import Agreement
    from itsm_core.service.catalogue import Catalogue

__all__ = ["Finding", "catalogue_findings", "check_references"]

_YEAR = timedelta(days=366)


@attrs.frozen(kw_only=True)
class Finding:
    """One policy finding about a catalogue.

    Attributes:
        kind: ``"unagreed_service"``, ``"overlapping_slas"``, ``"misaligned"`` or
            ``"cannot_compare"``.
        path: the offending entry, e.g. ``"agreements[2]"`` or ``"services[0]"``.
        message: a sentence for people.
        agreement: the agreement concerned, if any.
        priority: the priority label concerned (alignment), if any.
        start: the worst start instant found (alignment), if any.
        excess: how far the chained OLA/UC targets end after the SLA deadline from *start*.

    >>> Finding(kind="unagreed_service", path="services[0]", message="m").to_dict()["start"]
    """

    kind: str
    path: str
    message: str
    agreement: str | None = None
    priority: str | None = None
    start: datetime | None = None
    excess: timedelta | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (ISO 8601 for the instant and the duration).

        >>> Finding(kind="k", path="p", message="m", priority="P1").to_dict()["priority"]
        'P1'
        """
        return {"kind": self.kind, "path": self.path, "message": self.message,
                "agreement": self.agreement, "priority": self.priority,
                "start": None if self.start is None else self.start.isoformat(),
                "excess": None if self.excess is None else format_duration(self.excess)}


def _known(path: str, what: str, name: str, known: list[str]) -> None:
    if name not in known:
        raise UnknownNameError(what, name, known).under(path) from None


def check_references(catalogue: Catalogue) -> None:
    """Raise an error naming the path of the first reference that does not resolve.

    >>> from itsm_core.service.catalogue import Catalogue
    >>> Catalogue.from_dict({"services": [{"name": "vpn", "calendar": "uk"}]})
    Traceback (most recent call last):
    ...
    itsm_core.errors.UnknownNameError: services[0].calendar: unknown name 'uk'
    """
    calendars = [name for name, _ in catalogue.calendars]
    services = [s.name for s in catalogue.services]
    customers = [c.name for c in catalogue.customers]
    definitions = [d.name for d in catalogue.definitions]
    kinds = {a.name: a.kind for a in catalogue.agreements}
    for index, service in enumerate(catalogue.services):
        if service.calendar is not None:
            _known(join("services", index), "calendar", service.calendar, calendars)
    owner: dict[str, str] = {name: name for name in customers}
    for index, customer in enumerate(catalogue.customers):
        for number, alias in enumerate(customer.aliases):
            if owner.setdefault(alias, customer.name) != customer.name:
                raise ConfigError(join(join(join("customers", index), "aliases"), number),
                                  f"{shown(alias)} already names customer "
                                  f"{shown(owner[alias])}", "an alias of one customer only")
    for index, agreement in enumerate(catalogue.agreements):
        path = join("agreements", index)
        if agreement.calendar is not None:
            _known(path, "calendar", agreement.calendar, calendars)
        for key, names, known in (("customers", agreement.customers, customers),
                                  ("services", agreement.services, services),
                                  ("definitions", agreement.definitions, definitions)):
            for number, name in enumerate(names):
                _known(path, join(key, number), name, known)
        for number, target in enumerate(agreement.targets):
            where = join(join(path, "targets"), number)
            if target.definition is not None:
                _known(where, "definition", target.definition,
                       list(agreement.definitions or definitions))
            for place, name in enumerate(target.services):
                _known(where, join("services", place), name,
                       list(agreement.services or services))
        for number, name in enumerate(agreement.path):
            _known(path, join("path", number), name,
                   [n for n, kind in kinds.items() if kind != "sla"])


def catalogue_findings(catalogue: Catalogue) -> tuple[Finding, ...]:
    """All policy findings: unagreed services, overlapping SLAs, then alignment.

    >>> from itsm_core.service.catalogue import Catalogue
    >>> catalogue_findings(Catalogue())
    ()
    """
    findings: list[Finding] = []
    slas = [(i, a) for i, a in enumerate(catalogue.agreements) if a.kind == "sla"]
    for index, service in enumerate(catalogue.services):
        if not any(not a.services or service.name in a.services for _, a in slas):
            findings.append(Finding(kind="unagreed_service", path=join("services", index),
                                    message=f"service {shown(service.name)} is covered by "
                                            "no SLA"))
    for position, (index, later) in enumerate(slas):
        for _, earlier in slas[:position]:
            if _overlap(earlier, later):
                findings.append(Finding(
                    kind="overlapping_slas", path=join("agreements", index), agreement=later.name,
                    message=f"SLA {shown(later.name)} overlaps {shown(earlier.name)} (dates, "
                            f"customers, services and fields); {shown(earlier.name)} comes "
                            "first and wins"))
    for index, agreement in slas:
        if agreement.path:
            findings.extend(_alignment(catalogue, index, agreement))
    return tuple(findings)


def _meet(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return not a or not b or bool(set(a) & set(b))


def _overlap(a: Agreement, b: Agreement) -> bool:
    if (a.until is not None and a.until <= b.start) or (b.until is not None and
                                                       b.until <= a.start):
        return False
    when_b = dict(b.when)
    return (_meet(a.customers, b.customers) and _meet(a.services, b.services)
            and all(_meet(values, when_b.get(field, ())) for field, values in a.when))


def _partner(agreement: Agreement, name: str) -> str | None:
    """The definition of *agreement*'s ticket target called *name*, else of its only one."""
    tickets = [t for t in agreement.targets if t.definition is not None]
    for target in tickets:
        if target.name == name:
            return target.definition
    return tickets[0].definition if len(tickets) == 1 else None


def _due(definition: SlaDefinition, priority: str, start: datetime) -> datetime | str:
    target = definition.targets.target(priority)
    if target is None:
        return f"{shown(definition.name)} has no target for priority {shown(priority)}"
    try:
        if isinstance(target, timedelta):
            return definition.calendar.add(start, target)
        return target.due(start, definition.calendar, {})
    except ItsmError as exc:
        return f"{shown(definition.name)}: {exc}"


def _alignment(catalogue: Catalogue, index: int, sla: Agreement) -> list[Finding]:
    out: list[Finding] = []
    path = join("agreements", index)
    zone = catalogue.zone_of(sla.name)
    first = datetime(sla.start.year, sla.start.month, sla.start.day, tzinfo=zone)
    for number, target in enumerate(sla.targets):
        if target.definition is None:
            continue
        where = join(join(path, "targets"), number)
        own = catalogue.definition(target.definition)
        chain: list[SlaDefinition] = []
        for name in sla.path:
            partner = _partner(catalogue.agreement(name), target.name)
            if partner is None:
                out.append(Finding(kind="cannot_compare", path=where, agreement=sla.name,
                                   message=f"{shown(name)} has no ticket target to chain for "
                                           f"{shown(target.name)}"))
                break
            chain.append(catalogue.definition(partner))
        else:
            labels = target.priorities or tuple(label for label, _ in own.targets.table)
            instants = _boundaries([own.calendar, *(d.calendar for d in chain)], first)
            if isinstance(instants, str):
                out.append(Finding(kind="cannot_compare", path=where, agreement=sla.name,
                                   message=f"cannot compare: {instants}"))
                continue
            for priority in labels:
                out.extend(_check_priority(sla, where, own, chain=chain, priority=priority,
                                           instants=instants))
    return out


def _boundaries(calendars: list[BusinessCalendar], first: datetime) -> list[datetime] | str:
    """Every opening and closing instant of *calendars* over the year from *first*, or
    why they cannot be listed (a year that runs past the calendars' range)."""
    found = {first}
    try:
        last = first + _YEAR
        to_us(last, "end")  # within the range instants have in every zone
        for calendar in calendars:
            for lo, hi in calendar.open_intervals(first, last):
                found.update((lo, hi))
    except (OverflowError, ItsmError):
        return f"the year from {first.date().isoformat()} runs past the end of year 9999"
    return sorted(found)


def _check_priority(sla: Agreement, where: str, own: SlaDefinition, *,
                    chain: list[SlaDefinition], priority: str,
                    instants: list[datetime]) -> list[Finding]:
    worst: tuple[timedelta, datetime] | None = None
    for start in instants:
        deadline = _due(own, priority, start)
        end: datetime | str = start
        for definition in chain:
            assert isinstance(end, datetime)
            end = _due(definition, priority, end)
            if isinstance(end, str):
                break
        for reason in (deadline, end):
            if isinstance(reason, str):
                return [Finding(kind="cannot_compare", path=where, agreement=sla.name,
                                priority=priority, message=f"cannot compare: {reason}")]
        assert isinstance(end, datetime) and isinstance(deadline, datetime)
        excess = end - deadline
        if excess > timedelta(0) and (worst is None or excess > worst[0]):
            worst = (excess, start)
    if worst is None:
        return []
    return [Finding(kind="misaligned", path=where, agreement=sla.name, priority=priority,
                    start=worst[1], excess=worst[0],
                    message=f"priority {shown(priority)}: the OLA/UC targets along "
                            f"{', '.join(sla.path)} can end {format_duration(worst[0])} after "
                            f"the SLA deadline (worst start {worst[1].isoformat()})")]

"""What a customer's service report carries besides its targets: the incident KPIs of the
customer's tickets (:class:`CustomerKpis`, on the calendar of the customer's agreement) and
the continuity of the services its agreements cover (:func:`customer_continuity`).

A ticket belongs to the customer its customer field names (by name or alias) as of its
last event, as attainment reads it; the KPIs' business time is counted on the calendar
of the customer's first SLA (in catalogue order) that names one, unless the settings name
their own calendar.

>>> from datetime import datetime, timezone
>>> from itsm_core.service.catalogue import Catalogue
>>> from itsm_core.sla import TicketEvent
>>> catalogue = Catalogue.from_dict({"customers": [{"name": "acme"}],
...     "agreements": [{"name": "gold", "from": "2025-01-01", "customers": ["acme"]}]})
>>> kpis = CustomerKpis(catalogue)
>>> at = lambda h: datetime(2025, 3, 3, h, tzinfo=timezone.utc)
>>> kpis.add([TicketEvent(at(9), "New", fields={"customer": "acme", "group": "Desk"}),
...           TicketEvent(at(11), "Resolved", fields={"customer": "acme", "group": "Desk"})],
...          "INC1")
>>> row = kpis.result()["acme"].rows[0]
>>> row.group, row.period, row.mttr
(('Desk',), '2025-03', datetime.timedelta(seconds=7200))
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone, tzinfo
from typing import Any

import attrs

from itsm_core._instant import to_us
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ArgumentTypeError, UnknownNameError, shown
from itsm_core.service.agreement import Agreement
from itsm_core.service.backups import BackupRun
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.continuity import Exercise
from itsm_core.service.continuity_report import ContinuityReport, continuity_report
from itsm_core.service.kpi_report import KpiReport
from itsm_core.service.kpi_settings import KpiSettings
from itsm_core.service.kpis import KpiAccumulator
from itsm_core.service.period import period_bounds

__all__ = ["CustomerKpis", "covered_services", "customer_calendar", "customer_continuity",
           "kpi_settings_for"]

_DEFAULT_CALENDAR = BusinessCalendar.always_open("UTC")


def _checked(catalogue: object, customer: object) -> Catalogue:
    if not isinstance(catalogue, Catalogue):
        raise ArgumentTypeError(f"catalogue: expected a Catalogue, got "
                                f"{type(catalogue).__name__}")
    if not any(c.name == customer for c in catalogue.customers):
        raise UnknownNameError("customer", customer, [c.name for c in catalogue.customers])
    return catalogue


def _slas(catalogue: Catalogue, customer: str) -> list[Agreement]:
    """The customer's SLAs, in catalogue order."""
    return [a for a in catalogue.agreements
            if a.kind == "sla" and (not a.customers or customer in a.customers)]


def customer_calendar(catalogue: Catalogue, customer: str) -> str | None:
    """The name of the calendar of *customer*'s first SLA (catalogue order) that names
    one, or ``None``.

    Raises:
        UnknownNameError: *customer* is not a customer of the catalogue.

    >>> cat = Catalogue.from_dict({"calendars": {"ny": {"timezone": "America/New_York"}},
    ...     "customers": [{"name": "acme"}],
    ...     "agreements": [{"name": "a", "from": "2025-01-01", "calendar": "ny"}]})
    >>> customer_calendar(cat, "acme")
    'ny'
    """
    _checked(catalogue, customer)
    return next((a.calendar for a in _slas(catalogue, customer) if a.calendar is not None),
                None)


def _zone(catalogue: Catalogue, customer: str) -> tzinfo:
    """The zone of the customer's periods: that of its first SLA, else UTC."""
    slas = _slas(catalogue, customer)
    return catalogue.zone_of(slas[0].name) if slas else timezone.utc


def covered_services(catalogue: Catalogue, customer: str, start: datetime | None = None,
                     end: datetime | None = None) -> tuple[str, ...]:
    """The services *customer*'s SLAs cover (an SLA listing none covers every service),
    in catalogue order; with *start* and *end*, only SLAs in force at some time of
    ``[start, end)`` count.

    Raises:
        UnknownNameError: *customer* is not a customer of the catalogue.

    >>> cat = Catalogue.from_dict({"services": [{"name": "email"}, {"name": "vpn"}],
    ...     "customers": [{"name": "acme"}],
    ...     "agreements": [{"name": "a", "from": "2025-01-01", "services": ["vpn"]}]})
    >>> covered_services(cat, "acme")
    ('vpn',)
    """
    _checked(catalogue, customer)
    lo = None if start is None else to_us(start, "start")
    hi = None if end is None else to_us(end, "end")
    bounds = catalogue._index["bounds"]
    wanted: set[str] = set()
    for agreement in _slas(catalogue, customer):
        first, last = bounds[agreement.name]
        if (hi is not None and first >= hi) or (lo is not None and last <= lo):
            continue
        wanted.update(agreement.services or (s.name for s in catalogue.services))
    return tuple(s.name for s in catalogue.services if s.name in wanted)


def kpi_settings_for(catalogue: Catalogue, customer: str,
                     settings: KpiSettings | None = None) -> KpiSettings:
    """*settings* (default :class:`KpiSettings`) on *customer*'s calendar
    (:func:`customer_calendar`) when they name no calendar of their own.

    Raises:
        UnknownNameError: *customer* is not a customer of the catalogue.

    >>> cat = Catalogue.from_dict({"calendars": {"ny": {"timezone": "America/New_York"}},
    ...     "customers": [{"name": "acme"}],
    ...     "agreements": [{"name": "a", "from": "2025-01-01", "calendar": "ny"}]})
    >>> kpi_settings_for(cat, "acme").calendar.timezone.key
    'America/New_York'
    """
    settings = KpiSettings() if settings is None else settings
    if not isinstance(settings, KpiSettings):
        raise ArgumentTypeError(f"settings: expected KpiSettings, got "
                                f"{type(settings).__name__} {shown(settings)}")
    name = customer_calendar(catalogue, customer)
    if settings.calendar_name is not None or settings.calendar != _DEFAULT_CALENDAR \
            or name is None:
        return settings
    return attrs.evolve(settings, calendar=catalogue.calendar(name), calendar_name=name)


class CustomerKpis:
    """Incident KPIs per customer of a catalogue: one
    :class:`~itsm_core.service.kpis.KpiAccumulator` per customer, on its settings
    (:func:`kpi_settings_for`), grouped by the settings' group field.

    Each ticket counts for the customer its customer field names as of its last event
    (tickets of no catalogue customer are not counted); with *as_of*, events after it are
    left out, as attainment leaves them out.

    Args:
        catalogue: the catalogue.
        settings: the KPI settings (default :class:`KpiSettings`).
        period: ``"week"``, ``"month"`` (default), ``"quarter"`` or ``"year"``.
        as_of: the instant the history is read as of (default: everything).

    >>> CustomerKpis(Catalogue.from_dict({"customers": [{"name": "acme"}]})).result()["acme"].rows
    ()
    """

    __slots__ = ("_as_of", "_catalogue", "_customers")

    def __init__(self, catalogue: Catalogue, settings: KpiSettings | None = None,
                 period: str = "month", *, as_of: datetime | None = None) -> None:
        if not isinstance(catalogue, Catalogue):
            raise ArgumentTypeError(f"catalogue: expected a Catalogue, got "
                                    f"{type(catalogue).__name__}")
        self._catalogue = catalogue
        self._as_of = None if as_of is None else to_us(as_of, "as_of")
        self._customers: dict[str, KpiAccumulator] = {}
        for customer in catalogue.customers:
            mine = kpi_settings_for(catalogue, customer.name, settings)
            self._customers[customer.name] = KpiAccumulator(mine, period,
                                                            by=(mine.group_field,))

    def add(self, events: Iterable[Any], ticket: object = None) -> None:
        """Count one ticket's events (:class:`~itsm_core.sla.TicketEvent`) for its customer.

        >>> CustomerKpis(Catalogue()).add([], "INC1")
        """
        kept = [(to_us(e.at, "at"), e) for e in events]
        if self._as_of is not None:
            kept = [(at, e) for at, e in kept if at <= self._as_of]
        if not kept:
            return
        last = kept[0]
        for item in kept:
            if item[0] >= last[0]:  # ties: the last in input order
                last = item
        field = last[1].fields.get(self._catalogue.customer_field)
        customer = self._catalogue.customer_of(field)
        if customer is not None:
            self._customers[customer].add([e for _, e in kept], ticket)

    def merge(self, other: CustomerKpis) -> CustomerKpis:
        """Fold *other* (same catalogue, settings and period) into this one; return it.

        >>> cat = Catalogue.from_dict({"customers": [{"name": "acme"}]})
        >>> CustomerKpis(cat).merge(CustomerKpis(cat)).result()["acme"].rows
        ()
        """
        if not isinstance(other, CustomerKpis):
            raise ArgumentTypeError(f"other: expected CustomerKpis, got "
                                    f"{type(other).__name__}")
        for name, accumulator in self._customers.items():
            theirs = other._customers.get(name)
            if theirs is not None:
                accumulator.merge(theirs)
        return self

    def result(self) -> dict[str, KpiReport]:
        """Each customer's KPI report, by customer name (catalogue order).

        >>> CustomerKpis(Catalogue()).result()
        {}
        """
        return {name: acc.result() for name, acc in self._customers.items()}


def customer_continuity(catalogue: Catalogue, customer: str, exercises: Iterable[Exercise],
                        backups: Iterable[BackupRun], period: str) -> ContinuityReport:
    """The continuity report (:func:`~itsm_core.service.continuity_report.continuity_report`)
    over *period* (local to the zone of the customer's first SLA) of the services the
    customer's SLAs in force in it cover, from their exercises and backups.

    Raises:
        UnknownNameError: *customer* is not a customer of the catalogue.
        InvalidArgumentError: *period* is not a period key.

    >>> cat = Catalogue.from_dict({"services": [{"name": "vpn", "continuity":
    ...     {"rto": "PT4H", "rpo": "P1D", "mtpd": "P1D"}}], "customers": [{"name": "acme"}],
    ...     "agreements": [{"name": "a", "from": "2025-01-01"}]})
    >>> report = customer_continuity(cat, "acme", [], [], "2025-03")
    >>> [(s.service, [f.kind for f in s.findings]) for s in report.services]
    [('vpn', ['no_exercise', 'no_backup'])]
    """
    _checked(catalogue, customer)
    start, end = period_bounds(period, _zone(catalogue, customer))
    services = covered_services(catalogue, customer, start, end)
    keep = set(services)
    targets = {}
    for name in services:
        objectives = catalogue.service(name).continuity
        if objectives is not None:
            targets[name] = objectives
    return continuity_report(targets, [e for e in exercises if e.service in keep],
                             [b for b in backups if b.service in keep], start, end,
                             services=services)

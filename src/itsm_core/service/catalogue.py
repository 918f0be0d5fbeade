"""The service catalogue: services, customers, agreements, and the calendars and SLA
definitions they share, in one value read from plain data (see ``docs/service.md``).

>>> cat = Catalogue.from_dict({
...     "calendars": {"london": {"timezone": "Europe/London",
...                              "hours": {"mon": [["09:00", "17:00"]]}}},
...     "definitions": [{"name": "fix", "calendar": "london", "targets": {"P1": "PT4H"},
...                      "stop": {"state_in": ["Resolved"]}}],
...     "services": [{"name": "email", "calendar": "london"}],
...     "customers": [{"name": "acme", "aliases": ["ACME Corp"]}],
...     "agreements": [{"name": "acme-gold", "from": "2025-01-01", "customers": ["acme"],
...                     "calendar": "london", "definitions": ["fix"],
...                     "targets": [{"name": "P1 fix", "definition": "fix",
...                                  "at_least": "95%"}]}]})
>>> cat.customer_of("ACME Corp"), cat.agreement("acme-gold").calendar
('acme', 'london')
>>> Catalogue.from_dict(cat.to_dict()) == cat
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone, tzinfo
from typing import Any

import attrs

from itsm_core._config import check_depth, join, read_at, reject_unknown
from itsm_core._instant import to_us
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ConfigError, UnknownNameError, shown
from itsm_core.service.agreement import Agreement
from itsm_core.service.parties import Customer, Service
from itsm_core.service.validation import Finding, catalogue_findings, check_references
from itsm_core.sla import SlaDefinition, SlaPolicy

__all__ = ["Catalogue", "Customer", "Service"]

_KEYS = ("fields", "calendars", "definitions", "services", "customers", "agreements")
_FOREVER = 2 ** 62


def _named(what: str, name: str, index: Mapping[str, Any], known: Iterable[str]) -> Any:
    """The value *index* holds under *name*, or an UnknownNameError listing *known*."""
    found = index.get(name)
    if found is None:
        raise UnknownNameError(what, name, known)
    return found


def _list(data: Mapping[str, Any], key: str, read: Any) -> tuple[Any, ...]:
    raw = data.get(key, [])
    if not isinstance(raw, (list, tuple)):
        raise ConfigError(key, f"expected a list, got {shown(raw)}", f"a list of {key}")
    items = tuple(read_at(join(key, i), read, item) for i, item in enumerate(raw))
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.name in seen:
            raise ConfigError(join(join(key, index), "name"), f"duplicate name {shown(item.name)}",
                              f"a name unique among the {key}")
        seen.add(item.name)
    return items


def _fields(raw: object) -> tuple[str, str]:
    form = "{'customer': ticket field, 'service': ticket field}"
    if not isinstance(raw, Mapping):
        raise ConfigError("fields", f"expected a mapping, got {shown(raw)}", form)
    reject_unknown(raw, ("customer", "service"), "fields")
    out = []
    for key in ("customer", "service"):
        value = raw.get(key, key)
        if not isinstance(value, str) or not value:
            raise ConfigError(join("fields", key), f"expected a field name, got {shown(value)}",
                              form)
        out.append(value)
    return out[0], out[1]


@attrs.frozen(kw_only=True)
class Catalogue:
    """Services, customers and agreements, with the calendars and SLA definitions they use.

    Attributes:
        customer_field: the ticket field naming the customer (default ``"customer"``).
        service_field: the ticket field naming the service (default ``"service"``).
        calendars: ``(name, calendar)`` pairs.
        definitions: the SLA definitions agreements measure (unique names).
        services: the services, in order.
        customers: the customers, in order.
        agreements: the agreements, in order (the order decides which SLA applies).

    >>> Catalogue.from_dict({"agreements": [{"name": "a", "from": "2025-01-01",
    ...                                      "services": ["nope"]}]})
    Traceback (most recent call last):
    ...
    itsm_core.errors.UnknownNameError: agreements[0].services[0]: unknown name 'nope'
    """

    customer_field: str = "customer"
    service_field: str = "service"
    calendars: tuple[tuple[str, BusinessCalendar], ...] = ()
    definitions: tuple[SlaDefinition, ...] = ()
    services: tuple[Service, ...] = ()
    customers: tuple[Customer, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    # lookups built once: private, never part of equality
    _index: dict[str, Any] = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        check_references(self)
        calendars = dict(self.calendars)
        alias: dict[str, str] = {}
        for customer in self.customers:
            alias[customer.name] = customer.name
            for other in customer.aliases:
                alias.setdefault(other, customer.name)
        zones: dict[str, tzinfo] = {}
        bounds: dict[str, tuple[int, int]] = {}
        by_customer: dict[str | None, list[Agreement]] = {None: []}
        for customer in self.customers:
            by_customer[customer.name] = []
        for agreement in self.agreements:
            zone: tzinfo = (calendars[agreement.calendar].timezone
                            if agreement.calendar is not None else timezone.utc)
            zones[agreement.name] = zone
            bounds[agreement.name] = (
                to_us(_midnight(agreement.start, zone), "from"),
                _FOREVER if agreement.until is None
                else to_us(_midnight(agreement.until, zone), "until"))
            for name, listed in by_customer.items():
                if not agreement.customers or name in agreement.customers:
                    listed.append(agreement)
        object.__setattr__(self, "_index", {
            "alias": alias, "zones": zones, "bounds": bounds,
            "by_customer": {k: tuple(v) for k, v in by_customer.items()},
            "agreements": {a.name: a for a in self.agreements},
            "services": {s.name: s for s in self.services},
            "definitions": {d.name: d for d in self.definitions},
            "calendars": calendars})

    @classmethod
    def from_dict(cls, data: object) -> Catalogue:
        """Read a whole catalogue; either the whole value or an error, nothing half-read.

        Raises:
            ConfigError: anything malformed, naming its path (``agreements[2].targets[0]``).
            UnknownNameError: a reference to a calendar, service, customer, definition or
                agreement the catalogue does not have, naming its path.

        >>> Catalogue.from_dict({"services": [{"name": "a"}, {"name": "a"}]})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: services[1].name: duplicate name 'a'; expected a name unique among the services
        """
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}",
                              "a catalogue mapping: " + ", ".join(_KEYS))
        check_depth(data)
        reject_unknown(data, _KEYS)
        customer_field, service_field = _fields(data.get("fields", {}))
        raw_definitions = data.get("definitions", [])
        policy = (SlaPolicy.from_dict({"calendars": data.get("calendars", {}),
                                       "definitions": raw_definitions})
                  if raw_definitions else
                  SlaPolicy.from_dict({"calendars": data.get("calendars", {}),
                                       "definitions": [{"name": "-", "targets": "PT1H"}]}))
        return cls(customer_field=customer_field, service_field=service_field,
                   calendars=policy.calendars,
                   definitions=policy.definitions if raw_definitions else (),
                   services=_list(data, "services", Service.from_dict),
                   customers=_list(data, "customers", Customer.from_dict),
                   agreements=_list(data, "agreements", Agreement.from_dict))

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back to an equal catalogue.

        >>> Catalogue().to_dict()["agreements"]
        []
        """
        definitions = (SlaPolicy(definitions=self.definitions, calendars=self.calendars)
                       .to_dict()["definitions"] if self.definitions else [])
        return {"fields": {"customer": self.customer_field, "service": self.service_field},
                "calendars": {name: cal.to_dict() for name, cal in self.calendars},
                "definitions": definitions,
                "services": [s.to_dict() for s in self.services],
                "customers": [c.to_dict() for c in self.customers],
                "agreements": [a.to_dict() for a in self.agreements]}

    def agreement(self, name: str) -> Agreement:
        """The agreement called *name*.

        Raises:
            UnknownNameError: no agreement has that name.

        >>> Catalogue().agreement("gold")
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: agreement: unknown name 'gold'
        """
        found: Agreement = _named("agreement", name, self._index["agreements"],
                                  (a.name for a in self.agreements))
        return found

    def service(self, name: str) -> Service:
        """The service called *name*.

        Raises:
            UnknownNameError: no service has that name.

        >>> Catalogue.from_dict({"services": [{"name": "vpn"}]}).service("vpn").name
        'vpn'
        """
        found: Service = _named("service", name, self._index["services"],
                                (s.name for s in self.services))
        return found

    def definition(self, name: str) -> SlaDefinition:
        """The SLA definition called *name*.

        Raises:
            UnknownNameError: no definition has that name.

        >>> Catalogue().definition("fix")
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: definition: unknown name 'fix'
        """
        found: SlaDefinition = _named("definition", name, self._index["definitions"],
                                      (d.name for d in self.definitions))
        return found

    def calendar(self, name: str) -> BusinessCalendar:
        """The catalogue calendar called *name*.

        Raises:
            UnknownNameError: no calendar has that name.

        >>> Catalogue().calendar("london")
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: calendar: unknown name 'london'
        """
        found: BusinessCalendar = _named("calendar", name, self._index["calendars"],
                                         (n for n, _ in self.calendars))
        return found

    def customer_of(self, value: object) -> str | None:
        """The customer a ticket's customer field names (by name or alias), or ``None`` when
        no customer of the catalogue has that name or alias.

        >>> cat = Catalogue.from_dict({"customers": [{"name": "acme", "aliases": ["ACME"]}]})
        >>> cat.customer_of("ACME"), cat.customer_of("globex")
        ('acme', None)
        """
        if not isinstance(value, str):
            return None
        found: str | None = self._index["alias"].get(value)
        return found

    def zone_of(self, agreement: str) -> tzinfo:
        """The time zone of *agreement*'s dates and periods: its calendar's zone, else UTC.

        >>> Catalogue.from_dict({"agreements": [{"name": "a", "from": "2025-01-01"}]}
        ...                     ).zone_of("a")
        datetime.timezone.utc
        """
        self.agreement(agreement)
        zone: tzinfo = self._index["zones"][agreement]
        return zone

    def agreements_for(self, fields: Mapping[str, Any], at: datetime) -> tuple[Agreement, ...]:
        """The agreements that apply to a ticket with *fields* whose first event is at *at*:
        the first matching SLA in catalogue order, then every matching OLA and UC.

        >>> from datetime import datetime, timezone
        >>> cat = Catalogue.from_dict({"customers": [{"name": "acme"}], "agreements": [
        ...     {"name": "gold", "from": "2025-01-01", "customers": ["acme"]},
        ...     {"name": "any", "from": "2025-01-01"},
        ...     {"name": "desk", "kind": "ola", "from": "2025-01-01"}]})
        >>> at = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> [a.name for a in cat.agreements_for({"customer": "acme"}, at)]
        ['gold', 'desk']
        >>> [a.name for a in cat.agreements_for({"customer": "globex"}, at)]
        ['any', 'desk']
        """
        customer = self.customer_of(fields.get(self.customer_field))
        return self._matching(customer, fields, to_us(at, "at"))

    def _matching(self, customer: str | None, fields: Mapping[str, Any],
                  at_us: int) -> tuple[Agreement, ...]:
        """The agreements for a ticket of *customer* (already resolved) at *at_us*."""
        service = fields.get(self.service_field)
        bounds = self._index["bounds"]
        out: list[Agreement] = []
        sla_found = False
        for agreement in self._index["by_customer"].get(customer, ()):
            if sla_found and agreement.kind == "sla":
                continue
            lo, hi = bounds[agreement.name]
            if lo <= at_us < hi and agreement.covers(customer, service, fields):
                out.append(agreement)
                sla_found = sla_found or agreement.kind == "sla"
        return tuple(out)

    def validate(self) -> tuple[Finding, ...]:
        """Policy findings about the catalogue (see :mod:`itsm_core.service.validation`):
        services without an agreement, overlapping SLAs, and OLA/UC targets that do not
        fit within their SLA's.

        >>> Catalogue.from_dict({"services": [{"name": "vpn"}]}).validate()[0].kind
        'unagreed_service'
        """
        return catalogue_findings(self)


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)

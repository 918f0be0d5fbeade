"""Agreements: a service level agreement (SLA) with a customer, an operational level
agreement (OLA) with an internal team, or an underpinning contract (UC) with a supplier.

An agreement covers some customers and services from one date to another, measures some
SLA definitions, and states targets over a period, workload limits, exclusions, a fee and
a credit scheme.  Names it uses (calendar, services, customers, definitions) are checked
against the catalogue that holds it (:class:`~itsm_core.service.catalogue.Catalogue`).

>>> a = Agreement.from_dict({"name": "acme-gold", "from": "2025-01-01",
...     "customers": ["acme"], "services": ["email"], "when": {"type": ["incident"]},
...     "definitions": ["gold-resolution"],
...     "targets": [{"name": "P1", "definition": "gold-resolution", "at_least": "95%"}],
...     "workload": {"limit": 200}, "fee": "12000.00", "currency": "EUR"})
>>> a.kind, a.start, a.until, a.workload_limit, a.fee
('sla', datetime.date(2025, 1, 1), None, 200, Decimal('12000.00'))
>>> Agreement.from_dict(a.to_dict()) == a
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from itsm_core._config import check_depth, join, read_at, reject_unknown
from itsm_core.calendar.config import parse_date
from itsm_core.errors import ConfigError, shown
from itsm_core.ratios import parse_number
from itsm_core.service.credit_terms import read_money
from itsm_core.service.credits import MAX_MINOR_UNITS, CreditScheme
from itsm_core.service.exclusions import Exclusions
from itsm_core.service.target import ServiceTarget, names_of

__all__ = ["AGREEMENT_KINDS", "Agreement"]

#: The kinds of agreement: with a customer, with an internal team, with a supplier.
AGREEMENT_KINDS = ("sla", "ola", "uc")
_KEYS = ("name", "kind", "from", "until", "customers", "services", "when", "calendar",
         "definitions", "targets", "workload", "exclusions", "fee", "currency", "minor_units",
         "credits",
         "path")


def _when(data: object) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    form = "a mapping of ticket field to a list of accepted values"
    if not isinstance(data, Mapping):
        raise ConfigError("when", f"expected a mapping, got {shown(data)}", form)
    out: list[tuple[str, tuple[Any, ...]]] = []
    for field, values in data.items():
        if not isinstance(field, str) or not field:
            raise ConfigError("when", f"bad field name {shown(field)}", form)
        path = join("when", field)
        if not isinstance(values, (list, tuple)) or not values:
            raise ConfigError(path, f"expected a non-empty list, got {shown(values)}", form)
        for index, value in enumerate(values):
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise ConfigError(join(path, index), f"expected a string or integer, got "
                                  f"{shown(value)}", form)
        out.append((field, tuple(values)))
    return tuple(sorted(out, key=lambda kv: kv[0]))


def _text(data: Mapping[str, Any], key: str, what: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(key, f"expected a non-empty string, got {shown(value)}", what)
    return value


@attrs.frozen(kw_only=True)
class Agreement:
    """One agreement of the catalogue.

    Attributes:
        name: unique within the catalogue.
        kind: ``"sla"``, ``"ola"`` or ``"uc"``.
        start: the first day in force (local to the agreement's calendar zone).
        until: the first day no longer in force, or ``None`` (open-ended).
        customers: the customers covered (empty: any).
        services: the services covered (empty: any).
        when: extra ticket-field matches, ``(field, accepted values)`` pairs.
        calendar: the name of the catalogue calendar of agreed service hours (also the
            zone of its periods), or ``None`` (24x7, UTC).
        definitions: the SLA definitions it measures, by name.
        targets: its service level targets.
        workload_limit: tickets per customer and period; later tickets are excluded from
            its ticket targets.  ``None``: no limit.
        exclusions: what it leaves out.
        fee: the fee per period, or ``None``.
        currency: the fee's currency code, or ``None``.
        minor_units: the decimal places of the currency's minor unit (default 2): credits
            are rounded to it, half to even.
        credits: the :class:`~itsm_core.service.credits.CreditScheme` (its rules name this
            agreement's targets), or ``None``.
        path: SLA only: the OLAs and UCs underpinning it, in escalation order.

    >>> Agreement.from_dict({"name": "desk", "kind": "ola", "from": "2025-01-01",
    ...                      "path": ["x"]})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: path: given on an 'ola' agreement; expected path on SLAs only
    """

    name: str
    kind: str = "sla"
    start: date
    until: date | None = None
    customers: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    when: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    calendar: str | None = None
    definitions: tuple[str, ...] = ()
    targets: tuple[ServiceTarget, ...] = ()
    workload_limit: int | None = None
    exclusions: Exclusions = attrs.field(factory=Exclusions)
    fee: Decimal | None = None
    currency: str | None = None
    minor_units: int = 2
    credits: CreditScheme | None = None
    path: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: object) -> Agreement:
        """Read one agreement (the form :meth:`to_dict` writes).

        Raises:
            ConfigError: anything malformed, naming the key (``targets[1].at_least``).

        >>> Agreement.from_dict({"name": "a", "from": "2025-02-01", "until": "2025-01-01"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: until: 2025-01-01 is not after from 2025-02-01; expected a date after 'from'
        """
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}", "an agreement mapping")
        check_depth(data)
        reject_unknown(data, _KEYS)
        name = _text(data, "name", "an agreement name")
        if name is None:
            raise ConfigError("name", "missing", "an agreement name")
        kind = data.get("kind", "sla")
        if kind not in AGREEMENT_KINDS:
            raise ConfigError("kind", f"unknown agreement kind {shown(kind)}", "'sla', 'ola' or 'uc'")
        if "from" not in data:
            raise ConfigError("from", "missing", "the first day in force, 'YYYY-MM-DD'")
        start = parse_date(data["from"], "from")
        until = None if data.get("until") is None else parse_date(data["until"], "until")
        if until is not None and until <= start:
            raise ConfigError("until", f"{until} is not after from {start}", "a date after 'from'")
        raw_targets = data.get("targets", [])
        if not isinstance(raw_targets, (list, tuple)):
            raise ConfigError("targets", f"expected a list, got {shown(raw_targets)}",
                              "a list of targets")
        targets = tuple(read_at(join("targets", i), ServiceTarget.from_dict, raw)
                        for i, raw in enumerate(raw_targets))
        seen: set[str] = set()
        for index, target in enumerate(targets):
            if target.name in seen:
                raise ConfigError(join(join("targets", index), "name"),
                                  f"duplicate name {shown(target.name)}",
                                  "a target name unique within the agreement")
            seen.add(target.name)
        workload = data.get("workload")
        limit = None
        if workload is not None:
            if not isinstance(workload, Mapping):
                raise ConfigError("workload", f"expected a mapping, got {shown(workload)}",
                                  "{'limit': tickets per period}")
            reject_unknown(workload, ("limit",), "workload")
            limit = int(parse_number(workload.get("limit"), "workload.limit", integer=True))
            if limit < 0:
                raise ConfigError("workload.limit", f"{limit} is negative", "a count >= 0")
        path = names_of(data.get("path", []), "path", "agreement names")
        if path and kind != "sla":
            raise ConfigError("path", f"given on an {shown(kind)} agreement", "path on SLAs only")
        fee = None if data.get("fee") is None else read_money(data["fee"], "fee")
        minor_units = 2
        if data.get("minor_units") is not None:
            minor_units = int(parse_number(data["minor_units"], "minor_units", integer=True))
            if not 0 <= minor_units <= MAX_MINOR_UNITS:
                raise ConfigError("minor_units", f"{minor_units} is out of range",
                                  f"a whole number from 0 to {MAX_MINOR_UNITS}")
        credits = None
        if data.get("credits") is not None:
            credits = read_at("credits", CreditScheme.from_dict, data["credits"])
            credits.check([t.name for t in targets], "credits")
        return cls(
            name=name, kind=kind, start=start, until=until,
            customers=names_of(data.get("customers", []), "customers", "customer names"),
            services=names_of(data.get("services", []), "services", "service names"),
            when=_when(data.get("when", {})),
            calendar=_text(data, "calendar", "the name of a catalogue calendar"),
            definitions=names_of(data.get("definitions", []), "definitions",
                                 "SLA definition names"),
            targets=targets, workload_limit=limit,
            exclusions=read_at("exclusions", Exclusions.from_dict, data.get("exclusions", {})),
            fee=fee, currency=_text(data, "currency", "a currency code such as 'EUR'"),
            minor_units=minor_units, credits=credits, path=path)

    def covers(self, customer: str | None, service: str | None,
               fields: Mapping[str, Any]) -> bool:
        """Whether a ticket of *customer* and *service* with *fields* matches (dates aside).

        >>> a = Agreement.from_dict({"name": "a", "from": "2025-01-01", "customers": ["acme"],
        ...                          "when": {"type": ["incident"]}})
        >>> a.covers("acme", "vpn", {"type": "incident"}), a.covers("acme", None, {})
        (True, False)
        """
        if self.customers and customer not in self.customers:
            return False
        if self.services and service not in self.services:
            return False
        return all(fields.get(field) in values for field, values in self.when)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back to an equal agreement.

        >>> Agreement.from_dict({"name": "a", "from": "2025-01-01"}).to_dict()["from"]
        '2025-01-01'
        """
        out: dict[str, Any] = {
            "name": self.name, "kind": self.kind, "from": self.start.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "customers": list(self.customers), "services": list(self.services),
            "when": {field: list(values) for field, values in self.when},
            "calendar": self.calendar, "definitions": list(self.definitions),
            "targets": [t.to_dict() for t in self.targets],
            "exclusions": self.exclusions.to_dict()}
        if self.workload_limit is not None:
            out["workload"] = {"limit": self.workload_limit}
        if self.fee is not None:
            out["fee"] = str(self.fee)
        if self.currency is not None:
            out["currency"] = self.currency
        if self.minor_units != 2:
            out["minor_units"] = self.minor_units
        if self.credits is not None:
            out["credits"] = self.credits.to_dict()
        if self.path:
            out["path"] = list(self.path)
        return out

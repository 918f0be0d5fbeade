"""The parties of the service catalogue: its :class:`Service` values (with their
continuity targets) and its :class:`Customer` values (with the aliases exports use).

>>> Customer.from_dict({"name": "acme", "aliases": ["ACME Corp"]}).to_dict()
{'name': 'acme', 'aliases': ['ACME Corp']}
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import attrs

from itsm_core._config import read_at, reject_unknown
from itsm_core.calendar.config import parse_date
from itsm_core.errors import ConfigError, shown
from itsm_core.service.continuity import ContinuityTargets
from itsm_core.service.target import names_of

__all__ = ["Customer", "Service"]


def _name(data: Mapping[str, Any], what: str) -> str:
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError("name", f"expected a non-empty string, got {shown(name)}", what)
    return name


@attrs.frozen(kw_only=True)
class Service:
    """A service of the catalogue.

    Attributes:
        name: unique within the catalogue.
        start: the day the service started (local to its calendar's zone), or ``None``.
        calendar: the name of a catalogue calendar (its service hours), or ``None``.
        continuity: its :class:`~itsm_core.service.continuity.ContinuityTargets` (RTO, RPO,
            MTPD and optionally WRT; see ``docs/continuity.md``), or ``None``.

    >>> Service.from_dict({"name": "vpn", "continuity": {"rto": "PT4H", "rpo": "PT1H",
    ...                                                  "mtpd": "P1D"}}).continuity.rto
    datetime.timedelta(seconds=14400)
    """

    name: str
    start: date | None = None
    calendar: str | None = None
    continuity: ContinuityTargets | None = None

    @classmethod
    def from_dict(cls, data: object) -> Service:
        """Read ``{"name", "start", "calendar", "continuity"}``.

        >>> Service.from_dict({"name": "vpn", "continuity": {"rto": "PT1H", "rpo": "PT1H"}})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: continuity.mtpd: missing; expected an ISO 8601 duration such as 'PT4H'
        """
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}", "a service mapping")
        reject_unknown(data, ("name", "start", "calendar", "continuity"))
        continuity = (None if data.get("continuity") is None else
                      read_at("continuity", ContinuityTargets.from_dict, data["continuity"]))
        calendar = data.get("calendar")
        if calendar is not None and (not isinstance(calendar, str) or not calendar):
            raise ConfigError("calendar", f"expected a calendar name, got {shown(calendar)}",
                              "the name of a catalogue calendar")
        return cls(name=_name(data, "a service name"),
                   start=None if data.get("start") is None else parse_date(data["start"], "start"),
                   calendar=calendar, continuity=continuity)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back to an equal service.

        >>> Service(name="vpn").to_dict()
        {'name': 'vpn', 'start': None, 'calendar': None, 'continuity': None}
        """
        return {"name": self.name, "start": None if self.start is None else self.start.isoformat(),
                "calendar": self.calendar,
                "continuity": None if self.continuity is None else self.continuity.to_dict()}


@attrs.frozen(kw_only=True)
class Customer:
    """A customer, known by its name or any of its aliases (as exports spell it).

    >>> Customer.from_dict({"name": "acme", "aliases": ["ACME Corp"]}).aliases
    ('ACME Corp',)
    """

    name: str
    aliases: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: object) -> Customer:
        """Read ``{"name": ..., "aliases": [...]}``.

        >>> Customer.from_dict({"name": ""})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: name: expected a non-empty string, got ''; expected a customer name
        """
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}", "a customer mapping")
        reject_unknown(data, ("name", "aliases"))
        return cls(name=_name(data, "a customer name"),
                   aliases=names_of(data.get("aliases", []), "aliases", "alias names"))

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> Customer(name="acme").to_dict()
        {'name': 'acme', 'aliases': []}
        """
        return {"name": self.name, "aliases": list(self.aliases)}

"""Outages as the service layer sees them: an availability outage with an identifier, the
service it hit, its cause and, when it hit one customer only, that customer.

>>> o = ServiceOutage.from_dict({"id": "OUT-1", "service": "email",
...                              "start": "2025-03-01T09:00:00+00:00",
...                              "end": "2025-03-01T10:00:00+00:00", "cause": "power"})
>>> o.outage.service, o.outage.impact, o.customer
('email', Fraction(1, 1), None)
>>> ServiceOutage.from_dict(o.to_dict()) == o
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._config import check_depth, reject_unknown
from itsm_core.availability import Outage
from itsm_core.errors import ArgumentTypeError, ConfigError, shown

__all__ = ["ServiceOutage"]

_KEYS = ("id", "service", "start", "end", "kind", "impact", "cause", "customer")


def _text(data: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"outage.{key}", f"expected a non-empty string, got {shown(value)}",
                          f"the outage's {key}")
    return value


@attrs.frozen(kw_only=True)
class ServiceOutage:
    """One outage of one service.

    Attributes:
        id: the outage's identifier (named in results and exclusions).
        outage: the :class:`~itsm_core.availability.Outage` (start, end, kind, impact,
            service) that ``availability.measure`` reads.
        cause: what caused it (matched against an agreement's excluded causes), or ``None``.
        customer: the one customer it affected, or ``None`` for every customer of the
            service.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> ServiceOutage(id="O1", outage=Outage(t, t.replace(hour=1), service="vpn")).service
    'vpn'
    """

    id: Any
    outage: Outage
    cause: str | None = None
    customer: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.outage, Outage):
            raise ArgumentTypeError(f"outage: expected an Outage, got "
                                    f"{type(self.outage).__name__}")
        if self.outage.service is None:
            raise ArgumentTypeError("outage: expected an Outage with its service set")

    @property
    def service(self) -> str:
        """The service the outage hit.

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> ServiceOutage(id=1, outage=Outage(t, service="mail")).service
        'mail'
        """
        assert self.outage.service is not None
        return self.outage.service

    @property
    def start(self) -> datetime:
        """When it began.

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> ServiceOutage(id=1, outage=Outage(t, service="mail")).start == t
        True
        """
        return self.outage.start

    @property
    def end(self) -> datetime | None:
        """When it ended (exclusive), ``None`` while open.

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> print(ServiceOutage(id=1, outage=Outage(t, service="mail")).end)
        None
        """
        return self.outage.end

    @property
    def impact(self) -> Fraction:
        """The share of the service lost.

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> ServiceOutage(id=1, outage=Outage(t, service="m", kind="degraded", impact="50%")).impact
        Fraction(1, 2)
        """
        return self.outage.impact

    @classmethod
    def from_dict(cls, data: object) -> ServiceOutage:
        """Read ``{"id", "service", "start", "end", "kind", "impact", "cause", "customer"}``
        (``start`` and ``end`` ISO 8601 instants with offsets; ``end`` optional).

        Raises:
            ConfigError: a missing or malformed field, naming ``outage.<field>``.

        >>> ServiceOutage.from_dict({"id": "O1", "start": "2025-01-01T00:00:00+00:00"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: outage.service: expected a non-empty string, got None; expected the outage's service
        """
        if not isinstance(data, Mapping):
            raise ConfigError("outage", f"expected a mapping, got {type(data).__name__}",
                              "{'id', 'service', 'start', 'end', ...}")
        check_depth(data, "outage")
        reject_unknown(data, _KEYS, "outage")
        if "id" not in data:
            raise ConfigError("outage.id", "missing", "the outage's identifier")
        ident = data["id"]
        if not isinstance(ident, (str, int)) or isinstance(ident, bool):
            raise ConfigError("outage.id", f"expected a string or integer, got {shown(ident)}",
                              "the outage's identifier")
        service = _text(data, "service", required=True)
        outage = Outage.from_dict({key: data[key] for key in ("start", "end", "kind", "impact")
                                   if key in data} | {"service": service})
        return cls(id=ident, outage=outage, cause=_text(data, "cause"),
                   customer=_text(data, "customer"))

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back to an equal outage.

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> ServiceOutage(id="O1", outage=Outage(t, service="m"), cause="power").to_dict()["cause"]
        'power'
        """
        return {"id": self.id, **self.outage.to_dict(), "cause": self.cause,
                "customer": self.customer}

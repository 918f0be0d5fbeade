"""What an agreement leaves out of its targets: customer-caused tickets and outages,
outages shorter than a minimum, and anything before the service started.

>>> e = Exclusions.from_dict({"causes": ["customer"], "min_outage": "PT5M"})
>>> e.cause_field, e.min_outage, e.before_service_start
('cause', datetime.timedelta(seconds=300), True)
>>> Exclusions.from_dict(e.to_dict()) == e
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs

from itsm_core._config import reject_unknown
from itsm_core._instant import format_duration, parse_duration
from itsm_core.errors import ConfigError, shown
from itsm_core.service.target import names_of

__all__ = ["Exclusions"]

_KEYS = ("causes", "cause_field", "min_outage", "before_service_start")


@attrs.frozen(kw_only=True)
class Exclusions:
    """The exclusions of an agreement.

    Attributes:
        causes: a ticket or outage whose cause is one of these is excluded (e.g.
            ``"customer"``: customer-caused).
        cause_field: the ticket field holding the cause (outages carry ``cause`` itself).
        min_outage: outages shorter than this (wall clock) are excluded; ``None``: none.
        before_service_start: exclude tickets opened, and outage time, before the service's
            start date (default true).

    >>> Exclusions().to_dict()
    {'causes': [], 'cause_field': 'cause', 'min_outage': None, 'before_service_start': True}
    """

    causes: tuple[str, ...] = ()
    cause_field: str = "cause"
    min_outage: timedelta | None = None
    before_service_start: bool = True

    @classmethod
    def from_dict(cls, data: object) -> Exclusions:
        """Read ``{"causes": [...], "cause_field": ..., "min_outage": ..., ...}``.

        >>> Exclusions.from_dict({"min_outage": "-PT1M"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: min_outage: negative duration '-PT1M'; expected a duration >= 0
        """
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}",
                              "{'causes': [...], 'min_outage': duration, ...}")
        reject_unknown(data, _KEYS)
        field = data.get("cause_field", "cause")
        if not isinstance(field, str) or not field:
            raise ConfigError("cause_field", f"expected a field name, got {shown(field)}",
                              "the name of the ticket field holding the cause")
        before = data.get("before_service_start", True)
        if not isinstance(before, bool):
            raise ConfigError("before_service_start", f"expected true or false, got "
                              f"{shown(before)}", "true or false")
        raw_min = data.get("min_outage")
        return cls(causes=names_of(data.get("causes", []), "causes", "causes"),
                   cause_field=field,
                   min_outage=None if raw_min is None else parse_duration(raw_min, "min_outage"),
                   before_service_start=before)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back to an equal value.

        >>> Exclusions(causes=("customer",)).to_dict()["causes"]
        ['customer']
        """
        return {"causes": list(self.causes), "cause_field": self.cause_field,
                "min_outage": None if self.min_outage is None else format_duration(self.min_outage),
                "before_service_start": self.before_service_start}

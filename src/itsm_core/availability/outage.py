"""Outage records: when a service was down, how badly, and whether it was planned.

An :class:`Outage` is a half-open interval ``[start, end)`` of aware instants with a
:class:`OutageKind` and an ``impact`` ratio in ``[0, 1]`` (1 = fully down, 0.5 = half the
users or half the capacity affected).  An outage still in progress has ``end=None``; it is
clipped at the ``as_of`` instant of the measurement that uses it.

>>> from datetime import datetime, timezone
>>> o = Outage(datetime(2025, 3, 1, 9, tzinfo=timezone.utc),
...            datetime(2025, 3, 1, 10, tzinfo=timezone.utc), service="mail")
>>> o.kind, o.impact, o.is_open
(<OutageKind.UNPLANNED: 'unplanned'>, Fraction(1, 1), False)
"""

from __future__ import annotations

import enum
from datetime import datetime
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._config import check_depth, reject_unknown
from itsm_core._instant import instant, parse_instant, to_us
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, shown
from itsm_core.ratios import parse_ratio

_FIELDS = ("start", "end", "service", "kind", "impact")

__all__ = ["Outage", "OutageKind"]


class OutageKind(enum.Enum):
    """What an outage means for availability.

    - ``UNPLANNED``: a service break; counts as downtime and as a failure.
    - ``DEGRADED``: a partial break; counts as downtime weighted by its impact.
    - ``PLANNED``: agreed maintenance; never downtime (see ``measure(planned=...)``).

    >>> OutageKind("degraded")
    <OutageKind.DEGRADED: 'degraded'>
    """

    UNPLANNED = "unplanned"
    PLANNED = "planned"
    DEGRADED = "degraded"


_KIND_FORM = "one of 'unplanned', 'planned', 'degraded' (or an OutageKind)"
_KINDS = {kind.value: kind for kind in OutageKind}


def _kind(value: object) -> OutageKind:
    if isinstance(value, OutageKind):
        return value
    if value.__class__ is str and value in _KINDS:
        return _KINDS[value]
    if isinstance(value, str):
        try:
            return OutageKind(value.strip().lower())
        except ValueError:
            pass
    raise ConfigError("kind", f"unknown outage kind {shown(value)}", _KIND_FORM)


_FULL = Fraction(1)  # the default impact, shared: recognised by identity
_set = object.__setattr__  # derived fields of a frozen instance


def _impact(value: object) -> Fraction:
    # fast paths for the common forms; anything else (and every error) via parse_ratio
    if value is _FULL:
        return _FULL
    if value.__class__ is Fraction:
        if 0 <= value.numerator <= value.denominator:  # lowest terms, denominator > 0
            return value
    elif value.__class__ is int and value in {0, 1}:
        return _FULL if value else Fraction(0)
    return parse_ratio(value, "impact")


def _service(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value):
        return value
    raise ConfigError("service", f"bad service {shown(value)}", "a non-empty string or None")


@attrs.frozen
class Outage:
    """One outage of a service, ``[start, end)``; ``end=None`` while it is still open.

    Args:
        start: aware datetime the outage began.
        end: aware datetime it ended (exclusive), or ``None`` if still open.
        service: the service (or CI) affected, if the caller tracks several.
        kind: ``"unplanned"`` (default), ``"planned"`` or ``"degraded"``.
        impact: the share of the service lost, a ratio in ``[0, 1]`` read exactly
            (``"50%"``, ``0.5``, ``Fraction(1, 2)``); default 1.  Planned outages must
            have impact 1: agreed maintenance removes whole instants from agreed time.

    Raises:
        NaiveDatetimeError: a naive datetime.
        InvalidArgumentError: *end* before *start*, or a partial planned outage.
        ConfigError: a bad kind, impact or service.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> Outage(t, kind="degraded", impact="25%").impact
    Fraction(1, 4)
    >>> Outage(t, t.replace(hour=1), kind="outage")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: kind: unknown outage kind 'outage'; expected one of 'unplanned', 'planned', 'degraded' (or an OutageKind)
    """

    start: datetime
    end: datetime | None = None
    service: str | None = attrs.field(default=None, kw_only=True, converter=_service)
    kind: OutageKind = attrs.field(default=OutageKind.UNPLANNED, kw_only=True, converter=_kind)
    impact: Fraction = attrs.field(default=_FULL, kw_only=True, converter=_impact)
    # private integer twins, read by measure: the instants in microseconds and the class
    # 0 planned, 1 full break (impact 1), 2 partial (0 < impact < 1), 3 no effect
    _start_us: int = attrs.field(init=False, eq=False, repr=False)
    _end_us: int | None = attrs.field(init=False, eq=False, repr=False)
    _weight_class: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        start_us = to_us(self.start, "start")
        end_us = None if self.end is None else to_us(self.end, "end")
        if end_us is not None and end_us < start_us:
            raise InvalidArgumentError(
                f"end: {self.end} is before start {self.start}; expected end >= start")
        impact = self.impact
        # integer tests: impact is in lowest terms, so it is 1 exactly when num == den
        full = impact is _FULL or impact.numerator == impact.denominator
        if self.kind is OutageKind.PLANNED:
            if not full:
                raise InvalidArgumentError(
                    f"impact: a planned outage has impact 1, got {impact}; expected 1 "
                    "(model partial maintenance as a 'degraded' outage)")
            weight_class = 0
        else:
            weight_class = 1 if full else 2 if impact.numerator else 3
        # a pandas Timestamp's nanoseconds go (toward the past), so to_dict reads back equal
        _set(self, "start", instant(self.start, "start"))
        if self.end is not None:
            _set(self, "end", instant(self.end, "end"))
        _set(self, "_start_us", start_us)
        _set(self, "_end_us", end_us)
        _set(self, "_weight_class", weight_class)

    @property
    def is_open(self) -> bool:
        """Whether the outage is still in progress (``end is None``).

        >>> from datetime import datetime, timezone
        >>> Outage(datetime(2025, 1, 1, tzinfo=timezone.utc)).is_open
        True
        """
        return self.end is None

    @classmethod
    def from_dict(cls, data: object) -> Outage:
        """Build from plain data with ISO 8601 instants (the form :meth:`to_dict` writes).

        Raises:
            ConfigError: a missing or malformed field; the message names ``outage.field``.

        >>> Outage.from_dict({"start": "2025-01-01T09:00:00+00:00",
        ...                   "end": "2025-01-01T09:30:00+00:00"}).to_dict()["end"]
        '2025-01-01T09:30:00+00:00'
        """
        check_depth(data)
        path = "outage"
        if not isinstance(data, dict):
            raise ConfigError(path, f"expected a mapping, got {type(data).__name__}",
                              "{'start': ISO instant, 'end': ISO instant or None, ...}")
        reject_unknown(data, _FIELDS, path, "start, end, service, kind, impact")
        if "start" not in data:
            raise ConfigError(f"{path}.start", "missing", "an ISO 8601 instant with offset")
        start = parse_instant(data["start"], f"{path}.start")
        end = None if data.get("end") is None else parse_instant(data["end"], f"{path}.end")
        try:
            return cls(start, end, service=data.get("service"),
                       kind=data.get("kind", "unplanned"), impact=data.get("impact", 1))
        except ConfigError as exc:
            raise ConfigError(f"{path}.{exc.path}", exc.problem, exc.expected) from None
        except (InvalidArgumentError, ArgumentTypeError) as exc:
            raise ConfigError(path, str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ISO 8601 instants, the kind's name and the impact as a string.

        >>> from datetime import datetime, timezone
        >>> Outage(datetime(2025, 1, 1, tzinfo=timezone.utc), impact=0.5).to_dict()
        {'start': '2025-01-01T00:00:00+00:00', 'end': None, 'service': None, 'kind': 'unplanned', 'impact': '1/2'}
        """
        return {"start": self.start.isoformat(),
                "end": None if self.end is None else self.end.isoformat(),
                "service": self.service, "kind": self.kind.value, "impact": str(self.impact)}

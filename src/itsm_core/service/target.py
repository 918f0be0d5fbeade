"""Service level targets of an agreement: a share of SLA cycles met, or availability.

A target is a statement over a period ("95% of P1 incidents resolved in time each month"):
:class:`ServiceTarget` says what is counted and the share asked for; the small-volume rule
(:class:`SmallVolume`) judges a quiet period by its misses instead of its share.

>>> t = ServiceTarget.from_dict({"name": "P1 resolution", "definition": "gold-resolution",
...                              "priorities": ["P1"], "at_least": "95%",
...                              "small_volume": {"below": 40, "max_misses": 2}})
>>> t.kind, t.at_least, t.small_volume.max_misses
('tickets', Fraction(19, 20), 2)
>>> ServiceTarget.from_dict(t.to_dict()) == t
True
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._config import check_depth, join, read_at, reject_unknown
from itsm_core.errors import ConfigError, shown
from itsm_core.ratios import parse_number, parse_ratio, ratio_text

__all__ = ["KINDS", "ServiceTarget", "SmallVolume", "names_of"]

#: The kinds of service level target.
KINDS = ("tickets", "availability")
_KEYS = ("name", "kind", "definition", "priorities", "at_least", "min_volume", "small_volume",
         "services")
_FORM = ("a target mapping: name, at_least, and definition (tickets) or kind "
         "'availability'")


def names_of(data: object, path: str, what: str) -> tuple[str, ...]:
    """A list of non-empty, distinct strings from configuration, as a tuple.

    >>> names_of(["P1", "P2"], "priorities", "priority labels")
    ('P1', 'P2')
    >>> names_of(["P1", "P1"], "priorities", "priority labels")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: priorities[1]: duplicate 'P1'; expected a list of distinct priority labels
    """
    if not isinstance(data, (list, tuple)):
        raise ConfigError(path, f"expected a list, got {shown(data)}", f"a list of {what}")
    seen: set[str] = set()
    for index, name in enumerate(data):
        if not isinstance(name, str) or not name:
            raise ConfigError(join(path, index), f"expected a non-empty string, got {shown(name)}",
                              f"a list of {what}")
        if name in seen:
            raise ConfigError(join(path, index), f"duplicate {shown(name)}",
                              f"a list of distinct {what}")
        seen.add(name)
    return tuple(data)


def _count(data: Mapping[str, Any], key: str, default: int, minimum: int) -> int:
    if key not in data:
        return default
    value = parse_number(data[key], key, integer=True)
    if value < minimum:
        raise ConfigError(key, f"{shown(data[key])} is below {minimum}",
                          f"a whole number >= {minimum}")
    return int(value)


@attrs.frozen(kw_only=True)
class SmallVolume:
    """The small-volume rule: with fewer than *below* cycles in a period, the target is met
    when at most *max_misses* of them breached (a share means little over a few tickets).

    >>> SmallVolume.from_dict({"below": 40, "max_misses": 2}).to_dict()
    {'below': 40, 'max_misses': 2}
    """

    below: int
    max_misses: int

    @classmethod
    def from_dict(cls, data: object) -> SmallVolume:
        """Read ``{"below": n, "max_misses": m}``.

        >>> SmallVolume.from_dict({"below": 0, "max_misses": 1})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: below: 0 is below 1; expected a whole number >= 1
        """
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}",
                              "{'below': count, 'max_misses': count}")
        reject_unknown(data, ("below", "max_misses"))
        for key in ("below", "max_misses"):
            if key not in data:
                raise ConfigError(key, "missing", "a whole number")
        return cls(below=_count(data, "below", 0, 1), max_misses=_count(data, "max_misses", 0, 0))

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> SmallVolume(below=10, max_misses=0).to_dict()["max_misses"]
        0
        """
        return {"below": self.below, "max_misses": self.max_misses}


@attrs.frozen(kw_only=True)
class ServiceTarget:
    """One service level target of an agreement.

    Attributes:
        name: the target's name, unique within its agreement.
        kind: ``"tickets"`` (the share of SLA cycles of *definition* met) or
            ``"availability"`` (availability over agreed service time).
        definition: the SLA definition whose cycles count (tickets kind).
        priorities: only cycles whose priority (the target key at the end) is one of these
            count; empty: all.
        at_least: the share asked for, exact.
        min_volume: fewer cycles than this in a period: not enough volume (default 1).
        small_volume: the small-volume rule, or ``None``.
        services: availability kind: the services measured (empty: the agreement's).

    >>> ServiceTarget.from_dict({"name": "availability", "kind": "availability",
    ...                          "at_least": "99.9%"}).at_least
    Fraction(999, 1000)
    """

    name: str
    kind: str = "tickets"
    definition: str | None = None
    priorities: tuple[str, ...] = ()
    at_least: Fraction
    min_volume: int = 1
    small_volume: SmallVolume | None = None
    services: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: object) -> ServiceTarget:
        """Read a target mapping (the form :meth:`to_dict` writes).

        Raises:
            ConfigError: anything malformed, naming the key.

        >>> ServiceTarget.from_dict({"name": "r", "at_least": "95%"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: definition: missing; expected the name of an SLA definition of the catalogue
        """
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}", _FORM)
        check_depth(data)
        reject_unknown(data, _KEYS)
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError("name", f"expected a non-empty string, got {shown(name)}",
                              "a target name")
        kind = data.get("kind", "tickets")
        if kind not in KINDS:
            raise ConfigError("kind", f"unknown target kind {shown(kind)}",
                              "'tickets' or 'availability'")
        definition = data.get("definition")
        if kind == "tickets":
            if definition is None:
                raise ConfigError("definition", "missing",
                                  "the name of an SLA definition of the catalogue")
            if not isinstance(definition, str) or not definition:
                raise ConfigError("definition", f"expected a name, got {shown(definition)}",
                                  "the name of an SLA definition of the catalogue")
            if "services" in data:
                raise ConfigError("services", "given on a tickets target",
                                  "services on availability targets only (use the "
                                  "agreement's services)")
        else:
            for key in ("definition", "priorities", "small_volume"):
                if key in data:
                    raise ConfigError(key, "given on an availability target",
                                      "definition, priorities and small_volume on tickets "
                                      "targets only")
        if "at_least" not in data:
            raise ConfigError("at_least", "missing", "a share such as '95%'")
        small = data.get("small_volume")
        return cls(
            name=name, kind=kind, definition=definition,
            priorities=names_of(data.get("priorities", []), "priorities", "priority labels"),
            at_least=parse_ratio(data["at_least"], "at_least"),
            min_volume=_count(data, "min_volume", 1, 0),
            small_volume=(None if small is None
                          else read_at("small_volume", SmallVolume.from_dict, small)),
            services=names_of(data.get("services", []), "services", "service names"))

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back to an equal target.

        >>> ServiceTarget(name="a", kind="availability", at_least=Fraction(1, 3)).to_dict()
        {'name': 'a', 'kind': 'availability', 'at_least': '1/3', 'min_volume': 1}
        """
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.definition is not None:
            out["definition"] = self.definition
        if self.priorities:
            out["priorities"] = list(self.priorities)
        out["at_least"] = ratio_text(self.at_least)
        out["min_volume"] = self.min_volume
        if self.small_volume is not None:
            out["small_volume"] = self.small_volume.to_dict()
        if self.services:
            out["services"] = list(self.services)
        return out

"""The readers and validators shared by the continuity values (targets, exercises, backup
runs): a configuration mapping with known keys, a required key, a service name, a duration
or an aware instant argument.

>>> _required({"rto": "PT4H"}, "rpo", "an ISO 8601 duration")
Traceback (most recent call last):
...
itsm_core.errors.ConfigError: rpo: missing; expected an ISO 8601 duration
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from itsm_core._config import check_depth, reject_unknown
from itsm_core._instant import duration_us, to_us
from itsm_core.errors import ArgumentTypeError, ConfigError, shown


def _mapping(data: object, keys: tuple[str, ...], form: str) -> Mapping[str, Any]:
    check_depth(data)
    if not isinstance(data, Mapping):
        raise ConfigError("", f"expected a mapping, got {shown(data)}", form)
    reject_unknown(data, keys)
    return data


def _required(data: Mapping[str, Any], key: str, form: str) -> Any:
    if key not in data:
        raise ConfigError(key, "missing", form)
    return data[key]


def _name(value: object, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(path, f"expected a service name, got {shown(value)}",
                          "a non-empty string")
    return value


def _duration(name: str) -> Any:
    """An attrs validator: a ``timedelta >= 0``, or an error naming the argument."""
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        duration_us(value, name)
    return check


def _aware(name: str) -> Any:
    """An attrs validator: an aware datetime, or an error naming the argument."""
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        to_us(value, name)
    return check



def _service(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ArgumentTypeError(f"service: expected a non-empty str, got {shown(value)}")

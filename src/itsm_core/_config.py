"""Reading configuration values: one way to place a nested value's errors under its path.

Every configuration value is read with ``from_dict(data)`` and written back with
``to_dict()``.  A value nested inside another is read with :func:`read_at`, so that an error
raised deep inside names the full path from the outermost mapping.

>>> from itsm_core.errors import ConfigError, UnknownNameError
>>> def hours(data):
...     raise ConfigError("mon[0]", "cannot read '9:00' as a time", '"HH:MM"')
>>> read_at("versions[1].calendar.hours", hours, {})
Traceback (most recent call last):
...
itsm_core.errors.ConfigError: versions[1].calendar.hours.mon[0]: cannot read '9:00' as a time; expected "HH:MM"
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from itsm_core.errors import ConfigError, UnknownNameError

__all__ = ["join", "read_at"]

T = TypeVar("T")


def join(path: str, key: str | int) -> str:
    """The path of *key* inside the value at *path*: ``a.b`` for a key, ``a[0]`` for an index.

    >>> join("", "hours"), join("hours", "mon"), join("hours.mon", 0)
    ('hours', 'hours.mon', 'hours.mon[0]')
    """
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def read_at(path: str, read: Callable[[Any], T], data: object) -> T:
    """``read(data)``, with any :class:`ConfigError` or :class:`UnknownNameError` it raises
    placed under *path*.

    >>> read_at("targets", int, "4")
    4
    """
    try:
        return read(data)
    except (ConfigError, UnknownNameError) as exc:
        raise exc.under(path) from None

"""Reading configuration values: one way to place a nested value's errors under its path.

Every configuration value is read with ``from_dict(data)`` and written back with
``to_dict()``.  A value nested inside another is read with :func:`read_at`, so that an error
raised deep inside names the full path from the outermost mapping.

>>> from itsm_core.errors import ConfigError, UnknownNameError, shown
>>> def hours(data):
...     raise ConfigError("mon[0]", "cannot read '9:00' as a time", '"HH:MM"')
>>> read_at("versions[1].calendar.hours", hours, {})
Traceback (most recent call last):
...
itsm_core.errors.ConfigError: versions[1].calendar.hours.mon[0]: cannot read '9:00' as a time; expected "HH:MM"
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from itsm_core.errors import ConfigError, UnknownNameError, shown

__all__ = ["MAX_DEPTH", "check_depth", "join", "read_at", "reject_unknown"]

T = TypeVar("T")

#: How deeply configuration data may nest (mappings and lists inside each other).  Real
#: configurations stay under about 12 levels; the limit keeps a hostile value from
#: exhausting the stack while it is read, compared, written back or shown in a message.
MAX_DEPTH = 40


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


def check_depth(data: object, path: str = "", limit: int = MAX_DEPTH) -> None:
    """Raise :class:`ConfigError` naming *path* if *data* nests mappings and lists more than
    *limit* levels deep (walked without recursion, so any depth is safe to check).

    >>> check_depth({"all": [{"not": {"state_in": ["New"]}}]}, "stop")
    >>> deep: object = True
    >>> for _ in range(100):
    ...     deep = {"not": deep}
    >>> check_depth(deep, "stop")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: stop.not.not.not...not.not.not: nested more than 40 levels deep; expected at most 40 levels of mappings and lists
    """
    # each entry: a value, its depth, and its parent's entry and key (the path is only
    # spelled out for the value that breaks the limit)
    Entry = tuple[object, int, Any, object]
    stack: list[Entry] = [(data, 1, None, None)]
    while stack:
        entry = stack.pop()
        value, depth = entry[0], entry[1]
        if isinstance(value, Mapping):
            children: Any = value.items()
        elif isinstance(value, (list, tuple)):
            children = enumerate(value)
        else:
            continue
        if depth > limit:
            raise ConfigError(_spelled(path, entry), f"nested more than {limit} levels deep",
                              f"at most {limit} levels of mappings and lists")
        stack.extend((child, depth + 1, entry, key) for key, child in children)


def _spelled(path: str, entry: Any) -> str:
    keys: list[object] = []
    while entry[2] is not None:
        keys.append(entry[3])
        entry = entry[2]
    for key in reversed(keys):
        if isinstance(key, str) or (type(key) is int and key.bit_length() < 64):
            path = join(path, key)
        else:
            path = join(path, shown(key))
    return path


def reject_unknown(data: Mapping[Any, Any], known: Collection[str], path: str = "",
                   expected: str | None = None) -> None:
    """Raise :class:`ConfigError` for the first key of *data* (in a stable order) that is not
    in *known*: at the key's own path when it is a non-empty string, else at *path* with the
    key shown (bounded), so that keys of any type and size give a readable message.

    >>> reject_unknown({"name": "x", "colour": 1}, ("name",), "sla")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: sla.colour: unknown key; expected one of name
    >>> reject_unknown({"": 1, 10 ** 5000: 2}, ("name",), "sla")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: sla: unknown key ''; expected one of name
    """
    unknown = [key for key in data if not (isinstance(key, str) and key in known)]
    if not unknown:
        return
    key = min(unknown, key=lambda k: (not isinstance(k, str), shown(k)))
    form = expected if expected is not None else f"one of {', '.join(known)}"
    if isinstance(key, str) and key:
        raise ConfigError(join(path, key), "unknown key", form)
    raise ConfigError(path, f"unknown key {shown(key)}", form)

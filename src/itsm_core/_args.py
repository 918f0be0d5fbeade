"""Reading collection arguments: one check that an argument is an iterable of values.

A function that takes a collection (``find_conflicts(changes)``, ``compliance_report(outcomes)``)
reads it with :func:`items_of`, so a number or a string given by mistake fails with an
:class:`~itsm_core.errors.ArgumentTypeError` naming the argument rather than a bare
``TypeError`` from deep inside.

>>> items_of((1, 2), "changes", "ChangeRequest values")
[1, 2]
>>> items_of(1.5, "changes", "ChangeRequest values")
Traceback (most recent call last):
...
itsm_core.errors.ArgumentTypeError: changes: expected an iterable of ChangeRequest values, got float
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from itsm_core.errors import ArgumentTypeError

__all__ = ["items_of"]


def items_of(value: object, name: str, what: str) -> list[Any]:
    """*value* as a list, or :class:`ArgumentTypeError` naming *name* when it is not an
    iterable (a ``str`` or ``bytes`` counts as a mistake, not as its characters).

    >>> items_of(iter("ab"), "flags", "flag names")
    ['a', 'b']
    >>> items_of("ab", "flags", "flag names")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: flags: expected an iterable of flag names, got str
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ArgumentTypeError(f"{name}: expected an iterable of {what}, got {type(value).__name__}")
    return value if isinstance(value, list) else list(value)

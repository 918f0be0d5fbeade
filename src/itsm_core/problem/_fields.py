"""Field readers shared by the problem-management modules (internal).

Each returns the value it read, or raises an error naming the field and the expected form.

>>> _nonempty_text("INC1", "id")
'INC1'
>>> _positive_ratio("0.6", "threshold")
Fraction(3, 5)
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from itsm_core._args import items_of
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, shown
from itsm_core.ratios import parse_number

__all__ = ["_nonempty_text", "_optional_text", "_positive_ratio", "_text_set"]


def _nonempty_text(value: object, name: str) -> str:
    """Return *value* if it is a non-empty string, else raise naming *name*.

    >>> _nonempty_text("", "id")
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: id: empty string; expected a non-empty string
    """
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name}: expected a string, got {type(value).__name__} {shown(value)}")
    if not value:
        raise InvalidArgumentError(f"{name}: empty string; expected a non-empty string")
    return value


def _optional_text(value: object, name: str) -> str | None:
    """Return *value* if it is ``None`` or a non-empty string.

    >>> _optional_text(None, "ci") is None
    True
    """
    return None if value is None else _nonempty_text(value, name)


def _text_set(values: Iterable[object], name: str) -> tuple[str, ...]:
    """Return *values* as a sorted tuple of distinct non-empty strings.

    >>> _text_set(["b", "a", "b"], "cis")
    ('a', 'b')
    """
    if isinstance(values, str):
        raise ArgumentTypeError(f"{name}: expected a collection of strings, got a string {shown(values)}")
    items = items_of(values, name, "strings")
    return tuple(sorted({_nonempty_text(v, f"{name}[{i}]") for i, v in enumerate(items)}))


def _positive_ratio(value: object, path: str) -> Fraction:
    """Read a ratio in ``(0, 1]`` exactly with :func:`itsm_core.ratios.parse_number`.

    >>> _positive_ratio(0.1, "threshold")
    Fraction(1, 10)
    >>> _positive_ratio(1.5, "threshold")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: threshold: 1.5 is out of range; expected a number in (0, 1]
    """
    ratio = parse_number(value, path)
    if not 0 < ratio <= 1:
        raise ConfigError(path, f"{shown(value)} is out of range", "a number in (0, 1]")
    return ratio

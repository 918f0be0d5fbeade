"""Small validators shared by the problem-management modules (internal).

>>> _text("INC1", "id")
'INC1'
>>> _ratio("0.6", "threshold")
Fraction(3, 5)
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError

__all__ = ["_opt_text", "_ratio", "_text", "_texts"]


def _text(value: object, name: str) -> str:
    """Return *value* if it is a non-empty string, else raise naming *name*.

    >>> _text("", "id")
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: id: empty string; expected a non-empty string
    """
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name}: expected a string, got {type(value).__name__} {value!r}")
    if not value:
        raise InvalidArgumentError(f"{name}: empty string; expected a non-empty string")
    return value


def _opt_text(value: object, name: str) -> str | None:
    """Return *value* if it is ``None`` or a non-empty string.

    >>> _opt_text(None, "ci") is None
    True
    """
    return None if value is None else _text(value, name)


def _texts(values: Iterable[object], name: str) -> tuple[str, ...]:
    """Return *values* as a sorted tuple of distinct non-empty strings.

    >>> _texts(["b", "a", "b"], "cis")
    ('a', 'b')
    """
    if isinstance(values, str):
        raise ArgumentTypeError(f"{name}: expected a collection of strings, got a string {values!r}")
    return tuple(sorted({_text(v, f"{name}[{i}]") for i, v in enumerate(values)}))


def _ratio(value: object, path: str, *, low: Fraction = Fraction(0)) -> Fraction:
    """Read a ratio in ``(low, 1]`` exactly: floats go through their shortest repr.

    >>> _ratio(0.1, "threshold")
    Fraction(1, 10)
    >>> _ratio(1.5, "threshold")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: threshold: 1.5 is out of range; expected a number in (0, 1]
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Fraction)):
        raise ConfigError(path, f"expected a number, got {type(value).__name__} {value!r}",
                          f"a number in ({low}, 1]")
    try:
        ratio = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ConfigError(path, f"cannot read {value!r} as a number",
                          f"a number in ({low}, 1]") from None
    if not low < ratio <= 1:
        raise ConfigError(path, f"{value!r} is out of range", f"a number in ({low}, 1]")
    return ratio

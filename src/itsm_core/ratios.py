"""Exact numbers from configuration: the one parser, and ratios in ``[0, 1]`` built on it.

Targets arrive as ``"99.95%"``, ``"0.9995"``, ``Decimal``, ``Fraction``, ``int`` or
``float``; :func:`parse_ratio` turns every one of them into an exact
:class:`fractions.Fraction`, so that ``1 - target`` is the error budget the user wrote and
not ``0.0010000000000000009``.  Floats are read through their shortest ``repr``
(``0.999`` is ``999/1000``), which is the number the user typed.

>>> 1 - parse_ratio("0.999", "slo.target")
Fraction(1, 1000)
>>> parse_ratio("99.95 %", "slo.target")
Fraction(1999, 2000)
>>> format_percent(Fraction(1999, 2000))
'99.95%'
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

from itsm_core.errors import ConfigError

__all__ = ["NUMBER_FORM", "RATIO_FORM", "format_percent", "parse_number", "parse_ratio", "ratio_text"]

RATIO_FORM = (
    "a ratio in [0, 1]: a percentage string such as '99.95%', a decimal string such as "
    "'0.9995', a fraction string such as '999/1000', or a Fraction, Decimal, int or float"
)

NUMBER_FORM = (
    "a number: an int, a decimal string such as '2.5', a fraction string such as '3/4', "
    "or a Fraction, Decimal or float"
)

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_PERCENT = re.compile(r"(?P<number>.*?)\s*%")
_FRACTION = re.compile(r"(?P<num>[+-]?\d+)\s*/\s*(?P<den>\d+)")


def _from_text(text: str, *, percent: bool = True) -> Fraction | None:
    stripped = text.strip()
    fraction = _FRACTION.fullmatch(stripped)
    if fraction is not None:
        if percent and fraction.group("num")[0] in "+-":
            return None  # a ratio is never written as a signed fraction
        den = int(fraction.group("den"))
        return Fraction(int(fraction.group("num")), den) if den else None
    percentage = _PERCENT.fullmatch(stripped) if percent else None
    number = percentage.group("number") if percentage else stripped
    if _NUMBER.fullmatch(number) is None:
        return None
    value = Fraction(number)
    return value / 100 if percentage else value


def parse_number(value: object, path: str, *, integer: bool = False,
                 percent: bool = False) -> Fraction:
    """Read *value* as an exact number: the one parser behind every number in configuration.

    Accepted forms: ``int``, ``Fraction``, ``Decimal``, ``float`` (through its shortest
    ``repr``, so ``0.1`` is exactly ``1/10``), a decimal string (``"2.5"``, ``"1e-3"``) and a
    fraction string (``"3/4"``); with *percent*, also a percentage string (``"99.9%"``).
    ``bool``, infinities and NaN are refused.

    Args:
        value: the number to read.
        path: the configuration path named in any error, e.g. ``"weights.impact"``.
        integer: require a whole number.
        percent: accept a percentage string.

    Raises:
        ConfigError: *value* is not a finite number in one of the accepted forms.

    >>> parse_number(0.1, "w"), parse_number("3/4", "w"), parse_number("2.5e1", "w")
    (Fraction(1, 10), Fraction(3, 4), Fraction(25, 1))
    >>> parse_number("x", "weights.a")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: weights.a: cannot read 'x' as a number; expected a number: ...
    """
    result: Fraction | None
    if isinstance(value, bool):
        result = None
    elif isinstance(value, Fraction):
        result = value
    elif isinstance(value, int):
        result = Fraction(value)
    elif isinstance(value, float):
        result = Fraction(repr(value)) if math.isfinite(value) else None
    elif isinstance(value, Decimal):
        result = Fraction(value) if value.is_finite() else None
    elif isinstance(value, str):
        result = _from_text(value, percent=percent)
    else:
        result = None
    if result is None:
        form = RATIO_FORM if percent else NUMBER_FORM
        raise ConfigError(path, f"cannot read {value!r} as a {'ratio' if percent else 'number'}",
                          form)
    if integer and result.denominator != 1:
        raise ConfigError(path, f"{value!r} is not a whole number", "an integer")
    return result


def parse_ratio(value: object, path: str) -> Fraction:
    """Read *value* as an exact ratio in ``[0, 1]``.

    Accepted forms: those of :func:`parse_number` and a percentage string (``"99.95%"``,
    ``"99.95 %"``), so ``0.999`` is exactly ``999/1000``.

    Args:
        value: the ratio to read.
        path: the configuration path named in any error, e.g. ``"slos[0].target"``.

    Returns:
        The ratio as a ``Fraction`` in lowest terms.

    Raises:
        ConfigError: *value* is not a number in one of the accepted forms, is not finite,
            or lies outside ``[0, 1]``; the message names *path*.

    >>> parse_ratio("99.9%", "target"), parse_ratio(0.999, "target")
    (Fraction(999, 1000), Fraction(999, 1000))
    >>> from decimal import Decimal
    >>> parse_ratio(Decimal("0.99999"), "target")
    Fraction(99999, 100000)
    >>> parse_ratio("101%", "slos[2].target")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: slos[2].target: '101%' is outside [0, 1]; expected a ratio in [0, 1]: ...
    """
    result = parse_number(value, path, percent=True)
    if not 0 <= result <= 1:
        raise ConfigError(path, f"{value!r} is outside [0, 1]", RATIO_FORM)
    return result


def format_percent(ratio: Fraction, places: int | None = None) -> str:
    """Format an exact ratio as a percentage for display.

    With *places* ``None`` the shortest exact decimal is shown when one exists with at
    most 12 decimals, else 12 decimals rounded half-even.  With *places* given, the value
    is rounded half-even to that many decimals.  Display only: never decide with it.

    >>> format_percent(Fraction(99999, 100000))
    '99.999%'
    >>> format_percent(Fraction(2, 3), places=2)
    '66.67%'
    >>> format_percent(Fraction(1))
    '100%'
    """
    percent = ratio * 100
    digits = 12 if places is None else places
    scaled = round(percent * 10**digits)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**digits)
    text = f"{whole}.{frac:0{digits}d}" if digits else str(whole)
    if places is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{sign}{text}%"


def ratio_text(ratio: Fraction) -> str:
    """The exact text :func:`parse_ratio` reads back: a percentage when that is exact
    (at most 12 decimals of percent), else ``"numerator/denominator"``.

    >>> ratio_text(Fraction(999, 1000)), ratio_text(Fraction(1, 3))
    ('99.9%', '1/3')
    >>> parse_ratio(ratio_text(Fraction(1, 3)), "t")
    Fraction(1, 3)
    """
    text = format_percent(ratio)
    if _from_text(text) == ratio:
        return text
    return f"{ratio.numerator}/{ratio.denominator}"

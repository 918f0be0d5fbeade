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

Every number is bounded before any arithmetic (see :data:`MAX_DIGITS`): configuration may
come from untrusted users, and ``Fraction("1e-10000000")`` alone would compute a
ten-million-digit power of ten.

>>> parse_number("1e-10000000", "weights.a")
Traceback (most recent call last):
...
itsm_core.errors.ConfigError: weights.a: the exponent of '1e-10000000' is too large; expected a number written in at most 800 characters with an exponent of at most 1200, whose exact value has at most 350 digits in its numerator and in its denominator
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

from itsm_core.errors import ConfigError, shown

__all__ = [
    "MAX_DIGITS",
    "MAX_TEXT_LENGTH",
    "NUMBER_FORM",
    "RATIO_FORM",
    "format_percent",
    "parse_number",
    "parse_ratio",
    "ratio_text",
    "report_percent",
]

#: The most digits the numerator, and the denominator, of a number from configuration may
#: have, once in lowest terms: ``"99.95%"`` is 1999/2000 (4 digits each), a money amount
#: such as ``"1234567.89"`` is 123456789/100 (9 and 3).  The bound admits every finite
#: ``float`` (the largest is a 309-digit integer, the smallest denominator of a subnormal
#: has 324 digits), so a number from JSON is never refused for its size, and it keeps each
#: later product and comparison cheap.  It applies to every form alike: text, ``int``,
#: ``float``, ``Decimal`` and ``Fraction``.
MAX_DIGITS = 350

#: The longest text read as a number (a fraction of two 350-digit parts, with spaces and a
#: sign, fits); longer text is refused before any parsing.
MAX_TEXT_LENGTH = 800

# A written exponent (or a Decimal's digit count) beyond this cannot meet MAX_DIGITS with
# a mantissa of at most MAX_TEXT_LENGTH digits (unless the number is zero): refused before
# the power of ten is computed.
_MAX_EXPONENT = 1200
_LIMIT = 10**MAX_DIGITS  # numerator and denominator must be below this
_LIMITS_FORM = (
    f"a number written in at most {MAX_TEXT_LENGTH} characters with an exponent of at most "
    f"{_MAX_EXPONENT}, whose exact value has at most {MAX_DIGITS} digits in its numerator "
    "and in its denominator"
)

RATIO_FORM = (
    "a ratio in [0, 1]: a percentage string such as '99.95%', a decimal string such as "
    "'0.9995', a fraction string such as '999/1000', or a Fraction, Decimal, int or float"
)

NUMBER_FORM = (
    "a number: an int, a decimal string such as '2.5', a fraction string such as '3/4', "
    "or a Fraction, Decimal or float"
)

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE](?P<exponent>[+-]?\d+))?")
_NONZERO = re.compile(r"[^\D0]")  # a digit other than 0
_PERCENT = re.compile(r"(?P<number>.*?)\s*%")
_FRACTION = re.compile(r"(?P<num>[+-]?\d+)\s*/\s*(?P<den>\d+)")


class _TooLarge(Exception):
    """A number beyond the limits, found before it was converted (*part* says where)."""

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.part = part


def _from_text(text: str, *, percent: bool = True) -> Fraction | None:
    if len(text) > MAX_TEXT_LENGTH:
        raise _TooLarge("text")
    stripped = text.strip()
    fraction = _FRACTION.fullmatch(stripped)
    if fraction is not None:
        if percent and fraction.group("num")[0] in "+-":
            return None  # a ratio is never written as a signed fraction
        den = int(fraction.group("den"))
        return Fraction(int(fraction.group("num")), den) if den else None
    percentage = _PERCENT.fullmatch(stripped) if percent else None
    number = percentage.group("number") if percentage else stripped
    match = _NUMBER.fullmatch(number)
    if match is None:
        return None
    exponent = match.group("exponent")
    if exponent is not None and not _NONZERO.search(number, 0, match.start("exponent")):
        return Fraction(0)  # zero, whatever its exponent
    if exponent is not None and len(exponent.lstrip("+-").lstrip("0")) > 3:
        raise _TooLarge("exponent")  # before int(): it may have thousands of digits
    if exponent is not None and abs(int(exponent)) > _MAX_EXPONENT:
        raise _TooLarge("exponent")
    value = Fraction(number)
    return value / 100 if percentage else value


def parse_number(value: object, path: str, *, integer: bool = False,
                 percent: bool = False) -> Fraction:
    """Read *value* as an exact number: the one parser behind every number in configuration.

    Accepted forms: ``int``, ``Fraction``, ``Decimal``, ``float`` (through its shortest
    ``repr``, so ``0.1`` is exactly ``1/10``), a decimal string (``"2.5"``, ``"1e-3"``) and a
    fraction string (``"3/4"``); with *percent*, also a percentage string (``"99.9%"``).
    ``bool``, infinities and NaN are refused.  So is a number beyond the limits, checked
    before any conversion: text longer than :data:`MAX_TEXT_LENGTH` characters, an exponent
    beyond 1200, or an exact value whose numerator or denominator has more than
    :data:`MAX_DIGITS` digits (every finite ``float`` is within them).

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
    >>> parse_number(10**400, "weights.a")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: weights.a: <int of 1329 bits> has more than 350 digits in its numerator or denominator; expected a number written in at most 800 characters ...
    """
    try:
        result = _convert(value, percent)
    except _TooLarge as exc:
        problem = {"text": f"{shown(value)} is too long",
                   "digits": f"{shown(value)} has more than {MAX_DIGITS} digits",
                   "exponent": f"the exponent of {shown(value)} is too large"}[exc.part]
        raise ConfigError(path, problem, _LIMITS_FORM) from None
    if result is None:
        form = RATIO_FORM if percent else NUMBER_FORM
        raise ConfigError(path, f"cannot read {shown(value)} as a "
                          f"{'ratio' if percent else 'number'}", form)
    if not (-_LIMIT < result.numerator < _LIMIT and result.denominator < _LIMIT):
        raise ConfigError(path, f"{shown(value)} has more than {MAX_DIGITS} digits in its "
                          "numerator or denominator", _LIMITS_FORM)
    if integer and result.denominator != 1:
        raise ConfigError(path, f"{shown(value)} is not a whole number", "an integer")
    return result


def _convert(value: object, percent: bool) -> Fraction | None:
    """*value* as an exact Fraction (``None`` if unreadable), with the work bounded: a
    ``Decimal`` or text too large to convert cheaply raises :class:`_TooLarge` first."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (Fraction, int)):
        return Fraction(value)  # size checked by the caller: comparisons are cheap
    if isinstance(value, float):
        return Fraction(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        _, digits, exponent = value.as_tuple()
        if not any(digits):
            return Fraction(0)
        # as written without trailing zeros: Decimal("1.000") is 1, however many zeros
        zeros = len(digits) - len(bytes(digits).rstrip(b"\0"))
        if len(digits) - zeros > _MAX_EXPONENT:
            raise _TooLarge("digits")  # cannot meet MAX_DIGITS: refused before converting
        if abs(int(exponent) + zeros) > _MAX_EXPONENT:
            raise _TooLarge("exponent")
        return Fraction(value)
    if isinstance(value, str):
        return _from_text(value, percent=percent)
    return None


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
        raise ConfigError(path, f"{shown(value)} is outside [0, 1]", RATIO_FORM)
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


def report_percent(share: Fraction | None, *, higher_is_worse: bool = False) -> str:
    """*share* as a report shows it: a percentage with at most three decimals, cut towards
    the worse side so that it never looks better than it is (down for a share where higher
    is better, such as tickets met; up where higher is worse, such as tickets reopened);
    ``"-"`` for ``None``.  Display only: never decide with it.

    >>> report_percent(Fraction(1, 3)), report_percent(Fraction(1, 3), higher_is_worse=True)
    ('33.333%', '33.334%')
    >>> report_percent(Fraction(19, 20)), report_percent(Fraction(199999, 200000)), report_percent(None)
    ('95%', '99.999%', '-')
    """
    if share is None:
        return "-"
    scaled = share.numerator * 100_000  # thousandths of a percent, floored or ceiled
    thousandths = -(-scaled // share.denominator) if higher_is_worse else scaled // share.denominator
    sign = "-" if thousandths < 0 else ""
    whole, frac = divmod(abs(thousandths), 1000)
    text = f"{whole}.{frac:03d}".rstrip("0").rstrip(".")
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
    if len(text) <= MAX_TEXT_LENGTH and _from_text(text) == ratio:
        return text
    return f"{ratio.numerator}/{ratio.denominator}"

"""Helpers shared by the capacity modules: exact numeric arguments and computed durations.

>>> _exact_value(0.1, "traffic")
Fraction(1, 10)
>>> _duration(Fraction(3, 2), "wait")
datetime.timedelta(microseconds=1)
"""

from __future__ import annotations

import math
from datetime import timedelta
from fractions import Fraction

from itsm_core._instant import td
from itsm_core.errors import ArgumentTypeError, DomainError, shown
from itsm_core.ratios import parse_number

__all__ = ["Number"]

#: A numeric argument: an ``int``, a ``float`` or an exact ``Fraction``.
Number = int | float | Fraction

_MAX_US = (timedelta.max.days * 86_400 + 86_399) * 1_000_000


def _duration(us: float | Fraction, name: str) -> timedelta:
    """A computed duration, refused when it exceeds what ``timedelta`` can hold."""
    if not us <= _MAX_US:  # also refuses nan
        raise DomainError(f"{name}: the result exceeds the largest timedelta "
                          "(999,999,999 days); expected inputs giving a representable duration")
    return td(math.floor(us) if isinstance(us, Fraction) else round(us))



def _exact_value(value: object, name: str) -> Fraction:
    """A numeric argument read exactly (by the one parser; floats through their repr)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
        raise ArgumentTypeError(f"{name}: expected a number, got {shown(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise DomainError(f"{name}: {shown(value)}; expected a finite number")
    return parse_number(value, name)

"""The terms of a service credit scheme beside its rules: amounts of money, read exactly,
the at-risk pool spread over targets by weight (:class:`AtRisk`) and earn-back
(:class:`EarnBack`).

An amount of money is a non-negative, exact :class:`~decimal.Decimal`; a share of the fee
is an exact :class:`~fractions.Fraction` (see docs/service-credits.md, "The at-risk pool"
and "Earn-back").

>>> pool = AtRisk.from_dict({"pool": "10%", "weights": {"P1": 1, "availability": 1}})
>>> pool._share("availability"), EarnBack.from_dict({"periods": 2}).periods
(Fraction(1, 20), 2)
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._config import join, reject_unknown
from itsm_core.errors import ConfigError, shown
from itsm_core.ratios import parse_number, parse_ratio, ratio_text

__all__ = ["AtRisk", "EarnBack", "read_money"]

#: The most periods an earn-back may wait for.
MAX_EARN_BACK_PERIODS = 120

MONEY_FORM = ("an amount of money at least 0, written exactly in decimal: a string such as "
              "'500.00', an int or a Decimal")


def read_money(value: object, path: str) -> Decimal:
    """*value* as an exact, non-negative :class:`~decimal.Decimal` amount, read by the one
    number parser; a ``ConfigError`` at *path* if it is not one.

    >>> read_money("500.00", "amount"), read_money(12, "amount"), read_money("1e3", "amount")
    (Decimal('500.00'), Decimal('12'), Decimal('1000'))
    """
    number = parse_number(value, path)
    if number < 0:
        raise ConfigError(path, f"{shown(value)} is negative", MONEY_FORM)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) and "/" not in value:  # a decimal string, checked above
        amount = Decimal(value.strip()).copy_abs()  # the places written: "12.50" stays
        exponent = amount.as_tuple().exponent
        return amount if isinstance(exponent, int) and exponent <= 0 \
            else amount.quantize(Decimal(1))  # "1e3" is 1000, not 1E+3
    return _exact_decimal(number, value, path)


def _exact_decimal(number: Fraction, value: object, path: str) -> Decimal:
    """*number* as a Decimal with no rounding, or a ``ConfigError`` if it has no finite
    decimal expansion (``1/3``)."""
    den, twos, fives = number.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:
        raise ConfigError(path, f"{shown(value)} has no exact decimal form", MONEY_FORM)
    places = max(twos, fives)
    return Decimal(f"{number.numerator * 10**places // number.denominator}e-{places}")


@attrs.frozen(kw_only=True)
class AtRisk:
    """An at-risk pool (a share of the fee) spread over targets by weight: a missed target
    costs ``pool x weight / sum of weights`` of the fee, once per period.

    >>> AtRisk.from_dict({"pool": "12%", "weights": {"P1": 3, "availability": 2}})._share("P1")
    Fraction(9, 125)
    """

    pool: Fraction
    weights: tuple[tuple[str, Fraction], ...]

    def _share(self, target: str) -> Fraction:
        total = sum(weight for _, weight in self.weights)
        return self.pool * dict(self.weights).get(target, Fraction(0)) / (total or 1)

    @classmethod
    def from_dict(cls, data: object) -> AtRisk:
        """Read ``{"pool": "12%", "weights": {"target": 3, ...}}``.

        >>> AtRisk.from_dict({"pool": 0.1, "weights": {"t": "1.5"}}).weights
        (('t', Fraction(3, 2)),)
        """
        form = "{'pool': '12%', 'weights': {'P1 resolution': 3, 'availability': 2}}"
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}", form)
        reject_unknown(data, ("pool", "weights"), "")
        for key in ("pool", "weights"):
            if key not in data:
                raise ConfigError(key, "missing", form)
        raw = data["weights"]
        if not isinstance(raw, Mapping) or not raw:
            raise ConfigError("weights", f"expected a non-empty mapping, got {shown(raw)}",
                              "target names mapped to positive weights")
        weights = []
        for name, value in raw.items():
            if name.__class__ is not str or not name:
                raise ConfigError("weights", f"expected a target's name, got {shown(name)}",
                                  "target names mapped to positive weights")
            weight = parse_number(value, join("weights", name))
            if weight <= 0:
                raise ConfigError(join("weights", name), f"{shown(value)} is not positive",
                                  "a weight above 0")
            weights.append((str(name), weight))
        return cls(pool=parse_ratio(data["pool"], "pool"), weights=tuple(weights))

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back.

        >>> AtRisk(pool=Fraction(3, 25), weights=(("t", Fraction(3)),)).to_dict()
        {'pool': '12%', 'weights': {'t': 3}}
        """
        return {"pool": ratio_text(self.pool),
                "weights": {name: w.numerator if w.denominator == 1 else str(w)
                            for name, w in self.weights}}


@attrs.frozen(kw_only=True)
class EarnBack:
    """Earn-back: a credit for a target is returned when the target is met strictly above
    its goal in each of the next *periods* periods that have a verdict.

    >>> EarnBack.from_dict({"periods": 3}).periods
    3
    """

    periods: int

    @classmethod
    def from_dict(cls, data: object) -> EarnBack:
        """Read ``{"periods": 3}``.

        >>> EarnBack.from_dict({"periods": "2"}).to_dict()
        {'periods': 2}
        """
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}", "{'periods': 3}")
        reject_unknown(data, ("periods",), "")
        if "periods" not in data:
            raise ConfigError("periods", "missing", "{'periods': 3}")
        count = parse_number(data["periods"], "periods", integer=True)
        if not 1 <= count <= MAX_EARN_BACK_PERIODS:
            raise ConfigError("periods", f"{shown(data['periods'])} is out of range",
                              f"a whole number from 1 to {MAX_EARN_BACK_PERIODS}")
        return cls(periods=int(count))

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back.

        >>> EarnBack(periods=1).to_dict()
        {'periods': 1}
        """
        return {"periods": self.periods}

"""The rules of a service credit scheme: tiered bands by attainment (:class:`TiersRule`),
a credit per point below the goal (:class:`LinearRule`) and a fixed amount per breached
ticket (:class:`PerBreachRule`).

Each rule names one target of the agreement and reads that target's
:class:`~itsm_core.service.result.TargetResult` for a period.  A credit is either a share
of the period's fee (``"credit": "5%"``) or an amount of money (``"amount": "500.00"``);
every figure is exact until the scheme quantizes the lines to the currency's minor unit
(see docs/service-credits.md, "Rounding").

>>> rule = TiersRule.from_dict({"kind": "tiers", "target": "availability", "bands": [
...     {"from": "99%", "to": "99.9%", "credit": "10%"},
...     {"from": "0%", "to": "99%", "credit": "25%"}]})
>>> rule._band_for(Fraction(995, 1000)).share
Fraction(1, 10)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._config import check_depth, join, read_at, reject_unknown
from itsm_core.errors import ConfigError, shown
from itsm_core.ratios import format_percent, parse_ratio, ratio_text
from itsm_core.service.credit_terms import read_money
from itsm_core.service.result import TargetResult, Verdict

__all__ = ["CreditBand", "CreditRule", "LinearRule", "PerBreachRule", "TiersRule"]


def _mapping(data: object, path: str, form: str) -> Mapping[Any, Any]:
    if not isinstance(data, Mapping):
        raise ConfigError(path, f"expected a mapping, got {shown(data)}", form)
    check_depth(data, path)
    return data


def _target_name(data: Mapping[Any, Any], path: str) -> str:
    name = data.get("target")
    if name.__class__ is not str or not name:
        raise ConfigError(join(path, "target"), f"expected a target's name, got {shown(name)}",
                          "the name of one of the agreement's targets")
    return str(name)


def _share_or_amount(data: Mapping[Any, Any], share_key: str, amount_key: str,
                     path: str) -> tuple[Fraction | None, Decimal | None]:
    has_share, has_amount = share_key in data, amount_key in data
    if has_share == has_amount:
        raise ConfigError(path, f"expected exactly one of {share_key!r} and {amount_key!r}",
                          f"{share_key!r} (a share of the fee, such as '5%') or "
                          f"{amount_key!r} (an amount such as '500.00')")
    if has_share:
        return parse_ratio(data[share_key], join(path, share_key)), None
    return None, read_money(data[amount_key], join(path, amount_key))


def _worth_dict(out: dict[str, Any], share_key: str, share: Fraction | None,
                amount_key: str, amount: Decimal | None) -> dict[str, Any]:
    if share is not None:
        out[share_key] = ratio_text(share)
    else:
        out[amount_key] = str(amount)
    return out


def _worth(share: Fraction | None, amount: Decimal | None, fee: Fraction) -> Fraction:
    return share * fee if share is not None else Fraction(amount or 0)


def _worth_text(share: Fraction | None, amount: Decimal | None) -> str:
    return f"{format_percent(share)} of the fee" if share is not None else f"{amount}"


def _pct(ratio: Fraction | None) -> str:
    return "none" if ratio is None else format_percent(ratio)


@attrs.frozen(kw_only=True)
class CreditBand:
    """One band of a tiered rule: measured values in ``[low, high)`` earn a credit of
    *share* of the fee, or of *amount*.

    >>> band = CreditBand.from_dict({"from": "90%", "to": "95%", "credit": "5%"})
    >>> band.share, band._holds(Fraction(9, 10)), band._holds(Fraction(95, 100))
    (Fraction(1, 20), True, False)
    """

    low: Fraction
    high: Fraction
    share: Fraction | None = None
    amount: Decimal | None = None

    def __attrs_post_init__(self) -> None:
        if (self.share is None) == (self.amount is None):
            raise ConfigError("", "expected exactly one of 'credit' and 'amount'",
                              "a share of the fee or an amount")

    def _holds(self, measured: Fraction) -> bool:
        return self.low <= measured < self.high

    @classmethod
    def from_dict(cls, data: object) -> CreditBand:
        """Read ``{"from": "90%", "to": "95%", "credit": "5%"}`` (or ``"amount"``).

        >>> CreditBand.from_dict({"from": 0, "to": "90%", "amount": "250.00"}).amount
        Decimal('250.00')
        """
        form = "{'from': '90%', 'to': '95%', 'credit': '5%'} or with 'amount': '500.00'"
        data = _mapping(data, "", form)
        reject_unknown(data, ("from", "to", "credit", "amount"), "")
        for key in ("from", "to"):
            if key not in data:
                raise ConfigError(key, "missing", form)
        low, high = parse_ratio(data["from"], "from"), parse_ratio(data["to"], "to")
        if not low < high:
            raise ConfigError("", f"the band [{_pct(low)}, {_pct(high)}) is empty",
                              "'from' below 'to'")
        share, amount = _share_or_amount(data, "credit", "amount", "")
        return cls(low=low, high=high, share=share, amount=amount)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back.

        >>> CreditBand(low=Fraction(9, 10), high=Fraction(19, 20),
        ...            share=Fraction(1, 20)).to_dict()
        {'from': '90%', 'to': '95%', 'credit': '5%'}
        """
        return _worth_dict({"from": ratio_text(self.low), "to": ratio_text(self.high)},
                           "credit", self.share, "amount", self.amount)


def _check_bands(bands: tuple[CreditBand, ...]) -> None:
    """Bands that do not overlap, leave no gap, start at 0% and credit no less as the
    measured value falls: so a worse value never earns a smaller credit."""
    if not bands:
        raise ConfigError("bands", "no bands", "at least one band")
    form = "bands that cover from 0% upwards without overlaps or gaps"
    for i, band in enumerate(bands):
        for j in range(i):
            other = bands[j]
            if band.low < other.high and other.low < band.high:
                raise ConfigError(join("bands", i),
                                  f"[{_pct(band.low)}, {_pct(band.high)}) overlaps band {j} "
                                  f"[{_pct(other.low)}, {_pct(other.high)})", form)
        if (band.share is None) != (bands[0].share is None):
            raise ConfigError(join("bands", i), "mixes a share of the fee with an amount",
                              "every band of a rule with 'credit', or every band with "
                              "'amount'")
    ordered = sorted(range(len(bands)), key=lambda k: bands[k].low)
    if bands[ordered[0]].low != 0:
        raise ConfigError(join("bands", ordered[0]),
                          f"the lowest band starts at {_pct(bands[ordered[0]].low)}, so a "
                          "worse value would earn no credit", form)
    for below, above in itertools.pairwise(ordered):
        if bands[below].high != bands[above].low:
            raise ConfigError(join("bands", above),
                              f"a gap [{_pct(bands[below].high)}, {_pct(bands[above].low)}) "
                              "below this band earns no credit", form)
        low, high = bands[below], bands[above]
        if (low.share or 0) < (high.share or 0) or (low.amount or 0) < (high.amount or 0):
            raise ConfigError(join("bands", below), "credits less than the band above it",
                              "credits that do not fall as the measured value falls")


@attrs.frozen(kw_only=True)
class TiersRule:
    """Tiered bands by attainment: a missed target earns the credit of the band holding
    its measured value.  A met target earns nothing, whatever band its value falls in.

    >>> rule = TiersRule(target="t", bands=(
    ...     CreditBand(low=Fraction(0), high=Fraction(9, 10), share=Fraction(1, 10)),))
    >>> rule.to_dict()["kind"]
    'tiers'
    """

    target: str
    bands: tuple[CreditBand, ...]

    def __attrs_post_init__(self) -> None:
        _check_bands(self.bands)

    def _band_for(self, measured: Fraction) -> CreditBand | None:
        return next((band for band in self.bands if band._holds(measured)), None)

    def _credit(self, result: TargetResult, fee: Fraction) -> tuple[Fraction, str] | None:
        """The exact credit *result* earns and why, or ``None``."""
        if result.verdict is not Verdict.MISSED or result.measured is None:
            return None
        band = self._band_for(result.measured)
        if band is None:
            return None
        return _worth(band.share, band.amount, fee), (
            f"measured {_pct(result.measured)} lies in the band [{_pct(band.low)}, "
            f"{_pct(band.high)}): {_worth_text(band.share, band.amount)}")

    @classmethod
    def from_dict(cls, data: object) -> TiersRule:
        """Read ``{"kind": "tiers", "target": ..., "bands": [...]}``.

        >>> TiersRule.from_dict({"kind": "tiers", "target": "t", "bands": [
        ...     {"from": 0, "to": "95%", "amount": "100"}]}).bands[0].amount
        Decimal('100')
        """
        data = _mapping(data, "", "{'kind': 'tiers', 'target': ..., 'bands': [...]}")
        reject_unknown(data, ("kind", "target", "bands"), "")
        raw = data.get("bands")
        if not isinstance(raw, (list, tuple)):
            raise ConfigError("bands", f"expected a list, got {shown(raw)}",
                              "a list of bands {'from': ..., 'to': ..., 'credit': ...}")
        bands = tuple(read_at(join("bands", i), CreditBand.from_dict, item)
                      for i, item in enumerate(raw))
        return cls(target=_target_name(data, ""), bands=bands)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back.

        >>> TiersRule(target="t", bands=(CreditBand(low=Fraction(0), high=Fraction(1),
        ...     amount=Decimal("5.00")),)).to_dict()["bands"]
        [{'from': '0%', 'to': '100%', 'amount': '5.00'}]
        """
        return {"kind": "tiers", "target": self.target,
                "bands": [band.to_dict() for band in self.bands]}


@attrs.frozen(kw_only=True)
class LinearRule:
    """A credit per percentage point below the goal (fractional points count pro rata):
    *per_point* of the fee, or *per_point_amount*, when the target is missed.

    >>> LinearRule.from_dict({"kind": "linear", "target": "t", "per_point": "1%"}).per_point
    Fraction(1, 100)
    """

    target: str
    per_point: Fraction | None = None
    per_point_amount: Decimal | None = None

    def __attrs_post_init__(self) -> None:
        if (self.per_point is None) == (self.per_point_amount is None):
            raise ConfigError("", "expected exactly one of 'per_point' and "
                              "'per_point_amount'", "a share of the fee or an amount per point")

    def _credit(self, result: TargetResult, fee: Fraction) -> tuple[Fraction, str] | None:
        """The exact credit *result* earns and why, or ``None``."""
        if result.verdict is not Verdict.MISSED or result.measured is None:
            return None
        points = (result.goal - result.measured) * 100
        if points <= 0:
            return None
        words = format_percent(points / 100).rstrip("%")
        return points * _worth(self.per_point, self.per_point_amount, fee), (
            f"measured {_pct(result.measured)} is {words} points below the goal "
            f"{_pct(result.goal)}: {_worth_text(self.per_point, self.per_point_amount)} "
            "per point")

    @classmethod
    def from_dict(cls, data: object) -> LinearRule:
        """Read ``{"kind": "linear", "target": ..., "per_point": "1%"}`` (or
        ``"per_point_amount": "100.00"``).

        >>> LinearRule.from_dict({"kind": "linear", "target": "t",
        ...                       "per_point_amount": "80"}).per_point_amount
        Decimal('80')
        """
        data = _mapping(data, "", "{'kind': 'linear', 'target': ..., 'per_point': '1%'}")
        reject_unknown(data, ("kind", "target", "per_point", "per_point_amount"), "")
        share, amount = _share_or_amount(data, "per_point", "per_point_amount", "")
        return cls(target=_target_name(data, ""), per_point=share, per_point_amount=amount)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back.

        >>> LinearRule(target="t", per_point=Fraction(1, 100)).to_dict()
        {'kind': 'linear', 'target': 't', 'per_point': '1%'}
        """
        return _worth_dict({"kind": "linear", "target": self.target}, "per_point",
                           self.per_point, "per_point_amount", self.per_point_amount)


@attrs.frozen(kw_only=True)
class PerBreachRule:
    """A fixed credit per breached ticket (*amount*, or *share* of the fee), whether the
    target as a whole was met or missed; never for "not enough volume".

    >>> PerBreachRule.from_dict({"kind": "per_breach", "target": "t", "amount": "50"}).amount
    Decimal('50')
    """

    target: str
    amount: Decimal | None = None
    share: Fraction | None = None

    def __attrs_post_init__(self) -> None:
        if (self.share is None) == (self.amount is None):
            raise ConfigError("", "expected exactly one of 'credit' and 'amount'",
                              "a share of the fee or an amount per breach")

    def _credit(self, result: TargetResult, fee: Fraction) -> tuple[Fraction, str] | None:
        """The exact credit *result* earns and why, or ``None``."""
        if result.verdict is Verdict.NOT_ENOUGH_VOLUME or not result.breaches:
            return None
        count = len(result.breaches)
        each = _worth_text(self.share, self.amount)
        return count * _worth(self.share, self.amount, fee), (
            f"{count} breached ticket{'s' if count != 1 else ''} x {each}")

    @classmethod
    def from_dict(cls, data: object) -> PerBreachRule:
        """Read ``{"kind": "per_breach", "target": ..., "amount": "50.00"}`` (or
        ``"credit": "0.5%"``, a share of the fee per breach).

        >>> PerBreachRule.from_dict({"kind": "per_breach", "target": "t",
        ...                          "credit": "0.5%"}).share
        Fraction(1, 200)
        """
        data = _mapping(data, "", "{'kind': 'per_breach', 'target': ..., 'amount': '50.00'}")
        reject_unknown(data, ("kind", "target", "amount", "credit"), "")
        share, amount = _share_or_amount(data, "credit", "amount", "")
        return cls(target=_target_name(data, ""), amount=amount, share=share)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back.

        >>> PerBreachRule(target="t", amount=Decimal("50.00")).to_dict()
        {'kind': 'per_breach', 'target': 't', 'amount': '50.00'}
        """
        return _worth_dict({"kind": "per_breach", "target": self.target}, "credit",
                           self.share, "amount", self.amount)


#: Any credit rule.
CreditRule = TiersRule | LinearRule | PerBreachRule

_KINDS: dict[str, Any] = {"tiers": TiersRule, "linear": LinearRule,
                          "per_breach": PerBreachRule}


def _read_rule(data: object) -> CreditRule:
    """A rule of any kind, chosen by its ``"kind"`` key.

    >>> _read_rule({"kind": "per_breach", "target": "t", "amount": 5}).target
    't'
    """
    data = _mapping(data, "", "{'kind': 'tiers' | 'linear' | 'per_breach', ...}")
    kind = data.get("kind")
    if kind.__class__ is not str or kind not in _KINDS:
        raise ConfigError("kind", f"unknown rule kind {shown(kind)}",
                          f"one of {', '.join(_KINDS)}")
    rule: CreditRule = _KINDS[str(kind)].from_dict(data)
    return rule

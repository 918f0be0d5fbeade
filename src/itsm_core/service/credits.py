"""Service credits as data: a :class:`CreditScheme` turns the attainment of one agreement
for one customer, period by period, into the :class:`CreditLine` amounts owed, exact in
decimal currency.

A scheme holds rules (:mod:`itsm_core.service.credit_rules`), an optional cap (a share of
the period's fee), an optional at-risk pool spread over targets by weight, and an optional
earn-back (:mod:`itsm_core.service.credit_terms`).  The lines it returns are defined in
:mod:`itsm_core.service.credit_lines` and importable from here too.  See
docs/service-credits.md for each rule, the cap, the pool, earn-back and rounding.

>>> from decimal import Decimal
>>> from fractions import Fraction
>>> from itsm_core.service.result import TargetResult, Verdict
>>> scheme = CreditScheme.from_dict({"rules": [{"kind": "linear", "target": "availability",
...                                             "per_point": "10%"}], "cap": "20%"})
>>> result = TargetResult(agreement="acme-gold", customer="acme", service="email",
...                       target="availability", kind="availability", period="2025-03",
...                       goal=Fraction(999, 1000), measured=Fraction(990, 1000),
...                       verdict=Verdict.MISSED, rule="at least 99.9%")
>>> [credits] = scheme.apply([result], Decimal("12000.00"))
>>> credits.total, credits.lines[0].reason
(Decimal('1080.00'), 'measured 99% is 0.9 points below the goal 99.9%: 10% of the fee per point')
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._config import check_depth, join, read_at, reject_unknown
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    UnknownNameError,
    shown,
)
from itsm_core.ratios import format_percent, parse_number, parse_ratio, ratio_text
from itsm_core.service.credit_lines import CreditLine, PeriodCredits, _half_even, _units_text
from itsm_core.service.credit_rules import _KINDS, CreditRule, _read_rule
from itsm_core.service.credit_terms import AtRisk, EarnBack
from itsm_core.service.period import shift
from itsm_core.service.result import TargetResult, Verdict

__all__ = ["CreditLine", "CreditScheme", "PeriodCredits"]

_KIND_OF = {cls: name for name, cls in _KINDS.items()}

#: The most decimal places a currency's minor unit may have.
MAX_MINOR_UNITS = 12


def _fee(fee: object) -> Fraction:
    if isinstance(fee, bool) or not isinstance(fee, (Decimal, int)):
        raise ArgumentTypeError(f"fee: expected a Decimal, got {shown(fee)}")
    try:
        value = parse_number(fee, "fee")
    except ConfigError as exc:
        raise InvalidArgumentError(str(exc)) from None
    if value < 0:
        raise InvalidArgumentError(f"fee: expected an amount at least 0, got {shown(fee)}")
    return value


def _check_results(results: object) -> list[TargetResult]:
    if not isinstance(results, Iterable) or isinstance(results, (str, bytes, Mapping)):
        raise ArgumentTypeError(f"results: expected TargetResults, got {shown(results)}")
    out = list(results)
    seen: set[tuple[str, str | None, str]] = set()
    for i, result in enumerate(out):
        if not isinstance(result, TargetResult):
            raise ArgumentTypeError(f"results[{i}]: expected a TargetResult, got "
                                    f"{shown(result)}")
        shift(result.period, 0)  # a well-formed period key
        if (result.agreement, result.customer) != (out[0].agreement, out[0].customer):
            raise InvalidArgumentError(
                f"results[{i}]: the results of one agreement and customer were expected, got "
                f"{shown(result.agreement)}/{shown(result.customer)} after "
                f"{shown(out[0].agreement)}/{shown(out[0].customer)}")
        if len(result.period) != len(out[0].period) or ("W" in result.period) != (
                "W" in out[0].period) or ("Q" in result.period) != ("Q" in out[0].period):
            raise InvalidArgumentError(f"results[{i}]: period {shown(result.period)} is not "
                                       f"of the same kind as {shown(out[0].period)}")
        key = (result.target, result.service, result.period)
        if key in seen:
            raise InvalidArgumentError(f"results[{i}]: a second result for target "
                                       f"{shown(result.target)}, service "
                                       f"{shown(result.service)}, period {shown(result.period)}")
        seen.add(key)
    return out


def _merged(groups: Iterable[tuple[Any, ...]]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(item for group in groups for item in group))


@attrs.frozen
class _Open:
    """A credit waiting to be earned back."""

    period: str
    target: str
    units: int
    tickets: tuple[Any, ...]
    outages: tuple[Any, ...]
    exceeded: tuple[str, ...] = ()


def _status(results: list[TargetResult]) -> bool | None:
    """Whether a target exceeded its goal in a period (None: no verdict that period)."""
    judged = [r for r in results if r.verdict is not Verdict.NOT_ENOUGH_VOLUME]
    if not judged:
        return None
    return all(r.verdict is Verdict.MET and r.measured is not None and r.measured > r.goal
               for r in judged)


@attrs.frozen(kw_only=True)
class CreditScheme:
    """A service credit scheme: rules, an optional cap, at-risk pool and earn-back.

    >>> scheme = CreditScheme.from_dict({
    ...     "rules": [{"kind": "per_breach", "target": "P1", "amount": "50.00"}],
    ...     "cap": "20%", "earn_back": {"periods": 3}})
    >>> CreditScheme.from_dict(scheme.to_dict()) == scheme
    True
    """

    rules: tuple[CreditRule, ...] = ()
    cap: Fraction | None = None
    at_risk: AtRisk | None = None
    earn_back: EarnBack | None = None

    @property
    def targets(self) -> tuple[str, ...]:
        """The target names the scheme refers to, in order of first mention.

        >>> CreditScheme.from_dict({"rules": [{"kind": "linear", "target": "a",
        ...     "per_point": "1%"}], "at_risk": {"pool": "5%", "weights": {"b": 1}}}).targets
        ('a', 'b')
        """
        names = [rule.target for rule in self.rules]
        if self.at_risk is not None:
            names.extend(name for name, _ in self.at_risk.weights)
        return tuple(dict.fromkeys(names))

    def check(self, target_names: Collection[str], path: str = "") -> None:
        """Raise :class:`~itsm_core.errors.UnknownNameError` under *path* for a rule or
        weight naming a target not in *target_names* (the agreement's targets).

        >>> scheme = CreditScheme.from_dict({"rules": [{"kind": "linear", "target": "P2",
        ...                                             "per_point": "1%"}]})
        >>> scheme.check(["P1", "availability"], "agreements[0].credits")
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: agreements[0].credits.rules[0].target: unknown name 'P2'; expected one of 'P1', 'availability'
        """
        known = list(target_names)
        for i, rule in enumerate(self.rules):
            if rule.target not in known:
                raise UnknownNameError(join(join(join(path, "rules"), i), "target"),
                                       rule.target, known)
        if self.at_risk is not None:
            for name, _ in self.at_risk.weights:
                if name not in known:
                    raise UnknownNameError(join(join(path, "at_risk"), "weights"), name,
                                           known)

    def apply(self, results: Iterable[TargetResult], fee: Decimal, *, currency: str = "EUR",
              minor_units: int = 2) -> tuple[PeriodCredits, ...]:
        """The credits of each period of *results* (one agreement and customer).

        Args:
            results: the target results of one agreement and customer, over consecutive
                periods of one kind.
            fee: the fee of each period.
            currency: the currency code shown with the amounts.
            minor_units: the decimal places of the currency's minor unit.

        Returns:
            One :class:`PeriodCredits` per period of *results*, in time order.

        Raises:
            ArgumentTypeError: an argument has the wrong type.
            InvalidArgumentError: results of several agreements or customers, two results
                for one target, service and period, or a negative fee.

        >>> from itsm_core.service.result import TargetResult, Verdict
        >>> r = TargetResult(agreement="a", customer="c", service=None, target="P1",
        ...                  kind="tickets", period="2025-01", goal=Fraction(9, 10),
        ...                  measured=Fraction(9, 10), verdict=Verdict.MET,
        ...                  rule="at least 90%", breaches=("INC1",))
        >>> scheme = CreditScheme.from_dict({"rules": [
        ...     {"kind": "per_breach", "target": "P1", "amount": "0.125"}]})
        >>> scheme.apply([r], Decimal(100))[0].total   # half-even: 0.125 -> 0.12
        Decimal('0.12')
        """
        exact_fee = _fee(fee)
        if not isinstance(currency, str) or not currency:
            raise ArgumentTypeError(f"currency: expected a currency code, got {shown(currency)}")
        if type(minor_units) is not int or not 0 <= minor_units <= MAX_MINOR_UNITS:
            raise InvalidArgumentError(f"minor_units: expected a whole number from 0 to "
                                       f"{MAX_MINOR_UNITS}, got {shown(minor_units)}")
        checked = _check_results(results)
        by_period: dict[str, list[TargetResult]] = {}
        for result in checked:
            by_period.setdefault(result.period, []).append(result)
        scale = 10**minor_units

        cap = None if self.cap is None else _half_even(self.cap * exact_fee, scale)
        opened: list[_Open] = []
        out = []
        for period in sorted(by_period):
            rows = by_period[period]
            raw = self._raw_lines(period, rows, exact_fee)
            lines: list[tuple[CreditLine, int]] = []
            running = cut_total = 0
            for line, exact in raw:
                amount = _half_even(exact, scale)
                kept = amount if cap is None else min(amount, max(cap - running, 0))
                running += kept
                cut_total += amount - kept
                reason = line.reason if kept == amount else (
                    f"{line.reason}; cut by {_units_text(amount - kept, minor_units)} to "
                    f"keep the period within the cap of {format_percent(self.cap or Fraction(0))} "
                    "of the fee")
                lines.append((attrs.evolve(line, amount=_units_text(kept, minor_units),
                                           cut=_units_text(amount - kept, minor_units),
                                           reason=reason), kept))
            lines.extend(self._earned_back(period, rows, opened, minor_units))
            if self.earn_back is not None:
                opened.extend(self._opened(period, lines))
            total = sum(kept for _, kept in lines)
            out.append(PeriodCredits(
                period=period, fee=Decimal(fee), currency=currency,
                lines=tuple(line for line, _ in lines), total=_units_text(total, minor_units),
                cap=None if cap is None else _units_text(cap, minor_units),
                cut=_units_text(cut_total, minor_units)))
        return tuple(out)

    def _raw_lines(self, period: str, rows: list[TargetResult],
                   fee: Fraction) -> list[tuple[CreditLine, Fraction]]:
        """Each credit before rounding and the cap, in order: rules, then the pool."""
        raw: list[tuple[CreditLine, Fraction]] = []
        for rule in self.rules:
            for result in rows:
                got = rule._credit(result, fee) if result.target == rule.target else None
                if got is None or got[0] <= 0:
                    continue
                raw.append((CreditLine(
                    period=period, kind=_KIND_OF[type(rule)], target=rule.target,
                    service=result.service, amount=Decimal(0), reason=got[1],
                    tickets=tuple(result.breaches), outages=tuple(result.outages)), got[0]))
        if self.at_risk is not None:
            total = sum(weight for _, weight in self.at_risk.weights)
            for name, weight in self.at_risk.weights:
                missed = [r for r in rows if r.target == name and r.verdict is Verdict.MISSED]
                if not missed:
                    continue
                share = self.at_risk._share(name)
                raw.append((CreditLine(
                    period=period, kind="at_risk", target=name, service=None,
                    amount=Decimal(0),
                    reason=(f"missed: weight {weight} of {total} of the at-risk pool "
                            f"{format_percent(self.at_risk.pool)}, "
                            f"{format_percent(share)} of the fee"),
                    tickets=_merged(r.breaches for r in missed),
                    outages=_merged(r.outages for r in missed)), share * fee))
        return raw

    def _earned_back(self, period: str, rows: list[TargetResult], opened: list[_Open],
                     minor_units: int) -> list[tuple[CreditLine, int]]:
        """Advance each open credit with *period*'s verdicts; the lines of those earned
        back.  *opened* is updated in place: closed credits leave it."""
        if self.earn_back is None:
            return []
        lines: list[tuple[CreditLine, int]] = []
        still: list[_Open] = []
        for credit in opened:
            status = _status([r for r in rows if r.target == credit.target])
            if status is None:
                still.append(credit)
                continue
            if not status:
                continue  # final: the credit stays with the customer
            exceeded = (*credit.exceeded, period)
            if len(exceeded) < self.earn_back.periods:
                still.append(attrs.evolve(credit, exceeded=exceeded))
                continue
            lines.append((CreditLine(
                period=period, kind="earn_back", target=credit.target, service=None,
                amount=_units_text(-credit.units, minor_units),
                reason=(f"earned back the credit of {credit.period}: above the goal in "
                        f"{', '.join(exceeded)}"),
                tickets=credit.tickets, outages=credit.outages,
                earned_back_from=credit.period), -credit.units))
        opened[:] = still
        return lines

    @staticmethod
    def _opened(period: str, lines: list[tuple[CreditLine, int]]) -> list[_Open]:
        """This period's credits per target, as credits that may be earned back."""
        credited: dict[str, list[tuple[CreditLine, int]]] = {}
        for line, kept in lines:
            if line.kind != "earn_back" and kept > 0:
                credited.setdefault(line.target, []).append((line, kept))
        return [_Open(period=period, target=target,
                      units=sum(kept for _, kept in group),
                      tickets=_merged(line.tickets for line, _ in group),
                      outages=_merged(line.outages for line, _ in group))
                for target, group in credited.items()]

    @classmethod
    def from_dict(cls, data: object) -> CreditScheme:
        """Read ``{"rules": [...], "cap": "20%", "at_risk": {...}, "earn_back": {...}}``
        (every key optional).

        >>> CreditScheme.from_dict({"cap": "120%"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: cap: '120%' is outside [0, 1]; expected a ratio in [0, 1]: ...
        """
        form = "{'rules': [...], 'cap': '20%', 'at_risk': {...}, 'earn_back': {...}}"
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}", form)
        check_depth(data)
        reject_unknown(data, ("rules", "cap", "at_risk", "earn_back"), "")
        raw = data.get("rules", [])
        if not isinstance(raw, (list, tuple)):
            raise ConfigError("rules", f"expected a list, got {shown(raw)}",
                              "a list of credit rules")
        rules = tuple(read_at(join("rules", i), _read_rule, item) for i, item in enumerate(raw))
        cap = parse_ratio(data["cap"], "cap") if "cap" in data else None
        at_risk = (read_at("at_risk", AtRisk.from_dict, data["at_risk"])
                   if "at_risk" in data else None)
        earn_back = (read_at("earn_back", EarnBack.from_dict, data["earn_back"])
                     if "earn_back" in data else None)
        return cls(rules=rules, cap=cap, at_risk=at_risk, earn_back=earn_back)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back (absent parts left out).

        >>> CreditScheme(cap=Fraction(1, 5)).to_dict()
        {'rules': [], 'cap': '20%'}
        """
        out: dict[str, Any] = {"rules": [rule.to_dict() for rule in self.rules]}
        if self.cap is not None:
            out["cap"] = ratio_text(self.cap)
        if self.at_risk is not None:
            out["at_risk"] = self.at_risk.to_dict()
        if self.earn_back is not None:
            out["earn_back"] = self.earn_back.to_dict()
        return out

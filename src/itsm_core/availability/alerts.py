"""Multiwindow, multi-burn-rate alerts on an SLO (Google SRE workbook, chapter 5).

A rule fires when the burn rate over its long window **and** over its short window are
both strictly above its threshold (the workbook's PromQL uses ``>``).  The workbook's
defaults for a 30-day SLO, derived from the share of the budget each alert spends:

========  ===========  ============  =========  ================
severity  long window  short window  burn rate  budget consumed
========  ===========  ============  =========  ================
page      1 hour       5 minutes     14.4       2 %
page      6 hours      30 minutes    6          5 %
ticket    3 days       6 hours       1          10 %
========  ===========  ============  =========  ================

``burn rate = budget consumed × period / long window``: ``0.02 × 720 h / 1 h = 14.4``.
Decisions are exact (no division; see :func:`exceeds_burn_rate`), so no traffic never
fires and a 100 % target fires on the first bad event.

>>> policy = AlertPolicy.workbook()
>>> [str(rule.burn_rate) for rule in policy.rules]
['72/5', '6', '1']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._instant import duration_us, format_duration, parse_duration, td
from itsm_core.availability.budget import (
    SliMeasurement,
    _threshold,
    burn_rate,
    exceeds_burn_rate,
)
from itsm_core.availability.slo import SliSource
from itsm_core.errors import ConfigError, InvalidArgumentError, shown
from itsm_core.ratios import parse_ratio, ratio_text

__all__ = ["AlertPolicy", "AlertStatus", "BurnRateRule", "RuleResult"]


def _rate(value: object) -> Fraction:
    return _threshold(value, "burn_rate")


def _text(value: object, path: str) -> str:
    """A rule's name or severity: a string, refused otherwise (``str()`` of any value
    could be anything, or fail)."""
    if not isinstance(value, str):
        raise ConfigError(path, f"expected a string, got {type(value).__name__} "
                          f"{shown(value)}", "a name such as 'page-1h' or 'page'")
    return value


def _rate_text(rate: Fraction) -> str:
    """A burn rate for display: ``%g`` of its float, or its power of ten beyond floats."""
    try:
        return f"{float(rate):g}"
    except OverflowError:  # above 1e308: within the limits of parse_number, not of float
        digits = str(int(rate))
        return f"{digits[0]}.{digits[1:3]}e+{len(digits) - 1}"


def _positive(instance: object, attribute: attrs.Attribute[timedelta], value: object) -> None:
    if duration_us(value, attribute.name) <= 0:
        raise InvalidArgumentError(f"{attribute.name}: {value}; expected a positive duration")


@attrs.frozen(kw_only=True)
class BurnRateRule:
    """Fire when both windows burn the budget faster than *burn_rate*.

    >>> rule = BurnRateRule(name="fast", severity="page", long_window=timedelta(hours=1),
    ...                     short_window=timedelta(minutes=5), burn_rate="14.4")
    >>> rule.budget_consumed(timedelta(days=30))
    Fraction(1, 50)
    """

    name: str
    severity: str
    long_window: timedelta = attrs.field(validator=_positive)
    short_window: timedelta = attrs.field(validator=_positive)
    burn_rate: Fraction = attrs.field(converter=_rate)

    def __attrs_post_init__(self) -> None:
        if self.short_window > self.long_window:
            raise InvalidArgumentError(
                f"short_window: {self.short_window} is longer than long_window "
                f"{self.long_window}; expected short_window <= long_window"
            )

    @classmethod
    def from_budget(cls, *, name: str, severity: str, budget_consumed: object,
                    long_window: timedelta, short_window: timedelta,
                    period: timedelta) -> BurnRateRule:
        """The rule that fires once *budget_consumed* of a *period*'s budget is spent in
        *long_window*: ``burn rate = budget_consumed × period / long_window``.

        >>> BurnRateRule.from_budget(name="slow", severity="page", budget_consumed="5%",
        ...     long_window=timedelta(hours=6), short_window=timedelta(minutes=30),
        ...     period=timedelta(days=30)).burn_rate
        Fraction(6, 1)
        """
        share = parse_ratio(budget_consumed, "budget_consumed")
        rate = share * duration_us(period, "period") / duration_us(long_window, "long_window")
        return cls(name=name, severity=severity, long_window=long_window,
                   short_window=short_window, burn_rate=rate)

    def budget_consumed(self, period: timedelta) -> Fraction:
        """The share of a *period*'s budget spent in the long window at the threshold.

        >>> AlertPolicy.workbook().rules[2].budget_consumed(timedelta(days=30))
        Fraction(1, 10)
        """
        return self.burn_rate * duration_us(self.long_window, "long_window") / duration_us(
            period, "period")

    def detection_time(self, target: object, error_ratio: object) -> timedelta | None:
        """How long a constant *error_ratio* takes to fire this rule, from a clean history.

        With uniform traffic a window ``w`` sees the error ratio ``e × t / w`` after ``t``;
        it exceeds the threshold ``q = burn_rate × (1 - target)`` from ``w × q / e`` on.
        Both windows must exceed it, so the answer is the larger of the two, rounded up to
        the microsecond; ``None`` when ``e <= q`` (never fires).

        >>> rule = AlertPolicy.workbook().rules[0]
        >>> rule.detection_time("99.9%", 1)  # a full outage: 0.0144 hours
        datetime.timedelta(seconds=51, microseconds=840000)
        """
        ratio = parse_ratio(target, "target")
        errors = parse_ratio(error_ratio, "error_ratio")
        limit = self.burn_rate * (1 - ratio)
        if errors <= limit:
            return None
        longest = max(duration_us(self.long_window, "long_window"),
                      duration_us(self.short_window, "short_window"))
        return td(math.ceil(longest * limit / errors))

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`AlertPolicy.from_dict` reads back.

        >>> AlertPolicy.workbook().rules[0].to_dict()["burn_rate"]
        '72/5'
        """
        return {"name": self.name, "severity": self.severity,
                "long_window": format_duration(self.long_window),
                "short_window": format_duration(self.short_window),
                "burn_rate": str(self.burn_rate)}


@attrs.frozen(kw_only=True)
class RuleResult:
    """One rule's verdict, with the measurements and burn rates it used (explainable).

    >>> from datetime import timezone
    >>> from itsm_core.availability import RequestSeries
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> quiet = RequestSeries.from_samples([])
    >>> r = AlertPolicy.workbook().status("99.9%", quiet, t).results[0]
    >>> r.firing, r.long_burn_rate  # no traffic: no burn rate, no alert
    (False, None)
    """

    rule: BurnRateRule
    long: SliMeasurement
    short: SliMeasurement
    long_burn_rate: Fraction | None
    short_burn_rate: Fraction | None
    firing: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> sorted(RuleResult(rule=AlertPolicy.workbook().rules[0],
        ...     long=SliMeasurement.requests(1, 1), short=SliMeasurement.requests(1, 1),
        ...     long_burn_rate=None, short_burn_rate=None, firing=False).to_dict())
        ['firing', 'long', 'long_burn_rate', 'rule', 'short', 'short_burn_rate']
        """
        return {
            "rule": self.rule.to_dict(),
            "long": self.long.to_dict(), "short": self.short.to_dict(),
            "long_burn_rate": None if self.long_burn_rate is None else str(self.long_burn_rate),
            "short_burn_rate": None if self.short_burn_rate is None else str(self.short_burn_rate),
            "firing": self.firing,
        }


@attrs.frozen
class AlertStatus:
    """The state of a policy's alerts at one instant: every rule's verdict, in policy order.

    >>> AlertStatus(()).firing
    ()
    """

    results: tuple[RuleResult, ...]

    @property
    def firing(self) -> tuple[BurnRateRule, ...]:
        """The rules that fire, in policy order.

        >>> AlertStatus(()).severities
        ()
        """
        return tuple(r.rule for r in self.results if r.firing)

    @property
    def severities(self) -> tuple[str, ...]:
        """The distinct severities of the firing rules, in policy order.

        >>> AlertStatus(()).severities
        ()
        """
        return tuple(dict.fromkeys(rule.severity for rule in self.firing))

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> AlertStatus(()).to_dict()
        {'results': [], 'firing': []}
        """
        return {"results": [r.to_dict() for r in self.results],
                "firing": [rule.name for rule in self.firing]}


_RULE_FORM = ("{'name': ..., 'severity': 'page', 'long_window': 'PT1H', 'short_window': 'PT5M', "
              "and 'burn_rate': '14.4' or 'budget_consumed': '2%'}")


@attrs.frozen(kw_only=True)
class AlertPolicy:
    """Burn-rate rules for an SLO of length *period*.

    >>> AlertPolicy.workbook(timedelta(days=28)).rules[0].burn_rate  # 2% of 672 h in 1 h
    Fraction(336, 25)
    """

    period: timedelta = attrs.field(validator=_positive)
    rules: tuple[BurnRateRule, ...]

    @classmethod
    def workbook(cls, period: timedelta = timedelta(days=30)) -> AlertPolicy:
        """The SRE workbook's recommended rules (chapter 5, "Alerting on SLOs"):
        2 % of the budget in 1 h (5 min short window) and 5 % in 6 h (30 min) page;
        10 % in 3 days (6 h) opens a ticket.

        >>> [r.name for r in AlertPolicy.workbook().rules]
        ['page-1h', 'page-6h', 'ticket-3d']
        """
        specs = (("page-1h", "page", "2%", timedelta(hours=1), timedelta(minutes=5)),
                 ("page-6h", "page", "5%", timedelta(hours=6), timedelta(minutes=30)),
                 ("ticket-3d", "ticket", "10%", timedelta(days=3), timedelta(hours=6)))
        return cls(period=period, rules=tuple(
            BurnRateRule.from_budget(name=n, severity=s, budget_consumed=b, long_window=lw,
                                     short_window=sw, period=period)
            for n, s, b, lw, sw in specs))

    def status(self, target: object, source: SliSource, as_of: datetime) -> AlertStatus:
        """Which rules fire at *as_of*: each rule's burn rates over its two windows ending
        at *as_of*, against *target*.

        >>> from datetime import timezone
        >>> from itsm_core.availability import RequestSeries
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> down = RequestSeries.from_samples(  # every request failed for the last 3 days
        ...     [(t - timedelta(minutes=m), 0, 10) for m in range(1, 3 * 24 * 60 + 1)])
        >>> AlertPolicy.workbook().status("99.9%", down, t).severities
        ('page', 'ticket')
        """
        results = []
        for rule in self.rules:
            long = source.measure(as_of - rule.long_window, as_of)
            short = source.measure(as_of - rule.short_window, as_of)
            firing = (exceeds_burn_rate(long, target, rule.burn_rate)
                      and exceeds_burn_rate(short, target, rule.burn_rate))
            results.append(RuleResult(rule=rule, long=long, short=short,
                                      long_burn_rate=burn_rate(long, target),
                                      short_burn_rate=burn_rate(short, target), firing=firing))
        return AlertStatus(tuple(results))

    @classmethod
    def from_dict(cls, data: object) -> AlertPolicy:
        """Read ``{"period": "P30D", "rules": [{...}, ...]}``; each rule gives either a
        ``burn_rate`` or a ``budget_consumed`` share.

        >>> AlertPolicy.from_dict(AlertPolicy.workbook().to_dict()) == AlertPolicy.workbook()
        True
        """
        path = "alerts"
        if not isinstance(data, Mapping) or set(data) != {"period", "rules"}:
            raise ConfigError(path, f"cannot read {shown(data)} as an alert policy",
                              f"{{'period': 'P30D', 'rules': [{_RULE_FORM}, ...]}}")
        period = parse_duration(data["period"], f"{path}.period")
        raw_rules = data["rules"]
        if not isinstance(raw_rules, list):
            raise ConfigError(f"{path}.rules", f"expected a list, got {shown(raw_rules)}", _RULE_FORM)
        rules = []
        for index, raw in enumerate(raw_rules):
            where = f"{path}.rules[{index}]"
            keys = {"name", "severity", "long_window", "short_window"}
            if (not isinstance(raw, Mapping) or not keys <= set(raw)
                    or len(set(raw) - keys) != 1 or not set(raw) - keys <= {"burn_rate",
                                                                          "budget_consumed"}):
                raise ConfigError(where, f"cannot read {shown(raw)} as a rule", _RULE_FORM)
            common: dict[str, Any] = {
                "name": _text(raw["name"], f"{where}.name"),
                "severity": _text(raw["severity"], f"{where}.severity"),
                "long_window": parse_duration(raw["long_window"], f"{where}.long_window"),
                "short_window": parse_duration(raw["short_window"], f"{where}.short_window"),
            }
            try:
                if "burn_rate" in raw:
                    rules.append(BurnRateRule(burn_rate=raw["burn_rate"], **common))
                else:
                    rules.append(BurnRateRule.from_budget(
                        budget_consumed=parse_ratio(raw["budget_consumed"],
                                                    f"{where}.budget_consumed"),
                        period=period, **common))
            except InvalidArgumentError as exc:
                raise ConfigError(where, str(exc), _RULE_FORM) from exc
        return cls(period=period, rules=tuple(rules))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (burn rates exact, as fraction strings).

        >>> AlertPolicy.workbook().to_dict()["period"]
        'P30D'
        """
        return {"period": format_duration(self.period),
                "rules": [rule.to_dict() for rule in self.rules]}

    def describe(self) -> list[str]:
        """One line per rule, for display.

        >>> AlertPolicy.workbook().describe()[0]
        'page-1h (page): burn rate > 14.4 over 1:00:00 and 0:05:00 (2% of the budget)'
        """
        return [f"{r.name} ({r.severity}): burn rate > {_rate_text(r.burn_rate)} over "
                f"{r.long_window} and {r.short_window} "
                f"({ratio_text(r.budget_consumed(self.period))} of the budget)"
                for r in self.rules]

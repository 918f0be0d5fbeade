"""Risk factors: the change's own fields plus factors derived from history and topology.

Derived factors (a field of the same name on the change wins: explicit beats derived):

=========================== ==============================================================
``type``                    the change type name
``cis``                     the CIs touched (a tuple; rules test it with ``ci``)
``ci_count``                how many CIs the change touches
``duration_hours``          the planned length in hours (exact ``Fraction``)
``ci_failures``             past failed changes on its CIs, summed (needs ``RiskHistory``)
``implementer_success_rate`` the assignee's past successes / attempts (needs history with
                            at least one attempt)
``services_affected``       its CIs and everything that depends on them, transitively
                            (needs a ``Topology`` holding the CIs)
=========================== ==============================================================

>>> from datetime import datetime, timezone
>>> from itsm_core.change.request import ChangeRequest
>>> from itsm_core.topology import Topology
>>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
>>> cr = ChangeRequest(id="C", type="normal", cis=["db"], start=t, end=t.replace(hour=2), assignee="ana")
>>> f = risk_factors(cr, RiskHistory(ci_failures={"db": 2}, implementer_record={"ana": (9, 10)}),
...                  Topology.from_dict({"web": ["app"], "app": ["db"]}))
>>> f["ci_failures"], f["implementer_success_rate"], f["services_affected"]
(2, Fraction(9, 10), 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType

import attrs

from itsm_core._config import check_depth, reject_unknown
from itsm_core._instant import US_PER_HOUR
from itsm_core.change.request import ChangeRequest
from itsm_core.errors import ConfigError, shown
from itsm_core.topology import Topology

__all__ = ["RiskHistory", "risk_factors"]

DERIVED_FACTORS = ("type", "cis", "ci_count", "duration_hours", "ci_failures",
                   "implementer_success_rate", "services_affected")


def _failures(value: object) -> Mapping[str, int]:
    if not isinstance(value, Mapping):
        raise ConfigError("ci_failures", f"expected a mapping, got {shown(value)}", "{'ci': count}")
    for ci, count in value.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ConfigError(f"ci_failures.{ci}", f"bad count {shown(count)}", "an integer >= 0")
    return MappingProxyType(dict(value))


def _record(value: object) -> Mapping[str, tuple[int, int]]:
    if not isinstance(value, Mapping):
        raise ConfigError("implementer_record", f"expected a mapping, got {shown(value)}",
                          "{'assignee': [successes, attempts]}")
    out = {}
    for who, pair in value.items():
        ok = isinstance(pair, (tuple, list)) and len(pair) == 2 and all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in pair)
        if not ok or pair[0] > pair[1]:
            raise ConfigError(f"implementer_record.{who}", f"bad record {shown(pair)}",
                              "[successes, attempts] with 0 <= successes <= attempts")
        out[who] = (pair[0], pair[1])
    return MappingProxyType(out)


@attrs.frozen(kw_only=True)
class RiskHistory:
    """Past outcomes, supplied as plain data by the caller (no database behind it).

    Attributes:
        ci_failures: CI name -> number of past changes on it that failed.
        implementer_record: assignee -> ``(successful changes, changes attempted)``.

    >>> RiskHistory(implementer_record={"bo": (3, 2)})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: implementer_record.bo: bad record (3, 2); expected [successes, attempts] with 0 <= successes <= attempts
    """

    ci_failures: Mapping[str, int] = attrs.field(factory=dict, converter=_failures, hash=False)
    implementer_record: Mapping[str, tuple[int, int]] = attrs.field(
        factory=dict, converter=_record, hash=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RiskHistory:
        """Read ``{"ci_failures": {ci: count}, "implementer_record": {who: [ok, tried]}}``.

        >>> RiskHistory.from_dict({"ci_failures": {"db": 2}}).ci_failures["db"]
        2
        >>> RiskHistory.from_dict({"failures": {}})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: failures: unknown key; expected one of 'ci_failures', 'implementer_record'
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("history", f"expected a mapping, got {shown(data)}",
                              "{'ci_failures': {...}, 'implementer_record': {...}}")
        reject_unknown(data, ("ci_failures", "implementer_record"), "",
                       "one of 'ci_failures', 'implementer_record'")
        return cls(ci_failures=data.get("ci_failures", {}),
                   implementer_record=data.get("implementer_record", {}))

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back to an equal value.

        >>> h = RiskHistory(ci_failures={"db": 1}, implementer_record={"ana": (9, 10)})
        >>> h.to_dict(), RiskHistory.from_dict(h.to_dict()) == h
        ({'ci_failures': {'db': 1}, 'implementer_record': {'ana': [9, 10]}}, True)
        """
        return {"ci_failures": dict(self.ci_failures),
                "implementer_record": {who: list(pair) for who, pair in self.implementer_record.items()}}


def risk_factors(change: ChangeRequest, history: RiskHistory | None = None,
                 topology: Topology | None = None) -> dict[str, object]:
    """Every factor a risk model can read for *change*: derived ones, then its fields.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> cr = ChangeRequest(id="C", type="emergency", cis=["a", "b"], start=t,
    ...                    end=t.replace(minute=30), fields={"ci_count": 9})
    >>> f = risk_factors(cr)
    >>> f["type"], f["ci_count"], f["duration_hours"], "ci_failures" in f
    ('emergency', 9, Fraction(1, 2), False)
    """
    factors: dict[str, object] = {
        "type": change.type.value,
        "cis": change.cis,
        "ci_count": len(change.cis),
        "duration_hours": Fraction(change._end_us - change._start_us, US_PER_HOUR),
    }
    if history is not None:
        factors["ci_failures"] = sum(history.ci_failures.get(ci, 0) for ci in change.cis)
        record = history.implementer_record.get(change.assignee or "")
        if record is not None and record[1] > 0:
            factors["implementer_success_rate"] = Fraction(record[0], record[1])
    if topology is not None and all(ci in topology for ci in change.cis):
        affected = set(change.cis)
        for ci in change.cis:
            affected |= topology.all_dependents(ci)
        factors["services_affected"] = len(affected)
    factors.update(change.fields)
    return factors

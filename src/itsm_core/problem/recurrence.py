"""Rule-based recurrence detection: K incidents on the same keys inside a sliding window.

A :class:`RecurrenceRule` is plain data ("five incidents on one CI within 24 hours").
:func:`find_recurring` sorts the incidents by (key, opened time) once and slides a
two-pointer window over each group, so 100,000 incidents take well under a second.

Semantics: the window is half-open, so incidents at ``t0 .. tk`` fall in one window when
``tk - t0 < window``.  Every incident that lies in some window holding at least
``min_count`` incidents is *recurring*; windows that share incidents merge into one
candidate (a burst), so a long burst is reported once, not once per window.

>>> from datetime import datetime, timedelta, timezone
>>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
>>> incs = [Incident(id=f"I{n}", opened_at=t + timedelta(hours=3 * n), ci="db01")
...         for n in range(5)]
>>> rule = RecurrenceRule.from_dict({"name": "ci-burst", "keys": ["ci"],
...                                  "window": "PT24H", "min_count": 3})
>>> [c.incident_ids for c in find_recurring(incs, rule)]
[('I0', 'I1', 'I2', 'I3', 'I4')]
>>> print(find_recurring(incs, rule)[0].explain())
rule ci-burst: 5 incidents with ci=db01 opened within P1D windows (at least 3 per window) between 2025-03-01T00:00:00+00:00 and 2025-03-01T12:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from itsm_core._args import items_of
from itsm_core._config import check_depth, reject_unknown
from itsm_core._instant import format_duration, from_us, parse_duration
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ArgumentTypeError, ConfigError, shown
from itsm_core.problem._span import TimeSpan
from itsm_core.problem.records import (
    Incident,
    Problem,
    _validated_incidents,
    _validated_problems,
)

__all__ = [
    "GROUP_KEYS",
    "RecurrenceCandidate",
    "RecurrenceExplanation",
    "RecurrenceRule",
    "find_recurring",
]

#: The incident fields a rule may group by.
GROUP_KEYS = ("ci", "service", "category", "subcategory", "symptom", "error_code")
_RULE_FIELDS = ("name", "keys", "window", "min_count", "suppress_linked")
_KEYS_FORM = f"a non-empty list of distinct fields from {', '.join(GROUP_KEYS)}"


def _keys(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not value:
        raise ConfigError("keys", f"expected a list of field names, got {shown(value)}", _KEYS_FORM)
    for index, key in enumerate(value):
        if key not in GROUP_KEYS:
            raise ConfigError(f"keys[{index}]", f"unknown key {shown(key)}", _KEYS_FORM)
    if len(set(value)) != len(value):
        raise ConfigError("keys", f"repeated key in {shown(list(value))}", _KEYS_FORM)
    return tuple(value)


def _window(value: object) -> timedelta:
    window = parse_duration(value, "window")
    if window <= timedelta(0):
        raise ConfigError("window", f"{shown(value)} is not positive", "a duration > 0 such as 'PT24H'")
    return window


def _min_count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise ConfigError("min_count", f"{shown(value)} is not an integer >= 2",
                          "an integer >= 2 (one incident is not a recurrence)")
    return value


def _name(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError("name", f"expected a non-empty string, got {shown(value)}", "a rule name")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError("suppress_linked", f"expected true or false, got {shown(value)}", "a boolean")
    return value


@attrs.frozen(kw_only=True)
class RecurrenceRule:
    """At least ``min_count`` incidents sharing ``keys`` within ``window`` make a candidate.

    Attributes:
        name: shown in every candidate's explanation.
        keys: incident fields that must be equal (from :data:`GROUP_KEYS`); incidents with
            any of them unknown (``None``) are never grouped.
        window: sliding window length (``timedelta`` or ISO 8601 string), half-open.
        min_count: K, at least 2.
        suppress_linked: if true, incidents already linked to an *open* problem do not
            count (that recurrence is already being worked).

    >>> RecurrenceRule(name="r", keys=("ci",), window="PT24H", min_count=5).window
    datetime.timedelta(days=1)
    >>> RecurrenceRule(name="r", keys=("host",), window="PT1H", min_count=5)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: keys[0]: unknown key 'host'; expected a non-empty list of distinct fields from ci, service, category, subcategory, symptom, error_code
    """

    name: str = attrs.field(converter=_name)
    keys: tuple[str, ...] = attrs.field(converter=_keys)
    window: timedelta = attrs.field(converter=_window)
    min_count: int = attrs.field(converter=_min_count)
    suppress_linked: bool = attrs.field(default=True, converter=_flag)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecurrenceRule:
        """Build a rule from plain data; unknown fields are a :class:`ConfigError`.

        >>> RecurrenceRule.from_dict({"name": "r", "keys": ["ci"], "window": "PT1H",
        ...                           "min_count": 3, "colour": "red"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: colour: unknown key; expected one of name, keys, window, min_count, suppress_linked
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {type(data).__name__}",
                              "a dict with " + ", ".join(_RULE_FIELDS))
        reject_unknown(data, _RULE_FIELDS)
        for field in ("keys", "window", "min_count"):
            if field not in data:
                raise ConfigError(field, "missing", f"a {field} field")
        return cls(name=data.get("name", "rule"), keys=data["keys"], window=data["window"],
                   min_count=data["min_count"],
                   suppress_linked=data.get("suppress_linked", True))

    def to_dict(self) -> dict[str, Any]:
        """Return the rule as plain data that :meth:`from_dict` reads back.

        >>> r = RecurrenceRule(name="r", keys=("ci",), window="P1D", min_count=5)
        >>> r.to_dict()
        {'name': 'r', 'keys': ['ci'], 'window': 'P1D', 'min_count': 5, 'suppress_linked': True}
        >>> RecurrenceRule.from_dict(r.to_dict()) == r
        True
        """
        return {"name": self.name, "keys": list(self.keys),
                "window": format_duration(self.window), "min_count": self.min_count,
                "suppress_linked": self.suppress_linked}


@attrs.frozen(kw_only=True)
class RecurrenceExplanation:
    """Why a recurrence candidate exists: which rule fired, where, how often and when.

    Attributes:
        rule: the name of the rule that fired.
        key: the shared values, by field name, in the order of the rule's keys.
        incidents: number of recurring incidents.
        window: the rule's window; min_count: its K.
        peak: the largest number of incidents inside any one window.
        first_at, last_at: opened instants of the first and last incident (UTC).

    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
    >>> ex = RecurrenceExplanation(rule="db-burst", key={"ci": "db01"}, incidents=6,
    ...     window=timedelta(days=1), min_count=5, peak=5, first_at=t, last_at=t + timedelta(hours=25))
    >>> print(ex)
    rule db-burst: 6 incidents with ci=db01 opened within P1D windows (at least 5 per window) between 2025-03-01T00:00:00+00:00 and 2025-03-02T01:00:00+00:00
    >>> ex.to_dict()["window"], ex.to_dict()["key"]
    ('P1D', {'ci': 'db01'})
    """

    rule: str
    key: dict[str, str] = attrs.field(hash=False)
    incidents: int
    window: timedelta
    min_count: int
    peak: int
    first_at: datetime
    last_at: datetime

    def __str__(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.key.items())
        return (f"rule {self.rule}: {self.incidents} incidents with {where} "
                f"opened within {format_duration(self.window)} windows (at least "
                f"{self.min_count} per window) between {self.first_at.isoformat()} and "
                f"{self.last_at.isoformat()}")

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ISO 8601 window and instants.

        >>> from datetime import datetime, timedelta, timezone
        >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> RecurrenceExplanation(rule="r", key={"ci": "x"}, incidents=2, window=timedelta(
        ...     hours=1), min_count=2, peak=2, first_at=t, last_at=t).to_dict()["first"]
        '2025-03-01T00:00:00+00:00'
        """
        return {"rule": self.rule, "key": dict(self.key), "incidents": self.incidents,
                "window": format_duration(self.window), "min_count": self.min_count,
                "peak": self.peak, "first": self.first_at.isoformat(),
                "last": self.last_at.isoformat()}


@attrs.frozen(kw_only=True)
class RecurrenceCandidate(TimeSpan):
    """A problem candidate: which rule fired, on which key values, for which incidents.

    Attributes:
        rule: the rule that fired.
        key: the shared values, in the order of ``rule.keys``.
        incident_ids: the recurring incidents, in opened order (ties by id).
        first_at, last_at: opened instants of the first and last (UTC).
        peak: the largest number of incidents inside any one window of the burst.

    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
    >>> c = RecurrenceCandidate(rule=RecurrenceRule(name="r", keys=("ci",), window="PT1H",
    ...     min_count=2), key=("db01",), incident_ids=("A", "B"), first_at=t,
    ...     last_at=t + timedelta(minutes=1), peak=2)
    >>> c.span
    datetime.timedelta(seconds=60)
    """

    rule: RecurrenceRule
    key: tuple[str, ...]
    incident_ids: tuple[str, ...]
    first_at: datetime
    last_at: datetime
    peak: int

    def explain(self) -> RecurrenceExplanation:
        """Which rule fired, where, how often and when.

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> str(RecurrenceCandidate(rule=RecurrenceRule(name="r", keys=("ci",), window="PT1H",
        ...     min_count=2), key=("x",), incident_ids=("A", "B"), first_at=t, last_at=t,
        ...     peak=2).explain())[:40]
        'rule r: 2 incidents with ci=x opened wit'
        """
        return RecurrenceExplanation(
            rule=self.rule.name, key=dict(zip(self.rule.keys, self.key, strict=True)),
            incidents=len(self.incident_ids), window=self.rule.window,
            min_count=self.rule.min_count, peak=self.peak, first_at=self.first_at,
            last_at=self.last_at)

    def to_dict(self) -> dict[str, Any]:
        """The candidate as plain data (for reports and JSON).

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> RecurrenceCandidate(rule=RecurrenceRule(name="r", keys=("ci",), window="PT1H",
        ...     min_count=2), key=("x",), incident_ids=("A", "B"), first_at=t, last_at=t,
        ...     peak=2).to_dict()["incident_ids"]
        ['A', 'B']
        """
        return {"rule": self.rule.to_dict(), "key": dict(zip(self.rule.keys, self.key, strict=True)),
                "incident_ids": list(self.incident_ids), "first": self.first_at.isoformat(),
                "last": self.last_at.isoformat(), "peak": self.peak,
                "explanation": str(self.explain())}


def _bursts(times: list[int], window_us: int, min_count: int) -> list[tuple[int, int, int]]:
    """Index ranges ``[lo, hi]`` of merged qualifying windows over sorted *times*, with peak.

    *times* may be wall-clock or business-clock microseconds (non-decreasing either way)."""
    out: list[tuple[int, int, int]] = []
    left = 0
    for right, t in enumerate(times):
        while t - times[left] >= window_us:
            left += 1
        size = right - left + 1
        if size >= min_count:
            if out and left <= out[-1][1]:
                lo, _, peak = out[-1]
                out[-1] = (lo, right, max(peak, size))
            else:
                out.append((left, right, size))
    return out


def find_recurring(incidents: Iterable[Incident],
                   rule: RecurrenceRule | Iterable[RecurrenceRule], *,
                   problems: Iterable[Problem] = (),
                   calendar: BusinessCalendar | None = None) -> list[RecurrenceCandidate]:
    """Find the problem candidates that *rule* (or each of several rules) raises.

    Args:
        incidents: the incidents to scan, in any order.
        rule: one rule or several; candidates come out rule by rule in the given order,
            then by key, then by time.
        problems: known problems, used by ``suppress_linked`` to tell open from closed
            ones; an incident linked to a problem id not listed here counts as linked to an
            open problem (the safe reading: its recurrence is already owned).
        calendar: if given, windows are measured in this calendar's business time:
            incidents fall in one window when the business time between them is less
            than the window (incidents opened while closed sit at the next opening).

    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
    >>> incs = [Incident(id=f"I{n}", opened_at=t + timedelta(hours=n), ci="db01",
    ...                  problem_id="P1" if n == 0 else None) for n in range(3)]
    >>> rule = RecurrenceRule(name="r", keys=("ci",), window="PT3H", min_count=3)
    >>> find_recurring(incs, rule)
    []
    >>> closed = Problem(id="P1", opened_at=t, state="closed")
    >>> len(find_recurring(incs, rule, problems=[closed]))
    1

    Business time: Friday 16:00 and Monday 09:00 and 10:00 are within three business
    hours of each other on a 09:00-17:00 weekday calendar.

    >>> from itsm_core.calendar import BusinessCalendar
    >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {
    ...     d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}})
    >>> fri = datetime(2025, 3, 7, 16, tzinfo=timezone.utc)
    >>> incs = [Incident(id=f"J{n}", opened_at=fri + timedelta(hours=h), ci="db01")
    ...         for n, h in enumerate((0, 65, 66))]
    >>> [c.incident_ids for c in find_recurring(incs, rule, calendar=cal)]
    [('J0', 'J1', 'J2')]
    >>> find_recurring(incs, rule)
    []
    """
    rules = [rule] if isinstance(rule, RecurrenceRule) else items_of(rule, "rule", "RecurrenceRule values")
    for index, item in enumerate(rules):
        if not isinstance(item, RecurrenceRule):
            raise ArgumentTypeError(
                f"rule[{index}]: expected a RecurrenceRule, got {type(item).__name__}")
    pool = _validated_incidents(incidents)
    closed = {p.id for p in _validated_problems(problems) if not p.is_open}
    if calendar is None:
        clock = [inc._opened_us for inc in pool]
    elif not isinstance(calendar, BusinessCalendar):
        raise ArgumentTypeError(
            f"calendar: expected a BusinessCalendar, got {type(calendar).__name__}")
    else:  # business time since the earliest incident: elapsed(a, b) = clock[b] - clock[a]
        origin = min((inc._opened_us for inc in pool), default=0)
        clock = [calendar._engine.elapsed(origin, inc._opened_us) for inc in pool]
    result: list[RecurrenceCandidate] = []
    for item in rules:
        result.extend(_find_one(pool, clock, item, closed))
    return result


def _find_one(pool: list[Incident], clock: list[int], rule: RecurrenceRule,
              closed: set[str]) -> list[RecurrenceCandidate]:
    keys = rule.keys
    rows: list[tuple[tuple[str, ...], int, str, int]] = []
    for inc, tick in zip(pool, clock, strict=True):
        if rule.suppress_linked and inc.problem_id is not None and inc.problem_id not in closed:
            continue
        key = tuple(getattr(inc, k) for k in keys)
        if None in key:
            continue
        rows.append((key, inc._opened_us, inc.id, tick))
    rows.sort()
    window_us = rule.window // timedelta(microseconds=1)
    out: list[RecurrenceCandidate] = []
    start = 0
    while start < len(rows):
        key = rows[start][0]
        end = start
        while end < len(rows) and rows[end][0] == key:
            end += 1
        group = rows[start:end]
        ticks = [row[3] for row in group]
        for lo, hi, peak in _bursts(ticks, window_us, rule.min_count):
            out.append(RecurrenceCandidate(
                rule=rule, key=key, incident_ids=tuple(row[2] for row in group[lo:hi + 1]),
                first_at=from_us(group[lo][1], timezone.utc),
                last_at=from_us(group[hi][1], timezone.utc), peak=peak))
        start = end
    return out


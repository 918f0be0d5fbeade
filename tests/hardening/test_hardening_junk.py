"""Structured junk for every public ``from_dict`` and every public call that takes
configuration or sizes: the answer is a value or an ``ItsmError``, quickly.

Each reader starts from a VALID sample (taken from the docs and doctests) and hypothesis
mutates it: junk replaces the value at a random path (top level or nested), a key is
deleted, an unknown key (a string or not) is added, a value is wrapped in a list, or the
whole value is junk.  For every example the test asserts that

- the call returns normally or raises an :class:`~itsm_core.errors.ItsmError` (never a
  bare Python exception: no ``TypeError`` from a comparison, ``RecursionError`` from deep
  data, ``ValueError`` from ``int(str)`` or ``OverflowError`` from a huge number);
- the message is a non-empty ``str`` (``str(exc)`` itself must not fail) shorter than
  2,000 characters, whatever size of value was echoed;
- the call finishes within 2 s (a generous "does not hang" bound: the unbounded cases
  take far longer);
- a ``ConfigError`` caused by changing one TOP-LEVEL key names that key, in its path or
  its message (see ``_CROSS_FIELD`` for the documented exceptions).

Error messages and the bounds they obey are described in ``docs/design.md``.
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from service_samples import CROSS_FIELD as SERVICE_CROSS_FIELD
from service_samples import SAMPLES as SERVICE_SAMPLES

from itsm_core import capacity
from itsm_core.availability.alerts import AlertPolicy
from itsm_core.availability.compose import k_of_n, parallel, series
from itsm_core.availability.downtime import allowed_downtime, humanize_duration, nines_table
from itsm_core.availability.graph import ServiceGraph
from itsm_core.availability.outage import Outage
from itsm_core.availability.slo import Slo
from itsm_core.availability.windows import CalendarWindow, RollingWindow, window_from_dict
from itsm_core.calendar import BusinessCalendar
from itsm_core.calendar.config import HolidaySource, Shift
from itsm_core.calendar.weekly import WeeklySpec
from itsm_core.change.approval import ApprovalPolicy
from itsm_core.change.conflicts import find_conflicts
from itsm_core.change.factors import RiskHistory
from itsm_core.change.methods import Questionnaire, WeightedAverage
from itsm_core.change.request import ChangeRequest
from itsm_core.change.risk import RiskModel
from itsm_core.change.rules import FactorCondition, Rule, RuleList
from itsm_core.change.scales import LevelTable, Scale
from itsm_core.change.windows import ChangeWindows, Window
from itsm_core.errors import ConfigError, ItsmError, UnknownNameError, shown
from itsm_core.intervals import IntervalSet
from itsm_core.priority.matrix import PriorityMatrix
from itsm_core.priority.overrides import ForceTop, ManualOverride, OverrideRule, RaiseLevel
from itsm_core.problem.known_errors import MatchWeights
from itsm_core.problem.minhash import (
    MinHasher,
    candidate_probability,
    lsh_buckets,
    lsh_shape,
)
from itsm_core.problem.recurrence import RecurrenceRule
from itsm_core.recurrence import Recurrence
from itsm_core.sla.compliance import compliance_report
from itsm_core.sla.conditions import parse_condition
from itsm_core.sla.deadline import BusinessDayDeadline, CutoffDeadline, FieldDeadline
from itsm_core.sla.definition import SlaDefinition
from itsm_core.sla.events import TicketEvent
from itsm_core.sla.policy import SlaPolicy
from itsm_core.sla.targets import Targets
from itsm_core.topology import Topology

ROOT = Path(__file__).resolve().parents[2]
TIME_BOUND = 2.0  # seconds; the unbounded cases take more than 5 s
MESSAGE_BOUND = 2000  # characters
BUDGET = settings(max_examples=40, deadline=None)

UTC = timezone.utc
T0 = datetime(2025, 1, 6, 9, tzinfo=UTC)

# --------------------------------------------------------------------------- junk values


def _deep_list(levels: int) -> object:
    value: object = []
    for _ in range(levels):
        value = [value]
    return value


def _deep_dict(levels: int) -> object:
    value: object = {}
    for _ in range(levels):
        value = {"k": value}
    return value


@dataclass(frozen=True)
class Junk:
    """A junk value, built only when used: hypothesis prints the name, never the value
    (``repr`` of ``10**5000`` or of a 3,000-deep list would itself fail)."""

    name: str
    make: Callable[[], object]

    def __repr__(self) -> str:
        return self.name


def _j(name: str, make: Callable[[], object]) -> Junk:
    return Junk(name, make)


def _const(value: object) -> Junk:
    return Junk(shown(value, 40), lambda: value)


_NAMED_JUNK = [
    _const(None), _const(True), _const(False), _const(0), _const(-1), _const(1),
    _const(2**63), _j("10**5000", lambda: 10**5000), _j("-10**400", lambda: -(10**400)),
    _const(math.nan), _const(math.inf), _const(-math.inf), _const(1e308), _const(-0.0),
    _const(5e-324),
    _const(""), _const(" "), _j("'x'*10000", lambda: "x" * 10000),
    _j("'9'*5000", lambda: "9" * 5000), _const("1e-10000000"), _const("1e10000000"),
    _const("P99999999999D"), _const("PT99999999999999H"), _const("P1Y"), _const("-P1D"),
    _const("PT0S"), _const("FREQ=SECONDLY"), _const("FREQ=MINUTELY;COUNT=1000000000"),
    _const("FREQ=YEARLY;BYMONTHDAY=31;BYMONTH=2"), _const("NaN"), _const("inf"),
    _const("-5%"), _const("250%"), _const("1/0"), _const("0/0"), _const("24:00"),
    _const("99:99"), _const("2025-13-45T00:00+00:00"), _const("9999-12-31T23:59:59+00:00"),
    _const("0001-01-01T00:00:00+00:00"), _const("2025-01-01T00:00"), _const("Mars/Olympus"),
    _const("\x00"), _const("\ud800"), _const("high"), _const("P1"), _const("*"),
    _const([]), _const([None]), _const([[]]), _const([1, 2, 3]), _const(["x", "x"]),
    _j("[0]*100000", lambda: [0] * 100_000), _j("['a']*5000", lambda: ["a"] * 5000),
    _const({}), _const({1: 2, "z": 3}), _const({None: 1}), _const({(1,): 2}),
    _const({"": None}), _j("{str(i): i for i in range(5000)}", lambda: {str(i): i for i in range(5000)}),
    _j("deep_list(500)", lambda: _deep_list(500)), _j("deep_dict(500)", lambda: _deep_dict(500)),
    _j("deep_list(3000)", lambda: _deep_list(3000)),
    _j("{'k': deep_dict(3000)}", lambda: {"k": _deep_dict(3000)}),
    _const(b"bytes"), _const(Decimal("NaN")), _const(Decimal("1e999999")),
    _const(Decimal("-Infinity")), _const(Fraction(1, 3)), _const(Fraction(10**30, 3)),
    _const(datetime(2025, 1, 1)), _const(datetime.max.replace(tzinfo=UTC)),
    _const(datetime.min.replace(tzinfo=UTC)), _const(T0), _const(date.max), _const(date.min),
    _const(timedelta.max), _const(timedelta.min), _const(timedelta(0)),
    _const(timedelta(microseconds=1)), _const(timedelta(days=-1)),
    _j("object()", object), _const(set()), _const(frozenset({1})), _const((1, 2)),
    _const(complex(1, 1)),
]

_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=6),
    st.fractions(max_denominator=10), st.decimals(places=3, allow_nan=True),
)
_KEY = st.one_of(st.text(max_size=3), st.integers(), st.none(), st.booleans(),
                 st.tuples(st.integers()))
_GENERATED = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(_KEY, inner, max_size=3)),
    max_leaves=8,
).map(lambda v: Junk(shown(v, 40), lambda: v))

JUNK = st.one_of(st.sampled_from(_NAMED_JUNK), _GENERATED)
_UNKNOWN_KEYS = ["zz_unknown", 1, None, True, (1,), 2.5]
#: Keys checked by their own tests: a key that is empty, or too long to echo whole.
_EMPTY_KEY, _LONG_KEY = "", "k" * 3000

# --------------------------------------------------------------------------- mutations

Path_ = tuple[object, ...]


def _places(value: object, path: Path_ = (), depth: int = 0) -> list[Path_]:
    """Every path inside *value* (mapping keys and list indexes), the root included."""
    out = [path]
    if depth > 12:
        return out
    if isinstance(value, Mapping):
        for key, child in value.items():
            out.extend(_places(child, (*path, key), depth + 1))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.extend(_places(child, (*path, index), depth + 1))
    return out


@dataclass(frozen=True)
class Mutation:
    """One change to a valid sample: *op* at *path* with *junk* (or *key* for ``add``)."""

    op: str  # replace, delete, add, wrap
    path: Path_
    junk: Junk
    key: object = None

    def apply(self, value: object) -> object:
        return self._at(value, self.path)

    def _at(self, value: Any, path: Path_) -> object:
        if len(path) == 1 and self.op == "delete":
            if isinstance(value, Mapping):
                return {k: v for k, v in value.items() if k != path[0]}
            return [v for i, v in enumerate(value) if i != path[0]]
        if not path:
            if self.op == "add" and isinstance(value, Mapping):
                return {**value, self.key: self.junk.make()}
            if self.op == "add" and isinstance(value, list):
                return [*value, self.junk.make()]
            if self.op == "wrap":
                return [value]
            return self.junk.make()
        head, *rest = path
        copy: Any = dict(value) if isinstance(value, Mapping) else list(value)
        copy[head] = self._at(value[head], tuple(rest))
        return copy


@st.composite
def mutations(draw: st.DrawFn, base: object) -> Mutation:
    path = draw(st.sampled_from(_places(base)))
    ops = ["replace", "add", "wrap"] + (["delete"] if path else [])
    return Mutation(draw(st.sampled_from(ops)), path, draw(JUNK),
                    draw(st.sampled_from(_UNKNOWN_KEYS)))


# --------------------------------------------------------------------------- checks


def _call(fn: Callable[[], object]) -> tuple[object, ItsmError | None]:
    """Run *fn*: a value or an ItsmError with a bounded message, within the time bound."""
    began = time.perf_counter()
    try:
        value, error = fn(), None
    except ItsmError as exc:
        value, error = None, exc
    elapsed = time.perf_counter() - began
    assert elapsed < TIME_BOUND, f"took {elapsed:.1f} s"
    if error is not None:
        message = str(error)
        assert isinstance(message, str)
        assert message.strip(), f"empty message from {type(error).__name__}"
        assert len(message) < MESSAGE_BOUND, f"message of {len(message)} chars"
        if isinstance(error, ConfigError):
            assert isinstance(error.path, str)
    return value, error


def _round_trips(read: Callable[[object], object], value: object) -> None:
    if value is not None:  # junk that happens to be valid must be a real value
        again, error = _call(lambda: read(value.to_dict()))  # type: ignore[attr-defined]
        assert error is None, f"to_dict() of an accepted value is refused: {error}"
        assert again == value


def _names(error: ItsmError, key: object) -> bool:
    """Whether *error* names the top-level *key* (path first, then message)."""
    where = error.path if isinstance(error, ConfigError) else (
        error.what if isinstance(error, UnknownNameError) else "")
    if isinstance(key, str) and key and (
            where == key or where.startswith((f"{key}.", f"{key}["))):
        return True
    message = str(error)
    return any(form in message for form in {str(key), shown(key)} if form)


# --------------------------------------------------------------------------- samples

_POLICY = json.loads((ROOT / "docs/examples/servicenow-policy.json").read_text())
_QUESTIONNAIRE = {
    "questions": [{"factor": "backout_plan", "weight": 10, "answers": {"yes": 0, "no": 3}},
                  {"factor": "tested", "weight": 5, "answers": {"yes": 0, "no": 4},
                   "default": "no"}],
    "bands": [{"min": 0, "max": 25, "risk": "low"}, {"min": 26, "risk": "high"}]}
_WEIGHTED = {"factors": [
    {"factor": "services_affected", "weight": 2,
     "thresholds": [{"min": 0, "score": 1}, {"min": 5, "score": 5}]},
    {"factor": "tested", "weight": 1, "answers": {"yes": 1, "no": 5}}],
    "levels": [{"min": 1, "risk": "low"}, {"min": 3, "risk": "high"}]}
_RULE = {"name": "db", "when": {"ci": ["db"], "services_affected": {">=": 3}}, "risk": "high"}
_CIS = frozenset({"db", "web"})
_WEEKDAYS = {"timezone": "Europe/London",
             "hours": {"mon": [["09:00", "12:00"], ["13:00", "17:30"]],
                       "tue": [["22:00", "06:00"]], "fri": [["09:00", "24:00"]]},
             "holidays": [{"country": "GB", "subdivision": "ENG"}],
             "closed_dates": ["2025-12-24"],
             "special_hours": {"2025-12-31": [["09:00", "13:00"]]}}
_RECURRENCE = {"rrule": "FREQ=WEEKLY;BYDAY=SA", "start": "2025-01-04T22:00",
               "timezone": "Europe/London", "duration": "PT4H"}
_APPROVAL = {"normal": {"low": {"authority": "peer", "lead_time": "P1D"},
                        "moderate": {"authority": "cab", "lead_time": "P3D"},
                        "high": {"authority": "cab", "lead_time": "P5D"},
                        "very_high": {"authority": "cab", "lead_time": "P5D"}},
             "emergency": {"authority": "emergency_cab", "lead_time": "PT0S"}}
_DEFINITION = {
    "name": "resolution",
    "calendar": {"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]],
                                              "tue": [["09:00", "17:00"]]}},
    "targets": {"1 - Critical": "PT4H", "4 - Low": "P5D", "*": {"business_days": 2,
                                                                 "by": "17:00"}},
    "pause": {"state_in": ["Awaiting User Info"]},
    "stop": {"any": [{"state_in": ["Resolved", "Closed"]},
                     {"field": "category", "in": ["spam"]}]},
    "warnings": [0.5, 0.75], "on_priority_change": "restart", "on_reopen": "new_cycle",
}

Reader = Callable[[Any], object]

SAMPLES: list[tuple[str, Reader, object]] = [
    ("Topology", Topology.from_dict, {"web": ["app"], "app": ["db", "cache"]}),
    ("ServiceGraph", ServiceGraph.from_dict, {
        "web": {"availability": "99%", "needs": ["app1", "app2"], "k": 1},
        "app1": {"availability": "90%", "needs": ["db"]},
        "app2": {"availability": 0.9, "needs": ["db"]}, "db": {"availability": "99%"}}),
    ("Outage", Outage.from_dict, {"start": "2025-01-01T09:00:00+00:00",
                                  "end": "2025-01-01T09:30:00+00:00", "service": "web",
                                  "kind": "degraded", "impact": "50%"}),
    ("Slo", Slo.from_dict, {"target": "99.9%", "window": {"rolling": "P30D"}}),
    ("Slo-calendar", Slo.from_dict, {"target": 0.99, "window": {"calendar": "month",
                                                                "timezone": "Europe/London"}}),
    ("window_from_dict", window_from_dict, {"calendar": "week", "timezone": "Asia/Tokyo",
                                            "week_start": "sun"}),
    ("AlertPolicy", AlertPolicy.from_dict, AlertPolicy.workbook().to_dict()),
    ("MatchWeights", MatchWeights.from_dict, {"code": "1/2", "ci": 0, "text": "0.5"}),
    ("RecurrenceRule", RecurrenceRule.from_dict, {
        "name": "ci-burst", "keys": ["ci", "category"], "window": "PT24H", "min_count": 3,
        "suppress_linked": False}),
    ("Recurrence", Recurrence.from_dict, _RECURRENCE),
    ("Shift", Shift.from_dict, ["22:00", "06:00"]),
    ("HolidaySource", HolidaySource.from_dict, {"country": "GB", "subdivision": "ENG"}),
    ("WeeklySpec", WeeklySpec.from_dict, _WEEKDAYS),
    ("BusinessCalendar", BusinessCalendar.from_dict, {**_WEEKDAYS, "horizon": "P400D"}),
    ("BusinessCalendar-composite", BusinessCalendar.from_dict, {"versions": [
        {"from": "2024-01-01", "calendar": {"union": [
            {"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}},
            {"timezone": "America/New_York", "hours": {"mon": [["09:00", "17:00"]]}}]}},
        {"from": "2025-06-01", "calendar": {"minus": {
            "calendar": {"timezone": "UTC", "hours": {"tue": [["08:00", "18:00"]]}},
            "windows": [["2025-06-03T09:00+00:00", "2025-06-03T10:00+00:00"]]}}}]}),
    ("Targets", Targets.from_dict, {"1 - Critical": "PT4H", "P3": "P2BD",
                                    "*": {"cutoff": "12:00", "before": "P0BD",
                                          "after": "P1BD"}}),
    ("BusinessDayDeadline", BusinessDayDeadline.from_dict, {"business_days": 2, "by": "17:00"}),
    ("CutoffDeadline", CutoffDeadline.from_dict, {"cutoff": "12:00", "before": "P0BD",
                                                  "after": "P1BD"}),
    ("FieldDeadline", FieldDeadline.from_dict, {"due_field": "due_date"}),
    ("parse_condition", parse_condition, {"all": [{"state_in": ["New"]},
                                                  {"not": {"field": "vip", "in": [True]}}]}),
    ("SlaDefinition", SlaDefinition.from_dict, _DEFINITION),
    ("SlaDefinition-matrix", lambda d: SlaDefinition.from_dict(
        d, priority_matrix=PriorityMatrix.preset("servicenow-incident")), {
        "name": "fix", "targets": {"1 - Critical": "PT4H", "*": "P5D"}}),
    ("SlaPolicy", SlaPolicy.from_dict, _POLICY),
    ("TicketEvent", TicketEvent.from_dict, {"at": T0, "state": "New", "priority": "P1",
                                            "fields": {"category": "network"}}),
    ("PriorityMatrix", PriorityMatrix.from_dict,
     PriorityMatrix.preset("servicenow-incident").to_dict()),
    ("OverrideRule", OverrideRule.from_dict, {"rule": "manual", "priority": "2 - High",
                                              "reason": "CAB", "when": "vip"}),
    ("RaiseLevel", RaiseLevel.from_dict, {"rule": "raise", "levels": 2, "when": "vip"}),
    ("ForceTop", ForceTop.from_dict, {"rule": "force_top", "when": "major_incident"}),
    ("ManualOverride", ManualOverride.from_dict, {"rule": "manual", "priority": "P1",
                                                  "when": None, "reason": "CAB"}),
    ("RiskHistory", RiskHistory.from_dict, {"ci_failures": {"db": 2},
                                            "implementer_record": {"ana": [9, 10]}}),
    ("Questionnaire", Questionnaire.from_dict, _QUESTIONNAIRE),
    ("WeightedAverage", WeightedAverage.from_dict, _WEIGHTED),
    ("ChangeRequest", ChangeRequest.from_dict, {
        "id": "CHG1", "type": "normal", "cis": ["db"], "start": "2025-03-01T22:00+00:00",
        "end": "2025-03-02T01:00+00:00", "requested_at": "2025-02-20T09:00+00:00",
        "assignee": "ana", "fields": {"backout_plan": "yes", "services_affected": 4}}),
    ("RiskModel", lambda d: RiskModel.from_dict(d, known_cis=_CIS), {
        "rules": [_RULE, {"when": {"type": "emergency"}, "risk": "high"}],
        "questionnaire": _QUESTIONNAIRE, "weighted_average": _WEIGHTED, "default": "low"}),
    ("FactorCondition", FactorCondition.from_dict, {"services_affected": {">": 2}}),
    ("Rule", lambda d: Rule.from_dict(d, known_cis=_CIS), _RULE),
    ("RuleList", RuleList.from_dict, {"rules": [_RULE]}),
    ("Scale", Scale.from_dict, {"thresholds": [{"min": 0, "score": 1},
                                               {"min": 5, "score": 2}]}),
    ("Scale-answers", Scale.from_dict, {"answers": {"yes": 0, "no": 3}, "default": "no"}),
    ("LevelTable", LevelTable.from_dict, {"levels": [{"min": 0, "risk": "low"},
                                                     {"min": "5/2", "risk": "high"}]}),
    ("ApprovalPolicy", ApprovalPolicy.from_dict, _APPROVAL),
    ("Window", lambda d: Window.from_dict(d, known_cis=_CIS), {
        "kind": "freeze", "name": "year-end", "cis": ["db"], "allow": ["emergency"],
        "intervals": [["2025-12-20T00:00+00:00", "2026-01-02T00:00+00:00"]],
        "recurrence": _RECURRENCE}),
    ("ChangeWindows", lambda d: ChangeWindows.from_dict(d, known_cis=_CIS), {
        "maintenance": [{"name": "sat", "recurrence": [_RECURRENCE], "cis": ["web"]}],
        "freezes": [{"name": "f", "cis": ["web"],
                     "intervals": [["2025-12-20T00:00+00:00", "2026-01-02T00:00+00:00"]]}],
        "maintenance_exempt": ["standard"]}),
]
SAMPLES += SERVICE_SAMPLES  # the service layer's readers (service_samples.py)
_IDS = [s[0] for s in SAMPLES]

#: (sample, top-level key) pairs where changing the key may legitimately be reported at
#: ANOTHER field, because the check is across fields.  Each has its reason:
_CROSS_FIELD: dict[tuple[str, str], str] = {
    # the dependent nodes name a node; deleting it is reported where it is needed
    ("ServiceGraph", "app1"): "web.needs names it", ("ServiceGraph", "app2"): "web.needs",
    ("ServiceGraph", "db"): "app1.needs / app2.needs name it",
    # the definitions name the policy's calendar: deleting or breaking the 'calendars'
    # table is reported at definitions[i].calendar (an UnknownNameError there)
    ("SlaPolicy", "calendars"): "definitions[i].calendar names a calendar",
    # a Window's kind decides which keys are allowed ('allow' is freeze-only)
    ("Window", "kind"): "kind decides whether 'allow' is accepted",
    # without its composite key the mapping is read as a weekly calendar, and the error
    # names what that form lacks ('timezone: missing')
    ("BusinessCalendar-composite", "versions"): "the remaining keys are read as weekly",
    # 'default' must name one of the answers: new answers make the default unknown
    ("Scale-answers", "answers"): "default names an answer",
}
_CROSS_FIELD.update(SERVICE_CROSS_FIELD)


# --------------------------------------------------------------------------- from_dict tests


@pytest.mark.parametrize(("name", "read", "base"), SAMPLES, ids=_IDS)
def test_the_sample_is_valid_and_round_trips(name: str, read: Reader, base: object) -> None:
    value = read(base)
    assert read(value.to_dict()) == value  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "read", "base"), SAMPLES, ids=_IDS)
@BUDGET
@given(data=st.data())
def test_junk_inside_a_valid_value(name: str, read: Reader, base: object,
                                   data: st.DataObject) -> None:
    mutation = data.draw(mutations(base))
    junk = mutation.apply(base)
    value, _ = _call(lambda: read(junk))
    _round_trips(read, value)


@pytest.mark.parametrize(("name", "read", "base"), SAMPLES, ids=_IDS)
@BUDGET
@given(junk=JUNK)
def test_junk_as_the_whole_value(name: str, read: Reader, base: object, junk: Junk) -> None:
    built = junk.make()
    value, _ = _call(lambda: read(built))
    _round_trips(read, value)


_TOP_LEVEL = [(n, r, b) for n, r, b in SAMPLES if isinstance(b, Mapping)]


@pytest.mark.parametrize(("name", "read", "base"), _TOP_LEVEL, ids=[s[0] for s in _TOP_LEVEL])
@BUDGET
@given(data=st.data())
def test_an_error_at_a_top_level_key_names_the_key(name: str, read: Reader, base: Any,
                                                   data: st.DataObject) -> None:
    op = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if op == "add":
        key: object = data.draw(st.sampled_from(_UNKNOWN_KEYS))
        mutation = Mutation("add", (), data.draw(JUNK), key)
    else:
        key = data.draw(st.sampled_from(sorted(base)))
        mutation = Mutation(op, (key,), data.draw(JUNK))
    junk = mutation.apply(base)
    value, error = _call(lambda: read(junk))
    _round_trips(read, value)
    if (isinstance(error, (ConfigError, UnknownNameError)) and (name, key) not in _CROSS_FIELD
            and not _too_deep_at_root(error)):
        assert _names(error, key), f"{mutation!r} gave an error not naming {key!r}: {error}"


def _too_deep_at_root(error: ItsmError) -> bool:
    """The nesting limit (``_config.check_depth``) is checked once over the whole value
    before any field is read, so a too-deep value under any key is reported at the root,
    path ``""``: a documented exception to "the error names the key"."""
    return (isinstance(error, ConfigError) and error.path == ""
            and error.problem.startswith("nested more than"))


@pytest.mark.parametrize(("name", "read", "base"), _TOP_LEVEL, ids=[s[0] for s in _TOP_LEVEL])
@pytest.mark.parametrize("key", [_EMPTY_KEY, " "], ids=["empty", "blank"])
def test_an_unknown_empty_key_is_named(name: str, read: Reader, base: Any, key: str) -> None:
    _, error = _call(lambda: read({**base, key: None}))
    if isinstance(error, (ConfigError, UnknownNameError)):
        assert _names(error, key), f"an unknown key {key!r} is not named: {error}"


@pytest.mark.parametrize(("name", "read", "base"), SAMPLES, ids=_IDS)
@BUDGET
@given(data=st.data())
def test_a_long_unknown_key_anywhere_is_shown_bounded(name: str, read: Reader, base: object,
                                                      data: st.DataObject) -> None:
    # the message bound of _call applies: the key is echoed through errors.shown
    places = [p for p in _places(base) if isinstance(_get(base, p), (Mapping, list))]
    mutation = Mutation("add", data.draw(st.sampled_from(places)), data.draw(JUNK), _LONG_KEY)
    junk = mutation.apply(base)
    value, _ = _call(lambda: read(junk))
    _round_trips(read, value)


def _get(value: Any, path: Path_) -> object:
    for key in path:
        value = value[key]
    return value


# --------------------------------------------------------------------------- calls


@functools.cache
def _calendar() -> BusinessCalendar:
    return BusinessCalendar.from_dict({"timezone": "UTC", "hours": {
        d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}})


def _outcomes() -> list[object]:
    fix = SlaDefinition.from_dict({"name": "fix", "targets": {"P1": "PT4H", "*": "P1D"},
                                   "stop": {"state_in": ["Resolved"]}})
    events = [TicketEvent(T0, "New", "P1"), TicketEvent(T0 + timedelta(hours=5), "Resolved")]
    return [fix.evaluate(events, ticket="INC1")]


def _changes() -> list[ChangeRequest]:
    return [ChangeRequest.from_dict({"id": f"C{i}", "type": "normal", "cis": ["db"],
                                     "start": f"2025-03-0{i}T22:00+00:00",
                                     "end": f"2025-03-0{i + 1}T01:00+00:00"})
            for i in (1, 2)]


@functools.cache
def _definition() -> SlaDefinition:
    return SlaDefinition.from_dict(_DEFINITION)


@functools.cache
def _policy() -> SlaPolicy:
    return SlaPolicy.from_dict(_POLICY)


@functools.cache
def _approval() -> ApprovalPolicy:
    return ApprovalPolicy.from_dict(_APPROVAL)


@functools.cache
def _matrix() -> PriorityMatrix:
    return PriorityMatrix.preset("servicenow-incident")


@dataclass(frozen=True)
class Lazy:
    """An argument built when the test runs, not when the module is collected."""

    make: Callable[[], object]


def _resolved(kwargs: dict[str, object]) -> dict[str, object]:
    return {k: v.make() if isinstance(v, Lazy) else v for k, v in kwargs.items()}


EVENTS = [TicketEvent(T0, "New", "1 - Critical"),
          TicketEvent(T0 + timedelta(hours=2), "Awaiting User Info", "1 - Critical"),
          TicketEvent(T0 + timedelta(hours=3), "Resolved", "1 - Critical")]

Call = Callable[..., object]


def _spread(value: object) -> list[object]:
    """The ``*availabilities`` of a call: a list is spread, any other junk is one argument."""
    return value if isinstance(value, list) else [value]

#: (name, call taking keyword arguments, valid keyword arguments).
CALLS: list[tuple[str, Call, dict[str, object]]] = [
    ("erlang_b", capacity.erlang_b, {"traffic": 4.46, "agents": 10}),
    ("erlang_c", capacity.erlang_c, {"traffic": 2, "agents": 3}),
    ("service_level", capacity.service_level, {
        "traffic": 10, "agents": 14, "handle_time": timedelta(minutes=3),
        "answer_time": timedelta(seconds=20)}),
    ("average_speed_of_answer", capacity.average_speed_of_answer, {
        "traffic": 10, "agents": 14, "handle_time": timedelta(minutes=3)}),
    ("occupancy", capacity.occupancy, {"traffic": 10, "agents": 14}),
    ("traffic_intensity", capacity.traffic_intensity, {
        "contacts": 100, "period": timedelta(minutes=30), "handle_time": timedelta(minutes=3)}),
    ("agents_for_service_level", capacity.agents_for_service_level, {
        "traffic": 10, "handle_time": timedelta(minutes=3), "target": "80%",
        "answer_time": timedelta(seconds=20), "shrinkage": "30%", "max_occupancy": "70%"}),
    ("littles_law", capacity.littles_law, {"arrival_rate": Fraction(1, 60),
                                           "time_in_system": timedelta(hours=2)}),
    ("linear_trend", capacity.linear_trend, {"points": [(T0, 5), (T0 + timedelta(hours=1), 6)]}),
    ("k_of_n", lambda k, availabilities, n: k_of_n(k, *_spread(availabilities), n=n),
     {"k": 2, "availabilities": ["99%", "99%", "99%"], "n": None}),
    ("k_of_n-n", lambda k, availabilities, n: k_of_n(k, *_spread(availabilities), n=n),
     {"k": 2, "availabilities": ["99%"], "n": 3}),
    ("series", lambda availabilities: series(*_spread(availabilities)),
     {"availabilities": ["99.95%", 0.999]}),
    ("parallel", lambda availabilities: parallel(*_spread(availabilities)),
     {"availabilities": ["99.9%", "99.9%"]}),
    ("CalendarWindow", CalendarWindow, {"unit": "month", "timezone": "Europe/London",
                                        "week_start": "mon"}),
    ("RollingWindow", RollingWindow, {"length": timedelta(days=30)}),
    ("allowed_downtime", allowed_downtime, {"target": "99.95%", "period": timedelta(days=7)}),
    ("allowed_downtime-calendar", allowed_downtime, {
        "target": "99.9%", "calendar": Lazy(_calendar), "start": T0, "end": T0 + timedelta(days=30)}),
    ("humanize_duration", humanize_duration, {"value": timedelta(hours=8, minutes=45),
                                              "significant": 3}),
    ("nines_table", nines_table, {"targets": ["99%", "99.9%"],
                                  "periods": [("day", timedelta(days=1))]}),
    ("IntervalSet.from_pairs", IntervalSet.from_pairs, {"pairs": [(0, 2), (5, 7)]}),
    ("MinHasher", MinHasher, {"num_perm": 64, "seed": 1}),
    ("MinHasher.signature", lambda num_perm, tokens: MinHasher(num_perm=num_perm).signature(
        tokens), {"num_perm": 16, "tokens": frozenset({"vpn", "drops"})}),
    ("lsh_shape", lsh_shape, {"threshold": Fraction(1, 2), "num_perm": 64,
                              "target": Fraction(1, 2)}),
    ("lsh_buckets", lsh_buckets, {"signatures": [(1, 2), (1, 3), (9, 2)], "bands": 2,
                                  "rows": 1}),
    ("candidate_probability", candidate_probability, {"similarity": Fraction(1, 2),
                                                      "bands": 16, "rows": 4}),
    ("MatchWeights", MatchWeights, {"code": "1/2", "ci": 0, "text": "0.5"}),
    ("RecurrenceRule", RecurrenceRule, {"name": "r", "keys": ("ci",), "window": "PT3H",
                                        "min_count": 3}),
    ("TicketEvent", TicketEvent, {"at": T0, "state": "New", "priority": "P1",
                                  "fields": {"vip": True}}),
    ("SlaDefinition.evaluate", lambda **kw: _definition().evaluate(**kw), {
        "events": EVENTS, "as_of": T0 + timedelta(days=2), "ticket": "INC1", "strict": True}),
    ("SlaPolicy.evaluate", lambda **kw: _policy().evaluate(**kw), {"events": EVENTS, "as_of": None,
                                             "ticket": "INC1"}),
    ("compliance_report", compliance_report, {"outcomes": Lazy(_outcomes),
                                              "by": ("definition", "priority"),
                                              "period": "month"}),
    ("find_conflicts", find_conflicts, {"changes": Lazy(_changes), "windows": None,
                                        "topology": Lazy(lambda: Topology.from_dict({"web": ["db"]}))}),
    ("ApprovalPolicy.requirement", lambda **kw: _approval().requirement(**kw), {"change_type": "normal",
                                                          "level": "high"}),
    ("PriorityMatrix.preset", PriorityMatrix.preset, {"name": "itil-v3"}),
    ("PriorityMatrix.priority", lambda **kw: _matrix().priority(**kw), {"impact": "1 - High",
                                                  "urgency": "2 - Medium"}),
    ("BusinessCalendar.add", lambda **kw: _calendar().add(**kw), {"t": T0, "d": timedelta(hours=30)}),
    ("BusinessCalendar.subtract", lambda **kw: _calendar().subtract(**kw), {"t": T0, "d": timedelta(hours=30)}),
    ("BusinessCalendar.elapsed", lambda **kw: _calendar().elapsed(**kw), {"a": T0, "b": T0 + timedelta(days=9)}),
    ("BusinessCalendar.add_business_days", lambda **kw: _calendar().add_business_days(**kw), {"start": T0, "n": 5}),
    ("BusinessCalendar.business_days_between", lambda **kw: _calendar().business_days_between(**kw), {
        "a": date(2025, 1, 1), "b": date(2025, 3, 1)}),
    ("BusinessCalendar.open_intervals", lambda **kw: _calendar().open_intervals(**kw), {"a": T0,
                                                             "b": T0 + timedelta(days=3)}),
    ("BusinessCalendar.always_open", BusinessCalendar.always_open, {"timezone": "UTC"}),
]
_CALL_IDS = [c[0] for c in CALLS]


@pytest.mark.parametrize(("name", "call", "kwargs"), CALLS, ids=_CALL_IDS)
def test_the_call_sample_is_valid(name: str, call: Call, kwargs: dict[str, object]) -> None:
    call(**_resolved(kwargs))


@pytest.mark.parametrize(("name", "call", "kwargs"), CALLS, ids=_CALL_IDS)
@BUDGET
@given(data=st.data())
def test_junk_in_one_argument(name: str, call: Call, kwargs: dict[str, object],
                              data: st.DataObject) -> None:
    kwargs = _resolved(kwargs)
    argument = data.draw(st.sampled_from(sorted(kwargs)))
    base = kwargs[argument]
    if isinstance(base, (list, dict)) and data.draw(st.booleans()):
        junk = data.draw(mutations(base)).apply(base)  # junk inside a list or mapping
    else:
        junk = data.draw(JUNK).make()
    _call(lambda: call(**{**kwargs, argument: junk}))


# --------------------------------------------------------------------------- self-checks


def test_the_mutations_reach_every_shape() -> None:
    base = {"a": [1, {"b": 2}]}
    assert _places(base) == [(), ("a",), ("a", 0), ("a", 1), ("a", 1, "b")]
    none = _const(None)
    assert Mutation("replace", ("a", 0), none).apply(base) == {"a": [None, {"b": 2}]}
    assert Mutation("delete", ("a", 1, "b"), none).apply(base) == {"a": [1, {}]}
    assert Mutation("delete", ("a", 0), none).apply(base) == {"a": [{"b": 2}]}
    assert Mutation("add", (), none, 1).apply(base) == {"a": [1, {"b": 2}], 1: None}
    assert Mutation("add", ("a",), none).apply(base) == {"a": [1, {"b": 2}, None]}
    assert Mutation("wrap", ("a", 1), none).apply(base) == {"a": [1, [{"b": 2}]]}
    assert base == {"a": [1, {"b": 2}]}  # the sample itself is never changed


def test_the_checks_can_fail() -> None:
    with pytest.raises(ZeroDivisionError):
        _call(lambda: 1 // 0)
    with pytest.raises(AssertionError, match="message of"):
        _call(lambda: (_ for _ in ()).throw(ConfigError("k", "x" * 3000)))
    err = ConfigError("hours.mon[0]", "bad")
    assert _names(err, "hours") and not _names(err, "holidays")
    assert _names(UnknownNameError("calendar", "uk", ["london"]), "calendar")

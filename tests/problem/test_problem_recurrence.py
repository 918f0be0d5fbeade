"""find_recurring against a brute-force oracle, and rule validation."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_problem import T0, UnionFindRef, incidents

from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ArgumentTypeError, ConfigError
from itsm_core.problem import (
    Incident,
    Problem,
    RecurrenceExplanation,
    RecurrenceRule,
    find_recurring,
)

PROBLEMS = [Problem(id="P_OPEN", opened_at=T0), Problem(id="P_CLOSED", opened_at=T0,
                                                          state="closed")]


def oracle(incs: list[Incident], rule: RecurrenceRule, problems: list[Problem],
           calendar: BusinessCalendar | None = None,
           ) -> set[tuple[tuple[str, ...], frozenset[str], int]]:
    """Every window [s, s + w) starting at an incident's time (business time with a
    calendar); qualifying windows that share an incident are joined; a candidate is a
    component (with its largest window)."""

    def elapsed(a: Incident, b: Incident) -> timedelta:
        if calendar is None:
            return b.opened_at - a.opened_at
        return calendar.elapsed(a.opened_at, b.opened_at)

    closed = {p.id for p in problems if not p.is_open}
    w = rule.window
    eligible = [i for i in incs
                if not (rule.suppress_linked and i.problem_id and i.problem_id not in closed)
                and all(getattr(i, k) is not None for k in rule.keys)]
    uf = UnionFindRef()
    peaks: dict[str, int] = {}
    for s in eligible:
        members = [i for i in eligible
                   if all(getattr(i, k) == getattr(s, k) for k in rule.keys)
                   and timedelta(0) <= elapsed(s, i) < w]
        if len(members) >= rule.min_count:
            for m in members:
                uf.union(m.id, members[0].id)
                peaks[m.id] = max(peaks.get(m.id, 0), len(members))
    by_id = {i.id: i for i in eligible}
    return {(tuple(getattr(by_id[next(iter(g))], k) for k in rule.keys), g,
             max(peaks[x] for x in g)) for g in uf.groups()}


rules = st.builds(RecurrenceRule, name=st.just("r"),
                  keys=st.sampled_from([("ci",), ("category",), ("ci", "category")]),
                  window=st.integers(1, 240).map(lambda m: timedelta(minutes=m)),
                  min_count=st.integers(2, 5), suppress_linked=st.booleans())


class TestAgainstOracle:
    @given(incidents(), rules)
    def test_same_candidates_as_brute_force(self, incs: list[Incident],
                                            rule: RecurrenceRule) -> None:
        got = find_recurring(incs, rule, problems=PROBLEMS)
        assert {(c.key, frozenset(c.incident_ids), c.peak) for c in got} == oracle(
            incs, rule, PROBLEMS)
        for c in got:
            times = [i.opened_at for i in incs if i.id in c.incident_ids]
            assert (c.first_at, c.last_at) == (min(times), max(times))
            assert c.rule is rule

    @given(incidents(), rules)
    def test_order_of_input_does_not_matter(self, incs: list[Incident],
                                            rule: RecurrenceRule) -> None:
        assert find_recurring(incs, rule) == find_recurring(list(reversed(incs)), rule)

    @given(incidents(), rules, st.integers(1, 100))
    def test_wider_window_never_loses_incidents(self, incs: list[Incident],
                                                rule: RecurrenceRule, extra: int) -> None:
        wider = RecurrenceRule(name="r", keys=rule.keys, window=rule.window
                               + timedelta(minutes=extra), min_count=rule.min_count,
                               suppress_linked=rule.suppress_linked)
        narrow = {i for c in find_recurring(incs, rule) for i in c.incident_ids}
        wide = {i for c in find_recurring(incs, wider) for i in c.incident_ids}
        assert narrow <= wide


OFFICE = BusinessCalendar.from_dict({
    "timezone": "Europe/London",
    "hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}})


class TestBusinessTime:
    @given(incidents(), rules)
    def test_same_candidates_as_brute_force(self, incs: list[Incident],
                                            rule: RecurrenceRule) -> None:
        # stretch the 10-hour test range over about eight days, weekends included
        spread = [attrs.evolve(i, opened_at=T0 + (i.opened_at - T0) * 20) for i in incs]
        got = find_recurring(spread, rule, problems=PROBLEMS, calendar=OFFICE)
        assert {(c.key, frozenset(c.incident_ids), c.peak) for c in got} == oracle(
            spread, rule, PROBLEMS, OFFICE)

    def test_always_open_calendar_is_wall_clock(self) -> None:
        incs = [Incident(id=f"I{n}", opened_at=T0 + timedelta(hours=7 * n), ci="x")
                for n in range(6)]
        rule = RecurrenceRule(name="r", keys=("ci",), window="PT15H", min_count=3)
        assert find_recurring(incs, rule, calendar=BusinessCalendar.always_open("UTC")) == \
            find_recurring(incs, rule)

    def test_bad_calendar(self) -> None:
        rule = RecurrenceRule(name="r", keys=("ci",), window="PT15H", min_count=3)
        with pytest.raises(ArgumentTypeError, match="calendar"):
            find_recurring([], rule, calendar="UTC")  # type: ignore[arg-type]


class TestExamples:
    def test_five_on_one_ci_within_24_hours(self) -> None:
        incs = [Incident(id=f"I{n}", opened_at=T0 + timedelta(hours=5 * n), ci="db01")
                for n in range(6)]
        rule = RecurrenceRule(name="five", keys=("ci",), window="PT24H", min_count=5)
        # I0..I4 open at 0h..20h (one window); I1..I5 at 5h..25h too: one merged burst.
        (cand,) = find_recurring(incs, rule)
        assert cand.incident_ids == tuple(f"I{n}" for n in range(6))
        assert cand.peak == 5

    def test_window_is_half_open(self) -> None:
        incs = [Incident(id=f"I{n}", opened_at=T0 + timedelta(hours=12 * n), ci="db01")
                for n in range(3)]
        rule = RecurrenceRule(name="r", keys=("ci",), window="PT24H", min_count=3)
        assert find_recurring(incs, rule) == []  # 0h, 12h, 24h: 24h is outside [0h, 24h)
        rule2 = RecurrenceRule(name="r", keys=("ci",), window="PT24H0.000001S", min_count=3)
        assert len(find_recurring(incs, rule2)) == 1

    def test_separate_bursts_stay_separate(self) -> None:
        times = [0, 1, 2, 100, 101, 102]
        incs = [Incident(id=f"I{t}", opened_at=T0 + timedelta(hours=t), ci="x") for t in times]
        rule = RecurrenceRule(name="r", keys=("ci",), window="PT3H", min_count=3)
        assert [c.incident_ids for c in find_recurring(incs, rule)] == [
            ("I0", "I1", "I2"), ("I100", "I101", "I102")]

    def test_several_rules_in_order(self) -> None:
        incs = [Incident(id=f"I{n}", opened_at=T0 + timedelta(minutes=n), ci="x",
                         category="net") for n in range(3)]
        r1 = RecurrenceRule(name="a", keys=("category",), window="PT1H", min_count=3)
        r2 = RecurrenceRule(name="b", keys=("ci",), window="PT1H", min_count=2)
        assert [c.rule.name for c in find_recurring(incs, [r1, r2])] == ["a", "b"]

    def test_to_dict_explains(self) -> None:
        incs = [Incident(id=f"I{n}", opened_at=T0 + timedelta(minutes=n), ci="x")
                for n in range(2)]
        rule = RecurrenceRule(name="pair", keys=("ci",), window="PT1H", min_count=2)
        (cand,) = find_recurring(incs, rule)
        d = cand.to_dict()
        assert d["key"] == {"ci": "x"} and d["incident_ids"] == ["I0", "I1"]
        assert d["explanation"].startswith("rule pair: 2 incidents with ci=x")
        explanation = cand.explain()
        assert isinstance(explanation, RecurrenceExplanation)
        assert str(explanation) == d["explanation"]
        assert explanation.to_dict() == {
            "rule": "pair", "key": {"ci": "x"}, "incidents": 2, "window": "PT1H",
            "min_count": 2, "peak": 2, "first": "2025-03-01T00:00:00+00:00",
            "last": "2025-03-01T00:01:00+00:00"}


BASE: dict[str, object] = {"name": "r", "keys": ["ci"], "window": "PT1H", "min_count": 3}


class TestRuleValidation:
    @pytest.mark.parametrize(("change", "path"), [
        ({"keys": ["ci", "host"]}, "keys[1]"),
        ({"keys": []}, "keys"),
        ({"keys": "ci"}, "keys"),
        ({"keys": ["ci", "ci"]}, "keys"),
        ({"window": "PT0S"}, "window"),
        ({"window": "-PT1H"}, "window"),
        ({"window": timedelta(0)}, "window"),
        ({"window": "P1M"}, "window"),
        ({"min_count": 1}, "min_count"),
        ({"min_count": 2.5}, "min_count"),
        ({"min_count": True}, "min_count"),
        ({"name": ""}, "name"),
        ({"suppress_linked": "yes"}, "suppress_linked"),
        ({"colour": "red"}, "colour"),
    ])
    def test_bad_field_is_named(self, change: dict[str, object], path: str) -> None:
        with pytest.raises(ConfigError) as info:
            RecurrenceRule.from_dict({**BASE, **change})
        assert info.value.path == path
        assert info.value.expected

    @pytest.mark.parametrize("missing", ["keys", "window", "min_count"])
    def test_missing_field(self, missing: str) -> None:
        data = {k: v for k, v in BASE.items() if k != missing}
        with pytest.raises(ConfigError, match=missing):
            RecurrenceRule.from_dict(data)

    def test_not_a_mapping(self) -> None:
        with pytest.raises(ConfigError):
            RecurrenceRule.from_dict(["ci"])  # type: ignore[arg-type]

    @given(rules)
    def test_round_trip(self, rule: RecurrenceRule) -> None:
        assert RecurrenceRule.from_dict(rule.to_dict()) == rule

    def test_bad_inputs_to_find(self) -> None:
        rule = RecurrenceRule.from_dict(BASE)
        with pytest.raises(ArgumentTypeError, match=r"incidents\[0\]"):
            find_recurring(["x"], rule)  # type: ignore[list-item]
        with pytest.raises(ArgumentTypeError, match=r"rule\[0\]"):
            find_recurring([], [{"keys": ["ci"]}])  # type: ignore[list-item]

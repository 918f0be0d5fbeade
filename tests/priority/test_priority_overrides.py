"""explain(): the cell, ordered override rules, the effective priority and its trail."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_priority import LOPSIDED, matrices

from itsm_core._config import read_at
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    UnknownNameError,
)
from itsm_core.priority import (
    ForceTop,
    ManualOverride,
    OverrideRule,
    Priority,
    PriorityExplanation,
    PriorityMatrix,
    RaiseLevel,
    explain,
)

SN = PriorityMatrix.preset("servicenow-incident")
LOP = PriorityMatrix.from_dict(LOPSIDED)
POLICY = (RaiseLevel(when="vip"), ForceTop(when="major_incident"))


class TestRules:
    def test_vip_raises_one_level(self) -> None:
        e = explain(SN, impact="2 - Medium", urgency="3 - Low", overrides=POLICY, flags={"vip"})
        assert e.matrix_priority == Priority("4 - Low", 4)
        assert e.effective == Priority("3 - Moderate", 3)
        assert [(s.applied, s.note) for s in e.steps] == [
            (True, "raised 1 level(s)"),
            (False, "flag 'major_incident' not set"),
        ]

    def test_vip_at_the_top_stays(self) -> None:
        e = explain(SN, impact=1, urgency=1, overrides=POLICY, flags=["vip"])
        assert e.effective == Priority("1 - Critical", 1)
        assert e.steps[0].note == "already at the top level"

    def test_raise_stops_at_the_top(self) -> None:
        e = explain(SN, impact=2, urgency=1, overrides=[RaiseLevel(levels=3)])
        assert e.effective.rank == 1
        assert e.steps[0].note == "raised 1 level(s) (stopped at the top level)"

    def test_major_incident_forces_the_top(self) -> None:
        e = explain(LOP, impact=2, urgency=4, overrides=POLICY, flags={"major_incident"})
        assert e.matrix_priority == Priority("P8", 8)
        assert e.effective == Priority("P1", 1)
        assert [s.applied for s in e.steps] == [False, True]

    def test_no_flags_no_change(self) -> None:
        e = explain(LOP, impact=1, urgency=3, overrides=POLICY)
        assert e.effective == e.matrix_priority == Priority("P4", 4)
        assert all(s.before == s.after for s in e.steps)

    def test_order_decides(self) -> None:
        manual = ManualOverride(priority="P6", reason="agreed with the customer")
        flags = {"major_incident"}
        last_manual = explain(LOP, impact=1, urgency=1, overrides=[*POLICY, manual], flags=flags)
        last_force = explain(LOP, impact=1, urgency=1, overrides=[manual, *POLICY], flags=flags)
        assert last_manual.effective == Priority("P6", 6)
        assert last_force.effective == Priority("P1", 1)
        assert last_manual.steps[-1].note == "set by hand: agreed with the customer"

    def test_manual_by_rank(self) -> None:
        e = explain(SN, impact=1, urgency=1, overrides=[ManualOverride(priority=5, reason="r")])
        assert e.effective == Priority("5 - Planning", 5)


class TestExplanation:
    def test_cell_uses_impact_row_and_urgency_column(self) -> None:
        e = explain(LOP, impact="I-bottom", urgency="U1")
        assert e.cell == "cells[1][0]"
        assert e.impact.label == "I-bottom"
        assert e.urgency.rank == 1
        assert e.effective == Priority("P3", 3)
        assert e.steps == ()

    def test_to_dict_is_json_ready(self) -> None:
        e = explain(
            SN,
            impact="3 - Low",
            urgency="3 - Low",
            overrides=[*POLICY, ManualOverride(priority="2 - High", reason="CAB")],
            flags={"vip", "other"},
        )
        data = json.loads(json.dumps(e.to_dict()))
        assert data == {
            "impact": {"label": "3 - Low", "rank": 3},
            "urgency": {"label": "3 - Low", "rank": 3},
            "cell": "cells[2][2]",
            "matrix_priority": {"label": "4 - Low", "rank": 4},
            "steps": [
                {
                    "rule": {"rule": "raise", "levels": 1, "when": "vip"},
                    "applied": True,
                    "before": {"label": "4 - Low", "rank": 4},
                    "after": {"label": "3 - Moderate", "rank": 3},
                    "note": "raised 1 level(s)",
                },
                {
                    "rule": {"rule": "force_top", "when": "major_incident"},
                    "applied": False,
                    "before": {"label": "3 - Moderate", "rank": 3},
                    "after": {"label": "3 - Moderate", "rank": 3},
                    "note": "flag 'major_incident' not set",
                },
                {
                    "rule": {
                        "rule": "manual",
                        "priority": "2 - High",
                        "reason": "CAB",
                        "when": None,
                    },
                    "applied": True,
                    "before": {"label": "3 - Moderate", "rank": 3},
                    "after": {"label": "2 - High", "rank": 2},
                    "note": "set by hand: CAB",
                },
            ],
            "flags": ["other", "vip"],
            "effective": {"label": "2 - High", "rank": 2},
        }

    def test_str_reads_as_the_trail(self) -> None:
        e = explain(
            SN,
            impact="3 - Low",
            urgency="3 - Low",
            overrides=[*POLICY, ManualOverride(priority="2 - High", reason="CAB")],
            flags={"vip", "other"},
        )
        assert str(e) == (
            "impact '3 - Low' x urgency '3 - Low' -> cells[2][2] = '4 - Low'\n"
            "  1. raise(levels=1) when 'vip': '4 - Low' -> '3 - Moderate', raised 1 level(s)\n"
            "  2. force_top() when 'major_incident': skipped, flag 'major_incident' not set\n"
            "  3. manual(priority='2 - High', reason='CAB'): '3 - Moderate' -> '2 - High', "
            "set by hand: CAB\n"
            "effective priority: '2 - High' (flags: 'other', 'vip')"
        )
        assert str(explain(LOP, impact=1, urgency=1)) == (
            "impact 'I-top' x urgency 'U1' -> cells[0][0] = 'P1'\n"
            "effective priority: 'P1' (flags: none)"
        )

    def test_explanation_is_a_frozen_value(self) -> None:
        e = explain(SN, impact=1, urgency=1)
        assert isinstance(e, PriorityExplanation)
        with pytest.raises(AttributeError):
            e.cell = "cells[2][2]"  # type: ignore[misc]

    def test_explanations_are_hashable_values(self) -> None:
        a = explain(SN, impact=1, urgency=2, overrides=POLICY, flags={"vip"})
        b = explain(SN, impact="1 - High", urgency="2 - Medium", overrides=POLICY, flags={"vip"})
        assert a == b
        assert hash(a) == hash(b)


class TestErrors:
    def test_bad_manual_priority_names_the_rule(self) -> None:
        rules = [RaiseLevel(), ManualOverride(priority="6 - Never", reason="r")]
        with pytest.raises(
            UnknownNameError, match=r"^overrides\[1\]\.priority: unknown name '6 - Never'"
        ):
            explain(SN, impact=1, urgency=1, overrides=rules)

    def test_flags_as_a_string(self) -> None:
        with pytest.raises(ArgumentTypeError, match=r"^flags: got the string 'vip'"):
            explain(SN, impact=1, urgency=1, overrides=POLICY, flags="vip")

    def test_flags_not_strings(self) -> None:
        with pytest.raises(ArgumentTypeError, match=r"^flags: got 1"):
            explain(SN, impact=1, urgency=1, flags=[1])  # type: ignore[list-item]

    def test_not_a_rule(self) -> None:
        with pytest.raises(ArgumentTypeError, match=r"^overrides\[0\]: got \{'rule': 'raise'\}"):
            explain(SN, impact=1, urgency=1, overrides=[{"rule": "raise"}])  # type: ignore[list-item]

    def test_bad_level(self) -> None:
        with pytest.raises(InvalidArgumentError, match=r"^urgency: no level of rank 4"):
            explain(SN, impact=1, urgency=4)

    @pytest.mark.parametrize(
        ("build", "message"),
        [
            (lambda: RaiseLevel(levels=0), "levels: got 0; expected an integer >= 1"),
            (lambda: RaiseLevel(levels=True), "levels: got True"),
            (lambda: RaiseLevel(when=""), "when: got ''"),
            (lambda: ForceTop(when=3), "when: got 3"),  # type: ignore[arg-type]
            (lambda: ManualOverride(priority="P1", reason=""), "reason: got ''"),
            (lambda: ManualOverride(priority=0, reason="r"), "priority: got 0"),
            (lambda: ManualOverride(priority=None, reason="r"), "priority: got None"),  # type: ignore[arg-type]
        ],
    )
    def test_rule_construction(self, build: Any, message: str) -> None:
        with pytest.raises(ConfigError) as info:
            build()
        assert str(info.value).startswith(message)


class TestRulesAsData:
    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"rule": "lower"}, "policy[2].rule: got 'lower'; expected {'rule': 'raise'"),
            ({}, "policy[2].rule: got None"),
            ("raise", "policy[2]: got 'raise'"),
            ({"rule": "raise", "level": 1}, "policy[2].level: unknown key for rule 'raise'"),
            ({"rule": "manual", "priority": "P1"}, "policy[2]: incomplete rule 'manual'"),
            ({"rule": "manual", "priority": "P1", "reason": " "}, "policy[2].reason: got ' '"),
            ({"rule": "force_top", "when": ["vip"]}, "policy[2].when: got ['vip']"),
            ({"rule": ["raise"]}, "policy[2].rule: got ['raise']; expected {'rule': 'raise'"),
        ],
    )
    def test_errors_name_the_path(self, data: Any, message: str) -> None:
        with pytest.raises(ConfigError) as info:
            read_at("policy[2]", OverrideRule.from_dict, data)
        assert str(info.value).startswith(message)

    def test_a_kind_reads_only_its_own_rules(self) -> None:
        assert RaiseLevel.from_dict({"rule": "raise", "levels": 2}) == RaiseLevel(levels=2)
        with pytest.raises(ConfigError) as info:
            read_at("policy[0]", ForceTop.from_dict, {"rule": "raise"})
        assert str(info.value) == "policy[0].rule: got 'raise'; expected 'force_top'"


flags = st.sampled_from(["vip", "major_incident", "x"])
rules: st.SearchStrategy[OverrideRule] = st.one_of(
    st.builds(RaiseLevel, levels=st.integers(1, 4), when=st.none() | flags),
    st.builds(ForceTop, when=st.none() | flags),
    st.builds(
        ManualOverride,
        priority=st.integers(1, 3),
        reason=st.text(min_size=1).filter(str.strip),
        when=st.none() | flags,
    ),
)


@given(st.lists(rules, max_size=5))
def test_rules_round_trip_as_data(policy: list[OverrideRule]) -> None:
    data = json.loads(json.dumps([r.to_dict() for r in policy]))
    assert [OverrideRule.from_dict(d) for d in data] == policy
    assert [type(r).from_dict(d) for r, d in zip(policy, data, strict=True)] == policy


def _reference(m: PriorityMatrix, i: int, u: int, policy: list[OverrideRule], on: set[str]) -> int:
    """The effective rank, by plain rank arithmetic on the plain-data cells."""
    data = m.to_dict()
    rank: int = data["priority"].index(data["cells"][i - 1][u - 1]) + 1
    for rule in policy:
        if rule.when is not None and rule.when not in on:
            continue
        if isinstance(rule, RaiseLevel):
            rank = max(1, rank - rule.levels)
        elif isinstance(rule, ForceTop):
            rank = 1
        else:
            assert isinstance(rule, ManualOverride)
            assert isinstance(rule.priority, int)
            rank = rule.priority
    return rank


@given(matrices, st.lists(rules, max_size=5), st.sets(flags), st.data())
def test_effective_priority_matches_reference(
    m: PriorityMatrix, policy: list[OverrideRule], on: set[str], data: st.DataObject
) -> None:
    i = data.draw(st.integers(1, len(m.impact_labels)))
    u = data.draw(st.integers(1, len(m.urgency_labels)))
    n = len(m.priority_labels)
    if any(isinstance(r, ManualOverride) and int(r.priority) > n for r in policy):
        with pytest.raises(InvalidArgumentError, match=r"^overrides\[\d\]\.priority"):
            explain(m, impact=i, urgency=u, overrides=policy, flags=on)
        return
    e = explain(m, impact=i, urgency=u, overrides=policy, flags=on)
    assert e.effective.rank == _reference(m, i, u, policy, on)
    assert e.effective == m.priority_level(e.effective.rank)
    assert len(e.steps) == len(policy)
    chain = [e.matrix_priority] + [s.after for s in e.steps]
    assert [s.before for s in e.steps] == chain[:-1]
    assert chain[-1] == e.effective

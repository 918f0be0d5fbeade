"""Definitions and policies as data: round-trips, conditions, and errors naming the field."""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timedelta, timezone
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_sla import LONDON_OFFICE, STATES

from itsm_core.errors import ConfigError, ItsmError, UnknownNameError
from itsm_core.priority import PriorityMatrix
from itsm_core.sla import SlaDefinition, SlaPolicy, TicketEvent
from itsm_core.sla.clock import FLAGS, ClockRules
from itsm_core.sla.conditions import PythonCondition, parse_condition
from itsm_core.sla.targets import Targets

WHEN = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)

leaf = st.one_of(
    st.builds(lambda s: {"state_in": sorted(s)}, st.sets(st.sampled_from(STATES), min_size=1)),
    st.builds(lambda s: {"state_not_in": sorted(s)}, st.sets(st.sampled_from(STATES))),
    st.builds(lambda v: {"field": "type", "in": sorted(v)},
              st.sets(st.sampled_from(["incident", "request"]))),
    st.booleans(),
)
conditions = st.recursive(
    leaf,
    lambda inner: st.one_of(st.builds(lambda c: {"not": c}, inner),
                            st.builds(lambda cs: {"all": cs}, st.lists(inner, max_size=3)),
                            st.builds(lambda cs: {"any": cs}, st.lists(inner, max_size=3))),
    max_leaves=6,
)
durations = st.integers(1, 10 * 24 * 3600).map(lambda s: timedelta(seconds=s))


def evaluate_by_hand(raw: object, event: TicketEvent) -> bool:
    """The plain meaning of a condition, for comparison."""
    if isinstance(raw, bool):
        return raw
    assert isinstance(raw, dict)
    if "state_in" in raw:
        return event.state in raw["state_in"]
    if "state_not_in" in raw:
        return event.state not in raw["state_not_in"]
    if "field" in raw:
        return event.fields.get(raw["field"]) in raw["in"]
    if "not" in raw:
        return not evaluate_by_hand(raw["not"], event)
    if "all" in raw:
        return all(evaluate_by_hand(c, event) for c in raw["all"])
    return any(evaluate_by_hand(c, event) for c in raw["any"])


@given(conditions, st.sampled_from(STATES), st.sampled_from(["incident", "request", None]))
def test_conditions_mean_what_they_say_and_round_trip(raw, state, kind):
    condition = parse_condition(raw)
    event = TicketEvent(WHEN, state, None, {} if kind is None else {"type": kind})
    assert condition.holds(event) == evaluate_by_hand(raw, event)
    assert condition.to_dict() == raw
    assert parse_condition(condition.to_dict()) == condition


@given(conditions, conditions, st.dictionaries(st.sampled_from(["P1", "P2", "*"]), durations,
                                               min_size=1),
       st.lists(st.fractions(min_value=0, max_value=2).filter(bool), max_size=3),
       st.sampled_from(["keep_elapsed", "restart"]), st.sampled_from(["resume", "new_cycle"]))
def test_definitions_round_trip(pause, stop, targets, warnings, priority_mode, reopen_mode):
    d = SlaDefinition.from_dict({
        "name": "x", "calendar": LONDON_OFFICE, "targets": targets, "pause": pause,
        "stop": stop, "warnings": [str(w) for w in warnings],
        "on_priority_change": priority_mode, "on_reopen": reopen_mode})
    again = SlaDefinition.from_dict(d.to_dict())
    assert again == d
    assert again.to_dict() == d.to_dict()
    assert hash(again) == hash(d)


state_conditions = st.recursive(
    st.one_of(st.builds(lambda s: {"state_in": sorted(s)}, st.sets(st.sampled_from(STATES))),
              st.builds(lambda s: {"state_not_in": sorted(s)}, st.sets(st.sampled_from(STATES))),
              st.builds(lambda s: {"field": "state", "in": sorted(s)},
                        st.sets(st.sampled_from(STATES))),
              st.booleans()),
    lambda inner: st.one_of(st.builds(lambda c: {"not": c}, inner),
                            st.builds(lambda cs: {"all": cs}, st.lists(inner, max_size=3)),
                            st.builds(lambda cs: {"any": cs}, st.lists(inner, max_size=3))),
    max_leaves=6,
)


@given(st.lists(state_conditions, min_size=len(FLAGS), max_size=len(FLAGS)),
       st.sampled_from([*STATES, "Some other state", ""]))
def test_the_per_state_table_agrees_with_testing_every_condition(raws, state):
    rules = ClockRules.compile({name: parse_condition(raw)
                                for (name, _), raw in zip(FLAGS, raws, strict=True)})
    event = TicketEvent(WHEN, state, "P1", {"type": "incident"})
    assert rules.by_state is not None
    assert rules.by_state.get(state, rules.other_states) == rules.classify(event)
    with pytest.raises(TypeError):
        rules.by_state[state] = 0  # read-only: nothing is cached while replaying


def test_a_condition_on_another_field_is_tested_on_every_event():
    conditions = {name: parse_condition(True) for name, _ in FLAGS}
    conditions["applies"] = parse_condition({"field": "type", "in": ["incident"]})
    rules = ClockRules.compile(conditions)
    assert rules.by_state is None
    assert rules.classify(TicketEvent(WHEN, "New", None, {"type": "incident"})) == 63
    assert rules.classify(TicketEvent(WHEN, "New", None, {"type": "request"})) == 62


def test_flag_bits_are_distinct_and_in_replay_order():
    assert [name for name, _ in FLAGS] == ["applies", "start", "pause", "stop", "cancel",
                                           "reset"]
    assert [bit for _, bit in FLAGS] == [1, 2, 4, 8, 16, 32]


@given(st.dictionaries(st.sampled_from(["P1", "P2", "*"]), durations, min_size=1))
def test_targets_round_trip_and_look_up_exactly(table):
    targets = Targets.from_dict(table)
    assert Targets.from_dict(targets.to_dict()) == targets
    for label in ("P1", "P2", "P9"):
        assert targets.target(label) == table.get(label, table.get("*"))
    assert targets.target(None) == table.get("*")  # no label: only the fallback applies
    assert pickle.loads(pickle.dumps(targets)) == targets


def test_targets_errors_name_the_label():
    with pytest.raises(ConfigError) as info:
        Targets.from_dict({"P1": "PT1H", "P2": "soon"})
    assert info.value.path == "P2"
    with pytest.raises(ConfigError, match=r"^targets_by: expected a field name"):
        SlaDefinition.from_dict({"name": "x", "targets": "PT1H", "targets_by": ""})


def test_a_callable_inside_a_junction_is_named_by_its_path():
    d = SlaDefinition.from_dict({"name": "x", "targets": "PT1H",
                                 "stop": {"any": [{"state_in": ["Closed"]},
                                                  {"not": lambda e: e.state == "New"}]}})
    with pytest.raises(ConfigError) as info:
        d.to_dict()
    assert info.value.path == "stop.any[1].not"


def test_python_callables_work_but_do_not_serialise():
    d = SlaDefinition.from_dict({"name": "x", "targets": "PT1H",
                                 "stop": lambda e: e.state.startswith("Res")})
    outcome = d.evaluate([TicketEvent(WHEN, "New"),
                          TicketEvent(WHEN + timedelta(minutes=5), "Resolved")])
    assert outcome.cycles[0].stage.value == "met"
    with pytest.raises(ConfigError, match=r"^stop: a Python callable cannot be serialised"):
        d.to_dict()


@pytest.mark.parametrize(("data", "path", "words"), [
    ({"targets": "PT1H"}, "name", "non-empty string"),
    ({"name": "x"}, "targets", "missing"),
    ({"name": "x", "targets": {"P1": "P1M"}}, "targets.P1", "ISO 8601"),
    ({"name": "x", "targets": {"P1": "PT0S"}}, "targets.P1", "not positive"),
    ({"name": "x", "targets": "PT1H", "pause": {"state_in": "Waiting"}}, "pause.state_in",
     "list of values"),
    ({"name": "x", "targets": "PT1H", "stop": {"any": [{"stat_in": ["X"]}]}}, "stop.any[0]",
     "unknown condition keys"),
    ({"name": "x", "targets": "PT1H", "warnings": [0.5, -1]}, "warnings[1]", "not positive"),
    ({"name": "x", "targets": "PT1H", "warnings": ["half"]}, "warnings[0]", "threshold"),
    ({"name": "x", "targets": "PT1H", "on_priority_change": "reset"}, "on_priority_change",
     "'keep_elapsed' or 'restart'"),
    ({"name": "x", "targets": "PT1H", "calendar": {"timezone": "Mars/Base"}},
     "calendar.timezone", ""),
    ({"name": "x", "targets": "PT1H", "colour": "red"}, "colour", "unknown key"),
])
def test_config_errors_name_the_field(data, path, words):
    with pytest.raises(ConfigError) as info:
        SlaDefinition.from_dict(data)
    assert info.value.path == path
    assert words in str(info.value)


class TestPolicy:
    data = {  # noqa: RUF012 - read only
        "calendars": {"uk": LONDON_OFFICE},
        "definitions": [
            {"name": "response", "calendar": "uk", "targets": "PT1H",
             "stop": {"state_not_in": ["New"]}},
            {"name": "resolution", "calendar": "uk", "targets": {"P1": "PT4H"},
             "stop": {"state_in": ["Resolved"]}},
            {"name": "ops", "targets": "P1D"},
        ],
    }

    def test_round_trip_keeps_calendar_names(self):
        policy = SlaPolicy.from_dict(self.data)
        out = policy.to_dict()
        assert [d["calendar"] for d in out["definitions"][:2]] == ["uk", "uk"]
        assert isinstance(out["definitions"][2]["calendar"], dict)
        assert SlaPolicy.from_dict(out) == policy
        assert policy.definitions[0].calendar is policy.definitions[1].calendar

    def test_evaluate_every_definition(self):
        policy = SlaPolicy.from_dict(self.data)
        events = [TicketEvent(WHEN, "New", "P1"),
                  TicketEvent(WHEN + timedelta(minutes=30), "Active", "P1"),
                  TicketEvent(WHEN + timedelta(hours=2), "Resolved", "P1")]
        response, resolution, ops = policy.evaluate(events, ticket="INC1")
        assert response.cycles[0].elapsed == timedelta(minutes=30)
        assert resolution.cycles[0].elapsed == timedelta(hours=2)
        assert ops.cycles[0].stage.value == "running"
        assert {o.ticket for o in (response, resolution, ops)} == {"INC1"}

    def test_errors_carry_the_full_path(self):
        bad = {"definitions": [{"name": "a", "targets": "PT1H"},
                               {"name": "b", "targets": {"P1": "4 hours"}}]}
        with pytest.raises(ConfigError) as info:
            SlaPolicy.from_dict(bad)
        assert info.value.path == "definitions[1].targets.P1"
        with pytest.raises(ConfigError, match=r"calendars\.uk\.timezone"):
            SlaPolicy.from_dict({"calendars": {"uk": {"timezone": "Nowhere/Land"}},
                                 "definitions": [{"name": "a", "targets": "PT1H"}]})
        with pytest.raises(ItsmError):
            SlaPolicy.from_dict({"definitions": []})

    def test_failed_lookups_by_name_raise_unknown_name_errors(self):
        bad = {"calendars": self.data["calendars"],
               "definitions": [{"name": "a", "targets": "PT1H"},
                               {"name": "b", "targets": "PT1H", "calendar": "us"}]}
        with pytest.raises(UnknownNameError) as info:
            SlaPolicy.from_dict(bad)
        assert (info.value.what, info.value.name, info.value.known) == (
            "definitions[1].calendar", "us", ("uk",))
        with pytest.raises(UnknownNameError, match=r"^calendar: unknown name 'uk'"):
            SlaDefinition.from_dict({"name": "a", "targets": "PT1H", "calendar": "uk"})
        policy = SlaPolicy.from_dict(self.data)
        assert policy.definition("ops").name == "ops"
        with pytest.raises(UnknownNameError) as info:
            policy.definition("response time")
        assert info.value.known == ("response", "resolution", "ops")


class TestPickling:
    def test_policy_pickles_as_its_rules_and_still_evaluates(self):

        policy = SlaPolicy.from_dict(
            json.loads(files("itsm_core.demo").joinpath("policy.json").read_text())
        )
        clone = pickle.loads(pickle.dumps(policy))
        assert clone == policy
        events = [
            TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New", "3 - Moderate"),
            TicketEvent(datetime(2025, 1, 6, 11, tzinfo=timezone.utc), "Resolved", "3 - Moderate"),
        ]
        assert clone.evaluate(events) == policy.evaluate(events)

    def test_a_lambda_condition_refuses_to_pickle_with_an_itsm_error(self):

        definition = SlaDefinition(
            name="x", calendar=LONDON_OFFICE,
            targets=SlaDefinition.from_dict({"name": "x", "targets": "PT1H"}).targets,
            pause=PythonCondition(lambda event: event.state == "Hold"),
        )
        with pytest.raises(ItsmError, match="cannot be pickled"):
            pickle.dumps(definition)


class TestPriorityMatrixTargets:
    """Targets keyed by a priority matrix's labels are checked against the matrix."""

    def test_a_complete_table_is_accepted_and_evaluates(self):
        matrix = PriorityMatrix.preset("servicenow-incident")
        targets = {"1 - Critical": "PT4H", "2 - High": "PT8H", "3 - Moderate": "P3D",
                   "4 - Low": "P5D", "5 - Planning": "P10D"}
        policy = SlaPolicy.from_dict({"definitions": [{"name": "fix", "targets": targets}]},
                                     priority_matrix=matrix)
        event = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "New",
                            matrix.priority(impact=1, urgency=2))
        cycle = policy.evaluate([event])[0].cycles[0]
        assert cycle.target == timedelta(hours=8)

    def test_a_label_outside_the_matrix_is_named(self):
        with pytest.raises(ConfigError, match=r"definitions\[0\]\.targets\['P1'\]"):
            SlaPolicy.from_dict({"definitions": [{"name": "fix", "targets": {"P1": "PT1H"}}]},
                                priority_matrix=PriorityMatrix.preset("itil-v3"))

    def test_a_fallback_makes_a_partial_table_acceptable(self):
        definition = SlaDefinition.from_dict(
            {"name": "fix", "targets": {"1 - Critical": "PT4H", "*": "P5D"}},
            priority_matrix=PriorityMatrix.preset("servicenow-incident"))
        assert definition.name == "fix"

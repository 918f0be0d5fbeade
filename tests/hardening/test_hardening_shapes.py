"""Sizes and shapes of input: every documented size limit, deep policy text, keys of mixed
types, unhashable values in lists, non-iterable arguments and unhashable grouping keys give
an ItsmError naming the argument or path (docs/limits.md, "Sizes"); the structured-junk
property tests over every reader live in test_hardening_junk.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import pytest

from itsm_core.availability.compose import MAX_COMPONENTS, MAX_GROUP, k_of_n
from itsm_core.availability.graph import ServiceGraph
from itsm_core.availability.measure import measure
from itsm_core.availability.outage import Outage
from itsm_core.capacity import (
    MAX_AGENTS,
    agents_for_service_level,
    average_speed_of_answer,
    erlang_b,
    linear_trend,
)
from itsm_core.change.conflicts import find_conflicts
from itsm_core.change.dora import dora_metrics
from itsm_core.change.request import ChangeRequest
from itsm_core.change.rules import Rule
from itsm_core.cli.columns import parse_column_spec
from itsm_core.cli.policyfile import policy_from_text
from itsm_core.demo.generator import MAX_TICKETS, generate_incident_log
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    DomainError,
    InvalidArgumentError,
)
from itsm_core.priority.explain import explain
from itsm_core.priority.matrix import PriorityMatrix
from itsm_core.problem.clustering import cluster_incidents
from itsm_core.problem.metrics import incidents_per_problem, mean_time_to
from itsm_core.problem.minhash import MAX_NUM_PERM, candidate_probability, lsh_buckets, lsh_shape
from itsm_core.problem.records import Problem
from itsm_core.problem.recurrence import RecurrenceRule, find_recurring
from itsm_core.problem.scoring import score_against_truth
from itsm_core.problem.synthetic import MAX_GENERATED, generate_planted_problems
from itsm_core.problem.text import cosine, jaccard, shingles
from itsm_core.sla import SlaDefinition, TicketEvent
from itsm_core.sla.compliance import ComplianceAccumulator, compliance_report
from itsm_core.sla.outcome import Stage
from itsm_core.sla.policy import SlaPolicy
from itsm_core.sla.report import group_order
from itsm_core.topology import MAX_NODES, Topology

_T = datetime(2025, 1, 6, 8, tzinfo=timezone.utc)
_RULE = RecurrenceRule.from_dict({"name": "r", "keys": ["ci"], "window": "PT1H", "min_count": 3})
_MATRIX = PriorityMatrix.preset("itop")


def _deep(levels: int) -> object:
    value: object = []
    for _ in range(levels):
        value = [value]
    return value


class _Late:
    """A value too large or too deep for hypothesis to print, built only after drawing."""

    def __init__(self, name: str, make: Callable[[], object]) -> None:
        self.name, self.make = name, make

    def __repr__(self) -> str:
        return self.name


def test_capacity_sizes_are_bounded() -> None:
    aht, answer = timedelta(minutes=3), timedelta(seconds=20)
    with pytest.raises(DomainError, match=r"traffic: .*MAX_AGENTS"):
        agents_for_service_level(10**18, aht, "80%", answer)
    with pytest.raises(DomainError, match=r"agents: .*MAX_AGENTS"):
        erlang_b(5, 10**18)
    with pytest.raises(DomainError, match="MAX_AGENTS"):  # an occupancy cap no staffing meets
        agents_for_service_level(10, aht, "80%", answer, max_occupancy=Fraction(1, 10**9))
    with pytest.raises(DomainError, match="traffic"):
        erlang_b(10**400, 3)  # too large for a float: refused, not an OverflowError
    with pytest.raises(DomainError, match="average_speed_of_answer"):
        average_speed_of_answer(MAX_AGENTS - 0.5, MAX_AGENTS, timedelta(days=999_999_999))
    assert erlang_b(MAX_AGENTS - 1, MAX_AGENTS) > 0  # the limit itself is usable


def test_compositions_are_bounded() -> None:
    with pytest.raises(InvalidArgumentError, match="MAX_COMPONENTS"):
        k_of_n(2, "99%", n=10**18)
    with pytest.raises(InvalidArgumentError, match="MAX_GROUP"):
        k_of_n(2, "99%", n=MAX_GROUP + 1)
    with pytest.raises(InvalidArgumentError, match="MAX_COMPONENTS"):
        k_of_n(1, "99%", n=MAX_COMPONENTS + 1)
    assert k_of_n(MAX_GROUP // 2, "99%", n=MAX_GROUP) == k_of_n(
        MAX_GROUP // 2, *["99%"] * MAX_GROUP)
    wide = {"web": {"needs": [f"n{i}" for i in range(MAX_GROUP + 1)], "k": 2},
            **{f"n{i}": {} for i in range(MAX_GROUP + 1)}}
    with pytest.raises(ConfigError, match=r"web\.k: .*MAX_GROUP"):
        ServiceGraph.from_dict(wide)


def test_lsh_sizes_are_bounded() -> None:
    with pytest.raises(ConfigError, match="num_perm"):
        cluster_incidents([], num_perm=6.4e10)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="num_perm"):
        lsh_shape(Fraction(1, 2), 10**18)
    with pytest.raises(ConfigError, match="bands"):
        lsh_buckets([(1, 2)], 10**18, 1)
    with pytest.raises(ConfigError, match="rows"):
        candidate_probability(Fraction(1, 2), 1, 10**18)
    assert lsh_shape(Fraction(1, 2), MAX_NUM_PERM)[0] >= 1


def test_topology_size_is_bounded() -> None:
    with pytest.raises(ConfigError, match="MAX_NODES"):
        Topology.from_edges([], nodes=[f"n{i}" for i in range(MAX_NODES + 1)])


# -- nesting, mixed keys, unhashable values, non-iterables ----------------------------------


@pytest.mark.parametrize("text", ["[" * 100_000, "{\"a\": " * 100_000, "[" * 41 + "]" * 41])
def test_deep_policy_text_is_a_config_error(text: str) -> None:
    began = time.perf_counter()
    with pytest.raises(ConfigError, match="nested"):
        policy_from_text(text, "p.json", "json")
    with pytest.raises(ConfigError, match=r"nested|TOML"):
        policy_from_text("a = " + text.replace("{\"a\": ", "[").replace("}", "]"), "p.toml",
                         "toml")
    assert time.perf_counter() - began < 2.0


def test_mixed_type_keys_are_config_errors() -> None:
    junk = {1: "a", "z": "b", None: "c", 10**5000: "d"}
    readers: list[Callable[[Any], object]] = [Outage.from_dict, SlaPolicy.from_dict,
                                              ChangeRequest.from_dict]
    for read in readers:
        with pytest.raises(ConfigError):
            read(junk)
    with pytest.raises(ConfigError, match="unknown field"):
        ServiceGraph.from_dict({"web": {1: 2, "z": 3}})


def test_unhashable_values_in_lists_are_config_errors() -> None:
    with pytest.raises(ConfigError, match=r"app\.needs\[0\]"):
        ServiceGraph.from_dict({"app": {"needs": [{}]}})
    with pytest.raises(ConfigError, match=r"cis\[0\]"):
        ChangeRequest.from_dict({"id": "C", "type": "normal", "cis": [{}],
                                 "start": "2025-01-01T00:00+00:00",
                                 "end": "2025-01-01T01:00+00:00"})
    with pytest.raises(ConfigError, match=r"when\.ci\[0\]"):
        Rule.from_dict({"when": {"ci": [[]]}, "risk": "high"}, known_cis={"db"})
    with pytest.raises(ConfigError, match="nodes"):
        Topology(frozenset(), ()).from_edges([], nodes=[{}])  # type: ignore[list-item]


_NOT_ITERABLE = [7, 1.5, None]


@pytest.mark.parametrize("junk", _NOT_ITERABLE)
@pytest.mark.parametrize(("name", "call"), [
    ("outcomes", compliance_report),
    ("changes", find_conflicts),
    ("outages", lambda j: measure(j, _T, _T + timedelta(days=1))),
    ("incidents", cluster_incidents),
    ("incidents", incidents_per_problem),
    ("problems", lambda j: mean_time_to(j, "resolved")),
    ("incidents", lambda j: find_recurring(j, _RULE)),
    ("rule", lambda j: find_recurring([], j)),
    ("candidates", lambda j: score_against_truth(j, {})),
    ("deployments", lambda j: dora_metrics(j, [], start=_T, end=_T + timedelta(days=7))),
    ("restorations", lambda j: dora_metrics([], j, start=_T, end=_T + timedelta(days=7))),
    ("flags", lambda j: explain(_MATRIX, impact=1, urgency=1, flags=j)),
    ("overrides", lambda j: explain(_MATRIX, impact=1, urgency=1, overrides=j)),
    ("points", linear_trend),
    ("nodes", lambda j: Topology(j, ())),
    ("edges", Topology.from_edges),
    ("keys", lambda j: ComplianceAccumulator().add_cycle(j, Stage.MET, timedelta(0))),
])
def test_a_non_iterable_argument_is_an_argument_type_error(
        name: str, call: Callable[[object], object], junk: object) -> None:
    with pytest.raises(ArgumentTypeError, match=f"^{name}"):
        call(junk)


def test_an_unhashable_group_key_is_an_argument_type_error() -> None:
    accumulator = ComplianceAccumulator(by=("ticket",))
    with pytest.raises(ArgumentTypeError, match=r"^ticket: cannot group by the unhashable"):
        accumulator.add_cycle(([1],), Stage.MET, timedelta(hours=1))
    definition = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
                                          "stop": {"state_in": ["Resolved"]}})
    outcome = definition.evaluate([TicketEvent(_T, "New", "P1"),
                                   TicketEvent(_T + timedelta(hours=1), "Resolved", "P1")],
                                  ticket=["INC", 1])
    with pytest.raises(ArgumentTypeError, match=r"^ticket: "):
        compliance_report([outcome], by=("ticket",))
    # a key whose str() fails still sorts
    assert len(compliance_report([], by=("ticket",)).rows) == 0
    assert group_order((10**5000,)) < group_order((None,))


def test_constructors_and_text_arguments_refuse_junk_by_name() -> None:
    with pytest.raises(ArgumentTypeError, match=r"^cis"):
        Problem(id="P1", opened_at=_T, cis=None)  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match=r"^incident_ids"):
        Problem(id="P1", opened_at=_T, incident_ids=7)  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match=r"^text"):
        parse_column_spec(7)  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match=r"^tokens"):
        shingles(7)  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match=r"^a"):
        jaccard(1.5, set())  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError):
        cosine({1: 1.0, "a": 2.0}, {"a": 1.0, 1: 1.0})  # type: ignore[dict-item]


def test_generators_are_bounded() -> None:
    began = time.perf_counter()
    with pytest.raises(InvalidArgumentError, match="MAX_TICKETS"):
        generate_incident_log(tickets=10**18)
    with pytest.raises(ConfigError, match=r"^incidents: .*MAX_GENERATED"):
        generate_planted_problems(seed=1, incidents=10**18)
    with pytest.raises(ConfigError, match=r"^cis: .*MAX_GENERATED"):
        generate_planted_problems(seed=1, cis=MAX_GENERATED + 1)
    assert time.perf_counter() - began < 2.0
    assert len(generate_incident_log(tickets=5)) <= 5 <= MAX_TICKETS

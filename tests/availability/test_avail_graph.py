"""ServiceGraph against brute-force enumeration of every up/down state on small DAGs."""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.availability import ServiceGraph, k_of_n, parallel, series
from itsm_core.errors import ConfigError, DomainError, InvalidArgumentError
from itsm_core.topology import Topology

Spec = dict[str, dict[str, object]]


@st.composite
def graphs(draw: st.DrawFn, max_nodes: int = 9) -> Spec:
    """Random DAGs (edges from higher to lower index), random availabilities and k."""
    n = draw(st.integers(1, max_nodes))
    names = [f"s{i}" for i in range(n)]
    spec: Spec = {}
    for i, name in enumerate(names):
        needs = [names[j] for j in range(i) if draw(st.booleans())]
        entry: dict[str, object] = {}
        if draw(st.booleans()) or not needs:
            entry["availability"] = draw(st.fractions(0, 1, max_denominator=20))
        if needs:
            entry["needs"] = needs
            if draw(st.booleans()):
                entry["k"] = draw(st.integers(1, len(needs)))
        spec[name] = entry
    return spec


def brute_force(spec: Spec) -> dict[str, Fraction]:
    """P(up) of every node, summing over all 2^n own-states (the obvious definition)."""
    names = list(spec)  # graphs() lists dependencies before dependents
    own = {n: Fraction(spec[n].get("availability", 1)) for n in names}  # type: ignore[arg-type]
    total = dict.fromkeys(names, Fraction(0))
    for states in itertools.product([True, False], repeat=len(names)):
        p = math.prod((own[n] if s else 1 - own[n]) for n, s in zip(names, states, strict=True))
        if p == 0:
            continue
        up: dict[str, bool] = {}
        for n, works in zip(names, states, strict=True):
            needs: list[str] = spec[n].get("needs", [])  # type: ignore[assignment]
            k = spec[n].get("k", len(needs))
            up[n] = works and sum(up[d] for d in needs) >= k  # type: ignore[operator]
        for n in names:
            if up[n]:
                total[n] += p
    return total


class TestExactness:
    @given(graphs())
    def test_against_enumeration(self, spec: Spec) -> None:
        graph = ServiceGraph.from_dict(spec)
        expected = brute_force(spec)
        assert graph.availabilities() == expected
        for node in spec:
            assert graph.availability(node) == expected[node]
            assert graph.unavailability(node) == 1 - expected[node]

    @given(graphs(max_nodes=8))
    def test_float_mode_close_to_exact(self, spec: Spec) -> None:
        floats = {n: {**e, "availability": float(e.get("availability", 1))}  # type: ignore[arg-type]
                  for n, e in spec.items()}
        exact = ServiceGraph.from_dict({n: {**e, "availability": Fraction(e["availability"])}
                                        for n, e in floats.items()}).availabilities()
        got = ServiceGraph.from_dict(floats).availabilities()
        for node, value in got.items():
            assert isinstance(value, float)
            assert abs(Fraction(value) - exact[node]) <= Fraction(1, 10**13)

    def test_shared_dependency_counted_once(self) -> None:
        graph = ServiceGraph.from_dict({
            "web": {"needs": ["a", "b"]},
            "a": {"availability": "90%", "needs": ["db"]},
            "b": {"availability": "90%", "needs": ["db"]},
            "db": {"availability": "90%"},
        })
        assert graph.availability("web") == series("90%", "90%", "90%")
        path_product = series("90%", "90%", "90%", "90%")  # db counted twice: wrong
        assert graph.availability("web") != path_product
        assert graph.shared_nodes == {"db"}

    def test_redundant_pair_over_shared_storage(self) -> None:
        graph = ServiceGraph.from_dict({
            "svc": {"needs": ["n1", "n2"], "k": 1},
            "n1": {"availability": "99%", "needs": ["san"]},
            "n2": {"availability": "99%", "needs": ["san"]},
            "san": {"availability": "99.9%"},
        })
        assert graph.availability("svc") == series("99.9%", parallel("99%", "99%"))

    def test_many_nines_unavailability(self) -> None:
        chain = {f"n{i}": {"availability": 1 - 1e-12, **({"needs": [f"n{i - 1}"]} if i else {})}
                 for i in range(500)}
        graph = ServiceGraph.from_dict(chain)
        exact = 1 - Fraction(1 - 1e-12) ** 500
        got = graph.unavailability("n499")
        assert abs(Fraction(got) - exact) / exact < Fraction(1, 10**12)

    def test_tree_of_a_thousand_nodes(self) -> None:
        spec: Spec = {f"n{i}": {"availability": "99.99%"} for i in range(1000)}
        for i in range(1, 1000):
            spec[f"n{(i - 1) // 3}"].setdefault("needs", []).append(f"n{i}")  # type: ignore[union-attr]
        graph = ServiceGraph.from_dict(spec)
        assert graph.availability("n0") == Fraction(9999, 10000) ** 1000


def tree_over_infra(n: int, shared: int, seed: int) -> tuple[Spec, list[str]]:
    """A fan-out-3 tree whose leaves also need one of *shared* infrastructure nodes."""
    rng = random.Random(seed)
    spec: Spec = {f"n{i}": {"availability": Fraction(rng.randrange(900, 1001), 1000)}
                  for i in range(n)}
    for i in range(1, n):
        spec[f"n{(i - 1) // 3}"].setdefault("needs", []).append(f"n{i}")  # type: ignore[union-attr]
    infra = [f"infra{i}" for i in range(shared)]
    for i in range(n):
        if "needs" not in spec[f"n{i}"]:
            spec[f"n{i}"]["needs"] = [infra[i % shared]]
    for name in infra:
        spec[name] = {"availability": Fraction(rng.randrange(1, 10**6), 10**6)}
    spec["n0"]["k"] = 2
    return spec, infra


def condition_on(spec: Spec, infra: list[str]) -> dict[str, Fraction]:
    """P(up) of every tree node: sum over the infra states of a recursion that is exact
    because, once the infra states are fixed, every tree node has one dependent."""
    total = {n: Fraction(0) for n in spec if n not in infra}
    for states in itertools.product([True, False], repeat=len(infra)):
        weight = math.prod(Fraction(spec[n]["availability"]) if s  # type: ignore[arg-type]
                           else 1 - Fraction(spec[n]["availability"])  # type: ignore[arg-type]
                           for n, s in zip(infra, states, strict=True))
        state = dict(zip(infra, states, strict=True))
        up: dict[str, Fraction] = {}

        def p_up(node: str, state: dict[str, bool] = state, up: dict[str, Fraction] = up
                 ) -> Fraction:
            if node in state:
                return Fraction(state[node])
            if node not in up:
                needs: list[str] = spec[node]["needs"]  # type: ignore[assignment]
                k = spec[node].get("k", len(needs))
                enough = k_of_n(k, *[p_up(d) for d in needs])  # type: ignore[arg-type]
                up[node] = Fraction(spec[node]["availability"]) * enough  # type: ignore[arg-type]
            return up[node]

        for node in total:
            total[node] += weight * p_up(node)
    return total


class TestSharedInfrastructure:
    """Larger graphs than enumeration allows, against conditioning on the shared nodes."""

    @pytest.mark.parametrize(("n", "shared", "seed"), [(40, 3, 1), (121, 4, 2), (200, 2, 3)])
    def test_against_conditioning(self, n: int, shared: int, seed: int) -> None:
        spec, infra = tree_over_infra(n, shared, seed)
        graph = ServiceGraph.from_dict(spec)
        expected = condition_on(spec, infra)
        every = graph.availabilities()
        for node, value in expected.items():
            assert every[node] == value
        assert graph.availability("n0") == expected["n0"]
        assert graph.unavailability("n0") == 1 - expected["n0"]

    def test_float_inputs_stay_close(self) -> None:
        spec, infra = tree_over_infra(121, 4, 4)
        expected = condition_on(spec, infra)
        floats = ServiceGraph.from_dict(
            {n: {**e, "availability": float(e["availability"])}  # type: ignore[arg-type]
             for n, e in spec.items()})
        for node, value in floats.availabilities().items():
            if node in expected:
                assert abs(Fraction(value) - expected[node]) <= Fraction(1, 10**13)


class TestLimits:
    def test_too_many_shared_nodes(self) -> None:
        spec: Spec = {f"x{i}": {"availability": "90%"} for i in range(6)}
        spec["a"] = {"needs": list(spec)}
        spec["b"] = {"needs": [f"x{i}" for i in range(6)]}
        graph = ServiceGraph.from_dict(spec)
        with pytest.raises(DomainError, match="max_width is 3"):
            graph.availabilities(max_width=3)
        assert graph.availabilities(max_width=6)["a"] == Fraction(9, 10) ** 6


class TestConfig:
    @given(graphs())
    def test_round_trip(self, spec: Spec) -> None:
        graph = ServiceGraph.from_dict(spec)
        assert ServiceGraph.from_dict(graph.to_dict()) == graph

    def test_constructor(self) -> None:
        topo = Topology.from_dict({"svc": ["a", "b"]})
        graph = ServiceGraph(topo, {"a": "99%"}, {"svc": 1})
        assert graph.availability("svc") == 1
        assert graph.availability("a") == Fraction(99, 100)

    @pytest.mark.parametrize(("spec", "path"), [
        ({"a": {"needs": ["b"]}}, "a.needs[0]"),
        ({"a": {"availability": "120%"}}, "a.availability"),
        ({"a": {"needs": ["b"], "k": 2}, "b": {}}, "a.k"),
        ({"a": {"needs": ["b"], "k": True}, "b": {}}, "a.k"),
        ({"a": {"colour": "red"}}, "a.colour"),
        ({"a": {"needs": "b"}, "b": {}}, "a.needs"),
        ({"a": []}, "a"),
        ({"a": {"needs": ["b"]}, "b": {"needs": ["a"]}}, "edges"),
    ])
    def test_errors(self, spec: object, path: str) -> None:
        with pytest.raises(ConfigError) as info:
            ServiceGraph.from_dict(spec)
        assert info.value.path == path

    def test_unknown_query(self) -> None:
        with pytest.raises(InvalidArgumentError, match="unknown node 'zz'"):
            ServiceGraph.from_dict({"a": {}}).availability("zz")

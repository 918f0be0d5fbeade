"""Topology: validation, queries against a naive reachability oracle, round trips."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.errors import ArgumentTypeError, ConfigError, ItsmError, UnknownNameError
from itsm_core.topology import Topology


@st.composite
def dags(draw: st.DrawFn, max_nodes: int = 12) -> tuple[list[str], list[tuple[str, str]]]:
    """Random DAGs: edges only from a higher-numbered node to a lower-numbered one."""
    n = draw(st.integers(1, max_nodes))
    names = draw(st.permutations([f"n{i:02d}" for i in range(n)]))
    edges = []
    for i in range(n):
        for j in range(i):
            if draw(st.booleans()):
                edges.append((names[i], names[j]))
    return list(names), edges


def reach(start: str, step: dict[str, set[str]]) -> set[str]:
    """Naive depth-first reachability, excluding *start* unless on a cycle."""
    seen: set[str] = set()
    todo = list(step[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(step[node])
    return seen


class TestQueries:
    def test_documented_example(self) -> None:
        topo = Topology.from_dict({"web": ["app"], "app": ["db", "cache"]})
        assert topo.nodes == {"web", "app", "db", "cache"}
        assert topo.dependencies("app") == {"db", "cache"}
        assert topo.dependencies("db") == frozenset()
        assert topo.dependents("app") == {"web"}
        assert topo.all_dependencies("web") == {"app", "db", "cache"}
        assert topo.all_dependents("cache") == {"app", "web"}
        assert topo.all_dependents("web") == frozenset()
        assert topo.topological_order() == ("cache", "db", "app", "web")

    def test_from_edges_equals_from_dict(self) -> None:
        a = Topology.from_edges([("web", "app"), ("app", "db")])
        b = Topology.from_dict({"web": ["app"], "app": ["db"]})
        assert a == b
        assert hash(a) == hash(b)

    @given(dags())
    def test_against_reachability_oracle(self, dag: tuple[list[str], list[tuple[str, str]]]) -> None:
        names, edges = dag
        topo = Topology.from_edges(edges, nodes=names)
        down: dict[str, set[str]] = {n: set() for n in names}
        up: dict[str, set[str]] = {n: set() for n in names}
        for a, b in edges:
            down[a].add(b)
            up[b].add(a)
        assert topo.nodes == set(names)
        for n in names:
            assert topo.dependencies(n) == down[n]
            assert topo.dependents(n) == up[n]
            assert topo.all_dependencies(n) == reach(n, down)
            assert topo.all_dependents(n) == reach(n, up)
            assert n not in topo.all_dependencies(n)

    @given(dags())
    def test_topological_order(self, dag: tuple[list[str], list[tuple[str, str]]]) -> None:
        names, edges = dag
        topo = Topology.from_edges(edges, nodes=names)
        order = topo.topological_order()
        assert sorted(order) == sorted(names)
        position = {n: i for i, n in enumerate(order)}
        for dependent, dependency in edges:
            assert position[dependency] < position[dependent]
        # deterministic: the same graph built from shuffled input gives the same order
        assert Topology.from_edges(list(reversed(edges)), nodes=sorted(names)).topological_order() == order

    @given(dags())
    def test_round_trip(self, dag: tuple[list[str], list[tuple[str, str]]]) -> None:
        names, edges = dag
        topo = Topology.from_edges(edges, nodes=names)
        assert Topology.from_dict(topo.to_dict()) == topo
        assert pickle.loads(pickle.dumps(topo)) == topo
        assert pickle.loads(pickle.dumps(topo)).all_dependents(names[0]) == topo.all_dependents(names[0])

    def test_isolated_node_kept(self) -> None:
        topo = Topology.from_dict({"dns": [], "web": ["app"]})
        assert topo.nodes == {"dns", "web", "app"}
        assert topo.to_dict() == {"app": [], "dns": [], "web": ["app"]}


class TestErrors:
    def test_self_cycle(self) -> None:
        with pytest.raises(ConfigError, match="cycle a -> a"):
            Topology.from_dict({"a": ["a"]})

    def test_long_cycle_named(self) -> None:
        with pytest.raises(ConfigError, match=r"cycle a -> b -> c -> a") as info:
            Topology.from_edges([("a", "b"), ("b", "c"), ("c", "a"), ("z", "a")])
        assert info.value.path == "edges"

    def test_unknown_node(self) -> None:
        with pytest.raises(ConfigError, match=r"unknown node.*'db'"):
            Topology.from_edges([("app", "db")], nodes=["app"])

    def test_query_unknown_node(self) -> None:
        topo = Topology.from_dict({"web": ["app"]})
        for query in (topo.dependencies, topo.dependents, topo.all_dependencies,
                      topo.all_dependents):
            with pytest.raises(UnknownNameError, match="node: unknown name 'nope'") as info:
                query("nope")
            assert info.value.known == ("app", "web")

    @pytest.mark.parametrize(
        ("data", "path"),
        [
            (["web"], ""),
            ({"web": "app"}, "web"),
            ({"web": None}, "web"),
            ({"web": ["app", 3]}, "web[1]"),
            ({"web": [""]}, "web[0]"),
            ({5: []}, "5"),
        ],
    )
    def test_bad_dict(self, data: object, path: str) -> None:
        with pytest.raises(ConfigError) as info:
            Topology.from_dict(data)
        assert info.value.path == path

    @pytest.mark.parametrize("edges", [[("a",)], ["ab"], [("a", None)], [None]])
    def test_bad_edges(self, edges: list[object]) -> None:
        with pytest.raises(ItsmError, match=r"edges\[0\]"):
            Topology.from_edges(edges)

    def test_direct_construction_validates(self) -> None:
        with pytest.raises(ArgumentTypeError):
            Topology("ab", ())  # type: ignore[arg-type]
        with pytest.raises(ConfigError):
            Topology(frozenset({"a"}), (("a", "b"),))

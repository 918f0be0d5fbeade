"""A dependency topology: services and configuration items as an immutable DAG.

A :class:`Topology` says which node depends on which.  It is shared by availability
(a service needs its dependencies) and change management (a change to a node impacts
everything that depends on it).  It is validated once — no cycles, no unknown nodes —
and every query is answered from tables computed at construction.

>>> topo = Topology.from_dict({"web": ["app"], "app": ["db", "cache"]})
>>> sorted(topo.all_dependencies("web"))
['app', 'cache', 'db']
>>> sorted(topo.all_dependents("db"))
['app', 'web']
>>> topo.topological_order()
('cache', 'db', 'app', 'web')
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

import attrs

from itsm_core._args import items_of
from itsm_core._config import check_depth
from itsm_core.errors import ArgumentTypeError, ConfigError, UnknownNameError, shown

__all__ = ["MAX_NODES", "Topology"]

#: The most nodes a topology may have.  The reachability tables hold one bit per pair
#: of nodes, so a long chain of 20,000 nodes takes about 50 MB; real service maps and
#: the CMDB subsets used for change impact stay in the low thousands.
MAX_NODES = 20_000

_NAME_FORM = "a non-empty string naming a node"
_DICT_FORM = "a mapping of node name -> list of the node names it depends on"
_EDGE_FORM = "a (dependent, dependency) pair of node names"


def _check_name(value: object, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(path, f"bad node name {shown(value)}", _NAME_FORM)
    return value


def _bits_to_names(bits: int, names: tuple[str, ...]) -> frozenset[str]:
    out = []
    while bits:
        low = bits & -bits
        out.append(names[low.bit_length() - 1])
        bits ^= low
    return frozenset(out)


def _find_cycle(nodes: Iterable[str], deps: Mapping[str, frozenset[str]]) -> list[str]:
    """Return one dependency cycle as a closed path (first node repeated at the end)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for root in sorted(nodes):
        if root in state:
            continue
        path = [root]
        stack = [iter(sorted(deps[root]))]
        state[root] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                return [*path[path.index(child):], child]
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append(iter(sorted(deps[child])))
    return []  # pragma: no cover - only called when a cycle exists


def _names(nodes: Iterable[str]) -> frozenset[str]:
    names = items_of(nodes, "nodes", "node names")
    for i, name in enumerate(names):
        _check_name(name, f"nodes[{i}]")
    return frozenset(names)


def _canonical_edges(edges: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    out = set()
    for i, edge in enumerate(items_of(edges, "edges", "(dependent, dependency) pairs")):
        if not isinstance(edge, tuple) or len(edge) != 2:
            raise ArgumentTypeError(f"edges[{i}]: expected a (dependent, dependency) pair, "
                                    f"got {shown(edge)}")
        out.add((_check_name(edge[0], f"edges[{i}][0]"), _check_name(edge[1], f"edges[{i}][1]")))
    return tuple(sorted(out))


@attrs.frozen(repr=False)
class Topology:
    """An immutable dependency DAG over named nodes.

    Build it with :meth:`from_dict` or :meth:`from_edges`; the constructor takes the
    canonical form (all nodes, and the sorted ``(dependent, dependency)`` edges) and
    validates it the same way.

    Attributes:
        nodes: every node, including dependencies never declared as keys.
        edges: the ``(dependent, dependency)`` pairs, sorted.

    >>> t = Topology.from_edges([("web", "app"), ("app", "db")])
    >>> t
    Topology({'app': ['db'], 'db': [], 'web': ['app']})
    >>> t == Topology.from_dict(t.to_dict())
    True
    """

    nodes: frozenset[str] = attrs.field(converter=_names)
    edges: tuple[tuple[str, str], ...] = attrs.field(converter=_canonical_edges)
    _order: tuple[str, ...] = attrs.field(init=False, eq=False, hash=False)
    _index: dict[str, int] = attrs.field(init=False, eq=False, hash=False)
    _deps: dict[str, frozenset[str]] = attrs.field(init=False, eq=False, hash=False)
    _dependents: dict[str, frozenset[str]] = attrs.field(init=False, eq=False, hash=False)
    _down_bits: tuple[int, ...] = attrs.field(init=False, eq=False, hash=False)
    _up_bits: tuple[int, ...] = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if len(self.nodes) > MAX_NODES:
            raise ConfigError("nodes", f"{len(self.nodes)} nodes", f"at most {MAX_NODES} (MAX_NODES)")
        deps: dict[str, set[str]] = {n: set() for n in self.nodes}
        dependents: dict[str, set[str]] = {n: set() for n in self.nodes}
        unknown = sorted({n for edge in self.edges for n in edge if n not in deps})
        if unknown:
            raise ConfigError("edges", f"unknown node(s) {', '.join(map(shown, unknown[:10]))}",
                              "every node named by an edge to be one of the declared nodes")
        for dependent, dependency in self.edges:
            deps[dependent].add(dependency)
            dependents[dependency].add(dependent)
        frozen_deps = {n: frozenset(d) for n, d in deps.items()}
        frozen_dependents = {n: frozenset(d) for n, d in dependents.items()}
        # Kahn's algorithm, smallest name first: deterministic, dependencies first.
        remaining = {n: len(d) for n, d in frozen_deps.items()}
        ready = [n for n, count in remaining.items() if count == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            node = heapq.heappop(ready)
            order.append(node)
            for user in frozen_dependents[node]:
                remaining[user] -= 1
                if remaining[user] == 0:
                    heapq.heappush(ready, user)
        if len(order) != len(self.nodes):
            cycle = _find_cycle([n for n, c in remaining.items() if c], frozen_deps)
            raise ConfigError("edges", f"dependency cycle {' -> '.join(cycle)}",
                              "an acyclic graph (no node may depend on itself, even indirectly)")
        index = {n: i for i, n in enumerate(order)}
        down = [0] * len(order)  # bit i set: order[i] is a transitive dependency
        for i, node in enumerate(order):
            bits = 0
            for dep in frozen_deps[node]:
                j = index[dep]
                bits |= down[j] | (1 << j)
            down[i] = bits
        up = [0] * len(order)
        for i in range(len(order) - 1, -1, -1):
            bits = 0
            for user in frozen_dependents[order[i]]:
                j = index[user]
                bits |= up[j] | (1 << j)
            up[i] = bits
        object.__setattr__(self, "_order", tuple(order))
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_deps", frozen_deps)
        object.__setattr__(self, "_dependents", frozen_dependents)
        object.__setattr__(self, "_down_bits", tuple(down))
        object.__setattr__(self, "_up_bits", tuple(up))

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: object) -> Topology:
        """Build from ``{node: [the nodes it depends on], ...}``.

        Dependencies that are not keys become leaf nodes; a key with an empty list is
        an isolated node.

        Raises:
            ConfigError: malformed data, a dependency cycle (named in the message), or
                more than :data:`MAX_NODES` nodes.

        >>> Topology.from_dict({"a": ["b"], "b": ["a"]})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: edges: dependency cycle a -> b -> a; expected an acyclic graph (no node may depend on itself, even indirectly)
        >>> Topology.from_dict({"a": "b"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: a: expected a list of node names, got str 'b'; expected a mapping of node name -> list of the node names it depends on
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {type(data).__name__}", _DICT_FORM)
        nodes: set[str] = set()
        edges: set[tuple[str, str]] = set()
        for key, value in data.items():
            node = _check_name(key, shown(key))
            nodes.add(node)
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set,
                                                                           frozenset)):
                raise ConfigError(node, f"expected a list of node names, got "
                                  f"{type(value).__name__} {shown(value)}", _DICT_FORM)
            for i, dep in enumerate(value):
                dep_name = _check_name(dep, f"{node}[{i}]")
                nodes.add(dep_name)
                edges.add((node, dep_name))
        return cls(frozenset(nodes), tuple(sorted(edges)))

    @classmethod
    def from_edges(cls, edges: Iterable[object],
                   nodes: Iterable[str] | None = None) -> Topology:
        """Build from ``(dependent, dependency)`` pairs.

        Args:
            edges: the pairs; ``("web", "app")`` means *web depends on app*.
            nodes: optionally, the complete node list.  When given, an edge naming any
                other node is an error, and nodes without edges are kept.

        Raises:
            ConfigError: a malformed pair, an unknown node, or a cycle.

        >>> Topology.from_edges([("web", "app")], nodes=["web", "app", "dns"]).nodes == {
        ...     "web", "app", "dns"}
        True
        >>> Topology.from_edges([("web", "ap")], nodes=["web", "app"])
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: edges: unknown node(s) 'ap'; expected every node named by an edge to be one of the declared nodes
        """
        pairs: set[tuple[str, str]] = set()
        seen: set[str] = set()
        for i, edge in enumerate(items_of(edges, "edges", "(dependent, dependency) pairs")):
            if not isinstance(edge, (tuple, list)) or len(edge) != 2:
                raise ConfigError(f"edges[{i}]", f"bad edge {shown(edge)}", _EDGE_FORM)
            a = _check_name(edge[0], f"edges[{i}][0]")
            b = _check_name(edge[1], f"edges[{i}][1]")
            pairs.add((a, b))
            seen.update((a, b))
        if nodes is None:
            declared = frozenset(seen)
        else:
            if isinstance(nodes, (str, bytes)):
                raise ConfigError("nodes", f"expected a list of names, got {shown(nodes)}", _NAME_FORM)
            declared = frozenset(_check_name(n, f"nodes[{i}]")
                                 for i, n in enumerate(items_of(nodes, "nodes", "node names")))
        return cls(declared, tuple(sorted(pairs)))

    def to_dict(self) -> dict[str, list[str]]:
        """Plain data that :meth:`from_dict` reads back: every node, sorted.

        >>> Topology.from_dict({"web": ["app"]}).to_dict()
        {'app': [], 'web': ['app']}
        """
        return {n: sorted(self._deps[n]) for n in sorted(self.nodes)}

    def __repr__(self) -> str:
        return f"Topology({self.to_dict()!r})"

    # -- queries ------------------------------------------------------------------------

    def _position(self, node: object) -> int:
        index = self._index.get(node) if isinstance(node, str) else None
        if index is None:
            # a small topology lists its nodes in the message; a large one would drown it
            raise UnknownNameError("node", node, self._order if len(self._order) <= 20 else ())
        return index

    def __contains__(self, node: object) -> bool:
        return isinstance(node, str) and node in self._index

    def __len__(self) -> int:
        return len(self._order)

    def dependencies(self, node: str) -> frozenset[str]:
        """The nodes *node* depends on directly.

        Raises:
            UnknownNameError: *node* is not in the topology (every query).

        >>> Topology.from_dict({"web": ["app"], "app": ["db"]}).dependencies("web")
        frozenset({'app'})
        >>> Topology.from_dict({"web": ["app"]}).dependencies("ap")
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: node: unknown name 'ap'; expected one of 'app', 'web'

        """
        self._position(node)
        return self._deps[node]

    def dependents(self, node: str) -> frozenset[str]:
        """The nodes that depend on *node* directly.

        >>> Topology.from_dict({"web": ["app"], "app": ["db"]}).dependents("db")
        frozenset({'app'})
        """
        self._position(node)
        return self._dependents[node]

    def all_dependencies(self, node: str) -> frozenset[str]:
        """Every node *node* depends on, directly or not (excluding *node*).

        >>> sorted(Topology.from_dict({"web": ["app"], "app": ["db"]}).all_dependencies("web"))
        ['app', 'db']
        """
        return _bits_to_names(self._down_bits[self._position(node)], self._order)

    def all_dependents(self, node: str) -> frozenset[str]:
        """Every node that depends on *node*, directly or not (excluding *node*).

        This is the impact set of a change or an outage of *node*.

        >>> sorted(Topology.from_dict({"web": ["app"], "app": ["db"]}).all_dependents("db"))
        ['app', 'web']
        """
        return _bits_to_names(self._up_bits[self._position(node)], self._order)

    def topological_order(self) -> tuple[str, ...]:
        """All nodes, dependencies before dependents; ties broken by name.

        >>> Topology.from_dict({"b": ["c"], "a": ["c"]}).topological_order()
        ('c', 'a', 'b')
        """
        return self._order

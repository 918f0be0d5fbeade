"""Availability of a service dependency graph, with shared dependencies counted once.

A :class:`ServiceGraph` is a DAG (a :class:`~itsm_core.topology.Topology`) in which each
node has its own availability (the probability that the node itself works, default 1)
and needs all of its dependencies, or *k* of them for a redundancy group.  Nodes fail
independently.  A node is up when it works itself and enough of its dependencies are up.

Multiplying along paths counts a shared dependency (one database under two
applications) twice and is wrong.  This module computes the graph exactly:

* A node with at most one dependent is *private*: given the states of the shared nodes
  below it, its state is independent of everything else, so its conditional
  unavailability is a small table computed bottom-up from its dependencies' tables.
* A *shared* node (two or more dependents) becomes a variable.  The shared nodes form a
  Bayesian network; a sweep in topological order keeps the joint distribution of the
  shared nodes that are still referenced (the *frontier*) and marginalises each one
  after its last consumer.

Exact inputs are computed in integers: each node's table holds numerators over one
scale (the product of the denominators below it), so no ``gcd`` is taken per operation
as ``Fraction`` arithmetic would; each requested node is divided once at the end.

For a tree there is nothing shared and the cost is linear.  In general the cost is
``O(Σ_v 2^|R_v| · deg_v · k_v + n · 2^w)``, where ``R_v`` is the set of shared nodes
directly visible below ``v`` and ``w`` the largest frontier: exponential in the number
of shared nodes that are live at the same time, linear in everything else.  Above
``max_width`` live shared nodes the computation refuses with a :class:`DomainError`
rather than running for hours.

>>> g = ServiceGraph.from_dict({
...     "web": {"availability": "99%", "needs": ["app1", "app2"], "k": 1},
...     "app1": {"availability": "90%", "needs": ["db"]},
...     "app2": {"availability": "90%", "needs": ["db"]},
...     "db": {"availability": "99%"},
... })
>>> g.availability("web")  # 0.99 * 0.99 * (1 - 0.1**2), db counted once
Fraction(970299, 1000000)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from fractions import Fraction
from typing import Any, TypeVar

import attrs

from itsm_core._config import check_depth, join
from itsm_core.availability.compose import (
    MAX_GROUP,
    Probability,
    float_pair,
    p_fewer_up,
    scaled_fewer_up,
    scaled_pair,
    uses_floats,
)
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    DomainError,
    InvalidArgumentError,
    shown,
)
from itsm_core.topology import Topology

__all__ = ["ServiceGraph"]

Num = TypeVar("Num", int, float)
_FIELDS = frozenset({"availability", "needs", "k"})
_NODE_FORM = ("{'availability': ratio (default 1), 'needs': [node, ...] (default none), "
              "'k': how many of needs must be up (default all)}")


def _local(key: int, positions: Sequence[int]) -> int:
    """Project a bit mask onto *positions*: bit i of the result is bit positions[i]."""
    mask = 0
    for i, bit in enumerate(positions):
        mask |= ((key >> bit) & 1) << i
    return mask


def _marginal(joint: Mapping[int, Num], r: Sequence[int], zero: Num) -> list[Num]:
    """The joint distribution summed down to the shared nodes *r* (indexed like a table)."""
    out = [zero] * (1 << len(r))
    for key, weight in joint.items():
        out[_local(key, r)] += weight
    return out


def _propagate(order: Sequence[str], deps: Mapping[str, Sequence[str]],
              own: Mapping[str, tuple[Num, Num, Num]], need: Mapping[str, int], *,
              fewer: Callable[[list[Num], list[Num], int], Num], one: Num, max_width: int,
              targets: Collection[str] | None = None) -> dict[str, tuple[Num, Num]]:
    """P(node down) as ``(numerator, scale)`` for *targets* (default: every node).

    *order* is topological and closed under dependencies; ``own[v]`` is ``(up, down,
    scale)`` and ``fewer(ups, downs, k)`` is P(fewer than k up) times the product of the
    components' scales.  Exact mode passes integers: a node's table shares one scale
    (its own times its private dependencies'), so nothing is reduced until the caller
    divides once.  Float mode passes floats with every scale 1.0 (multiplying by it is
    exact, so the float results are the plain probabilities).
    """
    zero = one - one
    uses = Counter(d for v in order for d in deps[v])
    shared = {v: i for i, v in enumerate(v for v in order if uses[v] >= 2)}
    refs: dict[str, tuple[int, ...]] = {}
    last_use: dict[int, int] = {}
    for pos, v in enumerate(order):
        seen: set[int] = set()
        for d in deps[v]:
            if d in shared:
                seen.add(shared[d])
            else:
                seen.update(refs[d])
        refs[v] = tuple(sorted(seen))
        if len(seen) > max_width:
            raise DomainError(
                f"{shown(v)} sees {len(seen)} shared dependencies at once; exact computation is "
                f"exponential in that number and max_width is {max_width}")
        for s in seen:
            last_use[s] = pos
    drop_after: dict[int, list[int]] = {}
    for s, pos in last_use.items():
        drop_after.setdefault(pos, []).append(s)

    tables: dict[str, tuple[list[Num], Num]] = {}
    joint: dict[int, Num] = {0: one}
    joint_scale = one
    marginals: dict[tuple[int, ...], list[Num]] = {}  # of the current joint, per r
    live = 0
    down: dict[str, tuple[Num, Num]] = {}
    for pos, v in enumerate(order):
        r = refs[v]
        slot = {g: i for i, g in enumerate(r)}
        own_up, own_down, scale = own[v]
        below = one  # the product of the private dependencies' scales
        plan: list[tuple[int, list[Num], Num, tuple[int, ...]]] = []
        for d in deps[v]:
            if d in shared:
                plan.append((slot[shared[d]], [], one, ()))
            else:
                sub, sub_scale = tables[d]
                plan.append((-1, sub, sub_scale, tuple(slot[g] for g in refs[d])))
                below *= sub_scale
        table: list[Num] = []
        for mask in range(1 << len(r)):
            ups: list[Num] = []
            downs: list[Num] = []
            for bit, sub, sub_scale, where in plan:
                if bit >= 0:
                    is_up = (mask >> bit) & 1
                    ups.append(one if is_up else zero)
                    downs.append(zero if is_up else one)
                else:
                    q = sub[_local(mask, where)]
                    ups.append(sub_scale - q)
                    downs.append(q)
            table.append(own_down * below + own_up * fewer(ups, downs, need[v]))
        scale *= below
        tables[v] = (table, scale)
        if targets is None or v in targets:
            if r:
                marginal = marginals.get(r)
                if marginal is None:
                    marginal = marginals[r] = _marginal(joint, r, zero)
                total = zero
                for weight, q in zip(marginal, table, strict=True):
                    total += weight * q
                down[v] = (total, joint_scale * scale)
            else:
                down[v] = (table[0], scale)
        if v in shared:
            bit = 1 << shared[v]
            grown: dict[int, Num] = {}
            for key, weight in joint.items():
                q = table[_local(key, r)]
                grown[key | bit] = weight * (scale - q)
                grown[key] = weight * q
            joint = grown
            joint_scale *= scale
            marginals.clear()
            live += 1
            if live > max_width:
                raise DomainError(
                    f"more than {max_width} shared dependencies are live at {shown(v)}; exact "
                    "computation is exponential in that number")
        for s in drop_after.get(pos, ()):
            bit = 1 << s
            merged: dict[int, Num] = {}
            for key, weight in joint.items():
                small = key & ~bit
                merged[small] = merged[small] + weight if small in merged else weight
            joint = merged
            marginals.clear()
            live -= 1
    return down


def _float_fewer(ups: list[float], downs: list[float], k: int) -> float:
    return p_fewer_up(ups, downs, k, 0.0)


def _sorted_items(mapping: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    if not isinstance(mapping, Mapping):
        raise ArgumentTypeError(f"expected a mapping of node name -> value, got {shown(mapping)}")
    for key in mapping:
        if not isinstance(key, str):
            raise ConfigError(shown(key), "bad node name", "a non-empty string")
    return tuple(sorted(mapping.items(), key=lambda item: item[0]))


@attrs.frozen(repr=False)
class ServiceGraph:
    """A service dependency DAG whose availability is computed exactly.

    Args:
        topology: who depends on whom.
        availability: each node's own availability (default 1 for nodes not listed),
            any ratio form; if any is a ``float`` results are floats computed in
            unavailability space, else exact ``Fraction``s.
        required: for redundancy groups, how many dependencies must be up (default all).

    Raises:
        ConfigError: an unknown node, a ratio outside ``[0, 1]``, a bad *k*.

    >>> topo = Topology.from_dict({"svc": ["a", "b", "c"]})
    >>> g = ServiceGraph(topo, {"a": "90%", "b": "90%", "c": "90%"}, {"svc": 2})
    >>> g.availability("svc")
    Fraction(243, 250)
    """

    topology: Topology
    availability_of: tuple[tuple[str, Any], ...] = attrs.field(converter=_sorted_items)
    required: tuple[tuple[str, Any], ...] = attrs.field(default=(), converter=_sorted_items)
    _floats: bool = attrs.field(init=False, eq=False, hash=False)
    _own: dict[str, Any] = attrs.field(init=False, eq=False, hash=False)
    _need: dict[str, int] = attrs.field(init=False, eq=False, hash=False)
    _deps: dict[str, tuple[str, ...]] = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.topology, Topology):
            raise ArgumentTypeError(f"topology: expected a Topology, got {shown(self.topology)}")
        nodes = self.topology.nodes
        for name, _ in (*self.availability_of, *self.required):
            if name not in nodes:
                raise ConfigError(name, "unknown node", "a node of the topology")
        given = dict(self.availability_of)
        floats = uses_floats(given.values())
        own: dict[str, tuple[Any, Any, Any]] = {}
        for n in nodes:
            path = f"{n}.availability"
            if floats:
                own[n] = (*float_pair(given.get(n, 1), path), 1.0)
            else:
                up, down = scaled_pair(given.get(n, 1), path)
                own[n] = (up, down, up + down)
        deps = {n: tuple(sorted(self.topology.dependencies(n))) for n in nodes}
        need = {n: len(deps[n]) for n in nodes}
        for name, k in self.required:
            if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(deps[name]):
                raise ConfigError(f"{name}.k", f"bad k {shown(k)} for {len(deps[name])} dependencies",
                                  "an int with 1 <= k <= the number of dependencies")
            if 1 < k < len(deps[name]) > MAX_GROUP:
                raise ConfigError(f"{name}.k", f"k = {k} of {len(deps[name])} dependencies",
                                  f"at most {MAX_GROUP} dependencies when 1 < k < all (MAX_GROUP)")
            need[name] = k
        object.__setattr__(self, "_floats", floats)
        object.__setattr__(self, "_own", own)
        object.__setattr__(self, "_need", need)
        object.__setattr__(self, "_deps", deps)

    @classmethod
    def from_dict(cls, data: object) -> ServiceGraph:
        """Build from ``{node: {"availability": ..., "needs": [...], "k": ...}}``.

        Every node named in ``needs`` must itself be a key (an empty mapping will do).

        Raises:
            ConfigError: malformed data, an unknown node or a cycle.

        >>> ServiceGraph.from_dict({"web": {"needs": ["db"]}})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: web.needs[0]: unknown node 'db'; expected a node declared as a key
        """
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {type(data).__name__}",
                              "{node: " + _NODE_FORM + "}")
        check_depth(data)
        edges: dict[str, list[str]] = {}
        availability: dict[str, object] = {}
        required: dict[str, int] = {}
        for node, spec in data.items():
            if not isinstance(node, str) or not node:
                raise ConfigError(shown(node), "bad node name", "a non-empty string")
            if not isinstance(spec, Mapping):
                raise ConfigError(node, f"expected a mapping, got {shown(spec)}", _NODE_FORM)
            unknown = sorted((k for k in spec if k not in _FIELDS), key=shown)
            if unknown:
                raise ConfigError(join(node, unknown[0] if isinstance(unknown[0], str)
                                       else shown(unknown[0])), "unknown field", _NODE_FORM)
            needs = spec.get("needs", [])
            if isinstance(needs, (str, bytes)) or not isinstance(needs, (list, tuple)):
                raise ConfigError(f"{node}.needs", f"expected a list, got {shown(needs)}", _NODE_FORM)
            for i, dep in enumerate(needs):
                if not isinstance(dep, str) or dep not in data:
                    raise ConfigError(f"{node}.needs[{i}]", f"unknown node {shown(dep)}",
                                      "a node declared as a key")
            edges[node] = list(needs)
            if "availability" in spec:
                availability[node] = spec["availability"]
            if "k" in spec:
                required[node] = spec["k"]
        return cls(Topology.from_dict(edges), availability, required)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Plain data that :meth:`from_dict` reads back.

        >>> ServiceGraph.from_dict({"a": {"availability": "99%", "needs": ["b"]}, "b": {}}).to_dict()
        {'a': {'availability': '99%', 'needs': ['b']}, 'b': {}}
        """
        given = dict(self.availability_of)
        required = dict(self.required)
        out: dict[str, dict[str, Any]] = {}
        for node in sorted(self.topology.nodes):
            entry: dict[str, Any] = {}
            if node in given:
                entry["availability"] = given[node]
            if self._deps[node]:
                entry["needs"] = list(self._deps[node])
            if node in required:
                entry["k"] = required[node]
            out[node] = entry
        return out

    def __repr__(self) -> str:
        return f"ServiceGraph({self.to_dict()!r})"

    @property
    def shared_nodes(self) -> frozenset[str]:
        """Nodes with two or more dependents: the ones a path product would double-count.

        >>> ServiceGraph.from_dict({"a": {"needs": ["c"]}, "b": {"needs": ["c"]}, "c": {}}
        ...                        ).shared_nodes
        frozenset({'c'})
        """
        return frozenset(n for n in self.topology.nodes if len(self.topology.dependents(n)) > 1)

    def _down(self, order: Sequence[str], max_width: int,
              targets: Collection[str] | None = None) -> dict[str, Probability]:
        if self._floats:
            values = _propagate(order, self._deps, self._own, self._need, fewer=_float_fewer,
                               one=1.0, max_width=max_width, targets=targets)
            return {v: q for v, (q, _) in values.items()}
        exact = _propagate(order, self._deps, self._own, self._need, fewer=scaled_fewer_up,
                          one=1, max_width=max_width, targets=targets)
        return {v: Fraction(q, scale) for v, (q, scale) in exact.items()}

    def _closure(self, node: str) -> list[str]:
        if node not in self.topology:
            raise InvalidArgumentError(f"node: unknown node {shown(node)}; expected a graph node")
        below = self.topology.all_dependencies(node) | {node}
        return [n for n in self.topology.topological_order() if n in below]

    def unavailability(self, node: str, *, max_width: int = 16) -> Probability:
        """P(*node* is down), computed without cancellation (accurate at many nines).

        Raises:
            InvalidArgumentError: an unknown node.
            DomainError: more than *max_width* shared nodes would be live at once.

        >>> g = ServiceGraph.from_dict({"a": {"availability": "99.9999999999%", "needs": ["b"]},
        ...                             "b": {"availability": 0.9999999999}})
        >>> g.unavailability("a"), 1 - g.availability("a")
        (1.010000082739371e-10, 1.0099998615231698e-10)
        """
        return self._down(self._closure(node), max_width, (node,))[node]

    def availability(self, node: str, *, max_width: int = 16) -> Probability:
        """P(*node* is up): exact ``Fraction``, or a ``float`` for float inputs.

        >>> g = ServiceGraph.from_dict({"a": {"availability": "99%", "needs": ["b"]},
        ...                             "b": {"availability": "50%"}})
        >>> g.availability("a")
        Fraction(99, 200)
        """
        return 1 - self.unavailability(node, max_width=max_width)

    def availabilities(self, *, max_width: int = 16) -> dict[str, Probability]:
        """Every node's availability, in one topological sweep.

        >>> g = ServiceGraph.from_dict({"a": {"availability": "99%", "needs": ["b"]},
        ...                             "b": {"availability": "50%"}})
        >>> g.availabilities()
        {'b': Fraction(1, 2), 'a': Fraction(99, 200)}
        """
        down = self._down(self.topology.topological_order(), max_width)
        return {n: 1 - q for n, q in down.items()}

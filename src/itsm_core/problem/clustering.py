"""Cluster incidents into problem candidates: similar text, close in time, union-find.

Two incidents are *linked* when the Jaccard similarity of their word-shingle sets is at
least ``threshold`` (exact, as a fraction) and, if ``max_gap`` is given, they opened less
than ``max_gap`` apart.  Clusters are the connected components (single linkage) with at
least ``min_size`` incidents.  ``method="exact"`` checks every pair of distinct texts;
``method="lsh"`` (the default) checks only MinHash/LSH candidate pairs, so it is fast at
scale and may miss links (never invents one: every link it makes is verified exactly).

>>> from datetime import datetime, timedelta, timezone
>>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
>>> texts = ["vpn drops every hour", "vpn drops every hour again", "vpn drops hourly",
...          "printer jam floor 3"]
>>> incs = [Incident(id=f"I{n}", opened_at=t + timedelta(hours=n), ci="vpn-gw", text=x)
...         for n, x in enumerate(texts)]
>>> [c.incident_ids for c in cluster_incidents(incs, threshold="0.4", min_size=2)]
[('I0', 'I1', 'I2')]
>>> print(cluster_incidents(incs, threshold="0.4", min_size=2)[0].explain())
3 similar incidents sharing drops, vpn, every, hour on vpn-gw (3) between 2025-03-01T00:00:00+00:00 and 2025-03-01T02:00:00+00:00
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from heapq import heappop, heappush
from itertools import pairwise
from typing import Any

import attrs

from itsm_core._instant import format_duration, from_us, parse_duration
from itsm_core.errors import ConfigError, UnknownNameError, shown
from itsm_core.problem._fields import _positive_ratio
from itsm_core.problem._span import TimeSpan
from itsm_core.problem.minhash import MinHasher, lsh_buckets, lsh_shape
from itsm_core.problem.records import Incident, _validated_incidents
from itsm_core.problem.text import shingles, tokenize

__all__ = ["METHODS", "ClusterExplanation", "IncidentCluster", "UnionFind", "cluster_incidents"]

#: The ways :func:`cluster_incidents` can find candidate pairs.
METHODS = ("lsh", "exact")


class UnionFind:
    """Disjoint sets over ``0 .. n-1`` with union by size and path halving.

    >>> uf = UnionFind(4)
    >>> uf.union(0, 1); uf.union(2, 3); uf.union(1, 3)
    >>> uf.find(0) == uf.find(2)
    True
    """

    __slots__ = ("_parent", "_size")

    def __init__(self, n: int) -> None:
        self._parent = list(range(n))
        self._size = [1] * n

    def find(self, x: int) -> int:
        """The representative of *x*'s set.

        >>> UnionFind(3).find(2)
        2
        """
        parent = self._parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        """Merge the sets of *a* and *b*.

        >>> uf = UnionFind(2); uf.union(0, 1); uf.find(1) == uf.find(0)
        True
        """
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if self._size[ra] < self._size[rb]:
                ra, rb = rb, ra
            self._parent[rb] = ra
            self._size[ra] += self._size[rb]


@attrs.frozen(kw_only=True)
class ClusterExplanation:
    """Why incidents form a cluster: how many, the terms and CIs they share, and when.

    Attributes:
        size: number of incidents.
        shared_terms: tokens found in at least half the members, most frequent first.
        cis: ``(ci, count)`` pairs, most frequent first.
        first_at, last_at: opened instants of the first and last member (UTC).

    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
    >>> ex = ClusterExplanation(size=2, shared_terms=("vpn",), cis=(("gw1", 2),),
    ...                         first_at=t, last_at=t)
    >>> print(ex)
    2 similar incidents sharing vpn on gw1 (2) between 2025-03-01T00:00:00+00:00 and 2025-03-01T00:00:00+00:00
    >>> ex.to_dict()["cis"]
    [['gw1', 2]]
    """

    size: int
    shared_terms: tuple[str, ...]
    cis: tuple[tuple[str, int], ...]
    first_at: datetime
    last_at: datetime

    def __str__(self) -> str:
        terms = ", ".join(self.shared_terms) or "no terms"
        cis = ", ".join(f"{ci} ({n})" for ci, n in self.cis) or "no CI"
        return (f"{self.size} similar incidents sharing {terms} on {cis} "
                f"between {self.first_at.isoformat()} and {self.last_at.isoformat()}")

    def to_dict(self) -> dict[str, Any]:
        """Plain data: counts, lists and ISO 8601 instants.

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> ClusterExplanation(size=3, shared_terms=(), cis=(), first_at=t, last_at=t
        ...                    ).to_dict()["shared_terms"]
        []
        """
        return {"size": self.size, "shared_terms": list(self.shared_terms),
                "cis": [list(pair) for pair in self.cis], "first": self.first_at.isoformat(),
                "last": self.last_at.isoformat()}


@attrs.frozen(kw_only=True)
class IncidentCluster(TimeSpan):
    """A problem candidate found by text similarity.

    Attributes:
        incident_ids: members, in opened order (ties by id).
        shared_terms: tokens found in at least half the members, most frequent first.
        cis: ``(ci, count)`` pairs, most frequent first.
        first_at, last_at: opened instants of the first and last member (UTC).

    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
    >>> c = IncidentCluster(incident_ids=("A", "B"), shared_terms=("vpn",),
    ...                     cis=(("gw1", 2),), first_at=t, last_at=t + timedelta(hours=2))
    >>> c.span
    datetime.timedelta(seconds=7200)
    """

    incident_ids: tuple[str, ...]
    shared_terms: tuple[str, ...]
    cis: tuple[tuple[str, int], ...]
    first_at: datetime
    last_at: datetime

    def explain(self) -> ClusterExplanation:
        """How many incidents, which terms and CIs, when.

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> str(IncidentCluster(incident_ids=("A", "B"), shared_terms=(), cis=(), first_at=t,
        ...                     last_at=t).explain())[:39]
        '2 similar incidents sharing no terms on'
        """
        return ClusterExplanation(size=len(self.incident_ids), shared_terms=self.shared_terms,
                                  cis=self.cis, first_at=self.first_at, last_at=self.last_at)

    def to_dict(self) -> dict[str, Any]:
        """The cluster as plain data.

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> IncidentCluster(incident_ids=("A", "B"), shared_terms=("x",), cis=(), first_at=t,
        ...                 last_at=t).to_dict()["shared_terms"]
        ['x']
        """
        return {"incident_ids": list(self.incident_ids), "shared_terms": list(self.shared_terms),
                "cis": [list(pair) for pair in self.cis], "first": self.first_at.isoformat(),
                "last": self.last_at.isoformat(), "span": format_duration(self.span),
                "explanation": str(self.explain())}


def _min_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise ConfigError("min_size", f"{shown(value)} is not an integer >= 2", "an integer >= 2")
    return value


def _gap(value: object) -> int | None:
    if value is None:
        return None
    gap = parse_duration(value, "max_gap")
    if gap <= timedelta(0):
        raise ConfigError("max_gap", f"{shown(value)} is not positive", "a duration > 0 or None")
    return gap // timedelta(microseconds=1)


class _Linker:
    """Verifies candidate text pairs exactly and links their incidents (internal).

    Both modes give, within a bucket, the same components as checking every pair of its
    texts; they just skip the pairs that cannot change the components.
    """

    def __init__(self, docs: list[frozenset[str]], members: list[list[int]], *,
                 times: list[int], gap: int | None, uf: UnionFind, ratio: Fraction,
                 cache: bool) -> None:
        self.docs, self.members, self.times, self.gap, self.uf = docs, members, times, gap, uf
        self.p, self.q = ratio.numerator, ratio.denominator
        self.verdicts: dict[tuple[int, int], bool] | None = {} if cache else None

    def _verify(self, i: int, j: int) -> bool:
        a, b = self.docs[i], self.docs[j]
        inter = len(a & b)
        return self.q * inter >= self.p * (len(a) + len(b) - inter)

    def similar(self, i: int, j: int) -> bool:
        """Exact Jaccard test, remembered when a pair can recur (LSH: several bands)."""
        if self.verdicts is None:
            return self._verify(i, j)
        key = (i, j) if i < j else (j, i)
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = self._verify(i, j)
        return verdict

    def bucket(self, bucket: list[int]) -> None:
        """Link the incidents of the texts in *bucket*."""
        if self.gap is None:
            self._groups(bucket)
        else:
            self._sweep(bucket, self.gap)

    def _groups(self, bucket: list[int]) -> None:
        """No time gap: compare each text with one component at a time, stopping at the
        first similar member, so near-duplicates cost O(size), not O(size²)."""
        uf, members, similar = self.uf, self.members, self.similar
        groups: list[list[int]] = []
        for j in bucket:
            first = members[j][0]
            mine, rest = [j], []
            for group in groups:
                if uf.find(members[group[0]][0]) == uf.find(first):
                    mine.extend(group)
                    continue
                for i in group:
                    if similar(i, j):
                        uf.union(members[i][0], first)
                        mine.extend(group)
                        break
                else:
                    rest.append(group)
            rest.append(mine)
            groups = rest

    def _sweep(self, bucket: list[int], gap: int) -> None:
        """With a time gap: sweep the bucket's incidents in time order, keeping the texts
        seen less than *gap* ago grouped by component; link each incident to the latest
        incident of one similar text per component.  (A text's latest incident suffices:
        its own incidents are already chained when less than *gap* apart.)"""
        uf, times = self.uf, self.times
        events = sorted((times[k], k, d) for d in bucket for k in self.members[d])
        active: dict[int, set[int]] = {}  # component root -> texts seen less than gap ago
        latest: dict[int, int] = {}  # text -> its latest incident so far
        expiry: list[tuple[int, int]] = []  # (time, text), a min-heap
        for t, k, d in events:
            while expiry and expiry[0][0] <= t - gap:
                seen_at, old = heappop(expiry)
                if times[latest[old]] == seen_at:
                    # a text seen twice at one instant has two heap entries: expire it once
                    root = uf.find(latest[old])
                    texts = active.get(root)
                    if texts is not None and old in texts:
                        texts.discard(old)
                        if not texts:
                            del active[root]
            own_root = uf.find(k)
            merged: set[int] = set()
            for root, texts in list(active.items()):
                if root == own_root:
                    continue
                match = next((e for e in texts if self.similar(e, d)), None)
                if match is not None:
                    uf.union(k, latest[match])
                    merged |= active.pop(root)
            mine = active.pop(own_root, set())
            mine |= merged
            mine.add(d)
            active[uf.find(k)] = mine
            latest[d] = k
            heappush(expiry, (t, d))


def cluster_incidents(incidents: Iterable[Incident], *, threshold: object = "0.5",
                      shingle_size: int = 1, max_gap: object = None, min_size: int = 3,
                      method: str = "lsh", num_perm: int = 64, seed: int = 20250301,
                      pair_recall: object = "0.5") -> list[IncidentCluster]:
    """Group similar incidents (see the module text for the exact rule).

    Args:
        incidents: incidents with their ``text``; an empty text never links.
        threshold: least Jaccard similarity of shingle sets, in (0, 1] (``"0.5"``, 0.5 or a
            Fraction; floats are read through their shortest repr).
        shingle_size: words per shingle (1 = word sets, best for one-line texts).
        max_gap: if given (timedelta or ISO 8601), linked incidents opened less than this
            apart; ``None`` ignores time.
        min_size: least incidents in a reported cluster (>= 2).
        method: ``"lsh"`` (candidate pairs from MinHash bands) or ``"exact"`` (all pairs).
        num_perm, seed: MinHash signature length and hash-function seed (``"lsh"`` only).
        pair_recall: least chance, in (0, 1], that LSH proposes a pair exactly at the
            threshold (higher = more candidate pairs to verify = slower; pairs above the
            threshold and chains through other members are found far more often).

    Returns:
        Clusters, largest first (then earliest first).

    Raises:
        ConfigError: a parameter is malformed; the message names it.
        UnknownNameError: *method* is not one of :data:`METHODS`.

    >>> cluster_incidents([], method="fuzzy")
    Traceback (most recent call last):
    ...
    itsm_core.errors.UnknownNameError: method: unknown name 'fuzzy'; expected one of 'lsh', 'exact'
    """
    if method not in METHODS:
        raise UnknownNameError("method", method, METHODS)
    ratio = _positive_ratio(threshold, "threshold")
    recall = _positive_ratio(pair_recall, "pair_recall")
    gap = _gap(max_gap)
    size = _min_size(min_size)
    if isinstance(shingle_size, bool) or not isinstance(shingle_size, int) or shingle_size < 1:
        raise ConfigError("shingle_size", f"{shown(shingle_size)} is not an integer >= 1",
                          "an integer >= 1 (words per shingle)")
    pool = _validated_incidents(incidents)
    hasher = MinHasher(num_perm, seed)
    tokens = [tokenize(inc.text) for inc in pool]
    sets = [shingles(t, shingle_size) for t in tokens]
    times = [inc._opened_us for inc in pool]
    order = sorted(range(len(pool)), key=lambda k: (times[k], pool[k].id))
    doc_index: dict[frozenset[str], int] = {}
    members: list[list[int]] = []
    for k in order:
        if sets[k]:
            d = doc_index.setdefault(sets[k], len(members))
            if d == len(members):
                members.append([])
            members[d].append(k)
    docs = list(doc_index)
    uf = UnionFind(len(pool))
    for mem in members:
        for prev, nxt in pairwise(mem):
            if gap is None or times[nxt] - times[prev] < gap:
                uf.union(prev, nxt)
    link = _Linker(docs, members, times=times, gap=gap, uf=uf, ratio=ratio,
                   cache=method == "lsh")
    if method == "exact":
        link.bucket(list(range(len(docs))))
    else:
        bands, rows = lsh_shape(ratio, hasher.num_perm, recall)
        signatures = [hasher.signature(doc) for doc in docs]
        for bucket in lsh_buckets(signatures, bands, rows):
            link.bucket(bucket)
    return _clusters(pool, tokens, order, uf, size)


def _clusters(pool: list[Incident], tokens: list[tuple[str, ...]], order: list[int],
              uf: UnionFind, min_size: int) -> list[IncidentCluster]:
    groups: dict[int, list[int]] = {}
    for k in order:
        groups.setdefault(uf.find(k), []).append(k)
    kept = sorted((group for group in groups.values() if len(group) >= min_size),
                  key=lambda g: (-len(g), pool[g[0]]._opened_us, pool[g[0]].id))
    out = []
    for group in kept:
        terms: Counter[str] = Counter()
        for k in group:
            terms.update(set(tokens[k]))
        shared = sorted((t for t, n in terms.items() if 2 * n >= len(group)),
                        key=lambda t: (-terms[t], t))[:10]
        cis = Counter(pool[k].ci for k in group if pool[k].ci is not None)
        out.append(IncidentCluster(
            incident_ids=tuple(pool[k].id for k in group), shared_terms=tuple(shared),
            cis=tuple(sorted(((c, n) for c, n in cis.items() if c is not None),
                             key=lambda cn: (-cn[1], cn[0]))),
            first_at=from_us(pool[group[0]]._opened_us, timezone.utc),
            last_at=from_us(pool[group[-1]]._opened_us, timezone.utc)))
    return out


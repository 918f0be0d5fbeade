"""Hypothesis strategies and brute-force oracles shared by the problem tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from itsm_core.problem import Incident

T0 = datetime(2025, 3, 1, tzinfo=timezone.utc)
WORDS = ("disk", "full", "vpn", "drops", "login", "fails", "printer", "jam", "slow", "db",
         "timeout", "error", "ora", "12154", "mail", "queue")


@st.composite
def incidents(draw: st.DrawFn, max_size: int = 20) -> list[Incident]:
    """Small incident lists: few CIs and categories, minute times so ties happen."""
    n = draw(st.integers(0, max_size))
    out = []
    for i in range(n):
        out.append(Incident(
            id=f"I{i:03d}",
            opened_at=T0 + timedelta(minutes=draw(st.integers(0, 600))),
            ci=draw(st.sampled_from([None, "db01", "db02", "web01"])),
            category=draw(st.sampled_from(["network", "database", None])),
            problem_id=draw(st.sampled_from([None, None, None, "P_OPEN", "P_CLOSED"])),
            text=" ".join(draw(st.lists(st.sampled_from(WORDS), max_size=6))),
        ))
    return out


class UnionFindRef:
    """A dict-based union-find for the oracles (deliberately not the library's)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def groups(self) -> list[frozenset[str]]:
        out: dict[str, set[str]] = {}
        for x in self.parent:
            out.setdefault(self.find(x), set()).add(x)
        return [frozenset(g) for g in out.values()]

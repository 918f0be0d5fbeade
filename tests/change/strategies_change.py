"""Shared hypothesis strategies and helpers for the change tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from itsm_core.change.request import ChangeRequest

UTC = timezone.utc
T0 = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday
HOUR_US = 3_600_000_000


def at(hours: float) -> datetime:
    """T0 plus *hours* (a test helper for readable instants)."""
    return T0 + timedelta(hours=hours)


def change(id: str, start_h: float, end_h: float, cis: tuple[str, ...] = ("db",),
           type: str = "normal", assignee: str | None = None, **fields: object) -> ChangeRequest:
    """A change over [T0 + start_h, T0 + end_h)."""
    return ChangeRequest(id=id, type=type, cis=cis, start=at(start_h), end=at(end_h),
                         assignee=assignee, fields=fields)


CI_NAMES = ("web", "app", "db", "cache", "queue", "dns")


@st.composite
def changes(draw: st.DrawFn, max_size: int = 25) -> list[ChangeRequest]:
    """Random changes on a small CI set and a short time range, so overlaps are frequent."""
    n = draw(st.integers(0, max_size))
    out = []
    for i in range(n):
        start = draw(st.integers(0, 200))
        length = draw(st.integers(1, 30))
        cis = tuple(draw(st.lists(st.sampled_from(CI_NAMES), min_size=0, max_size=3, unique=True)))
        out.append(ChangeRequest(
            id=f"C{i}", type=draw(st.sampled_from(["standard", "normal", "emergency"])), cis=cis,
            start=T0 + timedelta(minutes=10 * start), end=T0 + timedelta(minutes=10 * (start + length)),
            assignee=draw(st.sampled_from([None, "ana", "bo", "cy"]))))
    return out

"""Hypothesis strategies for business-calendar configurations and instants near DST changes.

Configurations are minute-aligned (so the minute-stepping oracle is exact) and come in the
zones with unusual transitions.  Each example is a :class:`Scenario`: a config dict plus a short UTC
window ``[a, b)`` (integer microseconds) around an interesting instant — often a DST
transition of the zone — with the config's closed dates and special hours placed inside it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import settings
from hypothesis import strategies as st
from oracle_calendar import US_PER_MINUTE, WEEKDAYS, from_us, to_us

US_PER_HOUR = 60 * US_PER_MINUTE

# the oracle and two-calendar tests run half the profile's examples, to keep the area fast
# (HYPOTHESIS_PROFILE=thorough still scales them up)
half_examples = settings(max_examples=max(10, settings().max_examples // 2))
US_PER_DAY = 24 * US_PER_HOUR

# zone -> (years to draw from, holiday spec that fits the zone or None)
ZONES: dict[str, tuple[range, dict[str, Any] | None]] = {
    "Europe/London": (range(2016, 2028), {"country": "GB", "subdivision": "ENG"}),
    "America/New_York": (range(2016, 2028), {"country": "US", "subdivision": "NY"}),
    "Australia/Sydney": (range(2016, 2028), {"country": "AU", "subdivision": "NSW"}),
    # 2015-2018: Brazil's DST changed at local midnight, so that midnight does not exist
    "America/Sao_Paulo": (range(2015, 2019), {"country": "BR", "subdivision": "SP"}),
    "Asia/Kolkata": (range(2016, 2028), {"country": "IN"}),
    "UTC": (range(2016, 2028), None),
}


def hhmm(minute_of_day: int) -> str:
    """0..1440 -> 'HH:MM' (1440 -> '24:00')."""
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


@functools.cache
def transitions(zone_key: str, year: int) -> tuple[int, ...]:
    """UTC instants (µs) at which the zone's UTC offset changes during *year*."""
    zone = ZoneInfo(zone_key)
    start = to_us(datetime(year, 1, 1, tzinfo=timezone.utc))
    end = to_us(datetime(year + 1, 1, 1, tzinfo=timezone.utc))
    found = []
    previous = from_us(start, zone).utcoffset()
    step = 3 * US_PER_HOUR  # offsets never change twice within three hours
    for hour in range(start, end, step):
        offset = from_us(hour + step, zone).utcoffset()
        if offset != previous:
            lo, hi = hour, hour + step  # offset(lo) == previous != offset(hi)
            while hi - lo > US_PER_MINUTE:
                mid = _floor_minute_mid(lo, hi)
                if from_us(mid, zone).utcoffset() == previous:
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
            previous = offset
    return tuple(found)


def _floor_minute_mid(lo: int, hi: int) -> int:
    mid = (lo + hi) // 2
    return mid - mid % US_PER_MINUTE


# -- shifts -----------------------------------------------------------------------------------

# minutes of the day, biased towards round times so shifts touch, overlap and hit DST gaps
minute_of_day = st.one_of(
    st.integers(0, 23).map(lambda h: 60 * h),
    st.integers(0, 47).map(lambda h: 30 * h),
    st.integers(0, 1439),
)


def _as_shift(pair: tuple[int, int]) -> list[str]:
    return [hhmm(pair[0]), hhmm(pair[1])]


# one [start, end] pair: may be overnight (end < start) or end at '24:00'
shift = st.tuples(minute_of_day, st.one_of(minute_of_day, st.just(1440))).filter(
    lambda p: p[0] != p[1]).map(_as_shift)


def _disjoint(cut_set: frozenset[int]) -> list[list[str]]:
    cuts = sorted(cut_set)
    kept: list[tuple[int, int]] = []
    for s, e in zip(cuts[::2], cuts[1::2], strict=False):
        # keep a gap between shifts: touching special shifts may count as overlap
        if not kept or s > kept[-1][1]:
            kept.append((s, e))
    return [_as_shift(p) for p in kept]


# sorted, pairwise disjoint, non-touching same-day shifts (for special hours); may be empty
disjoint_shifts = st.frozensets(st.integers(0, 48).map(lambda h: 30 * h), max_size=4).map(
    _disjoint)

weekly_hours = st.dictionaries(
    st.sampled_from(WEEKDAYS),
    st.lists(shift, min_size=0, max_size=3),
    max_size=7,
)


# weekly hours with at least one shift somewhere (so open time always exists)
nonempty_weekly_hours = weekly_hours.filter(lambda h: any(h.values()))


# -- instants -----------------------------------------------------------------------------------

@st.composite
def anchor(draw: st.DrawFn, zone_key: str) -> int:
    """A minute-aligned UTC instant (µs): often a DST transition of the zone, else random."""
    years, _ = ZONES[zone_key]
    year = draw(st.sampled_from(years))
    moments = transitions(zone_key, year)
    if moments and draw(st.booleans()):
        return draw(st.sampled_from(moments))
    start = to_us(datetime(year, 1, 1, tzinfo=timezone.utc)) // US_PER_MINUTE
    return draw(st.integers(start, start + 365 * 1440)) * US_PER_MINUTE


def instant_in(a: int, b: int, aligned: bool = True) -> st.SearchStrategy[int]:
    """An instant in ``[a, b]`` (µs), minute-aligned or to the second."""
    if aligned:
        return st.integers(a // US_PER_MINUTE, b // US_PER_MINUTE).map(
            lambda m: m * US_PER_MINUTE)
    return st.integers(a // 1_000_000, b // 1_000_000).map(lambda s: s * 1_000_000)


@dataclass(frozen=True)
class Scenario:
    """A calendar config and a short UTC window ``[a, b)`` of interest (µs)."""

    config: dict[str, Any]
    a: int
    b: int

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.config["timezone"])

    def local_days(self) -> list[date]:
        """Local dates touching the window, with a day of margin either side."""
        first = from_us(self.a, self.zone).date() - timedelta(days=1)
        last = from_us(self.b, self.zone).date() + timedelta(days=1)
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@st.composite
def scenarios(draw: st.DrawFn, zones: tuple[str, ...] = tuple(ZONES),
              max_days: int = 3, always_open_somewhere: bool = True) -> Scenario:
    """A random calendar in a random zone, and a window of up to *max_days* near an anchor."""
    zone_key = draw(st.sampled_from(zones))
    centre = draw(anchor(zone_key))
    a = centre - draw(st.integers(0, 2 * 1440)) * US_PER_MINUTE
    b = a + draw(st.integers(1, max_days * 1440)) * US_PER_MINUTE
    hours = draw(nonempty_weekly_hours if always_open_somewhere else weekly_hours)
    config: dict[str, Any] = {"timezone": zone_key, "hours": hours}
    scenario = Scenario(config, a, b)
    days = scenario.local_days()
    _, holiday_spec = ZONES[zone_key]
    if holiday_spec is not None and draw(st.booleans()):
        config["holidays"] = [dict(holiday_spec)]
    special_days = draw(st.lists(st.sampled_from(days), max_size=2, unique=True))
    if special_days:
        config["special_hours"] = {
            d.isoformat(): draw(disjoint_shifts) for d in sorted(special_days)}
    closed = draw(st.lists(st.sampled_from(days), max_size=2, unique=True))
    closed = [d for d in closed if d not in special_days]
    if closed:
        config["closed_dates"] = [d.isoformat() for d in sorted(closed)]
    return scenario


__all__ = [
    "US_PER_DAY",
    "US_PER_HOUR",
    "ZONES",
    "half_examples",
    "Scenario",
    "anchor",
    "disjoint_shifts",
    "hhmm",
    "instant_in",
    "nonempty_weekly_hours",
    "scenarios",
    "shift",
    "transitions",
    "weekly_hours",
]

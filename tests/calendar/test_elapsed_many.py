"""``BusinessCalendar.elapsed_many`` against ``elapsed`` (the one-pair query is the oracle).

Every calendar shape: weekly hours in zones with DST (and Sao Paulo's missing midnights),
holidays, special hours and closed dates, composites (union, intersection, minus windows,
versions), pairs in either order, empty pairs, and pairs across the timeline's chunk
boundaries (about 407 days), where the bulk path hands over to the timeline's own loop.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracle_calendar import from_us
from strategies_calendar import US_PER_DAY, US_PER_HOUR, Scenario, half_examples, scenarios

from itsm_core import BusinessCalendar
from itsm_core.calendar.bulk import _elapsed_many_us, elapsed_many
from itsm_core.calendar.timeline import CHUNK_US
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, NaiveDatetimeError

UTC = timezone.utc


@st.composite
def calendars(draw: st.DrawFn) -> tuple[BusinessCalendar, Scenario]:
    """A leaf calendar, or a composite of two, with the first one's window."""
    first = draw(scenarios())
    leaf = BusinessCalendar.from_dict(first.config)
    shape = draw(st.sampled_from(["leaf", "union", "intersection", "minus", "versions"]))
    if shape == "leaf":
        return leaf, first
    other = BusinessCalendar.from_dict(draw(scenarios()).config)
    if shape == "union":
        return leaf | other, first
    if shape == "intersection":
        return leaf & other, first
    if shape == "minus":
        cut = first.a + draw(st.integers(0, max(0, first.b - first.a)))
        window = (from_us(cut, UTC), from_us(cut + draw(st.integers(1, 6)) * US_PER_HOUR, UTC))
        return leaf - [window], first
    switch = from_us(first.a + (first.b - first.a) // 2, UTC).date()
    return BusinessCalendar.versioned([(date(2000, 1, 1), other), (switch, leaf)]), first


def pairs_in(scenario: Scenario) -> st.SearchStrategy[list[tuple[int, int]]]:
    lo, hi = scenario.a - US_PER_DAY, scenario.b + US_PER_DAY
    instant = st.integers(lo, hi)
    return st.lists(st.tuples(instant, instant), max_size=30)


@half_examples
@given(data=st.data())
def test_bulk_equals_one_by_one_on_every_calendar_shape(data: st.DataObject) -> None:
    calendar, scenario = data.draw(calendars())
    pairs = data.draw(pairs_in(scenario))
    starts = [from_us(a, UTC) for a, _ in pairs]
    ends = [from_us(b, UTC) for _, b in pairs]
    expected = [calendar.elapsed(a, b) for a, b in zip(starts, ends, strict=True)]
    assert calendar.elapsed_many(starts, ends) == expected
    as_arrays = calendar.elapsed_many(np.array([a for a, _ in pairs], dtype="datetime64[us]"),
                                      np.array([b for _, b in pairs], dtype="datetime64[us]"))
    assert as_arrays.dtype == np.dtype("timedelta64[us]")
    assert [timedelta(microseconds=int(v)) for v in as_arrays.astype(np.int64)] == expected


@half_examples
@given(data=st.data())
def test_pairs_across_chunk_boundaries(data: st.DataObject) -> None:
    calendar, _ = data.draw(calendars())
    edge = (2016 * 365 * US_PER_DAY // CHUNK_US) * CHUNK_US  # a chunk boundary near 2016
    instant = st.integers(edge - 3 * CHUNK_US // 2, edge + 3 * CHUNK_US // 2)
    pairs = data.draw(st.lists(st.tuples(instant, instant), min_size=1, max_size=8))
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    got = _elapsed_many_us(calendar._engine, a, b)
    assert got.tolist() == [calendar._engine.elapsed(x, y) for x, y in pairs]


def test_sign_and_empty_and_equal_pairs() -> None:
    cal = BusinessCalendar.from_dict({"timezone": "Europe/London",
                                      "hours": {"mon": [["09:00", "17:00"]]}})
    monday = datetime(2025, 1, 6, 10, tzinfo=UTC)
    tuesday = datetime(2025, 1, 7, tzinfo=UTC)
    assert cal.elapsed_many([], []) == []
    assert cal.elapsed_many([monday, tuesday, monday], [tuesday, monday, monday]) == [
        timedelta(hours=7), -timedelta(hours=7), timedelta(0)]
    assert cal.elapsed_many((monday,), (tuesday,)) == [timedelta(hours=7)]


def test_refusals_name_the_argument() -> None:
    cal = BusinessCalendar.always_open("UTC")
    at = datetime(2025, 1, 6, tzinfo=UTC)
    with pytest.raises(InvalidArgumentError, match="ends: 2 values for 1 starts"):
        cal.elapsed_many([at], [at, at])
    with pytest.raises(NaiveDatetimeError):
        cal.elapsed_many([at.replace(tzinfo=None)], [at])
    with pytest.raises(ArgumentTypeError, match="starts, ends"):
        cal.elapsed_many(iter([at]), [at])
    with pytest.raises(ArgumentTypeError, match="datetime64"):
        cal.elapsed_many(np.array([1], dtype=np.int64), np.array([2], dtype=np.int64))
    with pytest.raises(InvalidArgumentError, match="NaT"):
        cal.elapsed_many(np.array(["NaT"], dtype="datetime64[us]"),
                         np.array(["2025-01-01"], dtype="datetime64[us]"))
    with pytest.raises(InvalidArgumentError, match="too long"):  # the timeline's own refusal
        elapsed_many(cal, [datetime(1, 1, 1, tzinfo=UTC)], [datetime(9999, 1, 1, tzinfo=UTC)])


def test_many_pairs_in_one_chunk_are_one_numpy_step() -> None:
    cal = BusinessCalendar.from_dict({
        "timezone": "Europe/London",
        "hours": {d: [["09:00", "17:00"]] for d in ["mon", "tue", "wed", "thu", "fri"]},
        "holidays": [{"country": "GB", "subdivision": "ENG"}]})
    rng = np.random.default_rng(7)
    base = 1_450_000_000 * 1_000_000
    a = base + rng.integers(0, 400 * US_PER_DAY, 5_000)
    b = a + rng.integers(-30 * US_PER_DAY, 30 * US_PER_DAY, 5_000)
    got = _elapsed_many_us(cal._engine, a, b)
    assert got.tolist() == [cal._engine.elapsed(x, y) for x, y in zip(a.tolist(), b.tolist(),
                                                                          strict=True)]

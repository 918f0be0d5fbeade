"""The engine agrees with the minute-stepping oracle on random calendars.

Random calendars have several shifts a day, overnight shifts, ``24:00`` ends, holidays from
the ``holidays`` package, closed dates and special hours (half days and extra days), in zones
with and without DST; windows are a few days long and often straddle a DST transition.
Queries go through the engine's public datetime API, with inputs in a random zone (the input
zone must not matter), and are compared as instants.
"""

from __future__ import annotations

import itertools
from datetime import timezone
from typing import Any
from zoneinfo import ZoneInfo

from adapters_calendar import EngineView
from hypothesis import given
from hypothesis import strategies as st
from oracle_calendar import US_PER_MINUTE, OracleCalendar, OracleHorizonError
from strategies_calendar import US_PER_DAY, Scenario, half_examples, instant_in, scenarios

from itsm_core import BusinessCalendar, NoBusinessTimeError

input_zones = st.sampled_from([timezone.utc, ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/London"),
                               ZoneInfo("America/Sao_Paulo")])


def build(scenario: Scenario, input_zone: Any) -> tuple[OracleCalendar, EngineView]:
    calendar = BusinessCalendar.from_dict(scenario.config)
    return OracleCalendar(scenario.config), EngineView(calendar, input_zone)


def agree(oracle_call: Any, engine_call: Any, t: int) -> None:
    """Both give the same instant, or the oracle's horizon ran out and the engine looked further
    (or, having found nothing within its own horizon, raised NoBusinessTimeError)."""
    try:
        expected = oracle_call(t)
    except OracleHorizonError:
        try:
            got = engine_call(t)
        except NoBusinessTimeError:
            return
        assert abs(got - t) > 50 * US_PER_DAY
        return
    assert engine_call(t) == expected


@half_examples
@given(scenarios(), input_zones)
def test_open_intervals_agree(scenario: Scenario, input_zone: Any) -> None:
    oracle, engine = build(scenario, input_zone)
    expected = oracle.open_intervals(scenario.a, scenario.b)
    assert engine.open_intervals(scenario.a, scenario.b) == expected
    assert engine.elapsed(scenario.a, scenario.b) == sum(e - s for s, e in expected)


@half_examples
@given(scenarios(), input_zones, st.data())
def test_point_queries_agree(scenario: Scenario, input_zone: Any, data: st.DataObject) -> None:
    oracle, engine = build(scenario, input_zone)
    aligned = data.draw(st.booleans())
    points = data.draw(st.lists(instant_in(scenario.a, scenario.b, aligned), min_size=1,
                                max_size=4))
    for t in points:
        assert engine.is_open(t) == oracle.is_open(t), t
        agree(oracle.next_open, engine.next_open, t)
        agree(oracle.next_close, engine.next_close, t)
        agree(oracle.previous_close, engine.previous_close, t)
    for t, u in itertools.pairwise(points):
        assert engine.elapsed(t, u) == oracle.elapsed(t, u)


@half_examples
@given(scenarios(), input_zones, st.data())
def test_add_and_subtract_agree(scenario: Scenario, input_zone: Any,
                                data: st.DataObject) -> None:
    oracle, engine = build(scenario, input_zone)
    t = data.draw(instant_in(scenario.a, scenario.b, data.draw(st.booleans())))
    # durations up to the business time of the next (or previous) two days, so the oracle
    # never walks far; sometimes exactly that amount, to land on a closing time
    ahead = oracle.elapsed(t, t + 2 * US_PER_DAY)
    d = data.draw(st.one_of(st.integers(0, ahead), st.just(ahead),
                            st.integers(0, ahead // US_PER_MINUTE).map(
                                lambda m: m * US_PER_MINUTE)))
    assert engine.add(t, d) == oracle.add(t, d)
    behind = oracle.elapsed(t - 2 * US_PER_DAY, t)
    d = data.draw(st.one_of(st.integers(0, behind), st.just(behind)))
    assert engine.subtract(t, d) == oracle.subtract(t, d)

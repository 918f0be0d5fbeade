"""availability.measure against a minute-stepping oracle, plus edge cases and errors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core._instant import to_us
from itsm_core.availability import Measurement, Outage, OutageKind, measure
from itsm_core.availability.measure import _where_largest
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    ItsmError,
    NaiveDatetimeError,
)
from itsm_core.intervals import IntervalSet
from itsm_core.ratios import parse_ratio

BASE = datetime(2025, 3, 3, tzinfo=timezone.utc)
MINUTE = 60_000_000


def at(minute: int) -> datetime:
    return BASE + timedelta(minutes=minute)


class FixedHours:
    """A test-only calendar of agreed service time (the AgreedTimeCalendar protocol): a
    fixed set of open minutes, answered in datetimes."""

    timezone: tzinfo = timezone.utc

    def __init__(self, open_minutes: list[tuple[int, int]]) -> None:
        base = int(BASE.timestamp()) * 1_000_000
        self.open = IntervalSet.from_pairs([(base + a * MINUTE, base + b * MINUTE)
                                            for a, b in open_minutes])

    def open_intervals(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
        return self.open.clip(to_us(a, "a"), to_us(b, "b")).to_datetimes(self.timezone)

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        return sum((e - s for s, e in self.open_intervals(a, b)), timedelta(0))


def exact_downtime_us(m: Measurement) -> Fraction:
    """The weighted downtime, exactly, from the counted intervals (microseconds)."""
    return sum(((to_us(e, "e") - to_us(s, "s")) * w for s, e, w in m.intervals), Fraction(0))


def us(minutes: Fraction) -> timedelta:
    """*minutes* as a timedelta, asserting it is a whole number of microseconds."""
    exact = minutes * MINUTE
    assert exact.denominator == 1
    return timedelta(microseconds=int(exact))


IMPACTS = [Fraction(1), Fraction(1, 2), Fraction(1, 4), Fraction(3, 4), Fraction(0)]


@st.composite
def outage_specs(draw: st.DrawFn, many_impacts: bool = False) -> tuple[int, int | None, str, Fraction]:
    start = draw(st.integers(0, 100))
    end = draw(st.one_of(st.none(), st.integers(start, 110)))
    kind = draw(st.sampled_from(["unplanned", "degraded", "planned"]))
    if kind == "planned":
        impact = Fraction(1)
    elif many_impacts:
        impact = Fraction(draw(st.integers(0, 40)), 40)
    else:
        impact = draw(st.sampled_from(IMPACTS))
    return start, end, kind, impact


def reference(specs: list[tuple[int, int | None, str, Fraction]], ws: int, we: int,
              open_minutes: list[tuple[int, int]] | None, planned: str,
              as_of: int | None) -> tuple[int, Fraction, int]:
    """Minute stepping: (agreed minutes, downtime minutes, failures)."""
    if as_of is not None:
        we = max(ws, min(we, as_of))
    closed: list[tuple[int, int, str, Fraction]] = []
    for s, e, kind, w in specs:
        end = e if e is not None else max(s, as_of if as_of is not None else s)
        closed.append((s, end, kind, w))

    def is_open(m: int) -> bool:
        return open_minutes is None or any(a <= m < b for a, b in open_minutes)

    def is_planned(m: int) -> bool:
        return any(s <= m < e for s, e, k, _ in closed if k == "planned")

    def weight(m: int) -> Fraction:
        return max((w for s, e, k, w in closed if k != "planned" and s <= m < e),
                   default=Fraction(0))

    agreed = 0
    down = Fraction(0)
    broken = []  # minute -> (in a positive-impact outage, counted)
    for m in range(ws, we):
        counted = is_open(m) and not is_planned(m)
        if counted or (is_open(m) and planned == "count_as_up"):
            agreed += 1
        if counted:
            down += weight(m)
        broken.append((weight(m) > 0, counted and weight(m) > 0))
    failures = 0
    in_component = False
    component_counted = False
    for positive, counted in [*broken, (False, False)]:
        if positive:
            in_component = True
            component_counted = component_counted or counted
        else:
            if in_component and component_counted:
                failures += 1
            in_component = component_counted = False
    return agreed, down, failures


def build(specs: list[tuple[int, int | None, str, Fraction]]) -> list[Outage]:
    return [Outage(at(s), None if e is None else at(e), kind=k, impact=w) for s, e, k, w in specs]


class TestAgainstOracle:
    @given(
        specs=st.lists(outage_specs(), max_size=8),
        window=st.tuples(st.integers(0, 60), st.integers(0, 60)).map(
            lambda p: (min(p), min(p) + abs(p[0] - p[1]) + 10)),
        hours=st.one_of(st.none(), st.lists(st.tuples(st.integers(0, 100), st.integers(1, 20)),
                                            max_size=4)),
        planned=st.sampled_from(["exclude", "count_as_up"]),
        as_of=st.integers(0, 120),
    )
    def test_matches_minute_stepping(self, specs: list[tuple[int, int | None, str, Fraction]],
                                     window: tuple[int, int],
                                     hours: list[tuple[int, int]] | None, planned: str,
                                     as_of: int) -> None:
        open_minutes = None if hours is None else [(a, a + n) for a, n in hours]
        calendar = None if open_minutes is None else FixedHours(open_minutes)
        ws, we = window
        m = measure(build(specs), at(ws), at(we), calendar, planned=planned,  # type: ignore[arg-type]
                    as_of=at(as_of))
        agreed, down, failures = reference(specs, ws, we, open_minutes, planned, as_of)
        assert m.agreed_time == timedelta(minutes=agreed)
        assert exact_downtime_us(m) == down * MINUTE
        assert m.downtime == us(down)
        assert m.failures == failures
        assert m.availability == (None if agreed == 0 else 1 - down / agreed)
        if m.availability is not None:
            assert 0 <= m.availability <= 1
        has_open = any(e is None and s < min(we, as_of) for s, e, _, _ in specs)
        assert m.provisional == (as_of < we or has_open)

    @given(specs=st.lists(outage_specs(many_impacts=True), max_size=30))
    def test_many_impact_levels(self, specs: list[tuple[int, int | None, str, Fraction]]) -> None:
        m = measure(build(specs), at(0), at(120), as_of=at(120))
        agreed, down, failures = reference(specs, 0, 120, None, "exclude", 120)
        assert (m.agreed_time, m.downtime, m.failures) == (timedelta(minutes=agreed), us(down),
                                                           failures)
        assert exact_downtime_us(m) == down * MINUTE
        assert m.availability == (None if agreed == 0 else 1 - down / agreed)

    @given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 10),
                              st.integers(1, 40).map(lambda n: Fraction(n, 40))), max_size=40))
    def test_heap_sweep_equals_layer_cake(self, raw: list[tuple[int, int, Fraction]]) -> None:
        levels: dict[Fraction, list[tuple[int, int]]] = {}
        for s, n, w in raw:
            levels.setdefault(w, []).append((s, s + n))
        got = _where_largest({w: ([s for s, _ in p], [e for _, e in p])
                              for w, p in levels.items()})
        covered = IntervalSet.empty()
        for w in sorted(levels, reverse=True):  # the layer cake, written out plainly
            union = covered | IntervalSet.from_pairs(levels[w])
            assert got[w] == union - covered
            covered = union

    @given(specs=st.lists(outage_specs(), max_size=8), cut=st.integers(0, 120))
    def test_additive_over_adjacent_windows(
            self, specs: list[tuple[int, int | None, str, Fraction]], cut: int) -> None:
        outages = build(specs)
        whole = measure(outages, at(0), at(120), as_of=at(200))
        left = measure(outages, at(0), at(cut), as_of=at(200))
        right = measure(outages, at(cut), at(120), as_of=at(200))
        assert whole.agreed_time == left.agreed_time + right.agreed_time
        assert exact_downtime_us(whole) == exact_downtime_us(left) + exact_downtime_us(right)
        assert whole.failures <= left.failures + right.failures

    @given(specs=st.lists(outage_specs(), max_size=8), seed=st.randoms())
    def test_order_does_not_matter(self, specs: list[tuple[int, int | None, str, Fraction]],
                                   seed: object) -> None:
        outages = build(specs)
        shuffled = list(outages)
        seed.shuffle(shuffled)  # type: ignore[attr-defined]
        assert measure(outages, at(0), at(120), as_of=at(90)) == measure(
            shuffled, at(0), at(120), as_of=at(90))


class TestSemantics:
    def test_itil_figures(self) -> None:
        # 24x7 for 100 h, two breaks of 2 h and 3 h:
        # availability = (AST - DT) / AST = 95/100; MTRS = DT / n = 2.5 h;
        # MTBF = (AST - DT) / n = 47.5 h; MTBSI = AST / n = 50 h = MTBF + MTRS.
        outages = [Outage(at(60 * 10), at(60 * 12)), Outage(at(60 * 50), at(60 * 53))]
        m = measure(outages, at(0), at(60 * 100))
        assert m.availability == Fraction(95, 100)
        assert m.failures == 2
        assert m.mtrs == timedelta(hours=2.5)
        assert m.mtbf == timedelta(hours=47.5)
        assert m.mtbsi == timedelta(hours=50)
        assert m.mtbsi == m.mtbf + m.mtrs  # type: ignore[operator]

    def test_downtime_outside_business_hours_does_not_count(self) -> None:
        hours = FixedHours([(0, 60), (120, 180)])
        m = measure([Outage(at(30), at(150))], at(0), at(240), hours)
        assert m.agreed_time == timedelta(hours=2)
        assert m.downtime == timedelta(minutes=60)
        assert m.failures == 1  # one break, even though closed hours split it
        assert [(s, e) for s, e, _ in m.intervals] == [(at(30), at(60)), (at(120), at(150))]

    def test_break_entirely_outside_hours_is_not_a_failure(self) -> None:
        m = measure([Outage(at(70), at(100))], at(0), at(240), FixedHours([(0, 60)]))
        assert m.failures == 0
        assert m.availability == 1
        assert m.mtbf is None and m.mtrs is None and m.mtbsi is None

    def test_largest_impact_wins(self) -> None:
        outages = [Outage(at(0), at(60), kind="degraded", impact="50%"),
                   Outage(at(30), at(90), kind="degraded", impact="25%"),
                   Outage(at(40), at(50))]
        m = measure(outages, at(0), at(120))
        # 0-40 at 1/2, 40-50 at 1, 50-60 at 1/2, 60-90 at 1/4
        assert exact_downtime_us(m) == (40 * Fraction(1, 2) + 10 + 10 * Fraction(1, 2)
                                        + 30 * Fraction(1, 4)) * MINUTE
        assert m.availability == 1 - (40 * Fraction(1, 2) + 10 + 10 * Fraction(1, 2)
                                      + 30 * Fraction(1, 4)) / 120
        assert m.failures == 1
        assert [w for _, _, w in m.intervals] == [Fraction(1, 2), 1, Fraction(1, 2),
                                                  Fraction(1, 4)]

    def test_planned_wins_over_unplanned(self) -> None:
        outages = [Outage(at(0), at(60), kind="planned"), Outage(at(30), at(90))]
        excluded = measure(outages, at(0), at(120))
        as_up = measure(outages, at(0), at(120), planned="count_as_up")
        assert excluded.downtime == as_up.downtime == timedelta(minutes=30)
        assert excluded.agreed_time == timedelta(minutes=60)
        assert as_up.agreed_time == timedelta(minutes=120)
        assert excluded.planned_intervals == ((at(0), at(60)),)
        assert excluded.agreed_intervals == ((at(60), at(120)),)

    def test_zero_agreed_time(self) -> None:
        m = measure([Outage(at(0), at(10))], at(0), at(60), FixedHours([]))
        assert m.availability is None
        assert m.failures == 0
        assert m.to_dict()["availability"] is None

    def test_open_outage_clipped_at_as_of(self) -> None:
        m = measure([Outage(at(30))], at(0), at(60), as_of=at(100))
        assert m.downtime == timedelta(minutes=30)
        assert m.provisional
        closed = measure([Outage(at(30), at(40))], at(0), at(60), as_of=at(100))
        assert not closed.provisional

    def test_window_cut_at_as_of(self) -> None:
        m = measure([Outage(at(10), at(20))], at(0), at(60), as_of=at(40))
        assert m.agreed_time == timedelta(minutes=40)
        assert m.end == at(40)
        assert m.provisional

    def test_service_filter(self) -> None:
        outages = [Outage(at(0), at(10), service="mail"), Outage(at(20), at(30), service="web")]
        assert measure(outages, at(0), at(60), service="web").intervals[0][0] == at(20)

    def test_result_zone_is_calendars(self) -> None:
        class Tokyo(FixedHours):
            timezone = timezone(timedelta(hours=9))

        m = measure([], at(0), at(60), Tokyo([(0, 60)]))
        assert m.start.utcoffset() == timedelta(hours=9)

    def test_to_dict(self) -> None:
        outages = [Outage(at(0), at(60), kind="planned"),
                   Outage(at(60), at(90), kind="degraded", impact=Fraction(1, 3))]
        d = measure(outages, at(0), at(120)).to_dict()
        assert d["availability"] == str(Fraction(50, 60))
        assert d["downtime"] == "PT10M"
        assert d["planned_intervals"] == [{"start": at(0).isoformat(), "end": at(60).isoformat()}]
        assert d["intervals"] == [{"start": at(60).isoformat(), "end": at(90).isoformat(),
                                   "impact": "1/3"}]
        assert d["failures"] == 1 and d["mtrs"] == "PT10M" and d["mtbsi"] == "PT1H"

    def test_result_is_frozen_and_hashable(self) -> None:
        m = measure([Outage(at(0), at(10))], at(0), at(60))
        assert isinstance(m, Measurement)
        assert hash(m) == hash(measure([Outage(at(0), at(10))], at(0), at(60)))


class TestSignature:
    def test_planned_and_as_of_are_positional(self) -> None:
        outages = [Outage(at(0), at(20), kind="planned"), Outage(at(10), at(30)), Outage(at(50))]
        positional = measure(outages, at(0), at(60), None, "count_as_up", at(55))
        keywords = measure(outages, at(0), at(60), planned="count_as_up", as_of=at(55))
        assert positional == keywords
        assert positional.availability == Fraction(40, 55)

    def test_service_stays_keyword_only(self) -> None:
        with pytest.raises(TypeError):
            measure([], at(0), at(10), None, "exclude", None, "mail")  # type: ignore[misc]


class TestEqualImpactsGroupTogether:
    def test_equal_ratios_in_different_forms_are_one_level(self) -> None:
        outages = [Outage(at(0), at(10), kind="degraded", impact=Fraction(1, 2)),
                   Outage(at(5), at(20), kind="degraded", impact="50%"),
                   Outage(at(15), at(30), kind="degraded", impact=0.5),
                   Outage(at(40), at(50), kind="degraded", impact=Fraction(2, 4))]
        m = measure(outages, at(0), at(60))
        assert m.intervals == ((at(0), at(30), Fraction(1, 2)), (at(40), at(50), Fraction(1, 2)))
        assert exact_downtime_us(m) == 20 * MINUTE
        assert m.availability == Fraction(40, 60)
        assert m.failures == 2


class TestErrors:
    def test_open_outage_without_as_of(self) -> None:
        with pytest.raises(InvalidArgumentError, match=r"outages\[1\].*still open.*as_of"):
            measure([Outage(at(0), at(1)), Outage(at(5))], at(0), at(60))

    def test_naive_window(self) -> None:
        with pytest.raises(ItsmError, match="start"):
            measure([], datetime(2025, 1, 1), at(0))

    def test_reversed_window(self) -> None:
        with pytest.raises(InvalidArgumentError, match="end"):
            measure([], at(10), at(0))

    def test_bad_mode(self) -> None:
        with pytest.raises(InvalidArgumentError, match="planned"):
            measure([], at(0), at(10), planned="ignore")  # type: ignore[arg-type]

    def test_not_an_outage(self) -> None:
        with pytest.raises(ArgumentTypeError, match=r"outages\[0\]"):
            measure([(at(0), at(1))], at(0), at(10))  # type: ignore[list-item]


class TestOutage:
    def test_validation(self) -> None:
        with pytest.raises(InvalidArgumentError, match="before start"):
            Outage(at(10), at(0))
        with pytest.raises(ConfigError, match="impact"):
            Outage(at(0), impact="120%")
        with pytest.raises(InvalidArgumentError, match="planned outage has impact 1"):
            Outage(at(0), kind="planned", impact=0.5)
        with pytest.raises(ItsmError, match="start"):
            Outage(datetime(2025, 1, 1))
        with pytest.raises(ConfigError, match="service"):
            Outage(at(0), service="")

    def test_impact_exact(self) -> None:
        assert Outage(at(0), impact=0.1).impact == Fraction(1, 10)

    @given(st.one_of(st.fractions(-1, 2), st.integers(-2, 3), st.booleans(),
                     st.floats(allow_nan=True), st.sampled_from(["50%", "1", "0", "1/3", "x"])),
           st.sampled_from(["unplanned", "degraded", "planned", " Degraded ", "outage"]))
    def test_fast_paths_agree_with_parse_ratio(self, impact: object, kind: str) -> None:
        """The construction fast paths accept, normalise and refuse exactly as parse_ratio."""
        try:
            expected = parse_ratio(impact, "impact")
        except ConfigError:
            with pytest.raises(ConfigError, match=r"impact|kind"):
                Outage(at(0), kind=kind, impact=impact)
            return
        if kind == "outage":
            with pytest.raises(ConfigError, match="kind"):
                Outage(at(0), kind=kind, impact=impact)
            return
        if kind == "planned" and expected != 1:
            with pytest.raises(InvalidArgumentError, match="planned outage has impact 1"):
                Outage(at(0), kind=kind, impact=impact)
            return
        outage = Outage(at(0), at(1), kind=kind, impact=impact)
        assert outage.impact == expected
        assert type(outage.impact) is Fraction
        assert outage.kind is OutageKind(kind.strip().lower())
        # the outage counts as its kind and impact say: planned maintenance leaves no
        # agreed time, anything else is down for its impact's share of the minute
        m = measure([outage], at(0), at(1))
        if kind == "planned":
            assert (m.agreed_time, m.availability, m.failures) == (timedelta(0), None, 0)
        else:
            assert m.availability == 1 - expected
            assert m.failures == (1 if expected else 0)

    @pytest.mark.parametrize(("start", "end", "error", "name"), [
        (datetime(2025, 1, 1), None, NaiveDatetimeError, "start"),
        (BASE, datetime(2025, 1, 1), NaiveDatetimeError, "end"),
        (BASE.date(), None, ArgumentTypeError, "start"),
        (BASE, "2025-01-01", ArgumentTypeError, "end"),
    ])
    def test_instant_errors_name_the_field(self, start: object, end: object,
                                           error: type[Exception], name: str) -> None:
        with pytest.raises(error, match=f"^{name}: "):
            Outage(start, end)  # type: ignore[arg-type]

    def test_datetime_subclasses(self) -> None:
        import pandas as pd  # noqa: PLC0415 - optional dependency
        import pendulum  # noqa: PLC0415 - optional dependency

        stamp = pd.Timestamp("2025-03-03T01:00:00.000001999Z")  # nanoseconds are dropped
        outage = Outage(pendulum.datetime(2025, 3, 3, tz="UTC"), stamp)
        m = measure([outage], BASE, BASE + timedelta(hours=2))
        assert m.intervals == ((BASE, BASE + timedelta(hours=1, microseconds=1), Fraction(1)),)
        assert m.downtime == timedelta(hours=1, microseconds=1)

    @given(st.lists(outage_specs(), min_size=1, max_size=1))
    def test_dict_round_trip(self, specs: list[tuple[int, int | None, str, Fraction]]) -> None:
        outage = build(specs)[0]
        assert Outage.from_dict(outage.to_dict()) == outage

    @pytest.mark.parametrize(("data", "path"), [
        ({}, "outage.start"),
        ({"start": "yesterday"}, "outage.start"),
        ({"start": "2025-01-01T00:00:00"}, "outage.start"),
        ({"start": "2025-01-01T00:00:00+00:00", "kind": "x"}, "outage.kind"),
        ({"start": "2025-01-01T00:00:00+00:00", "colour": "red"}, "outage.colour"),
        ([], "outage"),
    ])
    def test_from_dict_errors(self, data: object, path: str) -> None:
        with pytest.raises(ConfigError) as info:
            Outage.from_dict(data)
        assert info.value.path == path


class TestWithBusinessCalendar:
    def test_overnight_outage_counts_business_hours_only(self) -> None:
        london = ZoneInfo("Europe/London")
        cal = BusinessCalendar.from_dict({
            "timezone": "Europe/London",
            "hours": {d: [["09:00", "17:00"]] for d in ["mon", "tue", "wed", "thu", "fri"]},
        })
        week = datetime(2025, 3, 24, tzinfo=london)  # the week after the DST change
        outage = Outage(datetime(2025, 3, 24, 16, tzinfo=london),
                        datetime(2025, 3, 25, 10, tzinfo=london))
        m = measure([outage], week, week + timedelta(days=7), cal)
        assert m.agreed_time == timedelta(hours=40)
        assert m.downtime == timedelta(hours=2)
        assert m.failures == 1
        assert m.availability == Fraction(38, 40)
        assert m.start.tzinfo == london


class ThroughDatetimes:
    """Any AgreedTimeCalendar: delegates to a BusinessCalendar through datetimes only."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.timezone = calendar.timezone

    def open_intervals(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
        return self.calendar.open_intervals(a, b)

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        return self.calendar.elapsed(a, b)


class TestOneCalendarProtocol:
    @given(specs=st.lists(outage_specs(), max_size=8), hours=st.integers(1, 23))
    def test_business_calendar_and_any_calendar_agree(
            self, specs: list[tuple[int, int | None, str, Fraction]], hours: int) -> None:
        cal = BusinessCalendar.from_dict({"timezone": "Europe/London",
                                          "hours": {"mon": [["00:30", f"{hours:02d}:00"]]}})
        fast = measure(build(specs), at(0), at(120), cal, as_of=at(100))
        general = measure(build(specs), at(0), at(120), ThroughDatetimes(cal), as_of=at(100))
        assert fast == general
        assert measure([], at(0), at(120), cal, as_of=at(100)).agreed_time == cal.elapsed(
            at(0), at(100))

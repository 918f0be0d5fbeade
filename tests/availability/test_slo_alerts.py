"""Tests for multiwindow multi-burn-rate alerts (itsm_core.availability.alerts)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.availability import RequestSeries
from itsm_core.availability.alerts import AlertPolicy, BurnRateRule
from itsm_core.errors import ConfigError, InvalidArgumentError

UTC = timezone.utc
T0 = datetime(2025, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


class TestWorkbookDefaults:
    # Google, "The Site Reliability Workbook" (O'Reilly 2018), chapter 5 "Alerting on SLOs",
    # https://sre.google/workbook/alerting-on-slos/ — recommended multiwindow, multi-burn-rate
    # parameters for a 30-day SLO: page 14.4 over 1 h (5 min short window, 2% of the budget),
    # page 6 over 6 h (30 min, 5%), ticket 1 over 3 days (6 h, 10%).
    def test_thresholds(self) -> None:
        rules = AlertPolicy.workbook().rules
        assert [(r.severity, r.long_window, r.short_window, r.burn_rate) for r in rules] == [
            ("page", HOUR, timedelta(minutes=5), Fraction("14.4")),
            ("page", 6 * HOUR, timedelta(minutes=30), Fraction(6)),
            ("ticket", timedelta(days=3), 6 * HOUR, Fraction(1)),
        ]

    def test_derivations(self) -> None:
        # 14.4 = 0.02 x 720 h / 1 h; 6 = 0.05 x 720 / 6; 1 = 0.10 x 720 / 72
        assert Fraction("0.02") * 720 / 1 == Fraction("14.4")
        period = timedelta(days=30)
        assert [r.budget_consumed(period) for r in AlertPolicy.workbook().rules] == [
            Fraction(2, 100), Fraction(5, 100), Fraction(10, 100)]

    def test_other_period(self) -> None:
        # a 28-day SLO: 2% of 672 h in 1 h is a burn rate of 13.44
        assert AlertPolicy.workbook(timedelta(days=28)).rules[0].burn_rate == Fraction("13.44")

    def test_detection_time_full_outage(self) -> None:
        # 100% errors against 99.9%: the 1 h window passes 1.44% errors after 0.0144 h.
        rule = AlertPolicy.workbook().rules[0]
        assert rule.detection_time("99.9%", 1) == timedelta(seconds=51.84)
        assert rule.detection_time("99.9%", Fraction("0.0144")) is None  # never exceeds
        assert AlertPolicy.workbook().rules[2].detection_time("99.9%", 1) == timedelta(
            seconds=259.2)

    def test_detection_times_of_the_workbook_single_window_approaches(self) -> None:
        # Workbook ch. 5, approach 1 (error rate >= SLO over 10 minutes): a full outage is
        # detected in 0.6 seconds; approach 2 (36-hour window): 2 minutes 10 seconds
        # (129.6 s exactly).
        ten_min = BurnRateRule(name="a1", severity="page", long_window=timedelta(minutes=10),
                               short_window=timedelta(minutes=10), burn_rate=1)
        assert ten_min.detection_time("99.9%", 1) == timedelta(seconds=0.6)
        wide = BurnRateRule(name="a2", severity="page", long_window=36 * HOUR,
                            short_window=36 * HOUR, burn_rate=1)
        assert wide.detection_time("99.9%", 1) == timedelta(seconds=129.6)

    def test_zero_budget_detects_at_once(self) -> None:
        assert AlertPolicy.workbook().rules[0].detection_time("100%", Fraction(1, 10**6)) == \
            timedelta(0)
        assert AlertPolicy.workbook().rules[0].detection_time("100%", 0) is None

    def test_describe(self) -> None:
        assert AlertPolicy.workbook().describe() == [
            "page-1h (page): burn rate > 14.4 over 1:00:00 and 0:05:00 (2% of the budget)",
            "page-6h (page): burn rate > 6 over 6:00:00 and 0:30:00 (5% of the budget)",
            "ticket-3d (ticket): burn rate > 1 over 3 days, 0:00:00 and 6:00:00 "
            "(10% of the budget)",
        ]


def per_second(bad_from: int, seconds: int, per: int = 100) -> RequestSeries:
    """One sample a second from T0 for *seconds*; every request bad from second *bad_from*."""
    return RequestSeries.from_samples(
        [(T0 + timedelta(seconds=s), 0 if s >= bad_from else per, per) for s in range(seconds)])


class TestEvaluate:
    def test_fires_exactly_at_the_detection_time(self) -> None:
        policy = AlertPolicy(period=timedelta(days=30), rules=(AlertPolicy.workbook().rules[0],))
        series = per_second(bad_from=3600, seconds=3600 + 120)
        start = T0 + timedelta(seconds=3600)
        # bad samples at 3600..3600+k-1 are in the window at as_of = start + k s;
        # k / 3600 > 0.0144 first at k = 52 (detection time 51.84 s)
        assert not policy.status("99.9%", series, start + timedelta(seconds=51)).firing
        fired = policy.status("99.9%", series, start + timedelta(seconds=52))
        assert [r.name for r in fired.firing] == ["page-1h"]
        result = fired.results[0]
        assert result.long_burn_rate == Fraction(52, 3600) * 1000
        assert result.short_burn_rate == Fraction(52, 300) * 1000

    def test_short_window_resets_the_alert(self) -> None:
        # a burst that has stopped: the long window still burns, the short one is clean
        policy = AlertPolicy.workbook()
        samples = [(T0 + timedelta(minutes=m), 0 if 30 <= m < 50 else 100, 100) for m in range(60)]
        series = RequestSeries.from_samples(samples)
        ev = policy.status("99.9%", series, T0 + timedelta(minutes=60))
        first = ev.results[0]
        assert first.long_burn_rate is not None and first.long_burn_rate > 14
        assert first.short_burn_rate == 0
        assert not first.firing

    def test_no_traffic_never_fires(self) -> None:
        ev = AlertPolicy.workbook().status("99.9%", RequestSeries.from_samples([]), T0)
        assert ev.firing == ()
        assert all(r.long_burn_rate is None for r in ev.results)

    def test_zero_budget(self) -> None:
        series = RequestSeries.from_samples([(T0 - timedelta(minutes=1), 999_999, 1_000_000)])
        ev = AlertPolicy.workbook().status("100%", series, T0)
        assert ev.severities == ("page", "ticket")
        assert ev.results[0].long_burn_rate is None
        clean = RequestSeries.from_samples([(T0 - timedelta(minutes=1), 5, 5)])
        assert AlertPolicy.workbook().status("100%", clean, T0).firing == ()

    @given(st.lists(st.tuples(st.integers(0, 4 * 24 * 60), st.integers(0, 20),
                              st.integers(0, 20)).map(lambda s: (s[0], min(s[1], s[2]), s[2])),
                    max_size=60),
           st.sampled_from(["99%", "99.9%", "95%", "100%"]))
    def test_against_naive_window_sums(self, samples: list[tuple[int, int, int]],
                                       target: str) -> None:
        series = RequestSeries.from_samples(
            [(T0 + timedelta(minutes=m), g, n) for m, g, n in samples])
        as_of = T0 + timedelta(days=4)
        budget = 1 - {"99%": Fraction(99, 100), "99.9%": Fraction(999, 1000),
                      "95%": Fraction(95, 100), "100%": Fraction(1)}[target]
        ev = AlertPolicy.workbook().status(target, series, as_of)
        for result in ev.results:
            def exceeds(window: timedelta, rate: Fraction = result.rule.burn_rate) -> bool:
                lo = as_of - window
                inside = [(g, n) for m, g, n in samples
                          if lo <= T0 + timedelta(minutes=m) < as_of]
                bad = sum(n - g for g, n in inside)
                total = sum(n for _, n in inside)
                if total == 0:
                    return False
                if budget == 0:
                    return bad > 0
                return Fraction(bad, total) / budget > rate
            assert result.firing == (exceeds(result.rule.long_window)
                                     and exceeds(result.rule.short_window))


class TestConfig:
    def test_round_trip(self) -> None:
        policy = AlertPolicy.workbook()
        assert AlertPolicy.from_dict(policy.to_dict()) == policy

    def test_budget_form(self) -> None:
        policy = AlertPolicy.from_dict({"period": "P30D", "rules": [
            {"name": "fast", "severity": "page", "long_window": "PT1H", "short_window": "PT5M",
             "budget_consumed": "2%"},
            {"name": "slow", "severity": "ticket", "long_window": "P3D", "short_window": "PT6H",
             "burn_rate": 1}]})
        assert policy == AlertPolicy(period=timedelta(days=30), rules=(
            BurnRateRule(name="fast", severity="page", long_window=HOUR,
                         short_window=timedelta(minutes=5), burn_rate="14.4"),
            BurnRateRule(name="slow", severity="ticket", long_window=timedelta(days=3),
                         short_window=6 * HOUR, burn_rate=1)))

    @pytest.mark.parametrize(
        ("data", "path"),
        [({"period": "P30D"}, "alerts"),
         ([], "alerts"),
         ({"period": "P1M", "rules": []}, r"alerts\.period"),
         ({"period": "P30D", "rules": {}}, r"alerts\.rules"),
         ({"period": "P30D", "rules": [{"name": "x"}]}, r"alerts\.rules\[0\]"),
         ({"period": "P30D", "rules": [{"name": "x", "severity": "page", "long_window": "PT1H",
                                        "short_window": "PT5M", "burn_rate": 1,
                                        "budget_consumed": "2%"}]}, r"alerts\.rules\[0\]"),
         ({"period": "P30D", "rules": [{"name": "x", "severity": "page", "long_window": "PT1H",
                                        "short_window": "PT2H", "burn_rate": 1}]},
          r"alerts\.rules\[0\]"),
         ({"period": "P30D", "rules": [{"name": "x", "severity": "page", "long_window": "PT1H",
                                        "short_window": "PT5M", "burn_rate": "fast"}]},
          r"alerts\.rules\[0\]"),
         ({"period": "P30D", "rules": [{"name": "x", "severity": "page", "long_window": "PT1H",
                                        "short_window": "PT5M", "budget_consumed": "200%"}]},
          r"alerts\.rules\[0\]\.budget_consumed"),
         ({"period": "P30D", "rules": [{"name": "x", "severity": "page", "long_window": "PT0S",
                                        "short_window": "PT0S", "burn_rate": 1}]},
          r"alerts\.rules\[0\]")],
    )
    def test_errors_name_the_path(self, data: object, path: str) -> None:
        with pytest.raises(ConfigError, match=path):
            AlertPolicy.from_dict(data)

    def test_rule_validation(self) -> None:
        with pytest.raises(InvalidArgumentError, match="short_window"):
            BurnRateRule(name="x", severity="page", long_window=HOUR, short_window=2 * HOUR,
                         burn_rate=1)
        with pytest.raises(InvalidArgumentError, match="burn_rate"):
            BurnRateRule(name="x", severity="page", long_window=HOUR, short_window=HOUR,
                         burn_rate=-1)
        with pytest.raises(InvalidArgumentError, match="period"):
            AlertPolicy(period=timedelta(0), rules=())

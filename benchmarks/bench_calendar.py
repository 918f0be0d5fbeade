"""Business-calendar speed: itsm_core against businesstimedelta and pandas CustomBusinessHour.

Workload (issue 2): Mon-Fri 09:00-17:00 Europe/London with England's bank holidays; 20,000
tickets opened at random minutes of 2025 (fixed seed) and closed after an exponential wait
(mean 3 days, rounded to the minute).  For each tool, per-query cost of

* ``elapsed(open, close)`` — business time between the two instants;
* ``add(open, d)`` — the due date after *d* business time (d: exponential, mean one business
  day, rounded to whole hours, at least 1 h, because pandas' ``CustomBusinessHour`` moves in
  whole hours).

Each tool's duration object (a ``timedelta``, a ``BusinessTimeDelta``, ``n * CustomBusinessHour``)
is built before timing. Medians come from ``time.perf_counter_ns`` around each call (its own ~0.1 µs overhead is
included); means from one timed batch.  itsm_core runs all 20,000 tickets; the rivals run the
first ``RIVAL_SAMPLE`` (they are orders of magnitude slower), and all three are compared on that
sample.  Also: compiling ten years of calendar (a fresh calendar, forced by one ``elapsed`` over
2025-2034), and the integer fast paths engine (``_engine.elapsed`` / ``_engine.add``).

How each rival is used, as its documentation says:

* businesstimedelta: ``WorkDayRule(09:00, 17:00, Mon-Fri, tz=pytz London)`` +
  ``HolidayRule(dates, tz=...)`` in ``Rules``; ``rules.difference(a, b).timedelta`` and
  ``a + BusinessTimeDelta(rules, hours=h)``.
* pandas: ``CustomBusinessHour(start="09:00", end="17:00", holidays=...)``; add is
  ``ts + h * cbh`` on a London-aware Timestamp.  pandas has no business-time difference, so
  elapsed is the obvious exact way: a minute ``date_range`` between the two local times, masked
  by weekday, hour and holiday, counted.

Run: ``.venv/bin/python benchmarks/bench_calendar.py`` (about ten seconds).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

import businesstimedelta as btd
import holidays
import numpy as np
import pandas as pd
import pytz  # type: ignore[import-untyped]

from itsm_core import BusinessCalendar

SEED = 2
TICKETS = 20_000
RIVAL_SAMPLE = 2_000
MEAN_WAIT = timedelta(days=3)
MEAN_TARGET_HOURS = 8
LONDON = "Europe/London"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
CONFIG: dict[str, Any] = {
    "timezone": LONDON,
    "hours": {d: [["09:00", "17:00"]] for d in WEEKDAYS},
    "holidays": [{"country": "GB", "subdivision": "ENG"}],
}
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
US = timedelta(microseconds=1)


def us(value: datetime) -> int:
    return (value - EPOCH) // US


# -- workload -----------------------------------------------------------------------------------

def tickets() -> list[tuple[datetime, datetime, int]]:
    """(opened, closed, target hours): UTC datetimes on whole minutes, fixed seed."""
    rng = random.Random(SEED)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    minutes_2025 = 365 * 24 * 60
    mean_wait_min = MEAN_WAIT / timedelta(minutes=1)
    out = []
    for _ in range(TICKETS):
        opened = start + timedelta(minutes=rng.randrange(minutes_2025))
        closed = opened + timedelta(minutes=round(rng.expovariate(1 / mean_wait_min)))
        hours = max(1, round(rng.expovariate(1 / MEAN_TARGET_HOURS)))
        out.append((opened, closed, hours))
    return out


def england_holidays() -> list[date]:
    return sorted(holidays.country_holidays("GB", subdiv="ENG", years=range(2024, 2028)))


# -- timing -------------------------------------------------------------------------------------

def per_call(fn: Callable[..., Any], args: Sequence[tuple[Any, ...]]) -> tuple[list[Any], float, float]:
    """Results, median ns per call (per-call timer), mean ns per call (one batch)."""
    results, samples = [], []
    clock = time.perf_counter_ns
    for a in args:
        t0 = clock()
        r = fn(*a)
        samples.append(clock() - t0)
        results.append(r)
    t0 = clock()
    for a in args:
        fn(*a)
    mean = (clock() - t0) / len(args)
    return results, statistics.median(samples), mean


# -- the tools ----------------------------------------------------------------------------------

class ItsmCore:
    name = "itsm_core"

    def __init__(self) -> None:
        self.cal = BusinessCalendar.from_dict(CONFIG)
        self.cal.elapsed(datetime(2024, 1, 1, tzinfo=timezone.utc),
                         datetime(2027, 1, 1, tzinfo=timezone.utc))  # warm the timeline

        # the queries themselves, timed without an adapter call in between
        self.elapsed = self.cal.elapsed
        self.add = self.cal.add

    @staticmethod
    def duration(hours: int) -> timedelta:
        return timedelta(hours=hours)


class BusinessTimeDeltaTool:
    name = "businesstimedelta"

    def __init__(self, holiday_dates: list[date]) -> None:
        tz = pytz.timezone(LONDON)
        workday = btd.WorkDayRule(start_time=datetime.min.time().replace(hour=9),
                                  end_time=datetime.min.time().replace(hour=17),
                                  working_days=[0, 1, 2, 3, 4], tz=tz)
        bank = btd.HolidayRule(holiday_dates, tz=tz)
        self.rules = btd.Rules([workday, bank])

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        result: timedelta = self.rules.difference(a, b).timedelta
        return result

    def duration(self, hours: int) -> Any:
        return btd.BusinessTimeDelta(self.rules, hours=hours)

    def add(self, t: datetime, d: Any) -> datetime:
        result: datetime = t + d
        return result


class PandasTool:
    name = "pandas CBH"

    def __init__(self, holiday_dates: list[date]) -> None:
        self.cbh = pd.offsets.CustomBusinessHour(start="09:00", end="17:00",
                                                 holidays=holiday_dates)
        self.holidays = np.array(holiday_dates, dtype="datetime64[D]")

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        minutes = pd.date_range(pd.Timestamp(a).tz_convert(LONDON),
                                pd.Timestamp(b).tz_convert(LONDON), freq="min",
                                inclusive="left")
        local = minutes.tz_localize(None)
        open_mask = ((local.day_of_week < 5) & (local.hour >= 9) & (local.hour < 17)
                     & ~np.isin(local.normalize().values.astype("datetime64[D]"), self.holidays))
        return timedelta(minutes=int(open_mask.sum()))

    def duration(self, hours: int) -> Any:
        return hours * self.cbh

    def add(self, t: datetime, d: Any) -> datetime:
        result: datetime = (pd.Timestamp(t).tz_convert(LONDON) + d).to_pydatetime()
        return result


# -- report -------------------------------------------------------------------------------------

def fmt_ns(ns: float) -> str:
    return f"{ns / 1000:10.2f} µs"


def main() -> None:
    work = tickets()
    hols = england_holidays()
    ours, bt, pdt = ItsmCore(), BusinessTimeDeltaTool(hols), PandasTool(hols)
    sample = work[:RIVAL_SAMPLE]

    rows: dict[str, dict[str, tuple[float, float]]] = {}
    answers: dict[str, dict[str, list[Any]]] = {}
    for tool, load in ((ours, work), (bt, sample), (pdt, sample)):
        e_res, e_med, e_mean = per_call(tool.elapsed, [(o, c) for o, c, _ in load])
        # each tool's duration object is built outside the timed call
        a_res, a_med, a_mean = per_call(tool.add, [(o, tool.duration(h)) for o, _, h in load])
        rows[tool.name] = {"elapsed": (e_med, e_mean), "add": (a_med, a_mean)}
        answers[tool.name] = {"elapsed": e_res[:RIVAL_SAMPLE], "add": a_res[:RIVAL_SAMPLE]}

    cal = ours.cal
    fast = [(us(o), us(c), h * 3_600_000_000) for o, c, h in work]
    _, eu_med, eu_mean = per_call(cal._engine.elapsed, [(o, c) for o, c, _ in fast])
    _, au_med, au_mean = per_call(cal._engine.add, [(o, d) for o, _, d in fast])

    compile_ms = []
    for _ in range(5):
        t0 = time.perf_counter_ns()
        fresh = BusinessCalendar.from_dict(CONFIG)
        fresh.elapsed(datetime(2025, 1, 1, tzinfo=timezone.utc),
                      datetime(2035, 1, 1, tzinfo=timezone.utc))
        compile_ms.append((time.perf_counter_ns() - t0) / 1e6)

    print(f"Workload: {TICKETS} tickets in 2025, Mon-Fri 09-17 Europe/London + England holidays;"
          f" rivals on the first {RIVAL_SAMPLE}; seed {SEED}")
    print(f"{'tool':<20}{'elapsed median':>16}{'elapsed mean':>16}{'add median':>16}"
          f"{'add mean':>16}")
    for name, r in rows.items():
        print(f"{name:<20}{fmt_ns(r['elapsed'][0]):>16}{fmt_ns(r['elapsed'][1]):>16}"
              f"{fmt_ns(r['add'][0]):>16}{fmt_ns(r['add'][1]):>16}")
    print(f"{'itsm_core _us paths':<20}{fmt_ns(eu_med):>16}{fmt_ns(eu_mean):>16}"
          f"{fmt_ns(au_med):>16}{fmt_ns(au_mean):>16}")
    base = rows["itsm_core"]
    for name in ("businesstimedelta", "pandas CBH"):
        r = rows[name]
        print(f"itsm_core faster than {name}: elapsed {r['elapsed'][0] / base['elapsed'][0]:.0f}x"
              f" (median) / {r['elapsed'][1] / base['elapsed'][1]:.0f}x (mean); add "
              f"{r['add'][0] / base['add'][0]:.0f}x (median) / "
              f"{r['add'][1] / base['add'][1]:.0f}x (mean)")
    print(f"compile ten years (fresh calendar, elapsed 2025-01-01..2035-01-01): "
          f"min {min(compile_ms):.1f} ms, median {statistics.median(compile_ms):.1f} ms")

    report_agreement(answers, cal)


def report_agreement(answers: dict[str, dict[str, list[Any]]], cal: BusinessCalendar) -> None:
    """Count disagreements with itsm_core on the rival sample; show one example of each."""
    ours = answers["itsm_core"]
    work = tickets()[:RIVAL_SAMPLE]
    for name in ("businesstimedelta", "pandas CBH"):
        theirs = answers[name]
        bad_e = [i for i, (x, y) in enumerate(zip(ours["elapsed"], theirs["elapsed"],
                                                  strict=True)) if x != y]
        bad_a = [i for i, (x, y) in enumerate(zip(ours["add"], theirs["add"], strict=True))
                 if us(x) != us(y)]
        # pandas' forward convention lands on the next opening when the time is used up exactly
        # at a close: next_open(add(t, d)) (ARCHITECTURE.md §4 conventions table)
        bad_conv = [i for i in bad_a if us(cal.next_open(ours["add"][i])) != us(theirs["add"][i])]
        print(f"{name}: elapsed disagreements {len(bad_e)}/{len(work)}, add disagreements "
              f"{len(bad_a)}/{len(work)} ({len(bad_conv)} after mapping to next_open(add))")
        for label, bad, key in (("elapsed", bad_e, "elapsed"), ("add", bad_conv or bad_a, "add")):
            if bad:
                i = bad[0]
                print(f"  e.g. {label} ticket {i}: opened {work[i][0].isoformat()}, closed "
                      f"{work[i][1].isoformat()}, {work[i][2]} h: itsm_core {ours[key][i]}, "
                      f"{name} {theirs[key][i]}")


if __name__ == "__main__":
    main()

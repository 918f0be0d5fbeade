"""Business-calendar speed: itsm_core against businesstimedelta, pandas and numpy.

Workload: Mon-Fri 09:00-17:00 Europe/London with England's bank holidays; N tickets (20,000;
2,000 with ``--quick``) opened at random minutes of 2025 (fixed seed) and closed after an
exponential wait (mean 3 days, rounded to the minute).  Every tool answers the SAME N queries:

* ``elapsed(open, close)``: business time between the two instants;
* ``add(open, d)``: the due date after *d* business time (d: exponential, mean one business
  day, rounded to whole hours, at least 1 h, because pandas' ``CustomBusinessHour`` moves in
  whole hours).

Each tool's inputs (``timedelta``, ``BusinessTimeDelta``, ``n * CustomBusinessHour``, numpy
arrays) are built before timing.  Every figure is the best of the same number of timed passes
over the whole sample (``REPEATS``), divided by N; for the per-query tools the median of a
per-call timer (``time.perf_counter_ns`` around each call, its ~0.1 µs included) is shown too.
Ratios are measured on these figures, never extrapolated.  Also: compiling ten years of
calendar (a fresh calendar, forced by one ``elapsed`` over 2025-2034), and the private
integer engine (``_engine.elapsed`` / ``_engine.add``).

How each peer is used, as a competent user would:

* businesstimedelta: ``WorkDayRule(09:00, 17:00, Mon-Fri, tz=pytz London)`` +
  ``HolidayRule(dates, tz=...)`` in ``Rules``; ``rules.difference(a, b).timedelta`` and
  ``a + BusinessTimeDelta(rules, hours=h)``, one query at a time.
* pandas ``CustomBusinessHour(start="09:00", end="17:00", holidays=...)``: add is
  ``index + h * cbh`` on a London-aware ``DatetimeIndex``, one array operation per distinct
  ``h`` (pandas applies this offset element by element and says so).  It has no business-time
  difference, so it has no elapsed figure.
* numpy busday, vectorised: local wall times from one pandas ``tz_convert``, then
  ``np.busday_count`` for the whole days between and ``np.clip`` of the times of day to
  09:00-17:00 for the partial days (elapsed), and the inverse with ``np.busday_offset`` (add,
  itsm_core's convention: the earliest instant, a closing time when the time runs out at one).
  Exact only because these hours never contain a DST transition; the whole sample at once.

Where a peer wins, the table says so: the vectorised numpy peer answers a whole array per call
and is faster per query than any one-at-a-time API, itsm_core included; it is the right tool
for a fixed weekly calendar over a batch, and cannot express overnight shifts, DST-crossing
hours, special hours, recurring closures or composition.

Run: ``.venv/bin/python benchmarks/bench_calendar.py`` (about a minute; ``--quick`` for a
smaller sample).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import warnings
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
QUICK = "--quick" in sys.argv
TICKETS = 2_000 if QUICK else 20_000
REPEATS = 3 if QUICK else 5
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
NS_PER_HOUR = 3_600_000_000_000
OPEN_NS, CLOSE_NS = 9 * NS_PER_HOUR, 17 * NS_PER_HOUR
DAY_NS = CLOSE_NS - OPEN_NS


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

def per_call(fn: Callable[..., Any], args: Sequence[tuple[Any, ...]]
             ) -> tuple[list[Any], float, float]:
    """Results, median ns per call (per-call timer), best ns per call (best of REPEATS passes)."""
    results, samples = [], []
    clock = time.perf_counter_ns
    for a in args:
        t0 = clock()
        r = fn(*a)
        samples.append(clock() - t0)
        results.append(r)
    return results, statistics.median(samples), best_pass(lambda: [fn(*a) for a in args],
                                                           len(args))


def best_pass(run: Callable[[], Any], n: int) -> float:
    """Best of REPEATS timed passes of *run* (which answers *n* queries), in ns per query."""
    best = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter_ns()
        run()
        best = min(best, time.perf_counter_ns() - t0)
    return best / n


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


class PandasCBH:
    """pandas' business-hour offset applied to arrays, one distinct offset at a time."""

    name = "pandas CBH"

    def __init__(self, holiday_dates: list[date], work: list[tuple[datetime, datetime, int]]
                 ) -> None:
        self.cbh = pd.offsets.CustomBusinessHour(start="09:00", end="17:00",
                                                 holidays=holiday_dates)
        self.opened = pd.DatetimeIndex([o for o, _, _ in work]).as_unit("ns").tz_convert(LONDON)
        hours = np.array([h for _, _, h in work])
        self.groups = [(np.flatnonzero(hours == h), int(h) * self.cbh) for h in np.unique(hours)]

    def add_all(self) -> np.ndarray:
        """Due instants (ns since the epoch, UTC) for the whole sample."""
        out = np.empty(len(self.opened), dtype="int64")
        with warnings.catch_warnings():  # pandas warns that it applies this offset per element
            warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
            for rows, offset in self.groups:
                out[rows] = (self.opened[rows] + offset).as_unit("ns").asi8
        return out


class NumpyBusday:
    """Vectorised business time on local wall clocks: ``busday_count`` and clipping."""

    name = "numpy busday"

    def __init__(self, holiday_dates: list[date], work: list[tuple[datetime, datetime, int]]
                 ) -> None:
        self.holidays = np.array(holiday_dates, dtype="datetime64[D]")
        self.opened = pd.DatetimeIndex([o for o, _, _ in work]).as_unit("ns")
        self.closed = pd.DatetimeIndex([c for _, c, _ in work]).as_unit("ns")
        self.need = np.array([h for _, _, h in work], dtype="int64") * NS_PER_HOUR

    def _local(self, index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
        wall = index.tz_convert(LONDON).tz_localize(None).as_unit("ns").asi8
        day = wall // (24 * NS_PER_HOUR)
        return day.astype("datetime64[D]"), wall - day * 24 * NS_PER_HOUR

    def elapsed_all(self) -> np.ndarray:
        """Business time (ns) from each opening to its closing."""
        day_a, tod_a = self._local(self.opened)
        day_b, tod_b = self._local(self.closed)
        open_a = np.is_busday(day_a, holidays=self.holidays)
        open_b = np.is_busday(day_b, holidays=self.holidays)
        clip_a = np.clip(tod_a, OPEN_NS, CLOSE_NS)
        clip_b = np.clip(tod_b, OPEN_NS, CLOSE_NS)
        same = day_a == day_b
        between = np.busday_count(day_a + 1, day_b, holidays=self.holidays).clip(0)
        first = np.where(open_a, np.where(same, clip_b - clip_a, CLOSE_NS - clip_a), 0)
        last = np.where(open_b & ~same, clip_b - OPEN_NS, 0)
        return between * DAY_NS + first + last

    def add_all(self) -> np.ndarray:
        """Due instants (ns since the epoch, UTC): the earliest with the time used up."""
        day, tod = self._local(self.opened)
        is_open = np.is_busday(day, holidays=self.holidays)
        used = np.where(is_open, np.clip(tod, OPEN_NS, CLOSE_NS) - OPEN_NS, 0)
        # business ns from the start of the next open day's 09:00 to the due instant
        start = np.busday_offset(day, 0, roll="forward", holidays=self.holidays)
        total = used + self.need
        whole, rest = np.divmod(total, DAY_NS)
        at_close = rest == 0  # used up exactly at a close: that day's 17:00, not 09:00 after
        whole = np.where(at_close, whole - 1, whole)
        rest = np.where(at_close, DAY_NS, rest)
        due_day = np.busday_offset(start, whole, holidays=self.holidays)
        wall = due_day.astype("datetime64[ns]").astype("int64") + OPEN_NS + rest
        local = pd.DatetimeIndex(wall.astype("datetime64[ns]")).tz_localize(LONDON)
        return np.asarray(local.tz_convert("UTC").as_unit("ns").asi8)


# -- report -------------------------------------------------------------------------------------

def fmt_ns(ns: float | None) -> str:
    return f"{ns / 1000:10.2f} µs" if ns is not None else f"{'-':>13}"


def ratio(theirs: float | None, ours: float) -> str:
    if theirs is None:
        return "-"
    r = theirs / ours
    return f"itsm_core {r:.1f}x faster" if r >= 1 else f"peer {1 / r:.1f}x faster (peer wins)"


def main() -> None:
    work = tickets()
    hols = england_holidays()
    ours, bt = ItsmCore(), BusinessTimeDeltaTool(hols)
    cbh, npy = PandasCBH(hols, work), NumpyBusday(hols, work)

    # name -> query -> (median ns per call or None, best ns per query)
    rows: dict[str, dict[str, tuple[float | None, float] | None]] = {}
    answers: dict[str, dict[str, list[int] | None]] = {}
    for tool in (ours, bt):
        e_res, e_med, e_best = per_call(tool.elapsed, [(o, c) for o, c, _ in work])
        # each tool's duration object is built outside the timed call
        a_res, a_med, a_best = per_call(tool.add, [(o, tool.duration(h)) for o, _, h in work])
        rows[tool.name] = {"elapsed": (e_med, e_best), "add": (a_med, a_best)}
        answers[tool.name] = {"elapsed": [r // US for r in e_res],
                              "add": [us(r) for r in a_res]}
    rows[cbh.name] = {"elapsed": None, "add": (None, best_pass(cbh.add_all, TICKETS))}
    answers[cbh.name] = {"elapsed": None, "add": [int(x) // 1000 for x in cbh.add_all()]}
    rows[npy.name] = {"elapsed": (None, best_pass(npy.elapsed_all, TICKETS)),
                      "add": (None, best_pass(npy.add_all, TICKETS))}
    answers[npy.name] = {"elapsed": [int(x) // 1000 for x in npy.elapsed_all()],
                         "add": [int(x) // 1000 for x in npy.add_all()]}

    cal = ours.cal
    fast = [(us(o), us(c), h * 3_600_000_000) for o, c, h in work]
    _, eu_med, eu_best = per_call(cal._engine.elapsed, [(o, c) for o, c, _ in fast])
    _, au_med, au_best = per_call(cal._engine.add, [(o, d) for o, _, d in fast])

    compile_ms = []
    for _ in range(REPEATS):
        t0 = time.perf_counter_ns()
        fresh = BusinessCalendar.from_dict(CONFIG)
        fresh.elapsed(datetime(2025, 1, 1, tzinfo=timezone.utc),
                      datetime(2035, 1, 1, tzinfo=timezone.utc))
        compile_ms.append((time.perf_counter_ns() - t0) / 1e6)

    print(f"Workload: {TICKETS} tickets in 2025, Mon-Fri 09-17 Europe/London + England holidays;"
          f" every tool on the same {TICKETS}; best of {REPEATS} passes; seed {SEED}")
    print(f"{'tool':<20}{'elapsed median':>16}{'elapsed best':>16}{'add median':>16}"
          f"{'add best':>16}   (per query)")
    for name, r in rows.items():
        e, a = r["elapsed"] or (None, None), r["add"] or (None, None)
        print(f"{name:<20}{fmt_ns(e[0]):>16}{fmt_ns(e[1]):>16}{fmt_ns(a[0]):>16}{fmt_ns(a[1]):>16}")
    print(f"{'itsm_core _engine':<20}{fmt_ns(eu_med):>16}{fmt_ns(eu_best):>16}"
          f"{fmt_ns(au_med):>16}{fmt_ns(au_best):>16}")
    base = rows["itsm_core"]
    for name, r in rows.items():
        if name == "itsm_core":
            continue
        parts = [f"{query} {ratio(pair[1], mine[1])}" for query in ("elapsed", "add")
                 if (pair := r[query]) is not None and (mine := base[query]) is not None]
        print(f"vs {name} (best per query): " + "; ".join(parts))
    print(f"compile ten years (fresh calendar, elapsed 2025-01-01..2035-01-01): "
          f"min {min(compile_ms):.1f} ms, median {statistics.median(compile_ms):.1f} ms")

    report_agreement(answers, cal, work)


def report_agreement(answers: dict[str, dict[str, list[int] | None]], cal: BusinessCalendar,
                     work: list[tuple[datetime, datetime, int]]) -> None:
    """Count disagreements with itsm_core (to the microsecond); show one example of each."""
    ours = answers["itsm_core"]
    for name, theirs in answers.items():
        if name == "itsm_core":
            continue
        for key in ("elapsed", "add"):
            got = theirs[key]
            if got is None:
                continue
            mine = ours[key]
            assert mine is not None
            bad = [i for i, (x, y) in enumerate(zip(mine, got, strict=True)) if x != y]
            line = f"{name}: {key} disagreements {len(bad)}/{len(work)}"
            if key == "add" and bad:
                # the forward convention lands on the next opening when the time is used up
                # exactly at a close: next_open(add(t, d)) (docs/calendar.md, "Queries")
                conv = [i for i in bad if us(cal.next_open(EPOCH + US * mine[i])) != got[i]]
                line += f" ({len(conv)} after mapping to next_open(add))"
                bad = conv or bad
            print(line)
            if bad:
                i = bad[0]
                print(f"  e.g. ticket {i}: opened {work[i][0].isoformat()}, closed "
                      f"{work[i][1].isoformat()}, {work[i][2]} h: itsm_core {mine[i]} µs, "
                      f"{name} {got[i]} µs")


if __name__ == "__main__":
    main()

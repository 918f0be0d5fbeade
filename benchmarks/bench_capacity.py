"""Benchmark: Erlang C and staffing at large agent counts vs the naive factorial formula.

Run: .venv/bin/python benchmarks/bench_capacity.py
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import timedelta
from fractions import Fraction

from itsm_core.capacity import agents_for_service_level, erlang_c


def naive_float(a: float, n: int) -> float:
    """The textbook formula in floats, as a spreadsheet or a quick script computes it."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def naive_fraction(a: Fraction, n: int) -> Fraction:
    """The textbook formula, exact (the slow, obviously-correct reference)."""
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    return top / (sum((a**k / math.factorial(k) for k in range(n)), Fraction(0)) + top)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best = math.inf
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    print("Erlang C: recursion (itsm_core) vs naive factorial formula")
    print(f"{'traffic':>8} {'agents':>7} {'itsm_core':>12} {'naive float':>14} "
          f"{'naive Fraction':>15} {'ratio float':>12} {'ratio Fraction':>15}")
    for a, n in ((8, 10), (90, 100), (150, 170), (160, 171), (900, 1000)):
        ours, value = timed(lambda a=a, n=n: erlang_c(a, n), 200)
        try:
            naive, _ = timed(lambda a=a, n=n: naive_float(float(a), n), 20)
            naive_text, ratio_text = f"{naive * 1e6:11.1f} us", f"{naive / ours:11.1f}x"
        except OverflowError as exc:
            naive_text, ratio_text = "OverflowError", "-"
            print(f"   (naive float at N={n}: {exc})")
        exact, exact_value = timed(lambda a=a, n=n: naive_fraction(Fraction(a), n), 1)
        assert math.isclose(float(exact_value), float(value), rel_tol=1e-9)  # type: ignore[arg-type]
        print(f"{a:>8} {n:>7} {ours * 1e6:9.1f} us {naive_text:>14} {exact * 1e3:12.1f} ms "
              f"{ratio_text:>12} {exact / ours:14.0f}x")
    print()
    print("agents_for_service_level (80% in 20 s, AHT 180 s)")
    for traffic in (10, 100, 900, 5000):
        elapsed, staffing = timed(
            lambda t=traffic: agents_for_service_level(t, timedelta(seconds=180), "80%",
                                                       timedelta(seconds=20)), 20)
        print(f"  {traffic:>5} Erlangs -> {staffing.agents:>5} agents "  # type: ignore[attr-defined]
              f"in {elapsed * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()

"""Benchmark: Erlang C and staffing, against what a user would write instead.

Run: ``.venv/bin/python benchmarks/bench_capacity.py`` (``--quick``: fewer, smaller cases).

Contenders for ``erlang_c(A, N)``, each timed best of the same number of runs on the same
inputs, with measured ratios:

- *float recursion*: the standard Erlang B recursion ``B(n) = A·B(n-1) / (n + A·B(n-1))``
  in plain floats, then ``C = N·B / (N - A·(1 - B))``: what a competent user writes, and
  the same algorithm itsm_core uses.  It has no argument checking, so it is faster;
  itsm_core's cost over it is validation (types, finiteness, stability).
- *factorial float*: the textbook formula ``A^N/N! · N/(N-A) / (Σ A^k/k! + ...)`` in
  floats, as a spreadsheet computes it; it overflows at a few hundred agents.
- *exact Fraction*: the textbook formula in exact rationals; slow, it is the accuracy
  reference every float result is compared with (largest relative error printed).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from fractions import Fraction

from itsm_core.capacity import agents_for_service_level, erlang_c

QUICK = "--quick" in sys.argv
RUNS = 3 if QUICK else 5  # every contender: best of RUNS
CASES = ((8, 10), (90, 100), (160, 171)) if QUICK else (
    (8, 10), (90, 100), (150, 170), (160, 171), (900, 1000))


def float_recursion(a: float, n: int) -> float:
    """Erlang C from the Erlang B recursion, in floats: the competent user's version."""
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return n * b / (n - a * (1 - b))


def factorial_float(a: float, n: int) -> float:
    """The textbook formula in floats, as a spreadsheet or a quick script computes it."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def exact_fraction(a: Fraction, n: int) -> Fraction:
    """The textbook formula, exact (the slow, obviously-correct reference)."""
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    return top / (sum((a**k / math.factorial(k) for k in range(n)), Fraction(0)) + top)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    best = math.inf
    result: object = None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def relative_error(value: float, exact: Fraction) -> float:
    return float(abs(Fraction(value) - exact) / exact)


def main() -> None:
    print(f"Erlang C, best of {RUNS} runs each; ratio = contender time / itsm_core time")
    print(f"{'traffic':>7} {'agents':>6} {'itsm_core':>11} {'float recursion':>24} "
          f"{'factorial float':>24} {'exact Fraction':>20}  max rel. error (float results)")
    for a, n in CASES:
        ours, value = timed(lambda a=a, n=n: erlang_c(a, n))
        rec, rec_value = timed(lambda a=a, n=n: float_recursion(float(a), n))
        exact_time, exact_value = timed(lambda a=a, n=n: exact_fraction(Fraction(a), n))
        assert isinstance(exact_value, Fraction)
        errors = [relative_error(value, exact_value), relative_error(rec_value, exact_value)]  # type: ignore[arg-type]
        try:
            fac, fac_value = timed(lambda a=a, n=n: factorial_float(float(a), n))
            fac_text = f"{fac * 1e6:8.1f} us ({fac / ours:5.2f}x)"
            errors.append(relative_error(fac_value, exact_value))  # type: ignore[arg-type]
        except OverflowError:
            fac_text = "OverflowError"
        print(f"{a:>7} {n:>6} {ours * 1e6:8.1f} us {rec * 1e6:11.1f} us ({rec / ours:5.2f}x) "
              f"{fac_text:>24} {exact_time * 1e3:8.1f} ms ({exact_time / ours:6.0f}x)  "
              f"{max(errors):.1e}")
    print("A ratio below 1 means the contender is faster than itsm_core: the plain float "
          "recursion is, by skipping argument checks.")
    print()
    print(f"agents_for_service_level (80% in 20 s, AHT 180 s), best of {RUNS} runs")
    for traffic in (10, 100, 900) if QUICK else (10, 100, 900, 5000):
        elapsed, staffing = timed(
            lambda t=traffic: agents_for_service_level(t, timedelta(seconds=180), "80%",
                                                       timedelta(seconds=20)))
        print(f"  {traffic:>5} Erlangs -> {staffing.agents:>5} agents "  # type: ignore[attr-defined]
              f"in {elapsed * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()

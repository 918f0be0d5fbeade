"""Availability of composed services: series, parallel and k-of-n redundancy.

Components fail independently.  Exact inputs (``Fraction``, ``int``, ``Decimal``, strings
such as ``"99.95%"``) give an exact ``Fraction``.  If any input is a ``float`` the result is
a ``float``, computed in *unavailability space*: every probability that the composite is
down is a sum of products of non-negative terms (never ``1 - (a product close to 1)``), so
the unavailability keeps its relative precision even at twelve nines, and the availability
returned is ``1 - U`` rounded once.

>>> series("99.9%", "99.9%")
Fraction(998001, 1000000)
>>> parallel("99%", "99%")
Fraction(9999, 10000)
>>> k_of_n(2, "90%", n=3)
Fraction(243, 250)
>>> nines = [1 - i * 1e-12 for i in range(1, 2001)]
>>> series(*nines)               # math.prod(nines) gives 0.9999979990019962
0.9999979990019999
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import TypeVar

from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, shown
from itsm_core.ratios import RATIO_FORM, parse_ratio

__all__ = ["MAX_COMPONENTS", "MAX_GROUP", "k_of_n", "parallel", "series"]

#: The most components one composition takes (``series``, ``parallel``, ``k_of_n``,
#: ``n=`` included): the exact product of 10,000 distinct availabilities takes about
#: 0.3 s, and real chains and redundancy pools are far smaller.
MAX_COMPONENTS = 10_000
#: The most components of a redundancy group needing *k* of them with ``1 < k < n``:
#: its exact tail costs ``n x min(k, n - k + 1)`` big-integer steps (about 0.3 s at 1,000).
MAX_GROUP = 1_000

N = TypeVar("N", Fraction, float)
W = TypeVar("W", int, Fraction, float)
Probability = Fraction | float


def _below(hits: Sequence[W], misses: Sequence[W], size: int, zero: W, *, spill: bool
           ) -> tuple[list[W], W]:
    """The weight of exactly ``j`` hits for ``j < size``, and the weight that reached *size*.

    Component *i* is a hit with weight ``hits[i]`` and a miss with ``misses[i]``.  Each
    entry of the table is a sum of products with one factor per component (homogeneous),
    so integer weights stay integers over the product of ``hits[i] + misses[i]``.  The
    weight that reaches *size* hits leaves the table; it is accumulated only when *spill*
    is asked for (it is not homogeneous).

    >>> _below([1, 1], [1, 1], 2, 0, spill=True)  # two fair coins: 0 hits 1, 1 hit 2, 2 hits 1
    ([1, 2], 1)
    """
    dist = [zero] * size
    dist[0] = zero + 1
    spilled = zero
    for p, q in zip(hits, misses, strict=True):
        if spill:
            spilled += dist[-1] * p
        for j in range(size - 1, 0, -1):
            dist[j] = dist[j] * q + dist[j - 1] * p
        dist[0] = dist[0] * q
    return dist, spilled


def p_fewer_up(ups: Sequence[N], downs: Sequence[N], k: int, zero: N) -> N:
    """P(fewer than *k* of the independent components are up), from positive terms only.

    ``ups[i]`` and ``downs[i]`` are component *i*'s up and down probabilities.  Cost
    ``O(n · min(k, n - k + 1))``: the smaller of the two tails is tracked.  The failure
    probability is a sum of products, never ``1 - (something close to 1)``: the float path.

    >>> p_fewer_up([Fraction(9, 10)] * 3, [Fraction(1, 10)] * 3, 2, Fraction(0))
    Fraction(7, 250)
    """
    n = len(ups)
    if k <= 0:
        return zero
    if k > n:
        return zero + 1
    if k <= n - k + 1:
        # P(exactly j up) for j < k; mass reaching k up is success and leaves the table.
        total = zero
        for value in _below(ups, downs, k, zero, spill=False)[0]:
            total += value
        return total
    # P(exactly j down) for j <= n - k; mass overflowing past n - k down is failure.
    return _below(downs, ups, n - k + 1, zero, spill=True)[1]


def scaled_fewer_up(ups: Sequence[int], downs: Sequence[int], k: int) -> int:
    """``P(fewer than k up) · Π(ups[i] + downs[i])`` for integer weights, exactly.

    Component *i* is up with probability ``ups[i] / (ups[i] + downs[i])``.  Integers are
    never reduced, so there is no ``gcd`` per operation as with ``Fraction``; the caller
    divides once.  The smaller tail is tracked and the other is the exact complement.

    >>> scaled_fewer_up([9, 9, 9], [1, 1, 1], 2)  # 7/250 of 10**3
    28
    >>> scaled_fewer_up([9, 9, 9], [1, 1, 1], 3) == 1000 - 9**3
    True
    """
    n = len(ups)
    if k <= 0:
        return 0
    if k <= n - k + 1:
        return sum(_below(ups, downs, k, 0, spill=False)[0])
    total = math.prod(u + d for u, d in zip(ups, downs, strict=True))
    if k > n:
        return total
    # the complement of "at most n - k down", exact in integers
    return total - sum(_below(downs, ups, n - k + 1, 0, spill=False)[0])


def scaled_pair(value: object, path: str) -> tuple[int, int]:
    """Read one availability exactly as integer ``(up, down)`` weights over ``up + down``.

    >>> scaled_pair("99.9%", "a[0]")
    (999, 1)
    """
    up = parse_ratio(value, path)
    return up.numerator, up.denominator - up.numerator


def uses_floats(values: Iterable[object]) -> bool:
    """Whether float arithmetic applies: any input is a ``float``.

    >>> uses_floats(["99%", Fraction(1, 2)]), uses_floats(["99%", 0.5])
    (False, True)
    """
    return any(isinstance(v, float) for v in values)


def float_pair(value: object, path: str) -> tuple[float, float]:
    """Read one availability as float ``(up, down)`` with an accurate ``down``.

    A float ``a`` has ``down = 1.0 - a``, exact for ``a >= 0.5`` (Sterbenz' lemma); an
    exact input is read exactly and both halves are rounded once.

    >>> float_pair("99.9999999999%", "a[0]")
    (0.999999999999, 1e-12)
    >>> float_pair(float("nan"), "a[0]")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: a[0]: nan is outside [0, 1]; expected a ratio in [0, 1]...
    """
    if isinstance(value, float):
        if not 0.0 <= value <= 1.0:  # also refuses nan
            raise ConfigError(path, f"{shown(value)} is outside [0, 1]", RATIO_FORM)
        return value, 1.0 - value
    up = parse_ratio(value, path)
    return float(up), float(1 - up)


def check_group(count: int, k: int, name: str) -> None:
    """Refuse a composition past :data:`MAX_COMPONENTS` or :data:`MAX_GROUP` components.

    >>> check_group(5_000, 2, "needs")
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: needs: 5000 components with k = 2; expected at most 1000 when 1 < k < n (MAX_GROUP)
    """
    if count > MAX_COMPONENTS:
        raise InvalidArgumentError(f"{name}: {shown(count)} components; expected at most "
                                   f"{MAX_COMPONENTS} (MAX_COMPONENTS)")
    if 1 < k < count and count > MAX_GROUP:
        raise InvalidArgumentError(f"{name}: {count} components with k = {k}; expected at most "
                                   f"{MAX_GROUP} when 1 < k < n (MAX_GROUP)")


def _availability(values: Sequence[object], k: int, name: str = "a") -> Probability:
    if not values:
        raise InvalidArgumentError(f"{name}: no components; expected at least one availability")
    check_group(len(values), k, name)
    if uses_floats(values):
        floats = [float_pair(v, f"{name}[{i}]") for i, v in enumerate(values)]
        return 1.0 - p_fewer_up([u for u, _ in floats], [d for _, d in floats], k, 0.0)
    exact = [scaled_pair(v, f"{name}[{i}]") for i, v in enumerate(values)]
    ups, downs = [u for u, _ in exact], [d for _, d in exact]
    total = math.prod(u + d for u, d in exact)
    return Fraction(total - scaled_fewer_up(ups, downs, k), total)


def series(*availabilities: object) -> Probability:
    """Availability of components that are all needed (a chain): the product.

    Args:
        *availabilities: each a ratio in ``[0, 1]`` (``"99.9%"``, ``Fraction``, ``float`` …).

    Raises:
        ConfigError: an availability is not a ratio in ``[0, 1]``.
        InvalidArgumentError: no components.

    >>> series("99.95%", "99.9%", "99.99%")
    Fraction(19968012999, 20000000000)
    >>> series(0.999, 0.999)
    0.998001
    """
    return _availability(availabilities, len(availabilities))


def parallel(*availabilities: object) -> Probability:
    """Availability of redundant components of which any one suffices.

    >>> parallel("99.9%", "99.9%")
    Fraction(999999, 1000000)
    >>> parallel(0.9, 0.9, 0.9)
    0.999
    """
    return _availability(availabilities, 1)


def k_of_n(k: int, *availabilities: object, n: int | None = None) -> Probability:
    """Availability of a group that works while at least *k* of its components work.

    Components may differ (the exact Poisson-binomial tail is computed); for *n*
    identical components pass one availability and ``n=``.

    Raises:
        InvalidArgumentError: *k* outside ``1..n``, or ``n=`` with more than one value.
        ArgumentTypeError: *k* or *n* is not an int.
        InvalidArgumentError: more than :data:`MAX_COMPONENTS` components, or more than
            :data:`MAX_GROUP` with ``1 < k < n``.

    >>> k_of_n(2, "99%", "99%", "99%") == k_of_n(2, "99%", n=3)
    True
    >>> k_of_n(3, 0.9, 0.9, 0.9) == series(0.9, 0.9, 0.9)
    True
    >>> k_of_n(4, "99%", n=3)
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: k: 4 of 3 components; expected 1 <= k <= n
    """
    if isinstance(k, bool) or not isinstance(k, int):
        raise ArgumentTypeError(f"k: expected an int, got {type(k).__name__} {shown(k)}")
    values: Sequence[object] = availabilities
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidArgumentError(f"n: expected an int >= 1, got {shown(n)}")
        if len(availabilities) != 1:
            raise InvalidArgumentError(
                f"n: given with {len(availabilities)} availabilities; expected exactly one "
                "(the availability of each of the n identical components)")
        check_group(n, k, "n")  # a count past the limit first (it is also unprintable)
        if not 1 <= k <= n:
            raise InvalidArgumentError(f"k: {shown(k)} of {n} components; expected 1 <= k <= n")
        values = availabilities * n
    if not 1 <= k <= len(values):
        raise InvalidArgumentError(f"k: {shown(k)} of {len(values)} components; "
                                   "expected 1 <= k <= n")
    return _availability(values, k)

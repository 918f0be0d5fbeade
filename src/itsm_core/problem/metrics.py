"""Problem-management metrics, exact: counts, shares as Fractions, durations as timedeltas.

Shares and rates are :class:`~fractions.Fraction` (``None`` when nothing is measured: a
share of zero incidents is undefined, not 0); durations are ``timedelta``.  Anything that
depends on "now" takes ``as_of=`` — never the clock.

>>> from datetime import datetime, timedelta, timezone
>>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
>>> incs = [Incident(id="A", opened_at=t, ci="x", problem_id="P1"),
...         Incident(id="B", opened_at=t + timedelta(hours=1), ci="x"),
...         Incident(id="C", opened_at=t + timedelta(days=3), ci="x", known_error_id="K1")]
>>> linked_share(incs)
Fraction(2, 3)
>>> repeat_incident_rate(incs, "P1D", keys=("ci",))
Fraction(1, 3)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from itertools import pairwise

from itsm_core._args import items_of
from itsm_core._instant import to_us
from itsm_core.problem.records import (
    Incident,
    Problem,
    _validated_incidents,
    _validated_problems,
)
from itsm_core.problem.recurrence import _keys, _window

__all__ = [
    "incidents_per_problem",
    "linked_share",
    "mean_time_to",
    "median_time_to",
    "open_problem_ages",
    "repeat_incident_rate",
    "time_to",
]

def incidents_per_problem(incidents: Iterable[Incident]) -> dict[str, int]:
    """How many incidents link to each problem, by problem id (sorted).

    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
    >>> incidents_per_problem([Incident(id="A", opened_at=t, problem_id="P2"),
    ...                        Incident(id="B", opened_at=t, problem_id="P1"),
    ...                        Incident(id="C", opened_at=t, problem_id="P2")])
    {'P1': 1, 'P2': 2}
    """
    counts = Counter(i.problem_id for i in _validated_incidents(incidents) if i.problem_id)
    return dict(sorted(counts.items()))


def linked_share(incidents: Iterable[Incident]) -> Fraction | None:
    """Share of incidents linked to a problem or matched to a known error (None if none).

    >>> linked_share([]) is None
    True
    """
    pool = _validated_incidents(incidents)
    if not pool:
        return None
    return Fraction(sum(1 for i in pool if i.problem_id or i.known_error_id), len(pool))


def repeat_incident_rate(incidents: Iterable[Incident], window: object,
                         keys: Sequence[str] = ("ci", "category")) -> Fraction | None:
    """Share of incidents that repeat an earlier one with the same *keys* within *window*.

    An incident is a repeat when another with equal keys opened at most *window* before it
    (half-open: ``0 <= t - t_prev < window``; at equal instants the later id repeats the
    earlier).  Incidents with an unknown key are not counted at all.  None if none count.

    >>> repeat_incident_rate([], "PT1H") is None
    True
    >>> repeat_incident_rate([], "PT1H", keys=("host",))
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: keys[0]: unknown key 'host'; expected a non-empty list of distinct fields from ci, service, category, subcategory, symptom, error_code
    """
    key_names = _keys(keys if isinstance(keys, str) else items_of(keys, "keys", "field names"))
    window_us = _window(window) // timedelta(microseconds=1)
    rows = sorted((key, i._opened_us, i.id) for i in _validated_incidents(incidents)
                  if None not in (key := tuple(getattr(i, k) for k in key_names)))
    if not rows:
        return None
    repeats = sum(1 for prev, row in pairwise(rows)
                  if prev[0] == row[0] and row[1] - prev[1] < window_us)
    return Fraction(repeats, len(rows))


def time_to(problem: Problem, milestone: str) -> timedelta | None:
    """Time from the problem's opening to *milestone*, if reached.

    Raises:
        UnknownNameError: *milestone* is not one of ``root_cause_at``, ``workaround_at``,
            ``fixed_at`` (:data:`~itsm_core.problem.records.MILESTONES`).

    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
    >>> time_to(Problem(id="P", opened_at=t, root_cause_at=t + timedelta(hours=5)),
    ...         "root_cause_at")
    datetime.timedelta(seconds=18000)
    >>> time_to(Problem(id="P", opened_at=t), "closed_at")
    Traceback (most recent call last):
    ...
    itsm_core.errors.UnknownNameError: milestone: unknown name 'closed_at'; expected one of 'root_cause_at', 'workaround_at', 'fixed_at'
    """
    reached = problem._milestone_us(milestone)
    return None if reached is None else timedelta(microseconds=reached - problem._opened_us)


def _durations_us(problems: Iterable[Problem], milestone: str) -> list[int]:
    out = []
    for p in _validated_problems(problems):
        d = time_to(p, milestone)
        if d is not None:
            out.append(d // timedelta(microseconds=1))
    return sorted(out)


def mean_time_to(problems: Iterable[Problem], milestone: str) -> timedelta | None:
    """Mean time to *milestone* over the problems that reached it (floored to 1 µs).

    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
    >>> ps = [Problem(id=f"P{h}", opened_at=t, workaround_at=t + timedelta(hours=h))
    ...       for h in (1, 2)]
    >>> mean_time_to(ps, "workaround_at")
    datetime.timedelta(seconds=5400)
    """
    values = _durations_us(problems, milestone)
    return timedelta(microseconds=sum(values) // len(values)) if values else None


def median_time_to(problems: Iterable[Problem], milestone: str) -> timedelta | None:
    """Median time to *milestone* (the mean of the middle two for an even count, floored).

    >>> median_time_to([], "fixed_at") is None
    True
    """
    values = _durations_us(problems, milestone)
    if not values:
        return None
    mid = len(values) // 2
    if len(values) % 2:
        return timedelta(microseconds=values[mid])
    return timedelta(microseconds=(values[mid - 1] + values[mid]) // 2)


def open_problem_ages(problems: Iterable[Problem], *, as_of: datetime) -> dict[str, timedelta]:
    """Age at *as_of* of each problem open then, by id.

    A problem is open at *as_of* when it opened at or before it and was not fixed by then:
    ``fixed_at`` is unset or later.  A resolved or closed problem without ``fixed_at`` has
    no known end, so it counts as closed (it is not reported with an invented age).

    Raises:
        NaiveDatetimeError: *as_of* is naive.

    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
    >>> open_problem_ages([Problem(id="P", opened_at=t)], as_of=t + timedelta(days=2))
    {'P': datetime.timedelta(days=2)}
    """
    now = to_us(as_of, "as_of")
    return {p.id: timedelta(microseconds=now - p._opened_us)
            for p in sorted(_validated_problems(problems), key=lambda p: p.id)
            if p._opened_us <= now and _open_at(p, now)}


def _open_at(problem: Problem, now: int) -> bool:
    fixed = problem._milestone_us("fixed_at")
    return problem.is_open if fixed is None else fixed > now


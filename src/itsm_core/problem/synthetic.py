"""A deterministic synthetic incident stream with planted recurring problems.

Pure: a seeded ``random.Random``, no clock, no I/O.  Background incidents spread over many
CIs (a few CIs much busier than the rest, as in real estates) with random short texts; each
planted problem is a burst of incidents on one CI whose texts vary one signature phrase.
The ground truth (which incident belongs to which planted problem) comes with the data, for
tests, benchmarks and the docs.

>>> data = generate_planted_problems(seed=7, incidents=200, problems=3)
>>> len(data.incidents), len(data.problems), len(data.known_errors)
(200, 3, 3)
>>> data == generate_planted_problems(seed=7, incidents=200, problems=3)
True
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from itertools import accumulate

import attrs

from itsm_core._instant import from_us, to_us
from itsm_core.errors import ConfigError, shown
from itsm_core.problem.records import Incident, KnownError, Problem

__all__ = ["MAX_GENERATED", "SyntheticData", "generate_planted_problems"]

_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "su", "do", "ga", "hu",
              "ji", "be", "fo")
_CATEGORIES = ("network", "database", "hardware", "software", "access", "email")
_STATES = ("new", "assess", "root_cause_analysis", "fix_in_progress", "resolved", "closed")


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables))


@attrs.frozen(kw_only=True)
class SyntheticData:
    """A generated data set and its ground truth.

    Attributes:
        incidents: all incidents, in opened order (ids ``INC0000001`` ... in that order).
        problems: one problem per planted recurrence.
        known_errors: one known error per planted problem (same error code, symptom text).
        truth: incident id -> planted problem id, for the planted incidents only.

    >>> d = generate_planted_problems(seed=1, incidents=50, problems=1)
    >>> sorted(set(d.truth.values()))
    ['PRB00001']
    """

    incidents: tuple[Incident, ...]
    problems: tuple[Problem, ...]
    known_errors: tuple[KnownError, ...]
    truth: dict[str, str] = attrs.field(hash=False)


#: The most incidents (and CIs) one call generates: each costs about a kilobyte.
MAX_GENERATED = 1_000_000


def _positive(value: object, path: str, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(path, f"{shown(value)} is not an integer >= {low}", f"an integer >= {low}")
    if high is not None and value > high:
        raise ConfigError(path, f"{shown(value)} is more than {high}",
                          f"an integer from {low} to {high} (MAX_GENERATED)")
    return value


def generate_planted_problems(
        *, seed: int, incidents: int = 1000, problems: int = 10, cis: int = 200, days: int = 90,
        burst_size: tuple[int, int] = (5, 20), burst_hours: int = 36, linked_share: float = 0.0,
        start: datetime = datetime(2025, 1, 1, tzinfo=timezone.utc)) -> SyntheticData:
    """Generate *incidents* incidents of which some belong to *problems* planted problems.

    Args:
        seed: the only source of randomness.
        incidents: total number of incidents (planted ones included).
        problems: planted recurring problems.
        cis: configuration items in the estate.
        days: the stream covers ``[start, start + days)``.
        burst_size: (least, most) incidents per planted problem.
        burst_hours: a planted problem's incidents open within this many hours.
        linked_share: share of planted incidents already linked to their problem (for
            metrics); the rest are unlinked, as a detector would find them.
        start: aware start instant (a fixed default, never the clock).

    Raises:
        ConfigError: a count is negative or above :data:`MAX_GENERATED`, or the bursts
            need more incidents than asked.

    >>> generate_planted_problems(seed=1, incidents=10, problems=5)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: incidents: 10 cannot hold 5 problems of at least 5 incidents; expected an integer >= 25
    """
    n = _positive(incidents, "incidents", 0, MAX_GENERATED)
    n_problems = _positive(problems, "problems", 0, MAX_GENERATED)
    n_cis = _positive(cis, "cis", 1, MAX_GENERATED)
    n_days = _positive(days, "days", 1)
    if not isinstance(burst_size, tuple) or len(burst_size) != 2:
        raise ConfigError("burst_size", f"{shown(burst_size)} is not a pair", "(least, most)")
    low, high = burst_size
    if isinstance(linked_share, bool) or not isinstance(linked_share, (int, float)) or not (
            0 <= linked_share <= 1):
        raise ConfigError("linked_share", f"{shown(linked_share)} is out of range", "a number in [0, 1]")
    _positive(low, "burst_size[0]", 2)
    _positive(high, "burst_size[1]", low)
    _positive(burst_hours, "burst_hours", 1)
    if n < n_problems * low:
        raise ConfigError("incidents", f"{n} cannot hold {n_problems} problems of at least "
                          f"{low} incidents", f"an integer >= {n_problems * low}")
    start_us = to_us(start, "start")
    rng = random.Random(seed)
    vocabulary = sorted({_word(rng, rng.randint(2, 3)) for _ in range(600)})
    ci_names = [f"ci{n:05d}" for n in range(n_cis)]
    ci_weights = list(accumulate(1.0 / (rank + 1) for rank in range(n_cis)))  # Zipf
    span_us = n_days * 86_400_000_000
    rows: list[tuple[int, str, str, str, str | None, str | None]] = []
    planted: list[tuple[str, str, str, str, int, int]] = []
    remaining = n
    for p in range(n_problems):
        size = min(rng.randint(low, high), remaining - (n_problems - p - 1) * low)
        remaining -= size
        pid = f"PRB{p + 1:05d}"
        ci = rng.choice(ci_names)
        category = rng.choice(_CATEGORIES)
        code = f"E{rng.randint(1000, 9999)}"
        phrase = [_word(rng, 4) for _ in range(5)]
        begin = start_us + rng.randrange(max(1, span_us - burst_hours * 3_600_000_000))
        first = None
        for _ in range(size):
            words = [w for w in phrase if rng.random() > 0.15] or phrase[:1]
            words += rng.sample(vocabulary, rng.randint(0, 2))
            words.insert(rng.randrange(len(words) + 1), code.lower())
            t = begin + rng.randrange(burst_hours * 3_600_000_000)
            first = t if first is None else min(first, t)
            linked = pid if rng.random() < linked_share else None
            rows.append((t, ci, category, " ".join(words), pid, linked))
        planted.append((pid, ci, code, " ".join(phrase), first or begin, size))
    for _ in range(remaining):
        t = start_us + rng.randrange(span_us)
        ci = rng.choices(ci_names, cum_weights=ci_weights)[0]
        text = " ".join(rng.sample(vocabulary, rng.randint(4, 8)))
        rows.append((t, ci, rng.choice(_CATEGORIES), text, None, None))
    rows.sort(key=lambda r: (r[0], r[3]))
    tz = start.tzinfo or timezone.utc
    out: list[Incident] = []
    truth: dict[str, str] = {}
    links: dict[str, list[str]] = {}
    for index, (t, row_ci, category, text, truth_pid, linked) in enumerate(rows):
        iid = f"INC{index + 1:07d}"
        opened = from_us(t, tz)
        resolved = opened + timedelta(minutes=rng.randint(10, 4320))
        out.append(Incident(id=iid, opened_at=opened, resolved_at=resolved, ci=row_ci,
                            category=category, text=text, problem_id=linked))
        if truth_pid is not None:
            truth[iid] = truth_pid
        if linked is not None:
            links.setdefault(linked, []).append(iid)
    problem_records, known_errors = [], []
    for pid, p_ci, p_code, p_phrase, first_us, _ in planted:
        opened = from_us(first_us, tz) + timedelta(hours=rng.randint(1, 48))
        state = rng.choice(_STATES)
        progress = _STATES.index(state)
        rca = opened + timedelta(hours=rng.randint(4, 240)) if progress >= 3 else None
        work = opened + timedelta(hours=rng.randint(1, 120)) if progress >= 2 else None
        fixed = rca + timedelta(hours=rng.randint(1, 480)) if rca and progress >= 4 else None
        problem_records.append(Problem(
            id=pid, opened_at=opened, state=state, symptom=p_phrase, error_code=p_code, cis=(p_ci,),
            incident_ids=links.get(pid, ()), root_cause_at=rca, workaround_at=work,
            fixed_at=fixed))
        known_errors.append(KnownError(id=pid.replace("PRB", "KE"), symptom=p_phrase,
                                       error_code=p_code, cis=(p_ci,), problem_id=pid,
                                       workaround=f"restart {p_ci}"))
    return SyntheticData(incidents=tuple(out), problems=tuple(problem_records),
                         known_errors=tuple(known_errors), truth=truth)

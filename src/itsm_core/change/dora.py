"""DORA's four key metrics per period, and performance tiers as dated reference data.

From deployment records (production changes: when deployed, when first committed, whether
they caused a failure) and restoration records (incidents: when service was impaired and
restored), :func:`dora_metrics` computes for each period ``[start + k*period, ...)``:

* **deployment frequency** — deployments per day (exact ``Fraction``) and the count;
* **lead time for changes** — the median of ``deployed_at - committed_at``;
* **change failure rate** — failed deployments / deployments (``None`` without deployments);
* **time to restore service** — the median of ``restored_at - started_at``.

A deployment belongs to the period of its ``deployed_at``, an incident to the period of its
``started_at``.  Medians are the *lower* median (an observed value, exact; no averaging of
the two middle values).  Durations are wall-clock elapsed time, as DORA defines them.

>>> from datetime import datetime, timedelta, timezone
>>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
>>> deps = [Deployment(id=f"D{i}", deployed_at=t + timedelta(days=i), committed_at=t + timedelta(days=i, hours=-5),
...                    failed=(i == 3)) for i in range(7)]
>>> m = dora_metrics(deps, [], start=t, end=t + timedelta(days=7), period=timedelta(days=7))[0]
>>> m.deployments, m.deployments_per_day, str(m.lead_time), m.change_failure_rate
(7, Fraction(1, 1), '5:00:00', Fraction(1, 7))
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from fractions import Fraction

import attrs

from itsm_core._args import items_of
from itsm_core._instant import US_PER_DAY, duration_us, format_duration, from_us, td, to_us
from itsm_core.change.levels import format_number
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown

__all__ = ["DORA_2023_TIERS", "Deployment", "DoraPeriod", "DoraTier", "Restoration", "dora_metrics",
           "tier_of"]

MAX_PERIODS = 100_000


@attrs.frozen(kw_only=True)
class Deployment:
    """A deployment to production.

    Attributes:
        id: the change or release id.
        deployed_at: when it reached production.
        committed_at: when its first commit was made (lead time starts), or ``None``.
        failed: whether it caused a failure in production (incident, rollback, hotfix).

    >>> from datetime import datetime, timezone
    >>> Deployment(id="D", deployed_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
    ...            committed_at=datetime(2025, 1, 2, tzinfo=timezone.utc))
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: D.committed_at: 2025-01-02 00:00:00+00:00 is after deployed_at 2025-01-01 00:00:00+00:00; expected a commit before its deployment
    """

    id: str
    deployed_at: datetime
    committed_at: datetime | None = None
    failed: bool = False

    def __attrs_post_init__(self) -> None:
        deployed = to_us(self.deployed_at, f"{self.id}.deployed_at")
        if self.committed_at is not None and to_us(self.committed_at, f"{self.id}.committed_at") > deployed:
            raise InvalidArgumentError(f"{self.id}.committed_at: {self.committed_at} is after deployed_at "
                                       f"{self.deployed_at}; expected a commit before its deployment")


@attrs.frozen(kw_only=True)
class Restoration:
    """An incident that impaired service in production, and when service came back.

    >>> from datetime import datetime, timezone
    >>> Restoration(id="I", started_at=datetime(2025, 1, 1, 2, tzinfo=timezone.utc),
    ...             restored_at=datetime(2025, 1, 1, 1, tzinfo=timezone.utc))
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: I.restored_at: 2025-01-01 01:00:00+00:00 is before started_at 2025-01-01 02:00:00+00:00; expected restored_at >= started_at
    """

    id: str
    started_at: datetime
    restored_at: datetime

    def __attrs_post_init__(self) -> None:
        if to_us(self.restored_at, f"{self.id}.restored_at") < to_us(self.started_at, f"{self.id}.started_at"):
            raise InvalidArgumentError(f"{self.id}.restored_at: {self.restored_at} is before started_at "
                                       f"{self.started_at}; expected restored_at >= started_at")


@attrs.frozen(kw_only=True)
class DoraPeriod:
    """The four key metrics for one period ``[start, end)``; ``None`` where there is no data.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> DoraPeriod(start=t, end=t, deployments=0, deployments_per_day=Fraction(0), lead_time=None,
    ...            change_failure_rate=None, incidents=0, time_to_restore=None).to_dict()["lead_time"] is None
    True
    """

    start: datetime
    end: datetime
    deployments: int
    deployments_per_day: Fraction
    lead_time: timedelta | None
    change_failure_rate: Fraction | None
    incidents: int
    time_to_restore: timedelta | None

    def to_dict(self) -> dict[str, object]:
        """Plain data for display (durations as ISO 8601, rates as ints or ``"p/q"``).

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> DoraPeriod(start=t, end=t, deployments=3, deployments_per_day=Fraction(3, 7),
        ...     lead_time=timedelta(hours=5), change_failure_rate=Fraction(1, 3), incidents=0,
        ...     time_to_restore=None).to_dict()["deployments_per_day"]
        '3/7'
        """
        def opt(value: timedelta | None) -> str | None:
            return None if value is None else format_duration(value)

        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "deployments": self.deployments,
                "deployments_per_day": format_number(self.deployments_per_day),
                "lead_time": opt(self.lead_time),
                "change_failure_rate": None if self.change_failure_rate is None
                else format_number(self.change_failure_rate),
                "incidents": self.incidents, "time_to_restore": opt(self.time_to_restore)}


def _lower_median(values: list[int]) -> timedelta | None:
    if not values:
        return None
    values.sort()
    return td(values[(len(values) - 1) // 2])


def dora_metrics(deployments: Iterable[Deployment], restorations: Iterable[Restoration], *,
                 start: datetime, end: datetime, period: timedelta = timedelta(days=7)
                 ) -> tuple[DoraPeriod, ...]:
    """The four key metrics for each period from *start* to *end* (the last may be shorter).

    Records outside ``[start, end)`` are ignored.  Periods are fixed lengths of elapsed time.

    Raises:
        InvalidArgumentError: *end* before *start*, a period <= 0 or more than 100,000 periods.

    >>> from datetime import timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> r = [Restoration(id="I1", started_at=t, restored_at=t + timedelta(minutes=40))]
    >>> [str(p.time_to_restore) for p in dora_metrics([], r, start=t, end=t + timedelta(days=2),
    ...                                               period=timedelta(days=1))]
    ['0:40:00', 'None']
    """
    a, b = to_us(start, "start"), to_us(end, "end")
    step = duration_us(period, "period")
    if b < a:
        raise InvalidArgumentError(f"end: {end} is before start {start}; expected end >= start")
    if step <= 0:
        raise InvalidArgumentError(f"period: {period} is not positive; expected a timedelta > 0")
    count = -(-(b - a) // step)
    if count > MAX_PERIODS:
        raise InvalidArgumentError(f"period: {count} periods of {period}; expected at most {MAX_PERIODS}")
    deployed: list[list[Deployment]] = [[] for _ in range(count)]
    lead: list[list[int]] = [[] for _ in range(count)]
    restore: list[list[int]] = [[] for _ in range(count)]
    for index, dep in enumerate(items_of(deployments, "deployments", "Deployment values")):
        if not isinstance(dep, Deployment):
            raise ArgumentTypeError(f"deployments[{index}]: expected a Deployment, got {shown(dep)}")
        t = to_us(dep.deployed_at, "deployed_at")
        if a <= t < b:
            k = (t - a) // step
            deployed[k].append(dep)
            if dep.committed_at is not None:
                lead[k].append(t - to_us(dep.committed_at, "committed_at"))
    for index, inc in enumerate(items_of(restorations, "restorations", "Restoration values")):
        if not isinstance(inc, Restoration):
            raise ArgumentTypeError(f"restorations[{index}]: expected a Restoration, got {shown(inc)}")
        t = to_us(inc.started_at, "started_at")
        if a <= t < b:
            restore[(t - a) // step].append(to_us(inc.restored_at, "restored_at") - t)
    tz = start.tzinfo
    assert tz is not None
    out = []
    for k in range(count):
        lo, hi = a + k * step, min(a + (k + 1) * step, b)
        n = len(deployed[k])
        failed = sum(1 for d in deployed[k] if d.failed)
        out.append(DoraPeriod(
            start=from_us(lo, tz), end=from_us(hi, tz), deployments=n,
            deployments_per_day=Fraction(n * US_PER_DAY, hi - lo),
            lead_time=_lower_median(lead[k]), change_failure_rate=Fraction(failed, n) if n else None,
            incidents=len(restore[k]), time_to_restore=_lower_median(restore[k])))
    return tuple(out)


@attrs.frozen(kw_only=True)
class DoraTier:
    """One performance cluster of a State of DevOps report, as published, with machine bounds.

    The published text is kept verbatim; the bounds are this library's reading of it (a
    metric meets the tier when at least as good as the bound).

    Attributes:
        report: the source, e.g. ``"Accelerate State of DevOps Report 2023 (DORA, Google Cloud)"``.
        year: the report year.
        name: ``"elite"``, ``"high"``, ``"medium"`` or ``"low"``.
        deployment_frequency, lead_time_text, change_failure_rate_text, recovery_time_text:
            the published descriptions.
        min_deployments_per_day: the least deployments per day meeting the tier.
        max_lead_time, max_recovery_time: the longest durations meeting it (``None``: no bound).
        max_change_failure_rate: the published failure rate for the cluster.

    >>> DORA_2023_TIERS[0].name, DORA_2023_TIERS[0].max_change_failure_rate
    ('elite', Fraction(1, 20))
    """

    report: str
    year: int
    name: str
    deployment_frequency: str
    lead_time_text: str
    change_failure_rate_text: str
    recovery_time_text: str
    min_deployments_per_day: Fraction
    max_lead_time: timedelta | None
    max_change_failure_rate: Fraction
    max_recovery_time: timedelta | None


_REPORT_2023 = "Accelerate State of DevOps Report 2023 (DORA, Google Cloud)"

#: The four clusters of the 2023 Accelerate State of DevOps Report ("software delivery
#: performance levels" table).  The report describes medium and low with the same deployment
#: frequency and lead-time ranges; they differ in failure rate and recovery time.
DORA_2023_TIERS: tuple[DoraTier, ...] = (
    DoraTier(report=_REPORT_2023, year=2023, name="elite",
             deployment_frequency="On demand (multiple deploys per day)",
             lead_time_text="Less than one day", change_failure_rate_text="5%",
             recovery_time_text="Less than one hour",
             min_deployments_per_day=Fraction(1), max_lead_time=timedelta(days=1),
             max_change_failure_rate=Fraction(5, 100), max_recovery_time=timedelta(hours=1)),
    DoraTier(report=_REPORT_2023, year=2023, name="high",
             deployment_frequency="Between once per day and once per week",
             lead_time_text="Between one day and one week", change_failure_rate_text="10%",
             recovery_time_text="Less than one day",
             min_deployments_per_day=Fraction(1, 7), max_lead_time=timedelta(weeks=1),
             max_change_failure_rate=Fraction(10, 100), max_recovery_time=timedelta(days=1)),
    DoraTier(report=_REPORT_2023, year=2023, name="medium",
             deployment_frequency="Between once per week and once per month",
             lead_time_text="Between one week and one month", change_failure_rate_text="15%",
             recovery_time_text="Between one day and one week",
             min_deployments_per_day=Fraction(1, 31), max_lead_time=timedelta(days=31),
             max_change_failure_rate=Fraction(15, 100), max_recovery_time=timedelta(weeks=1)),
    DoraTier(report=_REPORT_2023, year=2023, name="low",
             deployment_frequency="Between once per week and once per month",
             lead_time_text="Between one week and one month", change_failure_rate_text="64%",
             recovery_time_text="Between one month and six months",
             min_deployments_per_day=Fraction(0), max_lead_time=None,
             max_change_failure_rate=Fraction(1), max_recovery_time=None),
)


def tier_of(period: DoraPeriod, tiers: tuple[DoraTier, ...] = DORA_2023_TIERS) -> dict[str, str | None]:
    """Each metric's tier: the best tier whose bound the metric meets (``None`` without data).

    >>> from datetime import timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> p = DoraPeriod(start=t, end=t, deployments=10, deployments_per_day=Fraction(10, 7),
    ...     lead_time=timedelta(days=3), change_failure_rate=Fraction(1, 10), incidents=1,
    ...     time_to_restore=timedelta(minutes=30))
    >>> tier_of(p)
    {'deployment_frequency': 'elite', 'lead_time': 'high', 'change_failure_rate': 'high', 'time_to_restore': 'elite'}
    """
    def best(ok: list[bool]) -> str | None:
        return next((tier.name for tier, good in zip(tiers, ok, strict=True) if good), None)

    lead, cfr, ttr = period.lead_time, period.change_failure_rate, period.time_to_restore
    return {
        "deployment_frequency": best([period.deployments_per_day >= t.min_deployments_per_day for t in tiers]),
        "lead_time": None if lead is None else best(
            [t.max_lead_time is None or lead <= t.max_lead_time for t in tiers]),
        "change_failure_rate": None if cfr is None else best([cfr <= t.max_change_failure_rate for t in tiers]),
        "time_to_restore": None if ttr is None else best(
            [t.max_recovery_time is None or ttr <= t.max_recovery_time for t in tiers]),
    }

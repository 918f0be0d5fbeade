"""The incident KPI report: one :class:`KpiRow` per group and period.

>>> from datetime import timedelta
>>> from fractions import Fraction
>>> row = KpiRow(group=("Network",), period="2025-03", resolved=4,
...              mttr=timedelta(hours=5), mttr_business=timedelta(hours=3),
...              first_contact=3, reopened=1, backlog=2, ageing=(1, 1, 0, 0, 0))
>>> row.first_contact_rate, row.reopen_rate
(Fraction(3, 4), Fraction(1, 4))
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from itertools import pairwise
from typing import Any

import attrs

from itsm_core._instant import duration_in_words, format_duration
from itsm_core.ratios import report_percent

__all__ = ["KpiReport", "KpiRow"]


def _rate(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def _duration(value: timedelta | None) -> str | None:
    return None if value is None else format_duration(value)


@attrs.frozen(kw_only=True)
class KpiRow:
    """The incident KPIs of one group over one period.

    Attributes:
        group: the values of the report's ``by`` fields.
        period: the period key (``"2025-03"``).
        acknowledged: tickets acknowledged in the period.
        mtta, mtta_business: their mean time to acknowledge, wall clock and business time
            (exact means rounded half-even to the microsecond; ``None`` when none).
        resolved: tickets resolved (finally) in the period.
        mttr, mttr_business: their mean time to resolve, wall clock and business time.
        first_contact: resolved tickets that stayed with one group and were never reopened.
        reopened: resolved tickets that had been reopened.
        backlog: tickets open at the period's end.
        ageing: the backlog split by age at the period's end, one count per bucket.

    >>> KpiRow(group=(None,), period="2025").reopen_rate is None
    True
    """

    group: tuple[Any, ...]
    period: str
    acknowledged: int = 0
    mtta: timedelta | None = None
    mtta_business: timedelta | None = None
    resolved: int = 0
    mttr: timedelta | None = None
    mttr_business: timedelta | None = None
    first_contact: int = 0
    reopened: int = 0
    backlog: int = 0
    ageing: tuple[int, ...] = ()

    @property
    def first_contact_rate(self) -> Fraction | None:
        """``first_contact / resolved``, exact (``None`` when nothing was resolved).

        >>> KpiRow(group=(), period="2025", resolved=3, first_contact=2).first_contact_rate
        Fraction(2, 3)
        """
        return _rate(self.first_contact, self.resolved)

    @property
    def reopen_rate(self) -> Fraction | None:
        """``reopened / resolved``, exact (``None`` when nothing was resolved).

        >>> KpiRow(group=(), period="2025", resolved=4, reopened=1).reopen_rate
        Fraction(1, 4)
        """
        return _rate(self.reopened, self.resolved)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: durations in ISO 8601, rates as exact ``"p/q"`` strings.

        >>> KpiRow(group=("DB",), period="2025-01", resolved=2, first_contact=1).to_dict()["first_contact_rate"]
        '1/2'
        """
        first, reopen = self.first_contact_rate, self.reopen_rate
        return {"group": list(self.group), "period": self.period,
                "acknowledged": self.acknowledged, "mtta": _duration(self.mtta),
                "mtta_business": _duration(self.mtta_business), "resolved": self.resolved,
                "mttr": _duration(self.mttr), "mttr_business": _duration(self.mttr_business),
                "first_contact": self.first_contact,
                "first_contact_rate": None if first is None else str(first),
                "reopened": self.reopened, "reopen_rate": None if reopen is None else str(reopen),
                "backlog": self.backlog, "ageing": list(self.ageing)}


def _words(value: timedelta | None) -> str:
    return "-" if value is None else duration_in_words(value)


@attrs.frozen(kw_only=True)
class KpiReport:
    """Incident KPIs per group (the values of the *by* fields) and period.

    Attributes:
        by: the fields rows are grouped by.
        period: the kind of period (``"month"``...).
        buckets: the upper bounds of the ageing buckets (the last bucket is open-ended).
        rows: by period, then group.

    >>> report = KpiReport(by=("group",), period="month", buckets=(timedelta(days=1),),
    ...                    rows=(KpiRow(group=("DB",), period="2025-01", backlog=1,
    ...                                 ageing=(0, 1)),))
    >>> report.bucket_labels, report.to_dict()["rows"][0]["ageing"]
    (('PT0S-P1D', 'P1D+'), [0, 1])
    """

    by: tuple[str, ...]
    period: str
    buckets: tuple[timedelta, ...]
    rows: tuple[KpiRow, ...]

    @property
    def bucket_labels(self) -> tuple[str, ...]:
        """The ageing buckets as ``"from-to"`` ISO 8601 labels, the last ``"from+"``.

        >>> KpiReport(by=(), period="week", buckets=(), rows=()).bucket_labels
        ('PT0S+',)
        """
        bounds = [timedelta(0), *self.buckets]
        labels = [f"{format_duration(a)}-{format_duration(b)}"
                  for a, b in pairwise(bounds)]
        return (*labels, f"{format_duration(bounds[-1])}+")

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> KpiReport(by=("group",), period="month", buckets=(), rows=()).to_dict()
        {'by': ['group'], 'period': 'month', 'buckets': ['PT0S+'], 'rows': []}
        """
        return {"by": list(self.by), "period": self.period,
                "buckets": list(self.bucket_labels), "rows": [r.to_dict() for r in self.rows]}

    def __str__(self) -> str:
        lines = [f"incident KPIs by {', '.join(self.by) or 'nothing'} per {self.period}"]
        for row in self.rows:
            group = ", ".join(str(v) for v in row.group) or "all"
            lines.append(
                f"{row.period} {group}: MTTA {_words(row.mtta)} ({_words(row.mtta_business)} "
                f"business, {row.acknowledged}), MTTR {_words(row.mttr)} "
                f"({_words(row.mttr_business)} business, {row.resolved}), first contact "
                f"{report_percent(row.first_contact_rate)}, reopened "
                f"{report_percent(row.reopen_rate, higher_is_worse=True)}, "
                f"backlog {row.backlog} "
                f"[{' '.join(f'{n}' for n in row.ageing)}]")
        return "\n".join(lines)

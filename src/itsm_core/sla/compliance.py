"""Compliance reports: SLA cycles grouped and counted, with exact compliance and statistics.

Each cycle of each outcome counts once in the group its keys select.  ``compliance`` is
``met / (met + breached)`` as an exact ``Fraction`` (``None`` when nothing has finished);
running, paused and cancelled cycles do not enter it.  Elapsed-time statistics cover every
cycle of the group: the mean and the median (rounded to the microsecond, half to even) and
the 90th percentile by nearest rank (an observed value).

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaDefinition, TicketEvent
>>> d = SlaDefinition.from_dict({"name": "fix", "targets": {"P1": "PT4H"},
...                              "stop": {"state_in": ["Resolved"]}})
>>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
>>> outcomes = [d.evaluate([TicketEvent(at(8), "New", "P1"), TicketEvent(at(8 + h), "Resolved", "P1")],
...                        ticket=f"INC{h}") for h in (1, 3, 6)]
>>> report = compliance_report(outcomes)
>>> row = report.rows[0]
>>> row.total, row.met, row.breached, row.compliance, row.median_elapsed
(3, 2, 1, Fraction(2, 3), datetime.timedelta(seconds=10800))
>>> print(report.to_text())
definition  priority  total  met  breached  running  paused  cancelled  compliance  mean     median   p90
fix         P1        3      2    1         0        0       0          66.7%       3:20:00  3:00:00  6:00:00
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._instant import format_duration
from itsm_core.errors import ArgumentTypeError, ConfigError
from itsm_core.sla.outcome import SlaCycle, SlaOutcome, Stage

__all__ = ["PERIODS", "ComplianceReport", "ComplianceRow", "check_grouping", "compliance_report"]

PERIODS = ("day", "week", "month", "year")
_COUNTS = ("total", "met", "breached", "running", "paused", "cancelled")


def check_grouping(by: object, period: object) -> None:
    """Check a report's grouping: *by* a sequence of key names, *period* one of
    :data:`PERIODS` or ``None`` (shared by every front end that groups outcomes).

    >>> check_grouping("priority", None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: by: expected a sequence of key names, got 'priority'; expected e.g. ('definition', 'priority')
    """
    if isinstance(by, str) or not isinstance(by, (list, tuple)) \
            or not all(isinstance(b, str) and b for b in by):
        raise ConfigError("by", f"expected a sequence of key names, got {by!r}",
                          "e.g. ('definition', 'priority')")
    if period is not None and period not in PERIODS:
        raise ConfigError("period", f"unknown period {period!r}",
                          f"one of {', '.join(PERIODS)}, or None")


def _period_key(period: str) -> Callable[[SlaCycle], str]:
    def key(cycle: SlaCycle) -> str:
        start = cycle.started_at  # in the calendar's zone
        if period == "day":
            return start.date().isoformat()
        if period == "week":
            year, week, _ = start.isocalendar()
            return f"{year}-W{week:02d}"
        if period == "month":
            return f"{start.year:04d}-{start.month:02d}"
        return f"{start.year:04d}"

    return key


def _getter(name: str) -> Callable[[SlaOutcome, SlaCycle], Any]:
    if name == "definition":
        return lambda o, c: o.definition
    if name == "ticket":
        return lambda o, c: o.ticket
    if name == "priority":
        return lambda o, c: c.priority
    if name == "stage":
        return lambda o, c: c.stage.value
    return lambda o, c: o.fields.get(name)


def _round(value: Fraction) -> timedelta:
    return timedelta(microseconds=round(value))


@attrs.frozen(kw_only=True)
class ComplianceRow:
    """One group of a report: its key values, counts, exact compliance and statistics.

    >>> row = ComplianceRow(keys=(("definition", "fix"),), total=1, met=1, breached=0,
    ...                     running=0, paused=0, cancelled=0, overdue=0,
    ...                     compliance=Fraction(1), mean_elapsed=timedelta(hours=1),
    ...                     median_elapsed=timedelta(hours=1), p90_elapsed=timedelta(hours=1))
    >>> row.to_dict()["compliance"], row.to_dict()["p90_elapsed"]
    (1.0, 'PT1H')
    """

    keys: tuple[tuple[str, Any], ...]
    total: int
    met: int
    breached: int
    running: int
    paused: int
    cancelled: int
    overdue: int
    compliance: Fraction | None
    mean_elapsed: timedelta
    median_elapsed: timedelta
    p90_elapsed: timedelta

    def to_dict(self) -> dict[str, Any]:
        """Group keys, counts, compliance as a float (display) and ISO 8601 durations.

        ``overdue`` counts running or paused cycles already past their target.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": "PT4H",
        ...                                "stop": {"state_in": ["Resolved"]}})
        >>> at = lambda h: datetime(2025, 1, 6, h, tzinfo=timezone.utc)
        >>> late = fix.evaluate([TicketEvent(at(8), "New"), TicketEvent(at(13), "Resolved")])
        >>> still_open = fix.evaluate([TicketEvent(at(8), "New")], as_of=at(14))
        >>> data = compliance_report([late, still_open], by=("definition",)).rows[0].to_dict()
        >>> data["breached"], data["running"], data["overdue"], data["mean_elapsed"]
        (1, 1, 1, 'PT5H30M')
        """
        out: dict[str, Any] = dict(self.keys)
        out.update(total=self.total, met=self.met, breached=self.breached, running=self.running,
                   paused=self.paused, cancelled=self.cancelled, overdue=self.overdue,
                   compliance=None if self.compliance is None else float(self.compliance),
                   mean_elapsed=format_duration(self.mean_elapsed),
                   median_elapsed=format_duration(self.median_elapsed),
                   p90_elapsed=format_duration(self.p90_elapsed))
        return out


def _row(keys: tuple[tuple[str, Any], ...], cycles: list[SlaCycle]) -> ComplianceRow:
    counts = dict.fromkeys(Stage, 0)
    overdue = 0
    for cycle in cycles:
        counts[cycle.stage] += 1
        if cycle.is_open and cycle.breached:
            overdue += 1
    elapsed = sorted(c.elapsed_us for c in cycles)
    n = len(elapsed)
    finished = counts[Stage.MET] + counts[Stage.BREACHED]
    middle = Fraction(elapsed[(n - 1) // 2] + elapsed[n // 2], 2)
    return ComplianceRow(
        keys=keys, total=n, met=counts[Stage.MET], breached=counts[Stage.BREACHED],
        running=counts[Stage.RUNNING], paused=counts[Stage.PAUSED],
        cancelled=counts[Stage.CANCELLED], overdue=overdue,
        compliance=Fraction(counts[Stage.MET], finished) if finished else None,
        mean_elapsed=_round(Fraction(sum(elapsed), n)), median_elapsed=_round(middle),
        p90_elapsed=timedelta(microseconds=elapsed[(9 * n + 9) // 10 - 1]),
    )


def _hms(value: timedelta) -> str:
    seconds = round(Fraction(value // timedelta(microseconds=1), 1_000_000))
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _sort_key(keys: tuple[Any, ...]) -> tuple[tuple[bool, str, Any], ...]:
    return tuple((v is None, type(v).__name__, v if isinstance(v, (str, int)) else str(v))
                 for v in keys)


@attrs.frozen(kw_only=True)
class ComplianceReport:
    """A compliance report: rows per group, and the outcomes that were skipped.

    Attributes:
        by: the grouping keys (plus ``"period"`` when a period was asked for).
        rows: one :class:`ComplianceRow` per group, sorted by key (``None`` last).
        skipped: ``(definition, ticket, reason)`` for outcomes that could not be evaluated.

    >>> compliance_report([]).to_dict()
    {'by': ['definition', 'priority'], 'rows': [], 'skipped': []}
    """

    by: tuple[str, ...]
    rows: tuple[ComplianceRow, ...]
    skipped: tuple[tuple[str, Any, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``{"by": [...], "rows": [row.to_dict(), ...], "skipped": [{...}, ...]}``.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent
        >>> fix = SlaDefinition.from_dict({"name": "fix", "targets": {"P1": "PT4H"}})
        >>> opened = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)
        >>> outcomes = [fix.evaluate([TicketEvent(opened, "New", p)], ticket=t, strict=False)
        ...             for t, p in (("INC1", "P1"), ("INC2", "P3"))]
        >>> data = compliance_report(outcomes, by=("priority",)).to_dict()
        >>> [row["priority"] for row in data["rows"]], data["skipped"][0]["ticket"]
        (['P1'], 'INC2')
        >>> print(data["skipped"][0]["reason"])
        event 0 (2025-01-06T09:00:00+00:00): priority 'P3' has no target; expected one of ['P1']
        """
        return {"by": list(self.by), "rows": [r.to_dict() for r in self.rows],
                "skipped": [{"definition": d, "ticket": t, "reason": r}
                            for d, t, r in self.skipped]}

    def to_text(self) -> str:
        """An aligned text table (compliance in percent, durations as ``h:mm:ss``).

        >>> print(compliance_report([], by=("definition",)).to_text())
        definition  total  met  breached  running  paused  cancelled  compliance  mean  median  p90
        """
        header = [*self.by, *_COUNTS, "compliance", "mean", "median", "p90"]
        lines = [header]
        for row in self.rows:
            shown = "-" if row.compliance is None else f"{float(row.compliance) * 100:.1f}%"
            lines.append([*("" if v is None else str(v) for _, v in row.keys),
                          *(str(getattr(row, c)) for c in _COUNTS), shown,
                          _hms(row.mean_elapsed), _hms(row.median_elapsed),
                          _hms(row.p90_elapsed)])
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True))
                         .rstrip() for line in lines)


def compliance_report(outcomes: Iterable[SlaOutcome],
                      by: Sequence[str] = ("definition", "priority"),
                      period: str | None = None) -> ComplianceReport:
    """Group the cycles of *outcomes* and count them.

    Args:
        outcomes: results of ``SlaDefinition.evaluate`` / ``SlaPolicy.evaluate``.
        by: grouping keys: ``"definition"``, ``"priority"`` (the cycle's target key),
            ``"ticket"``, ``"stage"``, or any ticket field name (read from the outcome's
            fields as of its last event; missing reads ``None``).
        period: also group by ``"day"``, ``"week"`` (ISO), ``"month"`` or ``"year"`` of
            the cycle's start in its calendar's zone; the key column is ``"period"``.

    Raises:
        ConfigError: *by* or *period* is malformed.

    >>> compliance_report([], period="fortnight")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: period: unknown period 'fortnight'; expected one of day, week, month, year, or None
    """
    check_grouping(by, period)
    getters = [_getter(name) for name in by]
    period_of = _period_key(period) if period is not None else None
    names = (*by, "period") if period_of is not None else tuple(by)
    groups: dict[tuple[Any, ...], list[SlaCycle]] = {}
    skipped: list[tuple[str, Any, str]] = []
    for outcome in outcomes:
        if not isinstance(outcome, SlaOutcome):
            raise ArgumentTypeError(f"outcomes: expected SlaOutcome values, got {outcome!r}")
        if outcome.skipped is not None:
            skipped.append((outcome.definition, outcome.ticket, outcome.skipped))
        for cycle in outcome.cycles:
            key = tuple(g(outcome, cycle) for g in getters)
            if period_of is not None:
                key = (*key, period_of(cycle))
            groups.setdefault(key, []).append(cycle)
    rows = tuple(_row(tuple(zip(names, key, strict=True)), groups[key])
                 for key in sorted(groups, key=_sort_key))
    return ComplianceReport(by=names, rows=rows, skipped=tuple(skipped))

"""A compliance report's values: :class:`ComplianceRow` per group, :class:`ComplianceReport`.

Reports are built by :func:`itsm_core.sla.compliance.compliance_report` or by a
:class:`~itsm_core.sla.compliance.ComplianceAccumulator`; this module holds the values and
their plain-data and text forms.

>>> from datetime import timedelta
>>> from fractions import Fraction
>>> hour = timedelta(hours=1)
>>> row = ComplianceRow(keys=(("definition", "fix"),), total=2, met=1, breached=1, running=0,
...                     paused=0, cancelled=0, overdue=0, compliance=Fraction(1, 2),
...                     mean_elapsed=hour, median_elapsed=hour, p90_elapsed=2 * hour)
>>> print(ComplianceReport(by=("definition",), rows=(row,)).to_text())
definition  total  met  breached  running  paused  cancelled  compliance  mean     median   p90
fix         2      1    1         0       0       0          50.0%       1:00:00  1:00:00  2:00:00
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._instant import format_duration
from itsm_core.errors import shown

__all__ = ["ComplianceReport", "ComplianceRow"]

_DIGITS = re.compile("([0-9]+)")
COUNTS = ("total", "met", "breached", "running", "paused", "cancelled")


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
        >>> from itsm_core.sla import SlaDefinition, TicketEvent, compliance_report
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


def _hms(value: timedelta) -> str:
    seconds = round(Fraction(value // timedelta(microseconds=1), 1_000_000))
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


def group_order(keys: tuple[Any, ...]) -> tuple[tuple[bool, str, tuple[int, Any]], ...]:
    """The sort key of a report's group keys: natural order, ``None`` last, types apart.

    Each value is compared with values of its own type (types in order of their names,
    ``None`` after all of them): integers and floats by value (a float NaN after the
    numbers), strings and everything else by their text in *natural* order, where a run
    of ASCII digits compares as the number it spells (``Group 2`` before ``Group 10``;
    equal numbers then compare as text, so ``P02`` and ``P2`` keep a fixed order).  The
    key never raises: a digit run of any length compares without being converted, and a
    value whose ``str`` fails is compared by a bounded ``repr``.

    >>> sorted([("P10",), (None,), ("P2",), ("P1",)], key=group_order)
    [('P1',), ('P2',), ('P10',), (None,)]
    >>> sorted(["Group 10", "group 9", "Group 9", "Group 09"], key=lambda v: group_order((v,)))
    ['Group 09', 'Group 9', 'Group 10', 'group 9']
    """
    return tuple((v is None, type(v).__name__, _value_order(v)) for v in keys)


def _value_order(value: object) -> tuple[int, Any]:
    """``(kind, key)``: the kind keeps keys of different shapes apart (two types with one
    name); plain ``int``/``float``/``str`` copies keep subclasses' comparisons out."""
    if isinstance(value, int):  # bool included (its own type name keeps it apart)
        return 0, int.__index__(value)
    if isinstance(value, float):
        number = float.__float__(value)
        nan = math.isnan(number)
        return 1, (nan, 0.0 if nan else number)  # NaN after the numbers
    text = str.__str__(value) if isinstance(value, str) else _text(value)
    return 2, (_natural(text), text)


def _text(value: object) -> str:
    """``str(value)``, or a bounded ``repr`` when ``str`` fails (a sort key never fails)."""
    try:
        text = str(value)
    except Exception:  # any value's str may fail; the order must still be defined
        return shown(value)
    return str.__str__(text) if isinstance(text, str) else shown(value)


def _natural(text: str) -> tuple[Any, ...]:
    """*text* cut into text and digit runs; a digit run compares as its number, by
    ``(length without leading zeros, digits)`` (no ``int()``: any length is safe)."""
    parts: list[Any] = []
    for index, part in enumerate(_DIGITS.split(text)):
        if index % 2:  # split() with a group puts the digit runs at the odd places
            digits = part.lstrip("0")
            parts.append((len(digits), digits))
        else:
            parts.append(part)
    return tuple(parts)


@attrs.frozen(kw_only=True)
class ComplianceReport:
    """A compliance report: rows per group, and the outcomes that were skipped.

    Attributes:
        by: the grouping keys (plus ``"period"`` when a period was asked for).
        rows: one :class:`ComplianceRow` per group, sorted by key in natural order
            (:func:`group_order`: ``Group 2`` before ``Group 10``, ``None`` last).
        skipped: ``(definition, ticket, reason)`` for outcomes that could not be evaluated.

    >>> from itsm_core.sla import compliance_report
    >>> compliance_report([]).to_dict()
    {'by': ['definition', 'priority'], 'rows': [], 'skipped': []}
    """

    by: tuple[str, ...]
    rows: tuple[ComplianceRow, ...]
    skipped: tuple[tuple[str, Any, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``{"by": [...], "rows": [row.to_dict(), ...], "skipped": [{...}, ...]}``.

        >>> from datetime import datetime, timezone
        >>> from itsm_core.sla import SlaDefinition, TicketEvent, compliance_report
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

        >>> from itsm_core.sla import compliance_report
        >>> print(compliance_report([], by=("definition",)).to_text())
        definition  total  met  breached  running  paused  cancelled  compliance  mean  median  p90
        """
        header = [*self.by, *COUNTS, "compliance", "mean", "median", "p90"]
        lines = [header]
        for row in self.rows:
            shown = "-" if row.compliance is None else f"{float(row.compliance) * 100:.1f}%"
            lines.append([*("" if v is None else str(v) for _, v in row.keys),
                          *(str(getattr(row, c)) for c in COUNTS), shown,
                          _hms(row.mean_elapsed), _hms(row.median_elapsed),
                          _hms(row.p90_elapsed)])
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True))
                         .rstrip() for line in lines)

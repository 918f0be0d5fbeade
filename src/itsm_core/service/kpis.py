"""Incident KPIs per group and period, accumulated one ticket at a time and mergeable
exactly: mean time to acknowledge and to resolve (wall clock and business time),
first-contact resolution, reopen rate, and the backlog at each period's end with its
ageing buckets.

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import TicketEvent
>>> at = lambda d, h: datetime(2025, 3, d, h, tzinfo=timezone.utc)
>>> kpis = KpiAccumulator(KpiSettings())
>>> kpis.add([TicketEvent(at(3, 9), "New", fields={"group": "DB"}),
...           TicketEvent(at(3, 10), "In Progress", fields={"group": "DB"}),
...           TicketEvent(at(4, 9), "Resolved", fields={"group": "DB"})], "INC1")
>>> kpis.add([TicketEvent(at(31, 9), "New", fields={"group": "DB"})], "INC2")
>>> row = kpis.result().rows[0]
>>> row.mtta, row.mttr, row.first_contact_rate, row.backlog, row.ageing
(datetime.timedelta(seconds=3600), datetime.timedelta(days=1), Fraction(1, 1), 1, (1, 0, 0, 0, 0))

See ``docs/service-kpis.md`` for the definitions and worked edge cases.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import timedelta
from fractions import Fraction
from typing import Any

from itsm_core._instant import from_us, td, to_us
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown
from itsm_core.service.kpi_report import KpiReport, KpiRow
from itsm_core.service.kpi_settings import KpiSettings
from itsm_core.service.period import PERIODS, period_bounds, period_of, shift
from itsm_core.sla.events import TicketEvent

__all__ = ["KpiAccumulator"]

_ONE_US = timedelta(microseconds=1)
# one cell: counts and sums of microseconds, then the ageing counts
_ACK, _ACK_WALL, _ACK_BUSINESS, _RES, _RES_WALL, _RES_BUSINESS, _FIRST, _REOPENED, _BACKLOG = \
    range(9)


def _read(event: TicketEvent, name: str) -> Any:
    """The value of field *name* on *event* (``state`` and ``priority`` are its own)."""
    if name == "state":
        return event.state
    if name == "priority":
        return event.priority
    return event.fields.get(name)


def _mean(total: int, count: int) -> timedelta | None:
    """The exact mean of *count* durations summing to *total* microseconds, rounded half to
    even to the microsecond."""
    return td(round(Fraction(total, count))) if count else None


class KpiAccumulator:
    """Incident KPIs per group (the values of the *by* fields) and period, from tickets'
    events (:class:`~itsm_core.sla.TicketEvent`).

    A ticket opens at its first event.  It is acknowledged at the first event where
    ``settings.acknowledged`` holds, and resolved at an event where ``settings.resolved``
    holds while it is open; while resolved, it reopens where ``settings.reopened`` holds
    (or, when that is not set, where ``resolved`` stops holding).  Figures land in periods
    local to the settings' calendar zone:

    * time to acknowledge: in the period of the acknowledgement, grouped by the fields as
      of that event;
    * time to resolve, first-contact resolution and reopen rate: over tickets resolved at
      their last event, in the period of their final resolution, grouped as of it.  First
      contact: never reopened, and at most one group (non-empty ``settings.group_field``
      value) up to the resolution, so the first assignment is not a change;
    * backlog: at the end of each period from the first event seen to the last, the tickets
      opened before it and open after their last event before it, grouped as of that
      event, aged in wall-clock time since they opened.

    Merging is exact: any split of the tickets, merged in any order, gives the report of
    one pass.

    Args:
        settings: what the KPIs read (:class:`KpiSettings`).
        period: one of ``"week"``, ``"month"``, ``"quarter"``, ``"year"``.
        by: the fields rows are grouped by (``"state"`` and ``"priority"`` are the event's).

    Raises:
        ArgumentTypeError: *settings* is not :class:`KpiSettings` or *by* is malformed.
        InvalidArgumentError: *period* is unknown.

    >>> KpiAccumulator(KpiSettings(), period="day")
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: period: unknown period 'day'; expected one of week, month, quarter, year
    """

    __slots__ = ("_bounds", "_bucket_us", "_by", "_cells", "_last", "_period", "_settings",
                 "_tails")

    def __init__(self, settings: KpiSettings, period: str = "month",
                 by: Sequence[str] = ("group",)) -> None:
        if not isinstance(settings, KpiSettings):
            raise ArgumentTypeError(f"settings: expected KpiSettings, got "
                                    f"{type(settings).__name__} {shown(settings)}")
        if period.__class__ is not str or period not in PERIODS:
            raise InvalidArgumentError(f"period: unknown period {shown(period)}; expected one "
                                       f"of {', '.join(PERIODS)}")
        if isinstance(by, (str, bytes)) or not isinstance(by, Sequence) \
                or not all(isinstance(name, str) and name for name in by):
            raise ArgumentTypeError(f"by: expected a sequence of field names, got {shown(by)}")
        self._settings = settings
        self._period = period
        self._by = tuple(by)
        self._cells: dict[tuple[tuple[Any, ...], str], list[int]] = {}
        # tickets open at their last event: (first period counted, group, opened at)
        self._tails: list[tuple[str, tuple[Any, ...], int]] = []
        self._last: str | None = None  # the period of the latest event seen
        self._bounds: dict[str, int] = {}  # period -> its end, a cache
        self._bucket_us = [b // _ONE_US for b in settings.buckets]

    def __getstate__(self) -> tuple[Any, ...]:
        return self._settings, self._period, self._by, self._cells, self._tails, self._last

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._settings, self._period, self._by, self._cells, self._tails, self._last = state
        self._bounds = {}
        self._bucket_us = [b // _ONE_US for b in self._settings.buckets]

    @property
    def by(self) -> tuple[str, ...]:
        """The fields rows are grouped by.

        >>> KpiAccumulator(KpiSettings(), by=["group", "priority"]).by
        ('group', 'priority')
        """
        return self._by

    def _period_of(self, us: int) -> str:
        return period_of(from_us(us, self._settings.calendar.timezone), self._period,
                         self._settings.calendar.timezone)

    def _end(self, key: str) -> int:
        end = self._bounds.get(key)
        if end is None:
            end = self._bounds[key] = to_us(
                period_bounds(key, self._settings.calendar.timezone)[1], "end")
        return end

    def _cell(self, group: tuple[Any, ...], period: str,
              cells: dict[tuple[tuple[Any, ...], str], list[int]] | None = None) -> list[int]:
        cells = self._cells if cells is None else cells
        try:
            cell = cells.get((group, period))
        except TypeError:
            raise ArgumentTypeError(f"by: cannot group by the unhashable value {shown(group)}; "
                                    "expected strings, numbers, None or other hashable "
                                    "values") from None
        if cell is None:
            cell = cells[group, period] = [0] * (_BACKLOG + 2 + len(self._bucket_us))
        return cell

    def _count_backlog(self, group: tuple[Any, ...], period: str, age_us: int,
                       cells: dict[tuple[tuple[Any, ...], str], list[int]] | None = None
                       ) -> None:
        cell = self._cell(group, period, cells)
        cell[_BACKLOG] += 1
        cell[_BACKLOG + 1 + bisect_right(self._bucket_us, age_us)] += 1

    def _widen(self, last: str | None) -> None:
        if last is not None and (self._last is None or last > self._last):
            self._last = last

    def add(self, events: Iterable[TicketEvent], ticket: object = None) -> None:
        """Count one ticket from its events (sorted by time here, stably).

        Raises:
            ArgumentTypeError: an event is not a :class:`~itsm_core.sla.TicketEvent`.
            InvalidArgumentError: *events* is empty.

        >>> KpiAccumulator(KpiSettings()).add([], "INC1")
        Traceback (most recent call last):
        ...
        itsm_core.errors.InvalidArgumentError: events of ticket 'INC1': empty; expected at least one TicketEvent
        """
        history = list(events)
        for event in history:
            if not isinstance(event, TicketEvent):
                raise ArgumentTypeError(f"events of ticket {shown(ticket)}: expected "
                                        f"TicketEvent values, got {shown(event)}")
        if not history:
            raise InvalidArgumentError(f"events of ticket {shown(ticket)}: empty; expected at "
                                       "least one TicketEvent")
        history.sort(key=lambda e: to_us(e.at, "at"))
        settings, by = self._settings, self._by
        keys = [tuple(_read(event, name) for name in by) for event in history]
        try:  # every group hashable, before anything is counted
            hash(tuple(keys))
        except TypeError:
            raise ArgumentTypeError(f"by: ticket {shown(ticket)} cannot be grouped by "
                                    f"{shown(by)}: a value is unhashable; expected strings, "
                                    "numbers, None or other hashable values") from None
        opened = history[0]
        opened_us = to_us(opened.at, "at")
        period = self._period_of(opened_us)
        end = self._end(period)
        self._widen(self._period_of(to_us(history[-1].at, "at")))
        resolved = acknowledged = False
        reopens = 0
        held: Any = None  # the first group that held the ticket
        single = True  # at most one group so far
        group: tuple[Any, ...] = ()
        resolution: TicketEvent | None = None
        group_at_resolution: tuple[Any, ...] = ()
        previous: TicketEvent | None = None
        for event, key in zip(history, keys, strict=True):
            at_us = to_us(event.at, "at")
            while end <= at_us:  # a period ends before this event: count the backlog
                if not resolved:
                    self._count_backlog(group, period, end - opened_us)
                period = shift(period, 1)
                end = self._end(period)
            group = key
            if not resolved:
                value = event.fields.get(settings.group_field)
                if value is not None and value != "":
                    if held is None:
                        held = value
                    elif value != held:
                        single = False
            if not acknowledged and settings.acknowledged.holds(event, previous):
                acknowledged = True
                cell = self._cell(group, self._period_of(at_us))
                cell[_ACK] += 1
                cell[_ACK_WALL] += at_us - opened_us
                cell[_ACK_BUSINESS] += settings.calendar.elapsed(opened.at, event.at) // _ONE_US
            if not resolved:
                if settings.resolved.holds(event, previous):
                    resolved, resolution, group_at_resolution = True, event, key
            elif (settings.reopened.holds(event, previous) if settings.reopened is not None
                  else not settings.resolved.holds(event, previous)):
                resolved, resolution = False, None
                reopens += 1
            previous = event
        if resolution is None:
            self._tails.append((period, group, opened_us))
            return
        resolved_us = to_us(resolution.at, "at")
        cell = self._cell(group_at_resolution, self._period_of(resolved_us))
        cell[_RES] += 1
        cell[_RES_WALL] += resolved_us - opened_us
        cell[_RES_BUSINESS] += settings.calendar.elapsed(opened.at, resolution.at) // _ONE_US
        cell[_FIRST] += single and not reopens
        cell[_REOPENED] += reopens > 0

    def merge(self, other: KpiAccumulator) -> KpiAccumulator:
        """Fold *other* (same settings, period and grouping) into this accumulator; return
        this one.  *other* is left as it was.

        Raises:
            ArgumentTypeError: *other* is not a ``KpiAccumulator``.
            InvalidArgumentError: *other* has other settings, period or grouping.

        >>> KpiAccumulator(KpiSettings()).merge(KpiAccumulator(KpiSettings(), period="week"))
        Traceback (most recent call last):
        ...
        itsm_core.errors.InvalidArgumentError: other: counts per week by ('group',); expected per month by ('group',) with the same settings, as this accumulator
        """
        if not isinstance(other, KpiAccumulator):
            raise ArgumentTypeError(f"other: expected a KpiAccumulator, got "
                                    f"{type(other).__name__}")
        if (other._settings, other._period, other._by) != (self._settings, self._period,
                                                          self._by):
            raise InvalidArgumentError(
                f"other: counts per {other._period} by {shown(other._by)}; expected per "
                f"{self._period} by {shown(self._by)} with the same settings, as this "
                "accumulator")
        for key, theirs in other._cells.items():
            mine = self._cells.get(key)
            if mine is None:
                self._cells[key] = list(theirs)
            else:
                for index, value in enumerate(theirs):
                    mine[index] += value
        self._tails.extend(other._tails)
        self._widen(other._last)
        return self

    def result(self) -> KpiReport:
        """The report: one row per group and period with any figure, by period then group.

        >>> KpiAccumulator(KpiSettings()).result().rows
        ()
        """
        cells = {key: list(cell) for key, cell in self._cells.items()}
        last = self._last
        for first, group, opened_us in self._tails:
            period = first
            while last is not None and period <= last:
                self._count_backlog(group, period, self._end(period) - opened_us, cells)
                period = shift(period, 1)
        rows = [_row(group, period, cell) for (group, period), cell in cells.items()]
        rows.sort(key=lambda r: (r.period, [(v is None, type(v).__name__, str(v))
                                            for v in r.group]))
        return KpiReport(by=self._by, period=self._period, buckets=self._settings.buckets,
                         rows=tuple(rows))


def _row(group: tuple[Any, ...], period: str, cell: list[int]) -> KpiRow:
    return KpiRow(group=group, period=period, acknowledged=cell[_ACK],
                  mtta=_mean(cell[_ACK_WALL], cell[_ACK]),
                  mtta_business=_mean(cell[_ACK_BUSINESS], cell[_ACK]),
                  resolved=cell[_RES], mttr=_mean(cell[_RES_WALL], cell[_RES]),
                  mttr_business=_mean(cell[_RES_BUSINESS], cell[_RES]),
                  first_contact=cell[_FIRST], reopened=cell[_REOPENED],
                  backlog=cell[_BACKLOG], ageing=tuple(cell[_BACKLOG + 1:]))

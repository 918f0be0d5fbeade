"""Allowed downtime: how much unavailability a target permits in a period, exactly.

The allowed downtime of a target ``T`` over an eligible time ``P`` is ``(1 - T) × P``,
**floored to the microsecond**.  Flooring makes the comparison exact in both directions:
for a downtime ``D`` in whole microseconds, ``D <= allowed_downtime(T, P)`` holds exactly
when the availability ``(P - D) / P`` is at least ``T``.

The period is a fixed ``timedelta`` or a calendar window: the open time of a business
calendar between two instants (``calendar.elapsed(start, end)``), so that "99.9 % inside
business hours this month" is a figure, not a guess.

>>> from datetime import timedelta
>>> allowed_downtime("99.9%", timedelta(days=30))
datetime.timedelta(seconds=2592)
>>> print(nines_table(targets=["99.9%"]).render())
target | year | quarter | month | week | day | hour
99.9% | 8.76 hours | 2.16 hours | 43.2 minutes | 10.1 minutes | 1.44 minutes | 3.6 seconds
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import attrs

from itsm_core._args import items_of
from itsm_core._instant import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_SECOND,
    duration_us,
    format_duration,
    td,
    to_us,
)
from itsm_core.availability.agreed import AgreedTimeCalendar
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown
from itsm_core.ratios import format_percent, parse_ratio

__all__ = [
    "SRE_BOOK_PERIODS",
    "SRE_BOOK_TARGETS",
    "NinesRow",
    "NinesTable",
    "allowed_downtime",
    "eligible_time",
    "humanize_duration",
    "nines_table",
]


#: The period lengths the Google SRE book's availability table (Appendix A) uses:
#: a year of 365 days, a quarter of 90 days and a month of 30 days (not a quarter or a
#: twelfth of the year: 99.9 % gives 2.16 hours a quarter and 43.2 minutes a month there).
#: The most rows (targets) and the most columns (periods) one :func:`nines_table` holds.
MAX_TABLE_ROWS = 1_000

SRE_BOOK_PERIODS: tuple[tuple[str, timedelta], ...] = (
    ("year", timedelta(days=365)),
    ("quarter", timedelta(days=90)),
    ("month", timedelta(days=30)),
    ("week", timedelta(days=7)),
    ("day", timedelta(days=1)),
    ("hour", timedelta(hours=1)),
)

#: The rows of the SRE book's availability table, as written there.
SRE_BOOK_TARGETS: tuple[str, ...] = (
    "90%", "95%", "99%", "99.5%", "99.9%", "99.95%", "99.99%", "99.999%",
)


def eligible_time(period: timedelta | None = None, *,
                  calendar: AgreedTimeCalendar | None = None, start: datetime | None = None,
                  end: datetime | None = None) -> timedelta:
    """The eligible time of a fixed period or of a (calendar) window.

    Give either *period* alone, or *start* and *end* (optionally with *calendar*: then the
    calendar's open time in ``[start, end)`` counts; without it, all of ``[start, end)``).

    Raises:
        InvalidArgumentError: both or neither forms given, *end* before *start*, or the
            calendar reports negative open time.
        ArgumentTypeError: *period* is not a timedelta.
        NaiveDatetimeError: *start* or *end* is naive.

    >>> from datetime import timezone
    >>> from itsm_core.calendar import BusinessCalendar
    >>> # Wed 1 to Wed 8 January 2025: five weekdays of 8 hours, 40 hours
    >>> weekdays = BusinessCalendar.from_dict(
    ...     {"timezone": "UTC", "hours": {d: [["09:00", "17:00"]] for d in
    ...                                   ("mon", "tue", "wed", "thu", "fri")}})
    >>> eligible_time(start=datetime(2025, 1, 1, tzinfo=timezone.utc),
    ...               end=datetime(2025, 1, 8, tzinfo=timezone.utc), calendar=weekdays)
    datetime.timedelta(days=1, seconds=57600)
    """
    return td(_eligible_us(period, calendar, start, end))


def _eligible_us(period: timedelta | None, calendar: AgreedTimeCalendar | None,
                 start: datetime | None, end: datetime | None) -> int:
    window = start is not None or end is not None or calendar is not None
    if period is not None:
        if window:
            raise InvalidArgumentError(
                "period: give either a period or a start/end window (with an optional "
                "calendar), not both"
            )
        return duration_us(period, "period")
    if start is None or end is None:
        raise InvalidArgumentError(
            "period: missing; expected a timedelta period, or start= and end= aware datetimes"
        )
    start_us, end_us = to_us(start, "start"), to_us(end, "end")
    if end_us < start_us:
        raise InvalidArgumentError(f"end: {end} is before start {start}; expected start <= end")
    if calendar is None:
        return end_us - start_us
    if not callable(getattr(calendar, "elapsed", None)):
        raise ArgumentTypeError(f"calendar: expected a calendar with elapsed(start, end), got "
                                f"{type(calendar).__name__}")
    open_time = calendar.elapsed(start, end)
    return duration_us(open_time, "calendar.elapsed(start, end)")


def _floor_us(ratio: Fraction, eligible: int) -> int:
    return math.floor(ratio * eligible)


def allowed_downtime(target: object, period: timedelta | None = None, *,
                     calendar: AgreedTimeCalendar | None = None, start: datetime | None = None,
                     end: datetime | None = None) -> timedelta:
    """The downtime *target* allows in a period, floored to the microsecond.

    Args:
        target: the availability target, in any form :func:`parse_ratio` reads.
        period: a fixed period (a ``timedelta``), or ``None`` when a window is given.
        calendar: with *start* and *end*, count only the calendar's open time.
        start: the start of the window (aware).
        end: the end of the window (aware), exclusive.

    Returns:
        ``floor((1 - target) × eligible)`` as a ``timedelta``.

    Raises:
        ConfigError: *target* is not a ratio in ``[0, 1]``.
        InvalidArgumentError: the period or window is malformed (see :func:`eligible_time`).

    >>> allowed_downtime("99.95%", timedelta(days=7))
    datetime.timedelta(seconds=302, microseconds=400000)
    >>> allowed_downtime(0.999, timedelta(microseconds=1999))  # 1.999 µs floors to 1 µs
    datetime.timedelta(microseconds=1)
    """
    ratio = parse_ratio(target, "target")
    eligible = _eligible_us(period, calendar, start, end)
    return td(_floor_us(1 - ratio, eligible))


_UNITS: tuple[tuple[str, int], ...] = (
    ("days", US_PER_DAY),
    ("hours", US_PER_HOUR),
    ("minutes", 60 * US_PER_SECOND),
    ("seconds", US_PER_SECOND),
)


_MAX_SIGNIFICANT = 30  # a timedelta has at most 20 digits of microseconds


def _significant(value: Fraction, digits: int) -> str:
    """*value* (> 0) rounded half-up to *digits* significant digits, trailing zeros cut."""
    exponent = 0
    while value >= Fraction(10) ** (exponent + 1):
        exponent += 1
    while value < Fraction(10) ** exponent:
        exponent -= 1
    decimals = max(0, digits - 1 - exponent)
    scaled = math.floor(value * 10**decimals + Fraction(1, 2))
    whole, frac = divmod(scaled, 10**decimals)
    if not decimals:
        return str(whole)
    return f"{whole}.{frac:0{decimals}d}".rstrip("0").rstrip(".")


def humanize_duration(value: timedelta, significant: int = 3) -> str:
    """A duration in its largest whole unit, to *significant* digits, for display only.

    >>> humanize_duration(timedelta(hours=8, minutes=45, seconds=36))
    '8.76 hours'
    >>> humanize_duration(timedelta(milliseconds=864))
    '0.864 seconds'
    >>> humanize_duration(timedelta(0))
    '0 seconds'
    """
    if isinstance(significant, bool) or not isinstance(significant, int):
        raise ArgumentTypeError(f"significant: expected an int, got "
                                f"{type(significant).__name__} {shown(significant)}")
    if not 1 <= significant <= _MAX_SIGNIFICANT:
        raise InvalidArgumentError(f"significant: {shown(significant)}; expected an int from 1 "
                                   f"to {_MAX_SIGNIFICANT}")
    us = duration_us(value, "value", allow_negative=True)
    if us == 0:
        return "0 seconds"
    sign = "-" if us < 0 else ""
    us = abs(us)
    name, scale = next(((n, s) for n, s in _UNITS if us >= s), _UNITS[-1])
    text = _significant(Fraction(us, scale), significant)
    return f"{sign}{text} {name[:-1] if text == '1' else name}"


@attrs.frozen
class NinesRow:
    """One row of a nines table: a target and the downtime it allows per period.

    >>> row = nines_table(targets=["99%"], periods=[("day", timedelta(days=1))]).rows[0]
    >>> row.allowed
    (datetime.timedelta(seconds=864),)
    """

    target: Fraction
    allowed: tuple[timedelta, ...]


@attrs.frozen
class NinesTable:
    """Allowed downtime for several targets over several periods (exact, floored to µs).

    >>> table = nines_table(targets=["90%"], periods=[("month", timedelta(days=30))])
    >>> table.cell("90%", "month")
    datetime.timedelta(days=3)
    """

    periods: tuple[tuple[str, timedelta], ...]
    rows: tuple[NinesRow, ...]

    def cell(self, target: object, period: str) -> timedelta:
        """The allowed downtime for *target* (any ratio form) over the period named *period*.

        Raises:
            InvalidArgumentError: no such row or period in the table.

        >>> nines_table().cell("99.9%", "year")
        datetime.timedelta(seconds=31536)
        """
        ratio = parse_ratio(target, "target")
        names = [name for name, _ in self.periods]
        if period not in names:
            raise InvalidArgumentError(f"period: {shown(period)} not in the table; expected one of {names}")
        for row in self.rows:
            if row.target == ratio:
                return row.allowed[names.index(period)]
        raise InvalidArgumentError(
            f"target: {format_percent(ratio)} not in the table; expected one of "
            f"{[format_percent(r.target) for r in self.rows]}"
        )

    def render(self, significant: int = 3) -> str:
        """The table as text, one line per target, durations humanised (display only).

        >>> print(nines_table(targets=["95%"], periods=[("day", timedelta(days=1))]).render())
        target | day
        95% | 1.2 hours
        """
        lines = [" | ".join(["target", *(name for name, _ in self.periods)])]
        for row in self.rows:
            cells = [humanize_duration(a, significant) for a in row.allowed]
            lines.append(" | ".join([format_percent(row.target), *cells]))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: periods and rows, durations as ISO 8601 strings, targets as percents.

        >>> nines_table(targets=["99%"], periods=[("day", timedelta(days=1))]).to_dict()
        {'periods': {'day': 'P1D'}, 'rows': [{'target': '99%', 'allowed': {'day': 'PT14M24S'}}]}
        """
        names = [name for name, _ in self.periods]
        return {
            "periods": {name: format_duration(length) for name, length in self.periods},
            "rows": [
                {"target": format_percent(row.target),
                 "allowed": {n: format_duration(a) for n, a in zip(names, row.allowed, strict=True)}}
                for row in self.rows
            ],
        }


def nines_table(targets: Iterable[object] = SRE_BOOK_TARGETS,
                periods: Iterable[tuple[str, timedelta]] = SRE_BOOK_PERIODS) -> NinesTable:
    """Build a nines table; the defaults reproduce the SRE book's Appendix A table.

    Args:
        targets: the rows, in any ratio form (``"99.9%"``, ``0.999``, ...).
        periods: ``(name, length)`` pairs, the columns.

    Raises:
        ConfigError: a target is not a ratio in ``[0, 1]`` (path ``targets[i]``).
        InvalidArgumentError: a period is malformed or named twice.

    >>> nines_table().cell("99.999%", "year")
    datetime.timedelta(seconds=315, microseconds=360000)
    """
    wanted = items_of(targets, "targets", "targets")
    listed = items_of(periods, "periods", "(name, timedelta) pairs")
    if len(wanted) > MAX_TABLE_ROWS or len(listed) > MAX_TABLE_ROWS:
        raise InvalidArgumentError(f"targets, periods: at most {MAX_TABLE_ROWS} of each, got "
                                   f"{len(wanted)} and {len(listed)}")
    columns: list[tuple[str, timedelta]] = []
    for index, pair in enumerate(listed):
        if not isinstance(pair, tuple) or len(pair) != 2 or not isinstance(pair[0], str):
            raise ArgumentTypeError(
                f"periods[{index}]: expected a (name, timedelta) pair, got {shown(pair)}"
            )
        duration_us(pair[1], f"periods[{index}]")
        if any(pair[0] == name for name, _ in columns):
            raise InvalidArgumentError(f"periods[{index}]: period {shown(pair[0])} named twice")
        columns.append((pair[0], pair[1]))
    rows = []
    for index, target in enumerate(wanted):
        ratio = parse_ratio(target, f"targets[{index}]")
        allowed = tuple(td(_floor_us(1 - ratio, duration_us(length, "period")))
                        for _, length in columns)
        rows.append(NinesRow(ratio, allowed))
    return NinesTable(tuple(columns), tuple(rows))

"""Validated building blocks of a calendar configuration: times, shifts, dates, holidays.

Each parser takes the raw value and the *path* of the field it came from, so that a
:class:`~itsm_core.errors.ConfigError` can say where the bad value sits and what form was
expected.

>>> parse_shift(["22:00", "06:00"], "hours.fri[0]")
Shift(start=79200, end=21600)
>>> parse_shift(["09:00", "09:00"], "hours.mon[0]")
Traceback (most recent call last):
...
itsm_core.errors.ConfigError: hours.mon[0]: start and end are both 09:00; expected a shift ["HH:MM", "HH:MM"] with start != end (end < start runs overnight)
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

import attrs
import holidays as holidays_lib

from itsm_core._config import join, reject_unknown
from itsm_core.errors import ConfigError, shown

__all__ = [
    "DAYS",
    "HolidaySource",
    "Shift",
    "format_time",
    "parse_date",
    "parse_shift",
    "parse_shifts",
    "parse_time",
]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SECONDS_PER_DAY = 86_400

_TIME = re.compile(r"([01]\d|2[0-4]):([0-5]\d)(?::([0-5]\d))?")
_TIME_FORM = '"HH:MM" or "HH:MM:SS" from 00:00 to 23:59:59 ("24:00" only as an end)'
_SHIFT_FORM = 'a shift ["HH:MM", "HH:MM"] with start != end (end < start runs overnight)'
_DATE_FORM = 'an ISO date "YYYY-MM-DD"'


def parse_time(value: object, path: str, *, is_end: bool = False) -> int:
    """Parse ``"HH:MM"`` or ``"HH:MM:SS"`` into seconds after midnight.

    ``"24:00"`` is accepted as an end only.

    >>> parse_time("17:30", "hours.mon[0][1]")
    63000
    >>> parse_time("24:00", "hours.mon[0][0]")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: hours.mon[0][0]: "24:00" can only end a shift; expected "HH:MM" or "HH:MM:SS" from 00:00 to 23:59:59 ("24:00" only as an end)
    """
    if not isinstance(value, str):
        raise ConfigError(path, f"expected a time string, got {type(value).__name__} {shown(value)}",
                          _TIME_FORM)
    match = _TIME.fullmatch(value)
    if match is None:
        raise ConfigError(path, f"cannot read {shown(value)} as a time", _TIME_FORM)
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    total = hours * 3600 + minutes * 60 + seconds
    if total > SECONDS_PER_DAY:
        raise ConfigError(path, f"{shown(value)} is past 24:00", _TIME_FORM)
    if total == SECONDS_PER_DAY and not is_end:
        raise ConfigError(path, f'"{value}" can only end a shift', _TIME_FORM)
    return total


def format_time(seconds: int) -> str:
    """Format seconds after midnight as ``"HH:MM"`` (or ``"HH:MM:SS"`` when needed).

    >>> format_time(63000), format_time(86400), format_time(61)
    ('17:30', '24:00', '00:01:01')
    """
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


@attrs.frozen
class Shift:
    """A shift in local wall-clock seconds: ``[start, end)``; ``end < start`` runs overnight.

    The shift belongs to the local date on which it starts.

    >>> Shift(79200, 21600).overnight
    True
    """

    start: int
    end: int

    @property
    def overnight(self) -> bool:
        """Whether the shift ends on the next local date.

        >>> Shift(32400, 61200).overnight
        False
        """
        return self.end < self.start

    @classmethod
    def from_dict(cls, data: object) -> Shift:
        """Read the configuration form, a ``["HH:MM", "HH:MM"]`` pair (see :func:`parse_shift`).

        >>> Shift.from_dict(["22:00", "06:00"]).overnight
        True
        """
        return parse_shift(data, "")

    def to_dict(self) -> list[str]:
        """The configuration form, ``["HH:MM", "HH:MM"]``, which :meth:`from_dict` reads back.

        >>> Shift(32400, 86400).to_dict()
        ['09:00', '24:00']
        """
        return [format_time(self.start), format_time(self.end)]


def parse_shift(value: object, path: str) -> Shift:
    """Parse one ``["HH:MM", "HH:MM"]`` pair into a :class:`Shift`.

    >>> parse_shift(("09:00", "24:00"), "hours.wed[0]")
    Shift(start=32400, end=86400)
    """
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ConfigError(path, f"expected a [start, end] pair, got {shown(value)}", _SHIFT_FORM)
    start = parse_time(value[0], join(path, 0))
    end = parse_time(value[1], join(path, 1), is_end=True)
    if start == end:
        raise ConfigError(path, f"start and end are both {format_time(start)}", _SHIFT_FORM)
    return Shift(start, end)


def parse_shifts(value: object, path: str) -> tuple[Shift, ...]:
    """Parse a list of shifts; the result is sorted by start.

    >>> parse_shifts([["13:00", "17:00"], ["09:00", "12:00"]], "hours.tue")
    (Shift(start=32400, end=43200), Shift(start=46800, end=61200))
    """
    if not isinstance(value, (list, tuple)):
        raise ConfigError(path, f"expected a list of shifts, got {shown(value)}",
                          f"a list of {_SHIFT_FORM}")
    shifts = (parse_shift(item, join(path, i)) for i, item in enumerate(value))
    return tuple(sorted(shifts, key=lambda s: (s.start, s.end)))


def shifts_overlap(shifts: Iterable[Shift]) -> tuple[Shift, Shift] | None:
    """The first pair of shifts (of one date) whose wall-clock spans overlap, if any.

    Spans are measured from the date's midnight, an overnight shift running past 24:00.

    >>> shifts_overlap([Shift(32400, 46800), Shift(43200, 61200)])
    (Shift(start=32400, end=46800), Shift(start=43200, end=61200))
    """
    spans = sorted(
        ((s.start, s.end + (SECONDS_PER_DAY if s.overnight else 0), s) for s in shifts),
        key=lambda span: span[:2],
    )
    for (_, end_a, a), (start_b, _, b) in itertools.pairwise(spans):
        if start_b < end_a:
            return a, b
    return None


def parse_date(value: object, path: str) -> date:
    """Parse an ISO date ``"YYYY-MM-DD"`` (a ``date`` passes through).

    >>> parse_date("2025-12-24", "closed_dates[0]")
    datetime.date(2025, 12, 24)
    """
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(path, f"cannot read {shown(value)} as a date", _DATE_FORM)


_HOLIDAY_KEYS = frozenset({"country", "subdivision", "categories"})
_HOLIDAY_FORM = (
    '{"country": "GB", "subdivision": "ENG", "categories": ["public"]} '
    "(subdivision and categories optional; codes as the `holidays` package names them)"
)


@attrs.frozen
class HolidaySource:
    """Public holidays from the ``holidays`` package, by country, subdivision and categories.

    >>> src = HolidaySource.from_dict({"country": "GB", "subdivision": "ENG"})
    >>> date(2025, 12, 25) in src.dates(2025, 2025)
    True
    >>> from itsm_core._config import read_at
    >>> read_at("holidays[0]", HolidaySource.from_dict, {"country": "XX"})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: holidays[0].country: unknown country 'XX'; expected an ISO 3166-1 alpha-2 code the `holidays` package supports, e.g. "GB", "US", "DE"
    """

    country: str
    subdivision: str | None = None
    categories: tuple[str, ...] | None = None

    @classmethod
    def from_dict(cls, data: object) -> HolidaySource:
        """Validate one holiday source entry (errors name the key inside it).

        >>> HolidaySource.from_dict({"country": "US", "subdivision": "CA"}).subdivision
        'CA'
        """
        if not isinstance(data, dict):
            raise ConfigError("", f"expected a mapping, got {shown(data)}", _HOLIDAY_FORM)
        reject_unknown(data, _HOLIDAY_KEYS, "", _HOLIDAY_FORM)
        country = data.get("country")
        supported = holidays_lib.list_supported_countries()
        if not isinstance(country, str) or country not in supported:
            raise ConfigError(
                "country", f"unknown country {shown(country)}",
                "an ISO 3166-1 alpha-2 code the `holidays` package supports, "
                'e.g. "GB", "US", "DE"',
            )
        subdivision = data.get("subdivision")
        if subdivision is not None and subdivision not in supported[country]:
            raise ConfigError(
                "subdivision", f"unknown subdivision {shown(subdivision)} of {country}",
                f"one of {', '.join(supported[country]) or '(none: omit the key)'}",
            )
        categories = data.get("categories")
        if categories is not None:
            if not isinstance(categories, (list, tuple)) or not all(
                isinstance(c, str) for c in categories
            ):
                raise ConfigError("categories", f"expected a list of names, got "
                                  f"{shown(categories)}", _HOLIDAY_FORM)
            categories = tuple(categories)
        source = cls(country, subdivision, categories)
        try:
            source._library(())
        except (ValueError, NotImplementedError, KeyError) as exc:
            raise ConfigError("categories", str(exc), _HOLIDAY_FORM) from None
        return source

    def _library(self, years: Iterable[int]) -> Any:
        return holidays_lib.country_holidays(
            self.country, subdiv=self.subdivision, categories=self.categories, years=years
        )

    def dates(self, first_year: int, last_year: int) -> set[date]:
        """The holiday dates in the given years (inclusive).

        >>> len(HolidaySource("GB", "ENG").dates(2025, 2025))
        8
        """
        years = range(max(first_year, 1), min(last_year, 9999) + 1)
        return set(self._library(years).keys())

    def to_dict(self) -> dict[str, Any]:
        """The configuration form.

        >>> HolidaySource("GB", "ENG").to_dict()
        {'country': 'GB', 'subdivision': 'ENG'}
        """
        out: dict[str, Any] = {"country": self.country}
        if self.subdivision is not None:
            out["subdivision"] = self.subdivision
        if self.categories is not None:
            out["categories"] = list(self.categories)
        return out

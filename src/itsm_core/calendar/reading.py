"""Reading a calendar's configuration mapping: the weekly form and the composite forms.

A calendar is either the weekly form (``{"timezone": ..., "hours": ..., ...}``, see
:class:`~itsm_core.calendar.weekly.WeeklySpec`) or one of the composites ``{"union": [...]}``,
``{"intersection": [...]}``, ``{"minus": {"calendar": ..., "windows": [...], "recurring":
[...]}}`` and ``{"versions": [{"from": "YYYY-MM-DD", "calendar": ...}, ...]}``; each form
accepts an optional ``"horizon"``.  Composites nest calendars, so the reader threads the path
of the value it reads and every error names the full path from the outermost mapping, e.g.
``versions[0].calendar.hours.mon[0][1]``.

>>> from itsm_core import BusinessCalendar
>>> BusinessCalendar.from_dict({"union": [{"timezone": "UTC"}], "horizon": "P30D"}).horizon
datetime.timedelta(days=30)
>>> BusinessCalendar.from_dict({"minus": {"calendar": {"timezone": "UTC"}, "windows": 3}})
Traceback (most recent call last):
...
itsm_core.errors.ConfigError: minus.windows: expected a list of windows, got 3; expected [["2025-06-01T22:00:00+00:00", "2025-06-02T02:00:00+00:00"], ...] (aware ISO 8601)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from itsm_core._config import check_depth, join, read_at
from itsm_core._instant import parse_duration, parse_instant, to_us
from itsm_core.calendar.compose import IntersectionSpec, MinusSpec, UnionSpec, VersionedSpec
from itsm_core.calendar.config import parse_date
from itsm_core.calendar.weekly import WeeklySpec
from itsm_core.errors import ConfigError, shown
from itsm_core.intervals import IntervalSet
from itsm_core.recurrence import Recurrence

if TYPE_CHECKING:
    from itsm_core.calendar.business import BusinessCalendar, CalendarSpec

__all__ = ["check_versions", "read_calendar"]

#: Builds a calendar from its rules and its horizon (``None``: the default horizon).
Make = Callable[["CalendarSpec", "timedelta | None"], "BusinessCalendar"]

_COMPOSITE_KEYS = ("union", "intersection", "minus", "versions")
_CALENDAR_FORM = (
    'a calendar mapping: {"timezone": ..., "hours": ..., ...} or one of '
    '{"union": [...]}, {"intersection": [...]}, {"minus": {"calendar": ..., "windows": [...]}}, '
    '{"versions": [{"from": "YYYY-MM-DD", "calendar": ...}, ...]}'
)
_WINDOWS_FORM = (
    '[["2025-06-01T22:00:00+00:00", "2025-06-02T02:00:00+00:00"], ...] (aware ISO 8601)'
)


def read_calendar(value: object, path: str, make: Make) -> BusinessCalendar:
    """The calendar configured by *value*, found at *path* (``""`` at the top).

    >>> from itsm_core import BusinessCalendar
    >>> read_calendar({"timezone": "UTC", "hours": {"mon": [["09:00", "9:00"]]}}, "versions[0]",
    ...               lambda spec, horizon: BusinessCalendar(spec))
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: versions[0].hours.mon[0][1]: cannot read '9:00' as a time; expected "HH:MM" or "HH:MM:SS" from 00:00 to 23:59:59 ("24:00" only as an end)

    Data nested deeper than ``itsm_core._config.MAX_DEPTH`` levels is refused before it is read.
    """
    check_depth(value, path)
    return _read(value, path, make)


def _read(value: object, path: str, make: Make) -> BusinessCalendar:
    if not isinstance(value, Mapping):
        raise ConfigError(path or "calendar", f"expected a mapping, got {shown(value)}",
                          _CALENDAR_FORM)
    rest = dict(value)
    horizon = None
    if "horizon" in rest:
        where = join(path, "horizon")
        horizon = parse_duration(rest.pop("horizon"), where)
        if horizon <= timedelta(0):
            raise ConfigError(where, f"{horizon} is not positive", 'e.g. "P3653D"')
    composite = [key for key in _COMPOSITE_KEYS if key in rest]
    if not composite:
        return make(read_at(path, WeeklySpec.from_dict, rest), horizon)
    key = composite[0]
    where = join(path, key)
    if len(rest) != 1:
        other = min((k for k in rest if k != key),
                    key=lambda k: (not isinstance(k, str) or not k, shown(k)))
        if isinstance(other, str) and other:
            raise ConfigError(join(path, other), f"unexpected beside {key!r}", _CALENDAR_FORM)
        raise ConfigError(path, f"key {shown(other)} unexpected beside {key!r}", _CALENDAR_FORM)
    body = rest[key]
    spec: CalendarSpec
    if key in ("union", "intersection"):
        if not isinstance(body, (list, tuple)) or not body:
            raise ConfigError(where, f"expected a non-empty list of calendars, got {shown(body)}",
                              _CALENDAR_FORM)
        parts = tuple(_read(item, join(where, i), make) for i, item in enumerate(body))
        spec = UnionSpec(parts) if key == "union" else IntersectionSpec(parts)
    elif key == "minus":
        if not isinstance(body, Mapping) or set(body) - {"calendar", "windows", "recurring"} \
                or "calendar" not in body:
            raise ConfigError(where, f"expected {{'calendar': ..., 'windows': [...], "
                              f"'recurring': [...]}}, got {shown(body)}", _CALENDAR_FORM)
        spec = MinusSpec(_read(body["calendar"], join(where, "calendar"), make),
                         _read_windows(body.get("windows", []), join(where, "windows")),
                         _read_recurring(body.get("recurring", []), join(where, "recurring")))
    else:
        spec = VersionedSpec(_read_versions(body, where, make))
    return make(spec, horizon)


def _read_windows(value: object, path: str) -> IntervalSet:
    if not isinstance(value, (list, tuple)):
        raise ConfigError(path, f"expected a list of windows, got {shown(value)}", _WINDOWS_FORM)
    pairs = []
    for i, item in enumerate(value):
        where = join(path, i)
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise ConfigError(where, f"expected a [start, end] pair, got {shown(item)}",
                              _WINDOWS_FORM)
        ends = [to_us(parse_instant(text, join(where, j)), path) for j, text in enumerate(item)]
        if ends[1] < ends[0]:
            raise ConfigError(where, "the window ends before it starts", _WINDOWS_FORM)
        pairs.append((ends[0], ends[1]))
    return IntervalSet.from_pairs(pairs)


def _read_recurring(value: object, path: str) -> tuple[Recurrence, ...]:
    if not isinstance(value, (list, tuple)):
        raise ConfigError(path, f"expected a list of recurrences, got {shown(value)}",
                          '[{"rrule": ..., "start": ..., "timezone": ..., "duration": ...}]')
    return tuple(read_at(join(path, i), Recurrence.from_dict, item)
                 for i, item in enumerate(value))


def _read_versions(value: object, path: str, make: Make
                   ) -> tuple[tuple[date, BusinessCalendar], ...]:
    form = '[{"from": "YYYY-MM-DD", "calendar": {...}}, ...]'
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(path, f"expected a non-empty list of versions, got {shown(value)}",
                          form)
    pairs = []
    for i, item in enumerate(value):
        where = join(path, i)
        if not isinstance(item, Mapping) or set(item) != {"from", "calendar"}:
            raise ConfigError(where, f"expected {{'from': ..., 'calendar': ...}}, got "
                              f"{shown(item)}", form)
        pairs.append((parse_date(item["from"], join(where, "from")),
                      _read(item["calendar"], join(where, "calendar"), make)))
    return check_versions(pairs, path)


def check_versions(pairs: list[tuple[date, Any]], path: str) -> tuple[tuple[date, Any], ...]:
    """The versions sorted by date; refuses none at all and two on the same date.

    >>> check_versions([(date(2025, 6, 1), "b"), (date(2025, 1, 1), "a")], "versions")
    ((datetime.date(2025, 1, 1), 'a'), (datetime.date(2025, 6, 1), 'b'))
    >>> check_versions([(date(2025, 1, 1), "a")] * 2, "versions")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: versions: two versions start on 2025-01-01; expected distinct dates
    """
    if not pairs:
        raise ConfigError(path, "no versions given", "at least one (date, calendar)")
    pairs = sorted(pairs, key=lambda pair: pair[0])
    for (day_a, _), (day_b, _) in itertools.pairwise(pairs):
        if day_a == day_b:
            raise ConfigError(path, f"two versions start on {day_a}", "distinct dates")
    return tuple(pairs)

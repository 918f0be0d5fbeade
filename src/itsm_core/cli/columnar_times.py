"""Reading the time column of an export for the columnar path, in bulk.

:func:`instants_us` reads the slash form ``D/M/YYYY HH:MM[:SS]`` (or month first, with
``AM``/``PM``) in one vectorised step, naive times localised with the ``fold=0`` rule the
core uses; any other text is read once per distinct value by the CLI's own parser
(:func:`itsm_core.cli.timeparse.make_time_parser`), so every value reads as the pure path
reads it and every refusal carries its message.  :func:`date_kinds` says what each text
tells of the column's date order, as :func:`~itsm_core.cli.timeparse.date_order` does.

>>> from datetime import timezone
>>> us, why, naive = instants_us(["1/3/2016 09:00", "soon"], tz=timezone.utc)
>>> int(us[0]), why[1][:26], naive
(1456822800000000, "column 'at': cannot read '", {})
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from itsm_core._instant import to_us
from itsm_core.cli.timeparse import AMBIGUOUS, DAY_FIRST, MONTH_FIRST, date_order, make_time_parser
from itsm_core.errors import InvalidArgumentError, NaiveDatetimeError, shown

__all__ = ["date_kinds", "instants_us", "slash_match"]

_NAIVE_EPOCH = datetime(1970, 1, 1)
_ONE_US = timedelta(microseconds=1)
_HOUR_US = 3_600_000_000
# the slash form as the CLI's parser reads it (ASCII digits; blanks around stripped)
_SLASH = (r"^[ \t]*(?P<a>[0-9]{1,2})/(?P<b>[0-9]{1,2})/(?P<y>[0-9]{4}) (?P<h>[0-9]{1,2}):"
          r"(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?(?: ?(?P<half>[AaPp][Mm]))?[ \t]*$")


def _modules() -> tuple[Any, Any, Any]:
    import numpy as np  # noqa: PLC0415 - optional dependency
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415 - optional dependency
    import pyarrow.compute as pc  # type: ignore[import-untyped]  # noqa: PLC0415 - optional dependency
    return np, pa, pc


def _civil_days(np: Any, y: Any, m: Any, d: Any) -> Any:
    """Days since 1970-01-01 of proleptic Gregorian dates (arrays; H. Hinnant's formula)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _slash_wall_us(np: Any, pa: Any, pc: Any, texts: list[str], order: str, *, match: Any,
                   ) -> tuple[Any, Any]:
    """Wall-clock µs of the slash-form texts, whether each was read, and whether it has
    an offset (never: the slash form is naive)."""
    found = pc.extract_regex(pa.array(texts, type=pa.string()), _SLASH) if match is None \
        else match
    ok = np.asarray(found.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    first, second, year, hour, minute, sec = (_part_numbers(np, pa, pc, found, name)
                                              for name in ("a", "b", "y", "h", "mi", "s"))
    half = pc.fill_null(pc.utf8_lower(pc.struct_field(found, "half")), "").to_numpy(
        zero_copy_only=False)
    day, month = (first, second) if order == DAY_FIRST else (second, first)
    has_half = half != ""
    ok &= ~has_half | ((hour >= 1) & (hour <= 12))
    hour = np.where(has_half, hour % 12 + np.where(half == "pm", 12, 0), hour)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[
        np.clip(month, 0, 12)] + (leap & (month == 2))
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    ok &= (hour <= 23) & (minute <= 59) & (sec <= 59)
    wall = (_civil_days(np, year, np.clip(month, 1, 12), day) * 86_400
            + hour * 3600 + minute * 60 + sec) * 1_000_000
    return np.where(ok, wall, 0), ok


def _part_numbers(np: Any, pa: Any, pc: Any, found: Any, name: str) -> Any:
    """The numbers in part *name* of the slash-form matches (0 where a part is empty or
    the text did not match)."""
    part = pc.struct_field(found, name)
    part = pc.if_else(pc.equal(part, ""), "0", part)
    return pc.fill_null(pc.cast(part, pa.int64()), 0).to_numpy(zero_copy_only=False)


def _localise(np: Any, wall: Any, tz: tzinfo) -> Any:
    """UTC µs of naive wall-clock µs in *tz*, as ``datetime.replace(tzinfo=tz)`` reads them
    (``fold=0``): by the hour, each hour's offset read once; an hour holding a change of
    offset is read value by value."""
    out = np.empty_like(wall)
    hours, inverse = np.unique(wall // _HOUR_US, return_inverse=True)
    offsets = np.empty(len(hours), dtype=np.int64)
    mixed = np.zeros(len(hours), dtype=bool)
    for k, hour in enumerate(hours.tolist()):
        first = _offset_us(hour * _HOUR_US, tz)
        offsets[k] = first
        mixed[k] = _offset_us(hour * _HOUR_US + _HOUR_US - 1, tz) != first
    out = wall - offsets[inverse]
    for k in np.flatnonzero(mixed[inverse]).tolist():
        out[k] = wall[k] - _offset_us(int(wall[k]), tz)
    return out


def _offset_us(wall_us: int, tz: tzinfo) -> int:
    local = (_NAIVE_EPOCH + _ONE_US * wall_us).replace(tzinfo=tz)
    offset = local.utcoffset()
    return 0 if offset is None else offset // _ONE_US


def slash_match(times: Sequence[str | None]) -> Any:
    """The slash-form parts of each text (a pyarrow struct array, null where a text is not
    in the slash form), for :func:`date_kinds` and :func:`instants_us` to share (pass it
    as their *match*: the texts are then read once).

    >>> slash_match(["1/3/2016 09:00", "soon", None]).is_valid().to_pylist()
    [True, False, False]
    """
    _, pa, pc = _modules()
    return pc.extract_regex(pa.array(list(times), type=pa.string()), _SLASH)


def instants_us(times: Sequence[str | None], *, tz: tzinfo | None, order: str = DAY_FIRST,
                at_name: str = "at", match: Any = None,
                ) -> tuple[Any, list[str | None], dict[int, str]]:
    """UTC µs of each distinct time text; for each the reason it cannot be read (``None``
    when it can), the pure parser's message; and, without *tz*, the naive ones by index
    with the pure parser's message (the caller names the first line holding one).
    *match*: :func:`slash_match` of *times*, if the caller has it.

    >>> from zoneinfo import ZoneInfo
    >>> us, why, naive = instants_us(["27/3/2016 01:30", "31/2/2016 10:00"], tz=ZoneInfo("Europe/London"))
    >>> int(us[0]) == 1459042200 * 10**6, why[1][:32]   # 01:30 is in the gap: 02:30 BST
    (True, "column 'at': cannot read '31/2/2")
    """
    np, pa, pc = _modules()
    n = len(times)
    texts = ["" if t is None else t for t in times]
    result = np.zeros(n, dtype=np.int64)
    reasons: list[str | None] = [None] * n
    wall, ok = (_slash_wall_us(np, pa, pc, texts, order, match=match) if n
                else (result, np.zeros(0, bool)))
    if tz is not None and ok.any():
        result[ok] = _localise(np, wall[ok], tz)
    parse = make_time_parser(None, tz, order=order)
    naive: dict[int, str] = {}
    for k in np.flatnonzero(~ok).tolist():
        if times[k] is None:
            continue
        try:
            result[k] = to_us(parse(texts[k]), "at")
        except NaiveDatetimeError as exc:
            naive[k] = str(exc)
        except InvalidArgumentError as exc:
            reasons[k] = f"column {shown(at_name)}: {exc}"
    if tz is None:  # a naive slash time: the pure parser's own refusal
        for k in np.flatnonzero(ok).tolist():
            try:
                parse(texts[k])
            except NaiveDatetimeError as exc:
                naive[k] = str(exc)
    return result, reasons, naive


_KIND_CODES = {None: 0, DAY_FIRST: 1, MONTH_FIRST: 2, AMBIGUOUS: 3}


def date_kinds(times: Sequence[str | None], *, match: Any = None) -> Any:
    """The :func:`~itsm_core.cli.timeparse.date_order` of each text as a code (an int64
    array): 0 ``None``, 1 day-first, 2 month-first, 3 ambiguous; the slash form read in
    one vectorised step, any other text with a ``/`` by ``date_order`` itself (*match*:
    :func:`slash_match` of *times*, if the caller has it).

    >>> date_kinds(["25/3/2016 09:00", "3/25/2016 9:00 PM", "3/4/2016 09:00",
    ...             "4/4/2016 09:00", "2016-03-04T09:00", None, "\u00a03/4/2016 09:00"]).tolist()
    [1, 2, 3, 0, 0, 0, 3]
    """
    np, pa, pc = _modules()
    out = np.zeros(len(times), dtype=np.int64)
    if not len(times):
        return out
    texts = pa.array(times, type=pa.string())
    found = pc.extract_regex(texts, _SLASH) if match is None else match
    ok = np.asarray(found.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if ok.any():
        a, b = _part_numbers(np, pa, pc, found, "a"), _part_numbers(np, pa, pc, found, "b")
        a_month = (a >= 1) & (a <= 12)
        b_month = (b >= 1) & (b <= 12)
        kind = np.where((a > 12) & b_month, 1,
                        np.where((b > 12) & a_month, 2,
                                 np.where(a_month & b_month & (a != b), 3, 0)))
        out = np.where(ok, kind, 0)
    slash = pc.fill_null(pc.match_substring(texts, "/"), False).to_numpy(zero_copy_only=False)
    for k in np.flatnonzero(~ok & np.asarray(slash, dtype=bool)).tolist():
        out[k] = _KIND_CODES[date_order(times[k])]
    return out

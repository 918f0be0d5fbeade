"""Private helpers of the pandas adapter: importing pandas, zones, timestamp columns.

>>> import pandas as pd
>>> instants_us(pd.Series(["2025-01-06T09:00:00Z"]))
[1736154000000000]
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from itsm_core._instant import load_zone, to_us
from itsm_core.errors import (
    ArgumentTypeError,
    ConfigError,
    InvalidArgumentError,
    NaiveDatetimeError,
    shown,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["import_pandas", "instants_us", "zone_of"]


def import_pandas() -> Any:
    """The pandas module, or an ImportError naming the extra to install.

    >>> import_pandas().__name__
    'pandas'
    """
    try:
        import pandas  # noqa: PLC0415 - optional dependency
    except ImportError:  # pragma: no cover - the extra is installed where this runs
        raise ImportError("itsm_core.integrations.pandas needs pandas: "
                          "pip install 'itsm_core[pandas]'") from None
    return pandas


def zone_of(tz: str | tzinfo | None) -> tzinfo | None:
    """*tz* as a tzinfo: an IANA name is looked up, a tzinfo or ``None`` kept.

    >>> zone_of("Europe/Londn")
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: tz: unknown time zone 'Europe/Londn'; expected an IANA name such as 'Europe/London'
    """
    if tz is None or isinstance(tz, tzinfo):
        return tz
    if not isinstance(tz, str):
        raise ArgumentTypeError(f"tz: expected an IANA zone name or a tzinfo, got "
                                f"{type(tz).__name__} {shown(tz)}")
    try:
        return load_zone(tz, "tz")
    except ConfigError:
        raise InvalidArgumentError(f"tz: unknown time zone {shown(tz)}; expected an IANA name such "
                                   f"as 'Europe/London'") from None


def instants_us(column: pd.Series, tz: str | tzinfo | None = None) -> list[int]:
    """Parse a timestamp column to integer microseconds since the epoch, vectorised.

    Aware values (or ISO strings with offsets, even mixed ones) keep their instant.  Naive
    values are wall times in *tz*, mapped as the core maps them (``fold=0``: a time in a
    DST gap moves forward by the gap, an ambiguous one is its first occurrence).

    Raises:
        NaiveDatetimeError: naive values and no *tz*.
        InvalidArgumentError: a missing or unreadable timestamp (the row is named).

    >>> import pandas as pd
    >>> instants_us(pd.Series(["2025-03-30 01:30"]), "Europe/London")  # in the gap
    [1743298200000000]
    >>> instants_us(pd.Series(["2025-01-06T09:00:00+01:00", "2025-01-06T09:00:00Z"]))
    [1736150400000000, 1736154000000000]
    """
    pdm = import_pandas()
    name = str(column.name) if column.name is not None else "at"
    zone = zone_of(tz)
    parsed = column
    if not (pdm.api.types.is_datetime64_any_dtype(column)):
        try:
            parsed = pdm.to_datetime(column, format="ISO8601")
        except ValueError:
            try:
                parsed = pdm.to_datetime(column, format="ISO8601", utc=True)
            except ValueError as exc:
                raise InvalidArgumentError(f"{name}: cannot read the timestamps ({exc}); "
                                           f"expected ISO 8601 date-times") from None
    missing = parsed.isna()
    if missing.any():
        row = column.index[int(missing.to_numpy().argmax())]
        raise InvalidArgumentError(f"{name}[{shown(row)}]: missing timestamp; expected a date-time")
    if parsed.dt.tz is not None:
        return list(parsed.dt.tz_convert("UTC").dt.as_unit("us").array.asi8.tolist())
    if zone is None:
        example = f" (e.g. {parsed.iloc[0]})" if len(parsed) else ""
        raise NaiveDatetimeError(f"{name}: naive timestamps{example}; expected aware ones, or "
                                 f"tz= naming the zone the export was written in")
    wall = parsed.dt.as_unit("us")
    local = wall.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    out: list[int] = local.dt.tz_convert("UTC").array.asi8.tolist()
    for index in local.isna().to_numpy().nonzero()[0].tolist():  # DST edges: the core's rule
        naive = datetime(1970, 1, 1) + timedelta(microseconds=int(wall.array.asi8[index]))
        out[index] = to_us(naive.replace(tzinfo=zone), name)
    return out

"""A mixin giving candidates with ``first_us`` / ``last_us`` their time span (internal).

>>> import attrs
>>> @attrs.frozen
... class Burst(TimeSpan):
...     first_us: int
...     last_us: int
>>> Burst(0, 60_000_000).span
datetime.timedelta(seconds=60)
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

from itsm_core._instant import from_us

__all__ = ["TimeSpan"]


class TimeSpan:
    """Span accessors for a frozen class with integer ``first_us`` and ``last_us`` fields.

    >>> TimeSpan.__slots__
    ()
    """

    __slots__ = ()
    first_us: int
    last_us: int

    @property
    def span(self) -> timedelta:
        """Time from the first to the last opened incident.

        >>> import attrs
        >>> attrs.frozen(type("B", (TimeSpan,), {"__annotations__": {"first_us": "int",
        ...     "last_us": "int"}}))(0, 0).span
        datetime.timedelta(0)
        """
        return timedelta(microseconds=self.last_us - self.first_us)

    def first(self, tz: tzinfo = timezone.utc) -> datetime:
        """Opened instant of the first incident, in *tz* (UTC by default).

        >>> import attrs
        >>> attrs.frozen(type("B", (TimeSpan,), {"__annotations__": {"first_us": "int",
        ...     "last_us": "int"}}))(0, 0).first().isoformat()
        '1970-01-01T00:00:00+00:00'
        """
        return from_us(self.first_us, tz)

    def last(self, tz: tzinfo = timezone.utc) -> datetime:
        """Opened instant of the last incident, in *tz* (UTC by default).

        >>> import attrs
        >>> attrs.frozen(type("B", (TimeSpan,), {"__annotations__": {"first_us": "int",
        ...     "last_us": "int"}}))(0, 3_600_000_000).last().isoformat()
        '1970-01-01T01:00:00+00:00'
        """
        return from_us(self.last_us, tz)

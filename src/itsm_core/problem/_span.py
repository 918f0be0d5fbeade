"""A mixin giving candidates with ``first_at`` / ``last_at`` their time span (internal).

>>> import attrs
>>> from datetime import datetime, timedelta, timezone
>>> @attrs.frozen
... class Burst(TimeSpan):
...     first_at: datetime
...     last_at: datetime
>>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
>>> Burst(t, t + timedelta(minutes=1)).span
datetime.timedelta(seconds=60)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsm_core._instant import to_us

__all__ = ["TimeSpan"]


class TimeSpan:
    """Span accessor for a frozen class with aware ``first_at`` and ``last_at`` fields.

    >>> TimeSpan.__slots__
    ()
    """

    __slots__ = ()
    first_at: datetime
    last_at: datetime

    @property
    def span(self) -> timedelta:
        """Time from the first to the last opened incident (exact, whatever the zones).

        >>> import attrs
        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 3, 1, tzinfo=timezone.utc)
        >>> attrs.frozen(type("B", (TimeSpan,), {"__annotations__": {"first_at": "datetime",
        ...     "last_at": "datetime"}}))(t, t).span
        datetime.timedelta(0)
        """
        return timedelta(microseconds=to_us(self.last_at, "last_at")
                         - to_us(self.first_at, "first_at"))

"""Period keys of integer-microsecond instants, remembered per UTC hour, and the keys a
ticket's final cycles are remembered under.  Private helpers of
:mod:`itsm_core.service.attainment` (see ``docs/service.md``, Attainment).

>>> from datetime import timezone
>>> keys = PeriodIndex("month", timezone.utc)
>>> keys(0), keys(-1)
('1970-01', '1969-12')
"""

from __future__ import annotations

from datetime import tzinfo

from itsm_core._instant import _MAX_US, _MIN_US, from_us
from itsm_core.service.period import period_of

__all__ = ["QUARTER", "CycleKey", "PeriodIndex"]

_HOUR = 3600 * 10**6  # microseconds
QUARTER = 900 * 10**6  # a quarter hour in microseconds: PeriodIndex.hours per quarter // 4


class CycleKey:
    """What a ticket's final cycles of one definition (by its *token*) in one
    :class:`PeriodIndex` are remembered under (``counted`` of
    ``AttainmentAccumulator._add``): :meth:`PeriodIndex.cycle_key` gives one object per
    token and index, so equal pairs are the same object, hashed by identity (a lookup
    hashes no tuple).  Accumulators that share a period index (a what-if) share its keys.

    >>> from datetime import timezone
    >>> keys = PeriodIndex("month", timezone.utc)
    >>> found = keys.cycle_key("fix")
    >>> found.token, found.index is keys
    ('fix', True)
    """

    __slots__ = ("index", "token")

    def __init__(self, token: object, index: PeriodIndex) -> None:
        self.token = token
        self.index = index


class PeriodIndex:
    """``period_of`` for integer-microsecond instants, for one period kind and zone.

    Keys are remembered per hour of UTC time, and only for an hour whose first and last
    microsecond have the same UTC offset and the same local date: local time then runs
    straight through the hour (no zone changes its offset twice within an hour), so every
    instant in it has that key.  An hour holding a local midnight (zones at a half or
    quarter hour offset) is remembered per quarter hour the same way; a quarter hour
    that still does not qualify (offsets of historical local mean time) is computed each
    time.  Exact in every zone.

    Attributes:
        hours: the keys remembered per UTC hour: ``hours.get(us // QUARTER >> 2)``, when
            it is a key (not ``None``, not missing), is the key of *us*; a loop over many
            instants may read it before calling :meth:`of`.

    >>> from datetime import datetime, timezone
    >>> from zoneinfo import ZoneInfo
    >>> from itsm_core._instant import to_us
    >>> keys = PeriodIndex("month", ZoneInfo("Asia/Kolkata"))
    >>> [keys(to_us(datetime(2025, 3, 31, 18, m, tzinfo=timezone.utc), "at")) for m in (29, 30)]
    ['2025-03', '2025-04']
    """

    __slots__ = ("_cycle_keys", "_period", "_quarters", "_zone", "hours")

    def __init__(self, period: str, zone: tzinfo) -> None:
        self._period = period
        self._zone = zone
        self.hours: dict[int, str | None] = {}
        self._quarters: dict[int, str | None] = {}
        self._cycle_keys: dict[object, CycleKey] = {}

    def cycle_key(self, token: object) -> CycleKey:
        """The one :class:`CycleKey` of *token* in this index.

        >>> from datetime import timezone
        >>> keys = PeriodIndex("month", timezone.utc)
        >>> keys.cycle_key("fix") is keys.cycle_key("fix")
        True
        """
        found = self._cycle_keys.get(token)
        if found is None:
            found = self._cycle_keys[token] = CycleKey(token, self)
        return found

    def of(self, us: int) -> str:
        """The key of *us* (calling the index does the same; a bound ``of`` is quicker).

        >>> from datetime import timezone
        >>> PeriodIndex("year", timezone.utc).of(0)
        '1970'
        """
        # the hour as the quarter hour // 4: two divisions by numbers below 2**30 are
        # cheaper than one by 3_600_000_000 on a 64-bit CPython
        quarter = us // QUARTER
        found = self.hours.get(quarter >> 2)
        if found:
            return found
        return self._miss(us, quarter)

    __call__ = of

    def _miss(self, us: int, quarter: int) -> str:
        """The key of *us* when its hour is not remembered or does not qualify."""
        hour = quarter >> 2
        if hour not in self.hours:
            found = self.hours[hour] = self._slot(hour * _HOUR, _HOUR)
            if found:
                return found
        key = self._quarters.get(quarter, "")
        if key == "":
            key = self._quarters[quarter] = self._slot(quarter * QUARTER, QUARTER)
        if key:
            return key
        return period_of(from_us(us, self._zone), self._period, self._zone)

    def _slot(self, lo: int, size: int) -> str | None:
        """The key of every instant of ``[lo, lo + size)``, or ``None`` when they may differ."""
        hi = lo + size - 1
        if lo <= _MIN_US or hi >= _MAX_US:
            return None
        first, last = from_us(lo, self._zone), from_us(hi, self._zone)
        if first.utcoffset() != last.utcoffset() or first.date() != last.date():
            return None
        return period_of(first, self._period, self._zone)

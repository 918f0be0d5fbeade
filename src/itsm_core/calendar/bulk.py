"""Business time for many pairs of instants at once: numpy over the compiled timeline.

:meth:`BusinessCalendar.elapsed_many <itsm_core.calendar.business.BusinessCalendar.elapsed_many>`
lands here.  The timeline (:mod:`itsm_core.calendar.timeline`) keeps, per chunk of about
407 days, the sorted bounds of the open intervals and the prefix sums of their lengths;
the open time in ``[a, b)`` is then two ``searchsorted`` calls per chunk, done for every
pair of the chunk in one numpy step.  Pairs whose instants fall in two different chunks
(at most one in a few hundred days of a ticket's life) are measured one by one by the
timeline itself, which also raises its own errors for spans it refuses.  Results are the
timeline's, exactly: ``elapsed_many(a, b)[i] == elapsed(a[i], b[i])`` on every calendar.

numpy is optional (the ``itsm_core[columnar]`` extra): without it :func:`elapsed_many`
loops over :meth:`~itsm_core.calendar.business.BusinessCalendar.elapsed`, with the same
results.  Only this module imports numpy, and only when called.

>>> from datetime import datetime, timezone
>>> from itsm_core import BusinessCalendar
>>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
>>> at = lambda d, h: datetime(2025, 1, d, h, tzinfo=timezone.utc)
>>> [str(d) for d in elapsed_many(cal, [at(6, 10), at(7, 0)], [at(7, 0), at(6, 10)])]
['7:00:00', '-1 day, 17:00:00']
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from itsm_core._instant import to_us
from itsm_core.calendar.timeline import CHUNK_SHIFT, Timeline
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from itsm_core.calendar.business import BusinessCalendar

__all__ = ["elapsed_many", "has_numpy"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_US = timedelta(microseconds=1)


def _numpy() -> Any:
    """The numpy module, or ``None`` when the extra is not installed."""
    try:
        import numpy  # noqa: PLC0415 - optional dependency
    except ImportError:  # pragma: no cover - the extra is installed where tests run
        return None
    return numpy


def has_numpy() -> bool:
    """Whether numpy (the ``itsm_core[columnar]`` extra) can be imported.

    >>> isinstance(has_numpy(), bool)
    True
    """
    return _numpy() is not None


def _elapsed_many_us(engine: Timeline, starts: Any, ends: Any) -> Any:
    """Signed open time ``engine.elapsed(a, b)`` for int64 arrays of microseconds: an int64
    array (numpy required)."""
    np = _numpy()
    a = np.asarray(starts, dtype=np.int64)
    b = np.asarray(ends, dtype=np.int64)
    if a.shape != b.shape or a.ndim != 1:
        raise InvalidArgumentError(f"ends: {b.shape} values for {a.shape} starts; expected "
                                   "one end per start, in one-dimensional arrays")
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    out = np.zeros(a.shape, dtype=np.int64)
    if not len(a):
        return out
    c_lo = lo >> CHUNK_SHIFT
    c_hi = hi >> CHUNK_SHIFT
    same = c_lo == c_hi
    across = np.flatnonzero(~same)
    inside = np.flatnonzero(same)
    if len(inside):
        chunks = c_lo[inside]
        order = np.argsort(chunks, kind="stable")
        inside = inside[order]
        chunks = chunks[order]
        cuts = np.flatnonzero(np.diff(chunks)) + 1
        for part in np.split(inside, cuts):
            chunk = engine.chunk(int(c_lo[part[0]]))
            bounds = np.asarray(chunk.bounds, dtype=np.int64)
            prefix = np.asarray(chunk.prefix, dtype=np.int64)
            before = np.concatenate((np.zeros(1, dtype=np.int64), bounds))  # before[k] = bounds[k-1]
            x, y = lo[part], hi[part]
            i = np.searchsorted(bounds, x, side="right")
            j = np.searchsorted(bounds, y, side="right")
            result = prefix[j >> 1] - prefix[i >> 1]
            result += np.where(j & 1, y - before[j], 0)
            result -= np.where(i & 1, x - before[i], 0)
            out[part] = result
    for k in across.tolist():  # spans over a chunk boundary: the timeline's own loop
        out[k] = engine.cumulative_between(int(lo[k]), int(hi[k]))
    return np.where(a > b, -out, out)


def _is_array(value: object) -> bool:
    return type(value).__module__ == "numpy" and hasattr(value, "dtype")


def elapsed_many(calendar: BusinessCalendar, starts: Any, ends: Any) -> Any:
    """Business time in ``[starts[i], ends[i])`` for every ``i``, signed as
    :meth:`~itsm_core.calendar.business.BusinessCalendar.elapsed` is.

    Args:
        calendar: the calendar to measure on.
        starts: aware datetimes, or a numpy ``datetime64`` array of UTC instants (the way
            numpy and pandas hold instants).
        ends: the same kind as *starts*, one per start.

    Returns:
        A list of ``timedelta`` for datetimes; a ``timedelta64[us]`` array for arrays.

    Raises:
        InvalidArgumentError: *starts* and *ends* differ in length, or a span is one the
            calendar refuses (over about 570 years).
        NaiveDatetimeError: a datetime is naive.
        ArgumentTypeError: a value is neither an aware datetime nor, in an array, a
            ``datetime64``.

    >>> import numpy as np
    >>> from itsm_core import BusinessCalendar
    >>> cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}})
    >>> starts = np.array(["2025-01-06T08:00", "2025-01-06T16:00"], dtype="datetime64[us]")
    >>> elapsed_many(cal, starts, starts + np.timedelta64(2, "h")).astype("timedelta64[m]")
    array([60, 60], dtype='timedelta64[m]')
    """
    engine = calendar._engine
    if _is_array(starts) or _is_array(ends):
        np = _numpy()
        a, b = (_instants_array(np, v, name) for v, name in ((starts, "starts"), (ends, "ends")))
        return _elapsed_many_us(engine, a, b).astype("timedelta64[us]")
    if not isinstance(starts, Sequence) or not isinstance(ends, Sequence):
        raise ArgumentTypeError("starts, ends: expected sequences of aware datetimes or numpy "
                                f"datetime64 arrays, got {type(starts).__name__} and "
                                f"{type(ends).__name__}")
    if len(starts) != len(ends):
        raise InvalidArgumentError(f"ends: {len(ends)} values for {len(starts)} starts; "
                                   "expected one end per start")
    a_us = [to_us(t, f"starts[{i}]") for i, t in enumerate(starts)]
    b_us = [to_us(t, f"ends[{i}]") for i, t in enumerate(ends)]
    if not has_numpy():  # pragma: no cover - the extra is installed where tests run
        return [_ONE_US * engine.elapsed(x, y) for x, y in zip(a_us, b_us, strict=True)]
    return [_ONE_US * us for us in _elapsed_many_us(engine, a_us, b_us).tolist()]


def _instants_array(np: Any, value: Any, name: str) -> Any:
    """A datetime64 array as int64 microseconds since the epoch (UTC)."""
    if not _is_array(value) or value.dtype.kind != "M":
        raise ArgumentTypeError(f"{name}: expected a numpy datetime64 array of UTC instants, "
                                f"got {type(value).__name__}"
                                + (f" of {value.dtype}" if hasattr(value, "dtype") else ""))
    if np.isnat(value).any():
        raise InvalidArgumentError(f"{name}: holds NaT; expected an instant in every place")
    return value.astype("datetime64[us]").astype(np.int64)

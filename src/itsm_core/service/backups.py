"""Backups and the worst-case recovery point they allow: the longest stretch of a window
without a good backup (ISO 22301's recovery point, measured from the backup history rather
than from an exercise).

>>> from datetime import datetime, timezone
>>> day = lambda d: datetime(2025, 5, d, tzinfo=timezone.utc)
>>> runs = [BackupRun(service="db", at=day(d)) for d in (1, 2, 6)]
>>> gap = worst_recovery_point("db", runs, day(1), day(8))
>>> gap.start.day, gap.end.day, gap.length.days
(2, 6, 4)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import attrs

from itsm_core._instant import format_duration, from_us, parse_instant, td, to_us
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, shown
from itsm_core.service._continuity_fields import _aware, _mapping, _name, _required, _service

__all__ = ["BackupRun", "RecoveryPointGap", "worst_recovery_point"]

_BACKUP_KEYS = ("service", "at", "ok")


@attrs.frozen(kw_only=True)
class BackupRun:
    """One backup of a service: when it was taken and whether it is good (restorable).

    >>> BackupRun.from_dict({"service": "email", "at": "2025-05-01T02:00:00Z", "ok": False}).ok
    False
    """

    service: str = attrs.field(validator=_service)
    at: datetime = attrs.field(validator=_aware("at"))
    ok: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))

    @classmethod
    def from_dict(cls, data: object) -> BackupRun:
        """Read ``{"service": ..., "at": instant, "ok": true}`` (``ok`` defaults to true).

        Raises:
            ConfigError: a key is missing or unknown, or a value is malformed.

        >>> BackupRun.from_dict({"service": "email", "at": "2025-05-01T02:00:00Z", "ok": "yes"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: ok: expected true or false, got 'yes'
        """
        raw = _mapping(data, _BACKUP_KEYS, "a backup mapping")
        service = _name(_required(raw, "service", "a service name"), "service")
        at = parse_instant(_required(raw, "at", "an aware ISO 8601 date-time"), "at")
        ok = raw.get("ok", True)
        if not isinstance(ok, bool):
            raise ConfigError("ok", f"expected true or false, got {shown(ok)}")
        return cls(service=service, at=at, ok=ok)

    def to_dict(self) -> dict[str, Any]:
        """Plain data; ``from_dict(to_dict())`` gives an equal value.

        >>> from datetime import datetime, timezone
        >>> BackupRun(service="e", at=datetime(2025, 5, 1, tzinfo=timezone.utc)).to_dict()
        {'service': 'e', 'at': '2025-05-01T00:00:00+00:00', 'ok': True}
        """
        return {"service": self.service, "at": self.at.isoformat(), "ok": self.ok}


@attrs.frozen(kw_only=True)
class RecoveryPointGap:
    """The longest stretch of a window without a good backup: a disruption at its end loses
    everything since its start.

    Attributes:
        service: the service's name.
        start: the last good backup before the gap, or the window's start when the gap is
            the first one and there was no good backup at or before the start (then
            ``from_window_start`` is true, and the real loss may be longer).
        end: the next good backup, or the window's end.
        length: ``end - start``: the worst-case recovery point.
        from_window_start: the gap starts at the window's start for want of a backup.
        failed: the failed backups taken inside the gap.

    >>> from datetime import datetime, timezone
    >>> day = lambda d: datetime(2025, 5, d, tzinfo=timezone.utc)
    >>> gap = worst_recovery_point("e", [BackupRun(service="e", at=day(2)),
    ...                                  BackupRun(service="e", at=day(3), ok=False)],
    ...                            day(1), day(5))
    >>> gap.start.day, gap.end.day, gap.length.days, gap.failed
    (2, 5, 3, 1)
    """

    service: str
    start: datetime
    end: datetime
    length: timedelta
    from_window_start: bool
    failed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> from datetime import datetime, timezone
        >>> worst_recovery_point("e", [], datetime(2025, 5, 1, tzinfo=timezone.utc),
        ...                      datetime(2025, 5, 2, tzinfo=timezone.utc)).to_dict()["length"]
        'P1D'
        """
        return {"service": self.service, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "length": format_duration(self.length),
                "from_window_start": self.from_window_start, "failed": self.failed}


def worst_recovery_point(service: str, backups: Iterable[BackupRun], start: datetime,
                         end: datetime) -> RecoveryPointGap:
    """The longest gap between good backups of *service* over ``[start, end)``.

    The first gap runs from the last good backup at or before *start* (or from *start*
    itself when there is none: ``from_window_start`` says so); the last runs to *end*, since
    a disruption just before *end* loses the data back to the last good backup.  Backups of
    other services, and backups at or after *end*, are ignored; of equally long gaps the
    earliest is reported.

    Raises:
        InvalidArgumentError: *end* is not after *start*.

    >>> from datetime import datetime, timezone
    >>> h = lambda hour: datetime(2025, 5, 1, hour, tzinfo=timezone.utc)
    >>> runs = [BackupRun(service="db", at=h(h_)) for h_ in (0, 6, 8)]
    >>> gap = worst_recovery_point("db", runs, h(1), h(20))
    >>> gap.start.hour, gap.end.hour, gap.from_window_start
    (8, 20, False)
    """
    lo, hi = to_us(start, "start"), to_us(end, "end")
    if hi <= lo:
        raise InvalidArgumentError(f"end: {end} is not after start {start}")
    good: list[int] = []
    failed: list[int] = []
    for run in backups:
        if not isinstance(run, BackupRun):
            raise ArgumentTypeError(f"backups: expected BackupRun values, got "
                                    f"{type(run).__name__} {shown(run)}")
        at = to_us(run.at, "at")
        if run.service == service and at < hi:
            (good if run.ok else failed).append(at)
    before = [at for at in good if at <= lo]
    points = [max(before) if before else lo, *sorted(at for at in good if at > lo), hi]
    best = max(range(len(points) - 1), key=lambda i: (points[i + 1] - points[i], -i))
    a, b = points[best], points[best + 1]
    return RecoveryPointGap(
        service=service, start=start if a == lo else from_us(a, _zone(start)),
        end=end if b == hi else from_us(b, _zone(end)), length=td(b - a),
        from_window_start=not before and best == 0,
        failed=sum(1 for at in failed if a < at < b))


def _zone(like: datetime) -> Any:
    """The zone of the aware datetime *like*, to show other instants in."""
    return like.tzinfo

"""The continuity report over a window: per service, its objectives, its last exercise's
results, the worst-case recovery point of its backups, the verdicts and the findings.

>>> from datetime import datetime, timezone
>>> day = lambda d, h=0: datetime(2025, 5, d, h, tzinfo=timezone.utc)
>>> report = continuity_report(
...     {"email": ContinuityTargets.from_dict({"rto": "PT4H", "rpo": "P1D", "mtpd": "P1D"})},
...     [Exercise(service="email", disrupted_at=day(10, 9), recovered_at=day(10, 12),
...               restored_to=day(10, 2))],
...     [BackupRun(service="email", at=day(d, 2)) for d in range(1, 31) if d != 15],
...     day(1), datetime(2025, 6, 1, tzinfo=timezone.utc))
>>> print(report)
continuity 2025-05-01T00:00:00+00:00 to 2025-06-01T00:00:00+00:00
email: RTO 4 hours, RPO 1 day, MTPD 1 day
  recovery time 3 hours against the RTO 4 hours: met
  recovery point 7 hours against the RPO 1 day: met
  worst-case recovery point 2 days against the RPO 1 day: missed
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from itsm_core._instant import duration_in_words, to_us
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, UnknownNameError, shown
from itsm_core.service.backups import BackupRun, RecoveryPointGap, worst_recovery_point
from itsm_core.service.continuity import (
    ContinuityCheck,
    ContinuityFinding,
    ContinuityTargets,
    Exercise,
)
from itsm_core.service.result import Verdict

__all__ = ["ContinuityReport", "ServiceContinuity", "continuity_report"]


@attrs.frozen(kw_only=True)
class ServiceContinuity:
    """One service in a :class:`ContinuityReport`.

    Attributes:
        service: the service's name.
        targets: its objectives, or ``None`` when none were given (a finding says so).
        exercise: its last exercise disrupted before the window's end, or ``None``.
        checks: the last exercise against the objectives, then the worst-case recovery
            point against the RPO.
        recovery_point: the longest gap between its good backups over the window.
        findings: the objectives' own findings (:meth:`ContinuityTargets.consistency`)
            and ``no_targets``, ``no_exercise``, ``stale_exercise``, ``no_backup``.

    >>> from datetime import datetime, timezone
    >>> r = continuity_report({}, [], [], datetime(2025, 1, 1, tzinfo=timezone.utc),
    ...                       datetime(2025, 2, 1, tzinfo=timezone.utc), services=["vpn"])
    >>> [f.kind for f in r.services[0].findings]
    ['no_targets', 'no_exercise', 'no_backup']
    """

    service: str
    targets: ContinuityTargets | None
    exercise: Exercise | None
    checks: tuple[ContinuityCheck, ...]
    recovery_point: RecoveryPointGap
    findings: tuple[ContinuityFinding, ...]

    @property
    def missed(self) -> tuple[ContinuityCheck, ...]:
        """The checks whose verdict is missed.

        >>> from datetime import datetime, timezone
        >>> r = continuity_report({}, [], [], datetime(2025, 1, 1, tzinfo=timezone.utc),
        ...                       datetime(2025, 2, 1, tzinfo=timezone.utc), services=["vpn"])
        >>> r.services[0].missed
        ()
        """
        return tuple(c for c in self.checks if c.verdict is Verdict.MISSED)

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> from datetime import datetime, timezone
        >>> r = continuity_report({}, [], [], datetime(2025, 1, 1, tzinfo=timezone.utc),
        ...                       datetime(2025, 2, 1, tzinfo=timezone.utc), services=["vpn"])
        >>> r.services[0].to_dict()["recovery_point"]["length"]
        'P31D'
        """
        return {"service": self.service,
                "targets": None if self.targets is None else self.targets.to_dict(),
                "exercise": None if self.exercise is None else self.exercise.to_dict(),
                "checks": [c.to_dict() for c in self.checks],
                "recovery_point": self.recovery_point.to_dict(),
                "findings": [f.to_dict() for f in self.findings]}

    def __str__(self) -> str:
        if self.targets is None:
            head = f"{self.service}: no continuity objectives"
        else:
            t = self.targets
            head = (f"{self.service}: RTO {duration_in_words(t.rto)}, RPO "
                    f"{duration_in_words(t.rpo)}, MTPD {duration_in_words(t.mtpd)}"
                    + (f", WRT {duration_in_words(t.wrt)}" if t.wrt is not None else ""))
        lines = [head, *(f"  {c}" for c in self.checks),
                 *(f"  finding: {f.message}" for f in self.findings)]
        return "\n".join(lines)


@attrs.frozen(kw_only=True)
class ContinuityReport:
    """Continuity of every service over the window ``[start, end)``.

    >>> from datetime import datetime, timezone
    >>> r = continuity_report({}, [], [], datetime(2025, 1, 1, tzinfo=timezone.utc),
    ...                       datetime(2025, 2, 1, tzinfo=timezone.utc))
    >>> r.services, r.to_dict()["end"]
    ((), '2025-02-01T00:00:00+00:00')
    """

    start: datetime
    end: datetime
    services: tuple[ServiceContinuity, ...]

    def service(self, name: str) -> ServiceContinuity:
        """The entry of the service *name*.

        Raises:
            UnknownNameError: no such service in the report.

        >>> from datetime import datetime, timezone
        >>> continuity_report({}, [], [], datetime(2025, 1, 1, tzinfo=timezone.utc),
        ...                   datetime(2025, 2, 1, tzinfo=timezone.utc)).service("vpn")
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: service: unknown name 'vpn'
        """
        for entry in self.services:
            if entry.service == name:
                return entry
        raise UnknownNameError("service", name, [e.service for e in self.services])

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the window and one mapping per service.

        >>> from datetime import datetime, timezone
        >>> continuity_report({}, [], [], datetime(2025, 1, 1, tzinfo=timezone.utc),
        ...                   datetime(2025, 2, 1, tzinfo=timezone.utc)).to_dict()["services"]
        []
        """
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "services": [s.to_dict() for s in self.services]}

    def __str__(self) -> str:
        head = f"continuity {self.start.isoformat()} to {self.end.isoformat()}"
        return "\n".join([head, *(str(s) for s in self.services)])


def _checked(items: Iterable[Any], cls: type[Any], name: str) -> list[Any]:
    out = list(items)
    for item in out:
        if not isinstance(item, cls):
            raise ArgumentTypeError(f"{name}: expected {cls.__name__} values, got "
                                    f"{type(item).__name__} {shown(item)}")
    return out


def continuity_report(targets_by_service: Mapping[str, ContinuityTargets],
                      exercises: Iterable[Exercise], backups: Iterable[BackupRun],
                      start: datetime, end: datetime, *,
                      services: Iterable[str] = ()) -> ContinuityReport:
    """The continuity of each service over ``[start, end)``.

    Services are reported in the order of *targets_by_service*, then *services*, then as
    they first appear in *exercises* and *backups*.  A service's exercise is its last one
    disrupted before *end* (of two disrupted at the same instant, the later listed); one
    disrupted before *start* is still used, with a ``stale_exercise`` finding.  Its backups
    give the worst-case recovery point (:func:`worst_recovery_point`), checked against the
    RPO.

    Raises:
        ArgumentTypeError: an argument holds values of the wrong type.
        InvalidArgumentError: *end* is not after *start*.

    >>> from datetime import datetime, timezone
    >>> continuity_report({}, [], [], datetime(2025, 2, 1, tzinfo=timezone.utc),
    ...                   datetime(2025, 1, 1, tzinfo=timezone.utc))
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: end: 2025-01-01 00:00:00+00:00 is not after start 2025-02-01 00:00:00+00:00
    """
    lo, hi = to_us(start, "start"), to_us(end, "end")
    if hi <= lo:
        raise InvalidArgumentError(f"end: {end} is not after start {start}")
    if not isinstance(targets_by_service, Mapping):
        raise ArgumentTypeError(f"targets_by_service: expected a mapping of service name to "
                                f"ContinuityTargets, got {shown(targets_by_service)}")
    _checked(targets_by_service.values(), ContinuityTargets, "targets_by_service")
    runs = _checked(exercises, Exercise, "exercises")
    copies = _checked(backups, BackupRun, "backups")
    names = list(dict.fromkeys([*targets_by_service, *_checked(services, str, "services"),
                                *(e.service for e in runs), *(b.service for b in copies)]))
    last: dict[str, Exercise] = {}
    for run in runs:
        if to_us(run.disrupted_at, "") < hi:
            held = last.get(run.service)
            if held is None or to_us(run.disrupted_at, "") >= to_us(held.disrupted_at, ""):
                last[run.service] = run
    entries = []
    for name in names:
        targets = targets_by_service.get(name)
        exercise = last.get(name)
        gap = worst_recovery_point(name, copies, start, end)
        findings = list(targets.consistency()) if targets is not None else [ContinuityFinding(
            kind="no_targets", path="", message=f"{name} has no continuity objectives")]
        if exercise is None:
            findings.append(ContinuityFinding(
                kind="no_exercise", path="",
                message=f"{name} has no recovery exercise before {end.isoformat()}"))
        elif to_us(exercise.disrupted_at, "") < lo:
            findings.append(ContinuityFinding(
                kind="stale_exercise", path="",
                message=f"the last exercise of {name} ({exercise.disrupted_at.isoformat()}) "
                        "is before the window"))
        if gap.from_window_start and not any(
                b.service == name and b.ok and to_us(b.at, "") < hi for b in copies):
            findings.append(ContinuityFinding(
                kind="no_backup", path="",
                message=f"{name} has no good backup before {end.isoformat()}"))
        checks: list[ContinuityCheck] = []
        if targets is not None:
            if exercise is not None:
                checks.extend(exercise.checks(targets))
            checks.append(ContinuityCheck.judge("worst-case recovery point", "rpo",
                                                targets.rpo, gap.length))
        entries.append(ServiceContinuity(service=name, targets=targets, exercise=exercise,
                                         checks=tuple(checks), recovery_point=gap,
                                         findings=tuple(findings)))
    return ContinuityReport(start=start, end=end, services=tuple(entries))

"""Business continuity (ISO 22301 terms): each service's recovery targets, what recovery
exercises achieved against them, and the worst-case recovery point its backups allow.

* **RTO** (recovery time objective): how soon after a disruption the service must be
  recovered.
* **RPO** (recovery point objective): how much data, measured back in time from the
  disruption, may be lost.
* **MTPD** (maximum tolerable period of disruption): how long the business can bear the
  disruption before the damage is unacceptable.
* **WRT** (work recovery time, BCI Good Practice): the time after recovery to verify the
  data and catch up on work, before normal business resumes.  RTO plus WRT must fit
  within MTPD.

>>> from datetime import datetime, timezone
>>> targets = ContinuityTargets.from_dict({"rto": "PT4H", "rpo": "PT1H", "mtpd": "P1D"})
>>> drill = Exercise(service="email", disrupted_at=datetime(2025, 5, 1, 9, tzinfo=timezone.utc),
...                  recovered_at=datetime(2025, 5, 1, 14, tzinfo=timezone.utc),
...                  restored_to=datetime(2025, 5, 1, 8, 30, tzinfo=timezone.utc))
>>> [(c.measure, c.verdict.value) for c in drill.checks(targets)]
[('recovery time', 'missed'), ('recovery point', 'met')]

See ``docs/continuity.md`` for the semantics and worked edge cases.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from itsm_core._instant import duration_in_words, format_duration, parse_instant, td, to_us
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, shown
from itsm_core.service._continuity_fields import _aware, _mapping, _name, _required, _service
from itsm_core.service.continuity_targets import ContinuityFinding, ContinuityTargets
from itsm_core.service.result import Verdict

__all__ = ["ContinuityCheck", "ContinuityFinding", "ContinuityTargets", "Exercise"]

_EXERCISE_KEYS = ("service", "disrupted_at", "recovered_at", "restored_to", "resumed_at")


@attrs.frozen(kw_only=True)
class ContinuityCheck:
    """One achieved figure against its objective: met iff ``achieved <= objective``.

    Attributes:
        measure: ``"recovery time"``, ``"recovery point"``, ``"work recovery time"``,
            ``"disruption"`` (disruption to resumption, against the MTPD) or
            ``"worst-case recovery point"`` (from the backups).
        objective: ``"rto"``, ``"rpo"``, ``"wrt"`` or ``"mtpd"``.
        target: the objective's value.
        achieved: the figure achieved.
        verdict: met or missed.

    >>> from datetime import timedelta
    >>> ContinuityCheck.judge("recovery time", "rto", timedelta(hours=4),
    ...                       timedelta(hours=4)).verdict
    <Verdict.MET: 'met'>
    """

    measure: str
    objective: str
    target: timedelta
    achieved: timedelta
    verdict: Verdict

    @classmethod
    def judge(cls, measure: str, objective: str, target: timedelta,
              achieved: timedelta) -> ContinuityCheck:
        """The check of *achieved* against *target* (met when it is not longer).

        >>> from datetime import timedelta
        >>> ContinuityCheck.judge("recovery point", "rpo", timedelta(hours=1),
        ...                       timedelta(hours=2)).verdict.value
        'missed'
        """
        return cls(measure=measure, objective=objective, target=target, achieved=achieved,
                   verdict=Verdict.MET if achieved <= target else Verdict.MISSED)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, durations in ISO 8601.

        >>> from datetime import timedelta
        >>> ContinuityCheck.judge("recovery time", "rto", timedelta(hours=4),
        ...                       timedelta(hours=5)).to_dict()["achieved"]
        'PT5H'
        """
        return {"measure": self.measure, "objective": self.objective,
                "target": format_duration(self.target),
                "achieved": format_duration(self.achieved), "verdict": self.verdict.value}

    def __str__(self) -> str:
        return (f"{self.measure} {duration_in_words(self.achieved)} against the "
                f"{self.objective.upper()} {duration_in_words(self.target)}: "
                f"{self.verdict.value}")


def _order(disrupted_at: object, recovered_at: object, restored_to: object,
           resumed_at: object) -> tuple[str, str] | None:
    """The first field out of order (restored_to <= disrupted_at <= recovered_at <=
    resumed_at) and why, or ``None``."""
    disrupted = to_us(disrupted_at, "disrupted_at")
    if to_us(restored_to, "restored_to") > disrupted:
        return "restored_to", "is after the disruption"
    recovered = to_us(recovered_at, "recovered_at")
    if recovered < disrupted:
        return "recovered_at", "is before the disruption"
    if resumed_at is not None and to_us(resumed_at, "resumed_at") < recovered:
        return "resumed_at", "is before the recovery"
    return None


@attrs.frozen(kw_only=True)
class Exercise:
    """A recovery exercise (or a real disruption) of one service.

    Attributes:
        service: the service's name.
        disrupted_at: when the service was disrupted.
        recovered_at: when it was recovered (running again).
        restored_to: the instant its data was restored to (the last data kept).
        resumed_at: when normal business resumed after work recovery, if recorded.

    Raises:
        InvalidArgumentError: the instants are out of order (``restored_to <= disrupted_at
            <= recovered_at <= resumed_at``).

    >>> from datetime import datetime, timezone
    >>> Exercise(service="vpn", disrupted_at=datetime(2025, 5, 1, 9, tzinfo=timezone.utc),
    ...          recovered_at=datetime(2025, 5, 1, 8, tzinfo=timezone.utc),
    ...          restored_to=datetime(2025, 5, 1, 8, tzinfo=timezone.utc))
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: recovered_at: 2025-05-01 08:00:00+00:00 is before the disruption; expected restored_to <= disrupted_at <= recovered_at <= resumed_at
    """

    service: str = attrs.field(validator=_service)
    disrupted_at: datetime = attrs.field(validator=_aware("disrupted_at"))
    recovered_at: datetime = attrs.field(validator=_aware("recovered_at"))
    restored_to: datetime = attrs.field(validator=_aware("restored_to"))
    resumed_at: datetime | None = attrs.field(
        default=None, validator=attrs.validators.optional(_aware("resumed_at")))

    def __attrs_post_init__(self) -> None:
        wrong = _order(self.disrupted_at, self.recovered_at, self.restored_to, self.resumed_at)
        if wrong is not None:
            field, problem = wrong
            raise InvalidArgumentError(f"{field}: {getattr(self, field)} {problem}; expected "
                                       "restored_to <= disrupted_at <= recovered_at <= "
                                       "resumed_at")

    @classmethod
    def from_dict(cls, data: object) -> Exercise:
        """Read ``{"service": ..., "disrupted_at": ..., "recovered_at": ...,
        "restored_to": ..., "resumed_at": ...}`` (aware ISO 8601 instants; ``resumed_at``
        optional).

        Raises:
            ConfigError: a key is missing or unknown, an instant is unreadable, or the
                instants are out of order (the path names the field).

        >>> Exercise.from_dict({"service": "vpn", "disrupted_at": "2025-05-01T09:00:00Z",
        ...                     "recovered_at": "2025-05-01T10:00:00Z",
        ...                     "restored_to": "2025-05-01T09:30:00Z"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: restored_to: '2025-05-01T09:30:00Z' is after the disruption; expected restored_to <= disrupted_at <= recovered_at <= resumed_at
        """
        form = "an aware ISO 8601 date-time"
        raw = _mapping(data, _EXERCISE_KEYS, "an exercise mapping")
        service = _name(_required(raw, "service", "a service name"), "service")
        at = {key: parse_instant(_required(raw, key, form), key)
              for key in ("disrupted_at", "recovered_at", "restored_to")}
        resumed = (parse_instant(raw["resumed_at"], "resumed_at")
                   if raw.get("resumed_at") is not None else None)
        wrong = _order(at["disrupted_at"], at["recovered_at"], at["restored_to"], resumed)
        if wrong is not None:
            field, problem = wrong
            raise ConfigError(field, f"{shown(raw[field])} {problem}",
                              "restored_to <= disrupted_at <= recovered_at <= resumed_at")
        return cls(service=service, resumed_at=resumed, **at)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (ISO 8601 instants); ``from_dict(to_dict())`` gives an equal value.

        >>> from datetime import datetime, timezone
        >>> e = Exercise(service="vpn", disrupted_at=datetime(2025, 5, 1, 9, tzinfo=timezone.utc),
        ...              recovered_at=datetime(2025, 5, 1, 10, tzinfo=timezone.utc),
        ...              restored_to=datetime(2025, 5, 1, 9, tzinfo=timezone.utc))
        >>> e.to_dict()["recovered_at"]
        '2025-05-01T10:00:00+00:00'
        """
        out = {"service": self.service, "disrupted_at": self.disrupted_at.isoformat(),
               "recovered_at": self.recovered_at.isoformat(),
               "restored_to": self.restored_to.isoformat()}
        if self.resumed_at is not None:
            out["resumed_at"] = self.resumed_at.isoformat()
        return out

    @property
    def recovery_time(self) -> timedelta:
        """``recovered_at - disrupted_at``, exact across DST changes.

        >>> from datetime import datetime, timezone
        >>> Exercise(service="vpn", disrupted_at=datetime(2025, 5, 1, 9, tzinfo=timezone.utc),
        ...          recovered_at=datetime(2025, 5, 1, 10, tzinfo=timezone.utc),
        ...          restored_to=datetime(2025, 5, 1, 9, tzinfo=timezone.utc)).recovery_time
        datetime.timedelta(seconds=3600)
        """
        return td(to_us(self.recovered_at, "") - to_us(self.disrupted_at, ""))

    @property
    def recovery_point(self) -> timedelta:
        """``disrupted_at - restored_to``: the data lost.

        >>> from datetime import datetime, timezone
        >>> Exercise(service="vpn", disrupted_at=datetime(2025, 5, 1, 9, tzinfo=timezone.utc),
        ...          recovered_at=datetime(2025, 5, 1, 10, tzinfo=timezone.utc),
        ...          restored_to=datetime(2025, 5, 1, 8, tzinfo=timezone.utc)).recovery_point
        datetime.timedelta(seconds=3600)
        """
        return td(to_us(self.disrupted_at, "") - to_us(self.restored_to, ""))

    def checks(self, targets: ContinuityTargets) -> tuple[ContinuityCheck, ...]:
        """The exercise against *targets*: recovery time against the RTO, recovery point
        against the RPO and, when ``resumed_at`` is recorded, work recovery time
        (``resumed_at - recovered_at``) against the WRT (if agreed) and the whole
        disruption (``resumed_at - disrupted_at``) against the MTPD.

        >>> from datetime import datetime, timezone
        >>> t = ContinuityTargets.from_dict({"rto": "PT4H", "rpo": "PT1H", "mtpd": "PT6H",
        ...                                  "wrt": "PT1H"})
        >>> e = Exercise(service="vpn", disrupted_at=datetime(2025, 5, 1, 9, tzinfo=timezone.utc),
        ...              recovered_at=datetime(2025, 5, 1, 12, tzinfo=timezone.utc),
        ...              restored_to=datetime(2025, 5, 1, 9, tzinfo=timezone.utc),
        ...              resumed_at=datetime(2025, 5, 1, 14, tzinfo=timezone.utc))
        >>> [str(c) for c in e.checks(t)][2:]
        ['work recovery time 2 hours against the WRT 1 hour: missed', 'disruption 5 hours against the MTPD 6 hours: met']
        """
        if not isinstance(targets, ContinuityTargets):
            raise ArgumentTypeError(f"targets: expected ContinuityTargets, got "
                                    f"{type(targets).__name__} {shown(targets)}")
        out = [ContinuityCheck.judge("recovery time", "rto", targets.rto, self.recovery_time),
               ContinuityCheck.judge("recovery point", "rpo", targets.rpo,
                                     self.recovery_point)]
        if self.resumed_at is not None:
            resumed = to_us(self.resumed_at, "")
            if targets.wrt is not None:
                out.append(ContinuityCheck.judge(
                    "work recovery time", "wrt", targets.wrt,
                    td(resumed - to_us(self.recovered_at, ""))))
            out.append(ContinuityCheck.judge("disruption", "mtpd", targets.mtpd,
                                             td(resumed - to_us(self.disrupted_at, ""))))
        return tuple(out)

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

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from itsm_core._config import check_depth, reject_unknown
from itsm_core._instant import (
    duration_in_words,
    duration_us,
    format_duration,
    parse_duration,
    parse_instant,
    td,
    to_us,
)
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, shown
from itsm_core.service.result import Verdict

__all__ = ["ContinuityCheck", "ContinuityFinding", "ContinuityTargets", "Exercise"]

_TARGET_KEYS = ("rto", "rpo", "mtpd", "wrt")
_EXERCISE_KEYS = ("service", "disrupted_at", "recovered_at", "restored_to", "resumed_at")


def _mapping(data: object, keys: tuple[str, ...], form: str) -> Mapping[str, Any]:
    check_depth(data)
    if not isinstance(data, Mapping):
        raise ConfigError("", f"expected a mapping, got {shown(data)}", form)
    reject_unknown(data, keys)
    return data


def _required(data: Mapping[str, Any], key: str, form: str) -> Any:
    if key not in data:
        raise ConfigError(key, "missing", form)
    return data[key]


def _name(value: object, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(path, f"expected a service name, got {shown(value)}",
                          "a non-empty string")
    return value


def _duration(name: str) -> Any:
    """An attrs validator: a ``timedelta >= 0``, or an error naming the argument."""
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        duration_us(value, name)
    return check


def _aware(name: str) -> Any:
    """An attrs validator: an aware datetime, or an error naming the argument."""
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        to_us(value, name)
    return check


def _sum_in_words(us: int) -> str:
    """*us* in words; a sum beyond the range of ``timedelta`` (two targets of up to
    999,999,999 days each) is shown as more than that range.

    >>> _sum_in_words(3_600_000_000), _sum_in_words(2 * 10**20)
    ('1 hour', 'more than 142857142 weeks 5 days')
    """
    if us > duration_us(timedelta.max, "total"):
        return f"more than {duration_in_words(timedelta(days=timedelta.max.days))}"
    return duration_in_words(td(us))


def _service(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ArgumentTypeError(f"service: expected a non-empty str, got {shown(value)}")


@attrs.frozen(kw_only=True)
class ContinuityFinding:
    """A problem with a service's continuity set-up, reported as data (never refused).

    Attributes:
        kind: ``"rto_not_positive"``, ``"rpo_not_positive"``, ``"beyond_mtpd"``,
            ``"no_targets"``, ``"no_exercise"``, ``"stale_exercise"`` or ``"no_backup"``.
        path: the field concerned (``"rto"``, ``"wrt"``...; ``""`` for the service).
        message: a sentence for people.

    >>> ContinuityFinding(kind="no_exercise", path="", message="never exercised").to_dict()
    {'kind': 'no_exercise', 'path': '', 'message': 'never exercised'}
    """

    kind: str
    path: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data.

        >>> ContinuityFinding(kind="beyond_mtpd", path="rto", message="m").to_dict()["path"]
        'rto'
        """
        return {"kind": self.kind, "path": self.path, "message": self.message}


@attrs.frozen(kw_only=True)
class ContinuityTargets:
    """A service's continuity objectives (all durations are wall-clock time).

    Attributes:
        rto: recovery time objective.
        rpo: recovery point objective (the data loss tolerated, back from the disruption).
        mtpd: maximum tolerable period of disruption.
        wrt: work recovery time after recovery, or ``None`` when not agreed.

    >>> t = ContinuityTargets.from_dict({"rto": "PT4H", "rpo": "PT1H", "mtpd": "PT5H",
    ...                                  "wrt": "PT2H"})
    >>> t.rto, [f.kind for f in t.consistency()]
    (datetime.timedelta(seconds=14400), ['beyond_mtpd'])
    """

    rto: timedelta = attrs.field(validator=_duration("rto"))
    rpo: timedelta = attrs.field(validator=_duration("rpo"))
    mtpd: timedelta = attrs.field(validator=_duration("mtpd"))
    wrt: timedelta | None = attrs.field(default=None,
                                        validator=attrs.validators.optional(_duration("wrt")))

    @classmethod
    def from_dict(cls, data: object) -> ContinuityTargets:
        """Read ``{"rto": "PT4H", "rpo": "PT1H", "mtpd": "P1D", "wrt": "PT2H"}`` (ISO 8601
        durations; ``wrt`` optional).

        Raises:
            ConfigError: a key is missing or unknown, or a duration is unreadable or
                negative (the path names the key).

        >>> ContinuityTargets.from_dict({"rto": "PT4H", "rpo": "PT1H"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: mtpd: missing; expected an ISO 8601 duration such as 'PT4H'
        """
        form = "an ISO 8601 duration such as 'PT4H'"
        raw = _mapping(data, _TARGET_KEYS, "a mapping with rto, rpo, mtpd and optionally wrt")
        rto, rpo, mtpd = (parse_duration(_required(raw, key, form), key)
                          for key in ("rto", "rpo", "mtpd"))
        wrt = parse_duration(raw["wrt"], "wrt") if raw.get("wrt") is not None else None
        return cls(rto=rto, rpo=rpo, mtpd=mtpd, wrt=wrt)

    def to_dict(self) -> dict[str, Any]:
        """ISO 8601 durations; ``from_dict(to_dict())`` gives an equal value.

        >>> ContinuityTargets.from_dict({"rto": "PT4H", "rpo": "PT0S", "mtpd": "P1D"}).to_dict()
        {'rto': 'PT4H', 'rpo': 'PT0S', 'mtpd': 'P1D'}
        """
        out = {"rto": format_duration(self.rto), "rpo": format_duration(self.rpo),
               "mtpd": format_duration(self.mtpd)}
        if self.wrt is not None:
            out["wrt"] = format_duration(self.wrt)
        return out

    def consistency(self) -> tuple[ContinuityFinding, ...]:
        """Findings about the targets themselves: RTO and RPO must be positive, and RTO
        plus WRT (RTO alone when WRT is not agreed) must lie within MTPD.

        >>> ContinuityTargets.from_dict({"rto": "P2D", "rpo": "PT0S", "mtpd": "P1D"}
        ...                             ).consistency()[1].message
        'RTO 2 days exceeds the MTPD 1 day'
        """
        findings = []
        if not self.rto:
            findings.append(ContinuityFinding(
                kind="rto_not_positive", path="rto",
                message="the RTO is zero: no recovery takes no time"))
        if not self.rpo:
            findings.append(ContinuityFinding(
                kind="rpo_not_positive", path="rpo",
                message="the RPO is zero: no backup history can show that no data is lost"))
        total = duration_us(self.rto, "rto") + duration_us(self.wrt or timedelta(0), "wrt")
        if total > duration_us(self.mtpd, "mtpd"):
            words = f"RTO {duration_in_words(self.rto)}"
            if self.wrt is not None:
                words += f" + WRT {duration_in_words(self.wrt)} = {_sum_in_words(total)}"
            findings.append(ContinuityFinding(
                kind="beyond_mtpd", path="rto" if self.wrt is None else "wrt",
                message=f"{words} exceeds the MTPD {duration_in_words(self.mtpd)}"))
        return tuple(findings)


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

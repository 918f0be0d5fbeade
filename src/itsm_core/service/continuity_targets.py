"""A service's continuity objectives (ISO 22301 terms): :class:`ContinuityTargets` (RTO,
RPO, MTPD, WRT) and the :class:`ContinuityFinding` values that report a set-up problem.

RTO plus WRT (RTO alone when WRT is not agreed) must lie within the MTPD; the terms are
explained in :mod:`itsm_core.service.continuity` and ``docs/continuity.md``.

>>> ContinuityTargets.from_dict({"rto": "PT4H", "rpo": "PT1H", "mtpd": "P1D"}).consistency()
()
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs

from itsm_core._instant import (
    duration_in_words,
    duration_us,
    format_duration,
    parse_duration,
    td,
)
from itsm_core.service._continuity_fields import _duration, _mapping, _required

__all__ = ["ContinuityFinding", "ContinuityTargets"]

_TARGET_KEYS = ("rto", "rpo", "mtpd", "wrt")


def _sum_in_words(us: int) -> str:
    """*us* in words; a sum beyond the range of ``timedelta`` (two targets of up to
    999,999,999 days each) is shown as more than that range.

    >>> _sum_in_words(3_600_000_000), _sum_in_words(2 * 10**20)
    ('1 hour', 'more than 142857142 weeks 5 days')
    """
    if us > duration_us(timedelta.max, "total"):
        return f"more than {duration_in_words(timedelta(days=timedelta.max.days))}"
    return duration_in_words(td(us))


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


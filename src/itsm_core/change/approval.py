"""The approval policy: change type x risk level -> authority and minimum lead time.

Lead time is **business time** on a calendar, from the moment the change was requested
(``requested_at``) to its planned start.  Standard changes are pre-authorised: no approval,
no lead time, whatever the risk.

>>> policy = ApprovalPolicy.from_dict({
...     "normal": {"low": {"authority": "peer", "lead_time": "PT8H"},
...                "moderate": {"authority": "change_manager", "lead_time": "P1D"},
...                "high": {"authority": "cab", "lead_time": "P3D"},
...                "very_high": {"authority": "cab", "lead_time": "P5D"}},
...     "emergency": {"authority": "emergency_cab", "lead_time": "PT0S"}})
>>> from itsm_core.change.levels import NamedLevel, RiskLevel
>>> r = policy.requirement("normal", RiskLevel.HIGH)
>>> r.authority.label, str(r.lead_time)
('cab', '3 days, 0:00:00')
>>> policy.requirement("standard", RiskLevel.VERY_HIGH).pre_authorised
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import attrs

from itsm_core._config import join
from itsm_core._instant import format_duration, parse_duration, to_us
from itsm_core.calendar import BusinessCalendar
from itsm_core.change.conflict import Conflict, ConflictKind
from itsm_core.change.levels import NamedLevel, RiskLevel
from itsm_core.change.request import ChangeRequest, ChangeType, parse_type
from itsm_core.errors import ConfigError, InvalidArgumentError, shown

__all__ = ["ApprovalPolicy", "ApprovalRequirement", "Authority"]

_CELL_FORM = "{'authority': 'cab', 'lead_time': 'P3D'}"


class Authority(NamedLevel):
    """Who must authorise a change, in increasing order of weight.

    >>> Authority.parse("emergency_cab", "x") > Authority.CAB
    True
    >>> Authority.parse("board", "normal.high.authority")
    Traceback (most recent call last):
    ...
    itsm_core.errors.UnknownNameError: normal.high.authority: unknown name 'board'; expected one of 'none', 'peer', 'change_manager', 'cab', 'emergency_cab'
    """

    NONE = 0
    PEER = 1
    CHANGE_MANAGER = 2
    CAB = 3
    EMERGENCY_CAB = 4


@attrs.frozen(kw_only=True)
class ApprovalRequirement:
    """What a change needs before it may start.

    >>> ApprovalRequirement(authority=Authority.PEER, lead_time=timedelta(hours=8),
    ...                     pre_authorised=False, reason="normal x low").to_dict()["lead_time"]
    'PT8H'
    """

    authority: Authority
    lead_time: timedelta
    pre_authorised: bool
    reason: str

    def to_dict(self) -> dict[str, object]:
        """Plain data for display.

        >>> ApprovalRequirement(authority=Authority.NONE, lead_time=timedelta(0),
        ...                     pre_authorised=True, reason="standard").to_dict()["authority"]
        'none'
        """
        return {"authority": self.authority.label, "lead_time": format_duration(self.lead_time),
                "pre_authorised": self.pre_authorised, "reason": self.reason}


def _cell(data: object, path: str) -> tuple[Authority, timedelta]:
    if not isinstance(data, Mapping) or set(data) != {"authority", "lead_time"}:
        raise ConfigError(path, f"expected {{'authority', 'lead_time'}}, got {shown(data)}", _CELL_FORM)
    return (Authority.parse(data["authority"], join(path, "authority")),
            parse_duration(data["lead_time"], join(path, "lead_time")))


@attrs.frozen
class ApprovalPolicy:
    """A complete type x risk matrix for normal and emergency changes.

    Each of ``normal`` and ``emergency`` maps either every risk level to a cell, or is a
    single cell for all levels.  A missing cell is a configuration error.

    >>> policy = ApprovalPolicy.from_dict({
    ...     "normal": {"authority": "change_manager", "lead_time": "P2D"},
    ...     "emergency": {"authority": "emergency_cab", "lead_time": "PT0S"}})
    >>> len(policy.cells)   # one cell per type and risk level
    8
    >>> for level in (RiskLevel.LOW, RiskLevel.VERY_HIGH):
    ...     needed = policy.requirement("normal", level)
    ...     print(needed.reason, needed.authority.label, needed.lead_time)
    normal x low change_manager 2 days, 0:00:00
    normal x very_high change_manager 2 days, 0:00:00
    """

    cells: tuple[tuple[ChangeType, RiskLevel, Authority, timedelta], ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ApprovalPolicy:
        """Build and validate the matrix.

        >>> ApprovalPolicy.from_dict({"normal": {"low": {"authority": "peer", "lead_time": "P1D"}},
        ...                           "emergency": {"authority": "emergency_cab", "lead_time": "PT0S"}})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: normal.moderate: missing; expected {'authority': 'cab', 'lead_time': 'P3D'}
        """
        if not isinstance(data, Mapping):
            raise ConfigError("approval", f"expected a mapping, got {shown(data)}",
                              "{'normal': {...}, 'emergency': {...}}")
        cells = []
        for key in data:
            if parse_type(key, key) is ChangeType.STANDARD:
                raise ConfigError(key, "standard changes are pre-authorised",
                                  "entries for 'normal' and 'emergency' only")
        for kind in (ChangeType.NORMAL, ChangeType.EMERGENCY):
            where = kind.value
            if kind.value not in data:
                raise ConfigError(where, "missing", "a cell or a mapping of risk level -> cell")
            row = data[kind.value]
            if isinstance(row, Mapping) and "authority" in row:
                authority, lead = _cell(row, where)
                cells += [(kind, level, authority, lead) for level in RiskLevel]
                continue
            if not isinstance(row, Mapping):
                raise ConfigError(where, f"expected a mapping, got {shown(row)}", _CELL_FORM)
            for name in row:
                RiskLevel.parse(name, join(where, name))
            for level in RiskLevel:
                if level.label not in row:
                    raise ConfigError(join(where, level.label), "missing", _CELL_FORM)
                cells.append((kind, level, *_cell(row[level.label], join(where, level.label))))
        return cls(tuple(cells))

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back.

        >>> p = ApprovalPolicy.from_dict({"normal": {"authority": "cab", "lead_time": "P2D"},
        ...                               "emergency": {"authority": "emergency_cab", "lead_time": "PT0S"}})
        >>> ApprovalPolicy.from_dict(p.to_dict()) == p
        True
        """
        out: dict[str, dict[str, object]] = {}
        for kind, level, authority, lead in self.cells:
            out.setdefault(kind.value, {})[level.label] = {
                "authority": authority.label, "lead_time": format_duration(lead)}
        return dict(out)

    def requirement(self, change_type: ChangeType | str,
                    level: RiskLevel | str) -> ApprovalRequirement:
        """The authority and lead time for a change of this type and risk level.

        *level* is a :class:`RiskLevel` or its name (``"high"``).

        Raises:
            UnknownNameError: *change_type* or *level* names nothing.
            InvalidArgumentError: the policy has no cell for this type and level (a policy
                built directly from an incomplete ``cells`` tuple; :meth:`from_dict` checks
                that the matrix is complete).

        >>> p = ApprovalPolicy.from_dict({"normal": {"authority": "cab", "lead_time": "P2D"},
        ...                               "emergency": {"authority": "emergency_cab", "lead_time": "PT0S"}})
        >>> p.requirement("emergency", RiskLevel.LOW).authority.label
        'emergency_cab'
        >>> p.requirement("normal", 3)
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: level: unknown name 3; expected one of 'low', 'moderate', 'high', 'very_high'
        """
        kind = parse_type(change_type, "change_type")
        level = RiskLevel.parse(level, "level")
        if kind is ChangeType.STANDARD:
            return ApprovalRequirement(authority=Authority.NONE, lead_time=timedelta(0),
                                       pre_authorised=True, reason="standard change: pre-authorised")
        for cell_kind, cell_level, authority, lead in self.cells:
            if cell_kind is kind and cell_level is level:
                return ApprovalRequirement(authority=authority, lead_time=lead, pre_authorised=False,
                                           reason=f"{kind.value} x {level.label}")
        raise InvalidArgumentError(
            f"level: the policy has no cell for {kind.value} x {level.label}; expected a "
            "policy with a cell for every change type and risk level (read it with from_dict)")

    def earliest_start(self, change: ChangeRequest, level: RiskLevel, calendar: BusinessCalendar,
                       *, requested_at: datetime | None = None) -> datetime:
        """The earliest start the lead time allows: ``calendar.add(requested_at, lead_time)``.

        *requested_at* defaults to the change's own ``requested_at``.

        >>> from itsm_core.calendar import BusinessCalendar
        >>> p = ApprovalPolicy.from_dict({"normal": {"authority": "cab", "lead_time": "P2D"},
        ...                               "emergency": {"authority": "emergency_cab", "lead_time": "PT0S"}})
        >>> cr = ChangeRequest.from_dict({"id": "C", "type": "normal", "start": "2025-01-10T00:00+00:00",
        ...     "end": "2025-01-10T01:00+00:00", "requested_at": "2025-01-06T09:00+00:00"})
        >>> p.earliest_start(cr, RiskLevel.LOW, BusinessCalendar.always_open("UTC")).isoformat()
        '2025-01-08T09:00:00+00:00'
        """
        asked = requested_at if requested_at is not None else change.requested_at
        if asked is None:
            raise ConfigError("requested_at", f"change {change.id} has no request time",
                              "an aware datetime in the change or the requested_at argument")
        to_us(asked, "requested_at")
        return calendar.add(asked, self.requirement(change.type, level).lead_time)

    def lead_time_conflict(self, change: ChangeRequest, level: RiskLevel,
                           calendar: BusinessCalendar) -> Conflict | None:
        """A ``LEAD_TIME`` conflict if the change starts before its lead time has elapsed.

        Changes without ``requested_at`` are not checked (``None``).  The comparison is exact
        business time: ``calendar.elapsed(requested_at, start) < lead_time``.

        >>> from itsm_core.calendar import BusinessCalendar
        >>> p = ApprovalPolicy.from_dict({"normal": {"authority": "cab", "lead_time": "P2D"},
        ...                               "emergency": {"authority": "emergency_cab", "lead_time": "PT0S"}})
        >>> cr = ChangeRequest.from_dict({"id": "C", "type": "normal", "start": "2025-01-07T00:00+00:00",
        ...     "end": "2025-01-07T01:00+00:00", "requested_at": "2025-01-06T09:00+00:00"})
        >>> p.lead_time_conflict(cr, RiskLevel.LOW, BusinessCalendar.always_open("UTC")).detail
        'C: 15:00:00 of business lead time before its start; normal x low requires 2 days, 0:00:00'
        """
        if change.requested_at is None:
            return None
        need = self.requirement(change.type, level)
        have = calendar.elapsed(change.requested_at, change.start)
        if have >= need.lead_time:
            return None
        start = change._start_us
        return Conflict._at(ConflictKind.LEAD_TIME, (change.id,),
                            min(to_us(change.requested_at, "requested_at"), start), start,
                            f"{change.id}: {have} of business lead time before its start; "
                            f"{need.reason} requires {need.lead_time}")

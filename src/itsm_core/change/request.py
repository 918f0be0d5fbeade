"""The change request: what is changed, when, by whom, and the free fields risk reads.

>>> from datetime import datetime, timezone
>>> cr = ChangeRequest.from_dict({"id": "CHG1", "type": "normal", "cis": ["db"],
...     "start": "2025-03-01T22:00:00+00:00", "end": "2025-03-02T01:00:00+00:00",
...     "assignee": "ana", "fields": {"backout_plan": "yes"}})
>>> cr.type, cr.cis, cr.fields["backout_plan"]
(<ChangeType.NORMAL: 'normal'>, ('db',), 'yes')
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

import attrs

from itsm_core._config import check_depth, reject_unknown
from itsm_core._instant import instant, parse_instant, td, to_us
from itsm_core.errors import ConfigError, ItsmError, UnknownNameError, shown

__all__ = ["ChangeRequest", "ChangeType"]


class ChangeType(enum.Enum):
    """The ITIL 4 change types.

    >>> ChangeType("emergency")
    <ChangeType.EMERGENCY: 'emergency'>
    """

    STANDARD = "standard"
    NORMAL = "normal"
    EMERGENCY = "emergency"


def parse_type(value: object, path: str) -> ChangeType:
    """Read a change type from its name (or pass a :class:`ChangeType` through).

    Raises:
        UnknownNameError: no change type has that name; *path* names where it was read.

    >>> parse_type("standard", "type")
    <ChangeType.STANDARD: 'standard'>
    >>> parse_type("minor", "changes[3].type")
    Traceback (most recent call last):
    ...
    itsm_core.errors.UnknownNameError: changes[3].type: unknown name 'minor'; expected one of 'standard', 'normal', 'emergency'
    """
    if isinstance(value, ChangeType):
        return value
    if not isinstance(value, str):
        raise UnknownNameError(path, value, [t.value for t in ChangeType])
    try:
        return ChangeType(value)
    except ValueError:
        raise UnknownNameError(path, value, [t.value for t in ChangeType]) from None


def _type(value: object) -> ChangeType:
    return parse_type(value, "type")


def _cis(value: object) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ConfigError("cis", f"expected a list of CI names, got {shown(value)}",
                          "a list of configuration item names, e.g. ['db', 'app']")
    names = tuple(value)
    for index, name in enumerate(names):
        if not isinstance(name, str) or not name:
            raise ConfigError(f"cis[{index}]", f"bad CI name {shown(name)}", "a non-empty string")
    return tuple(dict.fromkeys(names))


def _fields(value: object) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise ConfigError("fields", f"expected a mapping, got {shown(value)}",
                          "a mapping of factor name -> value")
    for key in value:
        if not isinstance(key, str):
            raise ConfigError("fields", f"field name {shown(key)} is not a string", "string keys")
    return MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class ChangeRequest:
    """A request for change, validated on construction.

    Attributes:
        id: the change number (``"CHG0001"``).
        type: standard, normal or emergency (a name is accepted).
        cis: the configuration items it touches (duplicates dropped, order kept).
        start: planned start, an aware datetime.
        end: planned end, an aware datetime after *start*; the change occupies ``[start, end)``.
        assignee: who implements it, or ``None``.
        requested_at: when it was submitted (the lead-time clock starts here), or ``None``.
        fields: free fields read by the risk model (``{"backout_plan": "yes"}``).

    Raises:
        ConfigError: a field is malformed; the message names it (``end``, ``cis[1]``).

    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 3, 1, 22, tzinfo=timezone.utc)
    >>> ChangeRequest(id="CHG1", type="standard", cis=["web"], start=t, end=t)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: end: 2025-03-01 22:00:00+00:00 is not after start 2025-03-01 22:00:00+00:00; expected an end later than the start
    """

    id: str = attrs.field()
    type: ChangeType = attrs.field(converter=_type)
    cis: tuple[str, ...] = attrs.field(converter=_cis)
    start: datetime
    end: datetime
    assignee: str | None = None
    requested_at: datetime | None = None
    fields: Mapping[str, object] = attrs.field(factory=dict, converter=_fields, hash=False)
    _start_us: int = attrs.field(init=False, eq=False, repr=False)
    _end_us: int = attrs.field(init=False, eq=False, repr=False)

    @id.validator
    def _check_id(self, _: object, value: object) -> None:
        if not isinstance(value, str) or not value:
            raise ConfigError("id", f"bad change id {shown(value)}", "a non-empty string")

    def __attrs_post_init__(self) -> None:
        start = to_us(self.start, "start")
        end = to_us(self.end, "end")
        if end <= start:
            raise ConfigError("end", f"{self.end} is not after start {self.start}",
                              "an end later than the start")
        if self.requested_at is not None:
            to_us(self.requested_at, "requested_at")
        if self.assignee is not None and (not isinstance(self.assignee, str) or not self.assignee):
            raise ConfigError("assignee", f"bad assignee {shown(self.assignee)}", "a non-empty string or None")
        # a pandas Timestamp's nanoseconds go (toward the past), so to_dict reads back equal
        object.__setattr__(self, "start", instant(self.start, "start"))
        object.__setattr__(self, "end", instant(self.end, "end"))
        if self.requested_at is not None:
            object.__setattr__(self, "requested_at", instant(self.requested_at, "requested_at"))
        object.__setattr__(self, "_start_us", start)
        object.__setattr__(self, "_end_us", end)

    @property
    def duration(self) -> timedelta:
        """The planned length, ``end - start`` as elapsed time.

        >>> from datetime import datetime, timezone
        >>> ChangeRequest(id="C", type="normal", cis=[], start=datetime(2025, 1, 1, tzinfo=timezone.utc),
        ...               end=datetime(2025, 1, 1, 2, 30, tzinfo=timezone.utc)).duration
        datetime.timedelta(seconds=9000)
        """
        return td(self._end_us - self._start_us)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ChangeRequest:
        """Build from plain data; instants are aware ISO 8601 strings.

        Errors name the field; read a change nested in other data with
        ``itsm_core._config.read_at("changes[4]", ChangeRequest.from_dict, data)`` to get
        ``changes[4].end``.

        >>> ChangeRequest.from_dict({"id": "C", "type": "normal", "cis": ["db"],
        ...     "start": "2025-01-01T02:00+00:00", "end": "2025-01-01T01:00+00:00"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: end: 2025-01-01 01:00:00+00:00 is not after start 2025-01-01 02:00:00+00:00; expected an end later than the start
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("change", f"expected a mapping, got {shown(data)}",
                              "{'id', 'type', 'cis', 'start', 'end', ...}")
        known = {"id", "type", "cis", "start", "end", "assignee", "requested_at", "fields"}
        reject_unknown(data, known, "", f"one of {sorted(known)}")
        for key in ("id", "type", "start", "end"):
            if key not in data:
                raise ConfigError(key, "missing", "a value for this key")
        kind = parse_type(data["type"], "type")
        requested = data.get("requested_at")
        try:
            return cls(
                id=data["id"],  # type: ignore[arg-type]
                type=kind,
                cis=data.get("cis", ()),
                start=parse_instant(data["start"], "start"),
                end=parse_instant(data["end"], "end"),
                assignee=data.get("assignee"),  # type: ignore[arg-type]
                requested_at=None if requested is None else parse_instant(requested, "requested_at"),
                fields=data.get("fields", {}),
            )
        except ConfigError:
            raise
        except ItsmError as exc:
            raise ConfigError("change", str(exc)) from None

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back to an equal value.

        >>> from datetime import datetime, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> ChangeRequest(id="C", type="normal", cis=["db"], start=t, end=t.replace(hour=1)).to_dict()
        {'id': 'C', 'type': 'normal', 'cis': ['db'], 'start': '2025-01-01T00:00:00+00:00', 'end': '2025-01-01T01:00:00+00:00', 'assignee': None, 'requested_at': None, 'fields': {}}
        """
        return {"id": self.id, "type": self.type.value, "cis": list(self.cis),
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "assignee": self.assignee,
                "requested_at": None if self.requested_at is None else self.requested_at.isoformat(),
                "fields": dict(self.fields)}

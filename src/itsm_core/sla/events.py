"""Ticket events: immutable snapshots of a ticket after each change.

A :class:`TicketEvent` says "at this instant the ticket was in this state, with this
priority and these fields"; its optional ``kind`` says what happened (``None``: an update;
e.g. ``"agent_reply"``, ``"requester_comment"``), for metrics that count replies.  The SLA engine replays a ticket's events in time order.
The instant is converted to integer microseconds once, on construction, and kept
privately for the replay (docs/design.md, "Time").

>>> from datetime import datetime, timezone
>>> e = TicketEvent(datetime(2025, 3, 3, 9, tzinfo=timezone.utc), "New", "2 - High",
...                 {"type": "incident"})
>>> e.state, e.priority, e.fields["type"]
('New', '2 - High', 'incident')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import attrs

from itsm_core._instant import to_us
from itsm_core.errors import ArgumentTypeError, ConfigError, shown

__all__ = ["Fields", "TicketEvent", "priority_label"]

_EVENT_KEYS = ("at", "state", "priority", "fields", "kind")


@attrs.frozen(repr=False)
class Fields(Mapping[str, Any]):
    """A read-only, hashable mapping of a ticket's extra fields (not a ``dict`` subclass).

    Equality and hashing use the sorted items, so values should be hashable
    (strings, numbers, ``None``); an unhashable value only fails if the mapping is hashed.

    >>> f = Fields.of({"type": "incident", "group": "Network"})
    >>> f["group"], len(f), dict(f) == {"type": "incident", "group": "Network"}
    ('Network', 2, True)
    >>> Fields.of({"a": 1}) == Fields.of({"a": 1}), hash(Fields.of({})) == hash(Fields.of({}))
    (True, True)
    """

    _data: dict[str, Any] = attrs.field(eq=False, hash=False)
    _items: tuple[tuple[str, Any], ...] = attrs.field(init=False, repr=False)

    @_items.default
    def _sorted_items(self) -> tuple[tuple[str, Any], ...]:
        return tuple(sorted(self._data.items(), key=lambda kv: kv[0]))

    @classmethod
    def of(cls, value: object, name: str = "fields") -> Fields:
        """Build from a mapping with string keys (a ``Fields`` is returned unchanged).

        Raises:
            ArgumentTypeError: *value* is not a mapping, or a key is not a string.

        >>> Fields.of(None)
        Fields({})
        >>> Fields.of([1])
        Traceback (most recent call last):
        ...
        itsm_core.errors.ArgumentTypeError: fields: expected a mapping of field name to value, got list [1]
        """
        if isinstance(value, Fields):
            return value
        if value is None:
            return cls({})
        if not isinstance(value, Mapping):
            raise ArgumentTypeError(
                f"{name}: expected a mapping of field name to value, got {type(value).__name__} "
                f"{shown(value)}"
            )
        data = dict(value)
        for key in data:
            if not isinstance(key, str):
                raise ArgumentTypeError(f"{name}: field names must be strings, got {shown(key)}")
        return cls(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of field *key*, or *default*.

        >>> Fields.of({"a": 1}).get("b", 0)
        0
        """
        return self._data.get(key, default)

    def __repr__(self) -> str:
        return f"Fields({self._data!r})"


def priority_label(value: object, name: str = "priority") -> str | None:
    """Normalise a priority to its label: a string, ``None``, or anything with a ``.label``.

    ``itsm_core.priority.Priority`` values are accepted through their ``label``.

    Raises:
        ArgumentTypeError: *value* is none of those.

    >>> priority_label("1 - Critical"), priority_label(None)
    ('1 - Critical', None)
    >>> class P:
    ...     label = "2 - High"
    >>> priority_label(P())
    '2 - High'
    """
    if value is None or isinstance(value, str):
        return value
    label = getattr(value, "label", None)
    if isinstance(label, str):
        return label
    raise ArgumentTypeError(
        f"{name}: expected a priority label (str), a Priority or None, got "
        f"{type(value).__name__} {shown(value)}"
    )


def _check_state(value: object) -> str:
    if not isinstance(value, str):
        raise ArgumentTypeError(f"state: expected a str, got {type(value).__name__} "
                                f"{shown(value)}")
    return value


def _check_kind(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value):
        return value
    raise ArgumentTypeError(f"kind: expected a non-empty str or None, got {type(value).__name__} "
                            f"{shown(value)}")


def _fields(value: object) -> Fields:
    return Fields.of(value)


@attrs.frozen
class TicketEvent:
    """A snapshot of a ticket after a change: instant, state, priority and other fields.

    Args:
        at: an aware datetime (naive ones raise ``NaiveDatetimeError``).
        state: the ticket's state after the change, e.g. ``"Awaiting User Info"``.
        priority: a priority label, a ``Priority`` (its ``label`` is kept) or ``None``.
        fields: any other fields (a mapping; stored read-only as :class:`Fields`).
        kind: what happened, for conditions ``{"kind_in": [...]}``: ``None`` (default) for a
            plain update, or a name such as ``"agent_reply"`` or ``"requester_comment"``.

    >>> from datetime import datetime, timezone
    >>> e = TicketEvent(datetime(2025, 1, 6, 9, tzinfo=timezone.utc), "Active")
    >>> e.priority, len(e.fields)
    (None, 0)
    >>> TicketEvent(datetime(2025, 1, 6, 9), "Active")
    Traceback (most recent call last):
    ...
    itsm_core.errors.NaiveDatetimeError: at: naive datetime 2025-01-06 09:00:00; expected an aware datetime (with tzinfo)
    """

    at: datetime
    state: str = attrs.field(converter=_check_state)
    priority: str | None = attrs.field(default=None, converter=priority_label)
    fields: Fields = attrs.field(default=None, converter=_fields)
    kind: str | None = attrs.field(default=None, converter=_check_kind)
    # ``at`` in microseconds for the replay; computed once, never part of equality
    _at_us: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_at_us", to_us(self.at, "at"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TicketEvent:
        """Build from ``{"at": datetime, "state": ..., "priority": ..., "fields": {...},
        "kind": ...}`` (``priority``, ``fields`` and ``kind`` are optional).

        Raises:
            ArgumentTypeError: *data* is not a mapping or lacks ``at`` / ``state``, or a
                value has the wrong type.
            ConfigError: *data* has a key not listed above (naming it).

        >>> from datetime import datetime, timezone
        >>> TicketEvent.from_dict({"at": datetime(2025, 1, 6, tzinfo=timezone.utc),
        ...                        "state": "New", "kind": "requester_comment"}).kind
        'requester_comment'
        >>> TicketEvent.from_dict({"at": datetime(2025, 1, 6, tzinfo=timezone.utc),
        ...                        "state": "New", "prio": "P1"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: prio: unknown key; expected one of at, state, priority, fields, kind
        """
        if not isinstance(data, Mapping) or "at" not in data or "state" not in data:
            raise ArgumentTypeError(
                f"event: expected a mapping with 'at' and 'state' (and optional 'priority', "
                f"'fields', 'kind'), got {shown(data)}"
            )
        unknown = sorted(key if isinstance(key, str) and 0 < len(key) <= 60 else shown(key)
                         for key in data if key not in _EVENT_KEYS)
        if unknown:
            raise ConfigError(unknown[0], "unknown key", f"one of {', '.join(_EVENT_KEYS)}")
        return cls(data["at"], data["state"], data.get("priority"), data.get("fields"),
                   data.get("kind"))

    def to_dict(self) -> dict[str, Any]:
        """The event as plain data (``at`` stays an aware datetime; ``kind`` only when set).

        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 6, tzinfo=timezone.utc), "New", "3 - Moderate")
        >>> TicketEvent.from_dict(e.to_dict()) == e
        True
        """
        out: dict[str, Any] = {"at": self.at, "state": self.state, "priority": self.priority,
                               "fields": dict(self.fields)}
        if self.kind is not None:
            out["kind"] = self.kind
        return out


# TicketEvent's slots, in the order event_of takes them
_SLOTS = ("at", "_at_us", "state", "priority", "fields", "kind")
if set(_SLOTS) != {field.name for field in attrs.fields(TicketEvent)}:  # pragma: no cover
    raise TypeError("event_of must set every field of TicketEvent")
(_set_at, _set_at_us, _set_state, _set_priority, _set_fields, _set_kind) = (
    TicketEvent.__dict__[name].__set__ for name in _SLOTS)
_NEW = object.__new__


def event_of(at: datetime, at_us: int, state: str, priority: str | None,
             fields: Fields, *, kind: str | None = None) -> TicketEvent:
    """The :class:`TicketEvent` with these values, set straight into its slots, for a
    reader that already holds checked values: an aware *at* with ``at_us ==
    to_us(at)``, a ``str`` *state*, a label or ``None`` as *priority*, a
    :class:`Fields`.  Nothing is checked; the ``sla-report`` command builds one per row
    of an export this way, at a third of the cost of ``__init__``'s converters
    (docs/design.md, "Scale and embedding").

    >>> from datetime import datetime, timezone
    >>> at = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)
    >>> event = event_of(at, to_us(at, "at"), "New", "P1", Fields.of({"group": "N"}))
    >>> event == TicketEvent(at, "New", "P1", {"group": "N"}), event._at_us == to_us(at, "at")
    (True, True)
    """
    event: TicketEvent = _NEW(TicketEvent)
    _set_at(event, at)
    _set_at_us(event, at_us)
    _set_state(event, state)
    _set_priority(event, priority)
    _set_fields(event, fields)
    _set_kind(event, kind)
    return event

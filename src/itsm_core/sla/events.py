"""Ticket events: immutable snapshots of a ticket after each change.

A :class:`TicketEvent` says "at this instant the ticket was in this state, with this
priority and these fields".  The SLA engine replays a ticket's events in time order.
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
from itsm_core.errors import ArgumentTypeError

__all__ = ["Fields", "TicketEvent", "priority_label"]


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
                f"{value!r}"
            )
        data = dict(value)
        for key in data:
            if not isinstance(key, str):
                raise ArgumentTypeError(f"{name}: field names must be strings, got {key!r}")
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
        f"{type(value).__name__} {value!r}"
    )


def _check_state(value: object) -> str:
    if not isinstance(value, str):
        raise ArgumentTypeError(f"state: expected a str, got {type(value).__name__} {value!r}")
    return value


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
    # ``at`` in microseconds for the replay; computed once, never part of equality
    _at_us: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_at_us", to_us(self.at, "at"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TicketEvent:
        """Build from ``{"at": datetime, "state": ..., "priority": ..., "fields": {...}}``.

        Raises:
            ArgumentTypeError: *data* is not a mapping or lacks ``at`` / ``state``.

        >>> from datetime import datetime, timezone
        >>> TicketEvent.from_dict({"at": datetime(2025, 1, 6, tzinfo=timezone.utc),
        ...                        "state": "New"}).state
        'New'
        """
        if not isinstance(data, Mapping) or "at" not in data or "state" not in data:
            raise ArgumentTypeError(
                f"event: expected a mapping with 'at' and 'state' (and optional 'priority', "
                f"'fields'), got {data!r}"
            )
        return cls(data["at"], data["state"], data.get("priority"), data.get("fields"))

    def to_dict(self) -> dict[str, Any]:
        """The event as plain data (``at`` stays an aware datetime).

        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 6, tzinfo=timezone.utc), "New", "3 - Moderate")
        >>> TicketEvent.from_dict(e.to_dict()) == e
        True
        """
        return {"at": self.at, "state": self.state, "priority": self.priority,
                "fields": dict(self.fields)}

"""SLA policies: several definitions (response, resolution, ...) sharing named calendars.

>>> policy = SlaPolicy.from_dict({
...     "calendars": {"uk": {"timezone": "Europe/London",
...                          "hours": {"mon": [["09:00", "17:00"]]}}},
...     "definitions": [
...         {"name": "response", "calendar": "uk", "targets": "PT1H",
...          "stop": {"state_not_in": ["New"]}},
...         {"name": "resolution", "calendar": "uk", "targets": "P1D",
...          "stop": {"state_in": ["Resolved"]}},
...     ]})
>>> [d.name for d in policy.definitions]
['response', 'resolution']
>>> policy.to_dict()["definitions"][0]["calendar"]
'uk'
>>> SlaPolicy.from_dict(policy.to_dict()) == policy
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from itsm_core._args import items_of
from itsm_core._config import check_depth, join, read_at, reject_unknown
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ConfigError, UnknownNameError, shown
from itsm_core.priority import PriorityMatrix
from itsm_core.sla.definition import SlaDefinition, _as_definition, _read
from itsm_core.sla.events import TicketEvent
from itsm_core.sla.outcome import SlaOutcome

__all__ = ["SlaPolicy"]

_FORM = "{'calendars': {name: calendar, ...} (optional), 'definitions': [definition, ...]}"


@attrs.frozen(kw_only=True)
class SlaPolicy:
    """An ordered set of SLA definitions with unique names, and the calendars they share.

    Attributes:
        definitions: the definitions, in configuration order.
        calendars: ``(name, calendar)`` pairs definitions may refer to by name.

    >>> SlaPolicy.from_dict({"definitions": [{"name": "a", "targets": "PT1H"},
    ...                                      {"name": "a", "targets": "PT2H"}]})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: definitions[1].name: duplicate name 'a'; expected a name unique within the policy
    """

    definitions: tuple[SlaDefinition, ...]
    calendars: tuple[tuple[str, BusinessCalendar], ...] = ()

    @classmethod
    def from_dict(cls, data: object, *,
                  priority_matrix: PriorityMatrix | None = None) -> SlaPolicy:
        """Validate ``{"calendars": {...}, "definitions": [...]}`` into a policy.

        With *priority_matrix*, every target table keyed by priority is checked against the
        matrix's priority levels (see :meth:`SlaDefinition.from_dict`).

        Raises:
            ConfigError: anything malformed, with the full path (``definitions[1].stop``).
            UnknownNameError: a definition names a calendar the policy does not have.

        >>> SlaPolicy.from_dict({"calendars": {"uk": {"timezone": "Europe/London"}},
        ...                      "definitions": [{"name": "a", "targets": "PT1H",
        ...                                       "calendar": "nowhere"}]})
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: definitions[0].calendar: unknown name 'nowhere'; expected one of 'uk'
        """
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {type(data).__name__}", _FORM)
        check_depth(data)
        reject_unknown(data, ("calendars", "definitions"), "", _FORM)
        raw_calendars = data.get("calendars", {})
        if not isinstance(raw_calendars, Mapping):
            raise ConfigError("calendars", f"expected a mapping, got {shown(raw_calendars)}", _FORM)
        calendars: dict[str, BusinessCalendar] = {}
        for name, raw in raw_calendars.items():
            if not isinstance(name, str) or not isinstance(raw, (Mapping, BusinessCalendar)):
                raise ConfigError(join("calendars", name if isinstance(name, str) else shown(name)),
                                  f"cannot read {shown(raw)} as a calendar",
                                  "a calendar mapping (timezone, hours, holidays, ...)")
            calendars[name] = (raw if isinstance(raw, BusinessCalendar) else
                               read_at(join("calendars", name), BusinessCalendar.from_dict,
                                       dict(raw)))
        raw_definitions = data.get("definitions")
        if not isinstance(raw_definitions, (list, tuple)) or not raw_definitions:
            raise ConfigError("definitions", f"expected a non-empty list, got {shown(raw_definitions)}",
                              _FORM)
        definitions: list[SlaDefinition] = []
        for index, raw in enumerate(raw_definitions):
            path = join("definitions", index)
            definitions.append(raw if isinstance(raw, SlaDefinition)
                               else read_at(path, lambda data: _read(data, calendars,
                                                                     priority_matrix), raw))
        return cls(definitions=tuple(definitions), calendars=tuple(calendars.items()))

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for index, definition in enumerate(self.definitions):
            _as_definition(definition, join("definitions", index))
            if definition.name in seen:
                raise ConfigError(f"definitions[{index}].name",
                                  f"duplicate name {shown(definition.name)}",
                                  "a name unique within the policy")
            seen.add(definition.name)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` reads back to an equal policy.

        Definitions whose calendar came from the policy refer to it by name.

        >>> SlaPolicy.from_dict({"definitions": [{"name": "a", "targets": "PT1H"}]}
        ...                     ).to_dict()["calendars"]
        {}
        """
        shared = dict(self.calendars)
        out: list[dict[str, Any]] = []
        for definition in self.definitions:
            data = definition.to_dict()
            name = definition.calendar_name
            if name is not None and shared.get(name) == definition.calendar:
                data["calendar"] = name
            out.append(data)
        return {"calendars": {name: cal.to_dict() for name, cal in self.calendars},
                "definitions": out}

    def definition(self, name: str) -> SlaDefinition:
        """The definition called *name*.

        Raises:
            UnknownNameError: no definition has that name.

        >>> SlaPolicy.from_dict({"definitions": [{"name": "a", "targets": "PT1H"}]}
        ...                     ).definition("a").name
        'a'
        """
        for definition in self.definitions:
            if definition.name == name:
                return definition
        raise UnknownNameError("definition", name, [d.name for d in self.definitions])

    def evaluate(self, events: Iterable[TicketEvent], as_of: datetime | None = None,
                 ticket: Any = None, *, strict: bool = True) -> tuple[SlaOutcome, ...]:
        """Evaluate every definition on the same events (see ``SlaDefinition.evaluate``).

        >>> from datetime import datetime, timezone
        >>> p = SlaPolicy.from_dict({"definitions": [{"name": "a", "targets": "PT1H"}]})
        >>> [o.definition for o in p.evaluate(
        ...     [TicketEvent(datetime(2025, 1, 6, tzinfo=timezone.utc), "New")])]
        ['a']

        Raises:
            ArgumentTypeError: *events* is not an iterable of ``TicketEvent`` values.
        """
        listed = items_of(events, "events", "TicketEvent")
        return tuple([d.evaluate(listed, as_of, ticket, strict=strict) for d in self.definitions])

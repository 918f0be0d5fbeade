"""SLA targets: business-time budgets or deadlines keyed by priority label (or another field).

In data, ``"targets"`` maps a label to an ISO 8601 duration (a budget of business time; a
day is 24 *business* hours, as in ServiceNow) or a ``timedelta``, or to a deadline (see
:mod:`itsm_core.sla.deadline` and ``docs/deadlines.md``): ``"P2BD"``, ``{"business_days":
1, "by": "16:00"}``, ``{"cutoff": ...}`` or ``{"due_field": ...}``.  The key ``"*"`` gives a
fallback for labels not listed; a single duration or deadline instead of a mapping applies
to every ticket.
A definition's ``"targets_by"`` names the event field the labels are read from (default:
the event's ``priority``); it is the table's :attr:`Targets.by`.

>>> t = Targets.from_dict({"1 - Critical": "PT4H", "*": "P5D"})
>>> t.target("1 - Critical"), t.target("9 - Other")
(datetime.timedelta(seconds=14400), datetime.timedelta(days=5))
>>> t.to_dict()
{'1 - Critical': 'PT4H', '*': 'P5D'}
>>> Targets.from_dict({"P1": "PT4H", "P3": "P2BD"}).target("P3")
BusinessDayDeadline(days=2, by='end_of_day')
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import attrs

from itsm_core._config import check_depth, join, read_at
from itsm_core._instant import duration_us, format_duration, parse_duration
from itsm_core.errors import ConfigError, shown
from itsm_core.sla.deadline import (
    BusinessDayDeadline,
    CutoffDeadline,
    Deadline,
    FieldDeadline,
)
from itsm_core.sla.events import TicketEvent

__all__ = ["DEFAULT_KEY", "Targets", "is_deadline_data", "read_deadline"]

DEFAULT_KEY = "*"
_FORM = ("a mapping of priority label to target (an ISO 8601 duration such as 'PT4H', a "
         "timedelta or a deadline such as 'P2BD'), optionally with a '*' fallback, or a "
         "single target")
_US = timedelta(microseconds=1)

#: A target: a business-time budget or a deadline.
Target = timedelta | Deadline


def _rebuild(table: tuple[tuple[str, Target], ...], default: Target | None,
             by: str) -> Targets:
    return Targets(table=table, default=default, by=by)


def _target(raw: object, path: str) -> Target:
    """A label's target: a deadline when written as one, else a positive duration."""
    if is_deadline_data(raw):
        return read_deadline(raw, path)
    duration = parse_duration(raw, path)
    if duration_us(duration, path) <= 0:
        raise ConfigError(path, f"target {shown(raw)} is not positive", "a duration > 0")
    return duration


def _labelled_target(raw: object, label: str) -> Target:
    """The target of *label*, read at its path (an empty label, which no path can name, is
    named in the message)."""
    if label:
        return _target(raw, join("", label))
    try:
        return _target(raw, "")
    except ConfigError as exc:
        raise ConfigError(exc.path, f"label '': {exc.problem}", exc.expected) from None


#: The key that tells each mapping form apart.
_KINDS: dict[str, Any] = {"cutoff": CutoffDeadline.from_dict,
                          "due_field": FieldDeadline.from_dict,
                          "business_days": BusinessDayDeadline.from_dict}


def is_deadline_data(data: object) -> bool:
    """Whether configuration *data* is written as a deadline rather than a duration or a
    table of labels: ``"P<n>BD"``, or a mapping with a ``business_days``, ``cutoff`` or
    ``due_field`` key.

    >>> is_deadline_data("P2BD"), is_deadline_data({"business_days": 1}), is_deadline_data("PT4H")
    (True, True, False)
    """
    if isinstance(data, str):
        return data.strip().endswith("BD")
    return isinstance(data, Mapping) and any(key in data for key in _KINDS)


def read_deadline(data: object, path: str) -> Deadline:
    """Read a deadline in any of its forms; errors name *path*.

    >>> read_deadline({"due_field": "due_date", "by": "17:00"}, "targets.P1")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: targets.P1.by: unknown key; expected one of due_field
    """
    check_depth(data, path)
    if isinstance(data, Mapping):
        for key, read in _KINDS.items():
            if key in data:
                found: Deadline = read_at(path, read, data)
                return found
    return read_at(path, BusinessDayDeadline.from_dict, data)


def _goal(target: Target) -> int | Deadline:
    return target // _US if isinstance(target, timedelta) else target


def _plain(target: Target) -> object:
    return format_duration(target) if isinstance(target, timedelta) else target.to_dict()


@attrs.frozen(kw_only=True)
class Targets:
    """The target table of one SLA definition.

    A target is a business-time budget (``timedelta``) or a deadline (``docs/deadlines.md``).

    Attributes:
        table: ``(label, target)`` pairs in configuration order.
        default: the fallback target (``"*"``), or ``None``.
        by: ``"priority"`` or the name of the event field holding the label.

    >>> Targets.from_dict("PT8H").target(None)
    datetime.timedelta(seconds=28800)
    """

    table: tuple[tuple[str, Target], ...]
    default: Target | None = None
    by: str = "priority"
    # per label, built once (read-only): microseconds for a budget, else the deadline
    _lookup: Mapping[str, int | Deadline] = attrs.field(init=False, eq=False, hash=False,
                                                        repr=False)
    _default_us: int | Deadline | None = attrs.field(init=False, eq=False, hash=False,
                                                     repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        # ship the table, not the read-only lookup built from it
        return (_rebuild, (self.table, self.default, self.by))

    @_lookup.default
    def _build_lookup(self) -> Mapping[str, int | Deadline]:
        return MappingProxyType({label: _goal(target) for label, target in self.table})

    @_default_us.default
    def _build_default(self) -> int | Deadline | None:
        return None if self.default is None else _goal(self.default)

    @classmethod
    def from_dict(cls, data: object) -> Targets:
        """Read a ``targets`` value (labels are priority labels; see :attr:`by`).

        A mapping with a ``business_days``, ``cutoff`` or ``due_field`` key is one deadline
        for every ticket, not a table.

        Raises:
            ConfigError: a label is not a string, a duration is unreadable or not positive,
                a deadline is malformed.

        >>> Targets.from_dict({"P1": "PT0S"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: P1: target 'PT0S' is not positive; expected a duration > 0
        """
        check_depth(data, "")
        if isinstance(data, (str, timedelta)) or is_deadline_data(data):
            return cls(table=(), default=_target(data, ""))
        if not isinstance(data, Mapping) or not data:
            raise ConfigError("", f"expected targets, got {shown(data)}", _FORM)
        table: list[tuple[str, Target]] = []
        default: Target | None = None
        for label, value in data.items():
            if not isinstance(label, str):
                raise ConfigError("", f"label {shown(label)} is not a string", _FORM)
            target = _labelled_target(value, label)
            if label == DEFAULT_KEY:
                default = target
            else:
                table.append((label, target))
        return cls(table=tuple(table), default=default)

    def to_dict(self) -> object:
        """The ``targets`` value as plain data: a mapping of ISO 8601 durations and deadline
        forms, or the one target when there is only a fallback.

        >>> Targets.from_dict({"P1": "PT4H"}).to_dict(), Targets.from_dict("P1D").to_dict()
        ({'P1': 'PT4H'}, 'P1D')
        """
        if not self.table and self.default is not None:
            return _plain(self.default)
        out: dict[str, Any] = {k: _plain(v) for k, v in self.table}
        if self.default is not None:
            out[DEFAULT_KEY] = _plain(self.default)
        return out

    def key_of(self, event: TicketEvent) -> Any:
        """The label *event* carries for this table (its priority, or field ``by``).

        >>> import attrs
        >>> from datetime import datetime, timezone
        >>> e = TicketEvent(datetime(2025, 1, 1, tzinfo=timezone.utc), "New", "P1", {"tier": "gold"})
        >>> attrs.evolve(Targets.from_dict("PT1H"), by="tier").key_of(e)
        'gold'
        """
        if self.by == "priority":
            return event.priority
        return event.fields.get(self.by)

    def target(self, key: Any) -> Target | None:
        """The target for label *key*: a business-time budget (``timedelta``), a deadline
        (with ``due(start, calendar, fields)``), or ``None`` if none applies.

        >>> t = Targets.from_dict({"P1": "PT1H", "*": {"business_days": 1, "by": "16:00"}})
        >>> t.target("P1"), t.target("P2")
        (datetime.timedelta(seconds=3600), BusinessDayDeadline(days=1, by='16:00'))
        >>> Targets.from_dict({"P1": "PT1H"}).target("P2") is None
        True
        """
        goal = self._goal(key)
        return timedelta(microseconds=goal) if isinstance(goal, int) else goal

    def _goal(self, key: Any) -> int | Deadline | None:
        """The microseconds of a budget, the deadline, or ``None`` for label *key*."""
        found = self._lookup.get(key) if isinstance(key, str) else None
        return self._default_us if found is None else found

    def _target_us(self, key: Any) -> int | None:
        """The microseconds of *key*'s budget; ``None`` for a deadline or no target."""
        found = self._lookup.get(key) if isinstance(key, str) else None
        if found is None:
            found = self._default_us
        return found if type(found) is int else None

    def labels(self) -> tuple[str, ...]:
        """The labels listed, in configuration order (without ``"*"``).

        >>> Targets.from_dict({"P1": "PT1H", "P2": "PT2H"}).labels()
        ('P1', 'P2')
        """
        return tuple(k for k, _ in self.table)

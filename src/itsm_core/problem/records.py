"""Incident, problem and known-error records, and pure link / unlink functions.

Records are frozen values: linking returns new records and never mutates its arguments.
Instants are aware datetimes.

>>> from datetime import datetime, timezone
>>> t = datetime(2025, 3, 1, 9, tzinfo=timezone.utc)
>>> inc = Incident(id="INC1", opened_at=t, ci="db01", text="ORA-12154 cannot connect")
>>> prb = Problem(id="PRB1", opened_at=t, symptom="database connection failures")
>>> inc, prb = link(inc, prb)
>>> inc.problem_id, prb.incident_ids
('PRB1', ('INC1',))
>>> inc, prb = unlink(inc, prb)
>>> inc.problem_id, prb.incident_ids
(None, ())
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from itsm_core._args import items_of
from itsm_core._instant import to_us
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, UnknownNameError, shown
from itsm_core.problem._fields import _nonempty_text, _optional_text, _text_set

__all__ = [
    "MILESTONES",
    "PROBLEM_STATES",
    "Incident",
    "KnownError",
    "Problem",
    "link",
    "link_known_error",
    "unlink",
    "unlink_known_error",
]

#: Problem lifecycle states (ITIL 4 / ServiceNow problem states); the last two are closed.
PROBLEM_STATES = ("new", "assess", "root_cause_analysis", "fix_in_progress", "resolved", "closed")
_CLOSED_STATES = frozenset({"resolved", "closed"})

#: Problem milestones, each measured from ``opened_at``.
MILESTONES = ("root_cause_at", "workaround_at", "fixed_at")


def _opt_us(value: object, name: str) -> int | None:
    return None if value is None else to_us(value, name)


def _v_text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    _nonempty_text(value, attribute.name)


def _v_opt_text(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    _optional_text(value, attribute.name)


def _cis(value: Iterable[object]) -> tuple[str, ...]:
    return _text_set(value, "cis")


def _incident_ids(value: Iterable[object]) -> tuple[str, ...]:
    return _text_set(value, "incident_ids")


def _after(start_us: int, end_us: int | None, start: str, end: str) -> None:
    if end_us is not None and end_us < start_us:
        raise InvalidArgumentError(f"{end}: before {start}; expected {end} >= {start}")


@attrs.frozen(kw_only=True)
class Incident:
    """One incident: when it opened and resolved, where, what, and its links.

    Attributes:
        id: unique identifier.
        opened_at: aware instant the incident was opened.
        resolved_at: aware instant it was resolved, or ``None`` while open.
        ci: configuration item, service, category, subcategory, symptom: grouping fields
            (``None`` when unknown; an unknown field never groups incidents together).
        text: short description, the input of the similarity engines.
        error_code: an error code reported with the incident, if any.
        problem_id: the linked problem, if any; known_error_id: the matched known error.

    >>> from datetime import datetime, timezone
    >>> Incident(id="INC1", opened_at=datetime(2025, 1, 1)).ci
    Traceback (most recent call last):
    ...
    itsm_core.errors.NaiveDatetimeError: opened_at: naive datetime 2025-01-01 00:00:00; expected an aware datetime (with tzinfo)
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> Incident(id="INC1", opened_at=t, resolved_at=datetime(2024, 12, 31, tzinfo=timezone.utc))
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: resolved_at: before opened_at; expected resolved_at >= opened_at
    """

    id: str = attrs.field(validator=_v_text)
    opened_at: datetime
    resolved_at: datetime | None = None
    ci: str | None = attrs.field(default=None, validator=_v_opt_text)
    service: str | None = attrs.field(default=None, validator=_v_opt_text)
    category: str | None = attrs.field(default=None, validator=_v_opt_text)
    subcategory: str | None = attrs.field(default=None, validator=_v_opt_text)
    symptom: str | None = attrs.field(default=None, validator=_v_opt_text)
    text: str = ""
    error_code: str | None = attrs.field(default=None, validator=_v_opt_text)
    problem_id: str | None = attrs.field(default=None, validator=_v_opt_text)
    known_error_id: str | None = attrs.field(default=None, validator=_v_opt_text)
    # the instants as integer microseconds, for the engines
    _opened_us: int = attrs.field(init=False, eq=False, repr=False)
    _resolved_us: int | None = attrs.field(init=False, eq=False, repr=False)

    @_opened_us.default
    def _opened(self) -> int:
        return to_us(self.opened_at, "opened_at")

    @_resolved_us.default
    def _resolved(self) -> int | None:
        resolved = _opt_us(self.resolved_at, "resolved_at")
        _after(self._opened_us, resolved, "opened_at", "resolved_at")
        if not isinstance(self.text, str):
            raise ArgumentTypeError(f"text: expected a string, got {type(self.text).__name__}")
        return resolved


@attrs.frozen(kw_only=True)
class Problem:
    """A problem record: the unknown cause of one or more incidents, and its progress.

    The milestone instants feed :mod:`itsm_core.problem.metrics`: time to root cause,
    to workaround and to fix are measured from ``opened_at``.

    Attributes:
        id: unique identifier.
        opened_at: aware instant the problem was raised.
        state: one of :data:`PROBLEM_STATES`; ``resolved`` and ``closed`` count as closed.
        symptom, root_cause, workaround, error_code: what is known about it.
        cis: configuration items involved (sorted, distinct).
        incident_ids: linked incidents (sorted, distinct).
        root_cause_at, workaround_at, fixed_at: when each milestone was reached, if it was.

    >>> from datetime import datetime, timezone
    >>> p = Problem(id="PRB1", opened_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
    ...             cis=["web02", "web01"], state="resolved")
    >>> p.cis, p.is_open
    (('web01', 'web02'), False)
    """

    id: str = attrs.field(validator=_v_text)
    opened_at: datetime
    state: str = "new"
    symptom: str = ""
    root_cause: str = ""
    workaround: str = ""
    error_code: str | None = attrs.field(default=None, validator=_v_opt_text)
    cis: tuple[str, ...] = attrs.field(default=(), converter=_cis)
    incident_ids: tuple[str, ...] = attrs.field(default=(), converter=_incident_ids)
    root_cause_at: datetime | None = None
    workaround_at: datetime | None = None
    fixed_at: datetime | None = None
    # opened_at as integer microseconds, for the engines
    _opened_us: int = attrs.field(init=False, eq=False, repr=False)

    @_opened_us.default
    def _opened(self) -> int:
        if self.state not in PROBLEM_STATES:
            raise InvalidArgumentError(
                f"state: unknown state {shown(self.state)}; expected one of {', '.join(PROBLEM_STATES)}")
        opened = to_us(self.opened_at, "opened_at")
        for name in MILESTONES:
            _after(opened, _opt_us(getattr(self, name), name), "opened_at", name)
        return opened

    @property
    def is_open(self) -> bool:
        """Whether the problem is still open (state neither ``resolved`` nor ``closed``).

        >>> from datetime import datetime, timezone
        >>> Problem(id="P", opened_at=datetime(2025, 1, 1, tzinfo=timezone.utc)).is_open
        True
        """
        return self.state not in _CLOSED_STATES

    def milestone(self, name: str) -> datetime | None:
        """When the milestone *name* (one of :data:`MILESTONES`) was reached, if it was.

        Raises:
            UnknownNameError: *name* is not one of :data:`MILESTONES`.

        >>> from datetime import datetime, timedelta, timezone
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> p = Problem(id="P", opened_at=t, workaround_at=t + timedelta(hours=2))
        >>> p.milestone("workaround_at").isoformat(), p.milestone("fixed_at")
        ('2025-01-01T02:00:00+00:00', None)
        >>> p.milestone("closed_at")
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: milestone: unknown name 'closed_at'; expected one of 'root_cause_at', 'workaround_at', 'fixed_at'
        """
        if name not in MILESTONES:
            raise UnknownNameError("milestone", name, MILESTONES)
        reached: datetime | None = getattr(self, name)
        return reached

    def _milestone_us(self, name: str) -> int | None:
        return _opt_us(self.milestone(name), name)


@attrs.frozen(kw_only=True)
class KnownError:
    """A known error: a problem with a documented root cause and workaround.

    Attributes:
        id: unique identifier.
        symptom: how it shows itself; matched against incident text.
        root_cause, workaround: what is known; the workaround is matched text too.
        error_code: the error code that identifies it, if any.
        cis: configuration items it affects (sorted, distinct).
        problem_id: the problem it came from, if any.

    >>> KnownError(id="KE1", symptom="VPN drops", error_code="E809").error_code
    'E809'
    """

    id: str = attrs.field(validator=_v_text)
    symptom: str = ""
    root_cause: str = ""
    workaround: str = ""
    error_code: str | None = attrs.field(default=None, validator=_v_opt_text)
    cis: tuple[str, ...] = attrs.field(default=(), converter=_cis)
    problem_id: str | None = attrs.field(default=None, validator=_v_opt_text)


def _validated(items: Iterable[Any], kind: type[Incident] | type[Problem],
               name: str) -> list[Any]:
    pool = items_of(items, name, f"{kind.__name__} values")
    seen: set[str] = set()
    for index, item in enumerate(pool):
        if not isinstance(item, kind):
            raise ArgumentTypeError(
                f"{name}[{index}]: expected {'an' if kind is Incident else 'a'} "
                f"{kind.__name__}, got {type(item).__name__}")
        if item.id in seen:
            raise InvalidArgumentError(
                f"{name}[{index}]: id {shown(item.id)} appears twice; expected unique ids")
        seen.add(item.id)
    return pool


def _validated_incidents(incidents: Iterable[Incident]) -> list[Incident]:
    """*incidents* as a list; raises unless each is an Incident with a unique id."""
    return _validated(incidents, Incident, "incidents")


def _validated_problems(problems: Iterable[Problem]) -> list[Problem]:
    """*problems* as a list; raises unless each is a Problem with a unique id."""
    return _validated(problems, Problem, "problems")


def _require_types(incident: object, record: object, kind: type) -> None:
    if not isinstance(incident, Incident):
        raise ArgumentTypeError(f"incident: expected an Incident, got {type(incident).__name__}")
    if not isinstance(record, kind):
        raise ArgumentTypeError(
            f"{kind.__name__.lower()}: expected a {kind.__name__}, got {type(record).__name__}")


def link(incident: Incident, problem: Problem) -> tuple[Incident, Problem]:
    """Link *incident* to *problem*; return both updated records (idempotent).

    Raises:
        InvalidArgumentError: the incident is already linked to another problem
            (:func:`unlink` it first: a move is two explicit steps).

    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> i, p = link(Incident(id="I1", opened_at=t, problem_id="P9"), Problem(id="P1", opened_at=t))
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: incident.problem_id: I1 is linked to P9; expected an incident not linked to another problem (unlink it first)
    """
    _require_types(incident, problem, Problem)
    if incident.problem_id not in (None, problem.id):
        raise InvalidArgumentError(
            f"incident.problem_id: {incident.id} is linked to {incident.problem_id}; "
            "expected an incident not linked to another problem (unlink it first)")
    return (attrs.evolve(incident, problem_id=problem.id),
            attrs.evolve(problem, incident_ids=(*problem.incident_ids, incident.id)))


def unlink(incident: Incident, problem: Problem) -> tuple[Incident, Problem]:
    """Remove the link between *incident* and *problem*; return both updated records.

    Raises:
        InvalidArgumentError: the two are not linked.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> unlink(Incident(id="I1", opened_at=t), Problem(id="P1", opened_at=t))
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: incident.problem_id: I1 is not linked to P1; expected a linked pair
    """
    _require_types(incident, problem, Problem)
    if incident.problem_id != problem.id and incident.id not in problem.incident_ids:
        raise InvalidArgumentError(
            f"incident.problem_id: {incident.id} is not linked to {problem.id}; "
            "expected a linked pair")
    remaining = tuple(i for i in problem.incident_ids if i != incident.id)
    new_incident = (attrs.evolve(incident, problem_id=None)
                    if incident.problem_id == problem.id else incident)
    return new_incident, attrs.evolve(problem, incident_ids=remaining)


def link_known_error(incident: Incident, known_error: KnownError) -> Incident:
    """Record that *incident* matches *known_error* (idempotent).

    Raises:
        InvalidArgumentError: the incident already matches another known error.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> link_known_error(Incident(id="I1", opened_at=t), KnownError(id="KE1")).known_error_id
    'KE1'
    """
    _require_types(incident, known_error, KnownError)
    if incident.known_error_id not in (None, known_error.id):
        raise InvalidArgumentError(
            f"incident.known_error_id: {incident.id} matches {incident.known_error_id}; "
            "expected an incident not linked to another known error (unlink it first)")
    return attrs.evolve(incident, known_error_id=known_error.id)


def unlink_known_error(incident: Incident, known_error: KnownError) -> Incident:
    """Remove the match between *incident* and *known_error*.

    Raises:
        InvalidArgumentError: the incident does not match that known error.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    >>> unlink_known_error(Incident(id="I1", opened_at=t, known_error_id="KE1"),
    ...                    KnownError(id="KE1")).known_error_id is None
    True
    """
    _require_types(incident, known_error, KnownError)
    if incident.known_error_id != known_error.id:
        raise InvalidArgumentError(
            f"incident.known_error_id: {incident.id} does not match {known_error.id}; "
            "expected a linked pair")
    return attrs.evolve(incident, known_error_id=None)

"""Evaluate many tickets across processes with the standard library, same results as one.

:func:`evaluate_tickets` splits ``(ticket id, events)`` pairs into chunks, evaluates the
chunks in a :class:`concurrent.futures.ProcessPoolExecutor` and returns the outcomes in
ticket order, equal to what one process computes (``jobs=1`` runs in this process and
starts nothing).  How it stays cheap and exact:

- The policy goes to each worker once (pool initializer), not with every chunk.  It
  travels pickled, or, if it does not pickle, as its data form (``to_dict``), which
  ``SlaPolicy.from_dict`` reads back to an equal policy.  A calendar pickles as its rules,
  never its compiled timeline.
- Outcomes come back with their calendars replaced by references (pickle persistent
  ids), which the parent resolves to *its own* calendars: the outcomes are the ones a
  single process would build, sharing the parent's compiled timelines.
- Workers start with ``forkserver`` (``spawn`` where that does not exist), never plain
  ``fork``, so the behaviour is the same on every platform and safe in threaded hosts.

>>> from datetime import datetime, timezone
>>> from itsm_core.sla import SlaPolicy, TicketEvent
>>> policy = SlaPolicy.from_dict({"definitions": [
...     {"name": "fix", "targets": "PT4H", "stop": {"state_in": ["Resolved"]}}]})
>>> at = lambda h: datetime(2016, 3, 1, h, tzinfo=timezone.utc)
>>> tickets = [("INC1", [TicketEvent(at(9), "New"), TicketEvent(at(15), "Resolved")])]
>>> [o.cycles[0].stage.value for o in evaluate_tickets(policy, tickets, as_of=at(16))]
['breached']
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import pickle
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

import attrs

from itsm_core._instant import to_us
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError
from itsm_core.sla.events import Fields, TicketEvent
from itsm_core.sla.outcome import SlaCycle, SlaOutcome
from itsm_core.sla.policy import SlaPolicy

__all__ = ["Ticket", "chunk_size_for", "evaluate_tickets", "portable_policy"]

#: one ticket: its identifier and its events (any order; the engine sorts them)
Ticket = tuple[Any, Sequence[TicketEvent]]
_Chunk = list[tuple[Any, list[TicketEvent]]]
_PROTOCOL = pickle.HIGHEST_PROTOCOL
_CHUNKS_PER_JOB = 4  # a few chunks per process: balance uneven tickets, little overhead
_MAX_CHUNK = 2_000

def portable_policy(policy: SlaPolicy) -> tuple[str, object]:
    """How *policy* travels to another process: ``("pickle", bytes)`` or ``("data", dict)``.

    Pickling is tried first; a policy that does not pickle travels as its data form.

    Raises:
        ArgumentTypeError: the policy neither pickles nor has a data form (a condition
            given as a Python callable that is not a module-level function).

    >>> from itsm_core.sla import SlaPolicy
    >>> kind, payload = portable_policy(SlaPolicy.from_dict({"definitions": [
    ...     {"name": "a", "targets": "PT1H"}]}))
    >>> kind in ("pickle", "data")
    True
    """
    try:
        return "pickle", pickle.dumps(policy, protocol=_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        pickle_problem = f"{type(exc).__name__}: {exc}"
    try:
        return "data", policy.to_dict()
    except ConfigError as exc:
        raise ArgumentTypeError(
            f"policy: cannot be sent to worker processes: it does not pickle "
            f"({pickle_problem}) and has no data form ({exc}); expected conditions written "
            f"as data (or module-level functions), or jobs=1"
        ) from None


def _restore_policy(kind: str, payload: object) -> SlaPolicy:
    restored: object = (pickle.loads(payload) if kind == "pickle"  # type: ignore[arg-type]
                        else SlaPolicy.from_dict(payload))
    if not isinstance(restored, SlaPolicy):  # pragma: no cover - payloads come from above
        raise ArgumentTypeError(f"policy: payload held {type(restored).__name__}")
    return restored


def _calendars(policy: SlaPolicy) -> list[BusinessCalendar]:
    return [definition.calendar for definition in policy.definitions]


# -- the wire format -----------------------------------------------------------------------
# The default pickling of attrs classes (a Python __setstate__ per object) costs more than
# evaluating a ticket, so events and outcomes travel as their field values and are rebuilt
# through their constructors.  Field names come from attrs, so a new field travels too.

_EVENT_FIELDS = tuple(f.name for f in attrs.fields(TicketEvent))
_CYCLE_FIELDS = tuple(f.name for f in attrs.fields(SlaCycle) if f.name != "calendar")
_OUTCOME_FIELDS = tuple(f.name for f in attrs.fields(SlaOutcome))


def _fields(data: dict[str, Any]) -> Fields:
    return Fields(data)


def _event(*values: Any) -> TicketEvent:
    # The values were validated when the event was built; skip re-validating them.
    event: TicketEvent = TicketEvent.__new__(TicketEvent)
    event.__attrs_init__(*values)
    return event


def _outcome(*values: Any) -> SlaOutcome:
    return SlaOutcome(**dict(zip(_OUTCOME_FIELDS, values, strict=True)))


def _cycle(*values: Any) -> SlaCycle:  # pragma: no cover - replaced by _Reader.find_class
    raise ArgumentTypeError("an SLA cycle needs its calendar; read it with _Reader")


class _Writer(pickle.Pickler):
    """Pickles events, fields, outcomes and cycles as their values (a cycle's calendar
    as its index in *calendars*)."""

    def __init__(self, file: io.BytesIO, calendars: Sequence[BusinessCalendar] = ()) -> None:
        super().__init__(file, protocol=_PROTOCOL)
        self._index = {id(calendar): index for index, calendar in enumerate(calendars)}

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is TicketEvent:
            return _event, tuple(getattr(obj, name) for name in _EVENT_FIELDS)
        if kind is Fields:
            return _fields, (dict(obj),)
        if kind is SlaOutcome:
            return _outcome, tuple(getattr(obj, name) for name in _OUTCOME_FIELDS)
        if kind is SlaCycle and id(obj.calendar) in self._index:
            return _cycle, (self._index[id(obj.calendar)],
                            *(getattr(obj, name) for name in _CYCLE_FIELDS))
        return NotImplemented


class _Reader(pickle.Unpickler):
    """Reads what :class:`_Writer` wrote, giving cycles the caller's own calendars."""

    def __init__(self, file: io.BytesIO, calendars: Sequence[BusinessCalendar] = ()) -> None:
        super().__init__(file)
        self._calendars = calendars

    def _cycle(self, index: int, *values: Any) -> SlaCycle:
        return SlaCycle(calendar=self._calendars[index],
                        **dict(zip(_CYCLE_FIELDS, values, strict=True)))

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_cycle":
            return self._cycle
        return super().find_class(module, name)


def _dumps(value: object, calendars: Sequence[BusinessCalendar] = ()) -> bytes:
    buffer = io.BytesIO()
    _Writer(buffer, calendars).dump(value)
    return buffer.getvalue()


def _loads(blob: bytes, calendars: Sequence[BusinessCalendar] = ()) -> Any:
    # Rebuilding tens of thousands of small objects triggers a full garbage collection
    # again and again (over the caller's whole heap); the rebuilt objects hold no cycles,
    # so collection is paused for the load and restored after it, as it was.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _Reader(io.BytesIO(blob), calendars).load()
    finally:
        if paused:
            gc.enable()


def _evaluate(policy: SlaPolicy, chunk: _Chunk, as_of: datetime | None,
              strict: bool) -> list[SlaOutcome]:
    outcomes: list[SlaOutcome] = []
    for ticket, events in chunk:
        outcomes.extend(policy.evaluate(events, as_of, ticket, strict=strict))
    return outcomes


# -- the worker side ---------------------------------------------------------------------------
# What a pool worker evaluates with: written once per worker process by _start_worker (the
# pool initializer) and only read afterwards.  Never written in the calling process, so it
# carries nothing from one call to the next.
_WORKER: list[tuple[SlaPolicy, _Chunk]] = []


def _start_worker(kind: str, payload: object, inherited: _Chunk) -> None:
    policy = payload if isinstance(payload, SlaPolicy) else _restore_policy(kind, payload)
    _WORKER[:] = [(policy, inherited)]


def _run_chunk(task: bytes | tuple[int, int], as_of: datetime | None, strict: bool) -> bytes:
    policy, inherited = _WORKER[0]
    chunk = inherited[task[0]:task[1]] if isinstance(task, tuple) else _loads(task)
    return _dumps(_evaluate(policy, chunk, as_of, strict), _calendars(policy))


def chunk_size_for(tickets: int, jobs: int) -> int:
    """Tickets per task: about four tasks per process, at least 1, at most 2,000.

    >>> chunk_size_for(10_000, 2), chunk_size_for(3, 2), chunk_size_for(10**7, 8)
    (1250, 1, 2000)
    """
    return max(1, min(_MAX_CHUNK, -(-tickets // (jobs * _CHUNKS_PER_JOB))))


def _positive(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name}: expected an int >= 1, got {type(value).__name__} "
                                f"{value!r}")
    if value < 1:
        raise InvalidArgumentError(f"{name}: expected an int >= 1, got {value}")
    return value


def _listed(tickets: Iterable[Ticket]) -> _Chunk:
    if isinstance(tickets, (str, bytes)) or not isinstance(tickets, Iterable):
        raise ArgumentTypeError(f"tickets: expected an iterable of (ticket id, events), got "
                                f"{type(tickets).__name__}")
    out: _Chunk = []
    for index, item in enumerate(tickets):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ArgumentTypeError(f"tickets[{index}]: expected a pair (ticket id, events), "
                                    f"got {item!r}")
        ticket, events = item
        if isinstance(events, (str, bytes)) or not isinstance(events, Iterable):
            raise ArgumentTypeError(f"tickets[{index}]: expected an iterable of TicketEvent, "
                                    f"got {type(events).__name__}")
        out.append((ticket, list(events)))
    return out


_START_METHODS = ("fork", "forkserver", "spawn")


def _start_method(requested: str | None) -> str:
    available = multiprocessing.get_all_start_methods()
    if requested is None:
        if "fork" in available and threading.active_count() == 1:
            return "fork"
        return "forkserver" if "forkserver" in available else "spawn"
    if requested not in _START_METHODS or requested not in available:
        raise InvalidArgumentError(f"start_method: {requested!r} is not available here; "
                                   f"expected None or one of {available}")
    return requested


def evaluate_tickets(policy: SlaPolicy, tickets: Iterable[Ticket],
                     as_of: datetime | None = None, jobs: int = 1, *, strict: bool = True,
                     chunk_size: int | None = None,
                     start_method: str | None = None) -> list[SlaOutcome]:
    """Evaluate every definition of *policy* on every ticket, in up to *jobs* processes.

    The result is the list ``policy.evaluate`` gives ticket after ticket (definitions in
    policy order within a ticket), whatever *jobs* is.  With ``strict=True`` the first
    failing ticket in input order raises, as in one process; ``strict=False`` (the CLI's
    mode) turns such tickets into outcomes with ``skipped`` set.

    Args:
        policy: the SLA policy.
        tickets: ``(ticket id, events)`` pairs; ids must pickle when ``jobs > 1``.
        as_of: the evaluation instant (aware), or ``None`` for "after the last event".
        jobs: how many processes; 1 evaluates here and starts none.
        strict: as in ``SlaPolicy.evaluate``.
        chunk_size: tickets per task (default :func:`chunk_size_for`).
        start_method: ``None`` (default): ``"fork"`` where it exists and this process runs
            one thread (workers inherit the tickets: nothing is pickled on the way in),
            else ``"forkserver"``, else ``"spawn"`` (tickets travel pickled, and the
            policy must pickle or have a data form).  Or name one of them.

    Raises:
        ArgumentTypeError: a malformed argument, or a policy that cannot cross processes.
        InvalidArgumentError: *jobs* or *chunk_size* below 1, or an unknown start method.

    >>> from itsm_core.sla import SlaPolicy
    >>> evaluate_tickets(SlaPolicy.from_dict({"definitions": [{"name": "a", "targets": "PT1H"}]}),
    ...                  [], jobs=0)
    Traceback (most recent call last):
    ...
    itsm_core.errors.InvalidArgumentError: jobs: expected an int >= 1, got 0
    """
    if not isinstance(policy, SlaPolicy):
        raise ArgumentTypeError(f"policy: expected an SlaPolicy, got {type(policy).__name__}")
    jobs = _positive(jobs, "jobs")
    if chunk_size is not None:
        chunk_size = _positive(chunk_size, "chunk_size")
    method = _start_method(start_method)
    if as_of is not None:
        to_us(as_of, "as_of")
    listed = _listed(tickets)
    size = chunk_size or chunk_size_for(len(listed), jobs)
    if jobs == 1 or len(listed) <= size:
        return _evaluate(policy, listed, as_of, strict)
    bounds = [(i, min(i + size, len(listed))) for i in range(0, len(listed), size)]
    tasks: list[bytes] | list[tuple[int, int]]
    payload: object
    if method == "fork":  # the workers inherit the policy and the tickets
        kind, payload, inherited, tasks = "object", policy, listed, bounds
    else:
        kind, payload = portable_policy(policy)
        inherited, tasks = [], [_dumps(listed[a:b]) for a, b in bounds]
    calendars = _calendars(policy)
    outcomes: list[SlaOutcome] = []
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)),
                               mp_context=multiprocessing.get_context(method),
                               initializer=_start_worker, initargs=(kind, payload, inherited))
    try:
        for blob in pool.map(_run_chunk, tasks, [as_of] * len(tasks), [strict] * len(tasks)):
            outcomes.extend(_loads(blob, calendars))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return outcomes

"""Evaluate many tickets across processes with the standard library, same results as one.

:func:`evaluate_tickets` splits ``(ticket id, events)`` pairs into chunks and evaluates them
in this process *and* up to ``jobs - 1`` worker processes (``multiprocessing``); it returns
the outcomes in ticket order, equal to what one process computes (``jobs=1`` starts
nothing).  How it stays cheap:

- **Both ends.** Workers take chunks from the front of the list, the calling process from
  the back, through two counters in shared memory, until they meet: nobody waits while
  there is work, even on a busy machine, and the caller's own outcomes never cross a
  process boundary.  Chunks shrink towards the meeting point (:func:`chunk_bounds`).
- **No thread in the caller, no waiting on pipes.**  Workers inherit the policy and the
  tickets under ``fork`` (the default where it exists and the caller runs one thread);
  otherwise the policy travels once per worker, pickled or as its data form, and the
  tickets as their events' field values.  A worker's outcomes go into its own pipe,
  widened to hold a chunk's, which the caller empties between its own chunks.
- **A compact way back.** A worker's outcomes travel as plain tuples
  (:func:`pack_outcomes`, from :mod:`itsm_core.sla.wire`) and are rebuilt in the caller on
  *its own* calendars (:func:`unpack_outcomes`): the outcomes are the ones a single process
  would build.
- **The caller's heap is frozen out of garbage collection** for the call (``gc.freeze``):
  full collections would otherwise walk it again and again, and forked workers would copy
  it page by page.
- ``prepare=`` runs a per-chunk conversion (e.g. CSV records to events) where the chunk
  is evaluated, so that part is spread over the processes too.

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

import contextlib
import gc
import io
import multiprocessing
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar, overload

import attrs

from itsm_core._instant import to_us
from itsm_core.calendar import BusinessCalendar
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, ItsmError
from itsm_core.sla.events import Fields, TicketEvent
from itsm_core.sla.outcome import SlaOutcome
from itsm_core.sla.policy import SlaPolicy
from itsm_core.sla.wire import (
    _collection_paused,
    _unpack,
    pack_outcomes,
    unpack_outcomes,
)

__all__ = [
    "Prepare",
    "Ticket",
    "chunk_bounds",
    "chunk_size_for",
    "evaluate_tickets",
    "pack_outcomes",
    "portable_policy",
    "resolve_start_method",
    "restore_policy",
    "unpack_outcomes",
]

#: one ticket: its identifier and its events (any order; the engine sorts them)
Ticket = tuple[Any, Sequence[TicketEvent]]
#: turns a chunk of the caller's items into tickets, in the process that evaluates them
Prepare = Callable[[list[Any]], Iterable[Ticket]]
_Item = TypeVar("_Item")
_PROTOCOL = pickle.HIGHEST_PROTOCOL
_CHUNKS_PER_JOB = 4  # a few chunks per process: balance uneven tickets, little overhead
_MAX_CHUNK = 2_000
_MIN_CHUNK = 50  # the smallest default chunk, where the workers and the caller meet


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


def restore_policy(kind: str, payload: object) -> SlaPolicy:
    """The policy :func:`portable_policy` packed, rebuilt in the receiving process.

    >>> from itsm_core.sla import SlaPolicy
    >>> policy = SlaPolicy.from_dict({"definitions": [{"name": "a", "targets": "PT1H"}]})
    >>> restore_policy(*portable_policy(policy)) == policy
    True
    """
    restored: object = (pickle.loads(payload) if kind == "pickle"  # type: ignore[arg-type]
                        else SlaPolicy.from_dict(payload))
    if not isinstance(restored, SlaPolicy):  # pragma: no cover - payloads come from above
        raise ArgumentTypeError(f"policy: payload held {type(restored).__name__}")
    return restored


# -- the way in (spawn / forkserver only) ---------------------------------------------------
# The default pickling of attrs classes (a Python __setstate__ per object) costs more than
# evaluating a ticket, so events travel as their field values and are rebuilt through their
# constructors.  Field names come from attrs, so a new field travels too.

_EVENT_FIELDS = tuple(f.name for f in attrs.fields(TicketEvent))


def _fields(data: dict[str, Any]) -> Fields:
    return Fields(data)


def _event(*values: Any) -> TicketEvent:
    # The values were validated when the event was built; skip re-validating them.
    event: TicketEvent = TicketEvent.__new__(TicketEvent)
    event.__attrs_init__(*values)
    return event


class _Writer(pickle.Pickler):
    """Pickles events and their fields as their values."""

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is TicketEvent:
            return _event, tuple(getattr(obj, name) for name in _EVENT_FIELDS)
        if kind is Fields:
            return _fields, (dict(obj),)
        return NotImplemented


def _dumps(value: object) -> bytes:
    buffer = io.BytesIO()
    _Writer(buffer, protocol=_PROTOCOL).dump(value)
    return buffer.getvalue()


# -- the way back: outcomes as plain tuples ------------------------------------------------
# (outcome values, fields as a dict, [cycle values, ...]); the calendar of a cycle is its
# definition's, so it is left out and put back from the caller's own policy.  The field
# lists are written out (a test checks them against attrs): rebuilding through explicit
# keywords is the cheapest way to make frozen attrs objects, and it is the caller's cost.

@contextlib.contextmanager
def _heap_frozen() -> Iterator[None]:
    """Leave the objects that exist now out of garbage collection until the end.

    Evaluating allocates a lot, and every full collection would walk the caller's whole
    heap (a third of the time on a 20,000-ticket run); forked workers inherit the frozen
    state, so they never walk (and copy) the heap they share with the caller.  Skipped if
    collection is off or the caller froze objects itself (``gc.freeze``).
    """
    freeze = gc.isenabled() and gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        yield
    finally:
        if freeze:
            gc.unfreeze()


# -- the work on one chunk -------------------------------------------------------------------

@attrs.frozen
class _Evaluation:
    """Every definition of *policy* on each ticket of a chunk (after *prepare*, if given).

    Pickles as its policy's portable form (:func:`portable_policy`), so it can start a
    spawned worker; under ``fork`` it is inherited as it is.
    """

    policy: SlaPolicy
    as_of: datetime | None
    strict: bool
    prepare: Prepare | None = None

    def run(self, chunk: list[Any]) -> list[SlaOutcome]:
        tickets = chunk if self.prepare is None else self.prepare(chunk)
        evaluate, as_of, strict = self.policy.evaluate, self.as_of, self.strict
        outcomes: list[SlaOutcome] = []
        for ticket, events in tickets:
            outcomes.extend(evaluate(events, as_of, ticket, strict=strict))
        return outcomes

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore_evaluation, (*portable_policy(self.policy), self.as_of, self.strict,
                                     self.prepare)


def _restore_evaluation(kind: str, payload: object, as_of: datetime | None, strict: bool,
                        prepare: Prepare | None) -> _Evaluation:
    return _Evaluation(restore_policy(kind, payload), as_of, strict, prepare)


# -- the worker side ---------------------------------------------------------------------------
# Chunks are shared out through two counters in shared memory, front and back: a worker
# takes the chunk at front, the caller the one before back, until they meet.  No thread
# runs in the caller, and no process waits on another to take a message: a worker's
# outcomes go into its own pipe, widened (Linux) to hold a whole chunk's, and the caller
# reads them between its own chunks, each in one go.  (Through a 64 kB pipe, a message
# crawls: its writer waits for a busy reader, chunk after chunk.)  Under fork the workers
# inherit the tickets; otherwise each receives every chunk, pickled apart, when it starts,
# and unpickles only those it takes.

_PIPE_BYTES = 1 << 20  # Linux's default limit for an unprivileged process


def _widen(conn: Connection) -> None:
    """Let the pipe behind *conn* hold a chunk's outcomes (where the OS allows it)."""
    try:
        import fcntl
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, AttributeError, OSError):  # pragma: no cover - not Linux, or capped
        pass


@attrs.frozen
class _Board:
    """What the processes share: the chunk bounds, and the front/back counters with their
    lock."""

    bounds: list[tuple[int, int]]
    ends: Any  # multiprocessing RawArray("q", [front, back])
    lock: Any  # multiprocessing Lock

    def take(self, *, last: bool) -> int | None:
        """The next chunk from the front (a worker) or the back (the caller), if any."""
        with self.lock:
            front, back = self.ends[0], self.ends[1]
            if front >= back:
                return None
            if last:
                self.ends[1] = back - 1
                return int(back - 1)
            self.ends[0] = front + 1
            return int(front)

    def close(self) -> None:
        """Hand out no more chunks (those taken are finished)."""
        with self.lock:
            self.ends[1] = self.ends[0]

    def taken(self) -> int | None:
        """How many chunks the workers took, once nothing is left to take (else ``None``)."""
        with self.lock:
            return int(self.ends[0]) if self.ends[0] >= self.ends[1] else None


def _work(work: _Evaluation | bytes, items: list[Any] | None, chunks: list[bytes],
          board: _Board, conn: Connection) -> None:
    """A worker process: take chunks from the front until none is left; the chunks come
    from *items* (inherited) or, pickled, from *chunks*.

    Sends ``(index, None)`` then the chunk's packed outcomes, or ``(index, error)`` when
    evaluating it raised.
    """
    evaluation = work if isinstance(work, _Evaluation) else pickle.loads(work)
    try:
        while (index := board.take(last=False)) is not None:
            try:
                with _collection_paused():  # its own process: cyclic garbage goes afterwards
                    chunk = (items[slice(*board.bounds[index])] if items is not None
                             else pickle.loads(chunks[index]))
                    blob = pack_outcomes(evaluation.run(chunk))
            except Exception as exc:
                try:
                    conn.send((index, exc))
                except Exception:  # an error that does not pickle: its text does
                    conn.send((index, ItsmError(f"{type(exc).__name__}: {exc}")))
            else:
                conn.send((index, None))
                conn.send_bytes(blob)
    finally:
        conn.close()


# -- the calling side ----------------------------------------------------------------------------

def chunk_size_for(tickets: int, jobs: int) -> int:
    """Tickets per task: about four tasks per process, at least 1, at most 2,000.

    This is the size of the first chunks; by default they shrink towards the middle of
    the list, where the workers and the caller meet (see :func:`chunk_bounds`).

    >>> chunk_size_for(10_000, 2), chunk_size_for(3, 2), chunk_size_for(10**7, 8)
    (1250, 1, 2000)
    """
    return max(1, min(_MAX_CHUNK, -(-tickets // (jobs * _CHUNKS_PER_JOB))))


def chunk_bounds(tickets: int, jobs: int, size: int | None = None) -> list[tuple[int, int]]:
    """The chunks ``[start, end)`` of *tickets* items: all of *size* if given; by default
    :func:`chunk_size_for` at both ends, shrinking towards the middle (each a quarter of
    what is left per process, at least 50), so that where the workers (from the front)
    and the caller (from the back) meet, the last chunks are small and nobody waits long.

    >>> chunk_bounds(10, 2, size=4)
    [(0, 4), (4, 8), (8, 10)]
    >>> sizes = [b - a for a, b in chunk_bounds(20_000, 2)]
    >>> sizes[:4], min(sizes), sizes[-2:], len(sizes), sum(sizes)
    ([2000, 2000, 1500, 1125], 28, [2000, 2000], 36, 20000)
    """
    if size is not None:
        return [(i, min(i + size, tickets)) for i in range(0, tickets, size)]
    largest = chunk_size_for(tickets, jobs)
    front, back = 0, tickets
    heads: list[tuple[int, int]] = []
    tails: list[tuple[int, int]] = []
    while front < back:
        step = min(largest, max(_MIN_CHUNK, -(-(back - front) // (jobs * _CHUNKS_PER_JOB))))
        heads.append((front, min(back, front + step)))
        front = heads[-1][1]
        if front < back:
            tails.append((max(front, back - step), back))
            back = tails[-1][0]
    return heads + tails[::-1]


def _positive(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name}: expected an int >= 1, got {type(value).__name__} "
                                f"{value!r}")
    if value < 1:
        raise InvalidArgumentError(f"{name}: expected an int >= 1, got {value}")
    return value


def _listed(tickets: Iterable[Any], prepared: bool) -> list[Any]:
    if isinstance(tickets, (str, bytes)) or not isinstance(tickets, Iterable):
        raise ArgumentTypeError(f"tickets: expected an iterable of (ticket id, events), got "
                                f"{type(tickets).__name__}")
    if prepared:  # the caller's own items: prepare turns them into tickets
        return list(tickets)
    out: list[Any] = []
    for index, item in enumerate(tickets):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ArgumentTypeError(f"tickets[{index}]: expected a pair (ticket id, events), "
                                    f"got {item!r}")
        ticket, events = item
        if type(events) in (list, tuple):  # kept as it is: no new objects for the collector
            out.append(item)
            continue
        if isinstance(events, (str, bytes)) or not isinstance(events, Iterable):
            raise ArgumentTypeError(f"tickets[{index}]: expected an iterable of TicketEvent, "
                                    f"got {type(events).__name__}")
        out.append((ticket, list(events)))
    return out


_START_METHODS = ("fork", "forkserver", "spawn")


def resolve_start_method(requested: str | None = None) -> str:
    """The start method for worker processes: *requested*, or by default ``"fork"`` where
    it exists and this process runs one thread, else ``"forkserver"``, else ``"spawn"``.

    Raises:
        InvalidArgumentError: *requested* is not available here.

    >>> resolve_start_method("spawn")
    'spawn'
    """
    available = multiprocessing.get_all_start_methods()
    if requested is None:
        if "fork" in available and threading.active_count() == 1:
            return "fork"
        return "forkserver" if "forkserver" in available else "spawn"
    if requested not in _START_METHODS or requested not in available:
        raise InvalidArgumentError(f"start_method: {requested!r} is not available here; "
                                   f"expected None or one of {available}")
    return requested


# A chunk's result: its outcomes, or the error evaluating it raised (raised in order later).
_Done = list[SlaOutcome] | BaseException | None


def _receive(conns: dict[Connection, BaseProcess], board: _Board, done: list[_Done],
             calendars: Mapping[str, BusinessCalendar], *, block: bool) -> bool:
    """Take in the workers' finished chunks (until every worker is done, if *block*);
    whether one of them failed."""
    failed = False
    while conns:
        if block and (taken := board.taken()) is not None \
                and all(part is not None for part in done[:taken]):
            break  # every chunk is done: a worker still starting is not waited for
        ready = set(wait(list(conns), None if block else 0))
        if not ready:
            break
        for conn in [c for c in conns if c in ready]:
            try:
                message: tuple[int, BaseException | None] = conn.recv()
            except EOFError:  # no chunk left for this worker: it has stopped
                process = conns.pop(conn)
                process.join()
                if process.exitcode:
                    raise ItsmError(f"jobs: a worker process stopped with exit code "
                                    f"{process.exitcode} before finishing its chunks") from None
                continue
            index, error = message
            done[index] = error if error is not None else _unpack(conn.recv_bytes(), calendars)
            failed = failed or error is not None
    return failed


def _share(work: _Evaluation, items: list[Any], bounds: list[tuple[int, int]], workers: int,
           method: str) -> list[SlaOutcome]:
    """Evaluate the chunks *bounds* of *items*: workers from the front, this process from
    the back; the outcomes in item order, or the error of the first chunk that failed."""
    context: Any = multiprocessing.get_context(method)  # typeshed: no .Process on the base
    # pickled now, so a policy that cannot travel fails before any process starts
    sent: _Evaluation | bytes = work if method == "fork" else pickle.dumps(work, _PROTOCOL)
    calendars = {d.name: d.calendar for d in work.policy.definitions}
    done: list[_Done] = [None] * len(bounds)
    board = _Board(bounds, context.RawArray("q", [0, len(bounds)]), context.Lock())
    inherited = items if method == "fork" else None
    chunks = [] if method == "fork" else [_dumps(items[a:b]) for a, b in bounds]
    processes: list[BaseProcess] = []
    conns: dict[Connection, BaseProcess] = {}
    try:
        for _ in range(workers):
            mine, theirs = context.Pipe(duplex=False)
            _widen(mine)
            process = context.Process(target=_work, daemon=True,
                                      args=(sent, inherited, chunks, board, theirs))
            process.start()
            processes.append(process)
            theirs.close()
            conns[mine] = process
        while (index := board.take(last=True)) is not None:
            try:
                done[index] = work.run(items[slice(*bounds[index])])
            except Exception as exc:  # raised in chunk order below, as one process would
                done[index] = exc
            if _receive(conns, board, done, calendars, block=False):
                board.close()  # a worker's chunk failed: nothing after it matters
        _receive(conns, board, done, calendars, block=True)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
            process.join()
        for conn in conns:
            conn.close()
    outcomes: list[SlaOutcome] = []
    for part in done:  # chunks after a failed one may be left undone
        if isinstance(part, BaseException):
            raise part
        if part is None:  # pragma: no cover - a lost chunk: a bug, never a short answer
            raise ItsmError("jobs: a chunk of tickets was not evaluated")
        outcomes.extend(part)
    return outcomes


@overload
def evaluate_tickets(policy: SlaPolicy, tickets: Iterable[Ticket],
                     as_of: datetime | None = None, jobs: int = 1, *, strict: bool = True,
                     chunk_size: int | None = None, start_method: str | None = None,
                     prepare: None = None) -> list[SlaOutcome]: ...


@overload
def evaluate_tickets(policy: SlaPolicy, tickets: Iterable[_Item],
                     as_of: datetime | None = None, jobs: int = 1, *, strict: bool = True,
                     chunk_size: int | None = None, start_method: str | None = None,
                     prepare: Callable[[list[_Item]], Iterable[Ticket]]) -> list[SlaOutcome]: ...


def evaluate_tickets(policy: SlaPolicy, tickets: Iterable[Any],
                     as_of: datetime | None = None, jobs: int = 1, *, strict: bool = True,
                     chunk_size: int | None = None, start_method: str | None = None,
                     prepare: Prepare | None = None) -> list[SlaOutcome]:
    """Evaluate every definition of *policy* on every ticket, in up to *jobs* processes.

    The result is the list ``policy.evaluate`` gives ticket after ticket (definitions in
    policy order within a ticket), whatever *jobs* is.  With ``strict=True`` the first
    failing ticket in input order raises, as in one process; ``strict=False`` (the CLI's
    mode) turns such tickets into outcomes with ``skipped`` set.

    Args:
        policy: the SLA policy.
        tickets: ``(ticket id, events)`` pairs; ids must pickle when ``jobs > 1``.  With
            *prepare*, any items that *prepare* turns into such pairs.
        as_of: the evaluation instant (aware), or ``None`` for "after the last event".
        jobs: how many processes evaluate: this one and ``jobs - 1`` workers; 1 starts none.
        strict: as in ``SlaPolicy.evaluate``.
        chunk_size: tickets per task (default: :func:`chunk_bounds`, large chunks at both
            ends of the list and small ones where the processes meet).
        start_method: ``None`` (default): ``"fork"`` where it exists and this process runs
            one thread (workers inherit the tickets: nothing is pickled on the way in),
            else ``"forkserver"``, else ``"spawn"`` (tickets travel pickled, and the
            policy must pickle or have a data form).  Or name one of them.
        prepare: a module-level function from a list of items to ``(ticket id, events)``
            pairs, run on each chunk by the process that evaluates it (so building the
            events is spread over the processes too).

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
    if prepare is not None and not callable(prepare):
        raise ArgumentTypeError(f"prepare: expected a function or None, got "
                                f"{type(prepare).__name__}")
    method = resolve_start_method(start_method)
    if as_of is not None:
        to_us(as_of, "as_of")
    listed = _listed(tickets, prepare is not None)
    work = _Evaluation(policy, as_of, strict, prepare)
    with _heap_frozen():
        bounds = chunk_bounds(len(listed), jobs, chunk_size)
        if jobs == 1 or len(bounds) <= 1:
            return work.run(listed)
        return _share(work, listed, bounds, min(jobs - 1, len(bounds) - 1), method)

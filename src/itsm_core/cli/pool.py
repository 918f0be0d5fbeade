"""What each worker process of ``--jobs N`` runs: the pool's initializer keeps the job's
fixed part (:class:`~itsm_core.cli.worker.ExportWork` or
:class:`~itsm_core.cli.worker.DemoWork`) once per process, and each call evaluates a
chunk with it (:class:`~itsm_core.cli.worker.Evaluator`), sending back counts.

>>> from itsm_core.cli.policyfile import load_demo_policy
>>> from itsm_core.cli.stream_pack import pack_chunk
>>> start_worker(ExportWork(policy=load_demo_policy(), time_format=None, tz=None,
...                         at_name="at", fields=(), by=("definition",), period=None))
>>> fold_chunk(pack_chunk([("T1", [2, "2016-03-01T09:00Z", "New", "2 - High"])]), None,
...            "day-first").tickets
1
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from itsm_core.cli.cycles import CycleLine
from itsm_core.cli.stream_pack import Ticket, unpack_chunk
from itsm_core.cli.timeparse import DAY_FIRST
from itsm_core.cli.worker import Counted, DemoWork, Evaluator, ExportWork
from itsm_core.demo.generator import SyntheticTicket
from itsm_core.sla.compliance import ComplianceAccumulator

__all__ = ["demo_chunk", "fold_chunk", "recount_chunk", "start_worker"]

# the job's fixed part, kept once per worker process by the pool's initializer
_WORKER: dict[str, Any] = {}


def start_worker(job: ExportWork | DemoWork) -> None:
    """The pool's initializer: keep *job* (an :class:`~itsm_core.cli.worker.Evaluator` for an export) for the
    chunks this worker will be given.

    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> from itsm_core.cli.stream_pack import pack_chunk
    >>> start_worker(ExportWork(policy=load_demo_policy(), time_format=None, tz=None,
    ...                         at_name="at", fields=(), by=("stage",), period=None))
    >>> rows = [2, "2016-03-01T09:00Z", "New", "2 - High",
    ...         3, "2016-03-01T10:00Z", "Resolved", "2 - High"]
    >>> chunk = pack_chunk([("T1", rows)])
    >>> [row.keys for row in fold_chunk(chunk, None, "day-first").accumulator.report().rows]
    [(('stage', 'met'),)]
    """
    _WORKER["job"] = Evaluator(job) if isinstance(job, ExportWork) else job


def fold_chunk(chunk: bytes, as_of: datetime | None, order: str, *,
               archive: bool = True) -> Counted:
    """In a worker: :meth:`~itsm_core.cli.worker.Evaluator.fold` a chunk packed by
    :func:`~itsm_core.cli.stream_pack.pack_chunk`.

    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> from itsm_core.cli.stream_pack import pack_chunk
    >>> start_worker(ExportWork(policy=load_demo_policy(), time_format=None, tz=None,
    ...                         at_name="at", fields=(), by=("definition",), period=None))
    >>> rows = [2, "2016-03-01T09:00Z", "New", "2 - High",
    ...         3, "2016-03-01T10:00Z", "Resolved", "2 - High"]
    >>> unpack_chunk(fold_chunk(pack_chunk([("T1", rows)]), None, "day-first").held)
    []
    """
    evaluator: Evaluator = _WORKER["job"]
    return evaluator.fold(unpack_chunk(chunk), order, as_of, chunk, archive=archive)


def recount_chunk(chunk: Sequence[tuple[Ticket, tuple[int, ...]]], as_of: datetime,
                  order: str = DAY_FIRST,
                  ) -> tuple[ComplianceAccumulator, list[tuple[int, CycleLine]]]:
    """In a worker: evaluate given definitions of tickets again (:meth:`~itsm_core.cli.worker.Evaluator.recount`);
    the counts and, with ``--cycles``, the cycles' lines.

    >>> from datetime import datetime, timezone
    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> start_worker(ExportWork(policy=load_demo_policy(), time_format=None, tz=None,
    ...                         at_name="at", fields=(), by=("definition",), period=None))
    >>> rows = [2, "2016-03-01T09:00Z", "New", "2 - High"]
    >>> counted, lines = recount_chunk([(("T1", rows), (0, 1))],
    ...                                datetime(2016, 3, 2, tzinfo=timezone.utc))
    >>> [row.running for row in counted.report().rows], lines
    ([1, 1], [])
    """
    evaluator: Evaluator = _WORKER["job"]
    lines: list[tuple[int, CycleLine]] = []
    return evaluator.recount(chunk, as_of, order, lines), lines


def demo_chunk(tickets: Sequence[SyntheticTicket],
               ) -> tuple[ComplianceAccumulator, list[CycleLine]]:
    """In a worker: evaluate and count demo tickets (:meth:`~itsm_core.cli.worker.DemoWork.count`); the counts
    and, with ``cycles``, a line per cycle.

    >>> from itsm_core.cli.policyfile import load_demo_policy
    >>> from itsm_core.demo.generator import AS_OF, LONDON, generate_incident_log
    >>> start_worker(DemoWork(policy=load_demo_policy(), as_of=AS_OF, tz=LONDON,
    ...                       by=("definition",), period=None))
    >>> counted, lines = demo_chunk(generate_incident_log(tickets=2))
    >>> [row.total for row in counted.report().rows], lines
    ([2, 2], [])
    """
    job: DemoWork = _WORKER["job"]
    lines: list[CycleLine] = []
    return job.count(tickets, lines), lines

"""From CSV records to histories, and the ``prepare`` step ``--jobs N`` runs in each process."""

from __future__ import annotations

import io
import multiprocessing
from pathlib import Path

import pytest

from itsm_core.cli.csvread import read_event_log
from itsm_core.cli.evaluate import events_from_records, histories_from_records
from itsm_core.cli.policyfile import load_policy
from itsm_core.cli.timeparse import make_time_parser
from itsm_core.demo.generator import LONDON
from itsm_core.parallel import evaluate_tickets

REPO = Path(__file__).resolve().parents[2]
POLICY = load_policy(str(REPO / "docs" / "examples" / "servicenow-policy.json"))


def records() -> list[tuple[str, list]]:  # type: ignore[type-arg]
    from servicenow_export import write_export

    text = io.StringIO()
    write_export(text, rows=1_200)
    text.seek(0)
    log = read_event_log(text, make_time_parser(None, LONDON), spec={})
    return list(log.tickets.items())


RECORDS = records()


class TestHistoriesFromRecords:
    def test_same_events_as_one_ticket_at_a_time(self) -> None:
        got = histories_from_records(RECORDS)
        assert [t for t, _ in got] == [t for t, _ in RECORDS]
        assert [events for _, events in got] == [events_from_records(r) for _, r in RECORDS]

    def test_equal_field_sets_share_one_value_across_tickets(self) -> None:
        kept = [(t, [(*r[:3], {"category": r[3]["category"]}) for r in rs]) for t, rs in RECORDS]
        histories = histories_from_records(kept)
        by_value: dict[object, set[int]] = {}
        for (_, rs), (_, events) in zip(kept, histories, strict=True):
            for record, event in zip(rs, events, strict=True):
                by_value.setdefault(tuple(record[3].items()), set()).add(id(event.fields))
        assert len(by_value) < len(kept)  # a few categories over many tickets
        assert all(len(ids) == 1 for ids in by_value.values())


class TestPrepareInEachProcess:
    @pytest.mark.parametrize("method", [m for m in ("fork", "forkserver", "spawn")
                                        if m in multiprocessing.get_all_start_methods()])
    def test_records_evaluated_in_workers_equal_one_process(self, method: str) -> None:
        as_of = max(r[0] for _, rs in RECORDS for r in rs)
        expected = evaluate_tickets(POLICY, histories_from_records(RECORDS), as_of,
                                    strict=False)
        got = evaluate_tickets(POLICY, RECORDS, as_of, jobs=2, strict=False, chunk_size=40,
                               start_method=method, prepare=histories_from_records)
        assert got == expected
        assert any(o.skipped for o in got) or any(o.cycles for o in got)
        assert multiprocessing.active_children() == []

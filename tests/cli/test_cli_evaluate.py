"""From CSV records and rows to ticket events."""

from __future__ import annotations

import csv
import io

from servicenow_export import write_export

from itsm_core.cli.csvread import collect_rows, parse_rows, read_event_log, read_header
from itsm_core.cli.evaluate import events_from_records, events_from_rows, histories_from_records
from itsm_core.cli.timeparse import make_time_parser
from itsm_core.demo.generator import LONDON
from itsm_core.sla.events import Fields


def records() -> list[tuple[str, list]]:  # type: ignore[type-arg]
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


class TestEventsFromRows:
    def test_same_events_as_from_records(self) -> None:
        """The rows the CLI evaluates give the events the records give."""
        text = io.StringIO()
        write_export(text, rows=1_200)
        reader = csv.reader(io.StringIO(text.getvalue(), newline=""))
        log = collect_rows(reader, columns=read_header(reader, {}))
        shared: dict[tuple[str | None, ...], Fields] = {}
        got = []
        for ticket in log.tickets:
            parsed, naive = parse_rows(log.rows_of(ticket), make_time_parser(None, LONDON),
                                       "sys_updated_at", [])
            assert naive is None
            if parsed:
                got.append((ticket, events_from_rows(parsed, log.fields, shared)))
        assert got == histories_from_records(RECORDS)

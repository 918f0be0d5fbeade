"""Reading event-log CSVs: every row is either read or reported, with its line number."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.cli.csvread import EventLog, read_event_log
from itsm_core.cli.timeparse import make_time_parser
from itsm_core.errors import ConfigError, NaiveDatetimeError

UTC = timezone.utc
PARSE = make_time_parser("%d/%m/%Y %H:%M", UTC)
HEADER = ["number", "incident_state", "sys_updated_at", "priority", "category"]


def _read(text: str, **kwargs: Any) -> EventLog:
    return read_event_log(io.StringIO(text, newline=""), PARSE, spec={}, **kwargs)


class TestGolden:
    TEXT = (
        "number,incident_state,sys_updated_at,priority,category\n"  # line 1
        "INC1,New,29/2/2016 01:16,3 - Moderate,?\n"                  # 2 read
        "INC1,Active,29/2/2016 01:16,3 - Moderate,\"Net\nwork\"\n"   # 3-4 read (quoted newline)
        "INC2,New,31/2/2016 10:00,2 - High,x\n"                      # 5 bad date
        "INC2,New\n"                                                 # 6 short row
        "\n"                                                         # 7 empty
        "?,New,1/3/2016 10:00,2 - High,x\n"                          # 8 no ticket
        "INC2,?,1/3/2016 10:00,2 - High,x\n"                         # 9 no state
        "INC2,New,?,2 - High,x\n"                                    # 10 no time
        "INC2,New,1/3/2016 10:00,?,x,extra\n"                        # 11 long row
        "INC2,New,1/3/2016 10:00,?,x\n"                              # 12 read, no priority
    )

    def test_counts_by_hand(self) -> None:
        log = _read(self.TEXT)
        assert log.rows == 10
        assert [s.line for s in log.skipped] == [5, 6, 7, 8, 9, 10, 11]
        reasons = [s.reason for s in log.skipped]
        assert "cannot read '31/2/2016 10:00'" in reasons[0]
        assert reasons[1:] == [
            "row has 2 fields; the header has 5", "empty line",
            "no ticket id in column 'number'", "no state in column 'incident_state'",
            "no time in column 'sys_updated_at'", "row has 6 fields; the header has 5"]
        tickets = log.tickets
        assert list(tickets) == ["INC1", "INC2"]
        assert [(r[1], r[3]["category"]) for r in tickets["INC1"]] == [
            ("New", None), ("Active", "Net\nwork")]
        assert tickets["INC2"] == [
            (datetime(2016, 3, 1, 10, tzinfo=UTC), "New", None, {"category": "x"})]

    def test_naive_without_tz_is_fatal_and_names_the_line(self) -> None:
        with pytest.raises(NaiveDatetimeError, match=r"line 2, column 'sys_updated_at'.*--tz"):
            read_event_log(io.StringIO(self.TEXT, newline=""),
                           make_time_parser(None, None), spec={})

    def test_missing_column_is_a_config_error(self) -> None:
        with pytest.raises(ConfigError, match="role 'state'"):
            _read("number,sys_updated_at\nINC1,1/3/2016 10:00\n")

    def test_progress_is_called(self) -> None:
        text = "ticket,at,state\n" + "T,1/3/2016 10:00,New\n" * 25_000
        seen: list[int] = []
        log = _read(text, progress=seen.append)
        assert seen == [10_000, 20_000]
        assert log.rows == 25_000


good_rows = st.tuples(st.sampled_from(["A", "B", "C"]),
                      st.sampled_from(["New", "Active", "Resolved"]),
                      st.datetimes(min_value=datetime(2000, 1, 1),
                                   max_value=datetime(2030, 1, 1)).map(
                          lambda d: d.replace(second=0, microsecond=0)),
                      st.sampled_from(["1 - Critical", "?"]),
                      st.text(st.characters(blacklist_characters="\r"), max_size=5))
bad_rows = st.one_of(
    st.lists(st.text(alphabet="ab,", max_size=3), max_size=3),        # wrong width
    st.tuples(st.just("?"), st.just("New"), st.just("1/1/2020 10:00"), st.just(""), st.just("")),
    st.tuples(st.just("A"), st.just("New"), st.just("1/13/2020 10:00"), st.just(""), st.just("")),
).map(list)


@given(st.lists(st.tuples(st.booleans(), st.one_of(good_rows, bad_rows)), max_size=30))
def test_every_row_is_read_or_reported(rows: list[tuple[bool, object]]) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    expected: dict[str, list[tuple[datetime, str]]] = {}
    expected_skips = []
    line = 2
    for _, row in rows:
        if isinstance(row, tuple):
            ticket, state, at, priority, category = row
            writer.writerow([ticket, state, f"{at.day}/{at.month}/{at.year} {at:%H:%M}",
                             priority, category])
            expected.setdefault(ticket, []).append((at.replace(tzinfo=UTC), state))
            line += 1 + category.count("\n")
        else:
            assert isinstance(row, list)
            writer.writerow(row)
            expected_skips.append(line)
            line += 1
    log = _read(out.getvalue())
    got = {t: [(r[0], r[1]) for r in recs] for t, recs in log.tickets.items()}
    assert got == expected
    assert [s.line for s in log.skipped] == expected_skips
    assert log.rows == len(rows)

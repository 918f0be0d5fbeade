"""``main([...])`` on random input never lets an exception out: an exit code and a message.

Random bytes, random CSV structure (headers, rows, delimiters, quoting, line endings,
encodings, gzip or not, a file or standard input), random policies (valid and junk JSON
or TOML, random bytes) and random options: whatever comes in, ``main`` returns 0, or 2
for a usage or configuration error, or 1 for the documented other failures (an engine
error such as a calendar with no business time), and writes a message to stderr when it
does not return 0.  ``--jobs`` stays 1 (processes are tested in test_cli_main.py).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itsm_core.cli import main

VALID_POLICIES: list[Any] = [
    {"definitions": [{"name": "resolution", "targets": {"1 - Critical": "PT4H", "*": "P1D"},
                      "pause": {"state_in": ["Awaiting User Info"]},
                      "stop": {"state_in": ["Resolved", "Closed"]}}]},
    {"calendars": {"uk": {"timezone": "Europe/London",
                          "hours": {"mon": [["09:00", "17:00"]]}}},
     "definitions": [{"name": "response", "calendar": "uk", "targets": "PT1H",
                      "stop": {"state_in": ["Active"]}}]},
    {"calendars": {"never": {"timezone": "UTC", "hours": {}}},  # no business time at all
     "definitions": [{"name": "r", "calendar": "never", "targets": "PT1H"}]},
]
NAMES = ["ticket", "number", "at", "sys_updated_at", "state", "incident_state", "priority",
         "assignment_group", "category", "", " at "]
CELLS = ["INC1", "INC2", "New", "Active", "Resolved", "Awaiting User Info", "1 - Critical",
         "3 - Moderate", "2016-03-01T09:00Z", "2016-03-01 10:00", "1/3/2016 11:00",
         "31/2/2016 10:00", "?", "", "Group 2", "Group 10"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["definitions", "calendars", "name", "targets", "stop", "pause",
                         "calendar", "timezone", "hours", "x"]) | st.text(max_size=5),
        inner, max_size=4),
    max_leaves=20)
_valid = st.sampled_from(VALID_POLICIES[:2]).map(lambda p: ("json", json.dumps(p).encode()))
policies = st.one_of(  # valid policies half of the time, so that reports get written
    _valid, _valid, _valid, _valid,
    st.sampled_from(VALID_POLICIES).map(lambda p: ("json", json.dumps(p).encode())),
    json_values.map(lambda v: ("json", json.dumps(v).encode())),
    st.tuples(st.sampled_from(["json", "toml", "yaml"]), st.binary(max_size=60)),
    st.just(("toml", b'[[definitions]]\nname = "r"\ntargets = "PT1H"\n')),
    st.just(("json", b'{"definitions": [{"name": "r", "targets": "PT1H", "calendar": "x"}]}')),
)
GOOD_HEADER = ["number", "incident_state", "sys_updated_at", "priority", "assignment_group"]
cells = st.sampled_from(CELLS) | st.text(max_size=6)
good_cells = st.tuples(st.sampled_from(["INC1", "INC2", "INC3", "?"]),
                       st.sampled_from(["New", "Active", "Awaiting User Info", "Resolved"]),
                       st.sampled_from(CELLS[8:13]),
                       st.sampled_from(["1 - Critical", "3 - Moderate", "?", "9 - Other"]),
                       cells).map(list)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """A header and rows: mostly a usable export (some rows broken), or anything."""
    if draw(st.integers(0, 3)) == 0:
        header = draw(st.lists(st.sampled_from(NAMES) | st.text(max_size=5), max_size=7))
        return header, draw(st.lists(st.lists(cells, max_size=8), max_size=12))
    order = draw(st.permutations(range(len(GOOD_HEADER))))
    rows = draw(st.lists(good_cells | st.lists(cells, max_size=6), max_size=15))
    return ([GOOD_HEADER[i] for i in order],
            [[row[i] for i in order] if len(row) == len(order) else row for row in rows])


@st.composite
def events(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """An export's bytes (a random table written as CSV, encoded, maybe gzipped; or junk)
    and the options that read it (``--encoding``, ``--delimiter``), often right."""
    options: list[str] = []
    if draw(st.integers(0, 5)) == 0:
        data = draw(st.binary(max_size=200))
    else:
        header, rows = draw(tables())
        delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator=draw(
            st.sampled_from(["\n", "\r\n", "\r"])), quoting=draw(st.sampled_from(
                [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])))
        writer.writerow(header)
        writer.writerows(rows)
        text = out.getvalue()
        if draw(st.integers(0, 9)) == 0:  # cut anywhere: an unclosed quote, half a row
            text = text[:draw(st.integers(0, len(text)))]
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]))
        data = text.encode(encoding, errors="replace")
        if encoding not in ("utf-8", "utf-8-sig") and draw(st.booleans()):
            options += ["--encoding", encoding]
        if draw(st.integers(0, 3)) == 0:
            options += ["--delimiter", delimiter]
    if draw(st.integers(0, 3)) == 0:
        data = gzip.compress(data)
        if draw(st.booleans()):
            data = data[:draw(st.integers(2, len(data)))]  # maybe truncated
    return data, options


_good_option = st.sampled_from([
    ("--tz", "UTC"), ("--tz", "Europe/London"), ("--format", "json"), ("--format", "csv"),
    ("--quiet",), ("--by", "definition,assignment_group"), ("--by", "ticket,stage"),
    ("--period", "month"), ("--as-of", "2016-03-02T00:00Z"), ("--missing", "?,N/A"),
    ("--time-format", "%d/%m/%Y %H:%M"), ("--columns", "ticket=number"),
])
_bad_option = st.sampled_from([
    ("--tz", "Nowhere"), ("--by", ""), ("--as-of", "later"), ("--columns", "at=nope"),
    ("--columns", "=,"), ("--time-format", "%Q"), ("--encoding", "rot13"),
    ("--encoding", "no-such"), ("--delimiter", ";;"), ("--jobs", "0"), ("--jobs", "x"),
]) | st.tuples(st.sampled_from(["--by", "--columns", "--missing", "--as-of", "--tz",
                                "--delimiter", "--time-format"]), st.text(max_size=8))
# good options, plus a bad or random one a quarter of the time
options = st.tuples(st.lists(_good_option, max_size=3),
                    st.one_of(st.none(), st.none(), st.none(), _bad_option)).map(
    lambda pair: pair[0] if pair[1] is None else [*pair[0], pair[1]])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(export=events(), policy=policies, extra=options, tz=st.integers(0, 3),
       from_stdin=st.booleans(), to_file=st.booleans())
def test_main_never_raises(export: tuple[bytes, list[str]], policy: tuple[str, bytes],
                           extra: list[tuple[str, ...]], tz: int, from_stdin: bool,
                           to_file: bool) -> None:
    data, reading = export
    kind, content = policy
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / f"policy.{kind}").write_bytes(content)
        (root / "events.csv").write_bytes(data)
        argv = ["sla-report", "-" if from_stdin else str(root / "events.csv"),
                "--policy", str(root / f"policy.{kind}"), *reading]
        if tz:  # three times in four
            argv += ["--tz", "UTC"]
        for option in extra:
            argv += option
        if to_file:
            argv += ["--output", str(root / "report.out")]
        out, err = io.StringIO(), io.StringIO()
        stdin, sys.stdin = sys.stdin, io.TextIOWrapper(io.BytesIO(data))
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)  # any exception escaping main fails the test
        finally:
            sys.stdin = stdin
        written = (root / "report.out").exists()
    message = err.getvalue()
    assert code in (0, 1, 2)
    assert "Traceback" not in message
    if code == 0:
        assert written if to_file else out.getvalue()  # a report was written
    else:
        assert message.endswith("\n"), "a failure without a message"
        last = message.splitlines()[-1]
        assert " error: " in last, last
        assert last.isprintable()  # user values are escaped: one inert line
        assert not written  # --output is written only when the report is complete
    if code == 1:  # the documented "other failure": the engine's own errors, never usage
        assert "sla-report: error:" in last and "usage:" not in message

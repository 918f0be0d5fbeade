"""The columnar reader's fast steps against slow, obviously correct references: the block
scan of :class:`ScannedBytes`, the codes of a column (ASCII in pyarrow, else Python) and
the cycles counted group by group."""

from __future__ import annotations

import gzip
import io
from datetime import timedelta
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm_core.cli import columnar_source
from itsm_core.cli.columnar_read import _codes
from itsm_core.cli.columnar_source import ScannedBytes
from itsm_core.integrations.columnar_core_replay import _add_groups, _distinct
from itsm_core.integrations.columnar_core_vector import STAGES
from itsm_core.sla.compliance import ComplianceAccumulator

# -- the block scan ---------------------------------------------------------------------

TEXT = st.lists(st.sampled_from([b"a", b",", b"\n", b"\r", b'"', b"\r\n", b"\n\n"]),
                max_size=60).map(b"".join)


def reference(data: bytes) -> tuple[int, list[int], bool]:
    """Lines (a last line without an end counts), the empty ones, whether quoted."""
    parts = data.split(b"\n")
    lines = len(parts) - 1 + (1 if parts[-1] else 0)
    empty = [k + 1 for k, part in enumerate(parts[:-1]) if part in (b"", b"\r")]
    return lines, empty, b'"' in data or b"\r" in data


def scan(data: bytes, block: int) -> tuple[bytes, int, list[int], bool, str | None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(columnar_source, "BLOCK", block)
        stream = ScannedBytes(io.BytesIO(data))
        read = stream.read()
        problem = stream.finish()
    return read, stream.lines, stream.empty, stream.quoted, problem


@settings(max_examples=150)
@given(data=TEXT, block=st.integers(1, 9), zipped=st.booleans())
def test_the_block_scan_is_the_whole_texts(data: bytes, block: int, zipped: bool) -> None:
    read, lines, empty, quoted, problem = scan(gzip.compress(data) if zipped else data, block)
    assert (read, problem) == (data, None)
    assert (lines, empty, quoted) == reference(data)


@given(head=TEXT, tail=TEXT, block=st.integers(1, 9))
def test_a_character_split_between_blocks_is_utf8_and_a_bad_byte_is_not(
        head: bytes, tail: bytes, block: int) -> None:
    good = head + "é€".encode() + tail
    assert scan(good, block)[0::4] == (good, None)
    assert scan(head + b"\xff" + tail, block)[4] == columnar_source.NOT_UTF8


def test_empty_lines_at_the_start_and_across_blocks() -> None:
    assert scan(b"\n\r\na\n\n", 1)[1:3] == (4, [1, 2, 4])
    assert scan(b"h\r\n\r\nx", 3)[1:3] == (3, [2])


# -- the codes of a column --------------------------------------------------------------

ASCII_VALUES = st.text(st.sampled_from(list("ab? \t\x0b\x0c\x1c\x1f")), max_size=4)
ANY_VALUES = st.one_of(ASCII_VALUES, st.text(st.sampled_from(list("ab? \u00a0\u2003é")),
                                             max_size=4))
MARKS = frozenset({"", "?", "a "})


def clean(value: str, *, strip: bool, strip_test: bool) -> str | None:
    test = value.strip() if strip_test else value
    return None if test in MARKS else value.strip() if strip else value


@given(values=st.lists(st.one_of(ASCII_VALUES, ANY_VALUES), max_size=30),
       chunks=st.integers(1, 3), strip=st.booleans(), strip_test=st.booleans())
def test_codes_are_the_python_rules(values: list[str], chunks: int, strip: bool,
                                    strip_test: bool) -> None:
    coded = pa.dictionary(pa.int32(), pa.string())
    size = -(-len(values) // chunks) or 1
    column = pa.chunked_array([pa.array(values[k:k + size], type=pa.string()).cast(coded)
                               for k in range(0, len(values), size)], type=coded)
    codes, distinct = _codes(np, column, MARKS, strip=strip, strip_test=strip_test)
    expected = [clean(v, strip=strip, strip_test=strip_test) for v in values]
    assert [distinct[c] for c in codes.tolist()] == expected
    assert len(set(distinct)) == len(distinct)  # one code per clean value


# -- counting group by group ------------------------------------------------------------

CYCLE = st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from([None, "x", "y"]),
                  st.integers(0, len(STAGES) - 1), st.integers(0, 10**9), st.booleans())


@given(cycles=st.lists(CYCLE, max_size=40), before=st.lists(CYCLE, max_size=5))
def test_groups_count_as_cycle_by_cycle(cycles: list[tuple[Any, ...]],
                                        before: list[tuple[Any, ...]]) -> None:
    one, bulk = (ComplianceAccumulator(("definition", "priority")) for _ in range(2))
    for first, second, stage, elapsed, late in before + cycles:
        overdue = late and STAGES[stage] in STAGES[2:4]
        one.add_cycle((first, second), STAGES[stage], timedelta(microseconds=elapsed),
                      overdue=overdue)
    for first, second, stage, elapsed, late in before:
        bulk.add_cycle((first, second), STAGES[stage], timedelta(microseconds=elapsed),
                       overdue=late and STAGES[stage] in STAGES[2:4])
    firsts = [c[0] for c in cycles]
    seconds = [c[1] for c in cycles]
    columns = [_distinct(np, firsts, np.arange(len(cycles))),
               _distinct(np, seconds, np.arange(len(cycles)))]
    _add_groups(np, bulk, columns, stage=np.array([c[2] for c in cycles], dtype=np.int64),
                elapsed=np.array([c[3] for c in cycles], dtype=np.int64),
                late=np.array([c[4] and STAGES[c[2]] in STAGES[2:4] for c in cycles],
                              dtype=bool))
    assert list(bulk._groups.items()) == list(one._groups.items())

"""Reading an event-log export for the columnar path: pyarrow, numpy, the CLI's rules.

:func:`read_columns` reads only the needed columns of a CSV export with
``pyarrow.csv.read_csv`` and applies, per column, the rules the pure path applies per row
(:mod:`itsm_core.cli.csvread`): a row with the wrong number of fields, no ticket id, no
state or no time is left out with the same reason and line; ticket, state and priority
are stripped; the missing markers read as ``None``.  The time column is read by
:mod:`itsm_core.cli.columnar_times`.

Inputs the columnar reader cannot map line for line onto the pure reader's (a value
spanning lines, an encoding other than UTF-8) give a reason instead of a result, and the
caller uses the pure path (:func:`itsm_core.cli.columnar.evaluate_columnar`).

>>> import io
>>> read = read_columns(io.BytesIO(b"n,s,t\\nA,New,1/3/2016 09:00\\n\\nB,?,1/3/2016 10:00\\n"),
...                     roles={"ticket": "n", "state": "s", "at": "t"}, fields=())
>>> read.rows, [(s.line, s.reason) for s in read.skipped]
(3, [(3, 'empty line'), (4, "no state in column 's'")])
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import IO, Any

from itsm_core.cli.columnar_source import BLOCK, NOT_UTF8, ScannedBytes
from itsm_core.cli.csvread import DEFAULT_MISSING, SkippedRow
from itsm_core.errors import shown

__all__ = ["Columns", "read_columns"]

_ASCII_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "  # what str.strip strips, in ASCII


def _modules() -> tuple[Any, Any, Any, Any]:
    import numpy as np  # noqa: PLC0415 - optional dependency
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415 - optional dependency
    import pyarrow.compute as pc  # type: ignore[import-untyped]  # noqa: PLC0415 - optional dependency
    import pyarrow.csv as pcsv  # type: ignore[import-untyped]  # noqa: PLC0415 - optional dependency
    return np, pa, pc, pcsv


class Columns:
    """The kept rows of an export, column by column (numpy arrays, file order).

    ``ticket``, ``state`` and ``priority`` are codes into ``tickets``, ``states`` and
    ``priorities`` (the stripped values; a missing priority is the code of ``None``);
    ``at`` holds each row's raw time text code into ``times``; ``fields`` one code array
    per field into ``values[name]``; ``line`` each row's line; ``skipped`` the rows left
    out; ``rows`` every data row read.

    >>> Columns.__name__
    'Columns'
    """

    def __init__(self, **parts: Any) -> None:
        self.__dict__.update(parts)

    line: Any
    ticket: Any
    state: Any
    priority: Any
    at: Any
    fields: dict[str, Any]
    tickets: list[str]
    states: list[str]
    priorities: list[str | None]
    times: list[str]
    values: dict[str, list[str | None]]
    skipped: list[SkippedRow]
    rows: int


def _codes(np: Any, column: Any, marks: frozenset[str], *, strip: bool = True,
           strip_test: bool = True) -> tuple[Any, list[str | None]]:
    """Codes into the distinct clean values of a dictionary-typed string column: a value
    whose text (stripped if *strip_test*) is one of *marks* is ``None``, any other is
    stripped if *strip*.  An ASCII dictionary is cleaned by pyarrow; any other by
    Python's own ``str.strip`` (so no Unicode subtlety differs from the pure reader)."""
    chunks = column.unify_dictionaries().chunks
    if not chunks:
        return np.zeros(0, dtype=np.int64), []
    dictionary = chunks[0].dictionary
    indices = np.concatenate([c.indices.to_numpy(zero_copy_only=False).astype(np.int64)
                              for c in chunks])
    if not len(dictionary):
        return indices, []
    _, pa, pc, _ = _modules()
    if pc.all(pc.string_is_ascii(dictionary)).as_py():
        stripped = pc.ascii_trim(dictionary, characters=_ASCII_SPACE) if strip or strip_test \
            else dictionary
        missing = pc.is_in(stripped if strip_test else dictionary,
                           value_set=pa.array(sorted(marks), type=pa.string()))
        cleaned = pc.if_else(missing, pa.scalar(None, pa.string()),
                             stripped if strip else dictionary)
        encoded = pc.dictionary_encode(cleaned, null_encoding="encode")
        remap = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        return remap[indices], encoded.dictionary.to_pylist()
    distinct: dict[str | None, int] = {}
    codes = []
    for raw in dictionary.to_pylist():
        test = raw.strip() if strip_test else raw
        codes.append(distinct.setdefault(None if test in marks else raw.strip() if strip
                                         else raw, len(distinct)))
    return np.array(codes, dtype=np.int64)[indices], list(distinct)


def _open(source: str | IO[bytes]) -> IO[bytes]:
    return open(source, "rb") if isinstance(source, str) else source


def read_columns(source: str | IO[bytes], *, roles: Mapping[str, str], fields: Sequence[str],
                 delimiter: str = ",", missing: Collection[str] = DEFAULT_MISSING,
                 ) -> Columns | str:
    """Read the columns of *roles* (ticket, at, state, optional priority) and *fields*.

    The export (a path, or a binary file: UTF-8, or gzip data of it) is read once, in
    blocks (:class:`~itsm_core.cli.columnar_source.ScannedBytes`): never held whole.
    Returns the :class:`Columns`, or why the columnar reader cannot read this input as the
    pure reader does (then use the pure path; a reason among
    :data:`~itsm_core.cli.columnar_source.NOT_UTF8`,
    :data:`~itsm_core.cli.columnar_source.BAD_GZIP` and
    :data:`~itsm_core.cli.columnar_source.UNREADABLE` is an input error the pure reader
    reports).

    >>> import io
    >>> read_columns(io.BytesIO(b'n,s,t\\n"A\\nB",New,x\\n'),
    ...              roles={"ticket": "n", "state": "s", "at": "t"}, fields=())
    'a value spans several lines'
    """
    file = _open(source)
    try:
        return _read_columns(ScannedBytes(file), roles=roles, fields=fields,
                             delimiter=delimiter, missing=missing)
    finally:
        if isinstance(source, str):
            file.close()


def _read_columns(stream: ScannedBytes, *, roles: Mapping[str, str], fields: Sequence[str],
                  delimiter: str, missing: Collection[str]) -> Columns | str:
    np, pa, _pc, pcsv = _modules()
    if stream.problem is not None:
        return stream.problem
    try:
        header_line = stream.header.decode("utf-8")
    except UnicodeDecodeError:
        return stream.finish() or NOT_UTF8
    if '"' in header_line or "\r" in header_line:
        return "a quoted header"
    header = header_line.split(delimiter)
    if len(set(header)) != len(header):
        return "duplicate column names"
    names = [roles["ticket"], roles["at"], roles["state"]]
    if roles.get("priority") is not None:
        names.append(roles["priority"])
    wanted = list(dict.fromkeys([*names, *fields]))
    if any(name not in header for name in wanted):
        return "a column is not in the header"
    width = len(header)
    invalid: list[tuple[int, int]] = []

    def handler(row: Any) -> str:
        invalid.append((row.number, row.actual_columns))
        return "skip"

    coded = pa.dictionary(pa.int32(), pa.string())
    try:
        table = pcsv.read_csv(
            stream,
            read_options=pcsv.ReadOptions(use_threads=False, block_size=BLOCK),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                            ignore_empty_lines=False,
                                            invalid_row_handler=handler),
            convert_options=pcsv.ConvertOptions(
                include_columns=wanted, column_types=dict.fromkeys(wanted, coded),
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        return stream.finish() or f"pyarrow cannot read it ({str(exc)[:100]})"
    problem = stream.finish()
    if problem is not None:
        return problem
    rows = table.num_rows + len(invalid)
    # every row one line: sure without quotes and carriage returns, else counted
    lines = rows + 1 if not stream.quoted else stream.lines
    if lines != rows + 1 or any(number is None for number, _ in invalid):
        return "a value spans several lines"
    # the line of each kept row: the data lines 2.. without the invalid rows' lines
    bad = np.array(sorted(number for number, _ in invalid), dtype=np.int64)
    line = np.arange(2, rows + 2, dtype=np.int64)
    line = line[~np.isin(line, bad)] if len(bad) else line
    skipped: list[tuple[int, str]] = [
        (number, f"row has {count} fields; the header has {width}") for number, count in invalid]
    marks = frozenset(missing)
    keep = np.ones(len(line), dtype=bool)
    empty = np.array(stream.empty, dtype=np.int64)
    if len(empty):  # an empty line: a row of empty values to pyarrow, no fields to csv
        is_empty = np.isin(line, empty)
        skipped += [(int(n), "empty line") for n in line[is_empty]]
        keep &= ~is_empty
    # each column let go once coded (the text is never held twice)
    column = {name: table.column(name) for name in wanted}
    del table

    def take(name: str) -> Any:
        return column[name] if name in fields else column.pop(name)

    ticket, tickets = _codes(np, take(roles["ticket"]), marks)
    state, states = _codes(np, take(roles["state"]), marks)
    at, times = _codes(np, take(roles["at"]), marks, strip=False)
    for code_array, found, what in ((ticket, tickets, f"no ticket id in column "
                                     f"{shown(roles['ticket'])}"),
                                    (state, states, f"no state in column {shown(roles['state'])}"),
                                    (at, times, f"no time in column {shown(roles['at'])}")):
        if None in found:
            hole = keep & (code_array == found.index(None))
            skipped += [(int(n), what) for n in line[hole]]
            keep &= ~hole
    if roles.get("priority") is not None:
        priority, priorities = _codes(np, take(roles["priority"]), marks)
    else:
        priority, priorities = np.zeros(len(line), dtype=np.int64), [None]
    kept_fields = {}
    values = {}
    for name in fields:
        kept_fields[name], values[name] = _codes(np, column[name], marks, strip=False,
                                                 strip_test=False)
        kept_fields[name] = kept_fields[name][keep]
    skipped.sort()
    line = line[keep]  # one copy at a time
    ticket = ticket[keep]
    state = state[keep]
    priority = priority[keep]
    at = at[keep]
    return Columns(line=line, ticket=ticket, state=state,
                   priority=priority, at=at, fields=kept_fields, tickets=tickets,
                   states=states, priorities=priorities, times=times, values=values,
                   skipped=[SkippedRow(n, r) for n, r in skipped], rows=rows)

"""Reading an event-log export for the columnar path: pyarrow, numpy, the CLI's rules.

:func:`read_columns` reads only the needed columns of a CSV export with
``pyarrow.csv.read_csv`` and applies, per column, the rules the pure path applies per row
(:mod:`itsm_core.cli.csvread`): a row with the wrong number of fields, no ticket id, no
state or no time is left out with the same reason and line; ticket, state and priority
are stripped; the missing markers read as ``None``.  :func:`instants_us` reads a time
column: the slash form ``D/M/YYYY HH:MM[:SS]`` (or month first, with ``AM``/``PM``) in
one vectorised step, naive times localised with the ``fold=0`` rule the core uses; any
other text is read once per distinct value by the CLI's own parser
(:func:`itsm_core.cli.timeparse.make_time_parser`), so every value reads as the pure
path reads it and every refusal carries its message.

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
from datetime import datetime, timedelta, timezone, tzinfo
from typing import IO, Any

from itsm_core._instant import to_us
from itsm_core.cli.columnar_source import BLOCK, NOT_UTF8, ScannedBytes
from itsm_core.cli.csvread import DEFAULT_MISSING, SkippedRow
from itsm_core.cli.timeparse import AMBIGUOUS, DAY_FIRST, MONTH_FIRST, date_order, make_time_parser
from itsm_core.errors import InvalidArgumentError, NaiveDatetimeError, shown

__all__ = ["Columns", "date_kinds", "instants_us", "read_columns", "slash_match"]

_NAIVE_EPOCH = datetime(1970, 1, 1)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_US = timedelta(microseconds=1)
_HOUR_US = 3_600_000_000
_ASCII_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "  # what str.strip strips, in ASCII
# the slash form as the CLI's parser reads it (ASCII digits; blanks around stripped)
_SLASH = (r"^[ \t]*(?P<a>[0-9]{1,2})/(?P<b>[0-9]{1,2})/(?P<y>[0-9]{4}) (?P<h>[0-9]{1,2}):"
          r"(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?(?: ?(?P<half>[AaPp][Mm]))?[ \t]*$")


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


def _civil_days(np: Any, y: Any, m: Any, d: Any) -> Any:
    """Days since 1970-01-01 of proleptic Gregorian dates (arrays; H. Hinnant's formula)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _slash_wall_us(np: Any, pa: Any, pc: Any, texts: list[str], order: str, *, match: Any,
                   ) -> tuple[Any, Any]:
    """Wall-clock µs of the slash-form texts, whether each was read, and whether it has
    an offset (never: the slash form is naive)."""
    found = pc.extract_regex(pa.array(texts, type=pa.string()), _SLASH) if match is None \
        else match
    ok = np.asarray(found.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    first, second, year, hour, minute, sec = (_part_numbers(np, pa, pc, found, name)
                                              for name in ("a", "b", "y", "h", "mi", "s"))
    half = pc.fill_null(pc.utf8_lower(pc.struct_field(found, "half")), "").to_numpy(
        zero_copy_only=False)
    day, month = (first, second) if order == DAY_FIRST else (second, first)
    has_half = half != ""
    ok &= ~has_half | ((hour >= 1) & (hour <= 12))
    hour = np.where(has_half, hour % 12 + np.where(half == "pm", 12, 0), hour)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[
        np.clip(month, 0, 12)] + (leap & (month == 2))
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    ok &= (hour <= 23) & (minute <= 59) & (sec <= 59)
    wall = (_civil_days(np, year, np.clip(month, 1, 12), day) * 86_400
            + hour * 3600 + minute * 60 + sec) * 1_000_000
    return np.where(ok, wall, 0), ok


def _part_numbers(np: Any, pa: Any, pc: Any, found: Any, name: str) -> Any:
    """The numbers in part *name* of the slash-form matches (0 where a part is empty or
    the text did not match)."""
    part = pc.struct_field(found, name)
    part = pc.if_else(pc.equal(part, ""), "0", part)
    return pc.fill_null(pc.cast(part, pa.int64()), 0).to_numpy(zero_copy_only=False)


def _localise(np: Any, wall: Any, tz: tzinfo) -> Any:
    """UTC µs of naive wall-clock µs in *tz*, as ``datetime.replace(tzinfo=tz)`` reads them
    (``fold=0``): by the hour, each hour's offset read once; an hour holding a change of
    offset is read value by value."""
    out = np.empty_like(wall)
    hours, inverse = np.unique(wall // _HOUR_US, return_inverse=True)
    offsets = np.empty(len(hours), dtype=np.int64)
    mixed = np.zeros(len(hours), dtype=bool)
    for k, hour in enumerate(hours.tolist()):
        first = _offset_us(hour * _HOUR_US, tz)
        offsets[k] = first
        mixed[k] = _offset_us(hour * _HOUR_US + _HOUR_US - 1, tz) != first
    out = wall - offsets[inverse]
    for k in np.flatnonzero(mixed[inverse]).tolist():
        out[k] = wall[k] - _offset_us(int(wall[k]), tz)
    return out


def _offset_us(wall_us: int, tz: tzinfo) -> int:
    local = (_NAIVE_EPOCH + _ONE_US * wall_us).replace(tzinfo=tz)
    offset = local.utcoffset()
    return 0 if offset is None else offset // _ONE_US


def slash_match(times: Sequence[str | None]) -> Any:
    """The slash-form parts of each text (a pyarrow struct array, null where a text is not
    in the slash form), for :func:`date_kinds` and :func:`instants_us` to share (pass it
    as their *match*: the texts are then read once).

    >>> slash_match(["1/3/2016 09:00", "soon", None]).is_valid().to_pylist()
    [True, False, False]
    """
    _, pa, pc, _ = _modules()
    return pc.extract_regex(pa.array(list(times), type=pa.string()), _SLASH)


def instants_us(times: Sequence[str | None], *, tz: tzinfo | None, order: str = DAY_FIRST,
                at_name: str = "at", match: Any = None,
                ) -> tuple[Any, list[str | None], dict[int, str]]:
    """UTC µs of each distinct time text; for each the reason it cannot be read (``None``
    when it can), the pure parser's message; and, without *tz*, the naive ones by index
    with the pure parser's message (the caller names the first line holding one).
    *match*: :func:`slash_match` of *times*, if the caller has it.

    >>> from zoneinfo import ZoneInfo
    >>> us, why, naive = instants_us(["27/3/2016 01:30", "31/2/2016 10:00"], tz=ZoneInfo("Europe/London"))
    >>> int(us[0]) == 1459042200 * 10**6, why[1][:32]   # 01:30 is in the gap: 02:30 BST
    (True, "column 'at': cannot read '31/2/2")
    """
    np, pa, pc, _ = _modules()
    n = len(times)
    texts = ["" if t is None else t for t in times]
    result = np.zeros(n, dtype=np.int64)
    reasons: list[str | None] = [None] * n
    wall, ok = (_slash_wall_us(np, pa, pc, texts, order, match=match) if n
                else (result, np.zeros(0, bool)))
    if tz is not None and ok.any():
        result[ok] = _localise(np, wall[ok], tz)
    parse = make_time_parser(None, tz, order=order)
    naive: dict[int, str] = {}
    for k in np.flatnonzero(~ok).tolist():
        if times[k] is None:
            continue
        try:
            result[k] = to_us(parse(texts[k]), "at")
        except NaiveDatetimeError as exc:
            naive[k] = str(exc)
        except InvalidArgumentError as exc:
            reasons[k] = f"column {shown(at_name)}: {exc}"
    if tz is None:  # a naive slash time: the pure parser's own refusal
        for k in np.flatnonzero(ok).tolist():
            try:
                parse(texts[k])
            except NaiveDatetimeError as exc:
                naive[k] = str(exc)
    return result, reasons, naive


_KIND_CODES = {None: 0, DAY_FIRST: 1, MONTH_FIRST: 2, AMBIGUOUS: 3}


def date_kinds(times: Sequence[str | None], *, match: Any = None) -> Any:
    """The :func:`~itsm_core.cli.timeparse.date_order` of each text as a code (an int64
    array): 0 ``None``, 1 day-first, 2 month-first, 3 ambiguous; the slash form read in
    one vectorised step, any other text with a ``/`` by ``date_order`` itself (*match*:
    :func:`slash_match` of *times*, if the caller has it).

    >>> date_kinds(["25/3/2016 09:00", "3/25/2016 9:00 PM", "3/4/2016 09:00",
    ...             "4/4/2016 09:00", "2016-03-04T09:00", None, "\u00a03/4/2016 09:00"]).tolist()
    [1, 2, 3, 0, 0, 0, 3]
    """
    np, pa, pc, _ = _modules()
    out = np.zeros(len(times), dtype=np.int64)
    if not len(times):
        return out
    texts = pa.array(times, type=pa.string())
    found = pc.extract_regex(texts, _SLASH) if match is None else match
    ok = np.asarray(found.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if ok.any():
        a, b = _part_numbers(np, pa, pc, found, "a"), _part_numbers(np, pa, pc, found, "b")
        a_month = (a >= 1) & (a <= 12)
        b_month = (b >= 1) & (b <= 12)
        kind = np.where((a > 12) & b_month, 1,
                        np.where((b > 12) & a_month, 2,
                                 np.where(a_month & b_month & (a != b), 3, 0)))
        out = np.where(ok, kind, 0)
    slash = pc.fill_null(pc.match_substring(texts, "/"), False).to_numpy(zero_copy_only=False)
    for k in np.flatnonzero(~ok & np.asarray(slash, dtype=bool)).tolist():
        out[k] = _KIND_CODES[date_order(times[k])]
    return out

"""What a whole export says, before and after its tickets are evaluated.

Before: :func:`decide_order` decides once, from every value of the time column, whether
slash dates are day-first or month-first (a date is never guessed per row);
:func:`first_naive` and :func:`raise_first_naive_time` find a naive time when no ``--tz``
was given; :func:`constant_time_note` notices a time column that cannot run a clock (one
time on every row of every ticket).  After: :func:`check_evaluated` refuses a report in
which nothing was evaluated.

>>> classes_of(["25/3/2016 09:00", "3/25/2016 09:00"], DateKinds()) == {"day-first", "month-first"}
True
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo

from itsm_core.cli.csvread import RowLog, parse_rows
from itsm_core.cli.slashdates import DateKinds
from itsm_core.cli.timeparse import (
    AMBIGUOUS,
    DAY_FIRST,
    MONTH_FIRST,
    ORDERS,
    make_time_parser,
)
from itsm_core.errors import ConfigError, NaiveDatetimeError, shown
from itsm_core.sla.compliance import ComplianceAccumulator

__all__ = ["check_evaluated", "classes_of", "column_notes", "constant_time_note",
           "decide_order", "first_naive", "raise_first_naive_time"]

_LISTED = 5  # reasons named in the "nothing evaluated" error

_FORMATS = {DAY_FIRST: "%d/%m/%Y %H:%M", MONTH_FIRST: "%m/%d/%Y %H:%M"}


def classes_of(texts: Iterable[str], seen: DateKinds) -> set[str | None]:
    """The :func:`~itsm_core.cli.timeparse.date_order` of each of *texts*, as a set;
    *seen* keeps them by text (exports repeat timestamps a lot).

    >>> sorted(classes_of(["25/3/2016 09:00", "2016-03-25T09:00Z"], DateKinds()), key=str)
    [None, 'day-first']
    """
    return {seen[text] for text in texts}


def _texts(log: RowLog) -> set[str]:
    stride = 4 + len(log.fields)
    texts: set[str] = set()
    for flat in log.tickets.values():
        texts.update(flat[1::stride])
    return texts


def _first_of_each(log: RowLog) -> dict[str | None, tuple[int, str]]:
    """The first row (line, text) of each date order in the time column."""
    first: dict[str | None, tuple[int, str]] = {}
    seen = DateKinds()
    for ticket in log.tickets:
        for line, text, *_ in log.rows_of(ticket):
            kind = seen[text]
            if kind not in first or line < first[kind][0]:
                first[kind] = (line, text)
    return first


def first_naive(log: RowLog, time_format: str | None, tz: tzinfo | None) -> str | None:
    """The message of the export's first naive time (without *tz*), slash dates read in
    either order (a naive date is naive whatever its order), or ``None``.

    >>> import csv
    >>> from itsm_core.cli.csvread import collect_rows, read_header
    >>> reader = csv.reader(["ticket,at,state\\n", "T1,2016-03-01T09:00Z,New\\n",
    ...                      "T1,3/25/2016 09:00,Active\\n"])
    >>> first_naive(collect_rows(reader, columns=read_header(reader, {})), None, None)
    "line 3, column 'at': naive timestamp '3/25/2016 09:00' has no UTC offset; ..."
    """
    if tz is not None:
        return None
    at_name = log.columns.names["at"]
    found = []
    for order in ORDERS if time_format is None else (DAY_FIRST,):
        parse_time = make_time_parser(time_format, tz, order=order)
        for ticket in log.tickets:
            naive = parse_rows(log.rows_of(ticket), parse_time, at_name, [])[1]
            if naive is not None:
                found.append(naive)
    return min(found)[1] if found else None


def decide_order(log: RowLog, time_format: str | None, tz: tzinfo | None) -> str | None:
    """The order of the time column's slash dates, decided from all of them at once.

    A date whose first field is above 12 (``25/3/2016``) says day-first; one whose second
    field is above 12 (``3/25/2016``) month-first.  ``None``: nothing to decide (a
    ``--time-format`` is given, or no date needs an order: ISO 8601 times, ``4/4/2016``).

    Raises:
        ConfigError: (``--time-format``) the column holds both orders (the message names
            the first row against the order of the first deciding row), or dates that need
            an order and none that decides it.
        NaiveDatetimeError: a naive time without *tz* comes first (as :func:`first_naive`).

    >>> import csv
    >>> from itsm_core.cli.csvread import collect_rows, read_header
    >>> def log(*times):
    ...     reader = csv.reader(["ticket,at,state\\n", *(f"T1,{t},New\\n" for t in times)])
    ...     return collect_rows(reader, columns=read_header(reader, {}))
    >>> decide_order(log("3/4/2016 09:00", "3/25/2016 09:00"), None, None)
    'month-first'
    >>> decide_order(log("3/4/2016 09:00", "4/3/2016 09:00"), None, tz=None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.NaiveDatetimeError: line 2, column 'at': naive timestamp '3/4/2016 09:00' has no UTC offset; ...
    """
    if time_format is not None:
        return None
    kinds = classes_of(_texts(log), DateKinds())
    orders = [order for order in ORDERS if order in kinds]
    if len(orders) == 1:
        return orders[0]
    if not orders and AMBIGUOUS not in kinds:
        return None
    naive = first_naive(log, time_format, tz)
    if naive is not None:
        raise NaiveDatetimeError(naive)
    first = _first_of_each(log)
    column = shown(log.columns.names["at"])
    if not orders:
        line, text = first[AMBIGUOUS]
        raise ConfigError(
            "--time-format", f"column {column}: cannot tell day-first from month-first dates: "
            f"no date has a day above 12 (line {line}: {shown(text)} reads both ways)",
            f"--time-format '{_FORMATS[DAY_FIRST]}' (day first) or "
            f"'{_FORMATS[MONTH_FIRST]}' (month first)")
    decided, other = sorted(ORDERS, key=lambda order: first[order][0])
    (line, text), (since, example) = first[other], first[decided]
    raise ConfigError(
        "--time-format", f"line {line}, column {column}: {shown(text)} is {other}, but the "
        f"column is {decided} from line {since} ({shown(example)}) on",
        f"one date order in the column, or --time-format '{_FORMATS[decided]}' to read it "
        f"{decided} (the other dates are then unreadable rows)")


def constant_time_note(log: RowLog) -> str | None:
    """A warning when every ticket with several rows has one time on all of them (the
    time column is e.g. ``opened_at``, not the update time): no clock can run.

    >>> import csv
    >>> from itsm_core.cli.csvread import collect_rows, read_header
    >>> reader = csv.reader(["ticket,opened_at,state\\n", "T1,2016-03-01T09:00Z,New\\n",
    ...                      "T1,2016-03-01T09:00Z,Resolved\\n"])
    >>> columns = read_header(reader, {"at": "opened_at"})
    >>> print(constant_time_note(collect_rows(reader, columns=columns)))
    warning: column 'opened_at' holds one time on every row of each ticket, so no clock can run; map 'at' to the update time (--columns at=COLUMN) and, to start clocks at 'opened_at', give the definitions a retroactive start from that field ("start_from", see docs/sla.md)
    """
    stride = 4 + len(log.fields)
    several = 0
    for flat in log.tickets.values():
        if len(flat) > stride:
            if len(set(flat[1::stride])) > 1:
                return None
            several += 1
    if not several:
        return None
    column = shown(log.columns.names["at"])
    return (f"warning: column {column} holds one time on every row of each ticket, so no "
            "clock can run; map 'at' to the update time (--columns at=COLUMN) and, to start "
            f"clocks at {column}, give the definitions a retroactive start from that field "
            "(\"start_from\", see docs/sla.md)")


def column_notes(log: RowLog) -> tuple[str, ...]:
    """The notes the time column calls for (see :func:`constant_time_note`), as a tuple.

    >>> import csv
    >>> from itsm_core.cli.csvread import collect_rows, read_header
    >>> reader = csv.reader(["ticket,at,state\\n", "T1,2016-03-01T09:00Z,New\\n"])
    >>> column_notes(collect_rows(reader, columns=read_header(reader, {})))
    ()
    """
    note = constant_time_note(log)
    return () if note is None else (note,)


def raise_first_naive_time(log: RowLog, time_format: str | None, tz: tzinfo | None) -> None:
    """Read every time of *log* and raise the first naive one, as the report would.

    Raises:
        NaiveDatetimeError: a time is naive and there is no *tz*.

    >>> import csv
    >>> from itsm_core.cli.csvread import collect_rows, read_header
    >>> reader = csv.reader(["ticket,at,state\\n", "T1,2016-03-01 09:00,New\\n"])
    >>> raise_first_naive_time(collect_rows(reader, columns=read_header(reader, {})), None, None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.NaiveDatetimeError: line 2, column 'at': ...
    """
    naive = first_naive(log, time_format, tz)
    if naive is not None:
        raise NaiveDatetimeError(naive)


def check_evaluated(tickets: int, accumulator: ComplianceAccumulator,
                    earliest: datetime | None, as_of: datetime | None) -> None:
    """Raise when *tickets* were read but not one clock was measured: a report of nothing
    is a mistake (the policy does not fit the export, or ``--as-of`` is before it), not an
    empty table.

    Raises:
        ConfigError: naming ``--as-of`` or ``--policy`` and, for the policy, the reasons
            the tickets were not evaluated, with their counts.

    >>> check_evaluated(3, ComplianceAccumulator(("definition",)), None, None)
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --policy: no definition applies to any of the 3 tickets: nothing was evaluated; expected 'applies' conditions that some tickets meet
    """
    if tickets == 0 or accumulator.cycles:
        return
    if as_of is not None and earliest is not None and as_of < earliest:
        raise ConfigError("--as-of", f"{as_of.isoformat()} is before every row of the export "
                          f"(the first is at {earliest.isoformat()}): nothing to evaluate",
                          f"an instant at or after {earliest.isoformat()}")
    counts = accumulator.not_evaluated_counts()
    if not counts:
        raise ConfigError("--policy", f"no definition applies to any of the "
                          f"{tickets:,} tickets: nothing was evaluated",
                          "'applies' conditions that some tickets meet")
    listed = "; ".join(f"{d}: {r} ({n:,})" for d, r, n in counts[:_LISTED])
    more = f"; and {len(counts) - _LISTED} more" if len(counts) > _LISTED else ""
    what = ("the one ticket was not evaluated" if tickets == 1
            else f"none of the {tickets:,} tickets was evaluated")
    raise ConfigError("--policy", f"{what}: {listed}{more}",
                      "targets, start and stop conditions that fit the export's priorities "
                      "and states")

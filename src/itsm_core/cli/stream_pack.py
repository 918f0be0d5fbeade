"""Chunks of whole tickets as they travel and wait: packed with ``marshal`` for a worker,
compressed while kept in case a ticket gets rows again (:mod:`itsm_core.cli.stream`).

>>> chunk = [("T1", [2, "2016-03-01T09:00Z", "New", None])]
>>> unpack_chunk(pack_chunk(chunk)) == chunk == unarchive(zlib.compress(pack_chunk(chunk)))
True
"""

from __future__ import annotations

import io
import marshal
import zlib
from collections.abc import Sequence
from typing import Any

from itsm_core.cli.csvread import FlatRows

__all__ = ["Packed", "Ticket", "pack_chunk", "rows_in", "unarchive", "unpack_chunk",
           "unpacked"]

Ticket = tuple[str, FlatRows]  # a ticket's id and its flat raw rows


def pack_chunk(tickets: Sequence[Ticket]) -> bytes:
    """*tickets* as one ``marshal`` string for a worker of this same interpreter.

    The rows are plain strings, ints, ``None`` and tuples: ``marshal`` writes and reads
    them about ten times faster than ``pickle``, which matters because this process packs
    every chunk while it is still reading the file.

    >>> rows = [2, "2016-03-01T09:00Z", "New", None, "N"]
    >>> unpack_chunk(pack_chunk([("T1", rows)])) == [("T1", rows)]
    True
    """
    return marshal.dumps(list(tickets))


def unpack_chunk(blob: bytes) -> list[Ticket]:
    """The tickets :func:`pack_chunk` packed.

    >>> unpack_chunk(pack_chunk([("T1", []), ("T2", [4, "x", "New", None])]))
    [('T1', []), ('T2', [4, 'x', 'New', None])]
    """
    tickets: list[Ticket] = marshal.loads(blob)
    return tickets


def unarchive(archive: bytes) -> list[Ticket]:
    """The tickets of a :meth:`Evaluator.fold` archive.

    >>> unarchive(zlib.compress(pack_chunk([("T1", [2, "x", "New", None])])))
    [('T1', [2, 'x', 'New', None])]
    """
    return unpack_chunk(zlib.decompress(archive))


class Packed(list[Any]):
    """A ticket's flat rows while they wait for the end of an unsorted file: those packed
    so far as ``marshal`` strings one after the other (about 50 bytes a row instead of
    about 300 as objects), those read since in the list itself, where
    :func:`~itsm_core.cli.csvread.collect_rows` appends them as to any ticket's list.

    >>> rows = Packed([2, "9:00", "New", None])
    >>> rows += (5, "9:30", "Active", None)
    >>> len(rows), rows_in(rows), rows.full()
    (4, 8, [2, '9:00', 'New', None, 5, '9:30', 'Active', None])
    >>> rows.pack(); (len(rows), rows_in(rows), rows.full()[4:6])
    (0, 8, [5, '9:30'])
    """

    __slots__ = ("blob", "packed")

    def __init__(self, flat: FlatRows) -> None:
        super().__init__()
        self.blob = marshal.dumps(flat)
        self.packed = len(flat)

    def full(self) -> FlatRows:
        """Every row, packed or not, flat, in file order.

        >>> Packed([2, "9:00", "New", None]).full()
        [2, '9:00', 'New', None]
        """
        flat: FlatRows = []
        with io.BytesIO(self.blob) as packed:
            while packed.tell() < len(self.blob):
                flat += marshal.load(packed)
        return [*flat, *self]

    def pack(self) -> None:
        """Pack the rows read since the last packing after the others.

        >>> rows = Packed([])
        >>> rows += (2, "9:00", "New", None)
        >>> rows.pack(); (list(rows), rows.full())
        ([], [2, '9:00', 'New', None])
        """
        if self:
            self.blob += marshal.dumps(list(self))
            self.packed += len(self)
            self.clear()


def rows_in(flat: FlatRows) -> int:
    """The number of flat items of a ticket's rows, packed (:class:`Packed`) or not.

    >>> rows_in([2, "9:00", "New", None]), rows_in(Packed([2, "9:00", "New", None]))
    (4, 4)
    """
    return flat.packed + len(flat) if isinstance(flat, Packed) else len(flat)


def unpacked(tickets: Sequence[Ticket]) -> list[Ticket]:
    """*tickets* with their rows as plain flat lists (:class:`Packed` ones unpacked).

    >>> unpacked([("T1", Packed([2, "9:00", "New", None]))])
    [('T1', [2, '9:00', 'New', None])]
    """
    return [(ticket, flat.full() if isinstance(flat, Packed) else flat)
            for ticket, flat in tickets]

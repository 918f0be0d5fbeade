"""The export's bytes for the columnar reader: read once, in blocks, and checked on the way.

pyarrow reads the export through a :class:`ScannedBytes` stream, so the file is never
held whole (the columnar engine's memory is its columns, not its text).  As the blocks go
by, the stream checks what the pure reader would find in the whole text: that it is
UTF-8, whether it holds a quote or a carriage return (then a value may span lines), how
many lines it has and which of them are empty.  Gzip data (starting with ``1f 8b``,
concatenated members one stream) is decompressed on the way; a byte-order mark at the
start is skipped.  A problem (not UTF-8, corrupt gzip data, a read error) ends the stream
and is kept in :attr:`ScannedBytes.problem`: the caller lets the pure reader report it.

>>> import io
>>> stream = ScannedBytes(io.BytesIO(b"a,b\\n\\nx,y\\r\\n\\r\\n"))
>>> stream.header, stream.read(), stream.finish()
(b'a,b', b'a,b\\n\\nx,y\\r\\n\\r\\n', None)
>>> stream.lines, stream.empty, stream.quoted
(4, [2, 4], True)
"""

from __future__ import annotations

import codecs
import zlib
from typing import IO

__all__ = ["BAD_GZIP", "BLOCK", "NOT_UTF8", "UNREADABLE", "ScannedBytes"]

#: :attr:`ScannedBytes.problem` values.
NOT_UTF8 = "the file is not UTF-8"
BAD_GZIP = "the gzip data cannot be decompressed"
UNREADABLE = "the file cannot be read"

#: Bytes per read (and at most per decompressed piece): pyarrow's block size too.
BLOCK = 1 << 22
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = codecs.BOM_UTF8


class ScannedBytes:
    """A binary stream over the export *raw* (gunzipped, without a byte-order mark) that
    checks the bytes it hands out (see the module).

    Attributes:
        header: the first line's bytes (without its end), read when the stream is made.
        problem: ``None``, or :data:`NOT_UTF8`, :data:`BAD_GZIP` or :data:`UNREADABLE`.
        lines: the lines read (a last line without an end counts); empty: the numbers of
            the empty lines; quoted: whether a ``"`` or a ``\\r`` was read.

    >>> import gzip, io
    >>> stream = ScannedBytes(io.BytesIO(gzip.compress(b"\\xef\\xbb\\xbfh\\n") * 2))
    >>> stream.read(2), stream.read(), stream.finish(), stream.lines
    (b'h\\n', b'\\xef\\xbb\\xbfh\\n', None, 2)
    >>> ScannedBytes(io.BytesIO(b"h\\n\\xff\\n")).finish()
    'the file is not UTF-8'
    """

    def __init__(self, raw: IO[bytes]) -> None:
        import numpy as np  # noqa: PLC0415 - optional dependency
        self._raw = raw
        self._inflater: zlib._Decompress | None = None
        self._compressed = b""  # gzip data not decompressed yet
        self._fed = False  # the inflater has data of a member it has not seen end
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._undecoded = False  # the decoder holds the start of a character
        self._buffer: list[bytes] = []  # read, scanned, not handed out yet
        self._buffered = 0
        self._ended = False
        self._last = b""  # the last byte scanned
        self._start = 0  # where the current line starts, from the next block's start
        self._np = np
        self.problem: str | None = None
        self.newlines = 0
        self.empty: list[int] = []
        self.quoted = False
        first = b""
        while len(first) < len(_GZIP_MAGIC) and (more := self._read()):
            first += more
        if first.startswith(_GZIP_MAGIC):
            self._inflater, self._compressed = zlib.decompressobj(31), first
            first = b""
        while len(first) < len(_BOM) and (more := self._next()):
            first += more
        if first.startswith(_BOM):
            first = first[len(_BOM):]
        if first:
            self._take(first)
        while not self._ended and not any(b"\n" in b for b in self._buffer) \
                and self._buffered < BLOCK:
            self._pull()
        head = b"".join(self._buffer)
        self._buffer = [head] if head else []
        end = head.find(b"\n")
        self.header = (head if end < 0 else head[:end]).rstrip(b"\r")

    @property
    def lines(self) -> int:
        """The lines scanned (a last line without an end counts).

        >>> import io
        >>> stream = ScannedBytes(io.BytesIO(b"a\\nb"))
        >>> stream.finish(), stream.lines
        (None, 2)
        """
        return self.newlines + (0 if self._last in (b"", b"\n") else 1)

    def read(self, size: int = -1) -> bytes:
        """Up to *size* bytes (``-1``: all that are left); ``b""`` at the end.

        >>> import io
        >>> ScannedBytes(io.BytesIO(b"ab\\ncd")).read(4)
        b'ab\\nc'
        """
        while (size < 0 or self._buffered < size) and not self._ended:
            self._pull()
        data = b"".join(self._buffer)
        if 0 <= size < len(data):
            data, rest = data[:size], data[size:]
            self._buffer, self._buffered = [rest], len(rest)
        else:
            self._buffer, self._buffered = [], 0
        return data

    def readable(self) -> bool:
        """A stream to read (for pyarrow).

        >>> import io
        >>> ScannedBytes(io.BytesIO(b"")).readable()
        True
        """
        return True

    @property
    def closed(self) -> bool:
        """Never closed (the caller closes *raw*).

        >>> import io
        >>> ScannedBytes(io.BytesIO(b"")).closed
        False
        """
        return False

    def close(self) -> None:
        """Nothing to do (the caller closes *raw*).

        >>> import io
        >>> ScannedBytes(io.BytesIO(b"")).close()
        """

    def finish(self) -> str | None:
        """Read to the end (what pyarrow left) and give the :attr:`problem`, if any.

        >>> import io
        >>> ScannedBytes(io.BytesIO(b"a\\n\\xc3")).finish()
        'the file is not UTF-8'
        """
        while not self._ended:
            self._pull()
        self._buffer, self._buffered = [], 0
        return self.problem

    def _pull(self) -> None:
        block = self._next()
        if block:
            self._take(block)

    def _read(self) -> bytes:
        """The next block of *raw* (``b""`` at its end or on a read error)."""
        if self._ended:
            return b""
        try:
            return self._raw.read(BLOCK)
        except OSError:
            self._stop(UNREADABLE)
            return b""

    def _next(self) -> bytes:
        """The next piece of the data (decompressed), ``b""`` at its end."""
        block = self._read() if self._inflater is None else self._inflate()
        if not block and not self._ended:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self._stop(NOT_UTF8)
            self._stop(None)
        return block

    def _inflate(self) -> bytes:
        """The next decompressed piece (at most a block), ``b""`` at the end."""
        assert self._inflater is not None
        while True:
            if not self._compressed:
                self._compressed = self._read()
                if not self._compressed:
                    if self._fed:  # a member without its end
                        self._stop(BAD_GZIP)
                    return b""
            try:
                out = self._inflater.decompress(self._compressed, BLOCK)
            except zlib.error:
                self._stop(BAD_GZIP)
                return b""
            self._fed = True
            if self._inflater.eof:  # the next member (if any) follows
                self._compressed = self._inflater.unused_data
                self._inflater, self._fed = zlib.decompressobj(31), False
            else:
                self._compressed = self._inflater.unconsumed_tail
            if out:
                return out

    def _stop(self, problem: str | None) -> None:
        self._ended = True
        self.problem = self.problem or problem

    def _take(self, block: bytes) -> None:
        """Scan *block* and keep it to hand out: bytes methods and one numpy pass (the
        newlines' offsets), a decoding attempt only for a block that is not ASCII."""
        if self._undecoded or not block.isascii():
            try:
                self._decoder.decode(block)
            except UnicodeDecodeError:
                self._stop(NOT_UTF8)
                return
            self._undecoded = bool(self._decoder.getstate()[0])
        if not self.quoted:
            self.quoted = b'"' in block or b"\r" in block
        self._scan_lines(block)
        self._last = block[-1:]
        self._buffer.append(block)
        self._buffered += len(block)

    def _scan_lines(self, block: bytes) -> None:
        """Count the lines that end in *block* and note the empty ones (nothing before
        their ``\n`` but, at most, a ``\r``)."""
        np = self._np
        ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
        if not len(ends):
            self._start -= len(block)
            return
        # each line's length: from its start (offset in this block; negative when it
        # started in an earlier block) to its newline
        lengths = np.diff(ends, prepend=self._start - 1) - 1
        for k in np.flatnonzero(lengths <= 1).tolist():
            end = int(ends[k])
            before = block[end - 1:end] if end else self._last
            if lengths[k] == 0 or before == b"\r":
                self.empty.append(self.newlines + k + 1)
        self.newlines += len(ends)
        self._start = int(ends[-1]) + 1 - len(block)

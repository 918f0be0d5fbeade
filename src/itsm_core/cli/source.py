"""Reading the export: a file or standard input, gzip or not, decoded, its delimiter found.

``sla-report`` reads its EVENTS argument as a stream (:func:`open_events`): it never
holds the whole file.  The first complete lines (about a megabyte, the *head*) are read,
decompressed and decoded before any row is parsed, so a problem there (a missing file,
data that is not gzip after all, a wrong encoding) is reported first; the delimiter and
the shape are decided from the head; the rows are then read on from the same stream.

- ``-`` reads standard input (its bytes; text when it has no byte buffer);
- data starting with gzip's magic bytes (``1f 8b``) is decompressed, whatever the file
  is called (concatenated members are one stream);
- the text is decoded with ``--encoding`` (default UTF-8, a byte-order mark skipped); a
  byte after the head that does not decode is an error naming its line;
- the delimiter is ``--delimiter`` or, by default, sniffed from the header line.

The columnar engine reads the export itself, once, in blocks
(:mod:`itsm_core.cli.columnar_source`); it uses this module for the head.

>>> sniff_delimiter("ticket;at;state\\nT1;2016-03-01T09:00Z;New\\n")
';'
>>> parse_delimiter("tab")
'\\t'
"""

from __future__ import annotations

import codecs
import io
import itertools
import os
import stat
import weakref
import zlib
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from itsm_core.errors import ConfigError, shown

__all__ = ["DELIMITERS", "HEAD_CHARS", "STDIN", "EventLines", "open_events", "parse_delimiter",
           "sniff_delimiter"]

#: The EVENTS argument that means standard input.
STDIN = "-"
#: The delimiters :func:`sniff_delimiter` chooses among, preferred in this order on a tie.
DELIMITERS = (",", ";", "\t", "|")

_GZIP_MAGIC = b"\x1f\x8b"
#: The head of a streamed export: its first complete lines, this many characters or more.
HEAD_CHARS = 1 << 20
_BLOCK = 1 << 20  # bytes per read (and at most per decompressed piece)
_SNIFF_CHARS = 1_000_000  # a header line is read this far at most (an unclosed quote)
_EVENTS = "EVENTS.csv"
_EVENTS_FORM = "a CSV file with a header line (or '-' for standard input)"
_NAMED = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_DELIMITER_FORM = "one character such as ';' or '|', or 'tab' (or '\\t')"


def _label(path: str) -> str:
    return "standard input" if path == STDIN else shown(path)


def parse_delimiter(text: str | None) -> str | None:
    """The ``--delimiter`` option: one character, or a name (``tab``, ``comma``,
    ``semicolon``, ``pipe``, or ``\\t``); ``None`` when not given (then it is sniffed).

    Raises:
        ConfigError: anything else, or a quote or line-break character.

    >>> parse_delimiter(";"), parse_delimiter(None)
    (';', None)
    >>> parse_delimiter("::")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --delimiter: cannot use '::' as the delimiter; expected one character such as ';' or '|', or 'tab' (or '\\t')
    """
    if text is None:
        return None
    delimiter = _NAMED.get(text.lower(), text)
    if len(delimiter) != 1 or delimiter in "\"\r\n":
        raise ConfigError("--delimiter", f"cannot use {shown(text)} as the delimiter",
                          _DELIMITER_FORM)
    return delimiter


def sniff_delimiter(text: str) -> str:
    """The delimiter of the CSV *text*: whichever of ``,`` ``;`` tab ``|`` occurs most
    often in its header line (outside quotes); on a tie the first in that order, and
    ``,`` when the header holds none of them.

    >>> sniff_delimiter("ticket\\tat\\tstate\\n"), sniff_delimiter('"a;b",c\\n')
    ('\\t', ',')
    >>> sniff_delimiter("ticket\\n")
    ','
    """
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text[:_SNIFF_CHARS]:
        if char == '"':
            quoted = not quoted  # a doubled quote "" toggles twice: still inside
        elif quoted:
            continue
        elif char in "\r\n":
            break
        elif char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    return best if counts[best] else ","


def _check_encoding(encoding: str) -> None:
    """Refuse an unknown encoding, or a codec that is not a text encoding."""
    try:
        codecs.lookup(encoding)
    except (LookupError, ValueError):  # ValueError: a name with a NUL character
        raise ConfigError("--encoding", f"unknown encoding {shown(encoding)}",
                          "a Python codec name such as utf-8 or cp1252") from None
    try:
        b"\n".decode(encoding)  # (an empty input is not checked)
    except LookupError:  # a codec that is not a text encoding (base64, rot13, ...)
        raise ConfigError("--encoding", f"{shown(encoding)} is not a text encoding",
                          "a Python codec name such as utf-8 or cp1252") from None
    except (UnicodeError, ValueError):  # a text encoding with wider characters (utf-16)
        pass


def _breaks(text: str) -> int:
    """The line breaks in *text* (``\\n``, ``\\r`` or ``\\r\\n``, as ``newline=""`` reads)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


class EventLines:
    """An export opened as a stream of text lines (:func:`open_events` opens it).

    Args:
        raw: the input's bytes (gunzipped if they start as gzip data, decoded with
            *encoding*), or ``None`` when *text* is given: a text input read as it is.
        path: the EVENTS argument, for messages; size: see below (``-1``: unknown);
        own: close *raw* once it is read to its end.

    Attributes:
        head: the first complete lines, decoded (:data:`HEAD_CHARS` characters or more,
            or the whole input when it is shorter; the start of the first line when no
            line ends that early): what the delimiter and the shape are decided on.
        size: the input's size in bytes when known before reading it (a file's size on
            disk, compressed for gzip data); for standard input, the bytes read for the
            head, or ``-1`` when more follow (unknown, longer than the head).
        emitted: the whole lines read so far (a later decoding error names the next).

    :meth:`lines` gives every line, the head's first: as a ``newline=""`` text file
    gives them (ends kept, ``\\r\\n``, ``\\n`` or ``\\r``).  The file is closed when the
    last line has been read, or when this object is let go.

    >>> import io
    >>> lines = EventLines(io.BytesIO(b"ticket,at\\r\\nT1,x\\n"), None, "utf-8", "x.csv")
    >>> lines.head, list(lines.lines())
    ('ticket,at\\r\\nT1,x\\n', ['ticket,at\\r\\n', 'T1,x\\n'])
    """

    def __init__(self, raw: BinaryIO | None, text: TextIO | None, encoding: str,
                 path: str, size: int = -1, *, own: bool = False) -> None:
        self._raw, self._text, self._path, self._encoding = raw, text, path, encoding
        self._own = own  # close *raw* at its end
        self._carry = ""  # the end of the text read that is not a whole line yet
        self._read_so_far = 0  # bytes (characters for a text input) read so far
        self._in_head = True
        self.emitted = 0  # whole lines handed on
        self._lists = self._line_lists()
        first: list[list[str]] = []
        chars = 0
        ended = True
        for lines in self._lists:
            first.append(lines)
            chars += sum(map(len, lines))
            if chars + len(self._carry) >= HEAD_CHARS:
                ended = False
                break
        self._in_head = False
        self.size = size if size >= 0 else (self._read_so_far if ended else -1)
        self.head = "".join(itertools.chain.from_iterable(first)) or self._carry
        self._first = first

    def lines(self) -> Iterator[str]:
        """Every line of the input, the head's first (once: the stream is read on).

        >>> import io
        >>> list(EventLines(None, io.StringIO("a\\rb"), "utf-8", "-").lines())
        ['a\\r', 'b']
        """
        first, self._first = self._first, []
        return itertools.chain.from_iterable(itertools.chain(first, self._lists))

    def _line_lists(self) -> Iterator[list[str]]:
        carry = ""
        for text in self._texts():
            lines = io.StringIO(carry + text, newline="").readlines()
            carry = lines.pop() if lines and not lines[-1].endswith("\n") else ""
            self._carry = carry
            self.emitted += len(lines)
            yield lines
        if carry:
            self.emitted += 1
            self._carry = ""
            yield [carry]
        if self._own and self._raw is not None:
            self._raw.close()

    def _texts(self) -> Iterator[str]:
        """The input's text, piece by piece, decompressed and decoded."""
        if self._text is not None:
            while True:
                piece = self._read_text(self._text)
                if not piece:
                    return
                yield piece
        decoder = codecs.getincrementaldecoder(self._encoding)()
        for block in self._blocks():
            try:
                piece = decoder.decode(block)
            except UnicodeError as exc:
                raise self._undecodable(exc) from None
            if piece:
                yield piece
        try:
            piece = decoder.decode(b"", final=True)
        except UnicodeError as exc:
            raise self._undecodable(exc) from None
        if piece:
            yield piece

    def _read_text(self, text: TextIO) -> str:
        try:
            piece = text.read(_BLOCK)
        except OSError as exc:
            raise _unreadable(self._path, exc) from None
        self._read_so_far += len(piece)
        return piece

    def _read(self, raw: BinaryIO) -> bytes:
        try:
            block = raw.read(_BLOCK)
        except OSError as exc:
            raise _unreadable(self._path, exc) from None
        self._read_so_far += len(block)
        return block

    def _blocks(self) -> Iterator[bytes]:
        """The input's bytes, block by block, gunzipped when they start as gzip data."""
        raw = self._raw
        assert raw is not None
        first = self._read(raw)
        while 0 < len(first) < len(_GZIP_MAGIC):
            more = self._read(raw)
            if not more:
                break
            first += more
        blocks = itertools.chain([first], iter(lambda: self._read(raw), b""))
        if not first.startswith(_GZIP_MAGIC):
            yield from blocks
            return
        try:
            yield from _gunzip(blocks)
        except (OSError, EOFError, zlib.error) as exc:
            raise ConfigError(_EVENTS, f"{_label(self._path)} starts like gzip data but cannot "
                                       f"be decompressed ({str(exc)[:200]})",
                              "a complete .gz file, or plain CSV text") from None

    def _undecodable(self, exc: UnicodeError) -> ConfigError:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)[:200]
        where = ""
        if isinstance(exc, UnicodeDecodeError) and not self._in_head:
            good = bytes(exc.object[:exc.start]).decode(self._encoding, "replace")
            line = self.emitted + _breaks(self._carry + good) + 1
            where = f"line {line}: "
        return ConfigError(_EVENTS, f"{where}{_label(self._path)} is not {self._encoding} "
                                    f"({reason})", "--encoding NAME, e.g. --encoding cp1252")


def _unreadable(path: str, exc: OSError) -> ConfigError:
    return ConfigError(_EVENTS, f"cannot read {_label(path)} ({exc.strerror or exc})",
                       _EVENTS_FORM)


def _gunzip(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """The decompressed bytes of gzip *blocks* (members one after the other), in pieces
    of at most a block.

    Raises:
        zlib.error: the data is not gzip data; EOFError: it ends inside a member.
    """
    inflater = zlib.decompressobj(31)
    fed = False
    for block in blocks:
        data = block
        while data:
            fed = True
            out = inflater.decompress(data, _BLOCK)
            if out:
                yield out
            if inflater.eof:
                data = inflater.unused_data
                inflater, fed = zlib.decompressobj(31), False
            else:
                data = inflater.unconsumed_tail
    if fed and not inflater.eof:
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")


def open_events(path: str, stdin: TextIO, encoding: str) -> EventLines:
    """The export at *path* opened as a stream of lines (``-``: *stdin*, its bytes, or
    its text when it has no byte buffer), its head read (:class:`EventLines`).

    Raises:
        ConfigError: the file cannot be read (path ``EVENTS.csv``), the encoding is
            unknown or not a text encoding (path ``--encoding``), or the head is not gzip
            data though it starts like it, or is not in the encoding (path
            ``EVENTS.csv``).  Past the head, the same problems are raised as the lines
            are read, naming the line.

    >>> import gzip, io
    >>> open_events("-", io.TextIOWrapper(io.BytesIO(gzip.compress(b"ticket,at\\n"))),
    ...             "utf-8").head
    'ticket,at\\n'
    >>> open_events("no-such-events.csv", io.StringIO(), "utf-8")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: EVENTS.csv: cannot read 'no-such-events.csv' (No such file or directory); expected a CSV file with a header line (or '-' for standard input)
    """
    if path == STDIN:
        buffer: BinaryIO | None = getattr(stdin, "buffer", None)
        if buffer is None:
            return EventLines(None, stdin, encoding, path)
        _check_encoding(encoding)
        return EventLines(buffer, None, encoding, path)
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed when read, or when let go
    except OSError as exc:
        raise _unreadable(path, exc) from None
    try:
        _check_encoding(encoding)
        info = os.fstat(file.fileno())
        size = info.st_size if stat.S_ISREG(info.st_mode) else -1
        lines = EventLines(file, None, encoding, path, size, own=True)
    except BaseException:
        file.close()
        raise
    weakref.finalize(lines, file.close)
    return lines

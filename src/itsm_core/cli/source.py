"""Reading the export: a file or standard input, gzip or not, decoded, its delimiter found.

``sla-report`` reads its EVENTS argument whole before any row is parsed, so every input
problem (a missing file, a corrupt gzip stream, a wrong encoding) is reported first:

- ``-`` reads standard input (its bytes; text when it has no byte buffer);
- data starting with gzip's magic bytes (``1f 8b``) is decompressed, whatever the file
  is called;
- the text is decoded with ``--encoding`` (default UTF-8, a byte-order mark skipped);
- the delimiter is ``--delimiter`` or, by default, sniffed from the header line.

>>> sniff_delimiter("ticket;at;state\\nT1;2016-03-01T09:00Z;New\\n")
';'
>>> parse_delimiter("tab")
'\\t'
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from typing import BinaryIO, TextIO

from itsm_core.errors import ConfigError, shown

__all__ = ["DELIMITERS", "STDIN", "decode_events", "parse_delimiter", "read_events",
           "sniff_delimiter"]

#: The EVENTS argument that means standard input.
STDIN = "-"
#: The delimiters :func:`sniff_delimiter` chooses among, preferred in this order on a tie.
DELIMITERS = (",", ";", "\t", "|")

_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_CHARS = 1_000_000  # a header line is read this far at most (an unclosed quote)
_EVENTS = "EVENTS.csv"
_EVENTS_FORM = "a CSV file with a header line (or '-' for standard input)"
_NAMED = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_DELIMITER_FORM = "one character such as ';' or '|', or 'tab' (or '\\t')"


def _label(path: str) -> str:
    return "standard input" if path == STDIN else shown(path)


def read_events(path: str, stdin: TextIO) -> bytes | str:
    """The bytes of the export at *path*, gunzipped if they are gzip data; ``-`` reads
    *stdin* (its text, when it has no byte buffer).

    Raises:
        ConfigError: the file cannot be read, or its gzip data is corrupt.

    >>> import io
    >>> read_events("-", io.TextIOWrapper(io.BytesIO(gzip.compress(b"ticket,at,state\\n"))))
    b'ticket,at,state\\n'
    >>> read_events("no-such-events.csv", io.StringIO())
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: EVENTS.csv: cannot read 'no-such-events.csv' (No such file or directory); expected a CSV file with a header line (or '-' for standard input)
    """
    data: bytes | str
    try:
        if path == STDIN:
            buffer: BinaryIO | None = getattr(stdin, "buffer", None)
            data = stdin.read() if buffer is None else buffer.read()
        else:
            with open(path, "rb") as file:
                data = file.read()
    except OSError as exc:
        raise ConfigError(_EVENTS, f"cannot read {_label(path)} ({exc.strerror or exc})",
                          _EVENTS_FORM) from None
    if isinstance(data, bytes) and data.startswith(_GZIP_MAGIC):
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            raise ConfigError(_EVENTS, f"{_label(path)} starts like gzip data but cannot be "
                                       f"decompressed ({str(exc)[:200]})",
                              "a complete .gz file, or plain CSV text") from None
    return data


def decode_events(data: bytes | str, path: str, encoding: str) -> str:
    """*data* decoded with *encoding* (text is returned as it is).

    Raises:
        ConfigError: the encoding is unknown or not a text encoding (path ``--encoding``),
            or *data* is not in it (path ``EVENTS.csv``).

    >>> decode_events("Résolu".encode("cp1252"), "x.csv", "cp1252")
    'Résolu'
    >>> decode_events(b"\\xff", "x.csv", "utf-8")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: EVENTS.csv: 'x.csv' is not utf-8 (invalid start byte); expected --encoding NAME, e.g. --encoding cp1252
    """
    if isinstance(data, str):
        return data
    try:
        codecs.lookup(encoding)
    except (LookupError, ValueError):  # ValueError: a name with a NUL character
        raise ConfigError("--encoding", f"unknown encoding {shown(encoding)}",
                          "a Python codec name such as utf-8 or cp1252") from None
    try:
        return data.decode(encoding)
    except LookupError:  # a codec that is not a text encoding (base64, rot13, ...)
        raise ConfigError("--encoding", f"{shown(encoding)} is not a text encoding",
                          "a Python codec name such as utf-8 or cp1252") from None
    except UnicodeError as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)[:200]
        raise ConfigError(_EVENTS, f"{_label(path)} is not {encoding} ({reason})",
                          "--encoding NAME, e.g. --encoding cp1252") from None


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

"""What reaches the terminal: messages made printable, help text that never breaks a word.

Messages echo user values (file names, column names, keys); :func:`printable` writes any
control character, line break or escape sequence among them as a Python escape, so that a
message stays one inert line on the terminal.

>>> printable("ticket INC1\\r\\n")
'ticket INC1\\\\r\\\\n'
"""

from __future__ import annotations

import argparse
import re
import textwrap
from typing import NoReturn

__all__ = ["HelpFormatter", "Parser", "printable"]

_SPACES = re.compile(r"\s+")


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, wrapping at spaces only: a word, an option name or a
    hyphenated name (``sla-report``, ``--time-format``) is never split across lines.

    >>> HelpFormatter("prog")._split_lines("read --time-format values", 8)
    ['read', '--time-format', 'values']
    """

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(_SPACES.sub(" ", text).strip(), width,
                             break_long_words=False, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return textwrap.fill(_SPACES.sub(" ", text).strip(), width, initial_indent=indent,
                             subsequent_indent=indent, break_long_words=False,
                             break_on_hyphens=False)


class Parser(argparse.ArgumentParser):
    """argparse's parser, its error messages made printable (they echo the arguments).

    >>> Parser(prog="x").format_usage()
    'usage: x [-h]\\n'
    """

    def error(self, message: str) -> NoReturn:
        """Exit 2 with *message* made printable, as argparse does with the message itself.

        >>> import contextlib, io
        >>> err = io.StringIO()
        >>> with contextlib.redirect_stderr(err):
        ...     try:
        ...         Parser(prog="x").error("bad value 'a\\rb'")
        ...     except SystemExit as exit:
        ...         print(exit.code)
        2
        >>> err.getvalue().splitlines()[-1]
        "x: error: bad value 'a\\\\rb'"
        """
        super().error(printable(message))


def printable(text: str) -> str:
    """*text* with every unprintable character (control characters, line breaks, escape
    sequences) written as a Python escape, so that a message stays one inert line.

    >>> print(printable("policy.json: definitions[0].\\x1b[31m\\r: unknown key"))
    policy.json: definitions[0].\\x1b[31m\\r: unknown key
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)

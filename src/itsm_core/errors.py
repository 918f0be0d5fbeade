"""The error hierarchy: one root, each subclass also inheriting the builtin it refines.

Every failure the library reports is an :class:`ItsmError`, so callers can catch the
whole family at once, and each subclass is also the matching builtin (``ValueError``
or ``TypeError``), so generic handlers keep working.

>>> try:
...     raise ConfigError("hours.tue[1]", "bad end '25:00'", "HH:MM or HH:MM:SS, at most 24:00")
... except ValueError as exc:
...     print(exc)
hours.tue[1]: bad end '25:00'; expected HH:MM or HH:MM:SS, at most 24:00
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable

__all__ = [
    "ArgumentTypeError",
    "ConfigError",
    "DomainError",
    "InvalidArgumentError",
    "ItsmError",
    "NaiveDatetimeError",
    "NoBusinessTimeError",
    "UnknownNameError",
    "shown",
]


class ItsmError(Exception):
    """Root of every error raised by itsm_core.

    >>> issubclass(ConfigError, ItsmError)
    True
    """


class _Bounded(reprlib.Repr):
    """``reprlib`` with every part bounded, including integers too long to print."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxstring = self.maxother = self.maxlong = limit
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = self.maxfrozenset = 6

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 4 * self.maxlong:  # about maxlong digits and more
            return f"<int of {x.bit_length()} bits>"
        return super().repr_int(x, level)


def shown(value: object, limit: int = 60) -> str:
    """A bounded ``repr`` of *value* for an error message: never longer than about *limit*
    characters per part, never deeper than three levels, and never failing (a value whose
    own ``repr`` fails or is too large to print is shown by its type).

    >>> shown("x" * 200)[:12], len(shown("x" * 200)) <= 64
    ("'xxxxxxxxxxx", True)
    >>> shown(10 ** 5000), shown([[[[[1]]]]])
    ('<int of 16610 bits>', '[[[[...]]]]')
    """
    try:
        return _Bounded(limit).repr(value)
    except Exception:  # a message must be built whatever the value's repr does
        return f"<{type(value).__name__}>"


def _under(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path:
        return prefix
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"


_PATH_SHOWN = 200


def _path(path: object) -> str:
    """*path* as shown in a message: a string, at most about 200 characters."""
    text = path if isinstance(path, str) else shown(path)
    if len(text) > _PATH_SHOWN:
        half = _PATH_SHOWN // 2
        text = f"{text[:half]}...{text[-half:]}"
    return text


def _format(path: str, problem: str, expected: str | None) -> str:
    text = f"{path}: {problem}" if path else problem
    return f"{text}; expected {expected}" if expected else text


class ConfigError(ItsmError, ValueError):
    """A configuration value is malformed; the message names its path and expected form.

    Attributes:
        path: where the offending value sits, e.g. ``"hours.tue[1]"``.
        problem: what is wrong with it.
        expected: the form that would have been accepted, if one can be shown.

    >>> err = ConfigError("timezone", "unknown time zone 'Mars/Olympus'", "an IANA name")
    >>> err.path
    'timezone'
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, path: str, problem: str, expected: str | None = None) -> None:
        path = _path(path)
        super().__init__(_format(path, problem, expected))
        self.path = path
        self.problem = problem
        self.expected = expected

    def __reduce__(self) -> tuple[type[ConfigError], tuple[str, str, str | None]]:
        return (type(self), (self.path, self.problem, self.expected))

    def under(self, prefix: str) -> ConfigError:
        """The same error with its path placed under *prefix* (a nested value's path).

        >>> ConfigError("hours.mon", "bad shift").under("versions[0].calendar").path
        'versions[0].calendar.hours.mon'
        >>> ConfigError("[2]", "bad window").under("windows").path
        'windows[2]'
        """
        return type(self)(_under(prefix, self.path), self.problem, self.expected)


class InvalidArgumentError(ItsmError, ValueError):
    """A call argument has the right type but a value outside its domain.

    >>> isinstance(InvalidArgumentError("d: must be >= 0"), ValueError)
    True
    """


class ArgumentTypeError(ItsmError, TypeError):
    """A call argument has the wrong type.

    >>> isinstance(ArgumentTypeError("t: expected a datetime"), TypeError)
    True
    """


class NaiveDatetimeError(ItsmError, TypeError):
    """A naive ``datetime`` was given where an aware instant is required.

    >>> isinstance(NaiveDatetimeError("t: naive datetime"), TypeError)
    True
    """


class NoBusinessTimeError(ItsmError, ValueError):
    """A query needed open business time and none exists within the search horizon.

    >>> isinstance(NoBusinessTimeError("no open time"), ValueError)
    True
    """


class DomainError(ItsmError, ValueError):
    """A mathematical precondition fails (e.g. Erlang C with agents <= traffic).

    >>> isinstance(DomainError("agents must exceed traffic"), ValueError)
    True
    """


_KNOWN_SHOWN = 30


class UnknownNameError(ItsmError, KeyError):
    """A lookup by name found nothing; the message lists the names that exist.

    >>> err = UnknownNameError("preset", "itil-5x5", ["itil", "servicenow-incident"])
    >>> print(err)
    preset: unknown name 'itil-5x5'; expected one of 'itil', 'servicenow-incident'
    >>> isinstance(err, KeyError), err.name
    (True, 'itil-5x5')
    """

    def __init__(self, what: str, name: object, known: Iterable[object] = ()) -> None:
        self.what = what = _path(what)
        self.name = name
        self.known = tuple(known)
        listed = ", ".join(shown(k) for k in self.known[:_KNOWN_SHOWN])
        if len(self.known) > _KNOWN_SHOWN:
            listed += f", ... ({len(self.known)} in all)"
        expected = listed if self.known else None
        super().__init__(_format(what, f"unknown name {shown(name)}",
                                 f"one of {expected}" if expected else None))

    def under(self, prefix: str) -> UnknownNameError:
        """The same error with the place of the lookup put under *prefix*.

        >>> UnknownNameError("calendar", "uk", ["london"]).under("definitions[0]").what
        'definitions[0].calendar'
        """
        return type(self)(_under(prefix, self.what), self.name, self.known)

    def __str__(self) -> str:  # KeyError would show the message quoted
        return str(self.args[0])

    def __reduce__(self) -> tuple[type[UnknownNameError], tuple[str, object, tuple[object, ...]]]:
        return (type(self), (self.what, self.name, self.known))

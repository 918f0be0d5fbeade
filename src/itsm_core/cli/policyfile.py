"""Loading an SLA policy from a JSON or TOML file (or the demo's packaged JSON).

The file holds exactly what :meth:`itsm_core.sla.policy.SlaPolicy.from_dict` reads.
TOML needs Python 3.11's ``tomllib`` (or the ``tomli`` package on 3.10); without either
the error says to use JSON.  Every failure is a :class:`~itsm_core.errors.ConfigError`
whose path starts with the file name.

>>> policy = load_demo_policy()
>>> [d.name for d in policy.definitions]
['response', 'resolution']
"""

from __future__ import annotations

import importlib
import json
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

from itsm_core._config import MAX_DEPTH, check_depth
from itsm_core.errors import ArgumentTypeError, ConfigError, UnknownNameError, shown
from itsm_core.sla.policy import SlaPolicy

__all__ = ["load_demo_policy", "load_policy", "policy_from_text"]

_KNOWN_SHOWN = 20  # names listed in an "unknown name" message
_NESTING = f"at most {MAX_DEPTH} levels of mappings and lists"
_FORMS = "a .json or .toml file holding {'calendars': {...}, 'definitions': [...]}"


def _toml() -> ModuleType | None:
    for name in ("tomllib", "tomli"):  # the stdlib on 3.11+, the backport on 3.10
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:  # pragma: no cover - Python 3.10
            continue
    return None  # pragma: no cover - Python 3.10 without tomli


def policy_from_text(text: str, name: str, kind: str) -> SlaPolicy:
    """Parse *text* as *kind* (``"json"`` or ``"toml"``) and build the policy.

    Raises:
        ConfigError: the text does not parse, or the policy is invalid (a name it
            refers to included); the path starts with *name*.

    >>> policy_from_text('{"definitions": [{"name": "r", "targets": "PT1H", "stop": 3}]}',
    ...                  "p.json", "json")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: p.json: definitions[0].stop: ...
    >>> policy_from_text('{"definitions": [', "p.json", "json")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: p.json: not valid JSON (Expecting value: line 1 column 18 (char 17)); expected a .json or .toml file holding {'calendars': {...}, 'definitions': [...]}
    >>> policy_from_text('{"definitions": [{"name": "r", "targets": "PT1H", "calendar": "uk"}]}',
    ...                  "p.json", "json")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: p.json: definitions[0].calendar: unknown name 'uk'; expected a name defined in the file
    """
    data: Any
    if not isinstance(text, str):
        raise ArgumentTypeError(f"text: expected a str, got {type(text).__name__}")
    if kind == "json":
        try:
            data = json.loads(text)
        except RecursionError:
            raise ConfigError(name, "nested too deeply to read", _NESTING) from None
        except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
            raise ConfigError(name, f"not valid JSON ({str(exc)[:200]})", _FORMS) from None
    elif kind == "toml":
        toml = _toml()
        if toml is None:  # pragma: no cover - Python 3.10 without tomli
            raise ConfigError(name, "reading TOML needs Python 3.11+ or the 'tomli' package",
                              "the same policy as a .json file")
        try:
            data = toml.loads(text)
        except RecursionError:
            raise ConfigError(name, "nested too deeply to read", _NESTING) from None
        except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
            raise ConfigError(name, f"not valid TOML ({str(exc)[:200]})", _FORMS) from None
    else:
        raise ConfigError(name, f"unknown policy file kind {shown(kind)}", _FORMS)
    try:
        check_depth(data)
        return SlaPolicy.from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{name}: {exc.path}" if exc.path else name, exc.problem,
                          exc.expected) from None
    except UnknownNameError as exc:  # a definition naming a calendar the file lacks
        known = ", ".join(shown(k) for k in exc.known[:_KNOWN_SHOWN])
        if len(exc.known) > _KNOWN_SHOWN:
            known += f", ... ({len(exc.known)} in all)"
        raise ConfigError(f"{name}: {exc.what}", f"unknown name {shown(exc.name)}",
                          f"one of {known}" if known else "a name defined in the file") from None


def load_policy(path: str) -> SlaPolicy:
    """Read the policy file at *path* (``.json`` or ``.toml``, by its suffix).

    Raises:
        ConfigError: the file is missing or unreadable, has another suffix, or holds
            an invalid policy.

    >>> load_policy("no-such-policy.json")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --policy: cannot read 'no-such-policy.json' (No such file or directory); expected a .json or .toml file holding {'calendars': {...}, 'definitions': [...]}
    """
    suffix = Path(path).suffix.lower()
    if suffix not in (".json", ".toml"):
        raise ConfigError("--policy", f"{shown(path)} is neither .json nor .toml", _FORMS)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError("--policy", f"cannot read {shown(path)} ({reason})", _FORMS) from None
    return policy_from_text(text, path, suffix[1:])


def load_demo_policy() -> SlaPolicy:
    """The policy shipped with the demo (``itsm_core/demo/policy.json``).

    >>> load_demo_policy().definition("resolution").on_reopen
    'resume'
    """
    text = resources.files("itsm_core.demo").joinpath("policy.json").read_text("utf-8")
    return policy_from_text(text, "itsm_core/demo/policy.json", "json")

"""Loading configuration files: an SLA policy, a service catalogue, KPI settings (JSON or
TOML), and the demo's packaged policy.

A policy file holds exactly what :meth:`itsm_core.sla.policy.SlaPolicy.from_dict` reads;
:func:`config_from_text` reads any other configuration value the same way.  TOML needs
Python 3.11's ``tomllib`` (or the ``tomli`` package on 3.10); without either the error says
to use JSON.  Every failure is a :class:`~itsm_core.errors.ConfigError` whose path starts
with the file name.

>>> policy = load_demo_policy()
>>> [d.name for d in policy.definitions]
['response', 'resolution']
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from itsm_core._config import MAX_DEPTH, check_depth
from itsm_core.errors import ArgumentTypeError, ConfigError, UnknownNameError, shown
from itsm_core.sla.policy import SlaPolicy

__all__ = ["config_from_text", "load_config", "load_demo_policy", "load_policy",
           "policy_from_text"]

T = TypeVar("T")

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
    return config_from_text(text, name, kind, SlaPolicy.from_dict, _FORMS)


def config_from_text(text: str, name: str, kind: str, build: Callable[[Any], T],
                     forms: str) -> T:
    """Parse *text* as *kind* (``"json"`` or ``"toml"``) and *build* the value from the data;
    *forms* says what the file should hold.

    Raises:
        ConfigError: the text does not parse, or *build* refuses the data (a name it
            refers to included); the path starts with *name*.

    >>> from itsm_core.service import Catalogue
    >>> config_from_text('{"agreements": [{"name": "a"}]}', "c.json", "json",
    ...                  Catalogue.from_dict, "a catalogue")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: c.json: agreements[0].from: ...
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
            raise ConfigError(name, f"not valid JSON ({str(exc)[:200]})", forms) from None
    elif kind == "toml":
        toml = _toml()
        if toml is None:  # pragma: no cover - Python 3.10 without tomli
            raise ConfigError(name, "reading TOML needs Python 3.11+ or the 'tomli' package",
                              "the same value as a .json file")
        try:
            data = toml.loads(text)
        except RecursionError:
            raise ConfigError(name, "nested too deeply to read", _NESTING) from None
        except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
            raise ConfigError(name, f"not valid TOML ({str(exc)[:200]})", forms) from None
    else:
        raise ConfigError(name, f"unknown file kind {shown(kind)}", forms)
    try:
        check_depth(data)
        return build(data)
    except ConfigError as exc:
        raise ConfigError(f"{name}: {exc.path}" if exc.path else name, exc.problem,
                          exc.expected) from None
    except UnknownNameError as exc:  # a value naming something the file lacks
        known = ", ".join(shown(k) for k in exc.known[:_KNOWN_SHOWN])
        if len(exc.known) > _KNOWN_SHOWN:
            known += f", ... ({len(exc.known)} in all)"
        raise ConfigError(f"{name}: {exc.what}", f"unknown name {shown(exc.name)}",
                          f"one of {known}" if known else "a name defined in the file") from None


def load_config(path: str, option: str, build: Callable[[Any], T], forms: str, *,
                other: str | None = None) -> T:
    """Read the configuration file at *path* (``.json`` or ``.toml``, by its suffix) given
    as *option*, and *build* the value (see :func:`config_from_text`); a file with another
    suffix is read as *other* (``"json"``), or refused when *other* is ``None``.

    Raises:
        ConfigError: the file is missing or unreadable, has another suffix, or holds an
            invalid value.

    >>> load_config("no-such.yaml", "--kpis", dict, "KPI settings")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --kpis: 'no-such.yaml' is neither .json nor .toml; expected KPI settings
    """
    suffix = Path(path).suffix.lower()
    kind = suffix[1:] if suffix in (".json", ".toml") else other
    if kind is None:
        raise ConfigError(option, f"{shown(path)} is neither .json nor .toml", forms)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(option, f"cannot read {shown(path)} ({reason})", forms) from None
    return config_from_text(text, f"{option} {path}", kind, build, forms)


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
    return load_config(path, "--policy", SlaPolicy.from_dict, _FORMS)


def load_demo_policy() -> SlaPolicy:
    """The policy shipped with the demo (``itsm_core/demo/policy.json``).

    >>> load_demo_policy().definition("resolution").on_reopen
    'resume'
    """
    text = resources.files("itsm_core.demo").joinpath("policy.json").read_text("utf-8")
    return policy_from_text(text, "itsm_core/demo/policy.json", "json")

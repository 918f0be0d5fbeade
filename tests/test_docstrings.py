"""Every public object carries a ``>>>`` example that runs as a doctest (docs/design.md, "Vocabulary").

Public objects are: every module of the package (its docstring); each class or function in
a module's ``__all__`` (a module without ``__all__``: each class or function it defines under
a name without a leading underscore); and each public method, classmethod, staticmethod,
property and cached property of those classes, including what they inherit from the
package's own base classes.  An example counts when the doctest finder of
``tests/test_doctests.py`` collects it, so that the suite runs it: ``>>>`` in a docstring the
finder never visits (a function borrowed from another module, a cached property attrs turned
into a slot) runs nowhere.

Exempt, by rule (each is a reason, not an oversight):

* members of ``typing.Protocol`` classes: they are abstract, so an example has nothing to
  run; the protocol's class docstring carries the example instead (and is checked);
* enum members: values, not code; the enum class's example covers them;
* names with a leading underscore: private helpers and every dunder, which includes all the
  methods attrs generates (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
  ``__setattr__``, ...);
* a second name bound to the same function (``again = twice`` in a class): doctest runs the
  shared docstring once, under the first name, and the check counts it once.
"""

from __future__ import annotations

import doctest
import enum
import functools
import importlib
import importlib.util
import inspect
import pkgutil
import sys
import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest

import itsm_core
from test_doctests import Finder

# attrs turns a cached_property of a slotted class into a slot (and a __getattr__ that fills
# it): the docstring, and so any example, is gone.
_LOST = "cached property on a slotted attrs class"


def _import_failed(name: str) -> None:
    raise ImportError(f"cannot import {name} while walking the package")


def package_modules(package: ModuleType) -> list[ModuleType]:
    """The package and every module below it, imported."""
    prefix = package.__name__ + "."
    names = [info.name for info in pkgutil.walk_packages(package.__path__, prefix,
                                                         onerror=_import_failed)]
    return [package, *(importlib.import_module(name) for name in names)]


def _public_names(module: ModuleType) -> list[str]:
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [name for name, value in vars(module).items() if not name.startswith("_")
            and getattr(value, "__module__", None) == module.__name__]


def _kind(cls: type, name: str, value: Any) -> str | None:
    """What kind of member ``cls.__dict__[name]`` is, or None if not one we check."""
    if isinstance(value, types.MemberDescriptorType):
        return _LOST if attrs.has(cls) and name not in attrs.fields_dict(cls) else None
    if isinstance(value, classmethod):
        return "classmethod"
    if isinstance(value, staticmethod):
        return "staticmethod"
    if isinstance(value, property):
        return "property"
    if isinstance(value, functools.cached_property):
        return "cached property"
    return "method" if inspect.isfunction(value) else None


def _unwrap(value: Any) -> Any:
    return value.__func__ if isinstance(value, (classmethod, staticmethod)) else value


def public_objects(modules: Iterable[ModuleType]) -> Iterator[tuple[str, str, Any, str]]:
    """``(qualified name, kind, object, defining module name)`` for each public object.

    Each object is reported once, under the module that defines it (a re-export in a
    package's ``__init__`` is the same object), and only if one of *modules* defines it.
    """
    modules = list(modules)
    walked = {m.__name__ for m in modules}
    seen: set[int] = set()
    for module in modules:
        yield module.__name__, "module", module, module.__name__
    for module in modules:
        for name in _public_names(module):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # constants and type aliases carry no docstring of their own
            home = obj.__module__
            if home not in walked or id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{home}.{obj.__qualname__}", "class" if inspect.isclass(obj) else "function", \
                obj, home
            if inspect.isclass(obj):
                yield from _members(obj, walked, seen)


def _members(cls: type, walked: set[str], seen: set[int]) -> Iterator[tuple[str, str, Any, str]]:
    for base in cls.__mro__:
        if base.__module__ not in walked or getattr(base, "_is_protocol", False):
            continue  # builtins and other libraries; Protocol members are abstract
        members = getattr(base, "__members__", {}) if issubclass(base, enum.Enum) else {}
        for name, value in vars(base).items():
            kind = _kind(base, name, value)
            target = _unwrap(value)
            if kind is None or name.startswith("_") or name in members or id(target) in seen:
                continue
            seen.add(id(target))
            yield f"{base.__module__}.{base.__qualname__}.{name}", kind, target, base.__module__


def _collected(module: ModuleType) -> set[int]:
    """The ids of the objects whose docstrings doctest turns into tests with examples."""
    ids = set()
    depth = len(module.__name__.split("."))
    for test in Finder().find(module):
        if not test.examples:
            continue
        obj: Any = module
        try:
            for part in test.name.split(".")[depth:]:
                obj = _unwrap(vars(obj)[part])
        except (KeyError, TypeError):  # a __test__ entry: not an object of the module
            continue
        ids.add(id(obj))
    return ids


def offenders(modules: Iterable[ModuleType]) -> list[str]:
    """One line per public object without an example that doctest runs."""
    modules = list(modules)
    collected: dict[str, set[int]] = {}
    parser = doctest.DocTestParser()
    out = []
    for name, kind, obj, home in public_objects(modules):
        doc = obj.__doc__  # not inspect.getdoc, which would borrow a base class's docstring
        has_example = bool(doc and parser.get_examples(doc))
        if kind == _LOST:
            out.append(f"{name} ({kind}): attrs keeps no docstring for it, so no example can "
                       "run; make it a property")
            continue
        if home not in collected:
            collected[home] = _collected(sys.modules[home])
        ok = id(obj) in collected[home]
        if not ok:
            why = ("its example is not collected by doctest, so it never runs" if has_example
                   else "no >>> example")
            out.append(f"{name} ({kind}): {why}")
    return out


# -- the package ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def modules() -> list[ModuleType]:
    return package_modules(itsm_core)


def test_every_public_object_has_a_runnable_example(modules: list[ModuleType]) -> None:
    missing = offenders(modules)
    assert not missing, "public objects without a runnable >>> example:\n" + "\n".join(missing)


def test_the_walk_reaches_every_kind_of_public_object(modules: list[ModuleType]) -> None:
    # A guard against a walk that silently checks nothing.
    found = {name: kind for name, kind, _, _ in public_objects(modules)}
    assert found["itsm_core.__main__"] == "module"
    assert found["itsm_core.calendar.business.BusinessCalendar"] == "class"
    assert found["itsm_core.calendar.business.BusinessCalendar.add"] == "method"
    assert found["itsm_core.calendar.business.BusinessCalendar.from_dict"] == "classmethod"
    assert found["itsm_core.sla.cycle.SlaCycle.elapsed"] == "property"
    assert found["itsm_core.sla.compliance.compliance_report"] == "function"
    assert found["itsm_core.availability.slo.SliSource"] == "class"
    assert "itsm_core.availability.slo.SliSource.measure" not in found  # a Protocol member
    assert "itsm_core.sla.outcome.Stage.MET" not in found  # an enum member
    assert len(found) > 500


# -- the checker itself, on a module written for the purpose ----------------------------------

_SAMPLE = '''
"""A module whose docstring has no example."""

import enum
import functools
import statistics
from typing import Protocol

import attrs

__all__ = ["LIMIT", "Colour", "Documented", "Reader", "Undocumented", "bare", "helper"]

LIMIT = 3


def helper():
    """Return one.

    >>> helper()
    1
    """
    return 1


def bare():
    """Return two, without an example."""
    return 2


class Reader(Protocol):
    """Reads.

    >>> Reader.__name__
    'Reader'
    """

    def read(self) -> str:
        """Abstract: no example needed."""


class Colour(enum.Enum):
    """A colour.

    >>> Colour.RED.value
    'red'
    """

    RED = "red"


class _Base:
    def inherited(self):
        """Inherited by a public class, without an example."""


@attrs.frozen
class Documented(_Base):
    """Has an example.

    >>> Documented(1).twice()
    2
    """

    x: int

    def twice(self):
        """Twice x.

        >>> Documented(2).twice()
        4
        """
        return 2 * self.x

    again = twice

    @property
    def half(self):
        """Half x, without an example."""
        return self.x / 2

    @functools.cached_property
    def square(self):
        """The square; attrs drops this docstring.

        >>> Documented(3).square
        9
        """
        return self.x ** 2

    def _private(self):
        """Private: no example needed."""


class Undocumented:
    """No example."""

    @classmethod
    def make(cls):
        """No example either."""
        return cls()

    @functools.cached_property
    def size(self):
        """Cached on a plain class, where pytest runs the example.

        >>> Undocumented().size
        0
        """
        return 0

    # borrowed: its examples run as statistics' doctests, never as this module's
    average = staticmethod(statistics.mean)

    @staticmethod
    def util():
        """Has one.

        >>> Undocumented.util()
        3
        """
        return 3

    def __len__(self):
        return 0
'''


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    path = tmp_path / "docsample.py"
    path.write_text(_SAMPLE)
    spec = importlib.util.spec_from_file_location("docsample", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "docsample", module)
    spec.loader.exec_module(module)
    return module


def test_checker_names_each_offender_and_only_those(sample: ModuleType) -> None:
    assert sorted(offenders([sample])) == sorted([
        "docsample (module): no >>> example",
        "docsample.bare (function): no >>> example",
        "docsample.Documented.half (property): no >>> example",
        "docsample.Documented.square (cached property on a slotted attrs class): attrs keeps "
        "no docstring for it, so no example can run; make it a property",
        "docsample._Base.inherited (method): no >>> example",
        "docsample.Undocumented (class): no >>> example",
        "docsample.Undocumented.make (classmethod): no >>> example",
        "docsample.Undocumented.average (staticmethod): its example is not collected by "
        "doctest, so it never runs",
    ])


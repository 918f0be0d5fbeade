"""Every module's docstring examples run, against the package Python imports.

The examples are collected from the *imported* ``itsm_core`` (an installed wheel as much as
an editable checkout), one test per module, so ``pip install '.[test]' && python -m pytest``
checks the code that was installed.  Collection follows pytest's ``--doctest-modules``
(which a developer can still point at ``src/`` directly), including the examples on
``functools.cached_property`` members that ``doctest`` itself skips before Python 3.13.
"""

from __future__ import annotations

import doctest
import functools
import importlib
import importlib.util
import pkgutil
import sys
from types import ModuleType
from typing import Any

import pytest

import itsm_core

#: The option flags every example runs with (as ``doctest_optionflags`` in pyproject.toml).
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

#: Modules that need an optional dependency: skipped only when it is not installed.
OPTIONAL = {"itsm_core.integrations.pandas": "pandas", "itsm_core.integrations.dask": "dask"}


class Finder(doctest.DocTestFinder):
    """A ``DocTestFinder`` that also visits ``functools.cached_property`` members.

    ``doctest`` learnt to before Python 3.13; pytest's collector does the same.
    """

    def _from_module(self, module: ModuleType, obj: Any) -> bool:
        if isinstance(obj, functools.cached_property):
            obj = obj.func
        return bool(super()._from_module(module, obj))  # type: ignore[misc]


def module_names() -> list[str]:
    """The package and every module below it, by name.

    A subpackage that fails to import is listed too (its modules cannot be), so that its
    test fails with the import error instead of the whole file failing to collect.
    """
    broken: list[str] = []
    prefix = itsm_core.__name__ + "."
    found = pkgutil.walk_packages(itsm_core.__path__, prefix, onerror=broken.append)
    return [itsm_core.__name__, *sorted({info.name for info in found} | set(broken))]


def _import(name: str) -> ModuleType:
    needs = OPTIONAL.get(name)
    if needs is not None and importlib.util.find_spec(needs) is None:
        pytest.fail(f"{name} needs the optional dependency {needs!r}: install the test "
                    "extra, pip install '.[test]'")
    return importlib.import_module(name)


def run_examples(module: ModuleType) -> tuple[int, int, str]:
    """``(attempted, failed, report)`` for every example in *module*'s docstrings."""
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    report: list[str] = []
    for test in Finder().find(module):
        runner.run(test, out=report.append)
    return runner.tries, runner.failures, "".join(report)


@pytest.mark.parametrize("name", module_names())
def test_module_examples_run(name: str) -> None:
    module = _import(name)
    attempted, failed, report = run_examples(module)
    assert attempted > 0, f"{name}: no example ran (every module's docstring carries one)"
    assert failed == 0, f"{name}: {failed} of {attempted} examples failed\n{report}"


def test_the_walk_reaches_every_module() -> None:
    # A guard against a walk that silently checks nothing.
    names = module_names()
    assert {"itsm_core", "itsm_core.__main__", "itsm_core.calendar.business",
            "itsm_core.sla.definition", "itsm_core.integrations.pandas",
            "itsm_core.integrations.dask"} <= set(names)
    assert len(names) > 60


_SAMPLE = '''
"""A module.

>>> 1 + 1
2
"""

import functools


class Box:
    @functools.cached_property
    def size(self):
        """Cached.

        >>> Box().size
        3
        """
        return 4
'''


def test_the_runner_reports_a_failing_example_and_visits_cached_properties(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "doctestsample.py"
    path.write_text(_SAMPLE)
    spec = importlib.util.spec_from_file_location("doctestsample", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "doctestsample", module)
    spec.loader.exec_module(module)
    attempted, failed, report = run_examples(module)
    assert (attempted, failed) == (2, 1)
    assert "Box().size" in report
    assert "Expected:\n    3\nGot:\n    4" in report

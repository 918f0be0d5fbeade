"""The README's tour and the design page's examples run as doctests, so both stay true."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_readme_examples_run():
    result = doctest.testfile(str(ROOT / "README.md"), module_relative=False,
                              optionflags=OPTIONS)
    assert result.attempted > 10
    assert result.failed == 0


def test_design_page_examples_run():
    result = doctest.testfile(str(ROOT / "docs" / "design.md"), module_relative=False,
                              optionflags=OPTIONS)
    assert result.attempted >= 8
    assert result.failed == 0

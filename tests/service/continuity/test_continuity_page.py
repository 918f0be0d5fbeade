"""The examples of docs/continuity.md run as doctests, so the page stays true."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_continuity_page_examples_run() -> None:
    result = doctest.testfile(str(ROOT / "docs" / "continuity.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10
    assert result.failed == 0

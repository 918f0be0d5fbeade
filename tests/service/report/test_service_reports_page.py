"""The examples of docs/service-reports.md run."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_page_examples_run() -> None:
    result = doctest.testfile(str(ROOT / "docs" / "service-reports.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0

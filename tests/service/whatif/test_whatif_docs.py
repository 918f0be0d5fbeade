"""The examples in docs/service-whatif.md run and give the answers the page shows."""

from __future__ import annotations

import doctest
from pathlib import Path

PAGE = Path(__file__).resolve().parents[3] / "docs" / "service-whatif.md"


def test_docs_page_examples() -> None:
    result = doctest.testfile(str(PAGE), module_relative=False,
                              optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
                              verbose=False)
    assert result.attempted >= 15
    assert result.failed == 0

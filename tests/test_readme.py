"""The README's tour and the design page's examples run as doctests, so both stay true."""

from __future__ import annotations

import doctest
from pathlib import Path

from itsm_core.cli import main

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


def test_readme_shows_the_demos_first_lines(capsys):
    # the README quotes the opening of the main job's text output: it must stay what runs
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quoted = text.split("Its text form opens with the portfolio:", 1)[1]
    quoted = quoted.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    assert main(["demo"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert len(quoted) >= 4
    assert printed[: len(quoted)] == quoted

"""A griffe extension: show docstring examples as Python console code in the reference.

The docstrings carry their ``>>>`` examples in the running text (they run as doctests), where
Markdown would read ``>>>`` as nested block quotes and ``[a, b]`` as links.  This extension
fences each example -- from a ``>>>`` line to the next blank line, as doctest reads it -- as a
``pycon`` code block before the docstring is parsed.  Examples already inside a fenced block
are left alone.
"""

from __future__ import annotations

from typing import Any

import griffe

FENCE = "```"


def fence_examples(text: str) -> str:
    """*text* with every doctest example wrapped in a ``pycon`` fence.

    >>> fence_examples("Add.\\n\\n>>> 1 + 1\\n2\\n\\nDone.").splitlines()
    ['Add.', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'Done.']
    """
    out: list[str] = []
    lines = text.splitlines()
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith(FENCE):
            in_fence = not in_fence
        if in_fence or not stripped.startswith(">>>"):
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(stripped)]
        out.append(f"{indent}{FENCE}pycon")
        while i < len(lines) and lines[i].strip():
            out.append(lines[i])
            i += 1
        out.append(f"{indent}{FENCE}")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence the doctest examples of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_examples(obj.docstring.value)

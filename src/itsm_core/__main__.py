"""``python -m itsm_core``: the command line (see :func:`itsm_core.cli.main`).

When the reader of stdout goes away (``python -m itsm_core demo | head -3``) the run
stops quietly with exit code 1 instead of a traceback.

>>> from itsm_core.cli import main
>>> callable(main)
True
"""

from __future__ import annotations

import os
import sys

from itsm_core.cli import main


def _run() -> int:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python's documented recipe: point stdout at devnull so the interpreter's final
        # flush does not raise again, and report failure.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    sys.exit(_run())

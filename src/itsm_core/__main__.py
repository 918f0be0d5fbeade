"""``python -m itsm_core``: the command line (see :func:`itsm_core.cli.main`).

When the reader of stdout goes away (``python -m itsm_core demo | head -3``) the run
stops quietly with exit code 1 instead of a traceback; an interrupt (Ctrl-C) stops it
with ``interrupted`` on stderr and exit code 130, the shells' code for SIGINT.

``python -m itsm_core ARGS`` exits with the code of ``main(ARGS)``; for example
``python -m itsm_core demo --tickets 5 --by definition --format csv`` does this:

>>> from itsm_core.cli import main
>>> main(["demo", "--tickets", "5", "--by", "definition", "--format", "csv"])
definition,total,met,breached,running,paused,cancelled,compliance,overdue,...
resolution,5,3,1,0,0,1,0.75,0,...
response,5,4,0,0,0,1,1.0,0,...
0
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
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    return code


if __name__ == "__main__":
    sys.exit(_run())

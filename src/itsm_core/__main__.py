"""``python -m itsm_core``: the command line (see :func:`itsm_core.cli.main`).

>>> from itsm_core.cli import main
>>> callable(main)
True
"""

from __future__ import annotations

import sys

from itsm_core.cli import main

if __name__ == "__main__":
    sys.exit(main())

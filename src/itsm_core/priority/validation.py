"""Policy findings about a priority matrix: reported as data, never refused.

Published matrices break good policy (Atlassian's cloud example is not monotone, and
ServiceNow's current incident matrix never reaches ``5 - Planning``), so these are
findings, not errors.  Two kinds:

* ``non_monotone``: a cell gives a *less* urgent priority than its neighbour with a
  less severe impact (the next row) or a less urgent urgency (the next column).  The
  finding names the offending (more severe / more urgent) cell and the neighbour it
  loses to.  Checking neighbours is enough: a matrix has no finding of this kind
  exactly when priority never gets less urgent as impact or urgency gets worse.
* ``unreachable``: a priority level no cell gives.

>>> m = PriorityMatrix.from_dict({"impact": ["High", "Low"], "urgency": ["High", "Low"],
...     "priority": ["P1", "P2", "P3"], "cells": [["P1", "P2"], ["P1", "P1"]]})
>>> [(f.kind, f.path) for f in policy_findings(m)]
[('non_monotone', 'cells[0][1]'), ('unreachable', 'priority[2]')]
"""

from __future__ import annotations

from typing import Any

import attrs

from itsm_core.errors import shown
from itsm_core.priority.matrix import PriorityMatrix

__all__ = ["Finding", "policy_findings"]


@attrs.frozen(kw_only=True)
class Finding:
    """One policy finding about a matrix.

    Attributes:
        kind: ``"non_monotone"`` or ``"unreachable"``.
        path: the offending field, ``"cells[i][u]"`` or ``"priority[k]"``.
        message: a sentence for people.
        cell: ``(impact label, urgency label)`` of the offending cell, if any.
        neighbour: ``(impact label, urgency label)`` of the cell it loses to, if any.
        priority: the priority label concerned.

    >>> Finding(kind="unreachable", path="priority[4]", message="...",
    ...         priority="5 - Planning").to_dict()["priority"]
    '5 - Planning'
    """

    kind: str
    path: str
    message: str
    priority: str
    cell: tuple[str, str] | None = None
    neighbour: tuple[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists for the cell pairs, ``None`` where absent).

        >>> Finding(kind="unreachable", path="priority[0]", message="m",
        ...         priority="P").to_dict()["cell"] is None
        True
        """
        return {
            "kind": self.kind,
            "path": self.path,
            "message": self.message,
            "priority": self.priority,
            "cell": list(self.cell) if self.cell else None,
            "neighbour": list(self.neighbour) if self.neighbour else None,
        }


def policy_findings(matrix: PriorityMatrix) -> tuple[Finding, ...]:
    """All policy findings for ``matrix``: non-monotone cells in row-major order, then
    unreachable priority levels.  An empty tuple means the matrix follows both rules.

    >>> policy_findings(PriorityMatrix.preset("servicenow-incident"))[0].message
    "priority level '5 - Planning' is given by no cell"
    >>> policy_findings(PriorityMatrix.preset("itil-v3"))
    ()
    """
    impacts, urgencies = matrix.impact_labels, matrix.urgency_labels
    rank = {label: r for r, label in enumerate(matrix.priority_labels, start=1)}
    cells = matrix.cells
    findings: list[Finding] = []
    for i, row in enumerate(cells):
        for u, label in enumerate(row):
            neighbours = []
            if i + 1 < len(cells):
                neighbours.append((i + 1, u, "less severe impact", repr(impacts[i + 1])))
            if u + 1 < len(row):
                neighbours.append((i, u + 1, "less urgent urgency", repr(urgencies[u + 1])))
            for ni, nu, axis, level in neighbours:
                other = cells[ni][nu]
                if rank[other] < rank[label]:
                    findings.append(
                        Finding(
                            kind="non_monotone",
                            path=f"cells[{i}][{u}]",
                            message=(
                                f"impact {shown(impacts[i])} × urgency {shown(urgencies[u])} gives "
                                f"{shown(label)}, less urgent than {shown(other)} for the {axis} "
                                f"{level} (cells[{ni}][{nu}])"
                            ),
                            priority=label,
                            cell=(impacts[i], urgencies[u]),
                            neighbour=(impacts[ni], urgencies[nu]),
                        )
                    )
    reached = {label for row in cells for label in row}
    for k, label in enumerate(matrix.priority_labels):
        if label not in reached:
            findings.append(
                Finding(
                    kind="unreachable",
                    path=f"priority[{k}]",
                    message=f"priority level {shown(label)} is given by no cell",
                    priority=label,
                )
            )
    return tuple(findings)

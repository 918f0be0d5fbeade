"""The columnar evaluation's counting: cycles added to a compliance accumulator group by
group, each group key built column by column in numpy (docs/design.md, "Scale and
embedding").

A column is ``(codes, values)``: one code per cycle into its list of values.  The groups
are the cycles with the same code in every column, counted in the order of their first
cycle, each with its cycles' elapsed times in order, as the pure path adds them.

>>> import numpy as np
>>> from itsm_core.sla.compliance import ComplianceAccumulator
>>> names = _distinct(np, ["fix", "fix", "respond"], np.array([0, 2, 1, 0]))
>>> names[0].tolist(), names[1]
([0, 1, 0, 0], ['fix', 'respond'])
>>> acc = ComplianceAccumulator(by=("definition",))
>>> _add_groups(np, acc, [names], stage=np.array([0, 1, 0, 2]),  # met, breached, met, running
...             elapsed=np.array([60, 90, 30, 10]) * 1_000_000, late=np.array([0, 0, 0, 1]))
>>> [(row.keys, row.met, row.breached, row.running, row.overdue) for row in acc.report().rows]
[((('definition', 'fix'),), 2, 0, 1, 1), ((('definition', 'respond'),), 0, 1, 0, 0)]
"""

from __future__ import annotations

from typing import Any

from itsm_core.integrations.columnar_core_vector import STAGES
from itsm_core.sla.compliance import ComplianceAccumulator


def _distinct(np: Any, values: list[Any], codes: Any) -> tuple[Any, list[Any]]:
    """*codes* into *values* as codes into the distinct values (equal values, one code)."""
    index: dict[Any, int] = {}
    remap = np.array([index.setdefault(v, len(index)) for v in values] or [0], dtype=np.int64)
    return remap[codes], list(index)


def _add_groups(np: Any, accumulator: ComplianceAccumulator, columns: list[tuple[Any, list[Any]]],
                *, stage: Any, elapsed: Any, late: Any) -> None:
    """Count the cycles in *accumulator* group by group (a group: the cycles with the same
    code in every column), each group's elapsed times in the cycles' order, the groups in
    the order of their first cycle."""
    if not len(stage):
        return
    group = np.zeros(len(stage), dtype=np.int64)
    size = 1
    for codes, values in columns:
        radix = max(len(values), 1)
        if size * radix >= 1 << 62:  # keep the combined code in range
            _, group = np.unique(group, return_inverse=True)
            group = group.reshape(-1)
            size = int(group.max()) + 1
        group = group * radix + codes
        size *= radix
    _, first, inverse = np.unique(group, return_index=True, return_inverse=True)
    groups = len(first)
    inverse = inverse.reshape(-1)
    order = np.argsort(inverse, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(inverse, minlength=groups)))).tolist()
    times = elapsed[order].tolist()
    stages = np.bincount(inverse * len(STAGES) + stage, minlength=groups * len(STAGES))
    stages = stages.reshape(groups, len(STAGES)).tolist()
    overdue = np.bincount(inverse, weights=late, minlength=groups).astype(np.int64).tolist()
    firsts = first.tolist()
    key_codes = [codes[first].tolist() for codes, _ in columns]
    for g in sorted(range(groups), key=firsts.__getitem__):
        accumulator._add_counts(
            tuple(values[codes[g]] for (_, values), codes in zip(columns, key_codes, strict=True)),
            [(s, n) for s, n in zip(STAGES, stages[g], strict=True) if n],
            overdue[g], times[bounds[g]:bounds[g + 1]])

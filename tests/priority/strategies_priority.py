"""Hypothesis strategies and fixed matrices shared by the priority tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from itsm_core.priority import PriorityMatrix

# 2 impacts x 4 urgencies, every cell distinct: any swap of axes, transposition or
# reversal of a scale gives a different answer somewhere (unlike GLPI's and Znuny's
# symmetric defaults).
LOPSIDED: dict[str, Any] = {
    "impact": ["I-top", "I-bottom"],
    "urgency": ["U1", "U2", "U3", "U4"],
    "priority": ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"],
    "cells": [["P1", "P2", "P4", "P7"], ["P3", "P5", "P6", "P8"]],
}

labels = st.text(min_size=1, max_size=8).filter(lambda s: bool(s.strip()))


def label_lists(min_size: int = 1, max_size: int = 5) -> st.SearchStrategy[list[str]]:
    return st.lists(labels, min_size=min_size, max_size=max_size, unique=True)


@st.composite
def matrix_dicts(draw: st.DrawFn, max_size: int = 5) -> dict[str, Any]:
    """Any structurally valid matrix in plain-data form (not necessarily monotone)."""
    impact = draw(label_lists(max_size=max_size))
    urgency = draw(label_lists(max_size=max_size))
    priority = draw(label_lists(max_size=max_size + 1))
    cell = st.sampled_from(priority)
    cells = [[draw(cell) for _ in urgency] for _ in impact]
    return {"impact": impact, "urgency": urgency, "priority": priority, "cells": cells}


matrices = matrix_dicts().map(PriorityMatrix.from_dict)

"""policy_findings(): non-monotone cells and unreachable priority levels, as plain data."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from strategies_priority import LOPSIDED, matrices

from itsm_core.priority import PRESET_NAMES, Finding, PriorityMatrix, policy_findings

# Atlassian, "Create an impact urgency priority matrix" (Jira Service Management Cloud
# documentation, support.atlassian.com): rows impact, columns urgency Critical..Lowest.
# The lowest-impact row reads Medium, Low, Lowest, Low, Lowest: not monotone.
ATLASSIAN = {
    "impact": [
        "Extensive / Widespread",
        "Significant / Large",
        "Moderate / Limited",
        "Minor / Localized",
    ],
    "urgency": ["Critical", "High", "Medium", "Low", "Lowest"],
    "priority": ["Highest", "High", "Medium", "Low", "Lowest"],
    "cells": [
        ["Highest", "High", "Medium", "Low", "Lowest"],
        ["Highest", "High", "Medium", "Low", "Lowest"],
        ["High", "Medium", "Low", "Low", "Lowest"],
        ["Medium", "Low", "Lowest", "Low", "Lowest"],
    ],
}


def test_atlassian_example_flags_exactly_that_cell() -> None:
    findings = policy_findings(PriorityMatrix.from_dict(ATLASSIAN))
    assert findings == (
        Finding(
            kind="non_monotone",
            path="cells[3][2]",
            message=(
                "impact 'Minor / Localized' × urgency 'Medium' gives 'Lowest', less urgent "
                "than 'Low' for the less urgent urgency 'Low' (cells[3][3])"
            ),
            priority="Lowest",
            cell=("Minor / Localized", "Medium"),
            neighbour=("Minor / Localized", "Low"),
        ),
    )
    assert findings[0].to_dict()["cell"] == ["Minor / Localized", "Medium"]


def test_vertical_non_monotone_on_lopsided() -> None:
    data = dict(LOPSIDED, cells=[["P1", "P2", "P6", "P7"], ["P3", "P4", "P5", "P8"]])
    (finding,) = policy_findings(PriorityMatrix.from_dict(data))
    assert finding.path == "cells[0][2]"
    assert finding.cell == ("I-top", "U3")
    assert finding.neighbour == ("I-bottom", "U3")
    assert "less severe impact 'I-bottom'" in finding.message


def test_servicenow_incident_never_reaches_planning() -> None:
    findings = policy_findings(PriorityMatrix.preset("servicenow-incident"))
    assert [f.to_dict() for f in findings] == [
        {
            "kind": "unreachable",
            "path": "priority[4]",
            "message": "priority level '5 - Planning' is given by no cell",
            "priority": "5 - Planning",
            "cell": None,
            "neighbour": None,
        }
    ]


@pytest.mark.parametrize("name", [n for n in PRESET_NAMES if n != "servicenow-incident"])
def test_other_presets_are_clean(name: str) -> None:
    assert policy_findings(PriorityMatrix.preset(name)) == ()


def _monotone_by_brute_force(m: PriorityMatrix) -> bool:
    """Every pair of cells: worse-or-equal on both axes never gives a less urgent priority."""
    rank = {label: r for r, label in enumerate(m.priority_labels)}
    cells = [(i, u, rank[label]) for i, row in enumerate(m.cells) for u, label in enumerate(row)]
    return all(
        not (i1 <= i2 and u1 <= u2 and r1 > r2)
        for (i1, u1, r1), (i2, u2, r2) in itertools.product(cells, repeat=2)
    )


@given(matrices)
def test_no_non_monotone_finding_iff_monotone(m: PriorityMatrix) -> None:
    flagged = [f for f in policy_findings(m) if f.kind == "non_monotone"]
    assert (not flagged) == _monotone_by_brute_force(m)
    for f in flagged:  # each names a real offending pair
        assert f.cell is not None
        assert f.neighbour is not None
        here = m.priority(impact=f.cell[0], urgency=f.cell[1])
        there = m.priority(impact=f.neighbour[0], urgency=f.neighbour[1])
        assert there.rank < here.rank
        assert here.label == f.priority


@given(matrices)
def test_unreachable_levels_are_exactly_the_unused_labels(m: PriorityMatrix) -> None:
    used = {label for row in m.to_dict()["cells"] for label in row}
    unreachable = [f.priority for f in policy_findings(m) if f.kind == "unreachable"]
    assert unreachable == [p for p in m.priority_labels if p not in used]

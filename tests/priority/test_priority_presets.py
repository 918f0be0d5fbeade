"""Presets against the published tables, cell by cell, in each tool's own numbering.

Golden values are transcribed from the public sources named beside each table (ITIL v3
*Service Operation* Table 4.1, ServiceNow ``dl_u_priority``, GLPI ``install/empty_data.php``,
the Znuny / OTRS ITSM CIP default, iTop ``ComputePriority``) in the orientation each tool
publishes, and are compared through level *labels*, so a preset that swapped axes or
flipped a scale fails.
"""

from __future__ import annotations

import pytest

from itsm_core.errors import UnknownNameError
from itsm_core.priority import PRESET_NAMES, PriorityMatrix
from itsm_core.priority.presets import preset_data

# ITIL v3 / 2011 Service Operation, Table 4.1: rows impact H/M/L, columns urgency H/M/L.
ITIL = [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
ITIL_NAMES = ["Critical", "High", "Medium", "Low", "Planning"]

# ServiceNow dl_u_priority (current incident docs); legacy / dl_problem_priority: (3,3) = 5.
SN = [[1, 2, 3], [2, 3, 4], [3, 4, 4]]
SN_NAMES = ["1 - Critical", "2 - High", "3 - Moderate", "4 - Low", "5 - Planning"]

# GLPI install/empty_data.php, stored [urgency][impact], 5 = most urgent.
GLPI = [
    [1, 1, 2, 2, 2],
    [1, 2, 2, 3, 3],
    [2, 2, 3, 4, 4],
    [2, 3, 4, 4, 5],
    [2, 3, 4, 5, 5],
]
GLPI_NAMES = {1: "Very low", 2: "Low", 3: "Medium", 4: "High", 5: "Very high"}

# Znuny / OTRS ITSM CIP default, stored {impact}{criticality}, 5 = most urgent.
ZNUNY = [
    [1, 1, 2, 2, 3],
    [1, 2, 2, 3, 4],
    [2, 2, 3, 4, 4],
    [2, 3, 4, 4, 5],
    [3, 4, 4, 5, 5],
]
ZNUNY_NAMES = {1: "1 very low", 2: "2 low", 3: "3 normal", 4: "4 high", 5: "5 very high"}

# iTop ComputePriority: rows impact 1..3, columns urgency 1..4, 1 = most urgent.
ITOP = [[1, 1, 2, 4], [1, 2, 3, 4], [2, 3, 3, 4]]
ITOP_IMPACT = ["A department", "A service", "A person"]
ITOP_NAMES = ["Critical", "High", "Medium", "Low"]


def test_preset_names() -> None:
    assert PRESET_NAMES == (
        "itil-v3",
        "servicenow-incident",
        "servicenow-legacy",
        "glpi",
        "znuny-cip",
        "itop",
    )


def test_itil_v3() -> None:
    m = PriorityMatrix.preset("itil-v3")
    hml = ["High", "Medium", "Low"]
    assert m.impact_labels == m.urgency_labels == tuple(hml)
    assert m.priority_labels == tuple(ITIL_NAMES)
    for i, row in enumerate(ITIL):
        for u, code in enumerate(row):
            assert m.priority(impact=hml[i], urgency=hml[u]).label == ITIL_NAMES[code - 1]
            assert m.priority(impact=hml[i], urgency=hml[u]).rank == code


@pytest.mark.parametrize(("name", "corner"), [("servicenow-incident", 4), ("servicenow-legacy", 5)])
def test_servicenow(name: str, corner: int) -> None:
    m = PriorityMatrix.preset(name)
    levels = ["1 - High", "2 - Medium", "3 - Low"]
    assert m.impact_labels == m.urgency_labels == tuple(levels)
    assert m.priority_labels == tuple(SN_NAMES)
    table = [row[:] for row in SN]
    table[2][2] = corner
    for i, row in enumerate(table):
        for u, code in enumerate(row):
            assert m.priority(impact=levels[i], urgency=levels[u]).label == SN_NAMES[code - 1]


def test_glpi_in_its_stored_orientation() -> None:
    m = PriorityMatrix.preset("glpi")
    assert m.impact_labels[0] == "Very high"
    assert m.priority_labels == ("Very high", "High", "Medium", "Low", "Very low")
    for u, row in enumerate(GLPI, start=1):
        for i, value in enumerate(row, start=1):
            got = m.priority(impact=GLPI_NAMES[i], urgency=GLPI_NAMES[u])
            assert got.label == GLPI_NAMES[value]
            assert got.rank == 6 - value  # canonical rank: 1 = most urgent


def test_znuny_in_its_stored_orientation() -> None:
    m = PriorityMatrix.preset("znuny-cip")
    assert m.urgency_labels == ("5 very high", "4 high", "3 normal", "2 low", "1 very low")
    for i, row in enumerate(ZNUNY, start=1):
        for c, value in enumerate(row, start=1):
            got = m.priority(impact=ZNUNY_NAMES[i], urgency=ZNUNY_NAMES[c])
            assert got.label == ZNUNY_NAMES[value]


def test_itop() -> None:
    m = PriorityMatrix.preset("itop")
    assert m.impact_labels == tuple(ITOP_IMPACT)
    assert m.urgency_labels == m.priority_labels == tuple(ITOP_NAMES)
    for i, row in enumerate(ITOP):
        for u, code in enumerate(row):
            got = m.priority(impact=ITOP_IMPACT[i], urgency=ITOP_NAMES[u])
            assert got.label == ITOP_NAMES[code - 1]


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_presets_round_trip(name: str) -> None:
    m = PriorityMatrix.preset(name)
    assert PriorityMatrix.from_dict(m.to_dict()) == m


@pytest.mark.parametrize("name", ["ITIL-V3", "servicenow", "", None, ["glpi"]])
def test_unknown_preset(name: object) -> None:
    with pytest.raises(
        UnknownNameError, match=r"^preset: unknown name .*; expected one of 'itil-v3', "
    ) as info:
        PriorityMatrix.preset(name)  # type: ignore[arg-type]
    assert isinstance(info.value, KeyError)
    assert info.value.name == name
    assert info.value.known == PRESET_NAMES


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_data_is_the_plain_form_and_a_fresh_copy(name: str) -> None:
    data = preset_data(name)
    assert data == PriorityMatrix.preset(name).to_dict()
    data["cells"][0][0] = "changed"
    data["impact"].append("changed")
    assert data["urgency"] == PriorityMatrix.preset(name).to_dict()["urgency"]
    assert preset_data(name) == PriorityMatrix.preset(name).to_dict()

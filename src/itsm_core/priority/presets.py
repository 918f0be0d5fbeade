"""Published default matrices, labelled exactly as each tool labels them.

Every preset is the tool's shipped default, transcribed from the source named beside
it.  GLPI and Znuny are transcribed in their *stored* form (5 = most urgent) and read
through :func:`~itsm_core.priority.convert.from_stored`, so the data below can be
compared line by line with the tools' own files.

>>> PRESET_NAMES
('itil-v3', 'servicenow-incident', 'servicenow-legacy', 'glpi', 'znuny-cip', 'itop')
>>> preset("glpi").priority(impact="Very high", urgency="Very low").label
'Low'
"""

from __future__ import annotations

from typing import Any

from itsm_core.errors import InvalidArgumentError
from itsm_core.priority.convert import Rows, from_stored
from itsm_core.priority.matrix import PriorityMatrix

__all__ = ["PRESET_NAMES", "preset"]

_HML = ["High", "Medium", "Low"]

# ITIL v3 / ITIL 2011, *Service Operation* (TSO, 2011), Table 4.1 "Simple priority
# coding system": rows impact, columns urgency, 1 = most urgent; priority codes
# 1 Critical, 2 High, 3 Medium, 4 Low, 5 Planning.
_ITIL_V3: dict[str, Any] = {
    "impact": _HML,
    "urgency": _HML,
    "priority": ["Critical", "High", "Medium", "Low", "Planning"],
    "cells": [
        ["Critical", "High", "Medium"],
        ["High", "Medium", "Low"],
        ["Medium", "Low", "Planning"],
    ],
}

# ServiceNow incident priority lookup rules (table dl_u_priority), as in the current
# product documentation ("Incident priority", Incident Management): impact x urgency,
# the (3 - Low, 3 - Low) cell is 4 - Low.  The legacy incident default and the problem
# table dl_problem_priority give 5 - Planning there instead.
_SN_LEVELS = ["1 - High", "2 - Medium", "3 - Low"]
_SN_PRIORITY = ["1 - Critical", "2 - High", "3 - Moderate", "4 - Low", "5 - Planning"]


def _servicenow(corner: str) -> dict[str, Any]:
    return {
        "impact": _SN_LEVELS,
        "urgency": _SN_LEVELS,
        "priority": _SN_PRIORITY,
        "cells": [
            ["1 - Critical", "2 - High", "3 - Moderate"],
            ["2 - High", "3 - Moderate", "4 - Low"],
            ["3 - Moderate", "4 - Low", corner],
        ],
    }


# iTop, itop-incident-mgmt-itil data model, UserRequest/Incident ``ComputePriority``:
# rows impact (1 A department, 2 A service, 3 A person), columns urgency (1 Critical,
# 2 High, 3 Medium, 4 Low); priority 1 Critical, 2 High, 3 Medium, 4 Low.
_ITOP: dict[str, Any] = {
    "impact": ["A department", "A service", "A person"],
    "urgency": ["Critical", "High", "Medium", "Low"],
    "priority": ["Critical", "High", "Medium", "Low"],
    "cells": [
        ["Critical", "Critical", "High", "Low"],
        ["Critical", "High", "Medium", "Low"],
        ["High", "Medium", "Medium", "Low"],
    ],
}

# GLPI default matrix, install/empty_data.php (config ``priority_matrix``), stored
# [urgency][impact] with 5 = most urgent.  Level names from CommonITILObject
# getUrgencyName / getImpactName / getPriorityName (6 "Major" lies outside the matrix).
_GLPI_NAMES = ["Very low", "Low", "Medium", "High", "Very high"]
_GLPI_STORED = [  # rows urgency 1..5, columns impact 1..5
    [1, 1, 2, 2, 2],
    [1, 2, 2, 3, 3],
    [2, 2, 3, 4, 4],
    [2, 3, 4, 4, 5],
    [2, 3, 4, 5, 5],
]

# Znuny / OTRS ITSM (ITSMIncidentProblemManagement) default criticality-impact-priority
# (CIP) allocation, stored {impact}{criticality}, 5 = most urgent; the criticality of
# the affected service plays the urgency axis.  Labels from the general catalog and the
# default ticket priorities ("1 very low" ... "5 very high").
_ZNUNY_NAMES = ["1 very low", "2 low", "3 normal", "4 high", "5 very high"]
_ZNUNY_STORED = [  # rows impact 1..5, columns criticality 1..5
    [1, 1, 2, 2, 3],
    [1, 2, 2, 3, 4],
    [2, 2, 3, 4, 4],
    [2, 3, 4, 4, 5],
    [3, 4, 4, 5, 5],
]

_STORED: dict[str, tuple[list[list[int]], Rows, list[str]]] = {
    "glpi": (_GLPI_STORED, "urgency", _GLPI_NAMES),
    "znuny-cip": (_ZNUNY_STORED, "impact", _ZNUNY_NAMES),
}

#: The names :func:`preset` accepts.
PRESET_NAMES = ("itil-v3", "servicenow-incident", "servicenow-legacy", "glpi", "znuny-cip", "itop")


def preset(name: str) -> PriorityMatrix:
    """The published default matrix called ``name`` (one of :data:`PRESET_NAMES`).

    Raises:
        InvalidArgumentError: an unknown name; the message lists the known ones.

    >>> preset("servicenow-incident").priority(impact=3, urgency=3).label
    '4 - Low'
    >>> preset("servicenow-legacy").priority(impact=3, urgency=3).label
    '5 - Planning'
    """
    if isinstance(name, str) and name in _STORED:
        stored, rows, names = _STORED[name]
        return from_stored(
            stored,
            rows=rows,
            most_urgent="highest",
            impact_labels=names,
            urgency_labels=names,
            priority_labels=names,
        )
    data = (
        {
            "itil-v3": _ITIL_V3,
            "servicenow-incident": _servicenow("4 - Low"),
            "servicenow-legacy": _servicenow("5 - Planning"),
            "itop": _ITOP,
        }.get(name)
        if isinstance(name, str)
        else None
    )
    if data is None:
        raise InvalidArgumentError(
            f"name: unknown preset {name!r}; expected one of {', '.join(PRESET_NAMES)}"
        )
    return PriorityMatrix.from_dict(data)

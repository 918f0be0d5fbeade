"""Published default matrices, as plain data, labelled exactly as each tool labels them.

Every preset is the tool's shipped default, transcribed from the public source named
beside it.  GLPI and Znuny are transcribed in their *stored* form (5 = most urgent, in
their own axis order) and converted to the canonical plain-data form when asked for, so
the data below can be compared line by line with the tools' own files.

This module holds data only; :meth:`itsm_core.priority.PriorityMatrix.preset` turns an
entry into a matrix.

>>> PRESET_NAMES
('itil-v3', 'servicenow-incident', 'servicenow-legacy', 'glpi', 'znuny-cip', 'itop')
>>> preset_data("glpi")["cells"][0]
['Very high', 'Very high', 'High', 'Medium', 'Low']
"""

from __future__ import annotations

from typing import Any

from itsm_core.errors import UnknownNameError
from itsm_core.priority._stored import Rows, to_plain

__all__ = ["PRESET_NAMES", "preset_data"]

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

_PLAIN: dict[str, dict[str, Any]] = {
    "itil-v3": _ITIL_V3,
    "servicenow-incident": _servicenow("4 - Low"),
    "servicenow-legacy": _servicenow("5 - Planning"),
    "itop": _ITOP,
}

#: The names :meth:`~itsm_core.priority.PriorityMatrix.preset` and :func:`preset_data` accept.
PRESET_NAMES = ("itil-v3", "servicenow-incident", "servicenow-legacy", "glpi", "znuny-cip", "itop")


def preset_data(name: str) -> dict[str, Any]:
    """The plain-data form of the published default matrix called ``name``.

    A fresh copy each call: changing it changes no preset.

    Raises:
        UnknownNameError: ``name`` is not one of :data:`PRESET_NAMES`.

    >>> preset_data("servicenow-incident")["cells"][2]
    ['3 - Moderate', '4 - Low', '4 - Low']
    >>> preset_data("servicenow-legacy")["cells"][2][2]
    '5 - Planning'
    >>> preset_data("itil-5x5")
    Traceback (most recent call last):
    ...
    itsm_core.errors.UnknownNameError: preset: unknown name 'itil-5x5'; expected one of 'itil-v3', 'servicenow-incident', 'servicenow-legacy', 'glpi', 'znuny-cip', 'itop'
    """
    if isinstance(name, str) and name in _STORED:
        stored, rows, names = _STORED[name]
        return to_plain(
            stored,
            rows=rows,
            most_urgent="highest",
            impact_labels=names,
            urgency_labels=names,
            priority_labels=names,
        )
    if isinstance(name, str) and name in _PLAIN:
        return {  # fresh lists all the way down: no two keys share a list
            key: [list(row) if isinstance(row, list) else row for row in value]
            for key, value in _PLAIN[name].items()
        }
    raise UnknownNameError("preset", name, PRESET_NAMES)

"""Priority matrices: impact × urgency → priority, validated, explained, overridable.

* :class:`PriorityMatrix`: the matrix, from plain data or a published :meth:`preset`;
  lookups by label or rank cost one dict access.
* :class:`Impact`, :class:`Urgency`, :class:`Priority`: the level values.
* :meth:`PriorityMatrix.validate`: policy findings (:class:`Finding`) as data.
* :meth:`PriorityMatrix.explain`: the cell and ordered override rules
  (:class:`RaiseLevel`, :class:`ForceTop`, :class:`ManualOverride`).
* :func:`from_stored` / :func:`to_stored`: other tools' stored orientations.

>>> m = PriorityMatrix.preset("servicenow-incident")
>>> m.priority(impact="2 - Medium", urgency="1 - High")
Priority(label='2 - High', rank=2)
"""

from __future__ import annotations

from itsm_core.priority.convert import flip_scale, from_stored, glpi_fallback, to_stored
from itsm_core.priority.explain import (
    Explanation,
    ForceTop,
    ManualOverride,
    OverrideRule,
    OverrideStep,
    RaiseLevel,
    rule_from_dict,
)
from itsm_core.priority.levels import Impact, Priority, Urgency
from itsm_core.priority.matrix import LevelRef, PriorityMatrix
from itsm_core.priority.presets import PRESET_NAMES
from itsm_core.priority.validation import Finding

__all__ = [
    "PRESET_NAMES",
    "Explanation",
    "Finding",
    "ForceTop",
    "Impact",
    "LevelRef",
    "ManualOverride",
    "OverrideRule",
    "OverrideStep",
    "Priority",
    "PriorityMatrix",
    "RaiseLevel",
    "Urgency",
    "flip_scale",
    "from_stored",
    "glpi_fallback",
    "rule_from_dict",
    "to_stored",
]

"""Priority matrices: impact × urgency → priority, validated, explained, overridable.

* :class:`PriorityMatrix`: the matrix, from plain data or a published
  :meth:`~PriorityMatrix.preset` (:data:`PRESET_NAMES`); lookups by label or rank cost
  one dict access.
* :class:`Impact`, :class:`Urgency`, :class:`Priority`: the level values.
* :func:`policy_findings`: policy findings (:class:`Finding`) as data.
* :func:`explain`: the cell and the ordered override rules (:class:`RaiseLevel`,
  :class:`ForceTop`, :class:`ManualOverride`, read from data by
  :meth:`OverrideRule.from_dict`) as a :class:`PriorityExplanation`.
* :func:`from_stored` / :func:`to_stored`: other tools' stored orientations
  (:func:`glpi_fallback` for GLPI's missing cells).

>>> m = PriorityMatrix.preset("servicenow-incident")
>>> m.priority(impact="2 - Medium", urgency="1 - High")
Priority(label='2 - High', rank=2)
>>> explain(m, impact=3, urgency=3, overrides=[ForceTop()]).effective.label
'1 - Critical'
"""

from __future__ import annotations

from itsm_core.priority.convert import from_stored, glpi_fallback, to_stored
from itsm_core.priority.explain import OverrideStep, PriorityExplanation, explain
from itsm_core.priority.levels import Impact, Priority, Urgency
from itsm_core.priority.matrix import PriorityMatrix
from itsm_core.priority.overrides import ForceTop, ManualOverride, OverrideRule, RaiseLevel
from itsm_core.priority.presets import PRESET_NAMES
from itsm_core.priority.validation import Finding, policy_findings

__all__ = [
    "PRESET_NAMES",
    "Finding",
    "ForceTop",
    "Impact",
    "ManualOverride",
    "OverrideRule",
    "OverrideStep",
    "Priority",
    "PriorityExplanation",
    "PriorityMatrix",
    "RaiseLevel",
    "Urgency",
    "explain",
    "from_stored",
    "glpi_fallback",
    "policy_findings",
    "to_stored",
]

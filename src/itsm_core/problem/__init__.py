"""Problem management: incident–problem links, recurrence, similarity, known errors.

A deterministic, explainable engine: rules as data, stable hashing, exact arithmetic where a
verdict is decided, and every candidate able to say why it exists.

>>> from itsm_core.problem import RecurrenceRule
>>> RecurrenceRule.from_dict({"name": "r", "keys": ["ci"], "window": "PT24H",
...                           "min_count": 5}).min_count
5
"""

from __future__ import annotations

from itsm_core.problem.records import (
    PROBLEM_STATES,
    Incident,
    KnownError,
    Problem,
    link,
    link_known_error,
    unlink,
    unlink_known_error,
)
from itsm_core.problem.recurrence import (
    GROUP_KEYS,
    RecurrenceCandidate,
    RecurrenceRule,
    find_recurring,
)

__all__ = [
    # records
    "Incident",
    "KnownError",
    "PROBLEM_STATES",
    "Problem",
    "link",
    "link_known_error",
    "unlink",
    "unlink_known_error",
    # recurrence
    "GROUP_KEYS",
    "RecurrenceCandidate",
    "RecurrenceRule",
    "find_recurring",
]

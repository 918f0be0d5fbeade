"""Problem management: incident–problem links, recurrence, similarity, known errors.

A deterministic, explainable engine: rules as data, stable hashing, exact arithmetic where a
verdict is decided, and every candidate able to say why it exists.

The text and hashing helpers behind it (``tokenize``, ``shingles``, ``jaccard``, ``MinHasher``,
``UnionFind``, ...) live in :mod:`~itsm_core.problem.text`, :mod:`~itsm_core.problem.minhash`,
:mod:`~itsm_core.problem.similarity` and :mod:`~itsm_core.problem.clustering`; a synthetic
stream with planted problems, for trying the engines out, in
:mod:`~itsm_core.problem.synthetic`.

>>> from itsm_core.problem.synthetic import generate_planted_problems
>>> data = generate_planted_problems(seed=3, incidents=300, problems=2)
>>> rule = RecurrenceRule.from_dict({"name": "burst", "keys": ["ci"], "window": "PT36H",
...                                  "min_count": 5})
>>> score = score_against_truth(find_recurring(data.incidents, rule), data.truth)
>>> score.problem_recall
Fraction(1, 1)
"""

from __future__ import annotations

from itsm_core.problem.clustering import ClusterExplanation, IncidentCluster, cluster_incidents
from itsm_core.problem.known_errors import (
    KnownErrorExplanation,
    KnownErrorIndex,
    KnownErrorMatch,
    MatchWeights,
)
from itsm_core.problem.metrics import (
    incidents_per_problem,
    linked_share,
    mean_time_to,
    median_time_to,
    open_problem_ages,
    repeat_incident_rate,
    time_to,
)
from itsm_core.problem.records import (
    MILESTONES,
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
    RecurrenceExplanation,
    RecurrenceRule,
    find_recurring,
)
from itsm_core.problem.scoring import GroupingScore, score_against_truth
from itsm_core.problem.similarity import SimilarIncident, similar_incidents

__all__ = [
    # records and linking
    "Incident",
    "KnownError",
    "MILESTONES",
    "PROBLEM_STATES",
    "Problem",
    "link",
    "link_known_error",
    "unlink",
    "unlink_known_error",
    # recurrence rules and candidates
    "GROUP_KEYS",
    "RecurrenceCandidate",
    "RecurrenceExplanation",
    "RecurrenceRule",
    "find_recurring",
    # similarity search
    "SimilarIncident",
    "similar_incidents",
    # clustering
    "ClusterExplanation",
    "IncidentCluster",
    "cluster_incidents",
    # known errors
    "KnownErrorExplanation",
    "KnownErrorIndex",
    "KnownErrorMatch",
    "MatchWeights",
    # metrics and scoring against known links
    "GroupingScore",
    "incidents_per_problem",
    "linked_share",
    "mean_time_to",
    "median_time_to",
    "open_problem_ages",
    "repeat_incident_rate",
    "score_against_truth",
    "time_to",
]

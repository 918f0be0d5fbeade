"""Problem management: incident–problem links, recurrence, similarity, known errors.

A deterministic, explainable engine: rules as data, stable hashing, exact arithmetic where a
verdict is decided, and every candidate able to say why it exists.

>>> from itsm_core.problem import RecurrenceRule, find_recurring, generate
>>> data = generate(seed=3, incidents=300, problems=2)
>>> rule = RecurrenceRule.from_dict({"name": "burst", "keys": ["ci"], "window": "PT36H",
...                                  "min_count": 5})
>>> ev = evaluate(find_recurring(data.incidents, rule), data.truth)
>>> ev.problem_recall
Fraction(1, 1)
"""

from __future__ import annotations

from itsm_core.problem.clustering import IncidentCluster, UnionFind, cluster_incidents
from itsm_core.problem.evaluation import Evaluation, evaluate
from itsm_core.problem.known_errors import KnownErrorIndex, KnownErrorMatch, MatchWeights
from itsm_core.problem.metrics import (
    MILESTONES,
    incidents_per_problem,
    linked_share,
    mean_time_to,
    median_time_to,
    open_problem_ages,
    repeat_incident_rate,
    time_to,
)
from itsm_core.problem.minhash import MinHasher, lsh_buckets, lsh_shape, stable_hash
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
from itsm_core.problem.similarity import SimilarIncident, TextIndex, similar_incidents
from itsm_core.problem.synthetic import SyntheticData, generate
from itsm_core.problem.text import STOPWORDS, TfidfModel, cosine, jaccard, shingles, tokenize

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
    # text similarity
    "MinHasher",
    "STOPWORDS",
    "SimilarIncident",
    "TextIndex",
    "TfidfModel",
    "cosine",
    "jaccard",
    "lsh_buckets",
    "lsh_shape",
    "shingles",
    "similar_incidents",
    "stable_hash",
    "tokenize",
    # clustering
    "IncidentCluster",
    "UnionFind",
    "cluster_incidents",
    # known errors
    "KnownErrorIndex",
    "KnownErrorMatch",
    "MatchWeights",
    # metrics and evaluation
    "Evaluation",
    "MILESTONES",
    "evaluate",
    "incidents_per_problem",
    "linked_share",
    "mean_time_to",
    "median_time_to",
    "open_problem_ages",
    "repeat_incident_rate",
    "time_to",
    # synthetic data
    "SyntheticData",
    "generate",
]

"""Readers refuse unknown keys everywhere, and calls bound their work: keys the junk
property test (test_hardening_junk.py) does not reach by itself.

Error messages and the bounds they obey are described in ``docs/design.md``.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timezone
from typing import Any

import pytest

from itsm_core.calendar import BusinessCalendar
from itsm_core.calendar.days import MAX_DAY_COUNT
from itsm_core.change.conflicts import conflicts_of, find_conflicts
from itsm_core.change.methods import Questionnaire, WeightedAverage
from itsm_core.change.request import ChangeRequest
from itsm_core.change.rules import Rule, RuleList
from itsm_core.change.scales import LevelTable, Scale
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError
from itsm_core.priority.matrix import PriorityMatrix
from itsm_core.problem.minhash import MinHasher, lsh_buckets
from itsm_core.sla.policy import SlaPolicy
from itsm_core.sla.targets import Targets

_QUESTION = {"factor": "tested", "weight": 1, "answers": {"yes": 0, "no": 3}}
_BANDS = [{"min": 0, "risk": "low"}]


@pytest.mark.parametrize(("read", "data", "path"), [
    (Questionnaire.from_dict, {"questions": [_QUESTION], "bands": _BANDS, "colour": 1}, "colour"),
    (Questionnaire.from_dict, {"questions": [{**_QUESTION, "colour": 1}], "bands": _BANDS},
     "questions[0].colour"),
    (Questionnaire.from_dict, {"questions": [_QUESTION], "bands": [{**_BANDS[0], "colour": 1}]},
     "bands[0].colour"),
    (WeightedAverage.from_dict, {"factors": [_QUESTION], "levels": _BANDS, "colour": 1}, "colour"),
    (Scale.from_dict, {"thresholds": [{"min": 0, "score": 1, "colour": 1}]},
     "thresholds[0].colour"),
    (Scale.from_dict, {"answers": {"yes": 0}, "colour": 1}, "colour"),
    (LevelTable.from_dict, {"levels": [{"min": 0, "risk": "low", "colour": 1}]},
     "levels[0].colour"),
    (Rule.from_dict, {"when": {}, "risk": "low", "colour": 1}, "colour"),
    (RuleList.from_dict, {"rules": [], "colour": 1}, "colour"),
])
def test_an_unknown_key_is_refused_at_its_path(read: Any, data: object, path: str) -> None:
    with pytest.raises(ConfigError) as info:
        read(data)
    assert info.value.path == path
    assert info.value.problem == "unknown key"


@pytest.mark.parametrize(("read", "data"), [
    (SlaPolicy.from_dict, {"definitions": [{"name": "a", "targets": "PT1H"}], "": 1}),
    (PriorityMatrix.from_dict, {**PriorityMatrix.preset("itil-v3").to_dict(), "": 1}),
    (Rule.from_dict, {"when": {}, "risk": "low", "": 1}),
    (BusinessCalendar.from_dict, {"versions": [{"from": "2025-01-01", "calendar": {
        "timezone": "UTC"}}], "": 1}),
])
def test_an_empty_unknown_key_is_shown(read: Any, data: object) -> None:
    with pytest.raises(ConfigError, match=r"unknown key ''|key '' unexpected"):
        read(data)


def test_an_empty_target_label_is_named() -> None:
    with pytest.raises(ConfigError, match="label '': "):
        Targets.from_dict({"": None})


def test_long_label_lists_are_shown_bounded() -> None:
    data = PriorityMatrix.preset("itil-v3").to_dict()
    data["impact"] = [*data["impact"], "x" * 10_000, *(f"i{n}" for n in range(5000))]
    with pytest.raises(ConfigError) as info:
        PriorityMatrix.from_dict(data)
    assert "cells" in str(info.value) and len(str(info.value)) < 2000


def test_add_business_days_is_bounded() -> None:
    cal = BusinessCalendar.from_dict({"timezone": "UTC", "hours": {
        d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}})
    start = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)
    began = time.perf_counter()
    for n in (2**63, -(2**63), MAX_DAY_COUNT + 1, -MAX_DAY_COUNT - 1):
        with pytest.raises(InvalidArgumentError, match=r"^n: "):
            cal.add_business_days(start, n)
    assert time.perf_counter() - began < 2.0  # the old code stepped day by day (> 5 s)
    # at the limit the answer is still found, and counts back to the start
    end = cal.add_business_days(date(2025, 1, 6), MAX_DAY_COUNT)
    assert cal.business_days_between(date(2025, 1, 6), end) == MAX_DAY_COUNT


def test_minhash_arguments_are_checked() -> None:
    hasher = MinHasher(num_perm=4)
    for junk in (None, 3, "vpn"):
        with pytest.raises(ArgumentTypeError, match=r"^shingle_set: "):
            hasher.signature(junk)  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match=r"^shingle_set: .* got an item 1"):
        hasher.signature(frozenset({1}))  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match=r"^signatures\[0\]: "):
        lsh_buckets([[[1]], [[1]]], bands=1, rows=1)  # type: ignore[list-item]
    # a signature shorter than the bands would put every pair in the empty last band
    with pytest.raises(InvalidArgumentError, match=r"^signatures\[1\]: 1 values"):
        lsh_buckets([(1, 2), (3,)], bands=2, rows=1)


def _change(name: str) -> ChangeRequest:
    return ChangeRequest.from_dict({"id": name, "type": "normal", "cis": ["db"],
                                    "start": "2025-03-01T22:00+00:00",
                                    "end": "2025-03-02T01:00+00:00"})


@pytest.mark.parametrize("name", ["windows", "topology"])
def test_optional_conflict_arguments_are_type_checked(name: str) -> None:
    for junk in (True, {"web": ["db"]}, "db"):
        with pytest.raises(ArgumentTypeError, match=f"^{name}: "):
            find_conflicts([_change("C1")], **{name: junk})  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match=r"^change: "):
        conflicts_of(None)  # type: ignore[arg-type]


def test_policy_evaluate_checks_its_events() -> None:
    policy = SlaPolicy.from_dict({"definitions": [{"name": "a", "targets": "PT1H"}]})
    for junk in (None, 5, "events"):
        with pytest.raises(ArgumentTypeError, match=r"^events: "):
            policy.evaluate(junk)  # type: ignore[arg-type]

"""Incident / Problem / KnownError values and the pure link functions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    ItsmError,
    NaiveDatetimeError,
    UnknownNameError,
)
from itsm_core.problem import (
    Incident,
    KnownError,
    Problem,
    RecurrenceRule,
    cluster_incidents,
    find_recurring,
    link,
    link_known_error,
    linked_share,
    mean_time_to,
    unlink,
    unlink_known_error,
)

T = datetime(2025, 1, 1, tzinfo=timezone.utc)


class TestIncident:
    def test_resolved_at_opened_is_allowed(self) -> None:
        assert Incident(id="I", opened_at=T, resolved_at=T).resolved_at == T

    def test_resolved_before_opened(self) -> None:
        with pytest.raises(InvalidArgumentError, match="resolved_at"):
            Incident(id="I", opened_at=T, resolved_at=T - timedelta(seconds=1))

    def test_naive_resolved(self) -> None:
        with pytest.raises(NaiveDatetimeError, match="resolved_at"):
            Incident(id="I", opened_at=T, resolved_at=datetime(2025, 1, 2))

    @pytest.mark.parametrize("field", ["id", "ci", "service", "category", "problem_id"])
    def test_bad_text_fields_name_the_field(self, field: str) -> None:
        kwargs: dict[str, object] = {"id": "I", "opened_at": T, field: 5}
        with pytest.raises(ArgumentTypeError, match=field):
            Incident(**kwargs)  # type: ignore[arg-type]
        kwargs[field] = ""
        with pytest.raises(InvalidArgumentError, match=field):
            Incident(**kwargs)  # type: ignore[arg-type]

    def test_text_must_be_string(self) -> None:
        with pytest.raises(ArgumentTypeError, match="text"):
            Incident(id="I", opened_at=T, text=None)  # type: ignore[arg-type]

    def test_frozen_and_hashable(self) -> None:
        inc = Incident(id="I", opened_at=T)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            inc.ci = "x"  # type: ignore[misc]
        assert hash(inc) == hash(Incident(id="I", opened_at=T))

    def test_same_instant_in_another_zone_is_the_same_instant(self) -> None:
        other = T.astimezone(timezone(timedelta(hours=5)))
        assert Incident(id="I", opened_at=other) == Incident(id="I", opened_at=T)
        # the engines see one instant: a window of 1 µs holds both incidents
        pair = [Incident(id="A", opened_at=T, ci="x"), Incident(id="B", opened_at=other, ci="x")]
        rule = RecurrenceRule(name="r", keys=("ci",), window=timedelta(microseconds=1),
                              min_count=2)
        assert [c.incident_ids for c in find_recurring(pair, rule)] == [("A", "B")]


class TestProblem:
    def test_unknown_state(self) -> None:
        with pytest.raises(InvalidArgumentError, match="state"):
            Problem(id="P", opened_at=T, state="done")

    def test_milestone_before_opened(self) -> None:
        with pytest.raises(InvalidArgumentError, match="root_cause_at"):
            Problem(id="P", opened_at=T, root_cause_at=T - timedelta(hours=1))

    def test_cis_sorted_distinct(self) -> None:
        assert Problem(id="P", opened_at=T, cis=("b", "a", "b")).cis == ("a", "b")

    def test_cis_string_refused(self) -> None:
        with pytest.raises(ArgumentTypeError, match="cis"):
            Problem(id="P", opened_at=T, cis="db01")

    def test_milestone(self) -> None:
        p = Problem(id="P", opened_at=T, fixed_at=T + timedelta(days=1))
        assert p.milestone("fixed_at") == T + timedelta(days=1)
        assert p.milestone("root_cause_at") is None
        with pytest.raises(UnknownNameError, match="milestone"):
            p.milestone("opened_at")

    @pytest.mark.parametrize(("state", "is_open"), [("new", True), ("fix_in_progress", True),
                                                    ("resolved", False), ("closed", False)])
    def test_is_open(self, state: str, is_open: bool) -> None:
        assert Problem(id="P", opened_at=T, state=state).is_open is is_open


class TestLink:
    def test_link_is_pure_and_idempotent(self) -> None:
        inc, prb = Incident(id="I", opened_at=T), Problem(id="P", opened_at=T)
        inc2, prb2 = link(inc, prb)
        assert inc.problem_id is None and prb.incident_ids == ()
        assert link(inc2, prb2) == (inc2, prb2)

    def test_link_to_other_problem_refused(self) -> None:
        inc, _ = link(Incident(id="I", opened_at=T), Problem(id="P", opened_at=T))
        with pytest.raises(InvalidArgumentError, match="unlink it first"):
            link(inc, Problem(id="Q", opened_at=T))

    def test_unlink_not_linked(self) -> None:
        with pytest.raises(InvalidArgumentError, match="not linked"):
            unlink(Incident(id="I", opened_at=T), Problem(id="P", opened_at=T))

    def test_wrong_types(self) -> None:
        with pytest.raises(ArgumentTypeError, match="problem"):
            link(Incident(id="I", opened_at=T), KnownError(id="K"))  # type: ignore[arg-type]
        with pytest.raises(ArgumentTypeError, match="incident"):
            link(Problem(id="P", opened_at=T), Problem(id="P", opened_at=T))  # type: ignore[arg-type]

    @given(st.lists(st.tuples(st.booleans(), st.integers(0, 4)), max_size=30))
    def test_link_unlink_sequence_matches_set_model(self, ops: list[tuple[bool, int]]) -> None:
        incs = {n: Incident(id=f"I{n}", opened_at=T) for n in range(5)}
        prb = Problem(id="P", opened_at=T)
        model: set[int] = set()
        for do_link, n in ops:
            if do_link:
                incs[n], prb = link(incs[n], prb)
                model.add(n)
            elif n in model:
                incs[n], prb = unlink(incs[n], prb)
                model.discard(n)
            else:
                with pytest.raises(ItsmError):
                    unlink(incs[n], prb)
            assert prb.incident_ids == tuple(sorted(f"I{m}" for m in model))
            assert {n for n, i in incs.items() if i.problem_id == "P"} == model

    def test_known_error_links(self) -> None:
        inc = link_known_error(Incident(id="I", opened_at=T), KnownError(id="K"))
        assert inc.known_error_id == "K"
        with pytest.raises(InvalidArgumentError, match="known_error_id"):
            link_known_error(inc, KnownError(id="K2"))
        with pytest.raises(InvalidArgumentError, match="does not match"):
            unlink_known_error(inc, KnownError(id="K2"))
        assert unlink_known_error(inc, KnownError(id="K")).known_error_id is None


class TestBadCollections:
    def test_duplicate_incident_ids_refused_everywhere(self) -> None:
        twice = [Incident(id="I", opened_at=T), Incident(id="I", opened_at=T)]
        rule = RecurrenceRule(name="r", keys=("ci",), window="PT1H", min_count=2)
        for call in (lambda: find_recurring(twice, rule), lambda: cluster_incidents(twice),
                     lambda: linked_share(twice)):
            with pytest.raises(InvalidArgumentError, match=r"incidents\[1\]: id 'I'"):
                call()

    def test_problems_must_be_problems(self) -> None:
        rule = RecurrenceRule(name="r", keys=("ci",), window="PT1H", min_count=2)
        with pytest.raises(ArgumentTypeError, match=r"problems\[0\]"):
            find_recurring([], rule, problems=["P1"])  # type: ignore[list-item]
        with pytest.raises(ArgumentTypeError, match=r"problems\[0\]"):
            mean_time_to([None], "fixed_at")  # type: ignore[list-item]

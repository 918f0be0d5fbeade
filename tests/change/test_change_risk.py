"""Change requests and risk: validation, each method, combination by maximum, explanations."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_change import at, change

from itsm_core._config import read_at
from itsm_core.change import ChangeRequest, RiskHistory, RiskLevel, RiskModel, assess
from itsm_core.change.scales import LevelTable
from itsm_core.errors import (
    ConfigError,
    InvalidArgumentError,
    ItsmError,
    NaiveDatetimeError,
    UnknownNameError,
)
from itsm_core.topology import Topology

QUESTIONNAIRE = {
    # The shape of ServiceNow's risk assessment: weighted answers, bands 0-25 / 26-50 / 51+.
    "questions": [
        {"factor": "backout_plan", "weight": 10, "answers": {"yes": 0, "no": 3}},
        {"factor": "tested", "weight": 5, "answers": {"yes": 0, "partly": 2, "no": 4}, "default": "no"},
        {"factor": "ci_failures", "weight": 2, "thresholds": [{"min": 0, "score": 0}, {"min": 2, "score": 5}]},
    ],
    "bands": [{"min": 0, "max": 25, "risk": "low"}, {"min": 26, "max": 50, "risk": "moderate"},
              {"min": 51, "risk": "high"}],
}
WEIGHTED = {
    "factors": [
        {"factor": "services_affected", "weight": 2,
         "thresholds": [{"min": 0, "score": 1}, {"min": 3, "score": 3}, {"min": 10, "score": 5}]},
        {"factor": "implementer_success_rate", "weight": 1,
         "thresholds": [{"min": 0, "score": 5}, {"min": "0.8", "score": 3}, {"min": "0.95", "score": 1}]},
    ],
    "levels": [{"min": 1, "risk": "low"}, {"min": 2, "risk": "moderate"}, {"min": 3, "risk": "high"},
               {"min": "4.5", "risk": "very_high"}],
}
RULES = [
    {"name": "emergency", "when": {"type": "emergency"}, "risk": "high"},
    {"name": "core db", "when": {"ci": ["db"], "duration_hours": {">": 4}}, "risk": "very_high"},
]
TOPO = Topology.from_dict({"web": ["app"], "app": ["db"], "db": [], "report": ["db"]})


class TestChangeRequest:
    def test_end_before_start_names_end(self) -> None:
        with pytest.raises(ConfigError) as info:
            read_at("changes[7]", ChangeRequest.from_dict,
                    {"id": "C1", "type": "normal", "cis": ["db"],
                     "start": "2025-01-01T05:00+00:00", "end": "2025-01-01T04:00+00:00"})
        assert info.value.path == "changes[7].end"

    def test_unknown_type_names_the_field(self) -> None:
        with pytest.raises(UnknownNameError) as info:
            ChangeRequest.from_dict({"id": "C", "type": "major", "start": "2025-01-01T00:00+00:00",
                                     "end": "2025-01-01T01:00+00:00"})
        assert info.value.what == "type" and info.value.name == "major"

    @pytest.mark.parametrize(("data", "path"), [
        ({"id": "", "type": "normal", "start": "2025-01-01T00:00+00:00", "end": "2025-01-01T01:00+00:00"}, "id"),
        ({"id": "C", "type": "normal", "cis": "db", "start": "2025-01-01T00:00+00:00",
          "end": "2025-01-01T01:00+00:00"}, "cis"),
        ({"id": "C", "type": "normal", "cis": ["db", 3], "start": "2025-01-01T00:00+00:00",
          "end": "2025-01-01T01:00+00:00"}, "cis[1]"),
        ({"id": "C", "type": "normal", "start": "2025-01-01T00:00", "end": "2025-01-01T01:00+00:00"}, "start"),
        ({"id": "C", "type": "normal", "start": "2025-01-01T00:00+00:00"}, "end"),
        ({"id": "C", "type": "normal", "start": "2025-01-01T00:00+00:00", "end": "2025-01-01T01:00+00:00",
          "colour": "red"}, "colour"),
        ({"id": "C", "type": "normal", "start": "2025-01-01T00:00+00:00", "end": "2025-01-01T01:00+00:00",
          "fields": [1]}, "fields"),
    ])
    def test_bad_input_names_the_field(self, data: dict[str, object], path: str) -> None:
        with pytest.raises(ConfigError) as info:
            ChangeRequest.from_dict(data)
        assert info.value.path == path

    def test_naive_instant(self) -> None:
        with pytest.raises(NaiveDatetimeError):
            ChangeRequest(id="C", type="normal", cis=[], start=datetime(2025, 1, 1), end=at(1))

    def test_round_trip_and_hash(self) -> None:
        cr = change("C1", 0, 2, ("db", "app", "db"), assignee="ana", backout_plan="yes")
        assert cr.cis == ("db", "app")
        again = ChangeRequest.from_dict(cr.to_dict())
        assert again == cr and hash(again) == hash(cr)
        assert again.start == cr.start and again.duration == timedelta(hours=2)


class TestMethods:
    def test_questionnaire_points_and_band(self) -> None:
        model = RiskModel.from_dict({"questionnaire": QUESTIONNAIRE})
        result = model.assess(change("C", 0, 1, backout_plan="no", tested="partly"),
                              history=RiskHistory(ci_failures={"db": 2}))
        # 10*3 + 5*2 + 2*5 = 50: the top of the moderate band (26-50).
        assert result.score == 50 and result.level is RiskLevel.MODERATE
        assert [c.points for c in result.contributions] == [30, 10, 10]

    def test_questionnaire_default_answer(self) -> None:
        model = RiskModel.from_dict({"questionnaire": QUESTIONNAIRE})
        result = model.assess(change("C", 0, 1, backout_plan="yes"), history=RiskHistory())
        assert result.score == 20 and "default answer 'no'" in result.contributions[1].detail

    def test_missing_answer_without_default_names_field(self) -> None:
        model = RiskModel.from_dict({"questionnaire": QUESTIONNAIRE})
        with pytest.raises(InvalidArgumentError, match=r"fields\.backout_plan: missing"):
            model.assess(change("C", 0, 1), history=RiskHistory())

    def test_weighted_average_from_history_and_topology(self) -> None:
        model = RiskModel.from_dict({"weighted_average": WEIGHTED})
        cr = change("C", 0, 1, ("db",), assignee="ana")
        result = assess(cr, model, history=RiskHistory(implementer_record={"ana": (17, 20)}),
                        topology=TOPO)
        # db is needed by app, web and report: 4 services; success 17/20 = 0.85 -> score 3.
        assert result.score == Fraction(2 * 3 + 3, 3) and result.level is RiskLevel.HIGH
        assert sum(c.points for c in result.contributions if c.points is not None) == result.score

    def test_rules_first_match(self) -> None:
        model = RiskModel.from_dict({"rules": RULES}, known_cis=TOPO)
        assert model.assess(change("C", 0, 5, type="emergency")).level is RiskLevel.HIGH
        long_db = model.assess(change("C", 0, 5))
        assert long_db.level is RiskLevel.VERY_HIGH
        assert [c.detail for c in long_db.contributions] == [
            "core db matched: cis contains 'db'", "core db matched: duration_hours > 4"]
        assert model.assess(change("C", 0, 4)).decided_by == "default"

    def test_highest_method_wins_ties_to_earliest(self) -> None:
        model = RiskModel.from_dict({"rules": RULES, "questionnaire": QUESTIONNAIRE})
        result = model.assess(change("C", 0, 1, type="emergency", backout_plan="no", tested="no"),
                              history=RiskHistory(ci_failures={"db": 9}))
        # questionnaire 30 + 20 + 10 = 60 -> high; the emergency rule -> high: rules decide.
        assert result.level is RiskLevel.HIGH and result.decided_by == "rules"
        assert {m.method: m.level for m in result.methods} == {
            "rules": RiskLevel.HIGH, "questionnaire": RiskLevel.HIGH}


class TestConfigErrors:
    @pytest.mark.parametrize(("bands", "fragment"), [
        ([{"min": 0, "max": 25, "risk": "low"}, {"min": 27, "risk": "high"}], "gap"),
        ([{"min": 0, "max": 25, "risk": "low"}, {"min": 25, "risk": "high"}], "overlap"),
        ([{"min": 0, "risk": "low"}, {"min": 26, "risk": "high"}], "overlap"),
        ([{"min": 5, "max": 100, "risk": "low"}], "lowest attainable"),
        ([{"min": 0, "max": 50, "risk": "low"}], "highest attainable"),
    ])
    def test_band_table(self, bands: list[dict[str, object]], fragment: str) -> None:
        with pytest.raises(ConfigError, match=fragment) as info:
            RiskModel.from_dict({"questionnaire": {**QUESTIONNAIRE, "bands": bands}})
        assert info.value.path.startswith("questionnaire.bands")

    def test_unknown_risk_level_in_band_table(self) -> None:
        bands = [{"min": 0, "max": 90, "risk": "catastrophic"}]
        with pytest.raises(UnknownNameError, match="unknown name 'catastrophic'") as info:
            RiskModel.from_dict({"questionnaire": {**QUESTIONNAIRE, "bands": bands}})
        assert info.value.what.startswith("questionnaire.bands")

    def test_unknown_ci_in_rule(self) -> None:
        with pytest.raises(UnknownNameError) as info:
            RiskModel.from_dict({"rules": [{"when": {"ci": ["app", "dbx"]}, "risk": "high"}]},
                                known_cis=TOPO)
        assert info.value.what == "rules[0].when.ci[1]"

    @pytest.mark.parametrize(("data", "path"), [
        ({"rules": [{"when": {"x": {"~": 1}}, "risk": "low"}]}, "rules[0].when.x"),
        ({"rules": [{"when": {"x": {">": "big"}}, "risk": "low"}]}, "rules[0].when.x.>"),
        ({"questionnaire": {**QUESTIONNAIRE, "questions": [
            {"factor": "f", "weight": "1/2", "answers": {"a": 1}}]}}, "questionnaire.questions[0].weight"),
        ({"weighted_average": {**WEIGHTED, "levels": [{"min": 2, "risk": "low"}]}}, "weighted_average.levels"),
        ({"weighted_average": {**WEIGHTED, "factors": [{"factor": "f", "weight": 1,
                                                        "answers": {"a": 1}, "thresholds": []}]}},
         "weighted_average.factors[0]"),
    ])
    def test_paths(self, data: dict[str, object], path: str) -> None:
        with pytest.raises(ConfigError) as info:
            RiskModel.from_dict(data)
        assert info.value.path == path

    def test_unknown_default_level(self) -> None:
        with pytest.raises(UnknownNameError) as info:
            RiskModel.from_dict({"default": "none"})
        assert info.value.what == "default"

    def test_wrong_factor_type_is_an_itsm_error(self) -> None:
        model = RiskModel.from_dict({"rules": [{"when": {"size": {">": 3}}, "risk": "high"}]})
        with pytest.raises(ItsmError, match=r"fields\.size"):
            model.assess(change("C", 0, 1, size="big"))


def test_round_trip() -> None:
    model = RiskModel.from_dict({"rules": RULES, "questionnaire": QUESTIONNAIRE,
                                 "weighted_average": WEIGHTED, "default": "moderate"})
    assert RiskModel.from_dict(model.to_dict()) == model
    history = RiskHistory(ci_failures={"db": 2}, implementer_record={"ana": (17, 20)})
    assert RiskHistory.from_dict(history.to_dict()) == history


def test_a_rule_on_several_cis_round_trips() -> None:
    model = RiskModel.from_dict({"rules": [{"name": "core", "when": {"ci": ["db", "app"]}, "risk": "high"}]})
    assert model.to_dict()["rules"] == [{"name": "core", "when": {"ci": ["db", "app"]}, "risk": "high"}]
    assert RiskModel.from_dict(model.to_dict()) == model


def test_an_unknown_answer_is_an_unknown_name() -> None:
    model = RiskModel.from_dict({"questionnaire": QUESTIONNAIRE})
    with pytest.raises(UnknownNameError) as info:
        model.assess(change("C", 0, 1, backout_plan="maybe"), history=RiskHistory())
    assert info.value.what == "fields.backout_plan" and info.value.known == ("yes", "no")


# -- invariants ---------------------------------------------------------------------------------

Row = tuple[int, "int | None", str]


@st.composite
def band_tables(draw: st.DrawFn) -> list[Row]:
    rows: list[Row] = []
    low = draw(st.integers(-5, 5))
    for _ in range(draw(st.integers(1, 5))):
        high = low + draw(st.integers(-1, 6))
        rows.append((low, high, draw(st.sampled_from(["low", "high"]))))
        low = high + 1 + draw(st.sampled_from([0, 0, 0, -1, 1, -3]))
    if draw(st.booleans()):
        rows[-1] = (rows[-1][0], None, rows[-1][2])
    return rows


@given(band_tables())
def test_band_tables_accepted_iff_each_integer_has_one_band(rows: list[Row]) -> None:
    """Oracle: for every integer from the first min on, count the bands that hold it."""
    top = max(r[1] if r[1] is not None else r[0] for r in rows) + 10

    def holds(row: Row, x: int) -> bool:
        return row[0] <= x and (row[1] is None or x <= row[1])

    ordered = all(a[0] < b[0] for a, b in itertools.pairwise(rows))
    well_formed = all(r[1] is None or r[1] >= r[0] for r in rows)
    last = rows[-1][1] if rows[-1][1] is not None else top
    exact = all(sum(holds(r, x) for r in rows) == 1 for x in range(rows[0][0], last + 1))
    data = [{"min": lo, "risk": risk, **({} if hi is None else {"max": hi})} for lo, hi, risk in rows]
    try:
        table = LevelTable.from_dict({"bands": data})
    except ConfigError:
        assert not (ordered and well_formed and exact)
    else:
        assert ordered and well_formed and exact
        for x in range(rows[0][0], last + 1):
            row = next(r for r in rows if holds(r, x))
            assert table.level(Fraction(x))[0] is RiskLevel.parse(row[2], "r")


@given(backout=st.sampled_from(["yes", "no"]), tested=st.sampled_from(["yes", "partly", "no"]),
       failures=st.integers(0, 6), emergency=st.booleans(), hours=st.integers(1, 8),
       rate=st.tuples(st.integers(0, 20), st.integers(0, 20)).map(lambda p: (min(p), max(p))))
def test_level_is_max_of_methods_and_contributions_add_up(
        backout: str, tested: str, failures: int, emergency: bool, hours: int,
        rate: tuple[int, int]) -> None:
    model = RiskModel.from_dict({"rules": RULES, "questionnaire": QUESTIONNAIRE,
                                 "weighted_average": {**WEIGHTED, "factors": [
                                     *WEIGHTED["factors"],  # type: ignore[list-item]
                                     {"factor": "implementer_success_rate", "weight": 0,
                                      "thresholds": [{"min": 0, "score": 1}]}]}})
    cr = change("C", 0, hours, ("db",), type="emergency" if emergency else "normal",
                assignee="ana", backout_plan=backout, tested=tested,
                implementer_success_rate=Fraction(rate[0], rate[1]) if rate[1] else Fraction(1))
    result = model.assess(cr, history=RiskHistory(ci_failures={"db": failures}), topology=TOPO)
    levels = [m.level for m in result.methods if m.level is not None]
    assert result.level == max(levels, default=RiskLevel.LOW)
    for method in result.methods:
        if method.score is not None:
            assert method.score == sum(c.points for c in method.contributions if c.points is not None)
    assert result.to_dict()["level"] == result.level.label

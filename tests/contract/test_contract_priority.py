"""Acceptance tests of priority matrices, validated and explained.

The preset tables below are transcribed, in each tool's own numbering and storage order, from
the published sources: ITIL v3 / 2011 *Service Operation* Table 4.1, ServiceNow
``dl_u_priority`` / ``dl_problem_priority``, GLPI ``install/empty_data.php``, the Znuny/OTRS
ITSM CIP default and iTop ``ComputePriority``; the tests convert orientation themselves, so a
preset stored with swapped axes or a flipped scale fails.
"""

from __future__ import annotations

import contextlib
import pickle
from datetime import datetime, timedelta, timezone
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core import ConfigError, ItsmError, Priority, PriorityMatrix, SlaDefinition, TicketEvent
from itsm_core.priority import (
    ForceTop,
    ManualOverride,
    RaiseLevel,
    explain,
    from_stored,
    policy_findings,
    to_stored,
)
from itsm_core.priority.convert import flip_scale

DOCUMENTED_FORM = {
    "impact": ["1 - High", "2 - Medium", "3 - Low"],
    "urgency": ["1 - High", "2 - Medium", "3 - Low"],
    "priority": ["1 - Critical", "2 - High", "3 - Moderate", "4 - Low", "5 - Planning"],
    "cells": [["1 - Critical", "2 - High", "3 - Moderate"],
              ["2 - High", "3 - Moderate", "4 - Low"],
              ["3 - Moderate", "4 - Low", "5 - Planning"]],
}

# rows impact, columns urgency, 1 = most urgent (ITIL v3 Service Operation, Table 4.1)
ITIL = [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
# ServiceNow dl_u_priority, current incident documentation: (3,3) is 4
SERVICENOW = [[1, 2, 3], [2, 3, 4], [3, 4, 4]]
# legacy incident default and dl_problem_priority: (3,3) is 5
SERVICENOW_LEGACY = [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
# GLPI install/empty_data.php: stored [urgency][impact], 5 = most urgent
GLPI_STORED = [[1, 1, 2, 2, 2], [1, 2, 2, 3, 3], [2, 2, 3, 4, 4], [2, 3, 4, 4, 5],
               [2, 3, 4, 5, 5]]
# Znuny / OTRS ITSM CIP: stored [impact][criticality], 5 = most urgent
ZNUNY_STORED = [[1, 1, 2, 2, 3], [1, 2, 2, 3, 4], [2, 2, 3, 4, 4], [2, 3, 4, 4, 5],
                [3, 4, 4, 5, 5]]
# iTop ComputePriority: rows impact 1..3, columns urgency 1..4, 1 = most urgent
ITOP = [[1, 1, 2, 4], [1, 2, 3, 4], [2, 3, 3, 4]]


def canonical_from_reversed(stored: list[list[int]], *, urgency_rows: bool) -> list[list[int]]:
    """A 5-is-urgent stored table as ranks[impact_rank-1][urgency_rank-1], 1 = most urgent."""
    size = len(stored)
    out = []
    for impact_rank in range(1, size + 1):
        row = []
        for urgency_rank in range(1, size + 1):
            i, u = size + 1 - impact_rank, size + 1 - urgency_rank
            value = stored[u - 1][i - 1] if urgency_rows else stored[i - 1][u - 1]
            row.append(size + 1 - value)
        out.append(row)
    return out


EXPECTED_RANKS = {
    "itil-v3": ITIL,
    "servicenow-incident": SERVICENOW,
    "servicenow-legacy": SERVICENOW_LEGACY,
    "glpi": canonical_from_reversed(GLPI_STORED, urgency_rows=True),
    "znuny-cip": canonical_from_reversed(ZNUNY_STORED, urgency_rows=False),
    "itop": ITOP,
}

# a lopsided matrix: 2 impacts x 4 urgencies, every cell distinct, so swapped axes or a
# flipped scale cannot pass
LOPSIDED = {
    "impact": ["I1", "I2"],
    "urgency": ["U1", "U2", "U3", "U4"],
    "priority": [f"P{k}" for k in range(1, 9)],
    "cells": [["P1", "P2", "P4", "P6"], ["P3", "P5", "P7", "P8"]],
}


class TestPlainDataForm:
    def test_documented_form_round_trips_exactly(self):
        matrix = PriorityMatrix.from_dict(DOCUMENTED_FORM)
        assert matrix.to_dict() == DOCUMENTED_FORM
        assert PriorityMatrix.from_dict(matrix.to_dict()) == matrix

    def test_lookups_take_labels_or_ranks_and_return_a_priority(self):
        matrix = PriorityMatrix.from_dict(DOCUMENTED_FORM)
        by_label = matrix.priority(impact="2 - Medium", urgency="1 - High")
        assert by_label == Priority(label="2 - High", rank=2)
        assert (by_label.label, by_label.rank) == ("2 - High", 2)
        assert matrix.priority(impact=2, urgency=1) == by_label
        assert matrix.priority(impact="3 - Low", urgency=3) == Priority(label="5 - Planning",
                                                                          rank=5)

    def test_levels_have_a_label_and_a_1_based_rank_most_severe_first(self):
        matrix = PriorityMatrix.from_dict(DOCUMENTED_FORM)
        assert [(lv.label, lv.rank) for lv in matrix.impact_levels] == [
            ("1 - High", 1), ("2 - Medium", 2), ("3 - Low", 3)]
        assert [lv.rank for lv in matrix.urgency_levels] == [1, 2, 3]
        assert [(lv.label, lv.rank) for lv in matrix.priority_levels][-1] == ("5 - Planning", 5)

    def test_cells_are_impact_rows_urgency_columns(self):
        matrix = PriorityMatrix.from_dict(LOPSIDED)
        for i, u in product(range(2), range(4)):
            assert matrix.priority(impact=i + 1, urgency=u + 1).label == LOPSIDED["cells"][i][u]
        assert matrix.to_dict() == LOPSIDED

    def test_value_semantics(self):
        matrix = PriorityMatrix.preset("glpi")
        assert pickle.loads(pickle.dumps(matrix)) == matrix
        assert hash(matrix) == hash(PriorityMatrix.preset("glpi"))


class TestPresets:
    @pytest.mark.parametrize("name", sorted(EXPECTED_RANKS))
    def test_published_cells(self, name):
        matrix = PriorityMatrix.preset(name)
        expected = EXPECTED_RANKS[name]
        got = [[matrix.priority(impact=i + 1, urgency=u + 1).rank
                for u in range(len(expected[0]))] for i in range(len(expected))]
        assert got == expected

    def test_servicenow_labels_and_the_3_3_cell(self):
        incident = PriorityMatrix.preset("servicenow-incident")
        legacy = PriorityMatrix.preset("servicenow-legacy")
        assert incident.to_dict()["impact"] == ["1 - High", "2 - Medium", "3 - Low"]
        assert incident.to_dict()["priority"] == ["1 - Critical", "2 - High", "3 - Moderate",
                                                  "4 - Low", "5 - Planning"]
        assert incident.priority(impact="3 - Low", urgency="3 - Low").label == "4 - Low"
        assert legacy.priority(impact="3 - Low", urgency="3 - Low").label == "5 - Planning"
        assert legacy == PriorityMatrix.from_dict(DOCUMENTED_FORM)

    def test_tool_labels(self):
        itil = PriorityMatrix.preset("itil-v3").to_dict()
        assert itil["priority"] == ["Critical", "High", "Medium", "Low", "Planning"]
        itop = PriorityMatrix.preset("itop").to_dict()
        assert itop["impact"] == ["A department", "A service", "A person"]
        assert itop["urgency"] == ["Critical", "High", "Medium", "Low"]
        glpi = PriorityMatrix.preset("glpi").to_dict()
        assert glpi["urgency"] == ["Very high", "High", "Medium", "Low", "Very low"]

    def test_unknown_preset_is_an_itsm_error(self):
        with pytest.raises(ItsmError, match=r"preset|name"):
            PriorityMatrix.preset("remedy")


class TestStructuralErrors:
    @pytest.mark.parametrize(("change", "path"), [
        ({"cells": [["P", "P"], ["P"]]}, "cells[1]"),                       # ragged / missing
        ({"cells": [["P", "P"], ["P", "Q"]]}, "cells[1][1]"),               # outside levels
        ({"impact": ["A", "A"]}, "impact"),                                 # duplicate labels
        ({"cells": [["P", "P"]]}, "cells"),                                 # a missing row
    ])
    def test_refused_at_construction_naming_the_cells(self, change, path):
        base = {"impact": ["A", "B"], "urgency": ["X", "Y"], "priority": ["P"],
                "cells": [["P", "P"], ["P", "P"]]}
        with pytest.raises(ConfigError) as info:
            PriorityMatrix.from_dict({**base, **change})
        assert str(info.value).startswith(path)

    @given(st.dictionaries(st.sampled_from(["impact", "urgency", "priority", "cells", "x"]),
                           st.recursive(st.none() | st.integers() | st.text(max_size=4),
                                        lambda inner: st.lists(inner, max_size=3),
                                        max_leaves=10)))
    def test_junk_raises_only_itsm_errors(self, junk):
        with contextlib.suppress(ItsmError):
            PriorityMatrix.from_dict(junk)


class TestValidation:
    def test_atlassian_non_monotone_cell_is_flagged_not_refused(self):
        # Atlassian, Jira Service Management cloud, "Create an impact urgency priority
        # matrix": for the lowest impact, medium urgency gives Lowest, low urgency gives Low
        atlassian = PriorityMatrix.from_dict({
            "impact": ["Extensive / Widespread", "Significant / Large", "Moderate / Limited",
                       "Minor / Localized"],
            "urgency": ["Critical", "High", "Medium", "Low", "Lowest"],
            "priority": ["Highest", "High", "Medium", "Low", "Lowest"],
            "cells": [["Highest", "High", "Medium", "Low", "Lowest"],
                      ["Highest", "High", "Medium", "Low", "Lowest"],
                      ["High", "Medium", "Low", "Low", "Lowest"],
                      ["Medium", "Low", "Lowest", "Low", "Lowest"]]})
        findings = policy_findings(atlassian)
        assert [f.kind for f in findings] == ["non_monotone"]
        assert findings[0].path == "cells[3][2]"
        assert isinstance(findings[0].to_dict(), dict)

    def test_unreachable_priority_levels(self):
        findings = policy_findings(PriorityMatrix.preset("servicenow-incident"))
        assert [(f.kind, f.to_dict()["priority"]) for f in findings] == [
            ("unreachable", "5 - Planning")]
        assert policy_findings(PriorityMatrix.preset("servicenow-legacy")) == ()


class TestExplanationsAndOverrides:
    def test_explain_names_the_cell(self):
        matrix = PriorityMatrix.preset("servicenow-incident")
        explanation = explain(matrix, impact="2 - Medium", urgency="3 - Low")
        assert explanation.cell == "cells[1][2]"
        assert explanation.effective.label == "4 - Low"
        assert isinstance(explanation.to_dict(), dict)
        assert str(explanation) == ("impact '2 - Medium' x urgency '3 - Low' -> cells[1][2] = "
                                    "'4 - Low'\neffective priority: '4 - Low' (flags: none)")

    def test_vip_raises_major_incident_forces_top_manual_with_reason(self):
        matrix = PriorityMatrix.preset("servicenow-incident")
        vip = RaiseLevel(levels=1, when="vip")
        major = ForceTop(when="major_incident")
        raised = explain(matrix, impact=3, urgency=3, overrides=[vip, major], flags={"vip"})
        assert raised.matrix_priority.label == "4 - Low"
        assert raised.effective.label == "3 - Moderate"
        assert [s.applied for s in raised.steps] == [True, False]
        top = explain(matrix, impact=3, urgency=3, overrides=[vip, major],
                      flags={"vip", "major_incident"})
        assert top.effective == Priority(label="1 - Critical", rank=1)
        manual = explain(matrix, impact=1, urgency=1, overrides=[
            ManualOverride(priority="3 - Moderate", reason="agreed with the customer")])
        assert manual.effective.label == "3 - Moderate"
        assert "agreed with the customer" in manual.steps[0].note
        with pytest.raises(ItsmError):
            ManualOverride(priority="3 - Moderate", reason="")


class TestConversion:
    def test_flip_scale(self):
        assert [flip_scale(v, 5) for v in range(1, 6)] == [5, 4, 3, 2, 1]

    def test_glpi_storage_imports_to_the_preset(self):
        names = ["Very low", "Low", "Medium", "High", "Very high"]   # GLPI values 1..5
        imported = from_stored(GLPI_STORED, rows="urgency", most_urgent="highest",
                               impact_labels=names, urgency_labels=names,
                               priority_labels=names)
        assert imported == PriorityMatrix.preset("glpi")
        stored = to_stored(imported, rows="urgency", most_urgent="highest")
        assert [[stored[u][i] for i in range(1, 6)] for u in range(1, 6)] == GLPI_STORED

    def test_lopsided_matrix_survives_every_orientation(self):
        matrix = PriorityMatrix.from_dict(LOPSIDED)
        for rows, most_urgent in product(("impact", "urgency"), ("lowest", "highest")):
            stored = to_stored(matrix, rows=rows, most_urgent=most_urgent)
            flip = most_urgent == "highest"
            back = from_stored(
                stored, rows=rows, most_urgent=most_urgent,
                impact_labels=LOPSIDED["impact"][::-1] if flip else LOPSIDED["impact"],
                urgency_labels=LOPSIDED["urgency"][::-1] if flip else LOPSIDED["urgency"],
                priority_labels=LOPSIDED["priority"][::-1] if flip else LOPSIDED["priority"])
            assert back == matrix
        transposed = to_stored(matrix, rows="urgency", most_urgent="lowest")
        assert transposed[4][1] == 6          # urgency U4, impact I1 -> P6
        assert transposed[1][2] == 3          # urgency U1, impact I2 -> P3


class TestSlaTargetsByPriority:
    def test_targets_keyed_by_the_matrix_labels(self):
        matrix = PriorityMatrix.preset("servicenow-incident")
        definition = SlaDefinition.from_dict(
            {"name": "resolution",
             "targets": {"1 - Critical": "PT4H", "2 - High": "PT8H", "3 - Moderate": "P1D",
                         "4 - Low": "P2D", "5 - Planning": "P5D"}},
            priority_matrix=matrix)
        t = datetime(2025, 1, 6, tzinfo=timezone.utc)
        priority = matrix.priority(impact="1 - High", urgency="2 - Medium")
        outcome = definition.evaluate([TicketEvent(t, "New", priority)],
                                      as_of=t + timedelta(hours=1))
        assert outcome.cycles[0].target == timedelta(hours=8)
        with pytest.raises(ConfigError, match="targets"):
            SlaDefinition.from_dict({"name": "r", "targets": {"1 - Critical": "PT4H",
                                                              "P9": "PT1H"}},
                                    priority_matrix=matrix)


class TestBadLookups:
    @pytest.mark.parametrize(("impact", "urgency", "field"), [
        ("High", 1, "impact"), (1, 4, "urgency"), (True, 1, "impact"), (1, None, "urgency"),
        (1.0, 1, "impact"),
    ])
    def test_bad_levels_name_the_field(self, impact, urgency, field):
        matrix = PriorityMatrix.preset("servicenow-incident")
        with pytest.raises(ItsmError) as info:
            matrix.priority(impact=impact, urgency=urgency)
        assert str(info.value).startswith(field)

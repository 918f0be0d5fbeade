"""Column mapping: --columns parsing and resolution against a header."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm_core.cli.columns import ROLES, ColumnMap, parse_column_spec
from itsm_core.errors import ConfigError

SERVICENOW_HEADER = ["number", "incident_state", "active", "reassignment_count", "reopen_count", "sys_mod_count", "made_sla", "caller_id", "opened_by", "opened_at", "sys_created_by", "sys_created_at", "sys_updated_by", "sys_updated_at", "contact_type", "location", "category", "subcategory", "u_symptom", "cmdb_ci", "impact", "urgency", "priority", "assignment_group", "assigned_to", "knowledge", "u_priority_confirmation", "notify", "problem_id", "rfc", "vendor", "caused_by", "closed_code", "resolved_by", "resolved_at", "closed_at"]


class TestSpec:
    def test_pairs(self) -> None:
        assert parse_column_spec(" ticket = number ,state=incident_state,") == {
            "ticket": "number", "state": "incident_state"}

    @pytest.mark.parametrize(("text", "needle"), [
        ("ticket", "cannot read 'ticket'"),
        ("ticket=", "cannot read 'ticket='"),
        ("=number", "cannot read '=number'"),
        ("owner=x", "unknown role 'owner'"),
        ("at=a,at=b", "role 'at' is mapped twice"),
    ])
    def test_errors_name_the_option(self, text: str, needle: str) -> None:
        with pytest.raises(ConfigError, match=needle) as info:
            parse_column_spec(text)
        assert info.value.path == "--columns"
        assert "ROLE=COLUMN" in str(info.value)

    @given(st.dictionaries(st.sampled_from(ROLES),
                           st.text(alphabet="abcdefghij_ 0123456789", min_size=1).map(str.strip)
                           .filter(bool)))
    def test_round_trip(self, spec: dict[str, str]) -> None:
        text = ",".join(f"{role}={column}" for role, column in spec.items())
        assert parse_column_spec(text) == spec


class TestResolve:
    def test_servicenow_needs_no_mapping(self) -> None:
        cols = ColumnMap.resolve(SERVICENOW_HEADER, {})
        assert cols.names == {"ticket": "number", "at": "sys_updated_at",
                              "state": "incident_state", "priority": "priority"}
        assert len(cols.fields) == 32
        assert ("opened_at", SERVICENOW_HEADER.index("opened_at")) in cols.fields

    def test_explicit_mapping_wins(self) -> None:
        cols = ColumnMap.resolve(SERVICENOW_HEADER, {"at": "opened_at"})
        assert cols.names["at"] == "opened_at"
        assert ("sys_updated_at", 13) in cols.fields

    def test_missing_mapped_column_lists_the_header(self) -> None:
        with pytest.raises(ConfigError, match="no column 'updated' in the header") as info:
            ColumnMap.resolve(["number", "state", "at"], {"at": "updated"})
        assert info.value.path == "--columns at"
        assert "number, state, at" in str(info.value)

    def test_required_role_without_column(self) -> None:
        with pytest.raises(ConfigError, match="role 'state'") as info:
            ColumnMap.resolve(["number", "at"], {})
        assert "--columns state=COLUMN" in str(info.value)

    def test_priority_is_optional(self) -> None:
        assert ColumnMap.resolve(["ticket", "at", "state"], {}).priority is None

    def test_case_insensitive_candidates(self) -> None:
        cols = ColumnMap.resolve(["Key", "Status", "Updated"], {})
        assert (cols.ticket, cols.state, cols.at) == (0, 1, 2)

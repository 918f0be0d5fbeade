"""The columnar path against the pure path: one suite run against both engines.

The pure engine is the CLI's reader (``read_event_log``: csv module, per-row parsing) and
the core's ``SlaPolicy.evaluate``, every outcome added to a ``ComplianceAccumulator``;
the columnar engine is ``evaluate_columnar``.  Both must give the same report (rows,
statistics, skipped outcomes), the same not-evaluated tickets and the same skipped rows.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from servicenow_export import write_export

from itsm_core.cli.columnar import (
    ColumnarUnsupported,
    _run_columns,
    columnar_support,
    evaluate_columnar,
)
from itsm_core.cli.columnar_read import read_columns
from itsm_core.cli.columnar_times import instants_us
from itsm_core.cli.csvread import read_event_log
from itsm_core.cli.evaluate import events_from_records
from itsm_core.cli.policyfile import load_demo_policy
from itsm_core.cli.timeparse import DAY_FIRST, MONTH_FIRST, make_time_parser
from itsm_core.errors import NaiveDatetimeError
from itsm_core.integrations.columnar_core_vector import simple_cycles
from itsm_core.sla import SlaPolicy
from itsm_core.sla.compliance import ComplianceAccumulator

LONDON = ZoneInfo("Europe/London")
ROLES = {"ticket": "number", "at": "sys_updated_at", "state": "incident_state",
         "priority": "priority"}
POLICY = load_demo_policy()


def pure(data: bytes, policy: SlaPolicy, *, roles: dict[str, str], fields: tuple[str, ...] = (),
         tz: Any = None, order: str = DAY_FIRST, as_of: datetime | None = None,
         by: tuple[str, ...] = ("definition", "priority"), period: str | None = None
         ) -> tuple[ComplianceAccumulator, int, tuple[Any, ...]]:
    """The pure path: the CLI's reader, the core's evaluation, one accumulator."""
    spec = dict(roles)
    log = read_event_log(io.StringIO(data.decode("utf-8-sig"), newline=""),
                         make_time_parser(None, tz, order=order), spec=spec, keep=fields)
    latest = max((r[0] for records in log.tickets.values() for r in records), default=None)
    when = as_of if as_of is not None else latest
    accumulator = ComplianceAccumulator(by, period)
    for ticket, records in log.tickets.items():
        events = events_from_records(records)
        for outcome in policy.evaluate(events, when, ticket, strict=False):
            accumulator.add(outcome)
    return accumulator, log.rows, log.skipped


def columnar(data: bytes, policy: SlaPolicy, **kwargs: Any
             ) -> tuple[ComplianceAccumulator, int, tuple[Any, ...]]:
    result = evaluate_columnar(io.BytesIO(data), policy, **kwargs)
    return result.accumulator, result.rows, result.skipped


ENGINES = {"pure": pure, "columnar": columnar}


def summary(found: tuple[ComplianceAccumulator, int, tuple[Any, ...]]) -> dict[str, Any]:
    accumulator, rows, skipped = found
    return {"report": accumulator.report().to_dict(), "text": accumulator.report().to_text(),
            "not_evaluated": accumulator.not_evaluated(), "rows": rows,
            "skipped": [s.to_dict() for s in skipped]}


def export(rows: int, **options: Any) -> bytes:
    out = io.StringIO()
    write_export(out, rows=rows, **options)
    return out.getvalue().encode()


SMALL = export(3_000)
US = export(2_000, us_dates=True)


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> Any:
    return ENGINES[request.param]


# -- one suite, both engines ------------------------------------------------------------

class TestBothEngines:
    def test_the_servicenow_export_is_read_whole(self, engine: Any) -> None:
        accumulator, rows, skipped = engine(SMALL, POLICY, roles=ROLES, tz=LONDON)
        assert rows >= 3_000
        assert skipped and all("line" in s.to_dict() for s in skipped)
        assert accumulator.cycles > 500
        assert accumulator.not_evaluated_counts()  # tickets whose first row is Resolved

    def test_a_priority_without_target_is_not_evaluated_with_its_reason(self, engine: Any
                                                                         ) -> None:
        data = (b"number,incident_state,sys_updated_at,priority\n"
                b"A,New,2016-03-01T09:00Z,9 - Unknown\nB,New,2016-03-01T09:00Z,1 - Critical\n")
        accumulator, _, _ = engine(data, POLICY, roles=ROLES)
        assert [(d, t, r[:13]) for d, t, r in accumulator.not_evaluated()] == [
            ("response", "A", "no target for"), ("resolution", "A", "no target for")]

    def test_naive_times_without_a_zone_name_the_first_line(self, engine: Any) -> None:
        data = (b"number,incident_state,sys_updated_at,priority\n"
                b"A,,1/3/2016 09:00,1 - Critical\nA,New,1/3/2016 09:00,1 - Critical\n")
        with pytest.raises(NaiveDatetimeError, match="line 3"):
            engine(data, POLICY, roles=ROLES)


# -- the two engines give the same report ---------------------------------------------

@pytest.mark.parametrize(("data", "options"), [
    (SMALL, {"tz": LONDON}),
    (SMALL, {"tz": LONDON, "by": ("definition", "stage", "assignment_group"),
             "fields": ("assignment_group",), "period": "month"}),
    (SMALL, {"tz": LONDON, "as_of": datetime(2016, 3, 20, tzinfo=timezone.utc),
             "by": ("definition", "ticket")}),
    (US, {"tz": LONDON, "order": MONTH_FIRST, "period": "week"}),
    (export(1_500, noise=False), {"tz": ZoneInfo("America/New_York"), "period": "day"}),
], ids=["default", "fields-month", "as-of-ticket", "us-dates-week", "new-york-day"])
def test_servicenow_export_same_report(data: bytes, options: dict[str, Any]) -> None:
    assert summary(columnar(data, POLICY, roles=ROLES, **options)) == \
        summary(pure(data, POLICY, roles=ROLES, **options))


STATES = ["New", "Active", "Awaiting User Info", "Resolved", "Closed", "Cancelled", "?", ""]
PRIORITIES = ["1 - Critical", "2 - High", "4 - Low", "9 - Unknown", "?"]
TIMES = st.one_of(
    st.builds(lambda m: (datetime(2016, 3, 25) + timedelta(minutes=m)).strftime(
        "%d/%m/%Y %H:%M").lstrip("0"), st.integers(0, 6 * 1440)),
    st.builds(lambda m: (datetime(2016, 3, 25, tzinfo=timezone.utc) + timedelta(minutes=m)
                         ).isoformat(), st.integers(0, 6 * 1440)),
    st.sampled_from(["31/2/2016 10:00", "soon", "?", "27/3/2016 01:30", "30/10/2016 01:30"]),
)
ROW = st.tuples(st.sampled_from(["A", "B", " C", "C", "?"]), st.sampled_from(STATES), TIMES,
                st.sampled_from(PRIORITIES), st.sampled_from(["g1", "g2", "?"]))
RESTART_POLICY = SlaPolicy.from_dict({"definitions": [
    {"name": "restart", "targets": {"1 - Critical": "PT1H", "2 - High": "PT2H", "4 - Low": "PT3H"},
     "pause": {"state_in": ["Awaiting User Info"]}, "stop": {"state_in": ["Resolved"]},
     "cancel": {"state_in": ["Cancelled"]}, "on_priority_change": "restart",
     "on_reopen": "new_cycle"},
    {"name": "started", "targets": {"*": "PT30M"}, "start": {"state_in": ["Active"]},
     "stop": {"state_not_in": ["New", "Active"]}}]})
POLICIES = st.sampled_from([POLICY, RESTART_POLICY])


@settings(max_examples=60)
@given(rows=st.lists(st.one_of(ROW, st.just(None)), max_size=25), policy=POLICIES,
       by=st.sampled_from([("definition", "priority"), ("definition", "stage", "group"),
                           ("ticket",)]),
       period=st.sampled_from([None, "day"]))
def test_generated_logs_same_report(rows: list[Any], policy: SlaPolicy, by: tuple[str, ...],
                                    period: str | None) -> None:
    lines = ["number,incident_state,sys_updated_at,priority,group"]
    for row in rows:
        lines.append("A,New" if row is None else ",".join(row))  # None: a short row
    data = ("\n".join(lines) + "\n").encode()
    options: dict[str, Any] = {"roles": ROLES, "tz": LONDON, "fields": ("group",), "by": by,
                               "period": period}
    assert summary(columnar(data, policy, **options)) == summary(pure(data, policy, **options))


def test_unsupported_policies_and_inputs_say_why() -> None:
    fielded = SlaPolicy.from_dict({"definitions": [{"name": "r", "targets": "PT1H",
                                                    "applies": {"field": "g", "in": ["x"]}}]})
    assert columnar_support(fielded) == "SLA 'r' has conditions that read more than the state"
    assert columnar_support(POLICY) is None
    assert columnar_support(POLICY, time_format="%d.%m.%Y") == "a --time-format is given"
    with pytest.raises(ColumnarUnsupported, match="read more than the state"):
        evaluate_columnar(io.BytesIO(b"x"), fielded, roles=ROLES)
    spanning = (b"number,incident_state,sys_updated_at,priority\n"
                b'"A\nB",New,2016-03-01T09:00Z,1 - Critical\n')
    with pytest.raises(ColumnarUnsupported, match="spans several lines"):
        evaluate_columnar(io.BytesIO(spanning), POLICY, roles=ROLES)


# -- the numpy replay of simple tickets against the per-event machine ------------------

def both_replays(data: bytes, policy: SlaPolicy, *, tz: Any = LONDON,
                 as_of: datetime | None = None, by: tuple[str, ...] = ("definition", "priority"),
                 period: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The columnar result with the simple tickets replayed in numpy, and with every
    ticket through the per-event machine."""
    read = read_columns(io.BytesIO(data), roles=ROLES, fields=("group",))
    assert not isinstance(read, str)
    stamps, reasons, _ = instants_us(read.times, tz=tz)
    found = []
    for vector in (True, False):
        result = _run_columns(read, stamps, reasons, policy, tz=tz, order=DAY_FIRST,
                              as_of=as_of, by=by, period=period, vector=vector)
        found.append(summary((result.accumulator, result.rows, result.skipped)))
    return found[0], found[1]


# a ticket's life as a service desk writes it: mostly forward, sometimes back
LIFE_STATES = ["New", "Active", "Awaiting User Info", "Awaiting Vendor", "Resolved", "Closed",
               "Cancelled", "Active"]
LIFE = st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.integers(0, 7),
                          st.integers(0, 3 * 1440),
                          st.sampled_from([*PRIORITIES[:3], "3 - Moderate"]),
                          st.sampled_from(["g1", "g2"])), max_size=30)
REPLAY_POLICIES = st.sampled_from([
    POLICY, RESTART_POLICY,
    SlaPolicy.from_dict({"definitions": [
        {"name": "keep", "targets": {"1 - Critical": "PT1H", "2 - High": "PT2H",
                                     "3 - Moderate": "PT3H", "4 - Low": "PT4H"},
         "pause": {"state_in": ["Awaiting User Info"]}, "stop": {"state_in": ["Resolved"]},
         "cancel": {"state_in": ["Cancelled"]}, "on_priority_change": "keep_elapsed",
         "on_reopen": "resume"},
        {"name": "fresh", "targets": {"*": "PT1H"}, "stop": {"state_in": ["Resolved", "Closed"]},
         "on_reopen": "new_cycle"}]})])


@settings(max_examples=80, deadline=None)
@given(life=LIFE, policy=REPLAY_POLICIES,
       as_of=st.one_of(st.none(), st.integers(0, 3 * 1440)),
       by=st.sampled_from([("definition", "priority"), ("definition", "stage", "group"),
                           ("ticket", "stage")]),
       period=st.sampled_from([None, "week"]))
def test_numpy_replay_is_the_machine(life: list[Any], policy: SlaPolicy, as_of: int | None,
                                     by: tuple[str, ...], period: str | None) -> None:
    start = datetime(2016, 3, 24, 8, tzinfo=timezone.utc)
    lines = ["number,incident_state,sys_updated_at,priority,group"]
    for ticket, step, minute, priority, group in sorted(life, key=lambda r: (r[0], r[2])):
        when = (start + timedelta(minutes=minute)).isoformat()
        lines.append(f"{ticket},{LIFE_STATES[step]},{when},{priority},{group}")
    data = ("\n".join(lines) + "\n").encode()
    cut = None if as_of is None else start + timedelta(minutes=as_of)
    vector, machine = both_replays(data, policy, as_of=cut, by=by, period=period)
    assert vector == machine
    assert vector == summary(pure(data, policy, roles=ROLES, fields=("group",), tz=LONDON,
                                  as_of=cut, by=by, period=period))


def test_numpy_replay_on_the_servicenow_export() -> None:
    for data in (SMALL, US):
        read = read_columns(io.BytesIO(data), roles=ROLES, fields=())
        assert not isinstance(read, str)
        stamps, reasons, _ = instants_us(read.times, tz=LONDON,
                                         order=DAY_FIRST if data is SMALL else MONTH_FIRST)
        found = [summary(_parts(_run_columns(
            read, stamps, reasons, POLICY, tz=LONDON,
            order=DAY_FIRST if data is SMALL else MONTH_FIRST, as_of=None,
            by=("definition", "stage", "ticket"), period="month", vector=vector)))
            for vector in (True, False)]
        assert found[0] == found[1]


def _parts(result: Any) -> tuple[ComplianceAccumulator, int, tuple[Any, ...]]:
    return result.accumulator, result.rows, result.skipped


@pytest.mark.parametrize(("steps", "simple", "unstarted"), [
    ([("New", 0), ("Active", 1), ("Resolved", 2)], True, 0),
    ([("Resolved", 0), ("Closed", 1)], True, 2),          # stopped before it started
    ([("Awaiting User Info", 0)], True, 0),                 # starts paused: a cycle
    ([("New", 0), ("Resolved", 1), ("Active", 2)], False, 0),   # reopened: resumes
    ([("New", 0), ("Resolved", 1), ("Closed", 2)], True, 0),    # closed after resolved
    ([("New", 0), ("Cancelled", 1), ("New", 2)], False, 0),     # a second cycle
], ids=["stopped", "before", "paused", "reopened", "closed", "second"])
def test_which_histories_are_simple(steps: list[tuple[str, int]], simple: bool,
                                    unstarted: int) -> None:
    resolution = POLICY.definitions[1]  # resume, pause, stop, cancel
    states = ["New", "Active", "Awaiting User Info", "Resolved", "Closed", "Cancelled"]
    found = simple_cycles(
        np.zeros(len(steps), dtype=np.int64),
        np.array([60_000_000 * m for _, m in steps], dtype=np.int64),
        np.array([states.index(s) for s, _ in steps], dtype=np.int64),
        np.zeros(len(steps), dtype=np.int64), 1,
        flags=np.array([resolution._rules.by_state.get(s, resolution._rules.other_states)
                        for s in states], dtype=np.int64),
        budgets=np.array([3_600_000_000]), resume=True, restart=False,
        as_of_us=600_000_000, engine=resolution.calendar._engine)
    assert found.simple.tolist() == [simple]
    assert found.unstarted.tolist() == [unstarted]
    assert len(found.ticket) == (1 if simple and not unstarted else 0)


def test_priority_changes_and_missing_budgets_go_to_the_machine() -> None:
    definition = POLICY.definitions[1]
    flags = np.array([definition._rules.by_state.get(s, definition._rules.other_states)
                      for s in ["New", "Resolved"]], dtype=np.int64)

    def simple(keys: list[int], restart: bool) -> bool:
        found = simple_cycles(np.zeros(2, dtype=np.int64), np.array([0, 60_000_000]),
                              np.array([0, 0]), np.array(keys), 1, flags=flags,
                              budgets=np.array([3_600_000_000, 7_200_000_000, -1]),
                              resume=True, restart=restart, as_of_us=60_000_000,
                              engine=definition.calendar._engine)
        return bool(found.simple[0])

    assert simple([0, 1], restart=False)
    assert not simple([0, 1], restart=True)
    assert not simple([0, 2], restart=False)
    assert not simple([2, 2], restart=False)


@pytest.mark.parametrize(("minutes", "stage"), [(59, "met"), (60, "met"), (61, "breached")])
def test_a_cycle_exactly_on_its_budget_is_met(minutes: int, stage: str) -> None:
    data = (f"number,incident_state,sys_updated_at,priority,group\n"
            f"A,New,2016-03-01T09:00Z,1 - Critical,g\n"
            f"A,Active,2016-03-01T09:{minutes // 2:02d}Z,1 - Critical,g\n"
            f"A,Resolved,2016-03-01T{9 + minutes // 60:02d}:{minutes % 60:02d}Z,1 - Critical,g\n"
            ).encode()
    policy = SlaPolicy.from_dict({"definitions": [
        {"name": "fix", "targets": {"1 - Critical": "PT1H"}, "stop": {"state_in": ["Resolved"]}}]})
    vector, machine = both_replays(data, policy, by=("stage",))
    assert vector == machine
    assert [row["stage"] for row in vector["report"]["rows"]] == [stage]

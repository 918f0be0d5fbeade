"""Structured junk for the service layer's readers and for the service calls that take
configuration: the answer is a value or an ``ItsmError``, quickly, with a bounded message
naming the key changed, and a value accepted round-trips.

The readers' samples (``service_samples``: the service catalogue, agreements, targets,
exclusions, outages, parties, credit schemes, continuity, backups and KPI settings) run
through ``test_hardening_junk``'s reader tests; this module checks that every service reader
has a sample, that an unknown empty key is always refused, and the calls ``attainment``,
``what_if``, ``period_bounds``, ``shift`` and ``CreditScheme.apply``.  "Nothing
half-applied": a catalogue that is refused leaves no state behind (the service modules keep
no caches), checked below.  Error messages and their bounds are described in
``docs/design.md``.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from service_samples import CATALOGUE, GOLD, SAMPLES, SCHEME, WEEKDAYS, Reader, catalogue
from test_hardening_junk import (
    _EMPTY_KEY,
    BUDGET,
    JUNK,
    _call,
    _names,
    mutations,
)

from itsm_core.errors import ConfigError, ItsmError, UnknownNameError
from itsm_core.service import (
    Agreement,
    AtRisk,
    BackupRun,
    Catalogue,
    ContinuityTargets,
    CreditBand,
    CreditScheme,
    Customer,
    EarnBack,
    Exclusions,
    Exercise,
    KpiSettings,
    LinearRule,
    PerBreachRule,
    Service,
    ServiceOutage,
    ServiceTarget,
    SmallVolume,
    TargetResult,
    TiersRule,
    Verdict,
    attainment,
    what_if,
)
from itsm_core.service.period import period_bounds, period_of, shift
from itsm_core.sla import TicketEvent

UTC = timezone.utc
_TOP_LEVEL = [(n, r, b) for n, r, b in SAMPLES if isinstance(b, Mapping)]


def test_the_service_readers_are_all_here() -> None:
    readers = {read for _, read, _ in SAMPLES}
    for cls in (Catalogue, Agreement, ServiceTarget, SmallVolume, Exclusions, ServiceOutage,
                Service, Customer, CreditScheme, CreditBand, TiersRule, LinearRule,
                PerBreachRule, AtRisk, EarnBack, ContinuityTargets, Exercise, BackupRun,
                KpiSettings):
        assert cls.from_dict in readers, cls.__name__


@pytest.mark.parametrize(("name", "read", "base"), _TOP_LEVEL, ids=[s[0] for s in _TOP_LEVEL])
@pytest.mark.parametrize("key", [_EMPTY_KEY, " "], ids=["empty", "blank"])
def test_an_unknown_empty_key_is_named(name: str, read: Reader, base: Any, key: str) -> None:
    _, error = _call(lambda: read({**base, key: None}))
    assert isinstance(error, (ConfigError, UnknownNameError))
    assert _names(error, key), f"an unknown key {key!r} is not named: {error}"


# --------------------------------------------------------------------------- calls

T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)


def _tickets() -> list[tuple[str, list[TicketEvent]]]:
    fields = {"customer": "acme", "service": "email", "type": "incident"}
    return [(f"INC{i}", [TicketEvent(T0 + timedelta(hours=i), "New", "P1", fields),
                         TicketEvent(T0 + timedelta(hours=3 * i), "Resolved", "P1", fields)])
            for i in (1, 2, 3)]


def _outages() -> list[ServiceOutage]:
    return [ServiceOutage.from_dict({"id": "OUT-1", "service": "email",
                                     "start": "2025-03-04T10:00:00+00:00",
                                     "end": "2025-03-04T11:00:00+00:00"})]


def _results() -> list[TargetResult]:
    return [TargetResult(agreement="acme-gold", customer="acme", service=None, target="fix",
                         kind="tickets", period=f"2025-0{m}", goal=Fraction(95, 100),
                         measured=Fraction(90 + m, 100),
                         verdict=Verdict.MISSED if m < 5 else Verdict.MET,
                         rule="at least 95%", breaches=("INC1",)) for m in (1, 2, 6)]


def _attainment(period: object, as_of: object) -> object:
    return attainment(catalogue(), _tickets(), _outages(), period=period,  # type: ignore[arg-type]
                      as_of=as_of)  # type: ignore[arg-type]


def _apply(fee: object, currency: object, minor_units: object) -> object:
    scheme = CreditScheme.from_dict({**SCHEME, "at_risk": {"pool": "10%",
                                                            "weights": {"fix": 1}}})
    return scheme.apply(_results(), fee, currency=currency,  # type: ignore[arg-type]
                        minor_units=minor_units)  # type: ignore[arg-type]


Call = Callable[..., object]

#: (name, call taking keyword arguments, valid keyword arguments).
CALLS: list[tuple[str, Call, dict[str, object]]] = [
    ("attainment", _attainment, {"period": "month", "as_of": T0 + timedelta(days=30)}),
    ("what_if", lambda proposed, tickets, outages, period, as_of: what_if(
        catalogue(), proposed, tickets, outages, period=period, as_of=as_of),
     {"proposed": None, "tickets": None, "outages": None, "period": "quarter",
      "as_of": None}),
    ("period_of", period_of, {"instant": T0, "period": "week", "zone": UTC}),
    ("period_bounds", period_bounds, {"key": "2025-Q1", "zone": UTC}),
    ("shift", shift, {"key": "2025-W52", "n": 3}),
    ("CreditScheme.apply", _apply, {"fee": Decimal("12000.00"), "currency": "EUR",
                                    "minor_units": 2}),
]
_CALL_IDS = [c[0] for c in CALLS]


def _resolved(name: str, kwargs: dict[str, object]) -> dict[str, object]:
    if name == "what_if":  # the proposal: an agreement of the catalogue, built late
        return {**kwargs, "proposed": Agreement.from_dict(GOLD), "tickets": _tickets(),
                "outages": _outages()}
    return kwargs


@pytest.mark.parametrize(("name", "call", "kwargs"), CALLS, ids=_CALL_IDS)
def test_the_call_sample_is_valid(name: str, call: Call, kwargs: dict[str, object]) -> None:
    call(**_resolved(name, kwargs))


@pytest.mark.parametrize(("name", "call", "kwargs"), CALLS, ids=_CALL_IDS)
@BUDGET
@given(data=st.data())
def test_junk_in_one_argument(name: str, call: Call, kwargs: dict[str, object],
                              data: st.DataObject) -> None:
    kwargs = _resolved(name, kwargs)
    argument = data.draw(st.sampled_from(sorted(kwargs)))
    junk = data.draw(JUNK).make()
    _call(lambda: call(**{**kwargs, argument: junk}))


@BUDGET
@given(data=st.data())
def test_period_keys_at_the_edges(data: st.DataObject) -> None:
    """Well-formed keys of any year, week, quarter or month, shifted any distance: a key,
    bounds, or an InvalidArgumentError (never a bare ValueError or OverflowError)."""
    key = data.draw(st.from_regex(r"\A[0-9]{4}(-W[0-9]{2}|-Q[0-9]|-[0-9]{2})?\Z"))
    n = data.draw(st.integers() | st.sampled_from([10**30, -(10**30), 10**5000]))
    zone = data.draw(st.sampled_from([UTC, ZoneInfo("Pacific/Kiritimati"),
                                      ZoneInfo("America/Adak")]))
    bounds, error = _call(lambda: period_bounds(key, zone))
    if error is None:
        assert isinstance(bounds, tuple)
        start, end = bounds
        assert start < end
        assert period_of(start, _kind(key), zone) == key
    moved, error = _call(lambda: shift(key, n))
    if error is None:
        assert _kind(moved) == _kind(key)  # type: ignore[arg-type]
        if bounds is not None and n != 0:
            back, _ = _call(lambda: shift(moved, -n))  # type: ignore[arg-type]
            assert back == key


def _kind(key: str) -> str:
    return ("week" if "W" in key else "quarter" if "Q" in key
            else "month" if "-" in key else "year")


@BUDGET
@given(data=st.data())
def test_what_if_with_a_junk_proposal(data: st.DataObject) -> None:
    """A proposed agreement read from junk: refused when read, or replayed (an unknown
    calendar, definition or service it names is refused by ``what_if`` before any ticket
    is read, naming the path)."""
    raw = data.draw(mutations(GOLD)).apply(GOLD)
    proposal, error = _call(lambda: Agreement.from_dict(raw))
    if error is None:
        found, _ = _call(lambda: what_if(catalogue(), proposal, _tickets(),  # type: ignore[arg-type]
                                         _outages()))
        assert found is None or found.evaluated == 3  # type: ignore[attr-defined]


@BUDGET
@given(data=st.data())
def test_junk_catalogue_in_attainment(data: st.DataObject) -> None:
    """A catalogue read from junk: refused, or attainment over it answers."""
    raw = data.draw(mutations(CATALOGUE)).apply(CATALOGUE)
    catalogue, error = _call(lambda: Catalogue.from_dict(raw))
    if error is None:
        _call(lambda: attainment(catalogue, _tickets(), _outages()))  # type: ignore[arg-type]
        _call(catalogue.validate)  # type: ignore[attr-defined]


_EDGE_ZONES = ["America/Adak", "Pacific/Kiritimati", "UTC"]


@pytest.mark.parametrize("zone", sorted(_EDGE_ZONES))
@pytest.mark.parametrize(("start", "until"), [
    ("0001-01-01", None), ("0001-01-01", "9999-12-31"), ("9998-12-31", None),
    ("9999-12-30", "9999-12-31")])
def test_dates_at_the_ends_of_the_calendar(zone: str, start: str, until: str | None) -> None:
    """An agreement and a service in force from year 1 or to year 9999, in zones far
    from UTC: read, validated (the alignment year may run past year 9999: a finding, not
    an error) and measured, or an ItsmError."""
    data: dict[str, Any] = copy.deepcopy(CATALOGUE)
    data["calendars"]["edge"] = {"timezone": zone, "hours": WEEKDAYS}
    gold = data["agreements"][0]
    gold.update({"from": start, "until": until, "calendar": "edge"})
    data["services"][0].update(start=start, calendar="edge")
    catalogue, error = _call(lambda: Catalogue.from_dict(data))
    assert error is None, error
    findings, error = _call(catalogue.validate)  # type: ignore[attr-defined]
    assert error is None, error
    if start.startswith(("9998", "9999")):
        assert [f.kind for f in findings] == ["cannot_compare"]  # type: ignore[attr-defined]
    _call(lambda: attainment(catalogue, _tickets(), _outages()))  # type: ignore[arg-type]


@pytest.mark.parametrize("days", [1, 999_999_999])
def test_continuity_consistency_beyond_the_timedelta_range(days: int) -> None:
    targets = ContinuityTargets.from_dict({"rto": f"P{days}D", "rpo": "PT1H", "mtpd": "PT1H",
                                           "wrt": f"P{days}D"})
    [finding] = targets.consistency()
    assert finding.kind == "beyond_mtpd" and len(finding.message) < 200


def test_the_scheme_apply_junk_reaches_every_argument() -> None:
    # the call sample is valid, and each argument alone can be refused
    for argument, bad in (("fee", "12000"), ("currency", ""), ("minor_units", 13)):
        kwargs: dict[str, object] = {"fee": Decimal(1), "currency": "EUR", "minor_units": 2}
        with pytest.raises(ItsmError, match=argument):
            _apply(**{**kwargs, argument: bad})


# --------------------------------------------------------------------------- nothing half-applied

_SERVICE_MODULES = sorted(name for name in sys.modules if name.startswith("itsm_core.service"))


def _module_state() -> dict[str, object]:
    """Every mutable module-level value of the service modules, copied."""
    state: dict[str, object] = {}
    for module_name in _SERVICE_MODULES:
        for attr, value in vars(sys.modules[module_name]).items():
            if not attr.startswith("__") and isinstance(value, (dict, list, set, bytearray)):
                state[f"{module_name}.{attr}"] = copy.deepcopy(value)
    return state


def test_the_service_modules_keep_no_caches() -> None:
    assert "itsm_core.service.catalogue" in _SERVICE_MODULES
    for module_name in _SERVICE_MODULES:
        for attr, value in vars(sys.modules[module_name]).items():
            assert not hasattr(value, "cache_info"), f"{module_name}.{attr} is cached"


@pytest.mark.parametrize("edit", [
    lambda d: d["agreements"][0].update(calendar="nowhere"),
    lambda d: d["agreements"][0]["targets"][0].update(definition="nope"),
    lambda d: d["agreements"][1].update(services=["nope"]),
    lambda d: d["agreements"][0]["credits"]["rules"][0]["bands"].append(
        {"from": "98%", "to": "99.5%", "credit": "1%"}),
    lambda d: d["agreements"][0]["credits"].update(cap="120%"),
    lambda d: d["agreements"][0]["path"].append("nope"),
], ids=["calendar", "definition", "service", "overlapping-band", "cap", "path"])
def test_a_refused_catalogue_leaves_nothing_behind(edit: Callable[[Any], None]) -> None:
    before = Catalogue.from_dict(CATALOGUE)
    state = _module_state()
    bad = copy.deepcopy(CATALOGUE)
    edit(bad)
    with pytest.raises(ItsmError) as caught:
        Catalogue.from_dict(bad)
    assert str(caught.value).startswith("agreements[")  # the path names the entry
    assert _module_state() == state
    assert Catalogue.from_dict(CATALOGUE) == before
    assert Catalogue.from_dict(CATALOGUE).to_dict() == before.to_dict()

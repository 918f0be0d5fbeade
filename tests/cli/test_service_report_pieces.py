"""The demo provider's data, the charts and the HTML page's fallback without matplotlib."""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction

import matplotlib as mpl
import pytest

from itsm_core.cli import charts
from itsm_core.cli.html_report import NO_CHARTS, html_page
from itsm_core.cli.service_report import demo_report
from itsm_core.demo.provider import (
    PROVIDER_AS_OF,
    load_catalogue_data,
    provider_outages,
    provider_tickets,
)
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.outages import ServiceOutage


class TestProvider:
    def test_tickets_carry_the_catalogue_fields_over_six_months(self) -> None:
        tickets = provider_tickets(per_month=20)
        catalogue = Catalogue.from_dict(load_catalogue_data())
        customers = {c.name for c in catalogue.customers}
        services = {s.name for s in catalogue.services}
        months = set()
        for ticket in tickets:
            fields = dict(ticket.updates[0].fields)
            assert fields["customer"] in customers and fields["service"] in services
            assert {"assignment_group", "cause"} <= set(fields)
            assert all(a.at <= b.at for a, b in zip(ticket.updates, ticket.updates[1:], strict=False))
            assert all(u.at < PROVIDER_AS_OF for u in ticket.updates)
            months.add(ticket.updates[0].at.date().replace(day=1))
        assert months == {date(2025, m, 1) for m in range(1, 7)}
        assert [t.number for t in tickets] == [f"INC{n:07d}" for n in range(1, len(tickets) + 1)]
        assert [t.updates[0].at for t in tickets] == sorted(t.updates[0].at for t in tickets)

    def test_deterministic_per_seed(self) -> None:
        assert provider_tickets(seed=3, per_month=10) == provider_tickets(seed=3, per_month=10)
        assert provider_tickets(seed=3, per_month=10) != provider_tickets(seed=4, per_month=10)
        assert provider_outages(seed=3) == provider_outages(seed=3)

    def test_outages_read_and_some_are_excluded(self) -> None:
        outages = [ServiceOutage.from_dict(o) for o in provider_outages()]
        assert len({o.id for o in outages}) == len(outages)
        assert any(o.cause == "customer" for o in outages)
        short = [o for o in outages if o.end is not None and (o.end - o.start).seconds < 300]
        assert short  # below the agreements' five-minute minimum

    @pytest.mark.parametrize(("kwargs", "error"), [
        ({"per_month": -1}, InvalidArgumentError), ({"per_month": 5_001}, InvalidArgumentError),
        ({"per_month": 1.5}, ArgumentTypeError), ({"seed": True}, ArgumentTypeError)])
    def test_bad_arguments(self, kwargs: dict[str, object], error: type[Exception]) -> None:
        with pytest.raises(error):
            provider_tickets(**kwargs)  # type: ignore[arg-type]


class TestCharts:
    def test_no_global_state_is_touched(self) -> None:
        before = dict(mpl.rcParams)
        svg = charts.trend_svg("t", [("2025-01", Fraction(1, 2)), ("2025-02", None)],
                               Fraction(9, 10), "x")
        charts.bars_svg("b", {"P1": 2}, "y")
        assert dict(mpl.rcParams) == before
        assert svg is not None and svg.startswith("<svg")
        assert re.search(r"<\?xml|<!DOCTYPE|<metadata|xmlns|http", svg) is None
        assert all(i.startswith("x-") for i in re.findall(r'\sid="([^"]+)"', svg))

    def test_without_matplotlib_the_page_has_tables_and_a_note(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(charts, "_figure_class", lambda: None)
        assert charts.trend_svg("t", [], Fraction(1)) is None
        page = demo_report(seed=2025, fmt="html")
        assert "<svg" not in page and "<table" in page
        assert NO_CHARTS.replace("'", "&#x27;") in page

    def test_values_are_escaped(self) -> None:
        page = html_page([], title="<script>alert(1)</script>", charts=False)
        assert "<script>" not in page and "&lt;script&gt;" in page

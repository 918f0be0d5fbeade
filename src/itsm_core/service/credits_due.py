"""The service credits each agreement owes, from its attainment: the one place reports
and what-if get credits from (see ``docs/service.md``, Credits due).

Each agreement with a credit scheme and a fee applies its scheme to its results, one
customer at a time (``None`` for an agreement that covers any customer), periods in time
order, with its fee, currency (default ``"EUR"``) and minor units.

>>> from datetime import datetime, timezone
>>> from itsm_core.service.attainment import attainment
>>> from itsm_core.service.catalogue import Catalogue
>>> from itsm_core.sla import TicketEvent
>>> cat = Catalogue.from_dict({
...     "definitions": [{"name": "fix", "targets": "PT1H", "stop": {"state_in": ["Resolved"]}}],
...     "customers": [{"name": "acme"}],
...     "agreements": [{"name": "gold", "from": "2025-01-01", "customers": ["acme"],
...                     "fee": "1000.00", "currency": "EUR",
...                     "targets": [{"name": "fix", "definition": "fix", "at_least": "90%"}],
...                     "credits": {"rules": [{"kind": "per_breach", "target": "fix",
...                                            "amount": "25.00"}]}}]})
>>> at = lambda h: datetime(2025, 3, 3, h, tzinfo=timezone.utc)
>>> late = [TicketEvent(at(9), "New", fields={"customer": "acme"}),
...         TicketEvent(at(12), "Resolved", fields={"customer": "acme"})]
>>> due = credits_due(cat, attainment(cat, [("INC1", late)]))
>>> [(key, [(c.period, c.total) for c in periods]) for key, periods in due.items()]
[(('gold', 'acme'), [('2025-03', Decimal('25.00'))])]
"""

from __future__ import annotations

from itsm_core.errors import ArgumentTypeError
from itsm_core.service.accumulate import Attainment
from itsm_core.service.catalogue import Catalogue
from itsm_core.service.credit_lines import PeriodCredits
from itsm_core.service.result import TargetResult

__all__ = ["credits_due"]


def credits_due(catalogue: Catalogue, attainment: Attainment
                ) -> dict[tuple[str, str | None], tuple[PeriodCredits, ...]]:
    """The credits per ``(agreement, customer)``, each a tuple of
    :class:`~itsm_core.service.credit_lines.PeriodCredits` in period order.

    Keys follow the catalogue's agreement order, then the customer order of the results
    (results are sorted by agreement and customer).  An agreement without a credit
    scheme or without a fee owes nothing and has no key.

    Raises:
        ArgumentTypeError: *catalogue* is not a Catalogue or *attainment* not an Attainment.

    >>> credits_due(Catalogue(), Attainment())
    {}
    >>> credits_due(Catalogue(), [])
    Traceback (most recent call last):
    ...
    itsm_core.errors.ArgumentTypeError: attainment: expected an Attainment, got list
    """
    if not isinstance(catalogue, Catalogue):
        raise ArgumentTypeError(f"catalogue: expected a Catalogue, got "
                                f"{type(catalogue).__name__}")
    if not isinstance(attainment, Attainment):
        raise ArgumentTypeError(f"attainment: expected an Attainment, got "
                                f"{type(attainment).__name__}")
    groups: dict[tuple[str, str | None], list[TargetResult]] = {}
    for result in attainment.results:
        groups.setdefault((result.agreement, result.customer), []).append(result)
    order = {agreement.name: index for index, agreement in enumerate(catalogue.agreements)}
    out: dict[tuple[str, str | None], tuple[PeriodCredits, ...]] = {}
    for (name, customer), results in sorted(groups.items(),
                                            key=lambda kv: order.get(kv[0][0], len(order))):
        agreement = catalogue.agreement(name)
        if agreement.credits is None or agreement.fee is None:
            continue
        out[name, customer] = agreement.credits.apply(
            results, agreement.fee, currency=agreement.currency or "EUR",
            minor_units=agreement.minor_units)
    return out

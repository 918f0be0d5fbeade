"""A deterministic, realistic synthetic incident log (the ``demo`` command's data).

The simulation follows a ServiceNow-like incident lifecycle: ``New`` until a first
response, ``Active`` while worked, ``Awaiting User Info`` / ``Awaiting Vendor`` pauses,
priority changes, reassignment between groups, ``Resolved``, occasional reopens, and
``Closed`` a few days after resolution (a few tickets are ``Cancelled`` while new).
People mostly act in office hours (London), so clocks cross nights, weekends and
England's bank holidays (Easter and the two May holidays of 2016 fall in the span).

Only integer random draws are used (``randrange``), so the log is the same on every
platform and Python version for a given seed.

>>> tickets = generate_incident_log(tickets=3, seed=7)
>>> [t.number for t in tickets]
['INC0000001', 'INC0000002', 'INC0000003']
>>> tickets == generate_incident_log(tickets=3, seed=7)
True
>>> tickets[0].updates[0].state
'New'
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from itsm_core._instant import US_PER_SECOND, from_us, to_us
from itsm_core.errors import ArgumentTypeError, InvalidArgumentError, shown

#: The most tickets one call generates: each costs a few kilobytes, so the limit keeps
#: a demo under a few gigabytes; the packaged demo uses 3,000.
MAX_TICKETS = 1_000_000

__all__ = [
    "AS_OF",
    "GROUPS",
    "MAX_TICKETS",
    "PRIORITIES",
    "SyntheticTicket",
    "Update",
    "generate_incident_log",
]

LONDON = ZoneInfo("Europe/London")
FIRST_DAY = date(2016, 3, 1)
DAYS = 120
#: the demo's fixed evaluation instant: midnight at the start of 1 July 2016, London
AS_OF = datetime(2016, 7, 1, tzinfo=LONDON)
PRIORITIES = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low")
_PRIORITY_WEIGHTS = (5, 15, 50, 30)  # percent
GROUPS: dict[str, tuple[str, ...]] = {
    "Service Desk": ("Inquiry / Help", "Password reset"),
    "Network": ("Network", "VPN"),
    "Database": ("Database",),
    "Applications": ("Software", "ERP"),
    "End User Computing": ("Hardware", "Printing"),
    "Security": ("Access", "Malware"),
}
_CONTACT = ("Phone", "Email", "Self service", "Walk in")
_MINUTE = 60 * US_PER_SECOND
# typical minutes to first response and to resolve, per priority
_RESPOND = {PRIORITIES[0]: 10, PRIORITIES[1]: 30, PRIORITIES[2]: 120, PRIORITIES[3]: 240}
_WORK = {PRIORITIES[0]: 90, PRIORITIES[1]: 300, PRIORITIES[2]: 1_200, PRIORITIES[3]: 2_400}


@attrs.frozen(kw_only=True)
class Update:
    """One change of a synthetic ticket: the state after it, at an instant (London time).

    >>> u = generate_incident_log(tickets=1, seed=1)[0].updates[0]
    >>> u.at.tzinfo.key, u.state, sorted(dict(u.fields))
    ('Europe/London', 'New', ['assignment_group', 'category', 'contact_type'])
    """

    at: datetime
    state: str
    priority: str
    fields: tuple[tuple[str, str], ...]


@attrs.frozen
class SyntheticTicket:
    """A ticket number and its updates in time order.

    >>> t = generate_incident_log(tickets=1, seed=1)[0]
    >>> all(a.at <= b.at for a, b in zip(t.updates, t.updates[1:]))
    True
    """

    number: str
    updates: tuple[Update, ...]


def _weighted(rng: random.Random, items: tuple[str, ...], weights: tuple[int, ...]) -> str:
    draw = rng.randrange(sum(weights))
    for item, weight in zip(items, weights, strict=True):
        if draw < weight:
            return item
        draw -= weight
    raise AssertionError("unreachable: draw < sum(weights)")  # pragma: no cover


def _long_tail(rng: random.Random, typical: int) -> int:
    """Minutes: usually under *typical*, sometimes a few times more, rarely far more."""
    bucket = rng.randrange(100)
    if bucket < 60:
        return rng.randrange(1, typical + 1)
    if bucket < 90:
        return rng.randrange(typical, 4 * typical + 1)
    return rng.randrange(4 * typical, 20 * typical + 1)


def _office(us: int, rng: random.Random) -> int:
    """Move an instant outside office hours (08:00-18:00 London, Mon-Fri) into them."""
    local = from_us(us, LONDON)
    if local.weekday() < 5 and 8 <= local.hour < 18:
        return us
    day = local.date() + timedelta(days=0 if local.hour < 8 else 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime(day.year, day.month, day.day, 8, tzinfo=LONDON)
    return to_us(start, "start") + rng.randrange(0, 180) * _MINUTE


def _ticket(rng: random.Random, number: str, horizon: int) -> SyntheticTicket:
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    priority = _weighted(rng, PRIORITIES, _PRIORITY_WEIGHTS)
    if rng.randrange(100) < 80:  # most tickets arrive in office hours
        opened = datetime(day.year, day.month, day.day, 8 + rng.randrange(10),
                          rng.randrange(60), tzinfo=LONDON)
    else:
        opened = datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60),
                          tzinfo=LONDON)
    group = sorted(GROUPS)[rng.randrange(len(GROUPS))]
    fields = {"assignment_group": group,
              "category": GROUPS[group][rng.randrange(len(GROUPS[group]))],
              "contact_type": _CONTACT[rng.randrange(len(_CONTACT))]}
    updates: list[tuple[int, Update]] = []  # with the instant in microseconds
    now = to_us(opened, "opened")
    critical = priority == PRIORITIES[0]

    def emit(state: str) -> None:
        updates.append((now, Update(at=from_us(now, LONDON), state=state, priority=priority,
                                    fields=tuple(sorted(fields.items())))))

    def later(minutes: int) -> int:
        moved = now + minutes * _MINUTE
        return moved if critical else _office(moved, rng)

    emit("New")
    if rng.randrange(100) < 2:
        now = later(_long_tail(rng, 60))
        emit("Cancelled")
        return SyntheticTicket(number, tuple(u for us, u in updates if us < horizon))
    now = later(_long_tail(rng, _RESPOND[priority]))
    if rng.randrange(100) < 15:  # triage sends it elsewhere
        group = sorted(GROUPS)[rng.randrange(len(GROUPS))]
        fields["assignment_group"] = group
    emit("Active")
    reopened = False
    while True:
        for _ in range(3):
            roll = rng.randrange(100)
            if roll < 25:
                now = later(_long_tail(rng, _WORK[priority] // 4))
                emit("Awaiting User Info" if roll < 18 else "Awaiting Vendor")
                now = later(_long_tail(rng, 600))
                emit("Active")
            elif roll < 33:
                now = later(_long_tail(rng, _WORK[priority] // 4))
                index = PRIORITIES.index(priority) + (1 if rng.randrange(2) else -1)
                priority = PRIORITIES[min(max(index, 0), len(PRIORITIES) - 1)]
                critical = priority == PRIORITIES[0]
                emit("Active")
        now = later(_long_tail(rng, _WORK[priority]))
        emit("Resolved")
        if reopened or rng.randrange(100) >= 6:
            break
        reopened = True
        now = later(_long_tail(rng, 1_440))
        emit("Active")
    now += (3 * 24 * 60 + rng.randrange(60)) * _MINUTE  # auto-close after three days
    emit("Closed")
    return SyntheticTicket(number, tuple(u for us, u in updates if us < horizon))


def generate_incident_log(*, tickets: int = 3_000, seed: int = 2016,
                          as_of: datetime = AS_OF) -> tuple[SyntheticTicket, ...]:
    """Generate *tickets* synthetic incidents opened from 1 March 2016 over 120 days.

    Updates at or after *as_of* are left out (they have not happened yet); tickets opened
    near the end are therefore still open, some of them waiting on the user.

    Raises:
        InvalidArgumentError: *tickets* is not an integer from 0 to :data:`MAX_TICKETS`.

    >>> log = generate_incident_log(tickets=200)
    >>> states = {u.state for t in log for u in t.updates}
    >>> sorted(states)
    ['Active', 'Awaiting User Info', 'Awaiting Vendor', 'Cancelled', 'Closed', 'New', 'Resolved']
    """
    if isinstance(tickets, bool) or not isinstance(tickets, int) or not 0 <= tickets <= MAX_TICKETS:
        raise InvalidArgumentError(f"tickets: {shown(tickets)}; expected an integer from 0 to "
                                   f"{MAX_TICKETS} (MAX_TICKETS)")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ArgumentTypeError(f"seed: expected an integer, got {type(seed).__name__}")
    rng = random.Random(seed)
    horizon = to_us(as_of, "as_of")
    made = (_ticket(rng, f"INC{n:07d}", horizon) for n in range(1, tickets + 1))
    return tuple(t for t in made if t.updates)

"""Which export columns hold the ticket id, the time, the state and the priority.

``--columns ticket=number,at=sys_updated_at,state=incident_state`` maps the four roles to
column names; a role left out is looked up among common names (ServiceNow's included),
so a ServiceNow incident export needs no mapping at all.  Every other column becomes a
ticket field, usable by ``--by`` and by the policy's conditions.

>>> spec = parse_column_spec("ticket=number, at=sys_updated_at")
>>> spec
{'ticket': 'number', 'at': 'sys_updated_at'}
>>> cols = ColumnMap.resolve(["number", "incident_state", "sys_updated_at", "category"], spec)
>>> cols.names["state"], cols.priority, cols.fields
('incident_state', None, (('category', 3),))
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import attrs

from itsm_core.errors import ArgumentTypeError, ConfigError, shown

__all__ = ["ROLES", "ColumnMap", "header_listing", "parse_column_spec"]

ROLES = ("ticket", "at", "state", "priority")
_REQUIRED = ("ticket", "at", "state")
_NAMES_SHOWN = 30  # column names listed in a message
_NAME_SHOWN = 40  # longer names are shown shortened
_SPEC_FORM = "ROLE=COLUMN pairs separated by commas, roles among " + ", ".join(ROLES)

# tried in order when a role is not mapped explicitly (case-insensitive)
_CANDIDATES: dict[str, tuple[str, ...]] = {
    "ticket": ("ticket", "number", "ticket_id", "id", "key", "issue_key"),
    "at": ("at", "timestamp", "time", "sys_updated_at", "sys_updated_on", "updated_at",
           "updated", "changed_at"),
    "state": ("state", "incident_state", "status"),
    "priority": ("priority",),
}


def parse_column_spec(text: str | None) -> dict[str, str]:
    """Parse ``--columns`` text into ``{role: column}``.

    Raises:
        ConfigError: a pair is not ``ROLE=COLUMN``, the role is unknown or repeated.

    >>> parse_column_spec("owner=assigned_to")
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --columns: unknown role 'owner' in 'owner=assigned_to'; expected ROLE=COLUMN pairs separated by commas, roles among ticket, at, state, priority
    """
    spec: dict[str, str] = {}
    if text is not None and not isinstance(text, str):
        raise ArgumentTypeError(f"text: expected a str or None, got {type(text).__name__}")
    if not text:
        return spec
    for pair in text.split(","):
        if not pair.strip():
            continue
        role, sep, column = (part.strip() for part in pair.partition("="))
        if not sep or not role or not column:
            raise ConfigError("--columns", f"cannot read {shown(pair.strip())}", _SPEC_FORM)
        if role not in ROLES:
            raise ConfigError("--columns", f"unknown role {shown(role)} in {shown(pair.strip())}", _SPEC_FORM)
        if role in spec:
            raise ConfigError("--columns", f"role {shown(role)} is mapped twice", _SPEC_FORM)
        spec[role] = column
    return spec


def header_listing(header: Sequence[str]) -> str:
    """The header's column names for a message, bounded: at most 30 names, each long or
    unprintable name shown quoted and shortened.

    >>> header_listing(["number", "at", "x" * 100])[:30]
    "number, at, 'xxxxxxxxxxxxxxxxx"
    >>> header_listing([])
    '(the header is empty)'
    """
    if not header:
        return "(the header is empty)"
    names = [name if len(name) <= _NAME_SHOWN and name.isprintable() and "," not in name
             else shown(name) for name in header[:_NAMES_SHOWN]]
    if len(header) > _NAMES_SHOWN:
        names.append(f"... ({len(header):,} in all)")
    return ", ".join(names)


def _repeated(repeated: dict[str, list[int]]) -> str:
    parts = [f"{shown(name)} (columns {', '.join(map(str, places[:-1]))} and {places[-1]})"
             for name, places in list(repeated.items())[:_NAMES_SHOWN]]
    if len(repeated) > _NAMES_SHOWN:
        parts.append(f"... ({len(repeated):,} names in all)")
    names = "name" if len(repeated) == 1 else "names"
    return f"repeated column {names} {', '.join(parts)}"


@attrs.frozen(kw_only=True)
class ColumnMap:
    """The resolved positions of the roles and of the other columns (the ticket fields).

    Attributes:
        names: role -> column name, for messages.
        ticket: index of the ticket id column.
        at: index of the timestamp column.
        state: index of the state column.
        priority: index of the priority column, or ``None`` when the export has none.
        fields: ``(column name, index)`` of every other column.
        width: the number of columns in the header.

    >>> ColumnMap.resolve(["id", "when"], {})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: --columns: no column for the role 'at' (tried at, timestamp, time, sys_updated_at, sys_updated_on, updated_at, updated, changed_at); expected --columns at=COLUMN, one of the header's columns: id, when
    """

    names: dict[str, str]
    ticket: int
    at: int
    state: int
    priority: int | None
    fields: tuple[tuple[str, int], ...]
    width: int

    @classmethod
    def resolve(cls, header: Sequence[str], spec: dict[str, str]) -> ColumnMap:
        """Find each role's column in *header*, explicit mapping first, then common names.

        Raises:
            ConfigError: two columns have the same name (after stripping spaces), a
                mapped column is not in the header, or a required role (ticket, at,
                state) has no column; the message lists the header.

        >>> ColumnMap.resolve(["number", "at", "state"], {"ticket": "nmber"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: --columns ticket: no column 'nmber' in the header; expected one of the header's columns: number, at, state
        >>> ColumnMap.resolve(["number", "at", "state", "at "], {})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: header: repeated column name 'at' (columns 2 and 4); expected each column named once: rename or remove the repeated columns
        """
        header = [name.strip() for name in header]
        listing = header_listing(header)
        position: dict[str, int] = {}
        repeated: dict[str, list[int]] = {}
        for index, name in enumerate(header):
            if name in position:
                repeated.setdefault(name, [position[name] + 1]).append(index + 1)
            position.setdefault(name, index)
        if repeated:
            raise ConfigError("header", _repeated(repeated),
                              "each column named once: rename or remove the repeated columns")
        lowered: dict[str, int] = {}
        for index, name in enumerate(header):
            lowered.setdefault(name.lower(), index)
        found: dict[str, int] = {}
        for role in ROLES:
            if role in spec:
                if spec[role] not in position:
                    raise ConfigError(f"--columns {role}",
                                      f"no column {shown(spec[role])} in the header",
                                      f"one of the header's columns: {listing}")
                found[role] = position[spec[role]]
                continue
            for candidate in _CANDIDATES[role]:
                if candidate in lowered and lowered[candidate] not in found.values():
                    found[role] = lowered[candidate]
                    break
            else:
                if role in _REQUIRED:
                    raise ConfigError(
                        "--columns",
                        f"no column for the role {shown(role)} (tried {', '.join(_CANDIDATES[role])})",
                        f"--columns {role}=COLUMN, one of the header's columns: {listing}",
                    )
        taken = set(found.values())
        return cls(
            names={role: header[index] for role, index in found.items()},
            ticket=found["ticket"],
            at=found["at"],
            state=found["state"],
            priority=found.get("priority"),
            fields=tuple((name, i) for i, name in enumerate(header) if i not in taken),
            width=len(header),
        )

    def kept(self, keep: Collection[str] | None) -> tuple[tuple[str, int], ...]:
        """The field columns ``(name, index)`` among *keep* (all of them for ``None``).

        >>> ColumnMap.resolve(["ticket", "at", "state", "a", "b"], {}).kept({"b"})
        (('b', 4),)
        """
        return self.fields if keep is None else tuple(f for f in self.fields if f[0] in keep)

"""Maintenance and freeze (blackout) windows, as explicit intervals and RFC 5545 recurrences.

* A **maintenance window** lists the CIs it serves (or every CI).  A CI served by at least one
  window may only be changed inside the union of its windows; a CI no window serves is
  unrestricted.  Change types in ``maintenance_exempt`` (default: emergency) may run outside.
* A **freeze window** applies to the CIs it lists (or every change).  A change overlapping it
  breaks it, unless its type is in the freeze's ``allow`` list (default: emergency).

>>> windows = ChangeWindows.from_dict({
...     "maintenance": [{"name": "db weekly", "cis": ["db"], "recurrence": {
...         "rrule": "FREQ=WEEKLY;BYDAY=SA", "start": "2025-01-04T22:00",
...         "timezone": "Europe/London", "duration": "PT4H"}}],
...     "freezes": [{"name": "year end", "intervals": [["2025-12-20T00:00+00:00", "2026-01-03T00:00+00:00"]]}]})
>>> from itsm_core.change.request import ChangeRequest
>>> cr = ChangeRequest.from_dict({"id": "C1", "type": "normal", "cis": ["db"],
...     "start": "2025-01-11T23:00+00:00", "end": "2025-01-12T03:00+00:00"})
>>> [c.detail for c in windows.window_conflicts(cr)]
['C1 runs outside the maintenance windows of db from 2025-01-12T02:00:00+00:00 to 2025-01-12T03:00:00+00:00']
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timezone

import attrs

from itsm_core._config import check_depth, join, read_at, reject_unknown
from itsm_core._instant import from_us, parse_instant, to_us
from itsm_core.change.conflict import Conflict, ConflictKind
from itsm_core.change.levels import listed_names
from itsm_core.change.request import ChangeRequest, ChangeType, parse_type
from itsm_core.errors import ConfigError, UnknownNameError, shown
from itsm_core.intervals import IntervalSet
from itsm_core.recurrence import Recurrence

__all__ = ["ChangeWindows", "Window", "WindowKind"]

_EMERGENCY_ONLY = frozenset({ChangeType.EMERGENCY})


class WindowKind(enum.Enum):
    """Maintenance (changes belong inside) or freeze (changes must stay out).

    >>> WindowKind("freeze").value
    'freeze'
    """

    MAINTENANCE = "maintenance"
    FREEZE = "freeze"


def _types(value: object, path: str) -> frozenset[ChangeType]:
    if not isinstance(value, list):
        raise ConfigError(path, f"expected a list of change types, got {shown(value)}", "['emergency']")
    return frozenset(parse_type(v, join(path, i)) for i, v in enumerate(value))


def _iso(us: int) -> str:
    return from_us(us, timezone.utc).isoformat()


def _interval_set(pairs: Iterable[tuple[datetime, datetime]] | IntervalSet) -> IntervalSet:
    return pairs if isinstance(pairs, IntervalSet) else IntervalSet.from_datetimes(pairs)


@attrs.frozen(kw_only=True)
class Window:
    """A named window: explicit intervals and/or recurrences, the CIs it concerns.

    Attributes:
        name: shown in conflicts.
        kind: maintenance or freeze.
        intervals: explicit ``[start, end)`` intervals, pairs of aware datetimes (read back
            in UTC, merged where they touch).
        recurrences: recurring occurrences.
        cis: the CIs concerned, or ``None`` for every CI.
        allow: for a freeze, the change types it does not stop.

    >>> w = Window.from_dict({"kind": "freeze", "name": "x", "intervals": [["2025-01-02T00:00+00:00",
    ...     "2025-01-01T00:00+00:00"]]})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: intervals[0]: end 2025-01-01T00:00+00:00 is before start 2025-01-02T00:00+00:00; expected [start, end] with start <= end
    """

    name: str
    kind: WindowKind
    _intervals: IntervalSet = attrs.field(alias="intervals", factory=IntervalSet.empty,
                                          converter=_interval_set)
    recurrences: tuple[Recurrence, ...] = ()
    cis: frozenset[str] | None = None
    allow: frozenset[ChangeType] = _EMERGENCY_ONLY

    @property
    def intervals(self) -> tuple[tuple[datetime, datetime], ...]:
        """The explicit intervals as ``(start, end)`` pairs of datetimes in UTC.

        >>> from datetime import datetime, timedelta
        >>> t = datetime(2025, 1, 1, tzinfo=timezone.utc)
        >>> Window(name="w", kind=WindowKind.FREEZE, intervals=[(t, t + timedelta(days=1)),
        ...        (t + timedelta(days=1), t + timedelta(days=2))]).intervals == ((t, t + timedelta(days=2)),)
        True
        """
        return tuple(self._intervals.to_datetimes(timezone.utc))

    @classmethod
    def from_dict(cls, data: Mapping[str, object], *,
                  known_cis: Collection[str] | None = None) -> Window:
        """Read ``kind`` (``maintenance`` or ``freeze``), ``name``, ``intervals`` (pairs of aware
        ISO strings), ``recurrence`` (one mapping or a list, see
        :class:`~itsm_core.recurrence.Recurrence`), ``cis`` and, for a freeze, ``allow``.

        Inside :class:`ChangeWindows` the list a window sits in gives its kind instead.

        >>> Window.from_dict({"kind": "maintenance", "name": "w", "cis": ["dbx"]}, known_cis={"db"})
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: cis[0]: unknown name 'dbx'; expected one of 'db'
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("", f"expected a mapping, got {shown(data)}", "{'kind', 'name', ...}")
        kinds = [k.value for k in WindowKind]
        if data.get("kind") not in kinds:
            raise UnknownNameError("kind", data.get("kind"), kinds)
        rest = {k: v for k, v in data.items() if k != "kind"}
        return cls._read(rest, WindowKind(data["kind"]), "", known_cis)

    @classmethod
    def _read(cls, data: object, kind: WindowKind, path: str,
              known_cis: Collection[str] | None) -> Window:
        if not isinstance(data, Mapping):
            raise ConfigError(path, f"expected a mapping, got {shown(data)}",
                              "{'name', 'intervals' and/or 'recurrence', 'cis'?}")
        known = {"name", "intervals", "recurrence", "cis"} | ({"allow"} if kind is WindowKind.FREEZE else set())
        reject_unknown(data, known, path, f"one of {sorted(known)}")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError(join(path, "name"), f"bad name {shown(name)}", "a non-empty string")
        pairs = []
        raw = data.get("intervals", [])
        if not isinstance(raw, list):
            raise ConfigError(join(path, "intervals"), f"expected a list, got {shown(raw)}", "[[start, end], ...]")
        for i, pair in enumerate(raw):
            where = join(join(path, "intervals"), i)
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ConfigError(where, f"expected [start, end], got {shown(pair)}", "[start, end]")
            start = to_us(parse_instant(pair[0], join(where, 0)), where)
            end = to_us(parse_instant(pair[1], join(where, 1)), where)
            if end < start:
                raise ConfigError(where, f"end {pair[1]} is before start {pair[0]}",
                                  "[start, end] with start <= end")
            pairs.append((start, end))
        rec = data.get("recurrence", [])
        recs = rec if isinstance(rec, list) else [rec]
        recurrences = tuple(read_at(join(path, "recurrence") if rec is r else
                                    join(join(path, "recurrence"), i), Recurrence.from_dict, r)
                            for i, r in enumerate(recs))
        cis = None
        if "cis" in data:
            names = data["cis"]
            if not isinstance(names, list):
                raise ConfigError(join(path, "cis"), f"expected a list, got {shown(names)}", "['db', ...]")
            for i, ci in enumerate(names):
                if not isinstance(ci, str) or not ci:
                    raise ConfigError(join(join(path, "cis"), i), f"bad CI name {shown(ci)}",
                                      "a non-empty string")
                if known_cis is not None and ci not in known_cis:
                    raise UnknownNameError(join(join(path, "cis"), i), ci, listed_names(known_cis))
            cis = frozenset(names)
        allow = _types(data["allow"], join(path, "allow")) if "allow" in data else _EMERGENCY_ONLY
        return cls(name=name, kind=kind, intervals=IntervalSet.from_pairs(pairs),
                   recurrences=recurrences, cis=cis,
                   allow=allow if kind is WindowKind.FREEZE else frozenset())

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back.

        >>> w = Window.from_dict({"kind": "freeze", "name": "x", "intervals": [["2025-01-01T00:00+00:00",
        ...     "2025-01-02T00:00+00:00"]], "allow": []})
        >>> Window.from_dict(w.to_dict()) == w
        True
        """
        out: dict[str, object] = {"kind": self.kind.value, "name": self.name,
                                  "intervals": [[_iso(s), _iso(e)] for s, e in self._intervals]}
        if self.recurrences:
            out["recurrence"] = [r.to_dict() for r in self.recurrences]
        if self.cis is not None:
            out["cis"] = sorted(self.cis)
        if self.kind is WindowKind.FREEZE:
            out["allow"] = sorted(t.value for t in self.allow)
        return out

    def applies_to(self, ci: str) -> bool:
        """Whether the window concerns *ci*.

        >>> Window(name="all", kind=WindowKind.FREEZE).applies_to("anything")
        True
        """
        return self.cis is None or ci in self.cis

    def _occurrences(self, a: int, b: int) -> IntervalSet:
        """The window's time inside ``[a, b)`` (microseconds)."""
        out = self._intervals.clip(a, b)
        for rec in self.recurrences:
            out = out | rec.occurrences(a, b)
        return out


@attrs.frozen
class _CompiledWindows:
    """Every window expanded once over a span ``[a, b)`` (microseconds), for many queries."""

    span: tuple[int, int]
    maintenance: tuple[tuple[Window, IntervalSet], ...]
    freezes: tuple[tuple[Window, IntervalSet], ...]
    exempt: frozenset[ChangeType]
    _per_ci: dict[str, IntervalSet | None] = attrs.field(factory=dict, eq=False, hash=False)

    def maintenance_for(self, ci: str) -> IntervalSet | None:
        """The union of *ci*'s maintenance windows, or ``None`` if no window serves it."""
        if ci not in self._per_ci:
            sets = [occ for window, occ in self.maintenance if window.applies_to(ci)]
            union = None
            for occ in sets:
                union = occ if union is None else union | occ
            self._per_ci[ci] = union
        return self._per_ci[ci]

    def freezes_for(self, change_type: ChangeType, cis: Iterable[str]) -> list[tuple[Window, IntervalSet]]:
        """The freezes that bind a change of this type on these CIs."""
        names = tuple(cis)
        return [(w, occ) for w, occ in self.freezes if change_type not in w.allow
                and (w.cis is None or any(ci in w.cis for ci in names))]

    def conflicts(self, change: ChangeRequest) -> list[Conflict]:
        """The window rules *change* breaks (its interval must lie inside :attr:`span`)."""
        s, e = change._start_us, change._end_us
        out = []
        if change.type not in self.exempt:
            for ci in change.cis:
                allowed = self.maintenance_for(ci)
                if allowed is not None and not allowed.covers(s, e):
                    gap = (IntervalSet((s, e)) - allowed).pairs()[0]
                    out.append(Conflict._at(
                        ConflictKind.OUTSIDE_MAINTENANCE, (change.id,), gap[0], gap[1],
                        f"{change.id} runs outside the maintenance windows of {ci} "
                        f"from {_iso(gap[0])} to {_iso(gap[1])}", ci=ci))
        for window, occ in self.freezes_for(change.type, change.cis):
            if occ.overlaps(s, e):
                hit = occ.clip(s, e).pairs()[0]
                out.append(Conflict._at(
                    ConflictKind.IN_FREEZE, (change.id,), hit[0], hit[1],
                    f"{change.id} runs in freeze {shown(window.name)} from {_iso(hit[0])} to {_iso(hit[1])}",
                    window=window.name))
        return out


@attrs.frozen(kw_only=True)
class ChangeWindows:
    """All maintenance and freeze windows, and the types exempt from maintenance windows.

    >>> ChangeWindows.from_dict({"maintenance_exempt": ["urgent"]})
    Traceback (most recent call last):
    ...
    itsm_core.errors.UnknownNameError: maintenance_exempt[0]: unknown name 'urgent'; expected one of 'standard', 'normal', 'emergency'
    """

    maintenance: tuple[Window, ...] = ()
    freezes: tuple[Window, ...] = ()
    maintenance_exempt: frozenset[ChangeType] = _EMERGENCY_ONLY

    @classmethod
    def from_dict(cls, data: Mapping[str, object], *,
                  known_cis: Collection[str] | None = None) -> ChangeWindows:
        """Read ``maintenance`` and ``freezes`` (lists of windows) and ``maintenance_exempt``.

        >>> ChangeWindows.from_dict({"freezes": [{"name": "f", "cis": ["web"]}]}).freezes[0].cis
        frozenset({'web'})
        """
        check_depth(data)
        if not isinstance(data, Mapping):
            raise ConfigError("windows", f"expected a mapping, got {shown(data)}",
                              "{'maintenance': [...], 'freezes': [...]}")
        reject_unknown(data, ("maintenance", "freezes", "maintenance_exempt"), "",
                       "one of 'maintenance', 'freezes', 'maintenance_exempt'")
        lists = {}
        for key, kind in (("maintenance", WindowKind.MAINTENANCE), ("freezes", WindowKind.FREEZE)):
            rows = data.get(key, [])
            if not isinstance(rows, list):
                raise ConfigError(key, f"expected a list, got {shown(rows)}", "[{...}, ...]")
            lists[key] = tuple(Window._read(r, kind, join(key, i), known_cis)
                               for i, r in enumerate(rows))
        exempt = (_types(data["maintenance_exempt"], "maintenance_exempt")
                  if "maintenance_exempt" in data else _EMERGENCY_ONLY)
        return cls(maintenance=lists["maintenance"], freezes=lists["freezes"], maintenance_exempt=exempt)

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back.

        >>> ChangeWindows().to_dict()
        {'maintenance': [], 'freezes': [], 'maintenance_exempt': ['emergency']}
        """
        def listed(window: Window) -> dict[str, object]:
            return {k: v for k, v in window.to_dict().items() if k != "kind"}

        return {"maintenance": [listed(w) for w in self.maintenance],
                "freezes": [listed(w) for w in self.freezes],
                "maintenance_exempt": sorted(t.value for t in self.maintenance_exempt)}

    def _compile(self, a: int, b: int) -> _CompiledWindows:
        """Expand every window over ``[a, b)`` (microseconds) once."""
        return _CompiledWindows(
            (a, b), tuple((w, w._occurrences(a, b)) for w in self.maintenance),
            tuple((w, w._occurrences(a, b)) for w in self.freezes), self.maintenance_exempt)

    def window_conflicts(self, change: ChangeRequest) -> list[Conflict]:
        """The window rules *change* breaks: outside a maintenance window, inside a freeze.

        >>> w = ChangeWindows.from_dict({"freezes": [{"name": "f", "allow": [], "intervals": [
        ...     ["2025-01-01T00:00+00:00", "2025-01-02T00:00+00:00"]]}]})
        >>> cr = ChangeRequest.from_dict({"id": "E1", "type": "emergency", "cis": ["db"],
        ...     "start": "2025-01-01T10:00+00:00", "end": "2025-01-01T11:00+00:00"})
        >>> [c.kind.value for c in w.window_conflicts(cr)]
        ['in_freeze']
        """
        return self._compile(change._start_us, change._end_us).conflicts(change)

"""Scoring scales shared by the questionnaire and the weighted average.

A :class:`Scale` turns a factor's value into a score, either by a table of answers
(``{"yes": 0, "no": 3}``) or by thresholds on a number (``[{"min": 0, "score": 1},
{"min": 5, "score": 3}]``: the last threshold the value reaches).  A :class:`LevelTable` maps a
total score to a risk level, validated so that every possible score has exactly one level.

>>> s = Scale.from_dict({"thresholds": [{"min": 0, "score": 1}, {"min": 5, "score": 3}]})
>>> s.score(7, "services_affected")
(Fraction(3, 1), 'value 7 reaches min 5')
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

import attrs

from itsm_core._config import check_depth, join, reject_unknown
from itsm_core.change.levels import RiskLevel, format_number
from itsm_core.errors import ConfigError, InvalidArgumentError, UnknownNameError, shown
from itsm_core.ratios import parse_number

__all__ = ["Band", "LevelTable", "Scale"]

_FORMS = ("bands", "levels")


def answer_key(value: object) -> str:
    """The text under which a factor's value is looked up in an answer table.

    Booleans read as ``"yes"``/``"no"``; other values as ``str``.

    >>> answer_key(True), answer_key("tested"), answer_key(3)
    ('yes', 'tested', '3')
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _answer_name(value: object, path: str) -> str:
    """An answer table's key: a string, or a boolean or a short integer read as its text."""
    if isinstance(value, str) or (isinstance(value, int) and value.bit_length() <= 64):
        return answer_key(value)
    raise ConfigError(path, f"bad answer {shown(value)}", "a string, true/false or an integer")


def _factor_number(value: object, factor: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, Fraction, Decimal)):
        raise InvalidArgumentError(
            f"fields.{factor}: expected a number, got {type(value).__name__} {shown(value)}")
    return Fraction(value)


@attrs.frozen(kw_only=True)
class Scale:
    """A factor's scoring: an answer table or numeric thresholds, plus an optional default.

    >>> Scale.from_dict({"answers": {"yes": 0, "no": 3}, "default": "no"}).score(None, "tested")
    (Fraction(3, 1), "no value: default answer 'no' scores 3")
    """

    answers: tuple[tuple[str, Fraction], ...] = ()
    thresholds: tuple[tuple[Fraction, Fraction], ...] = ()
    default: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Scale:
        """Read ``answers`` (mapping) or ``thresholds`` (ascending ``min``), and ``default``.

        >>> Scale.from_dict({"thresholds": [{"min": 5, "score": 1}, {"min": 5, "score": 2}]})
        Traceback (most recent call last):
        ...
        itsm_core.errors.ConfigError: thresholds[1].min: 5 does not exceed the previous min 5; expected thresholds in strictly ascending order of min
        """
        check_depth(data)
        return cls._read(data, "", integer=False)

    @classmethod
    def _read(cls, data: Mapping[str, object], path: str, *, integer: bool,
              also: tuple[str, ...] = ()) -> Scale:
        """:meth:`from_dict` at *path*; *integer* requires whole scores (a questionnaire);
        *also* names the other keys the mapping may carry (a question's ``factor``)."""
        if not isinstance(data, Mapping):
            raise ConfigError(path, f"expected a mapping, got {shown(data)}",
                              "{'answers': {'yes': 0, 'no': 3}} or {'thresholds': [{'min': 0, 'score': 1}]}")
        reject_unknown(data, (*also, "answers", "thresholds", "default"), path)
        has_answers, has_thresholds = "answers" in data, "thresholds" in data
        if has_answers == has_thresholds:
            raise ConfigError(path, "needs exactly one of 'answers' or 'thresholds'",
                              "{'answers': {'yes': 0, 'no': 3}} or {'thresholds': [{'min': 0, 'score': 1}]}")
        default = data.get("default")
        if default is not None and not isinstance(default, str):
            raise ConfigError(join(path, "default"), f"expected an answer name, got {shown(default)}", "a string")
        if has_answers:
            table = data["answers"]
            if not isinstance(table, Mapping) or not table:
                raise ConfigError(join(path, "answers"), f"expected a non-empty mapping, got {shown(table)}",
                                  "{'answer': score, ...}")
            answers = tuple((_answer_name(k, join(path, "answers")),
                             parse_number(v, f"{join(path, 'answers')}.{k}", integer=integer))
                            for k, v in table.items())
            names = [name for name, _ in answers]
            if len(set(names)) != len(names):
                twice = next(name for name in names if names.count(name) > 1)
                raise ConfigError(join(path, "answers"), f"answer {shown(twice)} given twice "
                                  "(true/false read as 'yes'/'no')", "distinct answer names")
            if default is not None and default not in dict(answers):
                raise UnknownNameError(join(path, "default"), default, [k for k, _ in answers])
            return cls(answers=answers, default=default)
        rows = data["thresholds"]
        if not isinstance(rows, list) or not rows:
            raise ConfigError(join(path, "thresholds"), f"expected a non-empty list, got {shown(rows)}",
                              "[{'min': 0, 'score': 1}, ...]")
        thresholds: list[tuple[Fraction, Fraction]] = []
        for i, row in enumerate(rows):
            where = join(join(path, "thresholds"), i)
            if not isinstance(row, Mapping) or "min" not in row or "score" not in row:
                raise ConfigError(where, f"expected {{'min', 'score'}}, got {shown(row)}", "{'min': 0, 'score': 1}")
            reject_unknown(row, ("min", "score"), where)
            low = parse_number(row["min"], f"{where}.min")
            if thresholds and low <= thresholds[-1][0]:
                raise ConfigError(f"{where}.min", f"{shown(format_number(low))} does not exceed the previous min "
                                  f"{shown(format_number(thresholds[-1][0]))}",
                                  "thresholds in strictly ascending order of min")
            thresholds.append((low, parse_number(row["score"], f"{where}.score", integer=integer)))
        if default is not None:
            raise ConfigError(join(path, "default"), "a default applies to answers only",
                              "no default beside thresholds")
        return cls(thresholds=tuple(thresholds))

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back.

        >>> Scale.from_dict({"answers": {"yes": 0, "no": "5/2"}}).to_dict()
        {'answers': {'yes': 0, 'no': '5/2'}}
        """
        if self.answers:
            out: dict[str, object] = {"answers": {k: format_number(v) for k, v in self.answers}}
            if self.default is not None:
                out["default"] = self.default
            return out
        return {"thresholds": [{"min": format_number(m), "score": format_number(s)}
                               for m, s in self.thresholds]}

    def bounds(self) -> tuple[Fraction, Fraction]:
        """The lowest and highest score the scale can give.

        >>> Scale.from_dict({"answers": {"a": 4, "b": -1}}).bounds()
        (Fraction(-1, 1), Fraction(4, 1))
        """
        scores = [s for _, s in self.answers] or [s for _, s in self.thresholds]
        return min(scores), max(scores)

    def score(self, value: object, factor: str) -> tuple[Fraction, str]:
        """The score for *value* (``None`` = absent) and a sentence saying why.

        Raises:
            UnknownNameError: the value is not one of the answers.
            InvalidArgumentError: the value is absent without a default, or is below the
                first threshold.

        >>> Scale.from_dict({"answers": {"yes": 0}}).score("maybe", "tested")
        Traceback (most recent call last):
        ...
        itsm_core.errors.UnknownNameError: fields.tested: unknown name 'maybe'; expected one of 'yes'
        """
        if self.answers:
            table = dict(self.answers)
            if value is None:
                if self.default is None:
                    raise InvalidArgumentError(
                        f"fields.{factor}: missing; expected one of {list(table)}")
                return table[self.default], (f"no value: default answer {shown(self.default)} scores "
                                             f"{format_number(table[self.default])}")
            key = answer_key(value)
            if key not in table:
                raise UnknownNameError(f"fields.{factor}", value, list(table))
            return table[key], f"answer {shown(key)} scores {format_number(table[key])}"
        if value is None:
            raise InvalidArgumentError(f"fields.{factor}: missing; expected a number")
        number = _factor_number(value, factor)
        chosen = None
        for low, points in self.thresholds:
            if number >= low:
                chosen = (low, points)
        if chosen is None:
            raise InvalidArgumentError(
                f"fields.{factor}: {shown(value)} is below the first threshold; expected a number >= "
                f"{format_number(self.thresholds[0][0])}")
        return chosen[1], f"value {answer_key(value)} reaches min {format_number(chosen[0])}"


@attrs.frozen
class Band:
    """One row of a score band table: ``[low, high]`` inclusive (``high`` ``None`` = open).

    >>> Band(0, 25, RiskLevel.LOW).contains(Fraction(25))
    True
    """

    low: Fraction
    high: Fraction | None
    level: RiskLevel

    def contains(self, score: Fraction) -> bool:
        """Whether *score* falls in the band.

        >>> Band(51, None, RiskLevel.HIGH).contains(Fraction(1000))
        True
        """
        return self.low <= score and (self.high is None or score <= self.high)


@attrs.frozen
class LevelTable:
    """Score -> level, validated for gaps and overlaps over the attainable score range.

    Two forms: integer bands ``{"min", "max", "risk"}`` with inclusive ends (ServiceNow:
    0-25, 26-50, 51+), where each band must start one above the previous band's max; or
    thresholds ``{"min", "risk"}`` (BMC-style: the last one reached), which cannot leave gaps.

    The form is named by the key: ``{"bands": [...]}`` or ``{"levels": [...]}``.

    >>> LevelTable.from_dict({"bands": [{"min": 0, "max": 25, "risk": "low"},
    ...                                 {"min": 27, "risk": "high"}]})
    Traceback (most recent call last):
    ...
    itsm_core.errors.ConfigError: bands[1].min: gap: scores 26 to 26 fall in no band; expected each band to start at the previous band's max + 1
    """

    bands: tuple[Band, ...]
    integer: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LevelTable:
        """Read ``{"bands": [...]}`` (integer bands) or ``{"levels": [...]}`` (thresholds).

        >>> LevelTable.from_dict({"levels": [{"min": 0, "risk": "low"},
        ...                                  {"min": "5/2", "risk": "high"}]}).level(Fraction(3))
        (<RiskLevel.HIGH: 3>, Band(low=Fraction(5, 2), high=None, level=<RiskLevel.HIGH: 3>))
        """
        check_depth(data)
        if not isinstance(data, Mapping) or len(data) != 1 or next(iter(data)) not in _FORMS:
            raise ConfigError("", f"expected {{'bands': [...]}} or {{'levels': [...]}}, got {shown(data)}",
                              "{'bands': [{'min': 0, 'max': 25, 'risk': 'low'}, ...]}")
        key = next(iter(data))
        return cls._read(data[key], key, integer=key == "bands")

    @classmethod
    def _read(cls, rows: object, path: str, *, integer: bool) -> LevelTable:
        """Read and validate the rows at *path* (``integer``: bands with ``max``; else thresholds)."""
        if not isinstance(rows, list) or not rows:
            raise ConfigError(path, f"expected a non-empty list, got {shown(rows)}",
                              "[{'min': 0, 'max': 25, 'risk': 'low'}, ...]")
        bands: list[Band] = []
        for i, row in enumerate(rows):
            where = join(path, i)
            if not isinstance(row, Mapping) or "min" not in row or "risk" not in row:
                raise ConfigError(where, f"expected {{'min', 'max', 'risk'}}, got {shown(row)}",
                                  "{'min': 0, 'max': 25, 'risk': 'low'}")
            reject_unknown(row, ("min", "max", "risk"), where)
            low = parse_number(row["min"], f"{where}.min", integer=integer)
            high = row.get("max") if integer else None
            if not integer and "max" in row:
                raise ConfigError(f"{where}.max", "thresholds take no max", "{'min': 2, 'risk': 'moderate'}")
            top = None if high is None else parse_number(high, f"{where}.max", integer=True)
            if top is not None and top < low:
                raise ConfigError(f"{where}.max", f"max {shown(format_number(top))} is below min {shown(format_number(low))}", "max >= min")
            if bands:
                _check_follows(bands[-1], low, where, integer=integer)
            bands.append(Band(low, top, RiskLevel.parse(row["risk"], f"{where}.risk")))
        return cls(tuple(bands), integer)

    def _require_covers(self, lowest: Fraction, highest: Fraction, path: str) -> None:
        """Refuse a table in which the lowest or highest attainable score has no level."""
        first, last = self.bands[0], self.bands[-1]
        if lowest < first.low:
            raise ConfigError(path, f"the lowest attainable score {format_number(lowest)} is below "
                              f"the first band's min {format_number(first.low)}",
                              "bands covering every attainable score")
        if last.high is not None and highest > last.high:
            raise ConfigError(path, f"the highest attainable score {format_number(highest)} is above "
                              f"the last band's max {format_number(last.high)}",
                              "bands covering every attainable score")

    def level(self, score: Fraction) -> tuple[RiskLevel, Band]:
        """The level of *score* and the band that gave it.

        >>> LevelTable.from_dict({"bands": [{"min": 0, "max": 25, "risk": "low"},
        ...                                 {"min": 26, "risk": "high"}]}).level(Fraction(26))[0]
        <RiskLevel.HIGH: 3>
        """
        for band in reversed(self.bands):
            if band.contains(score):
                return band.level, band
        raise InvalidArgumentError(f"score {format_number(score)} falls in no band")

    def to_dict(self) -> dict[str, object]:
        """Plain data that :meth:`from_dict` reads back.

        >>> LevelTable.from_dict({"levels": [{"min": 0, "risk": "low"}]}).to_dict()
        {'levels': [{'min': 0, 'risk': 'low'}]}
        """
        return {"bands" if self.integer else "levels": self._rows()}

    def _rows(self) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        for band in self.bands:
            row: dict[str, object] = {"min": format_number(band.low)}
            if band.high is not None:
                row["max"] = format_number(band.high)
            row["risk"] = band.level.label
            rows.append(row)
        return rows


def _check_follows(previous: Band, low: Fraction, where: str, *, integer: bool) -> None:
    if not integer:
        if low <= previous.low:
            raise ConfigError(f"{where}.min", f"{format_number(low)} does not exceed the previous "
                              f"min {format_number(previous.low)}", "thresholds in ascending order of min")
        return
    if previous.high is None:
        raise ConfigError(f"{where}.min", f"overlap: the previous band has no max, so it already "
                          f"holds {format_number(low)}", "only the last band may omit max")
    if low <= previous.high:
        raise ConfigError(f"{where}.min", f"overlap: scores {format_number(low)} to "
                          f"{format_number(previous.high)} fall in two bands",
                          "each band to start at the previous band's max + 1")
    if low > previous.high + 1:
        raise ConfigError(f"{where}.min", f"gap: scores {format_number(previous.high + 1)} to "
                          f"{format_number(low - 1)} fall in no band",
                          "each band to start at the previous band's max + 1")

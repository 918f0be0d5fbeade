"""Inline SVG charts for the HTML service report, drawn with matplotlib when it is
installed (the optional extra ``itsm_core[report]``).

Each chart is drawn on its own :class:`matplotlib.figure.Figure` with the SVG canvas:
pyplot and the global ``rcParams`` are never touched.  Text is drawn as paths (no font
is referenced), and the XML prolog, the document type, the metadata and the namespace
declarations are stripped, so the SVG can be placed inline in an HTML page that refers to
nothing outside itself.  Without matplotlib every function returns ``None`` and the page
shows its tables alone.

>>> svg = trend_svg("P1 resolution", [("2025-01", Fraction(1)), ("2025-02", None),
...                                   ("2025-03", Fraction(9, 10))], Fraction(95, 100))
>>> svg is None or (svg.startswith("<svg") and "http" not in svg)
True
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

__all__ = ["available", "bars_svg", "hours_svg", "trend_svg"]

_STRIP = (re.compile(r"<\?xml[^>]*\?>\s*"), re.compile(r"<!DOCTYPE[^>]*>\s*"),
          re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL),
          re.compile(r"\s+xmlns(:\w+)?=\"[^\"]*\""), re.compile(r"<!--.*?-->\s*", re.DOTALL))
_ID = re.compile(r'(\sid=)"([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')
_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}
_COLOURS = {"line": "#1f5fa8", "goal": "#b03a2e", "bar": "#6c7a89"}


def _figure_class() -> tuple[Any, Any, Any] | None:
    """matplotlib's ``Figure``, SVG canvas and integer tick locator, or ``None`` when it
    is not installed."""
    try:
        from matplotlib.backends.backend_svg import (  # noqa: PLC0415 - optional dependency
            FigureCanvasSVG,
        )
        from matplotlib.figure import Figure  # noqa: PLC0415 - optional dependency
        from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 - optional dependency
    except ImportError:
        return None
    return Figure, FigureCanvasSVG, MaxNLocator


def available() -> bool:
    """Whether matplotlib is installed, so charts can be drawn.

    >>> available() in (True, False)
    True
    """
    return _figure_class() is not None


def _figure(width: float) -> tuple[Any, Any, Any, Any] | None:
    """A new figure *width* inches wide and 2.4 high, its axes, the SVG canvas and the
    integer tick locator; ``None`` when matplotlib is not installed."""
    classes = _figure_class()
    if classes is None:
        return None
    figure_class, canvas, integer_ticks = classes
    figure = figure_class(figsize=(width, 2.4), dpi=72)
    return figure, figure.add_subplot(), canvas, integer_ticks


def _svg(figure: Any, canvas: Any, prefix: str) -> str:
    canvas(figure)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    text = buffer.getvalue()
    for pattern in _STRIP:
        text = pattern.sub("", text)
    # xlink:href needs the xlink namespace in XML; an HTML parser reads plain href
    text = text.replace("xlink:href=", "href=")
    # element ids are unique within one page: each chart's carry its prefix
    text = _ID.sub(lambda m: f'{m[1]}"{prefix}-{m[2]}"', text)
    text = _REF.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", text)
    return text.strip()


def trend_svg(title: str, points: Sequence[tuple[str, Fraction | None]], goal: Fraction,
              prefix: str = "chart") -> str | None:
    """A line chart of a target's measured share per period (gaps where nothing was
    measured) with its goal as a dashed line; ``None`` without matplotlib.

    >>> trend_svg("t", [], Fraction(1)) is None or True
    True
    """
    drawn = _figure(5.2)
    if drawn is None:
        return None
    figure, axes, canvas, _ = drawn
    labels = [p for p, _ in points]
    values = [None if v is None else float(v) * 100 for _, v in points]
    xs = list(range(len(labels)))
    axes.plot(xs, [float("nan") if v is None else v for v in values], marker="o",
              color=_COLOURS["line"], label="measured")
    axes.axhline(float(goal) * 100, color=_COLOURS["goal"], linestyle="--", label="goal")
    axes.set_xticks(xs, labels, fontsize=8)
    axes.set_ylabel("%", fontsize=8)
    axes.tick_params(axis="y", labelsize=8)
    known = [v for v in values if v is not None] + [float(goal) * 100]
    low = min(known)
    axes.set_ylim(max(0.0, low - max(1.0, (100 - low) * 0.5)), 100.5)
    axes.set_title(title, fontsize=9)
    axes.legend(fontsize=7, loc="lower left")
    figure.tight_layout()
    return _svg(figure, canvas, prefix)


def bars_svg(title: str, counts: Mapping[str, int], prefix: str = "chart") -> str | None:
    """A bar chart of *counts* (e.g. breaches by cause), largest first; ``None`` without
    matplotlib.  The chart's element ids start with *prefix*.

    >>> svg = bars_svg("Breaches by priority", {"P1": 3, "P2": 5})
    >>> svg is None or svg.count("<svg") == 1
    True
    """
    drawn = _figure(4.2)
    if drawn is None:
        return None
    figure, axes, canvas, integer_ticks = drawn
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    axes.bar(range(len(items)), [v for _, v in items], color=_COLOURS["bar"])
    axes.set_xticks(range(len(items)), [k for k, _ in items], fontsize=8)
    axes.tick_params(axis="y", labelsize=8)
    axes.yaxis.set_major_locator(integer_ticks(integer=True))
    axes.set_title(title, fontsize=9)
    figure.tight_layout()
    return _svg(figure, canvas, prefix)


def hours_svg(title: str, periods: Sequence[str],
              series: Mapping[str, Sequence[float | None]], prefix: str = "chart") -> str | None:
    """A line chart of one value per period for each named series (e.g. each group's mean
    time to resolve in hours; gaps where a period has none); ``None`` without matplotlib.

    >>> svg = hours_svg("MTTR", ["2025-01", "2025-02"], {"Desk": [4.5, None]})
    >>> svg is None or svg.count("<svg") == 1
    True
    """
    drawn = _figure(5.2)
    if drawn is None:
        return None
    figure, axes, canvas, _ = drawn
    xs = list(range(len(periods)))
    for name, values in series.items():
        axes.plot(xs, [float("nan") if v is None else v for v in values], marker="o",
                  label=name)
    axes.set_xticks(xs, list(periods), fontsize=8)
    axes.set_ylabel("hours", fontsize=8)
    axes.set_ylim(bottom=0)
    axes.tick_params(axis="y", labelsize=8)
    axes.set_title(title, fontsize=9)
    if series:
        axes.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    return _svg(figure, canvas, prefix)

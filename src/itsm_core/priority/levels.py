"""The three kinds of level a priority matrix orders: impact, urgency and priority.

Each is a frozen value of ``label`` and ``rank``, the label's 1-based position on its
axis with 1 the most severe (impact), most urgent (urgency) or most urgent priority.
They are separate types on purpose: an impact of rank 1 is not an urgency of rank 1,
and neither is a bare ``int``.

>>> Priority("1 - Critical", 1)
Priority(label='1 - Critical', rank=1)
>>> Impact("1 - High", 1) == Urgency("1 - High", 1)
False
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["Impact", "Priority", "Urgency"]


@attrs.frozen
class _Level:
    """Shared shape of the three level types (not public)."""

    label: str
    rank: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{"label": ..., "rank": ...}``.

        >>> Impact("2 - Medium", 2).to_dict()
        {'label': '2 - Medium', 'rank': 2}
        """
        return {"label": self.label, "rank": self.rank}


@attrs.frozen
class Impact(_Level):
    """An impact level: its label and 1-based rank (1 = most severe).

    >>> Impact("2 - Medium", 2).to_dict()
    {'label': '2 - Medium', 'rank': 2}
    """


@attrs.frozen
class Urgency(_Level):
    """An urgency level: its label and 1-based rank (1 = most urgent).

    >>> Urgency("3 - Low", 3).label
    '3 - Low'
    """


@attrs.frozen
class Priority(_Level):
    """A priority level: its label and 1-based rank (1 = most urgent).

    Compare priorities of one matrix by ``rank``: a smaller rank is more urgent.

    >>> p = Priority("2 - High", 2)
    >>> p.label, p.rank
    ('2 - High', 2)
    >>> p.rank < Priority("4 - Low", 4).rank
    True
    """

"""Figures for /stats: requests, activities and announcements per wijk over a period."""

from models.stats.figures import NO_WIJK, Stats, WijkFigures, compute, visible_wijken
from models.stats.periods import Period, Span, span
from models.stats.requests import RequestFigures

__all__ = [
    "NO_WIJK",
    "Period",
    "RequestFigures",
    "Span",
    "Stats",
    "WijkFigures",
    "compute",
    "span",
    "visible_wijken",
]

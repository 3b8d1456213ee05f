"""Bar charts as plain geometry for inline SVG, drawn on the server like the ledger's balance
chart (sem/ledger/charts.py, whose hour steps they share). Pure functions: no database, no
Flask; labels arrive already formatted for the page's language.
"""

import math
from dataclasses import dataclass

from sem.ledger.charts import _step as hour_step


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    value: int
    position: float  # y for vertical charts, x for horizontal ones


@dataclass(frozen=True)
class BarChart:
    orientation: str  # "vertical" (one bar per month) or "horizontal" (one bar per category)
    kind: str  # "hours" (values in minutes) or "number"
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bars: list[Bar]
    ticks: list[Tick]
    label_every: int = 1  # vertical charts: label every n-th bar


def number_step(span: int, max_ticks: int) -> int:
    """1, 2, 5, 10, 20, 50… so that the axis has at most `max_ticks` steps."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if span / (factor * magnitude) <= max_ticks:
                return factor * magnitude
        magnitude *= 10


def _axis(values: list[int], kind: str, max_ticks: int) -> tuple[int, int, int]:
    low, high = min([0, *values]), max([0, *values])
    span = max(high - low, 60 if kind == "hours" else 1)
    step = hour_step(span, max_ticks) if kind == "hours" else number_step(span, max_ticks)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    if high == low:
        high = low + step
    return low, high, step


def vertical_bars(items: list[tuple[str, int]], *, kind: str = "hours", width: int = 640, height: int = 260,
                  max_ticks: int = 5, max_labels: int = 12) -> BarChart | None:
    """One bar per item, left to right (months); None when every value is zero."""
    if not items or not any(value for _, value in items):
        return None
    left, right, top, bottom = 72.0, width - 16.0, 16.0, height - 36.0
    low, high, step = _axis([v for _, v in items], kind, max_ticks)

    def y_of(value: int) -> float:
        return round(bottom - (value - low) / (high - low) * (bottom - top), 1)

    slot = (right - left) / len(items)
    bar_width = round(max(1.0, slot * 0.7), 1)
    bars = []
    for i, (label, value) in enumerate(items):
        y0, y1 = y_of(0), y_of(value)
        bars.append(Bar(label, value, round(left + i * slot + (slot - bar_width) / 2, 1), min(y0, y1), bar_width,
                        round(abs(y0 - y1), 1)))
    ticks = [Tick(v, y_of(v)) for v in range(low, high + 1, step)]
    return BarChart("vertical", kind, width, height, left, right, top, bottom, bars, ticks,
                    label_every=max(1, math.ceil(len(items) / max_labels)))


def horizontal_bars(items: list[tuple[str, int]], *, kind: str = "hours", width: int = 640, row: int = 24,
                    max_ticks: int = 4, max_bars: int = 15) -> BarChart | None:
    """One bar per item, top to bottom (the first `max_bars`: the table has them all)."""
    items = items[:max_bars]
    if not items or not any(value for _, value in items):
        return None
    left, right, top = 210.0, width - 56.0, 8.0
    bottom = top + row * len(items)
    height = int(bottom + 28)
    low, high, step = _axis([v for _, v in items], kind, max_ticks)

    def x_of(value: int) -> float:
        return round(left + (value - low) / (high - low) * (right - left), 1)

    bars = []
    for i, (label, value) in enumerate(items):
        x0, x1 = x_of(0), x_of(value)
        short = label if len(label) <= 30 else label[:29] + "…"
        bars.append(Bar(short, value, min(x0, x1), round(top + i * row + row * 0.15, 1), round(abs(x1 - x0), 1),
                        round(row * 0.7, 1)))
    ticks = [Tick(v, x_of(v)) for v in range(low, high + 1, step)]
    return BarChart("horizontal", kind, width, height, left, right, top, bottom, bars, ticks)

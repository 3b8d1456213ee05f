"""A balance-over-time chart as plain geometry for an inline SVG, drawn on the server.

Pure functions: no database, no Flask. The page draws the SVG with presentation attributes
and CSS classes only (the Content-Security-Policy forbids inline styles and scripts) and
shows the same points in a data table beside it.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

# Steps for the hour axis, in minutes: a quarter hour up to a thousand hours.
STEPS = (15, 30, 60, 120, 300, 600, 1200, 3000, 6000, 12000, 30000, 60000)


@dataclass(frozen=True)
class Point:
    day: date  # the day (or the first day of the month) the balance was reached
    minutes: int  # the balance at the end of that day (or month)
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Tick:
    minutes: int
    y: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    granularity: str  # "day" or "month"
    points: list[Point]
    path: str
    ticks: list[Tick]
    x_labels: list[Point]
    zero_y: float
    floor: int | None
    floor_y: float | None


def balance_points(rows: Iterable[tuple[datetime, int]], tz: tzinfo,
                   max_points: int = 24) -> tuple[list[tuple[date, int]], str]:
    """The balance at the end of each day with entries; by month when there are more than
    `max_points` such days (then only the last `max_points` months). Rows are (when, balance
    after) in ledger order."""
    by_day: dict[date, int] = {}
    for when, balance in rows:
        by_day[when.astimezone(tz).date()] = balance
    if len(by_day) <= max_points:
        return list(by_day.items()), "day"
    by_month: dict[date, int] = {}
    for day, balance in by_day.items():
        by_month[day.replace(day=1)] = balance
    return list(by_month.items())[-max_points:], "month"


def _step(span: int, max_ticks: int) -> int:
    for step in STEPS:
        if span / step <= max_ticks:
            return step
    return math.ceil(span / max_ticks / 60) * 60


def build_chart(points: list[tuple[date, int]], *, granularity: str = "day", floor: int | None = None,
                width: int = 640, height: int = 260, max_ticks: int = 5, label_gap: int = 120) -> Chart | None:
    """Coordinates for the points (x in proportion to time), the hour axis (always showing
    zero, and the floor when given) and date labels that do not overlap. None when there is
    nothing to draw."""
    if not points:
        return None
    left, right, top, bottom = 72.0, width - 16.0, 16.0, height - 36.0
    values = [minutes for _, minutes in points] + [0] + ([floor] if floor is not None else [])
    low, high = min(values), max(values)
    step = _step(max(high - low, 60), max_ticks)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    if high == low:
        high = low + step

    def y_of(minutes: int) -> float:
        return round(bottom - (minutes - low) / (high - low) * (bottom - top), 1)

    # Time runs left to right in proportion: a quiet month takes the room a month takes.
    first, last = points[0][0], points[-1][0]
    days = (last - first).days

    def x_of(day: date) -> float:
        if days == 0:
            return round((left + right) / 2, 1)
        return round(left + (day - first).days / days * (right - left), 1)

    placed = [Point(day, minutes, x_of(day), y_of(minutes)) for day, minutes in points]
    # A balance holds until the next movement: a step line, not a slope.
    path = f"M{placed[0].x:g} {placed[0].y:g}" + "".join(f" H{p.x:g} V{p.y:g}" for p in placed[1:])
    ticks = [Tick(m, y_of(m)) for m in range(low, high + 1, step)]
    # Date labels: the last one, then from the first on, each far enough from its neighbours.
    x_labels = [placed[-1]]
    for point in placed[:-1]:
        if all(abs(point.x - other.x) >= label_gap for other in x_labels):
            x_labels.append(point)
    x_labels.sort(key=lambda p: p.x)
    return Chart(width=width, height=height, left=left, right=right, top=top, bottom=bottom,
                 granularity=granularity, points=placed, path=path, ticks=ticks,
                 x_labels=x_labels, zero_y=y_of(0), floor=floor,
                 floor_y=y_of(floor) if floor is not None else None)

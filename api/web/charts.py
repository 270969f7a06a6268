"""Charts as server-rendered SVG: this module computes where each bar, point and label
goes; ``templates/charts.html`` draws them with presentation attributes (the CSP allows
no inline style). Every chart prints its values beside its marks, draws series apart by
pattern and line style as well as colour, and stands beside a table of its figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 600


def nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Column:
    x: float
    """Centre of the column's slot."""
    label: str
    value: int | None
    """None: not yet (a month to come)."""
    top: float
    height: float
    shown: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    shown: str


@dataclass(frozen=True)
class Columns:
    """Vertical columns over slots (months), optionally with a cumulative line and a
    target line on the same scale."""

    width: int
    height: int
    left: float
    right: float
    base: float
    bar_width: float
    ticks: list[Tick]
    columns: list[Column]
    line: list[Point]
    target: list[Point]

    @staticmethod
    def path(points: Sequence[Point]) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)


def columns(labels: Sequence[str], values: Sequence[int | None], *,
            line: Sequence[int | None] = (), target: Sequence[int] = (),
            shown: Sequence[str] | None = None, height: int = 300,
            right: float = 24) -> Columns:
    """Columns of ``values`` (None: no column), with the cumulative ``line`` (None: not
    yet) and the ``target`` line on the same axis; ``shown`` the texts of the values."""
    top, bottom, left = 28.0, 60.0 if line else 36.0, 44.0
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    highest = max([*(v or 0 for v in values), *(v or 0 for v in line), *target, 1])
    step = nice_ceiling(highest * 1.08 / 6)
    ceiling = step * math.ceil(highest * 1.08 / step)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / ceiling)

    slot = plot_w / max(1, len(labels))
    texts = shown if shown is not None else [str(v) for v in values]
    cols = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + slot * (i + .5)
        v = value or 0
        cols.append(Column(x, label, value, y(v), y(0) - y(v), texts[i] if value is not None
                           else ""))
    return Columns(
        WIDTH, height, left, WIDTH - right, y(0), min(slot * .55, 36),
        [Tick(y(v), str(v)) for v in range(0, ceiling + 1, step)], cols,
        [Point(cols[i].x, y(v), str(v)) for i, v in enumerate(line) if v is not None],
        [Point(cols[i].x, y(v), str(v)) for i, v in enumerate(target)])


@dataclass(frozen=True)
class Bar:
    label: str
    shown: str
    label_y: float
    bar_y: float
    width: float


@dataclass(frozen=True)
class Bars:
    """Horizontal bars, each with its label above and its value at its end."""

    width: int
    height: int
    left: float
    thickness: float
    bars: list[Bar]


def bars(items: Sequence[tuple[str, float, str]]) -> Bars:
    """Bars of ``items`` (label, value, value as shown), in the order given."""
    left, room, row, thickness = 4.0, WIDTH - 4.0 - 64.0, 50.0, 18.0
    highest = max([v for _, v, _ in items] + [1])
    found = [Bar(label, shown, 20 + i * row, 28 + i * row, room * value / highest)
             for i, (label, value, shown) in enumerate(items)]
    return Bars(WIDTH, int(12 + row * max(1, len(items))), left, thickness, found)

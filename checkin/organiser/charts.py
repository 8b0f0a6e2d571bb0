"""The arrivals chart as SVG geometry: computed here, drawn by a template, so the page and
the fragment the dashboard re-fetches are one drawing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..shows import to_local

WIDTH, HEIGHT = 600, 220
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 12, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (x, HH:MM) under the axis
    peak: int
    baseline: float


def arrivals_chart(arrivals: list[tuple[datetime, int]]) -> Chart:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = max((count for _, count in arrivals), default=0)
    bars, ticks = [], []
    if arrivals:
        slot = plot_w / len(arrivals)
        every = max(1, round(len(arrivals) / 6))  # about six time labels, whatever the span
        for i, (at, count) in enumerate(arrivals):
            height = plot_h * count / peak if peak else 0
            label = to_local(at).strftime("%H:%M")
            x = LEFT + i * slot
            bars.append(
                Bar(
                    round(x + slot * 0.1, 2),
                    round(TOP + plot_h - height, 2),
                    round(max(slot * 0.8, 1), 2),
                    round(height, 2),
                    label,
                    count,
                )
            )
            if i % every == 0:
                ticks.append((round(x + slot / 2, 2), label))
    return Chart(WIDTH, HEIGHT, bars, ticks, peak, TOP + plot_h)

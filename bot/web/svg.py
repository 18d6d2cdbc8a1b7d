"""Plots drawn on the server as SVG: no script, no outside request, readable on a phone.

Each series is a polyline plus, when it has few points, one circle per point
with a `<title>` (the browser shows it on hover or long press). The chart
carries `data-points` (how many values it drew) so a test or a script can
tell a drawn plot from an empty frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.web.html import Markup, el, join

WIDTH = 720
HEIGHT = 220
PAD_LEFT = 48
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 28
MAX_MARKERS = 120
"""Series with more points than this are drawn as a line only."""


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float | None]
    """One value per x position; None: no value there (the line breaks)."""
    css: str
    """Class of the line (`s1`, `s2`, `bad`…): colours live in the stylesheet."""


def nice_ceiling(value: float) -> float:
    """The axis top: 1, 2 or 5 times a power of ten, at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return 10.0 * power


def _format(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "",
    tick_every: int = 1,
    markers: Sequence[tuple[int, str]] = (),
) -> Markup:
    """A line chart: x positions are `labels` (every `tick_every`-th is written under
    the axis), y from 0 to a round top. `markers` are vertical ticks (index, title),
    such as the pauses of a platform."""
    count = len(labels)
    top = nice_ceiling(
        max((v for s in series for v in s.values if v is not None), default=0.0)
    )
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(i: int) -> float:
        return PAD_LEFT + (inner_w * i / (count - 1) if count > 1 else inner_w / 2)

    def y(v: float) -> float:
        return PAD_TOP + inner_h * (1 - v / top)

    parts: list[Markup] = [el("title", title)]
    for fraction in (0.0, 0.5, 1.0):
        level = top * fraction
        parts.append(el("line", x1=PAD_LEFT, x2=WIDTH - PAD_RIGHT, y1=f"{y(level):.1f}",
                        y2=f"{y(level):.1f}", class_="grid"))
        parts.append(el("text", f"{_format(level)}{unit}", x=PAD_LEFT - 6,
                        y=f"{y(level) + 4:.1f}", class_="axis", text_anchor="end"))
    for i, label in enumerate(labels):
        if i % max(1, tick_every) == 0:
            parts.append(el("text", label, x=f"{x(i):.1f}", y=HEIGHT - 8, class_="axis",
                            text_anchor="middle"))
    for index, what in markers:
        parts.append(el("line", el("title", what), x1=f"{x(index):.1f}", x2=f"{x(index):.1f}",
                        y1=PAD_TOP, y2=HEIGHT - PAD_BOTTOM, class_="marker"))
    drawn = 0
    for item in series:
        runs: list[list[str]] = [[]]
        dots: list[Markup] = []
        for i, value in enumerate(item.values):
            if value is None:
                if runs[-1]:
                    runs.append([])
                continue
            drawn += 1
            runs[-1].append(f"{x(i):.1f},{y(value):.1f}")
            if len(item.values) <= MAX_MARKERS:
                dots.append(el("circle", el("title", f"{item.name} · {labels[i]} : "
                                                     f"{_format(value)}{unit}"),
                               cx=f"{x(i):.1f}", cy=f"{y(value):.1f}", r=3, class_=item.css))
        for run in runs:
            if len(run) == 1:
                continue  # a lone point is its dot
            if run:
                parts.append(el("polyline", points=" ".join(run), class_=f"line {item.css}"))
        parts.extend(dots)
    legend = el(
        "p",
        [el("span", el("span", class_=f"swatch {s.css}"), " ", s.name, class_="key")
         for s in series],
        class_="legend",
    )
    svg = el(
        "svg",
        *parts,
        viewBox=f"0 0 {WIDTH} {HEIGHT}",
        role="img",
        aria_label=title,
        class_="chart",
        data_points=drawn,
        xmlns="http://www.w3.org/2000/svg",
    )
    return join(el("figure", el("figcaption", title), svg, legend, class_="plot"))

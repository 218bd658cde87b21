"""Small charts drawn on the server as inline SVG geometry (no chart library, no script).

These functions only compute shapes (numbers); templates/agent/_charts.html turns them
into <svg> markup with a <title> per shape, so every value can also be read by a screen
reader, and the table next to each chart carries the same figures. Colours come from
classes in style.css (the Content-Security-Policy allows no inline styles).
"""

from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    text: str  # the value as shown


@dataclass
class HorizontalBars:
    width: int
    height: int
    label_width: int
    bars: list


def horizontal_bars(items, width=480, row=22, label_width=170, fmt="{:,}".format):
    """One bar per (label, value): for the funnel, statuses, ratings. `fmt` writes a value
    as shown (the page passes one in the reader's language)."""
    items = list(items)
    top = max([v for _, v in items] + [0]) or 1
    span = width - label_width - 60
    bars = [Bar(label, value, label_width, i * row + 3, max(span * value / top, 0), row - 8,
                fmt(value)) for i, (label, value) in enumerate(items)]
    return HorizontalBars(width, max(len(items), 1) * row, label_width, bars)


@dataclass
class Series:
    name: str
    css: str
    points: str  # "x,y x,y ..." for <polyline>
    dots: list  # [(x, y, label, value)]


@dataclass
class LineChart:
    width: int
    height: int
    top: float
    series: list
    ticks: list  # [(x, label)]
    left: int
    bottom: int
    plot_height: int


def lines(labels, named_values, width=640, height=200, left=40, bottom=24, pad=10, right=28):
    """Lines over shared x labels (weeks): named_values = [(name, css class, [values])]."""
    labels = list(labels)
    top = max([v for _, _, values in named_values for v in values] + [0]) or 1
    plot_w, plot_h = width - left - right, height - bottom - pad
    step = plot_w / max(len(labels) - 1, 1)

    def point(i, value):
        return round(left + i * step, 1), round(pad + plot_h - plot_h * value / top, 1)

    series = []
    for name, css, values in named_values:
        dots = [(*point(i, v), labels[i], v) for i, v in enumerate(values)]
        series.append(Series(name, css, " ".join(f"{x},{y}" for x, y, _, _ in dots), dots))
    every = max(len(labels) // 8, 1)  # at most about eight x labels
    ticks = [(round(left + i * step, 1), label) for i, label in enumerate(labels)
             if i % every == 0]
    return LineChart(width, height, top, series, ticks, left, bottom, plot_h + pad)

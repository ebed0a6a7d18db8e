"""Server-rendered SVG scatter plot: verified score against the share of parameters trained."""

import math
from dataclasses import dataclass

from hub.web.formatting import percent

WIDTH, HEIGHT, PAD = 640, 320, 48
# Room for the score labels left of the plot, at the larger type a phone screen gets (site.css).
LEFT = 72


@dataclass
class Dot:
    cx: float
    cy: float
    label: str
    url: str


@dataclass
class Tick:
    pos: float
    text: str


@dataclass
class Line:
    y: float
    label: str


@dataclass
class Chart:
    dots: list
    x_ticks: list
    y_ticks: list
    baselines: list  # Lines across the plot: scores a delta must beat to be worth anything
    # The geometry the positions above were computed for; the template reads it from here.
    width = WIDTH
    height = HEIGHT
    pad = PAD
    left = LEFT
    plot_right = WIDTH - PAD
    plot_bottom = HEIGHT - PAD


def score_vs_share(rows, higher_is_better=True, baselines=()):
    """`rows`: (share, score, label, url); share on a log axis, since deltas span orders of magnitude.
    `baselines`: (label, score) pairs drawn as horizontal lines.

    The score axis runs so that better is up: lower values on top for a metric where lower is better.
    """
    rows = [r for r in rows if r[0] and r[0] > 0 and r[1] is not None]
    if not rows:
        return None
    xs = [math.log10(r[0]) for r in rows]
    ys = [r[1] for r in rows]
    spanned = ys + [value for _, value in baselines]  # the lines stay inside the plot
    x_lo, x_hi = _span(math.floor(min(xs)), math.ceil(max(xs)))
    y_lo, y_hi = _span(min(spanned), max(spanned))
    x_pos = _scale(x_lo, x_hi, LEFT, WIDTH - PAD)
    bottom, top = (HEIGHT - PAD, PAD) if higher_is_better else (PAD, HEIGHT - PAD)
    y_pos = _scale(y_lo, y_hi, bottom, top)
    dots = [Dot(round(x_pos(x), 1), round(y_pos(y), 1), r[2], r[3]) for x, y, r in zip(xs, ys, rows, strict=True)]
    x_ticks = [Tick(round(x_pos(e), 1), percent(10**e)) for e in range(int(x_lo), int(x_hi) + 1)]
    y_ticks = [Tick(round(y_pos(v), 1), f"{v:.3g}") for v in _steps(y_lo, y_hi, 4)]
    lines = [Line(round(y_pos(value), 1), f"{label}: {value:.3g}") for label, value in baselines]
    return Chart(dots, x_ticks, y_ticks, lines)


def _span(lo, hi):
    if hi - lo < 1e-9:
        return lo - 0.5, hi + 0.5
    return lo, hi


def _scale(lo, hi, out_lo, out_hi):
    return lambda v: out_lo + (v - lo) / (hi - lo) * (out_hi - out_lo)


def _steps(lo, hi, count):
    return [lo + (hi - lo) * i / count for i in range(count + 1)]

"""Bar charts drawn on the server as SVG: no script, no network, readable on paper.

Each series has its own fill pattern (solid, diagonal lines, dots) in dark colours that pass
WCAG contrast on white (at least 4.5:1), and every bar carries its number as text, so the chart
reads in grey, in print and without colour. A hidden count is drawn as no bar with the word
for it. A flagged group carries a written mark, not only a colour. The table beside the chart
is the accessible alternative; the chart itself is one image with a title and a description.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

INK = "#1a1a1a"          # text: 17:1 on white
SERIES = (("#1f4e79", "solid"), ("#7a3e00", "lines"), ("#3d5c1e", "dots"))  # 9:1, 8:1, 7:1
ROW_HEIGHT = 24
BAR_HEIGHT = 17
LABEL_WIDTH = 230
PLOT_WIDTH = 300
VALUE_WIDTH = 150


@dataclass(frozen=True)
class Bar:
    """One group of the chart: its words, one value per series (None: hidden), and a mark."""

    label: str
    values: Sequence[float | None]
    mark: str = ""


def _patterns(chart_id: str) -> str:
    out = []
    for n, (colour, kind) in enumerate(SERIES):
        pid = f"{chart_id}-p{n}"
        if kind == "solid":
            out.append(f'<pattern id="{pid}" width="4" height="4" patternUnits="userSpaceOnUse">'
                       f'<rect width="4" height="4" fill="{colour}"/></pattern>')
        elif kind == "lines":
            out.append(f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" '
                       f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
                       f'<rect width="3" height="6" fill="{colour}"/></pattern>')
        else:
            out.append(f'<pattern id="{pid}" width="5" height="5" patternUnits="userSpaceOnUse">'
                       f'<rect width="5" height="5" fill="#ffffff"/>'
                       f'<circle cx="2.5" cy="2.5" r="1.6" fill="{colour}"/></pattern>')
    return "<defs>" + "".join(out) + "</defs>"


def bars(*, chart_id: str, title: str, description: str, series: Sequence[str], rows: Sequence[Bar],
         fmt: Callable[[float], str], hidden_word: str, scale_max: float | None = None,
         reference: tuple[float, str] | None = None) -> Markup:
    """A horizontal bar chart: one band per group, one bar per series, each with its number."""
    per_row = max(1, len(series))
    band = ROW_HEIGHT * per_row + 8
    legend = 22 if len(series) > 1 else 0
    height = legend + band * len(rows) + 24
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    top = max([v for r in rows for v in r.values if v is not None] + [0.0])
    scale = scale_max if scale_max is not None else (top or 1.0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'aria-labelledby="{chart_id}-t {chart_id}-d" font-family="sans-serif" font-size="15">',
             f'<title id="{chart_id}-t">{escape(title)}</title>',
             f'<desc id="{chart_id}-d">{escape(description)}</desc>', _patterns(chart_id),
             f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
    if legend:
        x = LABEL_WIDTH
        for n, name in enumerate(series):
            parts.append(f'<rect x="{x}" y="4" width="14" height="14" fill="url(#{chart_id}-p{n % 3})" '
                         f'stroke="{INK}" stroke-width="0.5"/>'
                         f'<text x="{x + 18}" y="15" fill="{INK}">{escape(name)}</text>')
            x += 28 + 9 * len(name)
    for i, row in enumerate(rows):
        y0 = legend + i * band + 4
        label = row.label if len(row.label) <= 28 else row.label[:27] + "…"
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y0 + band / 2}" text-anchor="end" '
                     f'dominant-baseline="middle" fill="{INK}">{escape(label)}</text>')
        for n, value in enumerate(row.values):
            y = y0 + n * ROW_HEIGHT
            if value is None:
                parts.append(f'<text x="{LABEL_WIDTH + 4}" y="{y + BAR_HEIGHT - 3}" fill="{INK}" '
                             f'font-style="italic">{escape(hidden_word)}</text>')
                continue
            w = max(0.0, min(1.0, value / scale)) * PLOT_WIDTH if scale else 0.0
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" '
                         f'fill="url(#{chart_id}-p{n % 3})" stroke="{INK}" stroke-width="0.5"/>'
                         f'<text x="{LABEL_WIDTH + w + 4:.1f}" y="{y + BAR_HEIGHT - 3}" '
                         f'fill="{INK}">{escape(fmt(value))}{escape(" " + row.mark if row.mark else "")}'
                         f'</text>')
    if reference is not None and scale:
        at, words = reference
        line_x = LABEL_WIDTH + max(0.0, min(1.0, at / scale)) * PLOT_WIDTH
        bottom = legend + band * len(rows) + 4
        parts.append(f'<line x1="{line_x:.1f}" y1="{legend}" x2="{line_x:.1f}" y2="{bottom}" stroke="{INK}" '
                     f'stroke-dasharray="4 3" stroke-width="1"/>'
                     f'<text x="{line_x:.1f}" y="{bottom + 14}" text-anchor="middle" fill="{INK}">'
                     f'{escape(words)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text inside is escaped above

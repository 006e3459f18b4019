"""Bar charts as SVG drawn on the server (no script, no external library): the quality report's
counts, readable by screen readers through a title and a table beside each chart."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

_BAR_HEIGHT = 22
_GAP = 6
_LABEL_WIDTH = 260
_BAR_WIDTH = 360


def bars(title: str, items: list[tuple[str, float]], *, percent: bool = False) -> Markup:
    """A horizontal bar chart of labelled values."""
    top = max((v for _, v in items), default=0) or 1
    height = len(items) * (_BAR_HEIGHT + _GAP) + _GAP
    width = _LABEL_WIDTH + _BAR_WIDTH + 70
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
             f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(items):
        y = _GAP + i * (_BAR_HEIGHT + _GAP)
        length = 0 if top == 0 else round(_BAR_WIDTH * (value / (1 if percent else top)))
        shown = f"{value * 100:.0f} %" if percent else f"{value:g}"
        parts.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" font-size="13" '
            f'fill="#1f2937">{escape(label)}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{max(length, 1)}" height="{_BAR_HEIGHT}" '
            f'fill="#1d4ed8"></rect>'
            f'<text x="{_LABEL_WIDTH + max(length, 1) + 6}" y="{y + 16}" font-size="13" '
            f'fill="#1f2937">{escape(shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 — every text inside is escaped above

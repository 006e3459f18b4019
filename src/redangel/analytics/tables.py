"""Building a safe table: counts suppressed with their margins, then the figures derived from them.

A derived figure (a ratio, an amount, a number of days) is shown only when every count it is
made from is shown; so a ratio never hands back a hidden count. A group whose coverage is
under `DISPARITY` of the whole's is flagged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from redangel.analytics.schemas import Column, Row, Table
from redangel.analytics.suppression import protect

DISPARITY = 0.8
Shown = dict[str, float | None]
Derive = Callable[[Shown], float | None]


@dataclass(frozen=True)
class Group:
    """A row before it is made safe: its key, words and counts."""

    key: str
    counts: list[int]


def ratio(top: str, *bottom: str) -> Derive:
    """top / (sum of bottom), when all are shown and the bottom is not zero."""
    def derive(shown: Shown) -> float | None:
        parts = [shown.get(top), *(shown.get(b) for b in bottom)]
        if any(p is None for p in parts):
            return None
        under = sum(float(shown[b] or 0) for b in bottom)
        return None if under == 0 else float(shown[top] or 0) / under
    return derive


def build(*, id: str, row_kind: str, columns: Sequence[Column], groups: Sequence[Group], k: int,
          row_totals: bool, column_totals: bool, derived: Sequence[tuple[Column, Derive]] = (),
          chart: Sequence[str] = (), coverage: str = "", total_key: str = "total",
          extra: Callable[[str, Shown], Shown] | None = None) -> Table:
    """Suppress the counts of `groups` under `k` (with complements over the margins asked for) and
    derive the other columns from what is shown."""
    counts = [g.counts for g in groups]
    made = protect(counts, k=k, row_totals=row_totals, column_totals=column_totals) if groups else None
    keys = [c.key for c in columns] + ([total_key] if row_totals else [])
    out_columns = [*columns, *([Column(total_key)] if row_totals else []), *(c for c, _ in derived)]

    def row(key: str, values: Sequence[int | None]) -> Row:
        shown: Shown = {c: (None if v is None else float(v)) for c, v in zip(keys, values, strict=True)}
        if extra is not None:
            shown.update(extra(key, shown))
        full = [shown[c] for c in keys] + [fn(shown) for _, fn in derived]
        return Row(key=key, values=full)

    rows = [row(g.key, [*made.cells[i], *([made.row_totals[i]] if row_totals else [])])
            for i, g in enumerate(groups)] if made else []
    total = None
    if made is not None and column_totals:
        total = row("", [*made.column_totals, *([made.total] if row_totals else [])])
    if coverage and total is not None:
        at = [c.key for c in out_columns].index(coverage)
        whole = total.values[at]
        rows = [Row(r.key, r.values,
                    flagged=bool(whole and r.values[at] is not None
                                 and float(r.values[at] or 0) / whole < DISPARITY))
                for r in rows]
    return Table(id=id, row_kind=row_kind, columns=out_columns, rows=rows, total=total,
                 chart=list(chart))


def percentile(histogram: dict[int, float], share: float) -> float | None:
    """The smallest number of days by which `share` of the decisions were made."""
    count = sum(histogram.values())
    if count == 0:
        return None
    running = 0.0
    for days in sorted(histogram):
        running += histogram[days]
        if running >= share * count:
            return float(days)
    return float(max(histogram))

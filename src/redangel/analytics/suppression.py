"""Small counts hidden so that no shown number, nor any sum or difference of them, reveals one.

A count of people under `k` could point at someone (the two single mothers of a small borough
enrolled in one program), so it is suppressed (primary suppression). Hiding it alone is not
enough when its row or column total is shown: the total minus the other cells gives it back.
So more cells are hidden (complementary suppression) until:

1. no row or column of the table, margins included, has exactly one hidden entry;
2. in every row or column with hidden entries, the hidden entries add up to at least `k` (so
   the total minus the shown cells does not say that all the hidden ones are small);
3. no hidden entry is determined by the shown ones through any combination of the table's
   sums (checked exactly: the entry's unit vector is not in the row space of the sums written
   over the hidden entries).

Complements are chosen among the smallest counts of the line, so as little as possible is
lost. Tables are small (tens of rows and columns), so the exact check is cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Entry = tuple[int, int]
"""A place in the extended table: (row, column); row R is the column totals, column C the row
totals, (R, C) the grand total."""


@dataclass(frozen=True)
class Protected:
    """A table of counts with its margins, each hidden (None) or shown."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None

    @property
    def hidden(self) -> int:
        """How many interior cells are hidden."""
        return sum(v is None for row in self.cells for v in row)


def _lines(rows: int, cols: int, row_margin: bool, col_margin: bool) -> list[list[tuple[Entry, int]]]:
    """Each sum the table shows, as (entry, sign) pairs adding to zero."""
    lines: list[list[tuple[Entry, int]]] = []
    if row_margin:  # each row's cells minus its total; with column totals, their sum too
        for i in range(rows + (1 if col_margin else 0)):
            lines.append([((i, j), 1) for j in range(cols)] + [((i, cols), -1)])
    if col_margin:
        for j in range(cols + (1 if row_margin else 0)):
            lines.append([((i, j), 1) for i in range(rows)] + [((rows, j), -1)])
    return lines


def _determined(lines: list[list[tuple[Entry, int]]], hidden: set[Entry]) -> list[Entry]:
    """The hidden entries the shown ones pin down exactly through the table's sums."""
    order = sorted(hidden)
    where = {entry: n for n, entry in enumerate(order)}
    rows = [[0.0] * len(order) for _ in lines]
    for r, line in enumerate(lines):
        for entry, sign in line:
            if entry in where:
                rows[r][where[entry]] = float(sign)
    matrix = np.array([r for r in rows if any(r)], dtype=float).reshape(-1, len(order))
    if not len(matrix):
        return []
    base = int(np.linalg.matrix_rank(matrix))
    found = []
    for n, entry in enumerate(order):
        unit = np.zeros((1, len(order)))
        unit[0, n] = 1.0
        if int(np.linalg.matrix_rank(np.vstack([matrix, unit]))) == base:
            found.append(entry)
    return found


def protect(counts: Sequence[Sequence[int]], *, k: int, row_totals: bool = True,
            column_totals: bool = True) -> Protected:
    """Hide the counts under `k` (never zero: an empty cell names nobody) and enough others that
    none can be recovered from what is shown."""
    rows = len(counts)
    cols = len(counts[0]) if rows else 0
    if rows == 0 or cols == 0:
        return Protected([[] for _ in range(rows)], [0] * rows if row_totals else [],
                         [0] * cols if column_totals else [], 0)
    value: dict[Entry, int] = {}
    for i, row in enumerate(counts):
        if len(row) != cols:
            raise ValueError("every row needs the same number of columns")
        for j, v in enumerate(row):
            if v < 0:
                raise ValueError("counts are never negative")
            value[(i, j)] = int(v)
    if row_totals:
        for i in range(rows):
            value[(i, cols)] = sum(value[(i, j)] for j in range(cols))
    if column_totals:
        for j in range(cols):
            value[(rows, j)] = sum(value[(i, j)] for i in range(rows))
    if row_totals and column_totals:
        value[(rows, cols)] = sum(value[(i, j)] for i in range(rows) for j in range(cols))
    lines = _lines(rows, cols, row_totals, column_totals)
    hidden = {e for e, v in value.items() if 0 < v < k}
    _complete(lines, value, hidden, k)
    return Protected(
        cells=[[None if (i, j) in hidden else value[(i, j)] for j in range(cols)]
               for i in range(rows)],
        row_totals=[None if (i, cols) in hidden else value[(i, cols)] for i in range(rows)]
        if row_totals else [],
        column_totals=[None if (rows, j) in hidden else value[(rows, j)] for j in range(cols)]
        if column_totals else [],
        total=(None if (rows, cols) in hidden else value[(rows, cols)])
        if row_totals and column_totals else None,
    )


def _cheapest(line: list[tuple[Entry, int]], value: dict[Entry, int], hidden: set[Entry]) -> Entry | None:
    """The smallest shown entry of a line to hide next (a non-empty one when there is one)."""
    shown = [e for e, _ in line if e not in hidden]
    if not shown:
        return None
    return min(shown, key=lambda e: (value[e] == 0, value[e], e))


def _complete(lines: list[list[tuple[Entry, int]]], value: dict[Entry, int], hidden: set[Entry],
              k: int) -> None:
    """Add complements until rules 1-3 of the module hold (each pass hides at least one more)."""
    if not hidden:
        return
    while True:
        changed = False
        for line in lines:
            inside = [e for e, _ in line if e in hidden]
            if not inside:
                continue
            if len(inside) == 1 or sum(value[e] for e in inside) < k:
                extra = _cheapest(line, value, hidden)
                if extra is not None:
                    hidden.add(extra)
                    changed = True
        if changed:
            continue
        pinned = _determined(lines, hidden)
        if not pinned:
            return
        entry = pinned[0]
        touching = [line for line in lines if any(e == entry for e, _ in line)]
        options = [e for line in touching if (e := _cheapest(line, value, hidden)) is not None]
        if not options:
            return  # every entry of its lines is hidden already: nothing is shown to recover from
        hidden.add(min(options, key=lambda e: (value[e] == 0, value[e], e)))

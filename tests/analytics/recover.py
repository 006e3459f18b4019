"""What an attacker can work out from a table with hidden cells, computed independently of
`redangel.analytics.suppression` (which checks ranks): here each hidden entry is tested against
the null space of the table's sums (an SVD), and every single-line subtraction is tried."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Grid = Sequence[Sequence[float | None]]


def extended(cells: Grid, row_totals: Sequence[float | None] | None,
             column_totals: Sequence[float | None] | None, total: float | None) -> list[list[float | None]]:
    """The table with its margins as one grid: last column the row totals, last row the column
    totals (and the grand total in the corner)."""
    grid = [list(row) for row in cells]
    if row_totals is not None:
        for row, t in zip(grid, row_totals, strict=True):
            row.append(t)
    if column_totals is not None:
        grid.append([*column_totals, *([total] if row_totals is not None else [])])
    return grid


def lines(rows: int, cols: int, row_totals: bool, column_totals: bool) -> list[list[tuple[int, int, int]]]:
    """Each sum the table states, as (row, column, sign) adding to zero."""
    out = []
    if row_totals:
        for i in range(rows + (1 if column_totals else 0)):
            out.append([(i, j, 1) for j in range(cols)] + [(i, cols, -1)])
    if column_totals:
        for j in range(cols + (1 if row_totals else 0)):
            out.append([(i, j, 1) for i in range(rows)] + [(rows, j, -1)])
    return out


Sums = list[list[tuple[int, int, int]]]


def by_subtraction(grid: list[list[float | None]], sums: Sums) -> set[tuple[int, int]]:
    """Hidden entries that are the only hidden one of some stated sum (total minus the others)."""
    found = set()
    for line in sums:
        hidden = [(i, j) for i, j, _ in line if grid[i][j] is None]
        if len(hidden) == 1:
            found.add(hidden[0])
    return found


def by_any_combination(grid: list[list[float | None]], sums: Sums) -> set[tuple[int, int]]:
    """Hidden entries pinned down by some combination of the stated sums: those on which every
    vector of the null space of the sums (over the hidden entries) is zero."""
    hidden = sorted({(i, j) for line in sums for i, j, _ in line if grid[i][j] is None})
    if not hidden:
        return set()
    where = {e: n for n, e in enumerate(hidden)}
    matrix = np.zeros((len(sums), len(hidden)))
    for r, line in enumerate(sums):
        for i, j, sign in line:
            if (i, j) in where:
                matrix[r, where[(i, j)]] = sign
    _, singular, vt = np.linalg.svd(matrix)
    rank = int(np.sum(singular > 1e-9))
    null = vt[rank:]
    if null.shape[0] == 0:
        return set(hidden)
    return {e for e in hidden if np.all(np.abs(null[:, where[e]]) < 1e-9)}

"""Small counts are hidden, and no hidden count can be worked out from what a table shows: not by
subtracting from a row or column total, nor by any combination of the totals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redangel.analytics.suppression import protect
from tests.analytics.recover import by_any_combination, by_subtraction, extended, lines


def _grid(counts: list[list[int]], k: int, row_totals: bool, column_totals: bool):  # type: ignore[no-untyped-def]
    made = protect(counts, k=k, row_totals=row_totals, column_totals=column_totals)
    grid = extended(made.cells, made.row_totals if row_totals else None,
                    made.column_totals if column_totals else None, made.total)
    return made, grid, lines(len(counts), len(counts[0]), row_totals, column_totals)


def _full(counts: list[list[int]], row_totals: bool, column_totals: bool) -> list[list[int]]:
    grid = [list(r) for r in counts]
    if row_totals:
        for r in grid:
            r.append(sum(r))
    if column_totals:
        bottom = [sum(r[j] for r in counts) for j in range(len(counts[0]))]
        grid.append(bottom + ([sum(bottom)] if row_totals else []))
    return grid


tables = st.integers(1, 6).flatmap(lambda rows: st.integers(1, 5).flatmap(
    lambda cols: st.lists(st.lists(st.one_of(st.integers(0, 6), st.integers(0, 60)),
                                   min_size=cols, max_size=cols), min_size=rows, max_size=rows)))


class TestNothingSmallIsShown:
    @settings(max_examples=120, deadline=None)
    @given(counts=tables, k=st.integers(2, 10), row_totals=st.booleans(), column_totals=st.booleans())
    def test_no_shown_entry_is_a_small_count(self, counts, k, row_totals, column_totals) -> None:  # type: ignore[no-untyped-def]
        _, grid, _ = _grid(counts, k, row_totals, column_totals)
        assert all(v is None or v == 0 or v >= k for row in grid for v in row)

    @settings(max_examples=120, deadline=None)
    @given(counts=tables, k=st.integers(2, 10), row_totals=st.booleans(), column_totals=st.booleans())
    def test_shown_entries_are_the_true_counts(self, counts, k, row_totals, column_totals) -> None:  # type: ignore[no-untyped-def]
        _, grid, _ = _grid(counts, k, row_totals, column_totals)
        truth = _full(counts, row_totals, column_totals)
        assert all(v is None or v == t for row, real in zip(grid, truth, strict=True)
                   for v, t in zip(row, real, strict=True))


class TestNothingHiddenCanBeRecovered:
    @settings(max_examples=120, deadline=None)
    @given(counts=tables, k=st.integers(2, 10), row_totals=st.booleans(), column_totals=st.booleans())
    def test_no_total_minus_the_shown_cells_gives_a_hidden_one(self, counts, k, row_totals,  # type: ignore[no-untyped-def]
                                                               column_totals) -> None:
        _, grid, sums = _grid(counts, k, row_totals, column_totals)
        assert by_subtraction(grid, sums) == set()

    @settings(max_examples=120, deadline=None)
    @given(counts=tables, k=st.integers(2, 10), row_totals=st.booleans(), column_totals=st.booleans())
    def test_no_combination_of_totals_pins_a_hidden_one(self, counts, k, row_totals,  # type: ignore[no-untyped-def]
                                                        column_totals) -> None:
        _, grid, sums = _grid(counts, k, row_totals, column_totals)
        assert by_any_combination(grid, sums) == set()

    @settings(max_examples=120, deadline=None)
    @given(counts=tables, k=st.integers(2, 10))
    def test_hidden_ones_of_a_line_add_up_to_at_least_k(self, counts, k) -> None:  # type: ignore[no-untyped-def]
        _, grid, sums = _grid(counts, k, True, True)
        truth = _full(counts, True, True)
        for line in sums:
            hidden = [truth[i][j] for i, j, _ in line if grid[i][j] is None]
            if hidden and len(hidden) < len(line):
                assert sum(hidden) >= k


class TestExamples:
    def test_one_small_cell_takes_a_rectangle_with_it(self) -> None:
        made = protect([[20, 30, 2], [40, 25, 35], [50, 60, 70]], k=5)
        assert made.cells[0][2] is None
        hidden = [(i, j) for i in range(3) for j in range(3) if made.cells[i][j] is None]
        assert len(hidden) >= 4  # a rectangle: its row and column each lose another cell
        assert made.total == 332

    def test_a_small_row_total_is_hidden_with_a_partner(self) -> None:
        made = protect([[1, 2], [30, 40], [50, 60]], k=5)
        assert made.row_totals[0] is None
        assert sum(v is None for v in made.row_totals) >= 2

    def test_a_table_without_small_counts_is_shown_whole(self) -> None:
        made = protect([[10, 20], [30, 40]], k=5)
        assert made.hidden == 0 and made.total == 100

    def test_zero_is_shown(self) -> None:
        made = protect([[0, 20], [30, 40]], k=5)
        assert made.cells[0][0] == 0

    def test_removing_the_complements_would_reveal_the_small_cell(self) -> None:
        counts = [[20, 30, 2], [40, 25, 35], [50, 60, 70]]
        made = protect(counts, k=5)
        only_primary = [[None if (i, j) == (0, 2) else v for j, v in enumerate(row)]
                        for i, row in enumerate(counts)]
        grid = extended(only_primary, [sum(r) for r in counts], [sum(c) for c in zip(*counts, strict=True)],
                        sum(map(sum, counts)))
        assert by_subtraction(grid, lines(3, 3, True, True)) == {(0, 2)}
        assert made.hidden > 1

    def test_rows_of_unequal_length_are_refused(self) -> None:
        with pytest.raises(ValueError, match="same number"):
            protect([[1, 2], [3]], k=5)

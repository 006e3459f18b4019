"""Blocking: the few pairs worth comparing, out of every incoming row against every record.

A million rows against a million records are 10^12 pairs; a person's true pairs share at
least one blocking key unless every one of them is corrupted. Each rule is a key of the row's
codes (CURP; its first ten characters, initials and birth date; birth date with the sound of
a surname, in either order, or given name; the postal code with the given name and a surname
or with both surnames; the sounds of the names; birth date with day and month in either
order). Rows sharing a key are paired; pairs of two registry records are not asked for. A key
shared by more than `MAX_BLOCK` rows (a placeholder date, a blank CURP written as zeros) would
pair thousands of strangers: such a block is skipped and counted, and the other rules still
find the true pairs inside it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from redangel.matching.table import Codes, Table

MAX_BLOCK = 1000
Pairs = tuple[Codes, Codes]


def combine(*parts: Codes) -> Codes:
    """One key from several codes; missing (-1) if any part is missing."""
    key = np.zeros_like(parts[0])
    missing = np.zeros(parts[0].shape, dtype=bool)
    for part in parts:
        width = int(part.max(initial=0)) + 1
        key = key * width + part
        missing |= part < 0
    key[missing] = -1
    return key


def _sorted_date(birth: Codes) -> Codes:
    year, rest = np.divmod(birth, 10000)
    month, day = np.divmod(rest, 100)
    low, high = np.minimum(month, day), np.maximum(month, day)
    out: Codes = year * 10000 + low * 100 + high
    out[birth < 0] = -1
    return out


def _surname_sounds_in_either_order(table: Table) -> tuple[Codes, Codes]:
    first = table.first.sound[table.first.codes]
    second = table.second.sound[table.second.codes]
    return np.minimum(first, second), np.maximum(first, second)


def _surname_sound(table: Table, low: bool) -> Codes:
    """The lower (or higher) of the two surnames' sound codes; the first alone if the second is
    missing, so that "HERNANDEZ" meets both "HERNANDEZ LOPEZ" and "LOPEZ HERNANDEZ" in one rule."""
    first, second = _surname_sounds_in_either_order(table)
    present = first >= 0
    out: Codes = np.where(present, first if low else second, second)
    return out


RULES: dict[str, Callable[[Table], Codes]] = {
    "curp": lambda t: t.curp,
    "curp_initials_birth": lambda t: t.curp10,
    "birth_first_surname": lambda t: combine(t.birth, t.first.sound[t.first.codes]),
    "birth_second_surname": lambda t: combine(t.birth, t.second.sound[t.second.codes]),
    "birth_surname_low": lambda t: combine(t.birth, _surname_sound(t, low=True)),
    "birth_surname_high": lambda t: combine(t.birth, _surname_sound(t, low=False)),
    "birth_given": lambda t: combine(t.birth, t.given_first),
    "postal_given_surname_low": lambda t: combine(t.postal, t.given_first, _surname_sound(t, low=True)),
    "postal_given_surname_high": lambda t: combine(t.postal, t.given_first, _surname_sound(t, low=False)),
    "postal_surnames": lambda t: combine(t.postal, *_surname_sounds_in_either_order(t)),
    "names": lambda t: combine(t.given_first, *_surname_sounds_in_either_order(t)),
    "day_month_either_order": lambda t: combine(_sorted_date(t.birth), t.given_first),
}


def block_pairs(key: Codes, incoming: int) -> tuple[Pairs, int]:
    """Pairs of rows sharing a key (lower index first, at least one incoming), and blocks skipped."""
    rows = np.flatnonzero(key >= 0)
    order = np.argsort(key[rows], kind="stable")
    rows, sorted_key = rows[order], key[rows][order]
    if sorted_key.size < 2:
        return (np.empty(0, np.int64), np.empty(0, np.int64)), 0
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    sizes = np.diff(np.r_[starts, sorted_key.size])
    too_big = sizes > MAX_BLOCK
    ends = np.repeat(starts + sizes, sizes)
    usable = np.repeat(~too_big & (sizes > 1), sizes)
    position = np.arange(sorted_key.size)
    counts = np.where(usable, ends - position - 1, 0)
    total = int(counts.sum())
    left = np.repeat(position, counts)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    right = left + 1 + (np.arange(total) - offsets)
    a, b = rows[left], rows[right]
    low, high = np.minimum(a, b), np.maximum(a, b)
    keep = low < incoming  # incoming rows come first: the lower index is the incoming one
    return (low[keep], high[keep]), int(too_big.sum())


def candidates(table: Table) -> tuple[Pairs, dict[str, int]]:
    """The distinct pairs every rule gives, and how many blocks each rule skipped."""
    found: list[npt.NDArray[np.int64]] = []
    skipped: dict[str, int] = {}
    for name, rule in RULES.items():
        (low, high), too_big = block_pairs(rule(table), table.incoming)
        skipped[name] = too_big
        found.append(low * table.size + high)
    codes = np.unique(np.concatenate(found)) if found else np.empty(0, np.int64)
    left, right = np.divmod(codes, table.size)
    return (left, right), skipped

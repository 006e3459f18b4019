"""Comparison levels: how each field of each candidate pair agrees (exact, close, different, missing).

Names: the same spelling is exact; the same sound, a Jaro–Winkler similarity of at least
`NAME_CLOSE`, one letter wrong, missing or swapped (names of four letters or more), or a person
going by the last of their given names ("MARIA GUADALUPE" and "GUADALUPE") is close;
"MARIA GUADALUPE" and "MARIA" are different (twin sisters are named so).
Surnames written in the other order, or a first surname missing and the second moved up, are
compared in the order that agrees best. Dates: day and month swapped, one digit mistyped or a
two-digit year read in the wrong century are close. CURP: the same (O and 0 read alike) is
exact; a wrong check digit or one character typed wrong among the first sixteen is close, unless
each row's own birth date or sex bears its CURP out (two persons, not a typo). Two given names
alike only at the start ("JUAN CARLOS", "JUAN PABLO") are different. Postal code:
the same first three digits are close. Every string similarity is computed once per distinct
pair of values (rapidfuzz, in C), never per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from redangel.matching.table import Codes, Column, Table

FIELDS = ("given_names", "first_surname", "second_surname", "birth_date", "sex", "curp", "borough",
          "postal_code")
MISSING, DIFFERENT, CLOSE, EXACT = 0, 1, 2, 3
NAME_CLOSE = 0.90
MIN_TYPO_LENGTH = 4
Levels = npt.NDArray[np.int8]


def _distinct_pairs(a: Codes, b: Codes, width: int) -> tuple[Codes, Codes, Codes]:
    """Distinct (a, b) code pairs and, per input pair, the index of its distinct pair."""
    joint, inverse = np.unique(a * width + b, return_inverse=True)
    first, second = np.divmod(joint, width)
    return first, second, inverse.reshape(-1)


def _similar(
    a: Codes, b: Codes, texts: Sequence[str], scorer: Any, cutoff: float
) -> npt.NDArray[np.bool_]:
    """Whether each pair's texts score at least `cutoff` by `scorer` (similarity) or at most (distance)."""
    if a.size == 0:
        return np.zeros(0, dtype=bool)
    first, second, inverse = _distinct_pairs(a, b, len(texts))
    left = [texts[i] for i in first.tolist()]
    right = [texts[i] for i in second.tolist()]
    scores = cpdist(left, right, scorer=scorer, workers=-1)
    good = scores >= cutoff if scorer is JaroWinkler.normalized_similarity else scores <= cutoff
    return np.asarray(good, dtype=bool)[inverse]


def names(left: Column, right: Column, a: Codes, b: Codes, *, words: bool = False) -> Levels:
    """Levels of a name field of rows a against a name field (the same or another) of rows b."""
    ca, cb = left.codes[a], right.codes[b]
    out = np.full(a.size, DIFFERENT, dtype=np.int8)
    present = (ca >= 0) & (cb >= 0)
    out[~present] = MISSING
    out[present & (ca == cb)] = EXACT
    rest = np.flatnonzero(present & (ca != cb))
    ra, rb = ca[rest], cb[rest]
    close = left.sound[ra] == left.sound[rb]
    unsure = np.flatnonzero(~close)
    similar = _similar(ra[unsure], rb[unsure], left.spellings, JaroWinkler.normalized_similarity,
                       NAME_CLOSE)
    # "JUAN CARLOS" and "JUAN PABLO", "MARIA" and "MARIA JOSE": alike at the start, other names
    alike = unsure[similar]
    close[alike] = _similar(left.last[ra[alike]], left.last[rb[alike]], left.last_spellings,
                            JaroWinkler.normalized_similarity, NAME_CLOSE)
    # one letter wrong, missing or two swapped ("LAVRA", "LAURA"), in names of four letters or more
    unsure = np.flatnonzero(~close & (np.minimum(left.lengths[ra], left.lengths[rb]) >= MIN_TYPO_LENGTH))
    close[unsure] = _similar(ra[unsure], rb[unsure], left.spellings, OSA.distance, 1)
    if words:  # "MARIA GUADALUPE" and "GUADALUPE": a person going by their last given name
        count_a, count_b = left.words[ra], left.words[rb]
        close |= (left.last[ra] == left.last[rb]) & (count_a != count_b)
    out[rest[close]] = CLOSE
    return out


def surnames(table: Table, a: Codes, b: Codes) -> tuple[Levels, Levels]:
    """Levels of the first and second surnames, in the order that agrees best."""
    straight_first = names(table.first, table.first, a, b)
    straight_second = names(table.second, table.second, a, b)
    crossed_first = names(table.first, table.second, a, b)
    crossed_second = names(table.second, table.first, a, b)
    straight = straight_first.astype(np.int16) + straight_second
    crossed = crossed_first.astype(np.int16) + crossed_second
    swapped = (crossed > straight) & (crossed_first != DIFFERENT) & (crossed_second != DIFFERENT)
    # one surname moved up over a missing one agrees less surely than two surnames swapped
    moved_up = swapped & ((crossed_first == MISSING) | (crossed_second == MISSING))
    crossed_first = np.where(moved_up & (crossed_first == EXACT), CLOSE, crossed_first).astype(np.int8)
    crossed_second = np.where(moved_up & (crossed_second == EXACT), CLOSE, crossed_second).astype(np.int8)
    first = np.where(swapped, crossed_first, straight_first)
    return first, np.where(swapped, crossed_second, straight_second)


def _digits(number: Codes) -> Codes:
    """The eight digits of yyyymmdd, one column each."""
    powers = 10 ** np.arange(7, -1, -1, dtype=np.int64)
    return (number[:, None] // powers) % 10


def dates(birth: Codes, a: Codes, b: Codes) -> Levels:
    """Levels of the birth dates: exact; close for day and month swapped, one digit, or a century."""
    da, db = birth[a], birth[b]
    out = np.full(a.size, DIFFERENT, dtype=np.int8)
    present = (da >= 0) & (db >= 0)
    out[present & (da == db)] = EXACT
    out[~present] = MISSING
    rest_rows = np.flatnonzero(present & (da != db))
    ra, rb = da[rest_rows], db[rest_rows]
    year, rest = np.divmod(ra, 10000)
    month, day = np.divmod(rest, 100)
    swapped = year * 10000 + day * 100 + month == rb
    century = (np.abs(ra - rb) == 1_000_000) & (rest == rb % 10000)
    one_digit = (_digits(ra) != _digits(rb)).sum(axis=1) == 1
    out[rest_rows[swapped | century | one_digit]] = CLOSE
    return out


def equal(codes: Codes, a: Codes, b: Codes, close: Codes | None = None) -> Levels:
    """Levels of a coded field: exact if equal, close if the `close` codes are equal."""
    ca, cb = codes[a], codes[b]
    out = np.full(a.size, DIFFERENT, dtype=np.int8)
    if close is not None:
        out[close[a] == close[b]] = CLOSE
    out[ca == cb] = EXACT
    out[(ca < 0) | (cb < 0)] = MISSING
    return out


def curps(table: Table, a: Codes, b: Codes) -> Levels:
    """Levels of the CURPs: exact; close for a wrong check digit, or one character wrong among
    the first sixteen. Two CURPs that differ in the homonymy character (the seventeenth) are
    different: it is what the registry gives to tell apart two persons (twins) otherwise alike."""
    out = equal(table.curp, a, b, table.curp17)
    rest = np.flatnonzero(out == DIFFERENT)
    same_tail = table.curp_tail[a[rest]] == table.curp_tail[b[rest]]
    rest = rest[same_tail]
    typo = _similar(table.curp[a[rest]], table.curp[b[rest]], table.curp_texts, Levenshtein.distance, 1)
    out[rest[typo]] = CLOSE
    out[_confirmed_apart(table, a, b, out == CLOSE)] = DIFFERENT
    return out


def _confirmed_apart(table: Table, a: Codes, b: Codes, close: npt.NDArray[np.bool_]) -> Codes:
    """Pairs of close CURPs that differ where each row's own birth date or sex says its CURP is
    right: two persons (born three days apart) rather than one CURP mistyped."""
    rows = np.flatnonzero(close)
    ra, rb = a[rows], b[rows]
    born_a, born_b = table.curp_birth[ra], table.curp_birth[rb]
    sex_a, sex_b = table.curp_sex[ra], table.curp_sex[rb]
    dates_apart = (born_a != born_b) & (born_a == table.written_birth[ra]) & (
        born_b == table.written_birth[rb])
    sexes_apart = (sex_a != sex_b) & (sex_a == table.sex[ra]) & (sex_b == table.sex[rb])
    apart: Codes = rows[dates_apart | sexes_apart]
    return apart


def compare(table: Table, a: Codes, b: Codes) -> Levels:
    """The level of every field (columns in `FIELDS` order) for pairs of rows a and b."""
    first, second = surnames(table, a, b)
    columns = [
        names(table.given, table.given, a, b, words=True), first, second,
        dates(table.birth, a, b), equal(table.sex, a, b), curps(table, a, b),
        equal(table.borough, a, b), equal(table.postal, a, b, table.postal3),
    ]
    return np.stack(columns, axis=1).astype(np.int8)

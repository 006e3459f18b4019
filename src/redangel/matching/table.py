"""Rows as columns of integer codes: every string compared is read once per distinct value.

Linkage compares millions of pairs; comparing strings row by row in Python would take hours.
Each field is factorised (one code per distinct value, -1 for a missing one), the comparison
keys (`keys.spelling`, `keys.sound`...) are computed once per distinct value, and from then on
pairs compare integers with numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from redangel.matching import keys
from redangel.matching.records import Record

Codes = npt.NDArray[np.int64]


def factorize(values: Iterable[Any], count: int) -> tuple[Codes, list[Any]]:
    """One code per distinct value in order of appearance; a missing or empty value is -1."""
    listed = values if isinstance(values, list) else list(values)
    seen = list(dict.fromkeys(listed))  # distinct values, in C
    lookup = dict(zip(seen, range(len(seen)), strict=True))
    raw = np.fromiter(map(lookup.__getitem__, listed), dtype=np.int64, count=count)
    present = np.array([bool(v) for v in seen], dtype=bool)
    remap = np.full(len(seen) + 1, -1, dtype=np.int64)
    remap[: len(seen)][present] = np.arange(int(present.sum()), dtype=np.int64)
    uniques = [v for v in seen if v]
    return remap[raw], uniques


def derive(codes: Codes, uniques: Sequence[str], fn: Callable[[str], str]) -> tuple[Codes, list[str]]:
    """Codes of a key computed from each distinct value (the key of a missing value is missing)."""
    sub, derived = factorize((fn(u) for u in uniques), len(uniques))
    return np.append(sub, -1)[codes], derived


@dataclass
class Column:
    """A name field: per row the code of its spelling; per spelling its sound and frequency."""

    codes: Codes
    spellings: list[str]  # shared by the columns of one `name_columns` call
    sound: Codes  # per spelling code, then -1 for a missing value (index -1)
    last: Codes  # per spelling code: the code of its last word
    last_spellings: list[str]  # the last words, by their codes
    words: Codes  # per spelling code: how many words
    lengths: Codes  # per spelling code: how many letters
    frequency: npt.NDArray[np.float64]  # share of this column's present values with each spelling


def name_columns(*columns: list[str | None]) -> list[Column]:
    """Columns of names spelled on one shared dictionary, so that one column compares with another."""
    count = len(columns[0])
    raw, raw_uniques = factorize([v for values in columns for v in values], count * len(columns))
    codes, spellings = derive(raw, raw_uniques, keys.spelling)
    sound_codes, _ = factorize((keys.sound(s) for s in spellings), len(spellings))
    sound = np.append(sound_codes, -1)
    last_codes, last_spellings = factorize((keys.last_word(s) for s in spellings), len(spellings))
    last = np.append(last_codes, -1)
    words = np.append(np.array([s.count(" ") + 1 for s in spellings], dtype=np.int64), 0)
    lengths = np.append(np.fromiter(map(len, spellings), dtype=np.int64, count=len(spellings)), 0)
    out = []
    for i in range(len(columns)):
        part = codes[i * count: (i + 1) * count]
        present = part[part >= 0]
        counts = np.bincount(present, minlength=len(spellings)).astype(np.float64)
        out.append(Column(part, spellings, sound, last, last_spellings, words, lengths,
                          counts / max(1, present.size)))
    return out


@dataclass
class Table:
    """Incoming rows then registry rows, as columns of codes."""

    size: int
    incoming: int
    keys: list[str]
    given: Column
    given_first: Codes  # sound of the first given name
    first: Column
    second: Column
    birth: Codes  # yyyymmdd, from the CURP if the row has none; -1 if unknown
    written_birth: Codes  # yyyymmdd as the row gives it, -1 if none
    curp_birth: Codes  # yyyymmdd the CURP says, -1 if no CURP or not a date
    curp_sex: Codes  # the sex the CURP says, as a code of `sex`
    sex: Codes
    curp: Codes
    curp_texts: list[str]
    curp17: Codes  # all but the check digit
    curp_tail: Codes  # homonymy character and check digit
    curp10: Codes
    borough: Codes
    postal: Codes
    postal3: Codes


def _date_numbers(days: list[date | None], count: int) -> Codes:
    codes, distinct = factorize(days, count)
    numbers = np.array([d.year * 10000 + d.month * 100 + d.day for d in distinct] + [-1], dtype=np.int64)
    return numbers[codes]


def curp_birth(curp: str) -> int:
    """The birth date a CURP says as yyyymmdd (-1 if none): characters 5-10 are yymmdd, and the
    seventeenth, the homonymy character, is a digit for births before 2000 and a letter after."""
    digits, homonymy = curp[4:10], curp[16:17]
    if len(curp) < 17 or not digits.isdigit():
        return -1
    year, month, day = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return -1
    century = 1900 if homonymy.isdigit() else 2000
    return (century + year) * 10000 + month * 100 + day


def _column(rows: list[Record], name: str) -> list[Any]:
    return list(map(attrgetter(name), rows))


def build(incoming: Sequence[Record], registry: Sequence[Record]) -> Table:
    """The columns of both sequences, incoming rows first."""
    rows = [*incoming, *registry]
    n = len(rows)
    (given,) = name_columns(_column(rows, "given_names"))
    given_first, _ = derive(given.codes, given.spellings, lambda s: keys.sound(keys.first_word(s)))
    first, second = name_columns(_column(rows, "first_surname"), _column(rows, "second_surname"))
    written_birth = _date_numbers(_column(rows, "birth_date"), n)
    sex_raw, sex_u = factorize(_column(rows, "sex"), n)
    sex, sex_texts = derive(sex_raw, sex_u, lambda v: v.strip().upper())
    curp_raw, curp_raw_u = factorize(_column(rows, "curp"), n)
    curp, curp_texts = derive(curp_raw, curp_raw_u, keys.curp_canonical)
    said_birth = np.append(np.array([curp_birth(c) for c in curp_texts], dtype=np.int64), -1)[curp]
    sex_index = {text: i for i, text in enumerate(sex_texts)}
    said_sex = np.append(np.array([sex_index.get(c[10:11], -2) for c in curp_texts], dtype=np.int64),
                         -1)[curp]
    birth = np.where(written_birth >= 0, written_birth, said_birth)
    curp17, _ = derive(curp, curp_texts, lambda c: c[:17])
    curp_tail, _ = derive(curp, curp_texts, lambda c: c[16:])
    curp10, _ = derive(curp, curp_texts, lambda c: c[:10])
    borough_raw, borough_u = factorize(_column(rows, "borough"), n)
    borough, _ = derive(borough_raw, borough_u, keys.spelling)
    postal_raw, postal_u = factorize(_column(rows, "postal_code"), n)
    postal, postal_texts = derive(postal_raw, postal_u, str.strip)
    postal3, _ = derive(postal, postal_texts, lambda p: p[:3])
    return Table(
        size=n, incoming=len(incoming), keys=_column(rows, "key"), given=given, given_first=given_first,
        first=first, second=second, birth=birth, written_birth=written_birth, curp_birth=said_birth,
        curp_sex=said_sex, sex=sex, curp=curp, curp_texts=curp_texts,
        curp17=curp17, curp_tail=curp_tail, curp10=curp10, borough=borough, postal=postal, postal3=postal3,
    )

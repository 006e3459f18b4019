"""The CURP: format, check digit, and consistency with what the person states.

The check digit misses some typing errors (the tens digit of the birth day has weight 10), so a
CURP is also cross-checked against the stated birth date, sex, state and names. The registry
never invents a CURP: a person without one is registered without one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import get_args

from redangel.common.names import PARTICLES, fold
from redangel.common.types import State

ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
STATES: tuple[str, ...] = get_args(State)
_STATE_ALTERNATIVES = "|".join(STATES)
_FORMAT = re.compile(
    r"^[A-Z][AEIOUX][A-Z]{2}\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])[HMX]"
    rf"({_STATE_ALTERNATIVES})[B-DF-HJ-NP-TV-Z]{{3}}[0-9A-Z]\d$"
)
_DIGIT_POSITIONS = (4, 5, 6, 7, 8, 9, 17)
_DATE_POSITIONS = range(4, 10)
_LETTER_POSITIONS = (0, 1, 2, 3, 10, 11, 12, 13, 14, 15)
_SKIPPED_GIVEN = {"MARIA", "MA", "JOSE", "J"}
VOWELS = "AEIOU"


@dataclass(frozen=True)
class CurpProblem:
    """Why a CURP was refused: a message code, the value it read from the CURP, and what the
    message needs to say which part is wrong (position, character, a suggested correction)."""

    code: str
    curp_value: str = ""
    params: dict[str, str] = field(default_factory=dict)

    def message_params(self) -> dict[str, str]:
        """Everything the message text may name."""
        return {"curp_value": self.curp_value, **self.params}


def normalise(raw: str) -> str:
    """Upper-case, trim, and read the letter O as zero where the CURP has digits."""
    curp = raw.strip().upper()
    if len(curp) == 18:
        chars = list(curp)
        for pos in _DIGIT_POSITIONS:
            if chars[pos] == "O":
                chars[pos] = "0"
        curp = "".join(chars)
    return curp


def check_digit(first17: str) -> int:
    """The check digit of the first 17 characters."""
    total = sum(ALPHABET.index(ch) * (18 - i) for i, ch in enumerate(first17))
    return (10 - total % 10) % 10


def birth_date_of(curp: str) -> date | None:
    """The birth date a CURP encodes (century from the homonymy character), if it is real."""
    year = int(curp[4:6])
    year += 1900 if curp[16].isdigit() else 2000
    try:
        return date(year, int(curp[6:8]), int(curp[8:10]))
    except ValueError:
        return None


def _first_internal_vowel(word: str) -> str:
    return next((ch for ch in word[1:] if ch in VOWELS), "X")


def _first_internal_consonant(word: str) -> str:
    return next((ch for ch in word[1:] if ch.isalpha() and ch not in VOWELS), "X")


def _significant(words: str, skip: set[str] | frozenset[str]) -> str:
    parts = [w for w in fold(words.replace("Ñ", "X").replace("ñ", "x")).split()]
    kept = [w for w in parts if w not in PARTICLES]
    if len(kept) > 1 and kept[0] in skip:
        kept = kept[1:]
    return kept[0] if kept else ""


@lru_cache(maxsize=65_536)
def name_letters(given_names: str, first_surname: str, second_surname: str | None) -> str:
    """The four initial letters and three internal consonants the names give a CURP."""
    first = _significant(first_surname, frozenset()) or "X"
    second = _significant(second_surname or "", frozenset()) or "X"
    given = _significant(given_names, _SKIPPED_GIVEN) or "X"
    initials = first[0] + _first_internal_vowel(first) + (second[0] if second_surname else "X")
    initials += given[0]
    consonants = (
        _first_internal_consonant(first)
        + (_first_internal_consonant(second) if second_surname else "X")
        + _first_internal_consonant(given)
    )
    return initials + consonants


def _shape_problem(curp: str) -> CurpProblem | None:
    """The first part of a CURP that breaks its layout, said so a clerk can find it."""
    if len(curp) != 18:
        return CurpProblem("curp_length", params={"length": str(len(curp))})
    for pos in _DATE_POSITIONS:
        if not curp[pos].isdigit():
            return CurpProblem("curp_letter_in_date", params={"char": curp[pos]})
    if not curp[17].isdigit():
        return CurpProblem("curp_letter_in_check", params={"char": curp[17]})
    for pos in _LETTER_POSITIONS:
        if curp[pos].isdigit():
            return CurpProblem("curp_digit_in_letters",
                               params={"position": str(pos + 1), "char": curp[pos]})
    if curp[10] not in "HMX":
        return CurpProblem("curp_sex_letter", params={"char": curp[10]})
    if curp[11:13] not in STATES:
        return CurpProblem("curp_state_code", curp[11:13])
    if birth_date_of(curp) is None:
        return CurpProblem("curp_date_invalid", curp[4:10])
    if not _FORMAT.match(curp):
        return CurpProblem("curp_format")
    return None


def _o_zero_correction(curp: str) -> str | None:
    """The one CURP a single O↔0 exchange makes valid, if there is exactly one."""
    found = set()
    for pos, ch in enumerate(curp):
        if ch in "O0":
            fixed = curp[:pos] + ("0" if ch == "O" else "O") + curp[pos + 1:]
            if _shape_problem(fixed) is None and int(fixed[17]) == check_digit(fixed[:17]):
                found.add(fixed)
    return found.pop() if len(found) == 1 else None


def explain(curp: str) -> CurpProblem | None:
    """What is wrong with a (normalised) CURP on its own — length, a letter where a digit
    belongs, the check digit — with the O/0 correction that makes it valid when there is one."""
    problem = _shape_problem(curp)
    if problem is None and int(curp[17]) == check_digit(curp[:17]):
        return None
    suggestion = _o_zero_correction(curp) if len(curp) == 18 else None
    if suggestion is not None:
        return CurpProblem("curp_o_zero", params={"suggestion": suggestion})
    return problem or CurpProblem("curp_check_digit")


def problems(
    curp: str,
    *,
    birth_date: date | None = None,
    sex: str | None = None,
    birth_state: str | None = None,
    given_names: str | None = None,
    first_surname: str | None = None,
    second_surname: str | None = None,
) -> list[CurpProblem]:
    """Everything wrong with a (normalised) CURP, or an empty list when it is consistent."""
    alone = explain(curp)
    if alone is not None:
        return [alone]
    found: list[CurpProblem] = []
    encoded = birth_date_of(curp)
    if encoded is None:  # explain() has refused impossible dates already
        return [CurpProblem("curp_format")]
    if birth_date is not None and encoded != birth_date:
        found.append(CurpProblem("curp_birth_date", encoded.isoformat()))
    if sex is not None and curp[10] != sex:
        found.append(CurpProblem("curp_sex", curp[10]))
    if birth_state is not None and curp[11:13] != birth_state:
        found.append(CurpProblem("curp_state", curp[11:13]))
    if given_names and first_surname:
        expected = name_letters(given_names, first_surname, second_surname)
        initials_ok = curp[:4] == expected[:4] or (
            curp[0] + curp[2:4] == expected[0] + expected[2:4] and curp[1] == "X"
        )
        if not initials_ok or curp[13:16] != expected[4:]:
            found.append(CurpProblem("curp_names", curp[:4]))
    return found


def build(
    *,
    given_names: str,
    first_surname: str,
    second_surname: str | None,
    birth_date: date,
    sex: str,
    birth_state: str,
    homonymy: str | None = None,
) -> str:
    """Construct the CURP the rules give (for demo data and tests; never for real persons)."""
    letters = name_letters(given_names, first_surname, second_surname)
    if homonymy is None:
        homonymy = "0" if birth_date.year < 2000 else "A"
    first17 = (
        letters[:4] + birth_date.strftime("%y%m%d") + sex + birth_state + letters[4:] + homonymy
    )
    return first17 + str(check_digit(first17))

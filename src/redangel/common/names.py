"""Name normalisation for search and duplicate detection.

Clerks type names as people say them: without accents, in any case, abbreviated ("Ma.
Guadalupe"), with particles ("de la Cruz") and now and then with one typo. Every name is reduced
to accent-free upper-case terms; the search index stores terms, and one-typo matches are found
through each term's deletion neighbourhood (the SymSpell idea) over the small term dictionary.

Names are compared as people read them, not as code points: `fold` first applies NFKC (fullwidth
ＪＵＡＮ is JUAN), then replaces each letter of another script by the Latin letter it is
confusable with (Cyrillic "Јоѕе" reads JOSE), using the Unicode confusables data (TS #39) that
the confusable-homoglyphs library ships. A name mixing scripts within one field is refused at
the door (`single_script`), so a skeleton never hides a deliberate blend.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from confusable_homoglyphs import categories, confusables

from redangel.errors import AppErrorValue

PARTICLES = frozenset(
    {"DA", "DAS", "DE", "DEL", "DER", "DI", "DIE", "DD", "EL", "LA", "LAS", "LE", "LES", "LOS",
     "MAC", "MC", "VAN", "VON", "Y"}
)
ABBREVIATIONS = {"MA": "MARIA", "MARIA": "MARIA", "J": "JOSE", "JOSE": "JOSE", "FCO": "FRANCISCO",
                 "GPE": "GUADALUPE", "MIGL": "MIGUEL"}
_NON_LETTERS = re.compile(r"[^A-Z ]+")
MIN_FUZZY_LENGTH = 4


_NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED"})
_ASCII_LETTER = re.compile(r"^[A-Za-z]$")


@lru_cache(maxsize=4096)
def _latin_lookalike(char: str) -> str:
    """The Latin letter a letter of another script is confusable with (TS #39), else itself."""
    if categories.alias(char) in ("LATIN", *_NEUTRAL_SCRIPTS):
        return char
    for form in (char.lower(), char.upper(), char):  # small capitals are no use: try both cases
        for glyph in confusables.confusables_data.get(form, ()):
            if _ASCII_LETTER.match(glyph["c"]):
                return str(glyph["c"]).upper()
    return char


def skeleton(text: str) -> str:
    """The text as it reads: NFKC, then letters of other scripts replaced by Latin look-alikes."""
    return "".join(_latin_lookalike(ch) for ch in unicodedata.normalize("NFKC", text))


def scripts(text: str) -> set[str]:
    """The scripts (Latin, Cyrillic, Greek, ...) whose letters a text uses."""
    return set(categories.unique_aliases(unicodedata.normalize("NFKC", text))) - _NEUTRAL_SCRIPTS


def single_script(value: str) -> str:
    """A name field as typed, NFKC-normalised; refused when it mixes letters of two scripts."""
    if len(scripts(value)) > 1:
        raise AppErrorValue("name_mixed_script")
    return unicodedata.normalize("NFKC", value)


@lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """Upper-case ASCII letters and spaces only: look-alikes read as Latin, accents and Ñ folded,
    punctuation to spaces."""
    decomposed = unicodedata.normalize("NFD", skeleton(text).upper())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_LETTERS.sub(" ", stripped).split())


def terms(text: str) -> list[str]:
    """The search terms of a name: folded, abbreviations expanded, particles dropped."""
    result = []
    for raw in fold(text).split():
        word = ABBREVIATIONS.get(raw, raw)
        if word not in PARTICLES:
            result.append(word)
    return result


@lru_cache(maxsize=65_536)
def sort_key(given_names: str, first_surname: str, second_surname: str | None) -> str:
    """The normalised full name, surnames first, used for ordering and duplicate checks."""
    parts = terms(first_surname) + terms(second_surname or "") + terms(given_names)
    return " ".join(parts)


def full_name(given_names: str, first_surname: str, second_surname: str | None = None) -> str:
    """A person's name as shown and printed: given names, first surname, then the second
    surname when there is one (a missing part leaves no gap)."""
    parts = (given_names, first_surname, second_surname)
    return " ".join(part.strip() for part in parts if part and part.strip())


def deletions(term: str) -> set[str]:
    """The term and every string one deletion away from it."""
    variants = {term}
    if len(term) >= MIN_FUZZY_LENGTH:
        variants.update(term[:i] + term[i + 1 :] for i in range(len(term)))
    return variants


def term_pairs(ids: Iterable[int]) -> list[tuple[int, int]]:
    """Every pair of distinct term ids, the lower first (the keys of the term-pair index)."""
    distinct = sorted(set(ids))
    return [(a, b) for i, a in enumerate(distinct) for b in distinct[i + 1:]]


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:  # one substitution, or two neighbours swapped, from the first difference on
        i = 0
        while a[i] == b[i]:
            i += 1
        if a[i + 1:] == b[i + 1:]:
            return True
        return a[i] == b[i + 1:i + 2] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:]
    shorter, longer = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(shorter) and shorter[i] == longer[i]:
        i += 1
    return shorter[i:] == longer[i + 1 :]

"""Names as agencies exported them, made readable: mojibake, case, abbreviations, particles,
a full name split into given names and surnames, and an Ñ that may have been lost (flagged,
never guessed)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from redangel.common.names import fold
from redangel.matching.keys import repaired as repair_mojibake
from redangel.rolls.changes import Change

_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "van", "von", "da", "di"})
_EXPANSIONS = {"MA": "María", "FCO": "Francisco", "GPE": "Guadalupe", "JUAN.": "Juan",
               "STA": "Santa", "MIGL": "Miguel", "ANT": "Antonio"}
_ENYE_NAMES = frozenset({
    "MUÑOZ", "NUÑEZ", "PEÑA", "IBAÑEZ", "ZUÑIGA", "YAÑEZ", "CASTAÑEDA", "ORDOÑEZ", "MONTAÑO",
    "PATIÑO", "MAGAÑA", "BAÑUELOS", "CAÑEDO", "AVIÑA", "TREVIÑO", "ACUÑA", "CARREÑO", "BRISEÑO",
    "OCAÑA", "SALDAÑA", "PIÑA", "NIÑO", "ESPAÑA", "MUÑIZ", "AÑORVE", "QUIÑONES", "PEÑALOZA",
    "BOLAÑOS", "CASTAÑON", "MONTAÑEZ",
})
"""Surnames usually written with Ñ: the same letters with N or NN are flagged, not changed."""
_ENYE_WRITTEN: dict[str, str] = {}
for _name in _ENYE_NAMES:
    _ascii = fold(_name)  # Ñ folded to N
    _ENYE_WRITTEN[_ascii] = _name
    _ENYE_WRITTEN[_name.replace("Ñ", "NN")] = _name


def _word_case(word: str, first: bool) -> str:
    lower = word.lower()
    if lower in _PARTICLES and not first:
        return lower
    return "-".join(part[:1].upper() + part[1:] for part in lower.split("-"))


@dataclass
class CleanName:
    """A name part after cleaning, with the changes made and the flags raised."""

    value: str
    changes: list[Change] = field(default_factory=list)


def clean_part(raw: str, field_name: str) -> CleanName:
    """One name field: repaired, spaced, cased as people write it, abbreviations expanded."""
    original = raw
    changes: list[Change] = []
    text = unicodedata.normalize("NFC", " ".join(raw.split()))
    repaired = repair_mojibake(text)
    if repaired != text:
        changes.append(Change(field_name, "mojibake_repaired", original, repaired))
        text = repaired
    words = []
    for word in re.sub(r"\.(?=\S)", ". ", text).split():
        key = word.rstrip(".").upper()
        if key in _EXPANSIONS and (word.endswith(".") or key == "MA"):
            expanded = _EXPANSIONS[key]
            changes.append(Change(field_name, "abbreviation_expanded", word, expanded))
            words.append(expanded)
        elif len(key) == 1 and key.isalpha() and word.endswith("."):
            changes.append(Change(field_name, "initial_kept", word, key + "."))
            words.append(key + ".")
        else:
            words.append(word)
    cased = " ".join(w if w.endswith(".") or w in ("María", "Francisco", "Guadalupe", "Santa",
                                                  "Miguel", "Antonio")
                     else _word_case(w, i == 0) for i, w in enumerate(words))
    if cased != text and fold(cased) == fold(text) and text.isupper() is not cased.isupper():
        changes.append(Change(field_name, "case_changed", original, cased))
    for word in cased.split():
        written = fold(word)
        if written in _ENYE_WRITTEN and "Ñ" not in word.upper():
            changes.append(Change(field_name, "enye_uncertain", word,
                                  _word_case(_ENYE_WRITTEN[written], True)))
    return CleanName(cased, changes)


def _units(words: list[str]) -> list[str]:
    """Words grouped so that particles stay with the surname they belong to ("de la Cruz")."""
    units: list[str] = []
    pending: list[str] = []
    for word in words:
        pending.append(word)
        if word.lower() not in _PARTICLES:
            units.append(" ".join(pending))
            pending = []
    if pending:
        if units:
            units[-1] = units[-1] + " " + " ".join(pending)
        else:
            units.append(" ".join(pending))
    return units


@dataclass(frozen=True)
class SplitName:
    """A full name split into its parts."""

    given_names: str
    first_surname: str
    second_surname: str | None


def split_full_name(full: str, *, surnames_first: bool) -> SplitName | None:
    """Split "HERNÁNDEZ DE LA CRUZ MARÍA" (surnames first) or "María Hernández López" (given
    names first); a name of one word cannot be split (None)."""
    words = full.split()
    if len(words) < 2:
        return None
    if surnames_first:
        units = _units(words)
        if len(units) == 2:
            return SplitName(units[1], units[0], None)
        return SplitName(" ".join(units[2:]), units[0], units[1])
    # Given names first: the last two units are the surnames; particles bind forwards.
    units = _units(words)
    if len(units) == 2:
        return SplitName(units[0], units[1], None)
    return SplitName(" ".join(units[:-2]), units[-2], units[-1])

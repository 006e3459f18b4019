"""The sentences a clerk reads aloud: catalog phrases with values said as people say them.

A criterion's `not_met_es` / `not_met_en` (and optional `met_…`) may name values in braces:
`{value}` and `{limit}` (the two sides of the criterion's comparison: an age, an income, a
number of months), `{person.<fact>}` and `{event.<question>}`. The phrase is split into pieces
once, when the catalog loads; while evaluating, each value is said in the phrase's language:
a date as "3 de marzo de 2001" / "3 March 2001", money as "$7,508.00", a truth as sí / yes, an
option by its label in the schema ("del IMSS"), never as a code or an operator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redangel.eligibility.model import Fact, Text

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
MONTHS = {
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
TRUTH = {"es": ("no", "sí"), "en": ("no", "yes")}
# A unit written after a value in a sentence, and how it reads after "1" ("1 mes", "1 year").
SINGULAR = ((" años", " año"), (" meses", " mes"), (" years", " year"), (" months", " month"))
NOT_KNOWN = {"es": "sin dato", "en": "not known"}
UNKNOWN_LEAD = {"es": "Falta saber: ", "en": "Not known yet: "}


@dataclass(frozen=True)
class Phrase:
    """A sentence in one language, split into literal text and the names of values to say."""

    pieces: tuple[str, ...]  # even positions: literal text; odd positions: a value's name

    @property
    def names(self) -> tuple[str, ...]:
        """The values this phrase says."""
        return self.pieces[1::2]


@dataclass(frozen=True)
class Sentence:
    """A phrase in Spanish and in English."""

    es: Phrase
    en: Phrase
    fixed: dict[str, str] | None = None  # the words themselves, when they name no value
    sides: tuple[str, ...] = ()  # which of `value`, `limit` it names


def sentence(es: str, en: str) -> Sentence:
    """A sentence split once; one that names no value keeps its words ready to say."""
    spanish, english = split(es), split(en)
    fixed = {"es": es, "en": en} if not spanish.names and not english.names else None
    named = {*spanish.names, *english.names}
    return Sentence(spanish, english, fixed, tuple(n for n in ("value", "limit") if n in named))


def sides(shown: Any, names: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """The words of a comparison's sides (`shown`) a sentence names, by language: a number or
    an amount is said alike in both, so it is said once."""
    if shown is None:
        return {lang: dict.fromkeys(names, NOT_KNOWN[lang]) for lang in ("es", "en")}
    actual, threshold = shown.actual, shown.threshold
    if actual.__class__ is Decimal and threshold.__class__ is Decimal:
        money = shown.kind == "money"
        alike = {n: _amount(actual if n == "value" else threshold, money) for n in names}
        return {"es": alike, "en": alike}
    return {lang: {n: say(actual if n == "value" else threshold, shown.kind, lang)
                   for n in names} for lang in ("es", "en")}


def split(text: str) -> Phrase:
    """Split a catalog phrase at its `{…}` values (checked by the loader, not here)."""
    return Phrase(tuple(PLACEHOLDER.split(text)))


def say_date(day: date, lang: str) -> str:
    """'3 de marzo de 2001' / '3 March 2001'."""
    month = MONTHS[lang][day.month - 1]
    return f"{day.day} de {month} de {day.year}" if lang == "es" else f"{day.day} {month} {day.year}"


def say_number(value: Decimal) -> str:
    """A whole number without decimals; others as few decimals as they need."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return format(value.normalize(), "f")


@lru_cache(maxsize=4096)  # ages, limits and incomes repeat: each is written out once
def _amount(value: Decimal, money: bool) -> str:
    return f"${value:,.2f}" if money else say_number(value)


def say(value: Any, kind: str, lang: str, options: Mapping[str, Text] | None = None) -> str:
    """One value as a person says it, in `lang`."""
    if value is None:
        return NOT_KNOWN[lang]
    if value is True or value is False:
        return TRUTH[lang][value]
    if isinstance(value, Decimal):
        return _amount(value, kind == "money")
    if isinstance(value, date):
        return say_date(value, lang)
    if isinstance(value, (int, float)):
        return say(Decimal(str(value)), kind, lang)
    if isinstance(value, tuple):  # a duration (amount, unit): never a rule's outcome, but said
        return f"{value[0]} {value[1]}"
    label = (options or {}).get(str(value))
    return str(getattr(label, lang)) if label is not None else str(value)


def listed(labels: list[str]) -> str:
    """Labels joined into the end of a sentence: 'fecha de nacimiento, ¿era un empleo formal?'.

    A label written with a capital ("Fecha en que terminó el empleo") is lowered inside the
    list; the sentence ends with a full stop unless its last label is a question.
    """
    words = [w[0].lower() + w[1:] if len(w) > 1 and w[0].isupper() and w[1].islower() else w
             for w in labels]
    text = ", ".join(words)
    return text if text.endswith(("?", ".")) else text + "."


def one(words: list[str]) -> list[str]:
    """A unit after the value 1 in the singular: "tiene 1 mes", not "1 meses"."""
    for i in range(1, len(words) - 1, 2):
        if words[i] == "1":
            for plural, single in SINGULAR:
                if words[i + 1].startswith(plural):
                    words[i + 1] = single + words[i + 1][len(plural):]
                    break
    return words


def fact_words(name: str, person: Mapping[str, Any], answers: Mapping[str, Any],
               facts: Mapping[str, Fact], events: Mapping[str, str], lang: str) -> str:
    """A named fact of the person (`person.x`) or answer (`event.x`) said in `lang`."""
    root, _, fact = name.partition(".")
    if root == "person":
        spec = facts[fact]
        return say(person.get(fact), spec.type, lang, spec.labels)
    return say(answers.get(fact), events.get(fact, "string"), lang)

"""When two records may be one person registered twice, and why.

A person registered twice is the registry's most expensive mistake, so the same rule serves the
duplicate check at registration and the search results a clerk reads: two normalised names
(`common.names.sort_key`) look alike when they are one typo apart or the same words in another
order; two records also look alike when they share the birth date and both surnames.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from redangel.common.names import MIN_FUZZY_LENGTH, within_one_edit

Reason = Literal["one_typo", "same_words", "same_birth_and_surnames"]


def names_reason(first: str, second: str) -> Reason | None:
    """Why two normalised names look alike (one typo apart, same words reordered), or None."""
    if first == second or within_one_edit(first, second):
        return "one_typo"
    if len(first) == len(second) and sorted(first.split()) == sorted(second.split()):
        return "same_words"
    return None


def records_reason(first: tuple[str, date], second: tuple[str, date]) -> Reason | None:
    """Why two records (normalised name, birth date) may be one person, or None."""
    found = names_reason(first[0], second[0])
    if found is not None:
        return found
    if first[1] == second[1] and first[0].split()[:2] == second[0].split()[:2]:
        return "same_birth_and_surnames"
    return None


def near_term(typed: str, own_terms: list[str]) -> str | None:
    """The person's name term a typed term matched within one typo (None when it matched
    exactly or not at all): the 'why' of an approximate search result."""
    if typed in own_terms or len(typed) < MIN_FUZZY_LENGTH:
        return None
    return next((term for term in own_terms if within_one_edit(typed, term)), None)

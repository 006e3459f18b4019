"""What the import does to a roll's row before linking, enough for the benchmark: names spelled
(`matching.keys.spelling`: case, accents, mojibake, Ñ, abbreviations, particles), dates read
from their formats (day first; a two-digit year in the last hundred years), CURPs in upper case
with O and 0 put back where letters and digits belong. Both engines get the same rows."""

from __future__ import annotations

from datetime import date, datetime

from redangel.matching import keys

FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%y")
PIVOT = 26  # a two-digit year above this is in the 1900s
LETTERS = set(range(0, 4)) | set(range(10, 16))
DIGITS = set(range(4, 10)) | {17}


def birth(text: str | None) -> date | None:
    """A written birth date, day first."""
    if not text:
        return None
    for form in FORMATS:
        try:
            day = datetime.strptime(text, form).date()  # noqa: DTZ007 - a calendar day, no time
        except ValueError:
            continue
        if form.endswith("%y"):
            year = day.year % 100
            day = day.replace(year=(1900 if year > PIVOT else 2000) + year)
        return day
    return None


def curp(text: str | None) -> str | None:
    """A CURP in upper case with O/0 mixed up where the format says which it must be."""
    if not text:
        return None
    chars = list(text.strip().upper())
    for i, ch in enumerate(chars):
        if i in DIGITS and ch == "O":
            chars[i] = "0"
        elif i in LETTERS and ch == "0":
            chars[i] = "O"
    return "".join(chars)


def name(text: str | None) -> str | None:
    """A name as compared."""
    spelled = keys.spelling(text)
    return spelled or None

"""Comparison keys for Spanish names: the spelling a comparison reads, and how it sounds.

Rows reach linkage standardised, but the same person is still written many ways across rolls:
"María Guadalupe" and "MA. GUADALUPE", "de la Cruz" and "CRUZ", "Peña" and "PENA" or "PENNA",
mojibake such as "HernÃ¡ndez". `spelling` reduces a name to accent-free upper-case words
without particles, with the usual abbreviations spelled out; `sound` keeps how the name is
said in Mexican Spanish (B/V, S/Z/C, Y/LL, silent H, QU/K, doubled letters), so typos that keep
the sound still agree. Both are computed once per distinct value, never per row.
"""

from __future__ import annotations

import re
import unicodedata

PARTICLES = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "VDA", "VIUDA"})
ABBREVIATIONS = {"MA": "MARIA", "MARI": "MARIA", "J": "JOSE", "JO": "JOSE", "FCO": "FRANCISCO",
                 "GPE": "GUADALUPE", "GUADA": "GUADALUPE", "MIGL": "MIGUEL", "JN": "JUAN",
                 "ANT": "ANTONIO", "FDO": "FERNANDO", "ALEJ": "ALEJANDRO", "GMO": "GUILLERMO"}
_NOT_LETTER = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r"\s+")
_MOJIBAKE = ("Ã", "Â", "Ã‘", "Ã±")
_SOUNDS = (
    ("NN", "N"), ("LL", "Y"), ("CH", "X"), ("QU", "K"), ("GUE", "GE"), ("GUI", "GI"),
    ("CE", "SE"), ("CI", "SI"), ("GE", "JE"), ("GI", "JI"), ("PH", "F"), ("TZ", "S"),
)
_LETTER_SOUNDS = str.maketrans({"V": "B", "Z": "S", "C": "K", "Q": "K", "W": "U", "Y": "I", "H": ""})


def repaired(text: str) -> str:
    """Text read back from UTF-8 bytes that an old system decoded as Windows-1252 or Latin-1."""
    if not any(mark in text for mark in _MOJIBAKE):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


def spelling(text: str | None) -> str:
    """Upper-case accent-free words, particles dropped, abbreviations spelled out ("" if none)."""
    if not text:
        return ""
    plain = unicodedata.normalize("NFKD", repaired(text).upper())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).replace(".", " ")
    words = _SPACES.sub(" ", _NOT_LETTER.sub(" ", plain)).split()
    kept = [ABBREVIATIONS.get(word, word) for word in words if word not in PARTICLES]
    return " ".join(kept or words)


def sound(word: str) -> str:
    """How a spelled word sounds in Mexican Spanish: a key that typos keeping the sound share."""
    if not word:
        return ""
    text = word.replace(" ", "")
    for written, said in _SOUNDS:
        text = text.replace(written, said)
    if text.startswith("X"):  # Xochitl, Xochimilco: an initial X says S
        text = "S" + text[1:]
    text = text.translate(_LETTER_SOUNDS)
    out: list[str] = []
    for ch in text:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def first_word(text: str) -> str:
    """The first word of a spelled name ("" if none)."""
    return text.split(" ", 1)[0] if text else ""


def last_word(text: str) -> str:
    """The last word of a spelled name ("" if none)."""
    return text.rsplit(" ", 1)[-1] if text else ""


def curp_canonical(curp: str | None) -> str:
    """A CURP as compared: upper case, letter O and digit 0 read alike ("" if none)."""
    if not curp:
        return ""
    return curp.strip().upper().replace("O", "0")

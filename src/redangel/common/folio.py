"""Folios: tracking numbers a citizen can read over the phone, with a check character.

Eight Crockford base-32 symbols (no I, L, O or U to confuse) and a mod-37 check symbol,
printed as `RA-XXXX-XXXX-C`. Reading is forgiving (case, any dash, spaces, dots, O→0, I/L→1);
a mistyped folio is caught by the check symbol. The format is shared: programs issue folios, and
the office's search box recognises one among CURPs and names.
"""

from __future__ import annotations

import re
import secrets

SYMBOLS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_SYMBOLS = SYMBOLS + "*~$=U"
_READ = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.·/]+")
_SHAPE = re.compile(r"^(RA)?[0-9A-Z*~$=]{9}$")


def _value(body: str) -> int:
    number = 0
    for char in body:
        number = number * 32 + SYMBOLS.index(char)
    return number


def new_folio() -> str:
    """A fresh random folio."""
    body = "".join(secrets.choice(SYMBOLS) for _ in range(8))
    return f"RA-{body[:4]}-{body[4:]}-{CHECK_SYMBOLS[_value(body) % 37]}"


def compact(text: str) -> str:
    """What someone typed, upper-case, without dashes, spaces or dots."""
    return _SEPARATORS.sub("", text.upper())


def looks_like(text: str) -> bool:
    """Whether what someone typed has a folio's shape (its check symbol may still be wrong):
    nine symbols after an optional RA, with a digit among them or a check symbol that fits."""
    raw = compact(text)
    if not _SHAPE.match(raw):
        return False
    return any(ch.isdigit() for ch in raw) or normalise(raw) is not None


def normalise(text: str) -> str | None:
    """The canonical folio for what someone typed, or None when it cannot be one."""
    raw = compact(text)
    raw = raw[2:] if len(raw) == 11 and raw.startswith("RA") else raw
    if len(raw) != 9:
        return None
    body, check = raw[:8].translate(_READ), raw[8]
    if any(c not in SYMBOLS for c in body) or check not in CHECK_SYMBOLS:
        return None
    if CHECK_SYMBOLS[_value(body) % 37] != check:
        return None
    return f"RA-{body[:4]}-{body[4:]}-{check}"

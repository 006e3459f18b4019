"""Boroughs (alcaldías) from what old rolls hold: the old delegación names, typos, or only a
postal code; phones to ten digits."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from redangel.common.names import fold
from redangel.common.types import BOROUGHS
from redangel.rolls.changes import Change

_BY_NAME = {fold(name): code for code, name in BOROUGHS.items()}
_OLD_NAMES = {
    "DELEGACION ALVARO OBREGON": "alvaro_obregon", "VILLA ALVARO OBREGON": "alvaro_obregon",
    "CUAJIMALPA": "cuajimalpa", "MAGDALENA CONTRERAS": "magdalena_contreras",
    "GAM": "gustavo_a_madero", "G A M": "gustavo_a_madero", "GUSTAVO A MADERO": "gustavo_a_madero",
    "GUSTAVO ADOLFO MADERO": "gustavo_a_madero", "V CARRANZA": "venustiano_carranza",
    "B JUAREZ": "benito_juarez", "M HIDALGO": "miguel_hidalgo", "A OBREGON": "alvaro_obregon",
}
# CDMX postal codes start with the borough's two-digit district (01 … 16).
_POSTAL_DISTRICTS = {
    "01": "alvaro_obregon", "02": "azcapotzalco", "03": "benito_juarez", "04": "coyoacan",
    "05": "cuajimalpa", "06": "cuauhtemoc", "07": "gustavo_a_madero", "08": "iztacalco",
    "09": "iztapalapa", "10": "magdalena_contreras", "11": "miguel_hidalgo", "12": "milpa_alta",
    "13": "tlahuac", "14": "tlalpan", "15": "venustiano_carranza", "16": "xochimilco",
}
_PREFIXES = ("DELEGACION ", "DEL ", "ALCALDIA ", "ALC ")


@dataclass
class Place:
    """The borough code and postal code read, with the changes made."""

    borough: str | None
    postal_code: str | None
    changes: list[Change] = field(default_factory=list)


def _name_to_code(raw: str) -> tuple[str | None, str | None]:
    folded = fold(raw)
    if folded in _BY_NAME:
        return _BY_NAME[folded], None
    if folded in _OLD_NAMES:
        return _OLD_NAMES[folded], "borough_from_old_name"
    for prefix in _PREFIXES:
        if folded.startswith(prefix):
            rest = folded[len(prefix):]
            if rest in _BY_NAME:
                return _BY_NAME[rest], "borough_from_old_name"
            if rest in _OLD_NAMES:
                return _OLD_NAMES[rest], "borough_from_old_name"
            folded = rest
    names = list(_BY_NAME) + list(_OLD_NAMES)
    close = difflib.get_close_matches(folded, names, n=1, cutoff=0.8)
    if close:
        return _BY_NAME.get(close[0]) or _OLD_NAMES[close[0]], "borough_from_typo"
    return None, None


def read_place(borough_raw: str, postal_raw: str) -> Place:
    """Borough from its name (current, old or mistyped) or else from the postal code."""
    changes: list[Change] = []
    postal = re.sub(r"\D", "", postal_raw)
    if len(postal) == 4:
        postal = "0" + postal
    postal_code = postal if len(postal) == 5 else None
    borough: str | None = None
    if borough_raw.strip():
        borough, how = _name_to_code(borough_raw)
        if how:
            changes.append(Change("borough", how, borough_raw, borough))
        if borough is None:
            changes.append(Change("borough", "borough_unknown", borough_raw, None))
    if borough is None and postal_code and postal_code[:2] in _POSTAL_DISTRICTS:
        borough = _POSTAL_DISTRICTS[postal_code[:2]]
        changes.append(Change("borough", "borough_from_postal_code", postal_raw, borough))
    return Place(borough, postal_code, changes)


def read_phone(raw: str) -> tuple[str | None, list[Change]]:
    """A Mexican phone as ten digits: country code, 044/045 and separators dropped; an old
    eight-digit Mexico City number gets its 55 area code."""
    digits = re.sub(r"\D", "", raw)
    if not digits:
        return None, []
    for prefix in ("521", "52", "044", "045"):
        if len(digits) == 10 + len(prefix) and digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    if len(digits) == 8:
        digits = "55" + digits
    if len(digits) != 10:
        return None, [Change("phone", "phone_invalid", raw, None)]
    return digits, ([Change("phone", "phone_normalised", raw, digits)] if digits != raw else [])

"""Strict building blocks for request schemas: bounded strings without NUL, bounded dates,
boroughs, states; and the bilingual name the read models share."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from redangel.common.bounds import FIRST_DAY, LAST_DAY, day_in_range
from redangel.common.names import single_script
from redangel.errors import AppErrorValue

BOROUGHS: dict[str, str] = {
    "alvaro_obregon": "Álvaro Obregón",
    "azcapotzalco": "Azcapotzalco",
    "benito_juarez": "Benito Juárez",
    "coyoacan": "Coyoacán",
    "cuajimalpa": "Cuajimalpa de Morelos",
    "cuauhtemoc": "Cuauhtémoc",
    "gustavo_a_madero": "Gustavo A. Madero",
    "iztacalco": "Iztacalco",
    "iztapalapa": "Iztapalapa",
    "magdalena_contreras": "La Magdalena Contreras",
    "miguel_hidalgo": "Miguel Hidalgo",
    "milpa_alta": "Milpa Alta",
    "tlahuac": "Tláhuac",
    "tlalpan": "Tlalpan",
    "venustiano_carranza": "Venustiano Carranza",
    "xochimilco": "Xochimilco",
}
Borough = Literal[
    "alvaro_obregon", "azcapotzalco", "benito_juarez", "coyoacan", "cuajimalpa", "cuauhtemoc",
    "gustavo_a_madero", "iztacalco", "iztapalapa", "magdalena_contreras", "miguel_hidalgo",
    "milpa_alta", "tlahuac", "tlalpan", "venustiano_carranza", "xochimilco",
]
State = Literal[
    "AS", "BC", "BS", "CC", "CL", "CM", "CS", "CH", "DF", "DG", "GT", "GR", "HG", "JC", "MC",
    "MN", "MS", "NT", "NL", "OC", "PL", "QT", "QR", "SP", "SL", "SR", "TC", "TS", "TL", "VZ",
    "YN", "ZS", "NE",
]
Sex = Literal["H", "M", "X"]


def no_control_chars(value: str) -> str:
    if "\x00" in value:
        raise AppErrorValue("field_nul")
    if not value.isprintable():
        raise AppErrorValue("field_invalid", detail="control characters")
    return value


Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(no_control_chars), AfterValidator(single_script),
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(no_control_chars)
]
def within_range(value: date) -> date:
    """Refuse a date outside the service's range, naming the range (`common.bounds`)."""
    if not day_in_range(value):
        raise AppErrorValue("date_range", min=FIRST_DAY.isoformat(), max=LAST_DAY.isoformat())
    return value


# Every date a request carries (bodies, query filters): from 1900-01-01 to 2200-12-31.
Day = Annotated[date, AfterValidator(within_range)]
Purpose = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=64,
                           pattern=r"^[a-z_]+$"),
]


class Strict(BaseModel):
    """Base of every request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class Names(BaseModel):
    """A name in Spanish and English (a program's, an agency's, a document's)."""

    es: str
    en: str

    def get(self, lang: str, default: str = "") -> str:
        """The name in a language, Spanish when that one is empty."""
        return (self.en if lang == "en" else self.es) or self.es or default

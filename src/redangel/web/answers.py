"""Typed answers from a posted form: one parser for the office wizard and the public screening.

A form sends text; the catalog says what each answer is (a date, money, a number, yes or no, one
of an enum's options, or text). This module turns the text into that type, or says in the
page's language what is wrong and how to write it. The rules about what values are acceptable
(a date not in the future, an income not negative) stay with the services and the engine; here
only the shape of what was typed is judged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from redangel.web import i18n
from redangel.web.i18n import _

KINDS = ("date", "money", "number", "integer", "boolean", "enum", "text")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_LIMIT = Decimal(10) ** 12

REQUIRED = _("Answer this question.")
REASONS = {
    "date": _("Write a date that exists, as day, month and year, for example 15/03/2021."),
    "money": _("Write an amount in pesos with digits only, for example 4500."),
    "number": _("Write a number with digits only, for example 8.5."),
    "integer": _("Write a number with digits only, for example 8.5."),
    "boolean": _("Answer yes or no."),
    "enum": _("Choose one of the options."),
}


def kind_of(catalog_type: str, options: Iterable[str] = ()) -> str:
    """The parser's kind for a catalog type (a question's, or a schema fact's compiled type)."""
    if catalog_type == "bool":
        return "boolean"
    if catalog_type == "string":
        return "enum" if tuple(options) else "text"
    return catalog_type if catalog_type in KINDS else "text"


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    found = _DAY_MONTH_YEAR.match(raw)
    if found is None:
        return None
    try:
        return date(int(found[3]), int(found[2]), int(found[1]))
    except ValueError:
        return None


def _number(raw: str) -> Decimal | None:
    try:
        number = Decimal(re.sub(r"[\s$,]", "", raw))
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) <= _LIMIT else None


def parse(kind: str, raw: str, options: Iterable[str] = ()) -> tuple[Any, str | None]:
    """A typed value from what was typed, or (None, the English reason) when it cannot be read.

    Empty text is (None, None): not known. Dates are `date`, amounts `Decimal`, yes/no `bool`.
    """
    raw = raw.strip()
    if not raw:
        return None, None
    value: Any
    if kind == "date":
        value = _date(raw)
    elif kind in ("money", "number", "integer"):
        value = _number(raw)
        if value is not None and (
                (kind == "integer" and value != value.to_integral_value())
                or (kind == "money" and value != value.quantize(Decimal("0.01")))):
            value = None
    elif kind == "boolean":
        value = {"yes": True, "no": False}.get(raw)
    elif kind == "enum":
        value = raw if raw in tuple(options) else None
    else:
        value = raw
    return (value, None) if value is not None else (None, REASONS[kind])


@dataclass(frozen=True)
class Asked:
    """One thing a form asks: its field name, kind, options and whether it must be answered."""

    field: str
    kind: str
    options: tuple[str, ...] = ()
    required: bool = False


def read(asked: Iterable[Asked], get: Callable[[str], str], lang: i18n.Lang, *,
         required: str = REQUIRED) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Every asked field read from the form: (typed values, the text as typed, reasons by field).

    What was typed is returned whatever happens, so a refused form shows it again unchanged.
    """
    values: dict[str, Any] = {}
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in asked:
        raw = get(item.field)
        typed[item.field] = raw
        value, reason = parse(item.kind, raw, item.options)
        if reason is not None:
            errors[item.field] = i18n.translate(lang, reason)
        elif value is None and item.required:
            errors[item.field] = i18n.translate(lang, required)
        elif value is not None:
            values[item.field] = value
    return values, typed, errors

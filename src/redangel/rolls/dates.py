"""Dates as old systems wrote them: dd/mm/yyyy, yyyy-mm-dd, two-digit years, Excel serials.

The mapping says the order a file uses (`dmy`, `mdy`, `ymd`, `excel` or `auto`). Under `auto`
a date whose day and month could be swapped is flagged and left unread — never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from redangel.rolls.changes import Change

DATE_ORDERS = ("dmy", "mdy", "ymd", "excel", "auto")
_EXCEL_EPOCH = date(1899, 12, 30)
_PARTS = re.compile(r"^(\d{1,4})[/\-. ](\d{1,2})[/\-. ](\d{1,4})$")
_SERIAL = re.compile(r"^\d{4,5}(\.0+)?$")


@dataclass
class ReadDate:
    """A date read from a cell, the changes noted, and whether it could be read."""

    value: date | None
    changes: list[Change] = field(default_factory=list)


def _year(text: str, today: date) -> tuple[int, bool]:
    """A four-digit year; a two-digit one is the latest year not after today."""
    year = int(text)
    if len(text) > 2:
        return year, False
    century = today.year // 100 * 100
    full = century + year
    return (full - 100 if full > today.year else full), True


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_date(raw: object, *, order: str, field_name: str, today: date) -> ReadDate:
    """One date cell (text, a spreadsheet date, or an Excel serial number)."""
    if isinstance(raw, datetime):
        return ReadDate(raw.date())
    if isinstance(raw, date):
        return ReadDate(raw)
    text = str(raw).strip()
    original = text
    if not text:
        return ReadDate(None)
    if _SERIAL.match(text) and order in ("excel", "auto"):
        serial = _EXCEL_EPOCH + timedelta(days=int(float(text)))
        return ReadDate(serial, [Change(field_name, "date_excel_serial", original,
                                        serial.isoformat())])
    text = text.split(" ")[0] if " " in text and ":" in text else text
    match = _PARTS.match(text)
    if match is None:
        return ReadDate(None, [Change(field_name, "date_invalid", original, None)])
    a, b, c = match.groups()
    changes: list[Change] = []
    if len(a) == 4 or order == "ymd":
        year, two = _year(a, today)
        value = _make(year, int(b), int(c))
    else:
        year, two = _year(c, today)
        first, second = int(a), int(b)
        if order == "auto":
            if first > 12 >= second:
                order = "dmy"
            elif second > 12 >= first:
                order = "mdy"
            elif first != second:
                return ReadDate(None, [Change(field_name, "date_ambiguous", original, None)])
            else:
                order = "dmy"
            if order == "mdy":
                changes.append(Change(field_name, "date_reinterpreted", original, None))
        day, month = (first, second) if order == "dmy" else (second, first)
        value = _make(year, month, day)
    if value is None:
        return ReadDate(None, [Change(field_name, "date_invalid", original, None)])
    if two:
        changes.append(Change(field_name, "date_two_digit_year", original, value.isoformat()))
    changes = [Change(c.field, c.code, c.original, value.isoformat()) for c in changes]
    return ReadDate(value, changes)

"""One row of a roll, standardised field by field; every change keeps the original value.

A row that cannot become a person (no name, no readable birth date, no sex) is refused with
the reason; everything else is flagged, never silently guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from redangel.person import curp as curp_rules
from redangel.rolls.changes import Change
from redangel.rolls.dates import read_date
from redangel.rolls.mapping import RollMapping
from redangel.rolls.names import clean_part, split_full_name
from redangel.rolls.places import read_phone, read_place
from redangel.rolls.readers import Cell

REFUSALS = ("name_missing", "birth_date_missing", "birth_date_ambiguous", "birth_date_invalid",
            "birth_date_future", "sex_missing")
"""Why a row cannot enter the registry (the report counts each, with its lines)."""


@dataclass
class StandardRow:
    """A row as the registry would hold it, with what was changed and why it may be refused."""

    given_names: str = ""
    first_surname: str = ""
    second_surname: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    curp: str | None = None
    curp_usable: bool = False
    curp_registrable: bool = False
    borough: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    address: str | None = None
    start_date: date | None = None
    status: str = "active"
    changes: list[Change] = field(default_factory=list)
    refusal: str | None = None

    @property
    def flags(self) -> list[str]:
        """The change codes, without values (safe to keep in clear)."""
        return sorted({c.code for c in self.changes})

    def personal(self) -> dict[str, Any]:
        """The standardised values, to be sealed."""
        return {"given_names": self.given_names, "first_surname": self.first_surname,
                "second_surname": self.second_surname,
                "birth_date": self.birth_date.isoformat() if self.birth_date else None,
                "sex": self.sex, "curp": self.curp, "curp_usable": self.curp_usable,
                "curp_registrable": self.curp_registrable,
                "phone": self.phone, "address": self.address}


def _text(cells: dict[str, Cell], mapping: RollMapping, name: str) -> str:
    column = mapping.columns.get(name)
    value = cells.get(column, "") if column else ""
    return value.isoformat() if isinstance(value, date) else str(value).strip()


def _raw(cells: dict[str, Cell], mapping: RollMapping, name: str) -> Cell:
    column = mapping.columns.get(name)
    return cells.get(column, "") if column else ""


def _names(row: StandardRow, cells: dict[str, Cell], mapping: RollMapping) -> None:
    given, first = _text(cells, mapping, "given_names"), _text(cells, mapping, "first_surname")
    second = _text(cells, mapping, "second_surname")
    full = _text(cells, mapping, "full_name")
    if not (given and first) and full:
        cleaned = clean_part(full, "full_name")
        split = split_full_name(cleaned.value,
                                surnames_first=mapping.full_name_order == "surnames_first")
        row.changes += cleaned.changes
        if split is None:
            row.refusal = "name_missing"
            return
        row.changes.append(Change("full_name", "full_name_split", full,
                                  f"{split.given_names} | {split.first_surname} | "
                                  f"{split.second_surname or ''}"))
        row.given_names, row.first_surname = split.given_names, split.first_surname
        row.second_surname = split.second_surname
    else:
        if not (given and first):
            row.refusal = "name_missing"
            return
        parts = {"given_names": given, "first_surname": first, "second_surname": second}
        cleaned_parts = {}
        for key, value in parts.items():
            part = clean_part(value, key) if value else None
            cleaned_parts[key] = part.value if part else ""
            row.changes += part.changes if part else []
        row.given_names, row.first_surname = cleaned_parts["given_names"], cleaned_parts["first_surname"]
        row.second_surname = cleaned_parts["second_surname"] or None
    if row.second_surname is None:
        row.changes.append(Change("second_surname", "second_surname_missing", "", None))


def _dates(row: StandardRow, cells: dict[str, Cell], mapping: RollMapping, today: date) -> None:
    raw = _raw(cells, mapping, "birth_date")
    read = read_date(raw, order=mapping.date_orders.get("birth_date", "auto"),
                     field_name="birth_date", today=today)
    row.changes += read.changes
    row.birth_date = read.value
    codes = {c.code for c in read.changes}
    if read.value is None and row.refusal is None:
        row.refusal = ("birth_date_ambiguous" if "date_ambiguous" in codes else
                       "birth_date_invalid" if "date_invalid" in codes else "birth_date_missing")
    elif read.value is not None and read.value > today and row.refusal is None:
        row.refusal = "birth_date_future"
    start_raw = _raw(cells, mapping, "start_date")
    if start_raw != "":
        start = read_date(start_raw, order=mapping.date_orders.get("start_date", "auto"),
                          field_name="start_date", today=today)
        row.changes += start.changes
        row.start_date = start.value


def _curp(row: StandardRow, cells: dict[str, Cell], mapping: RollMapping) -> None:
    raw = _text(cells, mapping, "curp")
    if not raw:
        return
    compact = raw.replace(" ", "").replace("-", "").upper()
    value = curp_rules.normalise(compact)
    alone = curp_rules.explain(value)
    if alone is not None and alone.code == "curp_o_zero":
        fixed = alone.params["suggestion"]
        row.changes.append(Change("curp", "curp_corrected", raw, fixed))
        value = fixed
    elif alone is not None:
        row.changes.append(Change("curp", "curp_invalid", raw, None))
        return
    elif value != compact:
        row.changes.append(Change("curp", "curp_corrected", raw, value))
    elif value != raw:
        row.changes.append(Change("curp", "case_changed", raw, value))
    row.curp = value
    found = curp_rules.problems(
        value, birth_date=row.birth_date, sex=row.sex, given_names=row.given_names or None,
        first_surname=row.first_surname or None, second_surname=row.second_surname)
    codes = {"curp_birth_date": "curp_inconsistent_birth_date", "curp_sex": "curp_inconsistent_sex",
             "curp_names": "curp_inconsistent_names"}
    for problem in found:
        row.changes.append(Change("curp", codes.get(problem.code, "curp_invalid"), raw, value))
    # A CURP whose only disagreement is the name (an Ñ or accent lost in the roll) still
    # identifies the person for linking; a new person is registered without it.
    row.curp_usable = all(p.code == "curp_names" for p in found)
    row.curp_registrable = not found


def _codes(row: StandardRow, cells: dict[str, Cell], mapping: RollMapping) -> None:
    sex_raw = _text(cells, mapping, "sex")
    sex = mapping.sex_codes.get(sex_raw.upper(), sex_raw.upper() if sex_raw.upper() in "HMX" else "")
    if sex:
        row.sex = sex
    elif sex_raw:
        row.changes.append(Change("sex", "sex_unknown", sex_raw, None))
    status_raw = _text(cells, mapping, "status")
    if status_raw:
        status = mapping.status_codes.get(status_raw.upper())
        if status is None:
            row.changes.append(Change("status", "status_unknown", status_raw, "active"))
        row.status = status or "active"


def standardise(cells: dict[str, Cell], *, mapping: RollMapping, today: date) -> StandardRow:
    """Standardise one row as the mapping reads it."""
    row = StandardRow()
    _names(row, cells, mapping)
    _codes(row, cells, mapping)
    _dates(row, cells, mapping, today)
    _curp(row, cells, mapping)
    if row.sex is None and row.refusal is None:
        row.refusal = "sex_missing"
    place = read_place(_text(cells, mapping, "borough"), _text(cells, mapping, "postal_code"))
    row.borough, row.postal_code = place.borough, place.postal_code
    row.changes += place.changes
    phone_raw = _text(cells, mapping, "phone")
    if phone_raw:
        row.phone, phone_changes = read_phone(phone_raw)
        row.changes += phone_changes
    address = _text(cells, mapping, "address")
    row.address = " ".join(address.split())[:200] or None
    return row


def original(cells: dict[str, Cell]) -> dict[str, str]:
    """The row exactly as read (dates as ISO text), to be sealed beside the standardised one."""
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in cells.items()}

"""Standardising rows of old rolls: every change recorded with its original, nothing guessed."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redangel.person.curp import build
from redangel.rolls.dates import read_date
from redangel.rolls.mapping import RollMapping
from redangel.rolls.names import clean_part, repair_mojibake, split_full_name
from redangel.rolls.places import read_phone, read_place
from redangel.rolls.standardise import standardise

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(("raw", "fixed"), [
    ("HernÃ¡ndez", "Hernández"), ("MuÃ±oz", "Muñoz"), ("PeÃ±a", "Peña"),
    ("GarcÃ\xada", "García"), ("Hernández", "Hernández"), ("LOPEZ", "LOPEZ"),
])
def test_mojibake_repaired(raw: str, fixed: str) -> None:
    assert repair_mojibake(raw) == fixed


@pytest.mark.parametrize(("raw", "value", "codes"), [
    ("MARIA GUADALUPE", "Maria Guadalupe", {"case_changed"}),
    ("Ma. Guadalupe", "María Guadalupe", {"abbreviation_expanded"}),
    ("J. Jesús", "J. Jesús", {"initial_kept"}),
    ("DE LA CRUZ", "De la Cruz", {"case_changed"}),
    ("MUNOZ", "Munoz", {"case_changed", "enye_uncertain"}),
    ("Nunnez", "Nunnez", {"enye_uncertain"}),
    ("Muñoz", "Muñoz", set()),
])
def test_name_parts(raw: str, value: str, codes: set[str]) -> None:
    cleaned = clean_part(raw, "x")
    assert cleaned.value == value
    assert {c.code for c in cleaned.changes} == codes
    assert all(c.field == "x" for c in cleaned.changes)


@pytest.mark.parametrize(("full", "surnames_first", "parts"), [
    ("Hernández López María Guadalupe", True, ("María Guadalupe", "Hernández", "López")),
    ("de la Cruz Ramírez Ana Sofía", True, ("Ana Sofía", "de la Cruz", "Ramírez")),
    ("Peña Juana", True, ("Juana", "Peña", None)),
    ("Ana Sofía de la Cruz Ramírez", False, ("Ana Sofía", "de la Cruz", "Ramírez")),
    ("Juan del Valle", False, ("Juan", "del Valle", None)),
])
def test_full_name_split(full: str, surnames_first: bool, parts: tuple[str, str, str | None]) -> None:
    split = split_full_name(full, surnames_first=surnames_first)
    assert split is not None
    assert (split.given_names, split.first_surname, split.second_surname) == parts


def test_one_word_is_not_split() -> None:
    assert split_full_name("Pedro", surnames_first=True) is None


@pytest.mark.parametrize(("raw", "order", "value", "codes"), [
    ("15/03/1950", "dmy", date(1950, 3, 15), set()),
    ("03/15/1950", "mdy", date(1950, 3, 15), set()),
    ("1950-03-15", "auto", date(1950, 3, 15), set()),
    ("15/03/50", "dmy", date(1950, 3, 15), {"date_two_digit_year"}),
    ("15/03/20", "dmy", date(2020, 3, 15), {"date_two_digit_year"}),
    ("15/03/1950", "auto", date(1950, 3, 15), set()),
    ("03/15/1950", "auto", date(1950, 3, 15), {"date_reinterpreted"}),
    ("04/05/1950", "auto", None, {"date_ambiguous"}),
    ("05/05/1950", "auto", date(1950, 5, 5), set()),
    ("18337", "excel", date(1950, 3, 15), {"date_excel_serial"}),
    ("31/02/1950", "dmy", None, {"date_invalid"}),
    ("ayer", "dmy", None, {"date_invalid"}),
])
def test_dates(raw: str, order: str, value: date | None, codes: set[str]) -> None:
    read = read_date(raw, order=order, field_name="birth_date", today=TODAY)
    assert read.value == value
    assert {c.code for c in read.changes} == codes
    assert all(c.original == raw for c in read.changes)


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_iso_and_dmy_dates_round_trip(day: date) -> None:
    assert read_date(day.isoformat(), order="auto", field_name="d", today=TODAY).value == day
    assert read_date(day.strftime("%d/%m/%Y"), order="dmy", field_name="d", today=TODAY).value == day


@pytest.mark.parametrize(("borough", "postal", "code", "how"), [
    ("Iztapalapa", "", "iztapalapa", None),
    ("Delegación Coyoacán", "", "coyoacan", "borough_from_old_name"),
    ("GAM", "", "gustavo_a_madero", "borough_from_old_name"),
    ("Iztapalpa", "", "iztapalapa", "borough_from_typo"),
    ("", "14000", "tlalpan", "borough_from_postal_code"),
    ("", "9800", "iztapalapa", "borough_from_postal_code"),
    ("Springfield", "", None, "borough_unknown"),
])
def test_boroughs(borough: str, postal: str, code: str | None, how: str | None) -> None:
    place = read_place(borough, postal)
    assert place.borough == code
    assert ({c.code for c in place.changes} or {None}) >= {how}


@pytest.mark.parametrize(("raw", "digits", "code"), [
    ("55 1234 5678", "5512345678", "phone_normalised"),
    ("+52 1 55 1234 5678", "5512345678", "phone_normalised"),
    ("044 55 1234 5678", "5512345678", "phone_normalised"),
    ("5555-1111", "5555551111", "phone_normalised"),
    ("5512345678", "5512345678", None),
    ("123", None, "phone_invalid"),
])
def test_phones(raw: str, digits: str | None, code: str | None) -> None:
    value, changes = read_phone(raw)
    assert value == digits
    assert [c.code for c in changes] == ([code] if code else [])


MAPPING = RollMapping(columns={"g": "N", "f": "P", "s": "M", "birth_date": "F", "sex": "S",
                               "curp": "C"} | {"given_names": "N", "first_surname": "P",
                                               "second_surname": "M"},
                      date_orders={"birth_date": "dmy"})
CURP = build(given_names="María Guadalupe", first_surname="Hernández", second_surname="López",
             birth_date=date(1950, 3, 15), sex="M", birth_state="DF")


def _row(**cells: str) -> dict[str, str]:
    base = {"N": "MARIA GUADALUPE", "P": "HERNANDEZ", "M": "LOPEZ", "F": "15/03/1950",
            "S": "M", "C": CURP}
    return base | cells


def test_valid_curp_is_usable() -> None:
    row = standardise(_row(), mapping=MAPPING, today=TODAY)
    assert row.curp == CURP and row.curp_usable and row.refusal is None


def test_curp_with_o_for_zero_is_corrected_and_kept_beside() -> None:
    written = CURP[:4] + CURP[4:10].replace("0", "O") + CURP[10:]
    row = standardise(_row(C=written), mapping=MAPPING, today=TODAY)
    assert row.curp == CURP
    assert [(c.code, c.original) for c in row.changes if c.field == "curp"] == [
        ("curp_corrected", written)]


def test_curp_inconsistent_with_birth_date_is_flagged_and_not_used() -> None:
    row = standardise(_row(F="16/03/1950"), mapping=MAPPING, today=TODAY)
    assert "curp_inconsistent_birth_date" in row.flags
    assert not row.curp_usable


def test_curp_inconsistent_with_sex_is_flagged() -> None:
    row = standardise(_row(S="H"), mapping=MAPPING, today=TODAY)
    assert "curp_inconsistent_sex" in row.flags and not row.curp_usable


def test_broken_curp_is_never_invented() -> None:
    row = standardise(_row(C="HELG500315MDFRPR9X"), mapping=MAPPING, today=TODAY)
    assert row.curp is None and "curp_invalid" in row.flags


@pytest.mark.parametrize(("cells", "reason"), [
    ({"N": "", "P": ""}, "name_missing"),
    ({"F": ""}, "birth_date_missing"),
    ({"F": "31/02/1950"}, "birth_date_invalid"),
    ({"F": "15/03/2030"}, "birth_date_future"),
    ({"S": "?", "C": ""}, "sex_missing"),
])
def test_refusals(cells: dict[str, str], reason: str) -> None:
    assert standardise(_row(**cells), mapping=MAPPING, today=TODAY).refusal == reason


def test_second_surname_missing_is_flagged() -> None:
    row = standardise(_row(M="", C=""), mapping=MAPPING, today=TODAY)
    assert row.second_surname is None and "second_surname_missing" in row.flags

"""Which record's value a merged record keeps: the survivorship rules, field by field."""

from __future__ import annotations

from datetime import UTC, date, datetime

from redangel.linkage.survivorship import Side, keep


def _side(*, curp: str | None, updated: int, **values: object) -> Side:
    base: dict[str, object] = {"given_names": "MARIA", "first_surname": "LOPEZ", "second_surname": None,
                               "sex": "M", "birth_date": date(1980, 1, 2), "birth_state": None,
                               "borough": "iztapalapa", "postal_code": "09000", "deceased_on": None,
                               "confirmed_distinct": False}
    base.update(values)
    return Side(values=base, curp=curp, contact={"phone": f"55000000{updated:02d}"}, sensitive={},
                attributes={}, updated_at=datetime(2026, 1, updated, tzinfo=UTC))


def test_identity_comes_from_the_record_with_a_curp_and_gaps_are_filled():
    survivor = _side(curp=None, updated=1, given_names="MA")
    absorbed = _side(curp="LOXM800102MDFPRR09", updated=2, given_names="MARIA", second_surname=None,
                     birth_state="DF")
    kept = keep(survivor, absorbed)
    assert kept.values["given_names"] == "MARIA"
    assert kept.values["birth_state"] == "DF"
    assert kept.curp == "LOXM800102MDFPRR09"
    assert ("given_names", "absorbed", "trusted") in kept.sources


def test_the_newest_record_says_where_the_person_lives():
    survivor = _side(curp="LOXM800102MDFPRR09", updated=9, borough="coyoacan", postal_code="04000")
    absorbed = _side(curp=None, updated=3, borough="iztapalapa", postal_code=None)
    kept = keep(survivor, absorbed)
    assert (kept.values["borough"], kept.values["postal_code"]) == ("coyoacan", "04000")
    assert kept.contact["phone"] == "5500000009"
    older = keep(_side(curp=None, updated=1, borough="tlalpan"), _side(curp=None, updated=5))
    assert older.values["borough"] == "iztapalapa"
    assert ("borough", "absorbed", "newest") in older.sources


def test_a_recorded_death_is_kept():
    kept = keep(_side(curp=None, updated=1), _side(curp=None, updated=2, deceased_on=date(2025, 5, 1)))
    assert kept.values["deceased_on"] == date(2025, 5, 1)

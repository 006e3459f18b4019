"""Names are compared as people read them: fullwidth letters are letters (NFKC), a name typed
in look-alike Cyrillic is the Latin name it looks like (TS #39 skeletons), and one field mixing
two alphabets is refused with a reason in words."""

from __future__ import annotations

import random

import httpx

from tests.builders import person_payload
from tests.conftest import unique_suffix

# Latin capitals and the Cyrillic capitals that look the same.
CYRILLIC = dict(zip("ABCEHIJKMOPSTXY", "АВСЕНІЈКМОРЅТХУ", strict=True))


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in text)


def _cyrillic(text: str) -> str:
    return "".join(CYRILLIC[c] for c in text)


def _latin_name() -> str:
    """A surname no other test uses, spelt only with letters Cyrillic can imitate."""
    return "".join(random.choice("ABCEHIJKMOPSTXY") for _ in range(10))


class TestFullwidth:
    def test_fullwidth_juan_is_the_registered_juan(self, clerk: httpx.Client) -> None:
        suffix = unique_suffix()
        latin = clerk.post("/persons", json=person_payload(
            suffix, with_curp=False, given_names="Juan", sex="H")).json()
        wide = person_payload(suffix, with_curp=False, given_names="ＪＵＡＮ", sex="H",
                              first_surname=_fullwidth(latin["first_surname"]),
                              birth_date=latin["birth_date"])
        answer = clerk.post("/persons", json=wide)
        assert answer.status_code == 409, answer.text
        assert [c["id"] for c in answer.json()["candidates"]] == [latin["id"]]
        kept = clerk.post("/persons", json={**wide, "confirm_distinct_from": [latin["id"]]})
        assert kept.status_code == 201
        assert kept.json()["given_names"] == "JUAN"  # stored as NFKC reads it


class TestCyrillicLookAlikes:
    def test_a_cyrillic_skeleton_is_found_by_its_latin_spelling_and_caught_as_duplicate(
        self, clerk: httpx.Client
    ) -> None:
        surname = _latin_name()
        cyrillic = clerk.post("/persons", json=person_payload(
            "", with_curp=False, given_names=_cyrillic("JOSE"), first_surname=_cyrillic(surname),
            second_surname=_cyrillic("SOSA"), sex="H"))
        assert cyrillic.status_code == 201, cyrillic.text
        person = cyrillic.json()
        found = clerk.post("/persons/search", json={"name": f"Jose {surname} Sosa"}).json()
        assert [i["id"] for i in found["items"]] == [person["id"]]
        latin = clerk.post("/persons", json=person_payload(
            "", with_curp=False, given_names="José", first_surname=surname.capitalize(),
            second_surname="Sosa", sex="H", birth_date=person["birth_date"]))
        assert latin.status_code == 409, latin.text
        assert latin.json()["code"] == "possible_duplicate"
        assert [c["id"] for c in latin.json()["candidates"]] == [person["id"]]

    def test_a_name_mixing_two_alphabets_is_refused_in_words(self, clerk: httpx.Client) -> None:
        mixed = person_payload(unique_suffix(), with_curp=False, given_names="Mаría")  # Cyrillic а
        answer = clerk.post("/persons", json=mixed, headers={"Accept-Language": "en"})
        assert answer.status_code == 422
        [error] = answer.json()["errors"]
        assert (error["field"], error["code"]) == ("given_names", "name_mixed_script")
        assert "mixes letters of two alphabets" in error["reason"]
        spanish = clerk.post("/persons", json=mixed).json()["errors"][0]["reason"]
        assert "mezcla letras de dos alfabetos" in spanish

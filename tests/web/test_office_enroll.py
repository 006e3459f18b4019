"""Registering a household of three in one page flow, with look-alikes explained and resolved."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.builders import person_payload
from tests.conftest import unique_suffix
from tests.web.a11y import violations
from tests.web.conftest import sign_in
from tests.web.office_steps import UUID, add_member, family_of_three, fill_person, register_head

pytestmark = pytest.mark.browser


class TestEnrollHousehold:
    def test_a_family_of_three_with_a_look_alike_explained(self, page, world, clerk: httpx.Client,  # type: ignore[no-untyped-def]
                                                           screenshot) -> None:
        suffix = unique_suffix()
        mother, father, baby = family_of_three(suffix)
        # Someone already registered who looks like the father: same birth date, one letter apart.
        look_alike = clerk.post("/persons", json=person_payload(
            suffix, given_names="José Luis", first_surname=f"{suffix}ramires", second_surname="Ortiz",
            sex="H", birth_date=father.birth_date.isoformat())).json()
        sign_in(page, world.clerk, world.password)
        page.get_by_role("link", name="Registrar hogar").click()
        fill_person(page, mother)
        screenshot(page, "office-enroll")
        assert violations(page) == []
        page.get_by_role("button", name="Registrar", exact=True).click()
        page.wait_for_url(re.compile(rf".*/office/households/({UUID})\?added=({UUID})$"))
        found = re.search(rf"/households/({UUID})\?added=({UUID})", page.url)
        assert found
        household_id, mother_id = found.group(1), found.group(2)
        assert page.get_by_role("status").inner_text() == f"{mother.full_name} quedó registrada en el hogar."
        # The member form starts at the head's address.
        assert page.get_by_label("Calle y número").input_value() == mother.street
        assert page.get_by_label("Alcaldía", exact=True).input_value() == "iztapalapa"

        page.get_by_label("Parentesco con la persona jefa del hogar").select_option("spouse")
        fill_person(page, father)
        page.get_by_role("button", name="Registrar y agregar al hogar").click()
        box = page.locator(".duplicate")
        assert "Parece alguien que ya está registrado" in box.inner_text()
        assert f"José Luis {suffix}ramires Ortiz" in box.inner_text()
        assert box.get_by_role("link", name="Sí, abrir ese expediente").get_attribute("href") == \
            f"/office/persons/{look_alike['id']}?suggest=registration"
        assert page.get_by_label("Primer apellido").input_value() == father.first_surname
        screenshot(page, "office-duplicate")
        assert violations(page) == []
        page.get_by_role("button", name="No, es otra persona: registrarla").click()
        page.wait_for_url(re.compile(rf".*/office/households/{household_id}\?added={UUID}$"))
        father_id = page.url.rsplit("added=", 1)[1]
        assert father_id != look_alike["id"]
        baby_id = add_member(page, household_id, baby)

        members = clerk.get(f"/households/{household_id}").json()["members"]
        assert {(m["person_id"], m["relationship"]) for m in members} == {
            (mother_id, "head"), (father_id, "spouse"), (baby_id, "child")}
        rows = page.locator("table.members tbody tr")
        assert rows.count() == 3
        mother_record = clerk.get(f"/persons/{mother_id}").json()
        assert mother_record["curp"] == mother.curp
        assert mother_record["attributes"]["marital_status"] == "free_union"
        assert mother_record["sensitive"]["health_coverage"] == "none"
        assert mother_record["address"]["borough"] == "iztapalapa"

    def test_the_same_person_is_added_instead_of_registered_twice(self, page, world,  # type: ignore[no-untyped-def]
                                                                  clerk: httpx.Client) -> None:
        suffix = unique_suffix()
        mother, father, _ = family_of_three(suffix)
        existing = clerk.post("/persons", json=person_payload(
            suffix, given_names=father.given_names, first_surname=father.first_surname,
            second_surname=father.second_surname, sex="H", birth_date=father.birth_date.isoformat())).json()
        sign_in(page, world.clerk, world.password)
        household_id, _ = register_head(page, mother)
        page.get_by_label("Parentesco con la persona jefa del hogar").select_option("spouse")
        fill_person(page, father)
        page.get_by_role("button", name="Registrar y agregar al hogar").click()
        page.get_by_role("button", name="Sí, agregar a esa persona a este hogar").click()
        page.wait_for_url(re.compile(rf".*/office/households/{household_id}\?added={existing['id']}$"))
        members = clerk.get(f"/households/{household_id}").json()["members"]
        assert existing["id"] in {m["person_id"] for m in members}

    def test_a_registered_curp_and_bad_fields_are_said_in_words(self, page, world,  # type: ignore[no-untyped-def]
                                                                clerk: httpx.Client) -> None:
        suffix = unique_suffix()
        mother = family_of_three(suffix)[0]
        sign_in(page, world.clerk, world.password)
        page.goto("/office/persons/new")
        page.get_by_role("button", name="Registrar", exact=True).click()
        assert page.locator("#given_names-error").inner_text() == "es obligatorio"
        assert page.locator("#birth_date-error").inner_text() == "es obligatorio"
        _, first_id = register_head(page, mother)
        page.goto("/office/persons/new")
        fill_person(page, mother)
        page.get_by_label("Fecha de nacimiento").fill("2099-01-01")
        page.get_by_role("button", name="Registrar", exact=True).click()
        assert "no puede ser una fecha futura" in page.locator("#birth_date-error").inner_text()
        page.get_by_label("Fecha de nacimiento").fill(mother.birth_date.isoformat())
        page.get_by_role("button", name="Registrar", exact=True).click()
        box = page.locator(".duplicate")
        assert "Ya hay una persona registrada con esta CURP" in box.inner_text()
        assert box.get_by_role("link", name="Abrir ese expediente").get_attribute("href") == \
            f"/office/persons/{first_id}?suggest=registration"

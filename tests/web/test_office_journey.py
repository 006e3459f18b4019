"""The clerk's whole visit in one go, from the reusable steps: sign in → register a household of
three → birth of a child → apply → receipt → virtual card; and the same pages in English."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import unique_suffix
from tests.web.conftest import sign_in
from tests.web.desk_fixtures import Desk, desk_fixture, pcscd  # noqa: F401
from tests.web.office_steps import enroll_household, family_of_three, issue_card, run_birth_of_child

pytestmark = [pytest.mark.browser, pytest.mark.pcsc]


def test_a_family_is_served_end_to_end(page, world, desk: Desk, clerk: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    mother, father, baby = family_of_three(unique_suffix())
    sign_in(page, world.clerk, world.password)
    household = enroll_household(page, [mother, father, baby])
    assert len(household.people) == 3
    folios = run_birth_of_child(page, household.head, baby.birth_date)
    programs = {clerk.get(f"/applications/{f}").json()["program"] for f in folios}
    assert programs == {"bebe_seguro", "servicios_medicos_gratuitos"}
    desk.slot.insert()
    serial = issue_card(page, household.head, "8642")
    cards = clerk.get(f"/persons/{household.head}/cards").json()
    assert [c["serial"] for c in cards if c["status"] == "active"] == [serial]


def test_the_pages_speak_english_when_asked(page, world, clerk: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    mother, _, baby = family_of_three(unique_suffix())
    sign_in(page, world.clerk, world.password)
    household = enroll_household(page, [mother, baby])
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", name="Add a member").is_visible()
    page.goto(f"/office/persons/{household.head}")
    page.get_by_label("Applying for programs").check()
    page.get_by_role("button", name="Open the record").click()
    assert page.get_by_role("heading", name="Personal data").is_visible()
    page.get_by_role("link", name="Run a life event").click()
    page.get_by_role("link", name="Birth of a child").click()
    page.get_by_label("Baby's birth date").fill(baby.birth_date.isoformat())
    page.get_by_role("button", name="See the programs").click()
    safe_baby = page.locator("li.program", has=page.get_by_role("heading", name="Safe baby"))
    assert safe_baby.locator(".badge").inner_text() == "Can receive it"
    assert "Meets the requirements of Safe baby" in safe_baby.inner_text()
    page.get_by_role("button", name="Apply for the ticked programs").click()
    page.wait_for_url(re.compile(r".*/receipt\?folio="))
    assert page.get_by_role("heading", name="Receipt of applications").is_visible()
    assert "Documents to bring" in page.locator(".receipt").inner_text()

"""A data steward in chromium merges two records through the page and undoes the merge; axe
finds nothing on the form, on the merge, or on the refusal."""

from __future__ import annotations

import re
from typing import Any

import httpx

from redangel.auth import service as auth
from tests.builders import PASSWORD
from tests.conftest import unique_suffix
from tests.program.helpers import new_person
from tests.web.a11y import violations


def test_steward_merges_and_undoes_in_the_browser(  # type: ignore[no-untyped-def]
        page: Any, clerk: httpx.Client, sessions, screenshot) -> None:
    name = f"steward-{unique_suffix()}"
    with sessions() as session:
        auth.create_user(session, username=name, password=PASSWORD, role="steward",
                         display_name="steward", office_id=None)
        session.commit()
    survivor = new_person(clerk)["id"]
    absorbed = new_person(clerk, with_curp=False, phone="5599887766")["id"]
    page.goto("/office/login")
    page.get_by_label("Usuario").fill(name)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r".*/office/rolls$"))
    page.get_by_role("link", name="Fusionar dos registros").click()
    page.wait_for_selector("#merge-form")
    assert violations(page) == []
    page.get_by_label("Registro que se conserva (su identificador)").fill(survivor)
    page.get_by_label("Registro que se fusiona en él (su identificador)").fill(absorbed)
    page.get_by_label("Por qué son una sola persona").select_option("duplicate_registration")
    page.get_by_role("button", name="Fusionar", exact=True).click()
    page.wait_for_selector("#unmerge-form")
    assert page.text_content("#merge-survivor") == survivor
    assert violations(page) == []
    screenshot(page, "merge")
    page.get_by_label("Por qué se deshace la fusión").select_option("different_persons")
    page.get_by_role("button", name="Deshacer esta fusión").click()
    page.wait_for_selector("#merge-undone")
    assert violations(page) == []
    screenshot(page, "merge-undone")
    page.goto("/office/merges")  # merging the pair again is refused, beside the form
    page.get_by_label("Registro que se conserva (su identificador)").fill(survivor)
    page.get_by_label("Registro que se fusiona en él (su identificador)").fill(absorbed)
    page.get_by_role("button", name="Fusionar", exact=True).click()
    page.wait_for_selector("#merge-error")
    assert "nunca se fusionan" in page.text_content("#merge-error")
    assert violations(page) == []
    screenshot(page, "merge-refused")

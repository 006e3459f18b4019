"""At the office, the clerk records the rating the citizen gives for a decided request; the one
answer per request holds across channels (the folio page then takes no second one)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.program.helpers import approve, folio_of, new_person
from tests.web.a11y import violations
from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser


def test_rating_at_the_desk_once(page: Any, live: Any, world: Any, clerk: httpx.Client,
                                 supervisor: httpx.Client, screenshot: Any) -> None:
    person = new_person(clerk)
    folio = folio_of(clerk, person["id"], "comedores_comunitarios")
    approve(supervisor, folio)
    sign_in(page, world.clerk, world.password)
    page.goto(f"/office/applications/{folio}")
    page.locator("#form-rating").get_by_label("Bien", exact=True).check()
    page.get_by_label("Lo que la persona quiera agregar (opcional)").fill("Todo claro")
    page.get_by_role("button", name="Registrar la calificación").click()
    page.wait_for_url(f"**/office/applications/{folio}?done=rating")
    assert page.locator("#rated").is_visible() and page.locator("#form-rating").count() == 0
    screenshot(page, "office-application-rated")
    assert violations(page) == []
    with httpx.Client(base_url=live.url, timeout=30) as web:
        again = web.post("/folio/rating", data={"folio": folio, "birth_date": person["birth_date"],
                                                "rating": "1"})
    assert again.status_code == 409

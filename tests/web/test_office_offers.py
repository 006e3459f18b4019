"""The civil registry's offers at the desk: after a notified birth, the mother's page lists the
programs it opened; she says yes, the clerk applies, and the page says where the folio is."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from redangel.crvs import simulator
from tests.conftest import LiveServer
from tests.crvs.helpers import acked, household, newborn, person, register, send
from tests.web.a11y import violations
from tests.web.conftest import sign_in
from tests.web.office_steps import open_person

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def registry(sessions: Any, live: LiveServer) -> simulator.CivilRegistry:
    return register(sessions)


def test_the_mother_accepts_an_offer_at_the_desk(  # type: ignore[no-untyped-def]
    page, world, live: LiveServer, clerk: httpx.Client, registry: simulator.CivilRegistry,
    screenshot,
) -> None:
    mother = person(clerk, birth_date="1997-08-09")
    household(clerk, [(mother["id"], "head")])
    acked(send(live.url, registry, [newborn(mother["curp"], ref=str(uuid.uuid4()))[0]]))
    sign_in(page, world.clerk, world.password)
    open_person(page, mother["id"])
    offers = page.locator("section[aria-labelledby=offers-title]")
    assert "Con el aviso del registro civil se abrieron estos programas" in offers.inner_text()
    assert "Bebé seguro" in offers.inner_text()
    assert "por el nacimiento de un hijo" in offers.inner_text()
    screenshot(page, "office-offers")
    assert violations(page) == []
    offers.locator("li", has_text="Bebé seguro").get_by_role(
        "button", name="La persona acepta: solicitar").click()
    assert page.get_by_text("Se hizo la solicitud; su folio está en Solicitudes abiertas.").is_visible()
    opened = page.locator("section[aria-labelledby=open-title]").inner_text()
    assert "Bebé seguro" in opened
    taken = clerk.get("/crvs/offers", params={"person_id": mother["id"]}).json()
    accepted = [o for o in taken if o["state"] == "accepted"]
    assert [o["program"] for o in accepted] == ["bebe_seguro"]
    assert accepted[0]["decided_where"] == f"office:{world.office_id}"

"""The data-rights desk in chromium, as a clerk and a supervisor use it: receiving a request from
the person's page (refused without the identity document), the printable copy of the data, the
delivery, and a cancellation decided by the supervisor; every page passes axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.builders import born_in, person_payload
from tests.conftest import unique_suffix
from tests.web.a11y import violations
from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-rights")


def _shot(page: Any, backend: str, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{backend}-{name}.png"), full_page=True)


def test_a_clerk_receives_and_answers_an_access_request(  # type: ignore[no-untyped-def]
        page, world, clerk: httpx.Client, backend: str) -> None:
    made = clerk.post("/persons", json=person_payload(unique_suffix(), birth_date=born_in(1968),
                                                      phone="5544332211"))
    assert made.status_code == 201, made.text
    person = made.json()
    sign_in(page, world.clerk, world.password)
    page.goto(f"/office/persons/{person['id']}?purpose=attention")
    page.get_by_role("link", name="Solicitud de derechos ARCO").click()
    assert page.get_by_role("heading", name="Recibir una solicitud de derechos ARCO").is_visible()
    page.get_by_label("Derecho que ejerce la persona").select_option("access")
    page.get_by_role("button", name="Recibir la solicitud").click()
    assert page.get_by_text("No se comprobó la identidad de la persona").is_visible()
    assert violations(page) == []
    _shot(page, backend, "1-identity-refused")
    page.get_by_label("Identificación que viste").select_option("voter_card")
    page.get_by_role("button", name="Recibir la solicitud").click()
    status = page.get_by_role("status")
    assert "Solicitud recibida" in status.inner_text()
    folio = page.locator("h1 .folio").inner_text()
    assert folio.startswith("RA-")
    assert violations(page) == []
    _shot(page, backend, "2-request")
    page.get_by_role("link", name="Copia imprimible de los datos").click()
    assert page.get_by_role("heading", name="Tus datos en Red Ángel").is_visible()
    for held in (person["curp"], "5544332211", "Quién consultó tus datos y por qué"):
        assert held in page.content()
    assert violations(page) == []
    _shot(page, backend, "3-access-copy")
    page.emulate_media(media="print")
    _shot(page, backend, "4-access-print")
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Volver a la solicitud").click()
    page.get_by_role("button", name="Anotar que la persona recibió sus datos").click()
    assert "Se anotó la respuesta" in page.get_by_role("status").inner_text()
    assert page.get_by_text("La persona recibió sus datos").is_visible()
    page.get_by_role("link", name="Derechos ARCO", exact=True).click()
    assert page.get_by_role("link", name=folio).is_visible()
    assert violations(page) == []
    _shot(page, backend, "5-list")


def test_a_supervisor_blocks_a_record(  # type: ignore[no-untyped-def]
        page, world, clerk: httpx.Client, backend: str) -> None:
    made = clerk.post("/persons", json=person_payload(unique_suffix(), birth_date=born_in(1972)))
    person = made.json()
    sign_in(page, world.supervisor, world.password)
    page.goto(f"/office/rights/new?person={person['id']}")
    page.get_by_label("Derecho que ejerce la persona").select_option("cancellation")
    page.get_by_label("Identificación que viste").select_option("passport")
    page.get_by_role("button", name="Recibir la solicitud").click()
    page.get_by_role("button", name="Bloquear el registro ahora").click()
    assert page.get_by_text("El registro está bloqueado; se borrará").is_visible()
    assert violations(page) == []
    _shot(page, backend, "6-blocked")
    answer = page.goto(f"/office/persons/{person['id']}?purpose=attention")
    assert answer is not None and answer.status == 404

"""The call center's console: the operator asks three stated questions and sees nothing until
all match (the same refusal for any wrong answer); the lookup is audited with the channel
`call_center`, and the caller's rating is recorded once; the operator opens no other page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from redangel.auth import service as auth
from tests.conftest import unique_suffix
from tests.program.helpers import approve, folio_of, new_person
from tests.web.a11y import violations

pytestmark = pytest.mark.browser


@pytest.fixture
def operator(sessions: Any, world: Any) -> str:
    username = f"call-{unique_suffix().lower()}"
    with sessions() as session:
        auth.create_user(session, username=username, password=world.password, role="call_center",
                         display_name="Operador", office_id=None)
        session.commit()
    return username


def ask(page: Any, folio: str, born: str, surname: str) -> None:
    page.get_by_label("1. ¿Cuál es el folio impreso en su comprobante?").fill(folio)
    page.get_by_label("2. ¿Cuál es la fecha de nacimiento de quien hizo la solicitud?").fill(born)
    page.get_by_label("3. ¿Cuál es el primer apellido de quien hizo la solicitud?").fill(surname)
    page.get_by_role("button", name="Comprobar las respuestas").click()


def test_identity_first_then_status_and_rating(page: Any, world: Any, operator: str,
                                               clerk: httpx.Client, supervisor: httpx.Client,
                                               sessions: Any, screenshot: Any) -> None:
    person = new_person(clerk)
    folio = folio_of(clerk, person["id"], "comedores_comunitarios")
    approve(supervisor, folio)
    page.goto("/office/login")
    page.get_by_label("Usuario").fill(operator)
    page.get_by_label("Contraseña").fill(world.password)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/office/call")
    ask(page, folio, person["birth_date"], "Otro")
    refused = page.locator("#refused").inner_text()
    assert page.locator("#status").count() == 0
    ask(page, folio, "1901-01-01", person["first_surname"])
    assert page.locator("#refused").inner_text() == refused
    ask(page, folio, person["birth_date"], person["first_surname"].upper().replace("Á", "A"))
    assert page.locator("#status-words").inner_text().startswith("Aprobada")
    screenshot(page, "office-call-center")
    assert violations(page) == []
    page.get_by_label("Bien", exact=True).check()
    page.get_by_role("button", name="Registrar la calificación").click()
    assert page.locator("#notice").is_visible()
    with sessions() as session:
        channels = [e.detail.get("channel") for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "application.folio",
                                     AuditEvent.actor_role == "call_center"))
                    if e.detail.get("folio") == folio]
    assert channels and set(channels) == {"call_center"}
    assert page.goto(f"/office/persons/{person['id']}").status == 403
    assert page.goto("/office/persons/new").status == 403

"""Cards at the desk: the page, the desk agent and the real PC/SC stack; errors in words; reports."""

from __future__ import annotations

import httpx
import pytest

from tests.builders import person_payload
from tests.conftest import unique_suffix
from tests.web.a11y import violations
from tests.web.conftest import sign_in
from tests.web.desk_fixtures import Desk, desk_fixture, pcscd  # noqa: F401
from tests.web.office_steps import issue_card, open_person

pytestmark = [pytest.mark.browser, pytest.mark.pcsc]


@pytest.fixture
def holder(clerk: httpx.Client) -> dict:
    return dict(clerk.post("/persons", json=person_payload(unique_suffix())).json())


def active_cards(clerk: httpx.Client, person_id: str) -> list[str]:
    return [c["serial"] for c in clerk.get(f"/persons/{person_id}/cards").json() if c["status"] == "active"]


class TestIssueAtTheDesk:
    def test_a_virtual_card_is_issued_through_the_page_and_the_agent(  # type: ignore[no-untyped-def]
            self, page, world, desk: Desk, holder, clerk: httpx.Client, screenshot) -> None:
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{holder['id']}/card")
        page.get_by_text("No hay tarjeta en el lector").wait_for()
        assert world.clerk in page.locator("#agent-status").inner_text()
        desk.slot.insert()
        page.get_by_text("Hay una tarjeta en el lector.").wait_for()
        serial = issue_card(page, holder["id"], "2580")
        assert active_cards(clerk, holder["id"]) == [serial]
        steps = page.locator("#issue-steps li")
        assert steps.count() == 4 and all(c == "done" for c in
                                          (steps.nth(i).get_attribute("class") for i in range(4)))
        slip = page.locator(".slip").inner_text()
        assert serial in slip and "Comprobante de entrega de tarjeta" in slip
        puk = page.locator("#slip-puk").inner_text()
        assert len(puk) == 8 and puk.isdigit()
        assert "2580" not in page.content()
        assert desk.slot.card is not None and desk.slot.card.memory.pin == b"2580"
        screenshot(page, "office-card-issue")
        assert violations(page) == []

    def test_a_card_pulled_away_is_said_in_words_then_issued(  # type: ignore[no-untyped-def]
            self, page, world, desk: Desk, holder, clerk: httpx.Client) -> None:
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{holder['id']}/card")
        desk.slot.insert(remove_after=5)
        page.get_by_text("Hay una tarjeta en el lector.").wait_for()
        page.get_by_label("NIP", exact=True).fill("1357")
        page.get_by_label("Repita el NIP").fill("1357")
        page.locator("#issue-button").click()
        error = page.locator("#issue-error")
        error.wait_for()
        assert error.inner_text() == ("La tarjeta no se emitió. Retiró la tarjeta antes de tiempo. "
                                      "No se activó nada; vuelva a intentarlo.")
        assert page.locator("#issue-steps li.failed").count() == 1
        assert active_cards(clerk, holder["id"]) == []
        desk.slot.reinsert()
        serial = issue_card(page, holder["id"], "1357")
        assert active_cards(clerk, holder["id"]) == [serial]

    def test_different_pins_are_refused_on_the_page(self, page, world, desk: Desk, holder) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{holder['id']}/card")
        page.get_by_text("El lector de tarjetas está listo").wait_for()
        page.get_by_label("NIP", exact=True).fill("1357")
        page.get_by_label("Repita el NIP").fill("1358")
        page.locator("#issue-button").click()
        assert page.locator("#issue-error").inner_text() == "Los dos NIP deben ser iguales, de 4 a 6 dígitos."
        assert desk.agent.job is None

    def test_without_the_agent_the_page_says_so(self, page, world, holder) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{holder['id']}/card")
        page.get_by_text("El programa del lector de tarjetas no está funcionando").wait_for()


class TestReport:
    def test_a_lost_card_is_reported_from_the_record(  # type: ignore[no-untyped-def]
            self, page, world, desk: Desk, holder, clerk: httpx.Client) -> None:
        sign_in(page, world.clerk, world.password)
        desk.slot.insert()
        serial = issue_card(page, holder["id"], "2468")
        open_person(page, holder["id"], "Emisión, reposición o reporte de tarjeta")
        card = page.locator("section[aria-labelledby=card-title]")
        assert serial in card.inner_text() and "Activa" in card.inner_text()
        card.get_by_label("Extravío").check()
        card.get_by_role("button", name="Reportar la tarjeta").click()
        assert "La tarjeta quedó reportada" in page.get_by_role("status").first.inner_text()
        assert "Reportada como extraviada" in page.locator("section[aria-labelledby=card-title]").inner_text()
        statuses = {c["serial"]: c["status"] for c in clerk.get(f"/persons/{holder['id']}/cards").json()}
        assert statuses[serial] == "lost"
        assert page.get_by_role("link", name="Emitir tarjeta").is_visible()

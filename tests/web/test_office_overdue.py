"""The supervisor's overdue list: most late first, linked to the persons; clerks are refused."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from redangel.common.clock import city_today
from redangel.program.models import Application
from tests.builders import person_payload
from tests.conftest import unique_suffix
from tests.web.a11y import violations
from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def late(clerk: httpx.Client, sessions) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Three applications of the office, 2, 11 and 6 days past their expected decision."""
    folios = {}
    for days, program in ((2, "comedores_comunitarios"), (11, "servicios_medicos_gratuitos"),
                          (6, "seguro_desempleo")):
        person = clerk.post("/persons", json=person_payload(unique_suffix())).json()
        folio = clerk.post("/applications",
                           json={"person_id": person["id"], "program": program}).json()["folio"]
        with sessions() as session:
            session.execute(update(Application).where(Application.folio == folio)
                            .values(expected_decision_on=city_today() - timedelta(days=days)))
            session.commit()
        folios[folio] = days
    return folios


class TestOverdue:
    def test_the_supervisor_sees_the_latest_first(self, page, world, late, screenshot) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.supervisor, world.password)
        page.get_by_role("link", name="Solicitudes vencidas").click()
        assert page.get_by_role("heading", name="Solicitudes vencidas").is_visible()
        rows = page.locator("#overdue tbody tr")
        shown = [(row.locator("td.folio").inner_text(), int(row.locator("td").first.inner_text()))
                 for row in rows.all()]
        days = [d for _, d in shown]
        assert days == sorted(days, reverse=True)
        mine = [f for f, _ in shown if f in late]
        assert mine == sorted(late, key=lambda f: -late[f])
        assert dict(shown)[mine[0]] == 11
        row = rows.filter(has_text=mine[0])
        row.get_by_role("link").click()
        assert page.get_by_label("Supervisión del trabajo del módulo").is_checked()
        page.go_back()
        screenshot(page, "office-overdue")
        assert violations(page) == []

    def test_a_clerk_is_refused_in_words(self, page, world, late) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        assert page.get_by_role("link", name="Solicitudes vencidas").count() == 0
        answer = page.goto("/office/overdue")
        assert answer is not None and answer.status == 403
        assert page.get_by_role("heading", name="No permitido").is_visible()
        assert page.get_by_text("Su función no permite esta acción.").is_visible()

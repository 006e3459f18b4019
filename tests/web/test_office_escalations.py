"""Each level sees its escalated requests: the supervisor on the office's queue, the city's
coordination unit on its own page (without personal data, and no other page of the console)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from redangel.auth import service as auth
from redangel.program import deadlines, escalation, escalation_rules
from tests.conftest import unique_suffix
from tests.program.test_escalation import late
from tests.web.a11y import violations
from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def coordinator(sessions: Any, world: Any) -> str:
    username = f"coord-{unique_suffix().lower()}"
    with sessions() as session:
        auth.create_user(session, username=username, password=world.password, role="coordinator",
                         display_name="Unidad de coordinación", office_id=None)
        session.commit()
    return username


def climb(sessions: Any, settings: Any, app: Any, runs: int) -> None:
    chain = escalation_rules.load(settings.catalog_path)
    for _ in range(runs):
        with sessions() as session:
            escalation.run(session, chain=chain,
                           now=deadlines.breached_at(app.expected_decision_on) + timedelta(hours=500))
            session.commit()


class TestEscalationPages:
    def test_the_supervisor_then_the_coordination_unit(
            self, page: Any, browser: Any, live: Any, world: Any, clerk: httpx.Client,
            sessions: Any, settings: Any, coordinator: str, screenshot: Any) -> None:
        folio, app = late(clerk, sessions, days=9)
        climb(sessions, settings, app, 1)
        sign_in(page, world.supervisor, world.password)
        page.goto("/office/queue")
        row = page.locator("#queue-escalated tr", has=page.get_by_role("link", name=folio))
        assert "La supervisión del módulo" in row.locator("td.level").inner_text()
        screenshot(page, "office-queue-escalated")
        assert violations(page) == []

        climb(sessions, settings, app, 2)
        other = browser.new_context(base_url=live.url, locale="es-MX")
        coord = other.new_page()
        coord.goto("/office/login")
        coord.get_by_label("Usuario").fill(coordinator)
        coord.get_by_label("Contraseña").fill(world.password)
        coord.get_by_role("button", name="Entrar").click()
        coord.wait_for_url("**/office/escalations")
        mine = coord.locator("#queue-escalated tr", has_text=folio)
        assert "La unidad de coordinación" in mine.locator("td.level").inner_text()
        assert "Secretaría de Desarrollo Social" in mine.inner_text()
        screenshot(coord, "office-coordination")
        assert violations(coord) == []
        # The coordination unit sees no person: the rest of the console is closed to it.
        assert coord.goto(f"/office/applications/{folio}").status == 403
        assert coord.goto("/office/persons/new").status == 403
        other.close()
        assert page.goto("/office/escalations").status == 403  # a supervisor is not the unit

"""The supervisor's home: the office's open applications, overdue first, then at risk, then the
rest, with a count for each; clerks are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
GROUPS = ("overdue", "at_risk", "on_track")


def counts(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The three counts at the top of the queue."""
    return {g: int(page.locator(f"#count-{g}").inner_text()) for g in GROUPS}


def folios(page, group: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The folios listed in one group, in the page's order."""
    return [c.inner_text() for c in page.locator(f"#queue-{group} td.folio").all()]


@pytest.fixture
def made(clerk: httpx.Client, sessions):  # type: ignore[no-untyped-def]
    """Returns a maker of open applications with a given submission age and days to the
    expected decision (negative: past it)."""
    def make(submitted_days_ago: int, due_in: int) -> str:
        person = clerk.post("/persons", json=person_payload(unique_suffix())).json()
        folio = clerk.post("/applications", json={
            "person_id": person["id"], "program": "comedores_comunitarios"}).json()["folio"]
        with sessions() as session:
            session.execute(update(Application).where(Application.folio == folio).values(
                submitted_at=datetime.now(UTC) - timedelta(days=submitted_days_ago),
                expected_decision_on=city_today() + timedelta(days=due_in)))
            session.commit()
        return str(folio)

    return make


class TestQueue:
    def test_overdue_first_then_at_risk_then_the_rest_with_counts(  # type: ignore[no-untyped-def]
            self, page, world, made, screenshot) -> None:
        sign_in(page, world.supervisor, world.password)
        page.get_by_role("link", name="Pendientes del módulo").click()
        before = counts(page)
        late_3, late_11 = made(8, -3), made(20, -11)
        at_risk = made(9, 2)  # 11 days promised, 2 left: under a quarter
        due_today = made(5, 0)  # on its last day: at risk, not overdue
        on_time, fresh = made(3, 2), made(0, 5)  # 5 promised, 2 left: more than a quarter
        page.reload()
        assert counts(page) == {"overdue": before["overdue"] + 2,
                                "at_risk": before["at_risk"] + 2,
                                "on_track": before["on_track"] + 2}
        headings = [h.inner_text() for h in page.locator("section h2").all()]
        assert [h.split(" (")[0] for h in headings[1:]] == ["Vencidas", "En riesgo", "A tiempo",
                                                           "Escaladas en la cadena de mando"]
        overdue = folios(page, "overdue")
        assert overdue.index(late_11) < overdue.index(late_3)
        days = [int(d.inner_text()) for d in page.locator("#queue-overdue td.days").all()]
        assert days == sorted(days, reverse=True)
        assert days[overdue.index(late_11)] == 11
        risky = folios(page, "at_risk")
        assert risky.index(due_today) < risky.index(at_risk)
        assert on_time in folios(page, "on_track")  # the soonest due of its group: listed
        assert not {on_time, fresh} & set(overdue + risky)
        screenshot(page, "office-queue")
        assert violations(page) == []
        page.locator("#queue-at_risk").get_by_role("link", name=at_risk).click()
        page.wait_for_url(f"**/office/applications/{at_risk}")

    def test_a_clerk_is_refused_in_words(self, page, world) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        assert page.get_by_role("link", name="Pendientes del módulo").count() == 0
        answer = page.goto("/office/queue")
        assert answer is not None and answer.status == 403
        assert page.get_by_text("Su función no permite esta acción.").is_visible()


class TestSupervisorHome:
    def test_the_home_counts_the_queue_above_the_search(  # type: ignore[no-untyped-def]
            self, page, world, made, screenshot) -> None:
        sign_in(page, world.supervisor, world.password)
        home = {g: int(page.locator(f"#home-count-{g}").inner_text()) for g in GROUPS}
        made(20, -11)
        made(9, 2)
        page.reload()
        after = {g: int(page.locator(f"#home-count-{g}").inner_text()) for g in GROUPS}
        assert after == {"overdue": home["overdue"] + 1, "at_risk": home["at_risk"] + 1,
                         "on_track": home["on_track"]}
        queue_box = page.locator("#home-queue").bounding_box()
        search_box = page.get_by_label("CURP, nombre o folio").bounding_box()
        assert queue_box and search_box and queue_box["y"] < search_box["y"]
        screenshot(page, "office-supervisor-home")
        assert violations(page) == []
        page.get_by_role("link", name="Ver todas las solicitudes abiertas").click()
        page.wait_for_url("**/office/queue")
        assert counts(page) == after  # the same rule, the same numbers

    def test_a_clerks_home_has_no_queue(self, page, world) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        assert page.get_by_role("heading", name="Buscar persona").is_visible()
        assert page.locator("#home-queue").count() == 0

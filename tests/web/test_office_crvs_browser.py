"""A data steward in chromium reviews the civil registry's events with the keyboard: opens the
list from the navigation, names the person a waiting death is about with key 1, closes a birth
of a mother nobody registered with key X; axe finds nothing on the list, the event or the result."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from redangel.common.clock import city_today
from redangel.crvs import simulator
from redangel.person import curp as curp_rules
from tests.builders import PASSWORD
from tests.crvs.helpers import acked, newborn, person, register, send
from tests.web.a11y import violations
from tests.web.test_office_crvs import a_day_in_the_sixties, event_id, new_steward, stored


def test_steward_reviews_events_with_the_keyboard(  # type: ignore[no-untyped-def]
        page: Any, live, clerk: httpx.Client, sessions, screenshot) -> None:
    registry = register(sessions)
    born = a_day_in_the_sixties()
    someone = person(clerk, with_curp=False, sex="H", given_names="Juan Carlos",
                     birth_date=born.isoformat())
    curp = curp_rules.build(given_names="Juan Carlos", first_surname=someone["first_surname"],
                            second_surname=someone["second_surname"], birth_date=born, sex="H",
                            birth_state="DF", homonymy="0")
    death_ref, birth_ref = str(uuid.uuid4()), str(uuid.uuid4())
    stranger = simulator.child_curp(given="Lía", first="Nadie", second="Nunca", sex="M",
                                    born=city_today() - timedelta(days=9200))
    acked(send(live.url, registry, [
        simulator.death(reference_id=death_ref, curp=curp, at=datetime.now(UTC),
                        died_on=city_today() - timedelta(days=4)),
        newborn(stranger, ref=birth_ref)[0]]))
    death, birth = event_id(sessions, registry, death_ref), event_id(sessions, registry, birth_ref)

    page.goto("/office/login")
    page.get_by_label("Usuario").fill(new_steward(sessions))
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r".*/office/rolls$"))
    page.get_by_role("link", name="Eventos del registro civil").click()
    page.wait_for_selector("#crvs-events")
    assert page.locator(f'tr[data-event="{death}"]').count() == 1
    assert violations(page) == []
    screenshot(page, "crvs-events")

    page.goto(f"/office/crvs/{death}")
    page.wait_for_selector("#candidate-1")
    assert page.evaluate("document.activeElement.id") == "choose-1"
    assert someone["id"] in (page.text_content("#candidate-1") or "")
    assert violations(page) == []
    screenshot(page, "crvs-event")
    page.keyboard.press("1")
    page.wait_for_selector("#confirm-form")
    assert page.evaluate("document.activeElement.id") == "confirm-choice"
    assert violations(page) == []
    page.keyboard.press("Escape")  # chooses again: nothing was done
    page.wait_for_selector("#choose-1")
    assert stored(sessions, death).state == "waiting"
    page.keyboard.press("1")
    page.wait_for_selector("#confirm-form")
    screenshot(page, "crvs-event-confirm")
    page.keyboard.press("Enter")
    page.wait_for_selector("#review-done")
    assert "Procesado" in (page.text_content("#review-done") or "")
    assert violations(page) == []
    assert stored(sessions, death).state == "processed"

    page.goto(f"/office/crvs/{birth}")
    page.wait_for_selector("#nobody-form")
    assert page.locator("#no-candidates").count() == 1
    page.get_by_label("Una CURP o el identificador de un registro").fill("N")  # typing is not a key
    assert stored(sessions, birth).state == "needs_review"
    page.get_by_label("Una CURP o el identificador de un registro").fill("")
    page.locator("h1").click()
    page.keyboard.press("x")
    page.wait_for_selector("#review-done")
    assert violations(page) == []
    screenshot(page, "crvs-event-closed")
    after = stored(sessions, birth)
    assert (after.state, after.reason) == ("rejected", "not_in_registry")

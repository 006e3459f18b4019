"""The whole journey, as the people live it, in two real browsers and through the real PC/SC stack.

At the office a clerk signs in, registers a household of three, runs "birth of a child" for the
mother, applies for the bundle, prints the receipt and issues her a card on the desk's reader.
The same card (its memory) is then tapped at a kiosk across town: the mother types her PIN on the
screen, sees the applications the clerk just made, takes the card away, and the screen is
cleared — nothing of hers is left in the page, the history or the storage.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.card_reader.fixtures import CardSlot
from tests.conftest import LiveServer, unique_suffix
from tests.web.conftest import sign_in
from tests.web.desk_fixtures import Desk, desk_fixture, pcscd  # noqa: F401
from tests.web.kiosk_steps import (
    KIOSK_PORT,
    enter_pin,
    remove_and_wait_idle,
    setup_kiosk,
    start_kiosk_agent,
    tap_and_wait,
    wait_for_tiles,
)
from tests.web.office_steps import enroll_household, family_of_three, issue_card, run_birth_of_child

pytestmark = [pytest.mark.browser, pytest.mark.pcsc]
PIN = "5790"


def test_a_mother_is_served_at_the_office_and_follows_up_at_a_kiosk(  # type: ignore[no-untyped-def]
        page, kiosk_page, world, desk: Desk, clerk: httpx.Client, live: LiveServer,
        settings: Any, screenshot) -> None:
    # --- at the office ---
    mother, father, baby = family_of_three(unique_suffix())
    sign_in(page, world.clerk, world.password)
    household = enroll_household(page, [mother, father, baby])
    assert household.people[mother.full_name] == household.head
    folios = run_birth_of_child(page, household.head, baby.birth_date)
    assert len(folios) >= 2
    receipt = page.locator(".receipt")
    for folio in folios:
        assert clerk.get(f"/applications/{folio}").json()["person_id"] == household.head
        expect(receipt).to_contain_text(folio)
    expect(receipt).to_contain_text(mother.full_name)
    page.emulate_media(media="print")  # what the citizen takes home
    screenshot(page, "journey-receipt-print")
    page.emulate_media(media="screen")

    desk.slot.insert()
    serial = issue_card(page, household.head, PIN)
    screenshot(page, "journey-card-issued")
    card = desk.slot.card
    assert card is not None
    desk.slot.remove()
    active = [c["serial"] for c in clerk.get(f"/persons/{household.head}/cards").json()
              if c["status"] == "active"]
    assert active == [serial]

    # --- at a kiosk, with the same card ---
    kiosk_slot = CardSlot(KIOSK_PORT)
    agent = start_kiosk_agent(live, settings, world.kiosk_token)
    try:
        setup_kiosk(kiosk_page, world.kiosk_token)
        tap_and_wait(kiosk_page, kiosk_slot, card.applet)
        assert mother.first_surname not in kiosk_page.content()  # nothing personal before the PIN
        enter_pin(kiosk_page, PIN)
        wait_for_tiles(kiosk_page)
        expect(kiosk_page.get_by_role("heading", name=re.compile("^Hola, "))).to_have_text(
            f"Hola, {mother.given_names}")
        kiosk_page.get_by_role("link", name="Mis solicitudes").click()
        for folio in folios:
            expect(kiosk_page.locator(".kiosk-list li", has_text=folio)).to_contain_text(
                "Recibida; respuesta esperada el")
        screenshot(kiosk_page, "journey-kiosk-applications")

        remove_and_wait_idle(kiosk_page, kiosk_slot)
        screenshot(kiosk_page, "journey-kiosk-cleared")
        for trace in (mother.given_names, mother.first_surname, *folios):
            assert trace not in kiosk_page.content()
        kiosk_page.go_back()
        kiosk_page.wait_for_load_state()
        for trace in (mother.first_surname, *folios):
            assert trace not in kiosk_page.content()
        stored = kiosk_page.evaluate("() => localStorage.length + sessionStorage.length")
        assert stored == 0
    finally:
        kiosk_slot.remove()
        agent.stop()

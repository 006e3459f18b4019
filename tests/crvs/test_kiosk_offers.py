"""The card holder at the kiosk, PIN proven, sees the offers a civil registry's news opened and
says yes there; a sensitive program is never named on that public screen."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.crvs import simulator
from redangel.crvs.models import ProactiveOffer
from tests.conftest import LiveServer
from tests.crvs.helpers import acked, household, newborn, person, register, send
from tests.program.test_kiosk_privacy import _card_session


@pytest.fixture(scope="module")
def registry(sessions: Any, live: LiveServer) -> simulator.CivilRegistry:
    return register(sessions)


def test_the_card_holder_accepts_at_the_kiosk_and_never_sees_a_sensitive_offer(
    live: LiveServer, sessions: Any, world: Any, clerk: httpx.Client,
    registry: simulator.CivilRegistry,
) -> None:
    mother = person(clerk, birth_date="1995-06-07")
    household(clerk, [(mother["id"], "head")])
    acked(send(live.url, registry, [newborn(mother["curp"], ref=str(uuid.uuid4()))[0]]))
    with sessions() as session:  # an offer of a sensitive program, as a later event could make
        first = session.scalars(select(ProactiveOffer).where(
            ProactiveOffer.person_id == uuid.UUID(mother["id"]))).first()
        assert first is not None
        session.add(ProactiveOffer(id=uuid.uuid4(), event_id=first.event_id,
                                   person_id=first.person_id, program_code="seguro_violencia_familiar",
                                   life_event="birth_of_child", evaluation_id=first.evaluation_id,
                                   office_id=first.office_id, state="offered"))
        session.commit()
    at_desk = {o["program"] for o in clerk.get("/crvs/offers", params={"person_id": mother["id"]}).json()}
    assert "seguro_violencia_familiar" in at_desk  # the test could fail: it is there
    kiosk = _card_session(live, sessions, world, mother["id"])
    shown = kiosk.get("/crvs/offers", params={"open_only": "true"}).json()
    assert "seguro_violencia_familiar" not in {o["program"] for o in shown}
    assert "Violencia" not in str(shown) and shown
    hidden = next(o for o in clerk.get("/crvs/offers", params={"person_id": mother["id"]}).json()
                  if o["program"] == "seguro_violencia_familiar")
    assert kiosk.post(f"/crvs/offers/{hidden['id']}/decision", json={"accept": True}).status_code == 404
    bebe = next(o for o in shown if o["program"] == "bebe_seguro")
    taken = kiosk.post(f"/crvs/offers/{bebe['id']}/decision", json={"accept": True})
    assert taken.status_code == 200, taken.text
    assert taken.json()["decided_where"].startswith("kiosk:") and taken.json()["folio"]
    kiosk.close()

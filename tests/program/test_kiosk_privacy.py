"""A kiosk is a public screen: the catalog's sensitive programs are never named to a card holder
there — not among the programs they might get, nor in their programs, applications or deliveries.
Office staff still see everything."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.auth.models import KioskDevice
from redangel.auth.principal import Principal
from redangel.auth.service import open_kiosk_session
from redangel.common.clock import city_today
from redangel.eligibility import evaluate
from redangel.lifeevent import self_service
from redangel.lifeevent.facts import household_of
from redangel.program.overview import private_programs
from tests.conftest import LiveServer
from tests.program.helpers import agency_client, approve, folio_of, new_person

SENSITIVE = ("seguro_violencia_familiar", "apoyo_discapacidad")
NAMES = ("Seguro contra la violencia familiar", "Insurance against family violence",
         "Apoyo a personas con discapacidad permanente",
         "Support for people with a permanent disability")


@pytest.fixture
def survivor(clerk: httpx.Client) -> dict[str, Any]:
    """A woman leaving family violence who lives with a permanent disability."""
    return new_person(clerk, birth_date="1988-04-12",
                      sensitive={"disability": "permanent", "health_coverage": "none",
                                 "family_violence": True})


def _card_session(live: LiveServer, sessions: Any, world: Any, person_id: str) -> httpx.Client:
    """The card holder's API client at the world's kiosk, PIN proven."""
    with sessions() as session:
        device = session.scalars(select(KioskDevice)).first()
        token, kiosk = open_kiosk_session(session, device=device, person_id=uuid.UUID(person_id),
                                          card_serial=None)
        kiosk.pin_verified = True
        session.commit()
    return httpx.Client(base_url=live.url + "/api/v1", timeout=30,
                        headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def card_holder(live: LiveServer, sessions: Any, world: Any,
                survivor: dict[str, Any]) -> Iterator[httpx.Client]:
    client = _card_session(live, sessions, world, survivor["id"])
    yield client
    client.close()


class TestKioskOverview:
    def test_the_card_holder_sees_no_sensitive_program_the_office_sees_all(  # type: ignore[no-untyped-def]
            self, live, sessions, clerk, supervisor, survivor, card_holder) -> None:
        person = survivor["id"]
        folio_of(clerk, person, "seguro_violencia_familiar")  # open application
        enrollment = approve(supervisor, folio_of(clerk, person, "apoyo_discapacidad"))
        kitchens = folio_of(clerk, person, "comedores_comunitarios")
        dif = agency_client(live, sessions, "dif")
        assert dif.post(f"/enrollments/{enrollment}/deliveries", json={
            "delivered_on": city_today().isoformat(), "kind": "apoyo_mensual"}).status_code == 201
        dif.close()

        office = clerk.get(f"/persons/{person}/overview").text
        assert all(code in office for code in SENSITIVE)  # the test could fail: they are there
        answer = card_holder.get(f"/persons/{person}/overview?purpose=self_service")
        assert answer.status_code == 200, answer.text
        shown = answer.text
        assert [c for c in SENSITIVE if c in shown] == []
        assert [n for n in NAMES if n in shown] == []
        body = answer.json()
        assert [a["folio"] for a in body["open_applications"]] == [kitchens]
        assert body["enrollments"] == [] and body["deliveries"] == []


class TestMightQualify:
    def test_sensitive_programs_are_left_out_of_the_screening(  # type: ignore[no-untyped-def]
            self, live, sessions, survivor) -> None:
        catalog = live.app.state.catalog
        person_id = uuid.UUID(survivor["id"])
        principal = Principal(kind="kiosk", id=str(uuid.uuid4()), role="citizen",
                              person_id=person_id, pin_verified=True)
        with sessions() as session:
            person, household = household_of(session, keyring=live.app.state.keyring,
                                             person_id=person_id)
            plain = evaluate(catalog, event_code=None, person=person, household=household,
                             answers={}, as_of=city_today())
            eligible = {r.program for r in plain.results if r.verdict == "eligible"}
            assert set(SENSITIVE) <= eligible  # the engine finds them; the kiosk must not say so
            found = self_service.might_qualify(session, catalog=catalog,
                                               keyring=live.app.state.keyring,
                                               principal=principal, person_id=person_id)
            session.rollback()
        codes = [item["program"] for item in found]
        assert "servicios_medicos_gratuitos" in codes
        assert [c for c in SENSITIVE if c in codes] == []
        assert private_programs(catalog) == frozenset(SENSITIVE)


class TestEveryRouteOfTheCardHolder:
    def test_no_route_the_card_holder_reaches_names_a_sensitive_program(  # type: ignore[no-untyped-def]
            self, live, sessions, clerk, supervisor, survivor, card_holder) -> None:
        person = survivor["id"]
        private = folio_of(clerk, person, "seguro_violencia_familiar")  # open application
        enrollment = approve(supervisor, folio_of(clerk, person, "apoyo_discapacidad"))
        kitchens = folio_of(clerk, person, "comedores_comunitarios")
        office = clerk.get(f"/persons/{person}/programs").text
        assert all(code in office for code in SENSITIVE)  # the test could fail: they are there

        programs = card_holder.get(f"/persons/{person}/programs")
        assert programs.status_code == 200, programs.text
        assert [c for c in SENSITIVE if c in programs.text] == []
        assert [n for n in NAMES if n in programs.text] == []
        assert [a["folio"] for a in programs.json()["applications"]] == [kitchens]
        # A folio read off a letter is answered as if it did not exist, like another person's.
        assert card_holder.get(f"/applications/{private}").status_code == 404
        assert card_holder.get(f"/applications/{kitchens}").status_code == 200
        assert card_holder.get(f"/enrollments/{enrollment}").status_code in (403, 404)

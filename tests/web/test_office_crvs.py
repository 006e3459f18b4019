"""The data steward's review of civil registry events over real HTTP: a death that waits for a
person registered without a CURP, and a birth whose mother's name was misspelt, are each run
through the page as a matched event would be (cascade, child, offers); a birth of a mother
nobody registered is closed as nobody, with its reason; a person holding another CURP is refused;
every reading is audited; clerks, analysts and agencies are kept out."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from redangel.auth import service as auth
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.crvs import service as crvs
from redangel.crvs import simulator
from redangel.crvs.models import CrvsEvent
from redangel.errors import Forbidden
from redangel.person import curp as curp_rules
from redangel.person.models import Person
from redangel.program.models import Enrollment
from tests.builders import PASSWORD
from tests.conftest import LiveServer, unique_suffix
from tests.crvs.helpers import acked, enrol, newborn, person, register, send
from tests.program.helpers import agency_client


def signed_in(live: LiveServer, username: str, password: str = PASSWORD) -> httpx.Client:
    """A browser-like client signed in on the office console's form."""
    client = httpx.Client(base_url=live.url, timeout=60)
    page = client.get("/office/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token is not None
    client.post("/office/login", data={"username": username, "password": password,
                                       "login_token": token.group(1), "next": "/office"})
    return client


def csrf(page: httpx.Response) -> str:
    """The page's CSRF token."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text[:500]
    return found.group(1)


def new_steward(sessions: Any) -> str:
    """A data steward's user name (created here)."""
    name = f"steward-{unique_suffix()}"
    with sessions() as session:
        auth.create_user(session, username=name, password=PASSWORD, role="steward",
                         display_name="steward", office_id=None)
        session.commit()
    return name


@pytest.fixture(scope="module")
def registry(sessions: Any, live: LiveServer) -> simulator.CivilRegistry:
    return register(sessions)


@pytest.fixture
def steward_page(live: LiveServer, world: Any, sessions: Any) -> Iterator[httpx.Client]:
    client = signed_in(live, new_steward(sessions))
    yield client
    client.close()


def event_id(sessions: Any, registry: simulator.CivilRegistry, ref: str) -> uuid.UUID:
    """The id of the event a reference was notified under."""
    with sessions() as session:
        row = session.scalar(select(CrvsEvent).where(CrvsEvent.sender_id == registry.sender_id,
                                                     CrvsEvent.reference_id == ref))
        assert row is not None
        return row.id


def stored(sessions: Any, event: uuid.UUID) -> CrvsEvent:
    """The event as stored now."""
    with sessions() as session:
        row = session.get(CrvsEvent, event)
        assert row is not None
        session.expunge(row)
        return row


def a_day_in_the_sixties() -> date:
    return date(1960, 1, 1) + timedelta(days=random.randrange(3650))


def test_a_death_waiting_for_a_person_without_curp_runs_once_the_steward_names_them(
        live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        supervisor: httpx.Client, steward_page: httpx.Client, sessions: Any) -> None:
    born = a_day_in_the_sixties()
    someone = person(clerk, with_curp=False, sex="H", given_names="Juan Carlos",
                     birth_date=born.isoformat())
    enrolled = enrol(clerk, supervisor, someone["id"], "servicios_medicos_gratuitos")
    curp = curp_rules.build(given_names="Juan Carlos", first_surname=someone["first_surname"],
                            second_surname=someone["second_surname"], birth_date=born, sex="H",
                            birth_state="DF", homonymy="0")
    died_on = city_today() - timedelta(days=6)
    ref = str(uuid.uuid4())
    acked(send(live.url, registry, [simulator.death(reference_id=ref, curp=curp, died_on=died_on,
                                                    at=datetime.now(UTC))]))
    event = event_id(sessions, registry, ref)
    assert stored(sessions, event).state == "waiting"

    listed = steward_page.get("/office/crvs")
    assert listed.status_code == 200
    assert f"/office/crvs/{event}" in listed.text
    assert "Esperando un evento anterior" in listed.text
    page = steward_page.get(f"/office/crvs/{event}")
    assert page.status_code == 200, page.text[:800]
    assert curp in page.text and "Defunción" in page.text
    assert someone["id"] in page.text and 'id="choose-1"' in page.text
    assert "Letras del nombre en la CURP" in page.text  # the name compared through the CURP
    confirm = steward_page.get(f"/office/crvs/{event}", params={"choose": someone["id"]})
    assert 'id="confirm-form"' in confirm.text and 'id="choose-1"' not in confirm.text
    assert "Se registrará la defunción de la persona" in confirm.text
    assert f"La CURP {curp} se anotará en el registro de la persona" in confirm.text
    assert stored(sessions, event).state == "waiting"  # nothing happens before the confirmation
    chose = steward_page.post(f"/office/crvs/{event}/person",
                              data={"csrf_token": csrf(confirm), "person_id": someone["id"]})
    assert chose.status_code == 303, chose.text[:800]

    after = stored(sessions, event)
    assert after.state == "processed" and str(after.person_id) == someone["id"]
    assert after.outcome["died_on"] == died_on.isoformat() and after.outcome["chosen_by"]
    with sessions() as session:
        row = session.get(Person, uuid.UUID(someone["id"]))
        assert row is not None and row.deceased_on == died_on and row.curp_index is not None
        ended = session.get(Enrollment, uuid.UUID(enrolled))
        assert ended is not None and ended.status == "exited" and ended.ended_on == died_on
        read = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "crvs.review_candidates",
            AuditEvent.person_id == uuid.UUID(someone["id"]))).all()
        assert read and all(a.purpose == "data_stewardship" for a in read)
    done = steward_page.get(f"/office/crvs/{event}", params={"lang": "en"})
    assert 'id="review-done"' in done.text and "Processed" in done.text
    assert f"/office/crvs/{event}" not in steward_page.get("/office/crvs").text


def test_a_birth_whose_mother_was_misspelt_runs_with_the_mother_the_steward_chooses(
        live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        steward_page: httpx.Client, sessions: Any) -> None:
    mother = person(clerk, with_curp=False, birth_date="1994-02-11")
    described = {"name": {"given_name": mother["given_names"],
                          "surname": f"{mother['first_surname']}/Lopes"},  # López, misspelt
                 "birth_date": mother["birth_date"], "address": [{"sub_region_code": "iztapalapa"}]}
    ref = str(uuid.uuid4())
    birth, child_curp = newborn(None, ref=ref, mother=described)
    acked(send(live.url, registry, [birth]))
    event = event_id(sessions, registry, ref)
    assert (stored(sessions, event).state, stored(sessions, event).reason) == \
        ("needs_review", "mother_not_found")

    page = steward_page.get(f"/office/crvs/{event}", params={"lang": "en"})
    assert page.status_code == 200
    assert "Nobody in the registry matched the mother" in page.text
    assert child_curp in page.text and 'id="event-child"' in page.text
    first = page.text.index('id="candidate-1"')
    assert mother["id"] in page.text[first:first + 4000]
    assert "nearly the same" in page.text  # López and Lopes
    chose = steward_page.post(f"/office/crvs/{event}/person",
                              data={"csrf_token": csrf(page), "person_id": mother["id"]})
    assert chose.status_code == 303
    after = stored(sessions, event)
    assert after.state == "processed", after.reason
    assert after.outcome["mother"] == mother["id"] and after.outcome["household_created"]
    assert after.outcome["offers"]  # the birth's bundle, offered as for a matched birth
    child = clerk.get(f"/persons/{after.person_id}", headers={"X-Purpose": "registration"})
    assert child.status_code == 200 and child.json()["curp"] == child_curp


def test_a_birth_of_a_mother_nobody_registered_is_closed_with_its_reason(
        live: LiveServer, registry: simulator.CivilRegistry, steward_page: httpx.Client,
        sessions: Any) -> None:
    stranger = simulator.child_curp(given="Ana", first="Nadie", second="Nunca", sex="M",
                                    born=city_today() - timedelta(days=9100))
    ref = str(uuid.uuid4())
    acked(send(live.url, registry, [newborn(stranger, ref=ref)[0]]))
    event = event_id(sessions, registry, ref)
    page = steward_page.get(f"/office/crvs/{event}")
    assert "Nadie en el registro coincidió con la madre" in page.text
    assert 'id="nobody-form"' in page.text and "no registra ni a la madre ni al bebé" in page.text

    bad = steward_page.get(f"/office/crvs/{event}", params={"q": "nada", "lang": "en"})
    assert bad.status_code == 422 and "Type a CURP (18 characters)" in bad.text
    nobody = steward_page.get(f"/office/crvs/{event}", params={"q": stranger, "lang": "es"})
    assert nobody.status_code == 200 and 'id="search-none"' in nobody.text

    closed = steward_page.post(f"/office/crvs/{event}/nobody",
                               data={"csrf_token": csrf(page), "reason": "not_in_registry"})
    assert closed.status_code == 303
    after = stored(sessions, event)
    assert (after.state, after.reason) == ("rejected", "not_in_registry")
    assert after.outcome["dismissed_by"] and after.person_id is None
    shown = steward_page.get(f"/office/crvs/{event}", params={"lang": "es"})
    assert 'id="review-done"' in shown.text and "Nadie en el registro es esta persona" not in shown.text
    assert "El administrador de datos dijo que no es nadie del registro" in shown.text
    again = steward_page.post(f"/office/crvs/{event}/nobody",
                              data={"csrf_token": csrf(page), "reason": "not_in_registry"})
    assert again.status_code == 409 and "no está en espera ni pendiente de revisión" in again.text
    with sessions() as session:
        decided = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "crvs.review_dismissed")).all()
        assert any(a.detail.get("event") == str(event) for a in decided)


def test_a_person_holding_another_curp_is_refused_and_the_event_keeps_waiting(
        live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        steward_page: httpx.Client, sessions: Any) -> None:
    other = person(clerk)  # registered with their own CURP
    born = a_day_in_the_sixties()
    curp = simulator.child_curp(given="Rosa", first=f"{unique_suffix()}ruiz", second="Paz",
                                sex="M", born=born, homonymy="0")
    ref = str(uuid.uuid4())
    acked(send(live.url, registry, [simulator.death(reference_id=ref, curp=curp,
                                                    died_on=city_today() - timedelta(days=2),
                                                    at=datetime.now(UTC))]))
    event = event_id(sessions, registry, ref)
    found = steward_page.get(f"/office/crvs/{event}", params={"q": other["curp"]})
    assert found.status_code == 200 and other["id"] in found.text
    assert "encontrada con su búsqueda" in found.text
    refused = steward_page.post(f"/office/crvs/{event}/person",
                                data={"csrf_token": csrf(found), "person_id": other["id"]})
    assert refused.status_code == 409 and 'id="review-error"' in refused.text
    assert "tiene otra CURP que la del registro civil" in refused.text
    assert stored(sessions, event).state == "waiting"
    with sessions() as session:
        row = session.get(Person, uuid.UUID(other["id"]))
        assert row is not None and row.deceased_on is None
    unknown = steward_page.post(f"/office/crvs/{event}/person",
                                data={"csrf_token": csrf(found), "person_id": str(uuid.uuid4())})
    assert unknown.status_code == 404 and 'id="review-error"' in unknown.text
    assert steward_page.post(f"/office/crvs/{event}/nobody", data={
        "csrf_token": csrf(found), "reason": "whatever"}).status_code == 422
    assert stored(sessions, event).state == "waiting"


def test_clerks_analysts_and_agencies_are_kept_out(
        live: LiveServer, world: Any, registry: simulator.CivilRegistry, clerk: httpx.Client,
        sessions: Any) -> None:
    stranger = simulator.child_curp(given="Eva", first="Nadie", second="Jamas", sex="M",
                                    born=city_today() - timedelta(days=9300))
    ref = str(uuid.uuid4())
    acked(send(live.url, registry, [newborn(stranger, ref=ref)[0]]))
    event = event_id(sessions, registry, ref)
    mother = person(clerk)
    for username in (world.clerk, world.analyst):
        client = signed_in(live, username, world.password)
        home = client.get("/office")
        assert "/office/crvs" not in home.text
        assert client.get("/office/crvs").status_code == 403
        assert client.get(f"/office/crvs/{event}").status_code == 403
        token = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
        sent = {"csrf_token": token.group(1) if token else "", "person_id": mother["id"]}
        assert client.post(f"/office/crvs/{event}/person", data=sent).status_code == 403
        assert client.post(f"/office/crvs/{event}/nobody",
                           data={**sent, "reason": "not_in_registry"}).status_code == 403
        client.close()
    agency = agency_client(live, sessions, "sedeso")
    bearer = {"Authorization": agency.headers["Authorization"]}
    with httpx.Client(base_url=live.url, timeout=30, headers=bearer) as outside:
        answer = outside.get(f"/office/crvs/{event}")
        assert answer.status_code == 303 and "/office/login" in answer.headers["location"]
    for principal in (Principal(kind="agency", id="a", role="agency", agency_code="sedeso"),
                      Principal(kind="staff", id="c", role="clerk")):
        with sessions() as session, pytest.raises(Forbidden):
            crvs.review_queue(session, principal=principal)
    row = stored(sessions, event)
    assert row.state == "needs_review" and row.attempts == 1


def test_a_steward_signing_in_to_the_review_lands_on_it(live: LiveServer, sessions: Any) -> None:
    name = new_steward(sessions)
    with httpx.Client(base_url=live.url, timeout=30) as client:
        form = client.get("/office/login")
        token = re.search(r'name="login_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post("/office/login", data={"username": name, "password": PASSWORD,
                                                    "login_token": token.group(1),
                                                    "next": "/office/crvs"})
        assert answer.status_code == 303 and answer.headers["location"] == "/office/crvs"
        listed = client.get("/office/crvs")
        assert listed.status_code == 200 and 'aria-current="page">Eventos del registro civil' in listed.text


def test_leaving_an_event_moves_on_to_the_next_one(
        live: LiveServer, registry: simulator.CivilRegistry, steward_page: httpx.Client,
        sessions: Any) -> None:
    refs = [str(uuid.uuid4()), str(uuid.uuid4())]
    births = [newborn(simulator.child_curp(given="Sol", first="Nadie", second=second, sex="M",
                                           born=city_today() - timedelta(days=9400)), ref=ref)[0]
              for ref, second in zip(refs, ("Antes", "Despues"), strict=True)]
    acked(send(live.url, registry, births))
    first, second = (event_id(sessions, registry, ref) for ref in refs)

    def leave(event: uuid.UUID) -> str:
        page = steward_page.get(f"/office/crvs/{event}")
        found = re.search(r'<a href="([^"]+)" data-key="n" id="leave">', page.text)
        assert found is not None, page.text[-1500:]
        return found.group(1)

    links = {leave(first), leave(second)}
    assert f"/office/crvs/{first}" not in {leave(first)} and f"/office/crvs/{second}" not in {leave(second)}
    assert f"/office/crvs/{second}" in links or f"/office/crvs/{first}" in links  # they are neighbours
    assert stored(sessions, first).state == stored(sessions, second).state == "needs_review"

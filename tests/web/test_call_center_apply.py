"""Applications started from the call center: only after the three stated answers match, only by
an operator, recorded with the channel `call_center`, and the new folio shown to read aloud."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.auth import service as auth
from redangel.program.models import Application
from tests.conftest import LiveServer, unique_suffix
from tests.program.helpers import folio_of, new_person
from tests.web.test_office_attacks import csrf, office

WANTED = "comedores_comunitarios"


@pytest.fixture
def desk(live: LiveServer, world: Any, sessions: Any) -> Iterator[httpx.Client]:
    """A call-center operator at the console."""
    username = f"call-{unique_suffix().lower()}"
    with sessions() as session:
        auth.create_user(session, username=username, password=world.password, role="call_center",
                         display_name="Operador", office_id=None)
        session.commit()
    client = office(live, username, world.password)
    yield client
    client.close()


@pytest.fixture
def counter(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    """The Iztapalapa clerk at the console."""
    client = office(live, world.clerk, world.password)
    yield client
    client.close()


def _caller(clerk: httpx.Client) -> tuple[dict[str, Any], str]:
    person = new_person(clerk)
    return person, folio_of(clerk, person["id"], "seguro_desempleo")


def test_verified_operator_starts_an_application(desk: httpx.Client, clerk: httpx.Client,
                                                 sessions: Any) -> None:
    person, folio = _caller(clerk)
    answers = {"folio": folio, "birth_date": person["birth_date"],
               "surname": person["first_surname"]}
    token = csrf(desk, "/office/call")
    shown = desk.post("/office/call", data={**answers, "csrf_token": token})
    assert shown.status_code == 200
    assert f'value="{WANTED}"' in shown.text
    started = desk.post("/office/call/apply",
                        data={**answers, "program": WANTED, "csrf_token": token})
    assert started.status_code == 201, started.text[:500]
    new = re.search(r'id="started-folio">([^<]+)<', started.text)
    assert new
    with sessions() as session:
        app = session.scalars(select(Application).where(Application.folio == new.group(1))).one()
        assert (app.channel, app.program_code, str(app.person_id)) == (
            "call_center", WANTED, person["id"])
    again = desk.post("/office/call/apply",
                      data={**answers, "program": WANTED, "csrf_token": token})
    assert again.status_code == 422  # no longer offered: the application is open


def test_unverified_or_wrong_role_is_refused(desk: httpx.Client, counter: httpx.Client,
                                            clerk: httpx.Client, sessions: Any) -> None:
    person, folio = _caller(clerk)
    token = csrf(desk, "/office/call")
    wrong = desk.post("/office/call/apply", data={
        "folio": folio, "birth_date": person["birth_date"], "surname": "Otro",
        "program": WANTED, "csrf_token": token})
    assert wrong.status_code == 404
    assert 'id="started-folio"' not in wrong.text
    no_token = desk.post("/office/call/apply", data={
        "folio": folio, "birth_date": person["birth_date"],
        "surname": person["first_surname"], "program": WANTED})
    assert no_token.status_code == 403
    clerk_token = csrf(counter)
    as_clerk = counter.post("/office/call/apply", data={
        "folio": folio, "birth_date": person["birth_date"],
        "surname": person["first_surname"], "program": WANTED, "csrf_token": clerk_token})
    assert as_clerk.status_code == 403
    with sessions() as session:
        assert session.scalars(select(Application).where(
            Application.person_id == uuid.UUID(person["id"]),
            Application.program_code == WANTED)).all() == []

"""Every read, write and denied attempt on a person's data leaves an audit event — with the
person's id and never their data — and the person can see which offices and agencies came by."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from redangel.auth.models import AgencyClient, KioskDevice
from redangel.auth.secrets import token_hash
from redangel.auth.service import open_kiosk_session
from redangel.program.models import Program
from tests.builders import person_payload
from tests.conftest import LiveServer, login, unique_suffix


def events(sessions: Any, person_id: str, after: int = 0) -> list[AuditEvent]:
    """The audit events about one person, oldest first."""
    with sessions() as session:
        return list(session.scalars(
            select(AuditEvent).where(AuditEvent.person_id == uuid.UUID(person_id),
                                     AuditEvent.id > after).order_by(AuditEvent.id)))


def last_id(sessions: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0)


@pytest.fixture
def person(clerk: httpx.Client) -> dict[str, Any]:
    answer = clerk.post("/persons", json=person_payload(unique_suffix()))
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture
def agency(live: LiveServer, world, sessions, person) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    """The first agency's client, with `person` applying to one of its programs."""
    code = f"trail{uuid.uuid4().hex[:8]}"
    with sessions() as session:
        owner = session.scalar(select(AgencyClient.agency_code).where(
            AgencyClient.client_id == world.agency_client_id))
        session.add(Program(code=code, agency_code=owner, name_es="P", name_en="P",
                            expected_days=30, documents=[]))
        session.commit()
    desk = login(live, world.clerk, world.password)
    assert desk.post("/applications", json={"person_id": person["id"], "program": code}).status_code == 201
    desk.close()
    token = httpx.post(f"{live.url}/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": world.agency_client_id,
        "client_secret": world.agency_secret}).json()["access_token"]
    with httpx.Client(base_url=live.url + "/api/v1",
                      headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def test_a_read_is_audited_with_its_purpose_and_no_personal_data(clerk, sessions, person) -> None:  # type: ignore[no-untyped-def]
    mark = last_id(sessions)
    assert clerk.get(f"/persons/{person['id']}", params={"purpose": "follow_up"}).status_code == 200
    [event] = [e for e in events(sessions, person["id"], mark) if e.action == "person.read"]
    assert (event.purpose, event.outcome, event.actor_kind, event.actor_role) == (
        "follow_up", "ok", "staff", "clerk")
    assert event.office_id is not None and event.at is not None
    stored = repr({c.name: getattr(event, c.name) for c in AuditEvent.__table__.columns})
    for value in (person["curp"], person["first_surname"], person["given_names"], person["phone"]):
        assert value not in stored


def test_only_the_card_holder_states_their_own_visit_as_the_purpose(  # type: ignore[no-untyped-def]
        clerk, agency, sessions, person) -> None:
    """A clerk's or an agency's read recorded as the person's own kiosk visit would show in
    their access history as something they did: refused, naming the purposes that fit."""
    mark = last_id(sessions)
    for client, path in ((clerk, f"/persons/{person['id']}"),
                         (clerk, f"/persons/{person['id']}/overview"),
                         (agency, f"/persons/{person['id']}")):
        answer = client.get(path, params={"purpose": "self_service"},
                            headers={"Accept-Language": "es"})
        assert answer.status_code == 422, (path, answer.text)
        [error] = answer.json()["errors"]
        assert error["field"] == "purpose" and "self_service" not in error["reason"]
        assert "attention" in error["reason"] or "program_administration" in error["reason"]
    assert [e for e in events(sessions, person["id"], mark) if e.action == "person.read"] == []
    assert clerk.get(f"/persons/{person['id']}/overview",
                     params={"purpose": "follow_up"}).status_code == 200


def test_writes_are_audited_in_the_same_transaction(clerk, sessions, person) -> None:  # type: ignore[no-untyped-def]
    mark = last_id(sessions)
    etag = clerk.get(f"/persons/{person['id']}").headers["etag"]
    changed = clerk.patch(f"/persons/{person['id']}", json={"phone": "5587654321"},
                          headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    actions = [e.action for e in events(sessions, person["id"], mark)]
    assert "person.update" in actions
    # a write refused for a stale version changes nothing, and records the attempt's outcome
    mark = last_id(sessions)
    stale = clerk.patch(f"/persons/{person['id']}", json={"phone": "5500000000"},
                        headers={"If-Match": etag})
    assert stale.status_code == 412
    assert "person.update" not in [e.action for e in events(sessions, person["id"], mark)]


def test_every_denied_attempt_is_audited(live: LiveServer, world, anon, other_clerk, sessions,  # type: ignore[no-untyped-def]
                                         person) -> None:
    mark = last_id(sessions)
    assert other_clerk.get(f"/persons/{person['id']}").status_code == 404  # other office
    analyst = login(live, world.analyst, world.password)
    assert analyst.get(f"/persons/{person['id']}").status_code == 403  # never a record
    analyst.close()
    assert anon.get(f"/persons/{person['id']}").status_code == 401  # no session: only counted
    denied = [(e.actor_role, e.outcome, e.purpose) for e in events(sessions, person["id"], mark)
              if e.action.startswith("denied:")]
    assert denied == [("clerk", "not_found", "access_attempt"),
                      ("analyst", "forbidden", "access_attempt")]


def test_the_person_sees_which_offices_and_agencies_accessed(  # type: ignore[no-untyped-def]
    clerk, other_clerk, agency, sessions, world, person
) -> None:
    assert agency.get(f"/persons/{person['id']}").status_code == 200
    assert other_clerk.get(f"/persons/{person['id']}").status_code == 404
    staff_view = clerk.get(f"/persons/{person['id']}/accesses")
    assert staff_view.status_code == 200
    with sessions() as session:
        device = session.scalar(select(KioskDevice).where(
            KioskDevice.token_hash == token_hash(world.kiosk_token)))
        token, kiosk = open_kiosk_session(session, device=device, person_id=uuid.UUID(person["id"]),
                                          card_serial=None)
        session.commit()
    citizen = httpx.Client(base_url=str(clerk.base_url), headers={"Authorization": f"Bearer {token}"})
    assert citizen.get(f"/persons/{person['id']}/accesses").status_code == 403  # PIN first
    with sessions() as session:
        session.get(type(kiosk), kiosk.id).pin_verified = True
        session.commit()
    own = citizen.get(f"/persons/{person['id']}/accesses")
    assert own.status_code == 200, own.text
    rows = own.json()
    agencies = {r["agency"] for r in rows if r["agency"]}
    offices = {r["office"] for r in rows if r["office"]}
    assert agencies and all(a.startswith("Agencia ag1") for a in agencies), agencies
    assert "Módulo Iztapalapa" in offices and "Módulo Coyoacán" in offices  # the refused look too
    assert not any(person["curp"] in str(r) for r in rows)
    # someone else's trail stays hidden from this card holder and from any agency
    other = clerk.post("/persons", json=person_payload(unique_suffix())).json()["id"]
    assert citizen.get(f"/persons/{other}/accesses").status_code == 404
    assert agency.get(f"/persons/{person['id']}/accesses").status_code == 403
    citizen.close()

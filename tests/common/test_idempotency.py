"""Idempotency records hold what a replay needs and no personal data: a replay reads the person
again (scoped and audited), another principal never gets the first answer, and old records go."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import routing
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import select, update

from redangel.audit.models import AuditEvent
from redangel.auth.dependencies import FrontDesk
from redangel.config import Settings
from redangel.db import utcnow
from redangel.idempotency.dependencies import Idempotent, idempotency
from redangel.idempotency.models import IdempotencyRecord
from tests.builders import build_world, person_payload
from tests.conftest import ROOT, LiveServer, login, make_settings, migrate, start_server, unique_suffix

# Creating routes that keep no Idempotency-Key, and why a retry does no harm there.
NOT_IDEMPOTENT = {
    "/api/v1/cards/issuances": "a retried issuance is a new pending card; the agent finishes one",
    "/api/v1/kiosk/challenges": "each challenge is a fresh one-time nonce",
    "/api/v1/kiosk/sessions": "the challenge it answers is spent: a retry is refused",
    "/api/v1/life-events/{event_code}/evaluations": "an evaluation stores a computed result, "
                                                     "applying from it is idempotent",
}


def _canary_person() -> dict[str, Any]:
    street = f"Calle Canaria {uuid.uuid4().hex[:10]}"
    phone = "55" + str(uuid.uuid4().int)[:8]
    return person_payload(unique_suffix(), phone=phone,
                          address={"borough": "iztapalapa", "street": street},
                          sensitive={"family_violence": True})


def _record(sessions: Any, key: str) -> IdempotencyRecord | None:
    with sessions() as session:
        return session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))


class TestRecord:
    def test_keeps_the_entity_not_the_body(self, clerk: httpx.Client, sessions: Any) -> None:
        payload, key = _canary_person(), str(uuid.uuid4())
        created = clerk.post("/persons", json=payload, headers={"Idempotency-Key": key})
        assert created.status_code == 201
        record = _record(sessions, key)
        assert record is not None
        assert (record.status_code, record.entity_kind, record.entity_id, record.sealed_body) == (
            201, "person", created.json()["id"], None)
        stored = repr([getattr(record, c.key) for c in IdempotencyRecord.__table__.columns])
        for canary in (payload["curp"], payload["phone"], payload["address"]["street"],
                       "family_violence", payload["first_surname"]):
            assert canary not in stored


class TestReplay:
    def test_rebuilds_the_same_answer_through_an_audited_read(
        self, clerk: httpx.Client, sessions: Any
    ) -> None:
        payload, key = _canary_person(), str(uuid.uuid4())
        first = clerk.post("/persons", json=payload, headers={"Idempotency-Key": key})
        again = clerk.post("/persons", json=payload, headers={"Idempotency-Key": key})
        assert (again.status_code, again.json()) == (first.status_code, first.json())
        assert again.headers["Idempotent-Replay"] == "true"
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Location"] == first.headers["Location"]
        with sessions() as session:
            reads = session.scalars(select(AuditEvent.purpose).where(
                AuditEvent.person_id == uuid.UUID(first.json()["id"]),
                AuditEvent.action == "person.read")).all()
        assert reads == ["registration"]

    def test_another_principal_with_the_same_key_does_not_get_it(
        self, clerk: httpx.Client, other_clerk: httpx.Client
    ) -> None:
        payload, key = _canary_person(), str(uuid.uuid4())
        assert clerk.post("/persons", json=payload, headers={"Idempotency-Key": key}).status_code == 201
        stranger = other_clerk.post("/persons", json=payload, headers={"Idempotency-Key": key})
        assert stranger.status_code == 409 and stranger.json()["code"] == "registered_elsewhere"
        assert payload["phone"] not in stranger.text and payload["curp"] not in stranger.text

    def test_same_key_other_body_is_still_422(self, clerk: httpx.Client) -> None:
        key = str(uuid.uuid4())
        assert clerk.post("/persons", json=_canary_person(),
                          headers={"Idempotency-Key": key}).status_code == 201
        assert clerk.post("/persons", json=_canary_person(),
                          headers={"Idempotency-Key": key}).status_code == 422

    def test_a_household_is_read_again(self, clerk: httpx.Client) -> None:
        person = clerk.post("/persons", json=person_payload(unique_suffix())).json()
        body = {"borough": "iztapalapa",
                "members": [{"person_id": person["id"], "relationship": "head",
                             "since": "2024-01-01"}]}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = clerk.post("/households", json=body, headers=key)
        again = clerk.post("/households", json=body, headers=key)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()


class TestPurge:
    def _age(self, sessions: Any, key: str, hours: float) -> None:
        with sessions() as session:
            session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == key)
                            .values(created_at=utcnow() - timedelta(hours=hours)))
            session.commit()

    def test_a_claim_deletes_the_principals_expired_records(
        self, clerk: httpx.Client, sessions: Any
    ) -> None:
        old, key = str(uuid.uuid4()), str(uuid.uuid4())
        assert clerk.post("/persons", json=_canary_person(),
                          headers={"Idempotency-Key": old}).status_code == 201
        self._age(sessions, old, 25)
        assert clerk.post("/persons", json=_canary_person(),
                          headers={"Idempotency-Key": key}).status_code == 201
        assert _record(sessions, old) is None and _record(sessions, key) is not None

    def test_the_purge_command_deletes_everyones_old_records(
        self, clerk: httpx.Client, sessions: Any, settings: Settings
    ) -> None:
        old, fresh = str(uuid.uuid4()), str(uuid.uuid4())
        for key in (old, fresh):
            assert clerk.post("/persons", json=_canary_person(),
                              headers={"Idempotency-Key": key}).status_code == 201
        self._age(sessions, old, 24.5)
        env = {**os.environ, "REDANGEL_ENVIRONMENT": "test",
               "REDANGEL_DATABASE_URL": settings.effective_database_url,
               "REDANGEL_DATA_DIR": str(settings.data_dir), "REDANGEL_PROJECT_DIR": str(ROOT)}
        done = subprocess.run([sys.executable, "-m", "redangel.cli", "idempotency", "purge"],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
                              check=False)
        assert done.returncode == 0, done.stderr
        assert "idempotency records older than 1 day" in done.stdout
        assert _record(sessions, old) is None and _record(sessions, fresh) is not None


class _Note(BaseModel):
    text: str


def _forgetful(data: _Note, principal: FrontDesk, idem: Idempotent) -> Any:
    """A creating route that claims the key and forgets to remember its answer."""
    idem.claim(data)
    return {"text": data.text}


def _careful(data: _Note, principal: FrontDesk, idem: Idempotent) -> Any:
    """The same route done right."""
    if (replay := idem.claim(data)) is not None:
        return replay.sealed_answer()
    idem.remember(201, body={"text": data.text})
    return {"text": data.text}


def _declares(route: APIRoute) -> bool:
    pending, calls = [route.dependant], []
    while pending:
        dependant = pending.pop()
        calls.append(dependant.call)
        pending.extend(dependant.dependencies)
    return idempotency in calls


class TestDeclared:
    def test_every_creating_route_declares_it(self, live: LiveServer) -> None:
        contexts = routing.iter_route_contexts(live.app.routes)  # type: ignore[attr-defined]
        creating = [(c.path, c.original_route) for c in contexts
                    if isinstance(c.original_route, APIRoute)
                    and "POST" in c.original_route.methods and c.original_route.status_code == 201]
        assert len(creating) >= 10
        undeclared = {path for path, route in creating if not _declares(route)}
        assert undeclared == set(NOT_IDEMPOTENT), (
            "a creating route must declare Idempotent, or say in NOT_IDEMPOTENT why a retry "
            f"does no harm: {sorted(undeclared ^ set(NOT_IDEMPOTENT))}")

    def test_a_route_that_claims_and_forgets_to_remember_is_refused(
        self, fresh_url: str, tmp_path: Any
    ) -> None:
        settings = make_settings(fresh_url, tmp_path)
        migrate(settings)
        server = start_server(settings)
        app: Any = server.app
        app.add_api_route("/api/v1/test-forgetful", _forgetful, methods=["POST"], status_code=201)
        app.add_api_route("/api/v1/test-careful", _careful, methods=["POST"], status_code=201)
        try:
            with app.state.sessionmaker() as session:
                world = build_world(session)
                session.commit()
            clerk = login(server, world.clerk, world.password)
            forgot, kept = str(uuid.uuid4()), str(uuid.uuid4())
            answer = clerk.post("/test-forgetful", json={"text": "a"},
                                headers={"Idempotency-Key": forgot})
            assert answer.status_code == 500
            assert _record(app.state.sessionmaker, forgot) is None  # rolled back, not pending
            # Without a key there is nothing to remember: the route answers.
            assert clerk.post("/test-forgetful", json={"text": "a"}).status_code == 201
            first = clerk.post("/test-careful", json={"text": "b"}, headers={"Idempotency-Key": kept})
            again = clerk.post("/test-careful", json={"text": "b"}, headers={"Idempotency-Key": kept})
            assert first.status_code == again.status_code == 201
            assert again.headers["Idempotent-Replay"] == "true"
            clerk.close()
        finally:
            server.stop()

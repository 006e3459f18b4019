"""The NDJSON roll audits every person it streams: one event per person, committed by the
stream itself (the request's transaction has ended when it starts), one multi-row INSERT per
batch rather than one per person."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from redangel.agency import service
from redangel.audit.models import AuditEvent
from redangel.auth.models import Agency
from redangel.auth.principal import Principal
from redangel.program.models import Program
from tests.conftest import LiveServer
from tests.program.helpers import agency_client, approve, folio_of, new_person

PERSONS = 23
BATCH = 10


@pytest.fixture
def roll(live: LiveServer, sessions: Any, clerk: httpx.Client) -> Iterator[dict[str, Any]]:
    """An agency of its own with one program and PERSONS persons enrolled in it."""
    code = f"roll{random.randrange(16**6):06x}"
    with sessions() as session:
        session.add(Agency(code=code, name_es=f"Agencia {code}", name_en=f"Agency {code}"))
        session.flush()
        session.add(Program(code=code, agency_code=code, name_es="Padrón", name_en="Roll",
                            expected_days=30, documents=[]))
        session.commit()
    agency = agency_client(live, sessions, code)
    persons = set()
    for _ in range(PERSONS):
        person = new_person(clerk)["id"]
        approve(agency, folio_of(clerk, person, code))
        persons.add(person)
    yield {"agency": agency, "program": code, "persons": persons}
    agency.close()


@pytest.fixture
def audit_inserts(live: LiveServer) -> Iterator[list[str]]:
    """The INSERT statements into audit_event the server runs while the test watches."""
    engine = live.app.state.engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_each_person_streamed_is_audited_in_one_insert_per_batch(
    roll: dict[str, Any], sessions: Any, audit_inserts: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service, "EXPORT_BATCH", BATCH)  # the server runs in this process
    with sessions() as session:
        mark = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) or 0
    with roll["agency"].stream("GET", "/agency/roll.ndjson",
                               params={"program": roll["program"]}) as answer:
        assert answer.status_code == 200
        lines = [json.loads(line) for line in answer.iter_lines() if line]
    assert {line["person"]["id"] for line in lines} == roll["persons"]
    with sessions() as session:
        events = session.execute(select(AuditEvent.action, AuditEvent.person_id).where(
            AuditEvent.id > mark, AuditEvent.actor_kind == "agency")).all()
    streamed = [str(p) for a, p in events if a == "agency.roll_person"]
    assert sorted(streamed) == sorted(roll["persons"])  # one each, none missing
    assert ("agency.export_roll", None) in [(a, p) for a, p in events]
    batches = -(-PERSONS // BATCH)
    # the request's own event, then one INSERT per batch of persons (never one per person)
    assert len(audit_inserts) == 1 + batches, audit_inserts


def test_an_unfiltered_roll_audits_its_persons_too(roll: dict[str, Any], sessions: Any) -> None:
    with sessions() as session:
        mark = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) or 0
    answer = roll["agency"].get("/agency/roll.ndjson")
    assert answer.status_code == 200
    with sessions() as session:
        audited = set(session.scalars(select(AuditEvent.person_id).where(
            AuditEvent.id > mark, AuditEvent.action == "agency.roll_person")).all())
    assert {uuid.UUID(p) for p in roll["persons"]} <= audited


def test_a_batch_leaves_only_after_its_audit_is_committed(
    roll: dict[str, Any], sessions: Any, keyring: Any, live: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The batch's audit is committed on another connection while its lines are made; even
    when that commit is slow, every person in a batch handed out is already audited."""
    monkeypatch.setattr(service, "EXPORT_BATCH", BATCH)

    def slow_sessions() -> Any:
        session = sessions()
        commit = session.commit

        def later() -> None:
            time.sleep(0.3)
            commit()

        session.commit = later
        return session

    principal = Principal(kind="agency", id=f"test-{roll['program']}", role="agency",
                          agency_code=roll["program"])
    engine = live.app.state.engine  # type: ignore[attr-defined]
    sent = 0
    for chunk in service.export_roll(engine, sessions=slow_sessions, keyring=keyring,
                                     principal=principal, program=roll["program"], status=None):
        ids = {uuid.UUID(json.loads(line)["person"]["id"]) for line in chunk.splitlines()}
        with sessions() as session:
            audited = set(session.scalars(select(AuditEvent.person_id).where(
                AuditEvent.actor_id == principal.id,
                AuditEvent.action == "agency.roll_person")).all())
        assert ids <= audited
        sent += len(ids)
    assert sent == PERSONS

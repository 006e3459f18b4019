"""The canary: a person with distinctive values (names, CURP, phone, street) goes through every
write path that keeps something of them — registration and an application retried with an
Idempotency-Key, a life-event evaluation, a correction, an outreach call with a note, a note
on the application, a complaint in the person's words, searches, an access request — then is
cancelled and erased by `redangel rights erase-due`. Afterwards no canary string is anywhere in
the SQLite database's files (main file and WAL, indexes included) or in a `pg_dump` of the
PostgreSQL database, while `redangel audit verify` still passes and a second run erases
nothing."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from redangel.common.clock import city_today
from redangel.config import Settings
from redangel.history.models import HistoryEntry
from redangel.idempotency.models import IdempotencyRecord
from redangel.lifeevent.models import Evaluation, OutreachContact
from redangel.person.models import PersonNamePair, PersonNameTerm
from redangel.program.models import Application, ApplicationNote, Complaint
from redangel.rights.models import RightsRequest
from tests.audit.sealing import seal_everything
from tests.audit.test_verify_command import run
from tests.builders import person_payload
from tests.conftest import LiveServer, unique_suffix
from tests.rights.helpers import csrf, office, received, step

PROGRAM = "servicios_medicos_gratuitos"


def _canary() -> dict[str, Any]:
    tag = unique_suffix()
    payload = person_payload(tag, given_names=f"Zyanya{tag}", first_surname=f"Canariox{tag}",
                             second_surname=f"Quetzpalin{tag}", birth_date="1961-04-17",
                             phone="5571938264")
    payload["address"]["street"] = f"Callejon Canarioverde {tag} 7319"
    payload["address"]["colonia"] = f"Colonia Pajarillo{tag}"
    return payload


def _needles(payload: dict[str, Any]) -> set[str]:
    """Every canary string, upper-cased (names are folded), with each name's one-typo variants
    (the name search indexes those too)."""
    names = [payload["given_names"], payload["first_surname"], payload["second_surname"]]
    found = {payload["curp"], payload["phone"], payload["address"]["street"],
             payload["address"]["colonia"], *names}
    for name in names:
        word = name.upper()
        found |= {word[:i] + word[i + 1:] for i in range(len(word))}
    return {needle.upper() for needle in found}


def _database_bytes(settings: Settings) -> bytes:
    """The SQLite files, or a plain `pg_dump` of the PostgreSQL database."""
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    dumped = subprocess.run(["pg_dump", "--no-owner", "--dbname", plain], capture_output=True,
                            timeout=120, check=True)
    return dumped.stdout


def _found(settings: Settings, needles: set[str]) -> set[str]:
    haystack = _database_bytes(settings).upper()
    return {n for n in needles if n.encode() in haystack}


def _remnants(sessions: Any, pid: uuid.UUID) -> dict[str, int]:
    """What is left of the person in the tables that held something of them (the sealed ones
    included, which the byte scan cannot read)."""
    with sessions() as session:
        def count(rows: Any) -> int:
            return int(session.scalar(select(func.count()).select_from(rows)) or 0)

        applications = select(Application.id).where(Application.person_id == pid)
        return {
            "evaluation": count(select(Evaluation).where(Evaluation.person_id == pid).subquery()),
            "outreach_contact": count(select(OutreachContact).where(
                OutreachContact.person_id == pid).subquery()),
            "idempotency_record": count(select(IdempotencyRecord).where(
                IdempotencyRecord.entity_id == str(pid)).subquery()),
            "history_changes": sum(1 for h in session.scalars(select(HistoryEntry).where(
                HistoryEntry.entity_id.in_([pid, *session.scalars(applications)]))) if h.changes),
            "person_name_term": count(select(PersonNameTerm).where(
                PersonNameTerm.person_id == pid).subquery()),
            "person_name_pair": count(select(PersonNamePair).where(
                PersonNamePair.person_id == pid).subquery()),
            "application_note": count(select(ApplicationNote).where(
                ApplicationNote.application_id.in_(applications)).subquery()),
            "complaint_words": count(select(Complaint).where(
                Complaint.person_id == pid, Complaint.text_sealed != b"").subquery()),
        }


def _write_everywhere(live: LiveServer, world: Any, clerk: httpx.Client,
                      payload: dict[str, Any]) -> str:
    made = clerk.post("/persons", json=payload, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert made.status_code == 201, made.text
    pid = str(made.json()["id"])
    applied = clerk.post("/applications", json={"person_id": pid, "program": PROGRAM},
                         headers={"Idempotency-Key": str(uuid.uuid4())})
    assert applied.status_code == 201, applied.text
    evaluated = clerk.post("/life-events/birth_of_child/evaluations",
                           json={"person_id": pid, "answers": {"child_birth_date": "2026-01-10"}})
    assert evaluated.status_code == 201, evaluated.text
    etag = clerk.get(f"/persons/{pid}").headers["etag"]
    fixed = clerk.patch(f"/persons/{pid}", json={"email": "zyanya.canariox@example.org"},
                        headers={"If-Match": etag})
    assert fixed.status_code == 200, fixed.text
    for query in ({"name": payload["first_surname"]}, {"curp": payload["curp"]}):
        assert clerk.post("/persons/search", json=query).json()["items"]
    boss = office(live, world.supervisor, world.password)
    called = boss.post("/office/outreach/contacts", data={
        "csrf_token": csrf(boss), "person_id": pid, "program": PROGRAM, "kind": "call",
        "outcome": "reached", "note": f"Habló {payload['given_names']} al 5571938264",
        "days": "90", "only": ""})
    assert called.status_code == 303, called.text[:500]
    folio = applied.json()["folio"]
    noted = boss.post(f"/office/applications/{folio}/notes", data={
        "csrf_token": csrf(boss), "note": f"Llamamos a {payload['given_names']}"})
    assert noted.status_code == 303, noted.text[:500]
    desk = office(live, world.clerk, world.password)
    complained = desk.post(f"/office/persons/{pid}/complaint", data={
        "csrf_token": csrf(desk), "category": "delay", "agency": "salud",
        "text": f"Soy {payload['given_names']} y nadie me atiende"})
    assert complained.status_code == 303, complained.text[:500]
    access = received(desk, pid, "access")
    copy = desk.get(f"/office/rights/{access}/access.json").json()
    assert payload["curp"] in str(copy)
    assert [c["text"] for c in copy["complaints"]] == [
        f"Soy {payload['given_names']} y nadie me atiende"]
    assert [n["text"] for n in copy["notes"]] == [f"Llamamos a {payload['given_names']}"]
    cancel = received(desk, pid, "cancellation", document="passport")
    assert step(boss, cancel, "block").status_code == 303
    desk.close()
    boss.close()
    return pid


def test_an_erased_person_leaves_no_trace_and_the_audit_still_verifies(  # type: ignore[no-untyped-def]
        live, world, clerk, settings, sessions) -> None:
    payload = _canary()
    needles = _needles(payload)
    pid = _write_everywhere(live, world, clerk, payload)
    before = _found(settings, needles)  # names are in clear until erased: the scan sees them
    assert payload["first_surname"].upper() in before and payload["curp"] not in before

    erased = run(settings, "rights", "erase-due")
    assert erased.returncode == 0, erased.stderr
    assert "cancelled records erased" in erased.stdout and erased.stdout[0] != "0"
    with sessions() as session:
        rows = session.query(RightsRequest).filter(RightsRequest.person_id == uuid.UUID(pid),
                                                   RightsRequest.right == "cancellation").all()
        assert rows[0].erased_at is not None and rows[0].erase_after <= city_today()

    assert _found(settings, needles) == set()
    assert _remnants(sessions, uuid.UUID(pid)) == {"evaluation": 0, "outreach_contact": 0,
                                                   "idempotency_record": 0, "history_changes": 0,
                                                   "person_name_term": 0, "person_name_pair": 0,
                                                   "application_note": 0, "complaint_words": 0}
    seal_everything(sessions)
    verified = run(settings, "audit", "verify")
    assert verified.returncode == 0, verified.stderr + verified.stdout

    again = run(settings, "rights", "erase-due")
    assert again.returncode == 0 and again.stdout.startswith("0 cancelled records erased")
    assert clerk.get(f"/persons/{pid}").status_code == 404

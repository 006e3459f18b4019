"""Merging two records of one person and undoing it, through the API, on both databases."""

from __future__ import annotations

import base64
import os
import random
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from redangel.auth import service as auth
from redangel.auth.principal import SYSTEM
from redangel.card import service as cards
from redangel.linkage import repository, snapshot
from redangel.linkage import service as linkage
from redangel.linkage.models import PersonMerge
from redangel.person.models import Person, PersonNameTerm
from redangel.program.models import ChangeEntry
from tests.builders import PASSWORD
from tests.conftest import LiveServer, login
from tests.program.helpers import agency_client, approve, folio_of, new_person


@pytest.fixture(scope="module")
def steward_name(sessions: Any, world: Any) -> str:
    name = f"steward-{random.randrange(16**6):06x}"
    with sessions() as session:
        auth.create_user(session, username=name, password=PASSWORD, role="steward",
                         display_name="steward", office_id=None)
        session.commit()
    return name


@pytest.fixture
def steward(live: LiveServer, steward_name: str) -> Iterator[httpx.Client]:
    client = login(live, steward_name, PASSWORD)
    yield client
    client.close()


def _card(sessions: Any, keyring: Any, person_id: str) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    with sessions() as session:
        cards.start_issuance(session, keyring=keyring, principal=SYSTEM, person_id=uuid.UUID(person_id),
                             card_public_key=key)
        session.commit()


def _state(sessions: Any, *ids: str) -> dict[str, Any]:
    """Each record's row (but version and change time), name terms, and the rows it holds."""
    out: dict[str, Any] = {}
    with sessions() as session:
        for pid in map(uuid.UUID, ids):
            row = session.get(Person, pid)
            assert row is not None
            dumped = snapshot.dump(row)
            for volatile in ("version", "updated_at"):
                dumped.pop(volatile)
            terms = sorted(session.scalars(
                select(PersonNameTerm.term_id).where(PersonNameTerm.person_id == pid)))
            out[str(pid)] = {"row": dumped, "terms": terms, "held": repository.held_ids(session, pid)}
    return out


@pytest.fixture
def two_records(clerk: httpx.Client, supervisor: httpx.Client, sessions: Any, keyring: Any) -> dict[str, str]:
    """A survivor with a CURP enrolled in a health program; an absorbed record without a CURP
    applying to an employment program, heading a household, with a card being issued."""
    survivor = new_person(clerk)
    absorbed = new_person(clerk, with_curp=False, phone="5599887766")
    approve(supervisor, folio_of(clerk, survivor["id"], "servicios_medicos_gratuitos"))
    folio_of(clerk, absorbed["id"], "seguro_desempleo")
    house = clerk.post("/households", json={"borough": "iztapalapa", "members": [
        {"person_id": absorbed["id"], "relationship": "head", "since": "2020-01-01"}]})
    assert house.status_code == 201, house.text
    _card(sessions, keyring, absorbed["id"])
    return {"survivor": survivor["id"], "absorbed": absorbed["id"],
            "absorbed_surname": absorbed["first_surname"]}


def _merge(client: httpx.Client, pair: dict[str, str], **headers: str) -> httpx.Response:
    return client.post("/merges", json={"survivor_id": pair["survivor"], "absorbed_id": pair["absorbed"],
                                        "reason": "duplicate_registration"}, headers=headers)


def test_merge_moves_everything_and_hides_the_absorbed_record(
        steward: httpx.Client, clerk: httpx.Client, two_records: dict[str, str], sessions: Any,
        live: LiveServer) -> None:
    before = _state(sessions, two_records["absorbed"])[two_records["absorbed"]]["held"]
    search = {"name": two_records["absorbed_surname"]}
    assert [h["id"] for h in clerk.post("/persons/search", json=search).json()["items"]] == [
        two_records["absorbed"]]
    assert before["application"] and before["household_membership"] and before["card"]
    answer = _merge(steward, two_records)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["moved"]["application"] == 1 and body["moved"]["card"] == 1
    assert {"field": "curp", "source": "survivor", "rule": "kept"} in body["fields"]
    after = _state(sessions, two_records["survivor"], two_records["absorbed"])
    left = after[two_records["absorbed"]]["held"]
    assert all(not ids for table, ids in left.items() if table != "history_entry")
    assert len(left["history_entry"]) == 1  # only the merge's own line: "merged into the survivor"
    held = after[two_records["survivor"]]["held"]
    for table, ids in before.items():
        assert set(ids) <= set(held[table]), table
    with sessions() as session:
        absorbed = session.get(Person, uuid.UUID(two_records["absorbed"]))
        assert absorbed is not None and str(absorbed.merged_into_id) == two_records["survivor"]
    # the absorbed record answers no read and no search; the survivor took its newer phone
    gone = clerk.get(f"/persons/{two_records['absorbed']}", params={"purpose": "attention"})
    assert gone.status_code == 404
    found = clerk.post("/persons/search", json=search)
    assert found.status_code == 200 and found.json()["items"] == []
    survivor = clerk.get(f"/persons/{two_records['survivor']}", params={"purpose": "attention"}).json()
    assert survivor["phone"] == "5599887766" or survivor["contact"]["phone"] == "5599887766"
    # the employment agency is told, and the absorbed id reads as the survivor
    styfe = agency_client(live, sessions, "styfe")
    changes = styfe.get("/agency/changes", params={"limit": 500}).json()["changes"]
    moved = [c for c in changes if c["action"] == "person_merged"]
    assert any(c["person_id"] == two_records["survivor"] for c in moved)
    read = styfe.get(f"/agency/persons/{two_records['absorbed']}")
    assert read.status_code == 200, read.text
    assert read.json()["person"]["id"] == two_records["survivor"]


def test_unmerge_restores_both_records_exactly_and_blocks_the_pair(
        steward: httpx.Client, two_records: dict[str, str], sessions: Any) -> None:
    before = _state(sessions, two_records["survivor"], two_records["absorbed"])
    merged = _merge(steward, two_records)
    assert merged.status_code == 201, merged.text
    undone = steward.post(f"/merges/{merged.json()['id']}/unmerge", json={"reason": "different_persons"})
    assert undone.status_code == 200, undone.text
    assert undone.json()["unmerged_at"] is not None
    after = _state(sessions, two_records["survivor"], two_records["absorbed"])
    for pid in before:
        assert after[pid]["row"] == before[pid]["row"]
        assert after[pid]["terms"] == before[pid]["terms"]
        for table, ids in before[pid]["held"].items():
            if table != "history_entry":  # the merge and the unmerge add their own history
                assert after[pid]["held"][table] == ids, table
        assert set(before[pid]["held"]["history_entry"]) <= set(after[pid]["held"]["history_entry"])
    again = _merge(steward, two_records)
    assert again.status_code == 409 and again.json()["code"] == "merge_blocked"
    with sessions() as session:  # and the linkage engine is told never to propose the pair again
        ids = [uuid.UUID(two_records["survivor"]), uuid.UUID(two_records["absorbed"])]
        assert linkage.blocked_pairs(session, ids, prefix="person:") == [
            frozenset(f"person:{i}" for i in ids)]
    twice = steward.post(f"/merges/{merged.json()['id']}/unmerge", json={"reason": "other"})
    assert twice.status_code == 409


def test_a_replayed_merge_answers_the_first_answer_and_merges_once(
        steward: httpx.Client, two_records: dict[str, str], sessions: Any) -> None:
    key = str(uuid.uuid4())
    first = _merge(steward, two_records, **{"Idempotency-Key": key})
    second = _merge(steward, two_records, **{"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    with sessions() as session:
        count = session.scalar(select(func.count()).select_from(PersonMerge).where(
            PersonMerge.absorbed_id == uuid.UUID(two_records["absorbed"])))
    assert count == 1
    without_key = _merge(steward, two_records)
    assert without_key.status_code == 404  # the absorbed record is no longer there to merge


@pytest.mark.parametrize("who", ["clerk", "other_clerk", "supervisor", "agency"])
def test_only_a_steward_merges(who: str, request: pytest.FixtureRequest, two_records: dict[str, str],
                               live: LiveServer, sessions: Any) -> None:
    client = agency_client(live, sessions, "styfe") if who == "agency" else request.getfixturevalue(who)
    answer = _merge(client, two_records)
    assert answer.status_code == 403, answer.text
    with sessions() as session:
        absorbed = session.get(Person, uuid.UUID(two_records["absorbed"]))
        assert absorbed is not None and absorbed.merged_into_id is None


def test_two_records_in_the_same_program_are_refused(
        steward: httpx.Client, clerk: httpx.Client, sessions: Any) -> None:
    a, b = new_person(clerk), new_person(clerk, with_curp=False)
    folio_of(clerk, a["id"], "seguro_desempleo")
    folio_of(clerk, b["id"], "seguro_desempleo")
    answer = _merge(steward, {"survivor": a["id"], "absorbed": b["id"]})
    assert answer.status_code == 409 and answer.json()["code"] == "merge_both_in_program"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ChangeEntry).where(
            ChangeEntry.action == "person_merged", ChangeEntry.person_id == uuid.UUID(a["id"]))) == 0


def test_a_record_is_not_merged_into_itself(steward: httpx.Client, clerk: httpx.Client) -> None:
    a = new_person(clerk)
    answer = _merge(steward, {"survivor": a["id"], "absorbed": a["id"]})
    assert answer.status_code == 409
    assert answer.json()["code"] == "merge_same_record"

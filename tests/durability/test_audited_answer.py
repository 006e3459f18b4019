"""A person's record is shown only once the audit row of that reading is committed.

The database is made to refuse one kind of audit row (a reading for card issuance, a search that
found someone); a read with that purpose, a search by a registered CURP, must fail without
showing the record, and the same read for another purpose, a search that finds nobody, must
answer as always. On PostgreSQL both run on the event loop's own connections. Nothing here is
timed.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.builders import person_payload
from tests.conftest import unique_suffix

REFUSE_PG = (
    "CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit refused by the test'; END $$",
    "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_event FOR EACH ROW "
    "WHEN ((NEW.action = 'person.read' AND NEW.purpose = 'card_issuance') "
    "OR (NEW.action = 'person.search' AND NEW.person_id IS NOT NULL)) "
    "EXECUTE FUNCTION test_refuse_audit()",
)
ALLOW_PG = ("DROP TRIGGER test_refuse_audit ON audit_event", "DROP FUNCTION test_refuse_audit()")
REFUSE_SQLITE = (
    "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_event "
    "WHEN (NEW.action = 'person.read' AND NEW.purpose = 'card_issuance') "
    "OR (NEW.action = 'person.search' AND NEW.person_id IS NOT NULL) "
    "BEGIN SELECT RAISE(ABORT, 'audit refused by the test'); END",
)
ALLOW_SQLITE = ("DROP TRIGGER test_refuse_audit",)


@pytest.fixture
def audit_refused(engine: Engine, backend: str) -> Iterator[None]:
    refuse, allow = (REFUSE_PG, ALLOW_PG) if backend == "postgresql" else (REFUSE_SQLITE, ALLOW_SQLITE)
    with engine.begin() as conn:
        for statement in refuse:
            conn.execute(text(statement))
    try:
        yield
    finally:
        with engine.begin() as conn:
            for statement in allow:
                conn.execute(text(statement))


def test_a_read_whose_audit_row_is_refused_shows_nothing(clerk: httpx.Client, audit_refused: None) -> None:
    suffix = unique_suffix()
    created = clerk.post("/persons", json=person_payload(suffix))
    assert created.status_code == 201, created.text
    person = created.json()["id"]

    # (the server closes a connection after an unexpected error: this one is not reused)
    refused = clerk.get(f"/persons/{person}", params={"purpose": "card_issuance"},
                        headers={"Connection": "close"})
    assert refused.status_code == 500
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert suffix.lower() not in refused.text.lower()

    shown = clerk.get(f"/persons/{person}", params={"purpose": "attention"})
    assert shown.status_code == 200 and suffix.lower() in shown.text.lower()


def test_a_search_whose_audit_row_is_refused_shows_nothing(clerk: httpx.Client,
                                                           audit_refused: None) -> None:
    suffix = unique_suffix()
    payload = person_payload(suffix)
    created = clerk.post("/persons", json=payload)
    assert created.status_code == 201, created.text

    refused = clerk.post("/persons/search", json={"curp": payload["curp"]},
                         headers={"Connection": "close"})
    assert refused.status_code == 500
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert suffix.lower() not in refused.text.lower()

    nobody = person_payload(unique_suffix())["curp"]
    answered = clerk.post("/persons/search", json={"curp": nobody})
    assert answered.status_code == 200 and answered.json()["items"] == []

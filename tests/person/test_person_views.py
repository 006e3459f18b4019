"""One projection per principal: the generic person route answers an agency with its allowlist,
exactly as the agency API does, and the front desk with the whole record as before."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from redangel.person.fields import allowed
from tests.conftest import LiveServer
from tests.program.helpers import agency_client, folio_of, new_person

WHOLE_RECORD = {"email", "birth_state", "attributes", "sensitive", "household", "curp"}


@pytest.fixture
def styfe(live: LiveServer, sessions: Any) -> Iterator[httpx.Client]:
    client = agency_client(live, sessions, "styfe")
    yield client
    client.close()


@pytest.fixture
def applicant(clerk: httpx.Client) -> dict[str, Any]:
    """A person with every kind of field, in a household, applying to a styfe program."""
    person = new_person(clerk, email="maria@example.org", attributes={
        "employment_status": "informal", "monthly_income": "4200.00", "schooling_level": "primary",
        "marital_status": "single"})
    house = clerk.post("/households", json={"borough": "iztapalapa", "members": [
        {"person_id": person["id"], "relationship": "head", "since": "2020-01-01"}]})
    assert house.status_code == 201, house.text
    folio_of(clerk, person["id"], "seguro_desempleo")
    return person


class TestAgencyOnTheGenericRoute:
    def test_an_agency_gets_only_its_allowlist(self, styfe: httpx.Client,
                                               applicant: dict[str, Any]) -> None:
        answer = styfe.get(f"/persons/{applicant['id']}")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert set(body) <= allowed("styfe"), set(body) - allowed("styfe")
        for leaked in ("birth_state", "monthly_income", "schooling_level", "marital_status",
                       "household", "attributes", "sensitive", "version"):
            assert leaked not in body, leaked
        assert body["email"] == "maria@example.org"  # styfe's allowlist names the e-mail
        assert body["employment_status"] == "informal"

    def test_the_same_view_as_the_agency_api(self, styfe: httpx.Client,
                                             applicant: dict[str, Any]) -> None:
        generic = styfe.get(f"/persons/{applicant['id']}").json()
        own = styfe.get(f"/agency/persons/{applicant['id']}").json()["person"]
        assert generic == own

    def test_the_front_desk_still_sees_the_whole_record(self, clerk: httpx.Client,
                                                        applicant: dict[str, Any]) -> None:
        body = clerk.get(f"/persons/{applicant['id']}").json()
        assert set(body) >= WHOLE_RECORD
        assert body["attributes"]["monthly_income"] == "4200.00"
        assert body["household"]["household_id"]
        assert body["sensitive"] == {"disability": "none", "health_coverage": "none"}

    def test_the_agency_read_is_audited_with_its_purpose(
        self, styfe: httpx.Client, applicant: dict[str, Any], sessions: Any
    ) -> None:
        assert styfe.get(f"/persons/{applicant['id']}").status_code == 200
        with sessions() as session:
            event = session.scalars(select(AuditEvent).where(
                AuditEvent.person_id == _uuid(applicant["id"]),
                AuditEvent.actor_kind == "agency").order_by(AuditEvent.id.desc())).first()
        assert event is not None
        assert (event.action, event.purpose) == ("person.read", "program_administration")


def _uuid(text: str) -> Any:
    return uuid.UUID(text)

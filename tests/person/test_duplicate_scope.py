"""The duplicate check at the door looks across the city but tells a clerk only what their scope
allows: inside it, who the registered person is; outside it, only that they are registered
elsewhere and how to have the record transferred. Every person it finds is audited."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from tests.builders import person_payload
from tests.conftest import LiveServer, unique_suffix

SECRET_KEYS = ("id", "full_name", "birth_date", "borough", "existing", "candidates")


def _checks(sessions: Any, person_id: str) -> list[AuditEvent]:
    with sessions() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.person_id == uuid.UUID(person_id),
            AuditEvent.purpose == "duplicate_check")))


def _reveals_nothing(answer: httpx.Response, registered: dict[str, Any]) -> None:
    text = answer.text
    for value in (registered["id"], registered["first_surname"], registered["birth_date"],
                  "iztapalapa"):
        assert value not in text, f"{value!r} leaked in {text}"
    assert not answer.json().get("candidates") and "existing" not in answer.json()


class TestSameCurpFromAnotherOffice:
    def test_only_says_registered_elsewhere_and_audits_the_check(
        self, clerk: httpx.Client, other_clerk: httpx.Client, sessions: Any
    ) -> None:
        payload = person_payload(unique_suffix())
        registered = clerk.post("/persons", json=payload).json()
        again = {**payload, "address": {"borough": "coyoacan", "postal_code": "04000"}}
        answer = other_clerk.post("/persons", json=again, headers={"Accept-Language": "en"})
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "registered_elsewhere"
        assert "transfer the record" in answer.json()["title"]
        _reveals_nothing(answer, registered)
        spanish = other_clerk.post("/persons", json=again)
        assert "transferir el registro" in spanish.json()["title"]
        checks = _checks(sessions, registered["id"])
        assert len(checks) == 2 and {c.outcome for c in checks} == {"elsewhere"}
        assert all(c.action == "person.duplicate_check" and c.detail == {"by": "curp"}
                   for c in checks)

    def test_the_same_office_still_sees_who_holds_the_curp(
        self, clerk: httpx.Client, sessions: Any
    ) -> None:
        payload = person_payload(unique_suffix())
        registered = clerk.post("/persons", json=payload).json()
        answer = clerk.post("/persons", json=payload)
        assert answer.status_code == 409
        assert answer.json()["code"] == "duplicate_curp"
        assert answer.json()["existing"]["id"] == registered["id"]
        assert [c.outcome for c in _checks(sessions, registered["id"])] == ["shown"]


class TestLookAlikeFromAnotherOffice:
    def test_is_a_reference_to_confirm_not_a_name(
        self, clerk: httpx.Client, other_clerk: httpx.Client, sessions: Any
    ) -> None:
        suffix = unique_suffix()
        registered = clerk.post("/persons", json=person_payload(suffix, with_curp=False)).json()
        typo = person_payload(suffix, with_curp=False, birth_date=registered["birth_date"],
                              first_surname=registered["first_surname"] + "s",
                              address={"borough": "coyoacan"})
        answer = other_clerk.post("/persons", json=typo)
        assert answer.status_code == 409, answer.text
        body = answer.json()
        assert body["code"] == "possible_duplicate_elsewhere"
        _reveals_nothing(answer, registered)
        assert len(body["elsewhere"]) == 1 and body["elsewhere"][0] != registered["id"]
        [check] = _checks(sessions, registered["id"])
        assert (check.outcome, check.detail) == ("elsewhere", {"by": "name"})
        confirmed = other_clerk.post(
            "/persons", json={**typo, "confirm_distinct_from": body["elsewhere"]})
        assert confirmed.status_code == 201, confirmed.text

    def test_the_same_office_sees_the_candidates(self, clerk: httpx.Client) -> None:
        suffix = unique_suffix()
        registered = clerk.post("/persons", json=person_payload(suffix, with_curp=False)).json()
        answer = clerk.post("/persons", json=person_payload(
            suffix, with_curp=False, birth_date=registered["birth_date"]))
        assert answer.status_code == 409
        assert [c["id"] for c in answer.json()["candidates"]] == [registered["id"]]
        assert answer.json()["elsewhere"] == []


class TestEnrollmentPage:
    def _office(self, live: LiveServer, username: str, password: str) -> tuple[httpx.Client, str]:
        client = httpx.Client(base_url=live.url, timeout=30)
        signed = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert signed.status_code == 200
        return client, str(signed.json()["csrf_token"])

    def _form(self, payload: dict[str, Any], csrf: str) -> dict[str, str]:
        return {"csrf_token": csrf, "given_names": payload["given_names"],
                "first_surname": payload["first_surname"],
                "second_surname": payload["second_surname"], "sex": payload["sex"],
                "birth_date": payload["birth_date"], "curp": payload["curp"],
                "borough": "coyoacan"}

    def test_another_office_learns_nothing_from_the_page(
        self, live: LiveServer, world: Any, clerk: httpx.Client, sessions: Any
    ) -> None:
        payload = person_payload(unique_suffix())
        registered = clerk.post("/persons", json=payload).json()
        office, csrf = self._office(live, world.other_clerk, world.password)
        try:
            page = office.post("/office/persons/new", data=self._form(payload, csrf))
        finally:
            office.close()
        assert page.status_code == 409
        assert "ya está registrada en otra oficina" in page.text
        assert registered["id"] not in page.text and "duplicate" not in page.text
        assert [c.outcome for c in _checks(sessions, registered["id"])] == ["elsewhere"]

    def test_the_same_office_is_offered_the_record(
        self, live: LiveServer, world: Any, clerk: httpx.Client
    ) -> None:
        payload = person_payload(unique_suffix())
        registered = clerk.post("/persons", json=payload).json()
        office, csrf = self._office(live, world.clerk, world.password)
        try:
            page = office.post("/office/persons/new", data=self._form(payload, csrf))
        finally:
            office.close()
        assert page.status_code == 409
        assert f"/office/persons/{registered['id']}" in page.text

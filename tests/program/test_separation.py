"""Separation of duties over HTTP: a clerk cannot decide an application (and so enrol a
person), nobody decides an application they submitted, and each refusal is audited."""

from __future__ import annotations

import time
from typing import Any

import httpx
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from tests.conftest import LiveServer
from tests.program.helpers import agency_client, folio_of, move, move_enrollment, new_person

OWN_ES = "Usted registró esta solicitud; otra persona debe decidirla."
OWN_EN = "You submitted this application; someone else must decide it."


def _refused(answer: httpx.Response, code: str) -> dict[str, Any]:
    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert body["code"] == code and body["errors"][0]["field"] == "to", body
    return body


def _denials(sessions: Any, actor_id: str, outcome: str) -> list[Any]:
    """The audited refusals of one actor with one outcome (waiting briefly for the writer)."""
    deadline = time.monotonic() + 5
    while True:
        with sessions() as session:
            rows = session.scalars(select(AuditEvent).where(
                AuditEvent.actor_id == actor_id, AuditEvent.outcome == outcome)).all()
        if rows or time.monotonic() > deadline:
            return list(rows)
        time.sleep(0.1)


class TestSeparationOfDuties:
    def test_a_clerk_works_the_file_but_cannot_decide_it(
        self, clerk: httpx.Client, supervisor: httpx.Client, sessions: Any
    ) -> None:
        person = new_person(clerk)["id"]
        folio = folio_of(clerk, person, "servicios_medicos_gratuitos")
        assert move(clerk, folio, "in_review").status_code == 200  # not a decision
        body = _refused(move(clerk, folio, "approved"), "decision_role")
        assert "supervisor" in body["title"]
        _refused(move(clerk, folio, "rejected", "No cumple"), "decision_role")
        read = clerk.get(f"/applications/{folio}").json()
        assert read["status"] == "in_review" and read["enrollment_id"] is None
        assert clerk.get(f"/persons/{person}/programs").json()["enrollments"] == []
        me = clerk.get("/auth/me").json()["id"]
        denied = _denials(sessions, me, "decision_role")
        assert any(d.action == "denied:POST /applications/{folio}/transitions" for d in denied)
        approved = move(supervisor, folio, "approved")  # the office's supervisor decides
        assert approved.status_code == 200, approved.text
        assert approved.json()["enrollment_id"]

    def test_nobody_decides_an_application_they_submitted(
        self, live: LiveServer, clerk: httpx.Client, supervisor: httpx.Client, sessions: Any
    ) -> None:
        folio = folio_of(supervisor, new_person(clerk)["id"], "seguro_desempleo")
        assert move(supervisor, folio, "in_review").status_code == 200
        es = _refused(move(supervisor, folio, "approved"), "own_submission")
        assert es["title"] == OWN_ES
        etag = supervisor.get(f"/applications/{folio}").headers["etag"]
        en = supervisor.post(f"/applications/{folio}/transitions", json={"to": "rejected",
                             "reason": "No"}, headers={"If-Match": etag, "Accept-Language": "en"})
        assert _refused(en, "own_submission")["title"] == OWN_EN
        me = supervisor.get("/auth/me").json()["id"]
        assert len(_denials(sessions, me, "own_submission")) >= 2
        assert supervisor.get(f"/applications/{folio}").json()["status"] == "in_review"
        styfe = agency_client(live, sessions, "styfe")  # the owning agency decides instead
        try:
            assert move(styfe, folio, "approved").status_code == 200
        finally:
            styfe.close()

    def test_a_clerk_cannot_suspend_reactivate_or_end_a_benefit(
        self, clerk: httpx.Client, supervisor: httpx.Client
    ) -> None:
        folio = folio_of(clerk, new_person(clerk)["id"], "prepa_si")
        assert move(clerk, folio, "in_review").status_code == 200
        enrollment = move(supervisor, folio, "approved").json()["enrollment_id"]
        _refused(move_enrollment(clerk, enrollment, "suspended", "other"), "decision_role")
        _refused(move_enrollment(clerk, enrollment, "exited", "voluntary"), "decision_role")
        assert move_enrollment(supervisor, enrollment, "suspended", "other").status_code == 200
        _refused(move_enrollment(clerk, enrollment, "active", "reinstated"), "decision_role")
        assert clerk.get(f"/enrollments/{enrollment}").json()["status"] == "suspended"

    def test_the_refusal_comes_before_the_version_check(self, clerk: httpx.Client) -> None:
        folio = folio_of(clerk, new_person(clerk)["id"], "becas_cultura")
        stale = clerk.post(f"/applications/{folio}/transitions", json={"to": "rejected",
                           "reason": "No"}, headers={"If-Match": '"stale"'})
        _refused(stale, "decision_role")

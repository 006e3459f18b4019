"""Lifecycle rules, invariants under concurrency, deliveries and the person 360 over real HTTP."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select, update

from redangel.common.clock import city_today
from redangel.program.models import Application, Delivery
from tests.conftest import LiveServer, login
from tests.program.helpers import (
    agency_client,
    apply,
    approve,
    folio_of,
    move,
    move_enrollment,
    new_person,
)


class TestApplicationLife:
    def test_rejection_needs_a_reason_the_citizen_reads(self, clerk: httpx.Client,
                                                        supervisor: httpx.Client) -> None:
        folio = folio_of(clerk, new_person(clerk)["id"], "comedores_comunitarios")
        missing = move(supervisor, folio, "rejected")
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["field"] == "reason"
        assert move(supervisor, folio, "rejected", "No vive en zona prioritaria").status_code == 200
        read = clerk.get(f"/applications/{folio}").json()
        assert read["status"] == "rejected" and read["decided_at"]
        steps = [(t["action"], t["reason"]) for t in read["transitions"]]
        assert steps == [("submitted", None), ("rejected", "No vive en zona prioritaria")]
        assert all(t["actor_kind"] == "staff" and t["at"] for t in read["transitions"])

    def test_illegal_transition_says_which_are_allowed_in_both_languages(
        self, clerk: httpx.Client, supervisor: httpx.Client
    ) -> None:
        folio = folio_of(clerk, new_person(clerk)["id"], "becas_cultura")
        etag = clerk.get(f"/applications/{folio}").headers["etag"]
        es = supervisor.post(f"/applications/{folio}/transitions", json={"to": "approved"},
                        headers={"If-Match": etag})
        assert es.status_code == 409
        assert es.json()["allowed"] == ["in_review", "rejected"]
        assert "in_review, rejected" in es.json()["title"] and "se permite" in es.json()["title"]
        en = supervisor.post(f"/applications/{folio}/transitions", json={"to": "approved"},
                        headers={"If-Match": etag, "Accept-Language": "en"})
        assert "allowed moves are: in_review, rejected" in en.json()["title"]

    def test_expected_decision_date_follows_the_program_service_level(
        self, clerk: httpx.Client
    ) -> None:
        body = apply(clerk, new_person(clerk)["id"], "seguro_desempleo").json()
        expected = city_today() + timedelta(days=20)  # expected_days_to_decision in the catalog
        assert body["expected_decision_on"] == expected.isoformat()
        assert body["channel"] == "office" and len(body["documents"]) == 3

    def test_documents_checklist_is_ticked_with_if_match(self, clerk: httpx.Client) -> None:
        folio = folio_of(clerk, new_person(clerk)["id"], "seguro_desempleo")
        read = clerk.get(f"/applications/{folio}")
        no_tag = clerk.post(f"/applications/{folio}/documents", json={"received": [0, 2]})
        assert no_tag.status_code == 428
        ticked = clerk.post(f"/applications/{folio}/documents", json={"received": [0, 2]},
                            headers={"If-Match": read.headers["etag"]})
        assert ticked.status_code == 200, ticked.text
        assert [d["received"] for d in ticked.json()["documents"]] == [True, False, True]
        stale = clerk.post(f"/applications/{folio}/documents", json={"received": [1]},
                           headers={"If-Match": read.headers["etag"]})
        assert stale.status_code == 412


class TestEnrollmentLife:
    def test_exit_needs_one_of_the_exit_reasons_and_is_final(self, clerk: httpx.Client,
                                                             supervisor: httpx.Client) -> None:
        enrollment = approve(supervisor, folio_of(clerk, new_person(clerk)["id"], "prepa_si"))
        assert move_enrollment(supervisor, enrollment, "exited").status_code == 422
        assert move_enrollment(supervisor, enrollment, "exited", "reinstated").status_code == 422
        suspended = move_enrollment(supervisor, enrollment, "suspended", "documents_missing")
        assert suspended.json()["status"] == "suspended"
        assert move_enrollment(supervisor, enrollment, "active", "reinstated").status_code == 200
        exited = move_enrollment(supervisor, enrollment, "exited", "end_of_term")
        assert exited.json()["status"] == "exited" and exited.json()["exit_reason"] == "end_of_term"
        again = move_enrollment(supervisor, enrollment, "active")
        assert again.status_code == 409 and again.json()["allowed"] == []
        read = clerk.get(f"/enrollments/{enrollment}").json()
        assert [t["action"] for t in read["transitions"]] == [
            "active", "suspended", "active", "exited"]
        assert read["transitions"][-1]["reason"] == "end_of_term"

    def test_exclusion_conflict_is_explained(self, clerk: httpx.Client,
                                             supervisor: httpx.Client) -> None:
        person = new_person(clerk)["id"]
        approve(supervisor, folio_of(clerk, person, "seguro_desempleo"))
        second = folio_of(clerk, person, "apoyo_jovenes_riesgo")
        move(clerk, second, "in_review")
        clash = move(supervisor, second, "approved")
        assert clash.status_code == 409
        body = clash.json()
        assert body["code"] == "programs_exclusive_named"
        assert body["excluded_by"] == ["seguro_desempleo"]
        assert "apoyo_jovenes_riesgo" in body["title"] and "seguro_desempleo" in body["title"]

    def test_after_exit_the_exclusive_program_can_be_approved(self, clerk: httpx.Client,
                                                              supervisor: httpx.Client) -> None:
        person = new_person(clerk)["id"]
        first = approve(supervisor, folio_of(clerk, person, "seguro_desempleo"))
        assert move_enrollment(supervisor, first, "exited", "voluntary").status_code == 200
        approve(supervisor, folio_of(clerk, person, "apoyo_jovenes_riesgo"))


class TestInvariantsUnderConcurrency:
    def test_parallel_applications_leave_one_open(self, live: LiveServer, world: Any,
                                                  clerk: httpx.Client) -> None:
        person = new_person(clerk)["id"]
        clients = [login(live, world.clerk, world.password) for _ in range(6)]
        barrier = threading.Barrier(len(clients))

        def attempt(c: httpx.Client) -> int:
            barrier.wait()
            return apply(c, person, "becas_cultura").status_code

        with ThreadPoolExecutor(len(clients)) as pool:
            codes = sorted(pool.map(attempt, clients))
        assert codes == [201] + [409] * 5
        programs = clerk.get(f"/persons/{person}/programs").json()["applications"]
        assert len(programs) == 1
        for c in clients:
            c.close()

    def test_parallel_approvals_of_one_application_enrol_once(
        self, live: LiveServer, world: Any, clerk: httpx.Client
    ) -> None:
        person = new_person(clerk)["id"]
        folio = folio_of(clerk, person, "comedores_comunitarios")
        move(clerk, folio, "in_review")
        etag = clerk.get(f"/applications/{folio}").headers["etag"]
        clients = [login(live, world.supervisor, world.password) for _ in range(4)]
        barrier = threading.Barrier(len(clients))

        def attempt(c: httpx.Client) -> int:
            barrier.wait()
            return c.post(f"/applications/{folio}/transitions", json={"to": "approved"},
                          headers={"If-Match": etag}).status_code

        with ThreadPoolExecutor(len(clients)) as pool:
            codes = sorted(pool.map(attempt, clients))
        assert codes[0] == 200 and all(c in (409, 412) for c in codes[1:]), codes
        enrollments = clerk.get(f"/persons/{person}/programs").json()["enrollments"]
        assert len(enrollments) == 1
        for c in clients:
            c.close()

    def test_exclusions_hold_when_approvals_and_reactivation_race(
        self, live: LiveServer, world: Any, clerk: httpx.Client
    ) -> None:
        person = new_person(clerk)["id"]
        folios = [folio_of(clerk, person, p) for p in ("seguro_desempleo", "apoyo_jovenes_riesgo")]
        for folio in folios:
            move(clerk, folio, "in_review")
        tags = [clerk.get(f"/applications/{f}").headers["etag"] for f in folios]
        clients = [login(live, world.supervisor, world.password) for _ in range(2)]
        barrier = threading.Barrier(2)

        def attempt(i: int) -> int:
            barrier.wait()
            return clients[i].post(f"/applications/{folios[i]}/transitions",
                                   json={"to": "approved"},
                                   headers={"If-Match": tags[i]}).status_code

        with ThreadPoolExecutor(2) as pool:
            assert sorted(pool.map(attempt, range(2))) == [200, 409]
        live_ones = [e for e in clerk.get(f"/persons/{person}/programs").json()["enrollments"]
                     if e["status"] in ("active", "suspended")]
        assert len(live_ones) == 1
        for c in clients:
            c.close()


class TestDeliveries:
    def test_agency_records_a_delivery_idempotently(self, live: LiveServer, sessions: Any,
                                                     clerk: httpx.Client,
                                                     supervisor: httpx.Client) -> None:
        enrollment = approve(supervisor, folio_of(clerk, new_person(clerk)["id"],
                                                  "servicios_medicos_gratuitos"))
        salud = agency_client(live, sessions, "salud")
        body = {"delivered_on": city_today().isoformat(), "kind": "consulta",
                "amount": "0.00", "place": "Centro de Salud T-III Iztapalapa"}
        key = {"Idempotency-Key": f"del-{enrollment}"}
        first = salud.post(f"/enrollments/{enrollment}/deliveries", json=body, headers=key)
        assert first.status_code == 201, first.text
        replay = salud.post(f"/enrollments/{enrollment}/deliveries", json=body, headers=key)
        assert replay.json() == first.json() and replay.headers["idempotent-replay"] == "true"
        other = salud.post(f"/enrollments/{enrollment}/deliveries",
                           json={**body, "kind": "medicamento"}, headers=key)
        assert other.status_code == 422
        future = salud.post(f"/enrollments/{enrollment}/deliveries",
                            json={**body, "delivered_on": "2999-01-01"})
        assert future.status_code == 422
        styfe = agency_client(live, sessions, "styfe")
        assert styfe.post(f"/enrollments/{enrollment}/deliveries", json=body).status_code == 404
        assert clerk.post(f"/enrollments/{enrollment}/deliveries", json=body).status_code == 403

        with sessions() as session:
            count = session.scalar(select(func.count()).select_from(Delivery).where(
                Delivery.enrollment_id == uuid.UUID(first.json()["enrollment_id"])))
        assert count == 1
        salud.close()
        styfe.close()


@pytest.fixture
def statements(live: LiveServer) -> Iterator[list[str]]:
    """Every SQL statement the server runs while the test watches (audit sealing left out)."""
    engine = live.app.state.engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        text = statement.lower()
        if "audit" not in text and "pg_snapshot" not in text and "user_session" not in text:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


class TestPersonOverview:
    def _busy_person(self, live: LiveServer, sessions: Any, clerk: httpx.Client,
                     supervisor: httpx.Client) -> str:
        mother = new_person(clerk, attributes={"marital_status": "single"})
        kids = [new_person(clerk, with_curp=False, birth_date="2015-03-0" + str(i))
                for i in range(1, 4)]
        household = clerk.post("/households", json={"borough": "iztapalapa", "members": [
            {"person_id": mother["id"], "relationship": "head", "since": "2015-01-01"},
            *({"person_id": k["id"], "relationship": "child", "since": "2015-03-01"}
              for k in kids)]})
        assert household.status_code == 201, household.text
        person = mother["id"]
        medical = approve(supervisor, folio_of(clerk, person, "servicios_medicos_gratuitos"))
        approve(supervisor, folio_of(clerk, person, "comedores_comunitarios"))
        approve(supervisor, folio_of(clerk, person, "seguro_desempleo"))
        for code in ("apoyo_madres_solas", "becas_cultura"):
            folio_of(clerk, person, code)
        salud = agency_client(live, sessions, "salud")
        for day in range(4):
            answer = salud.post(f"/enrollments/{medical}/deliveries", json={
                "delivered_on": city_today().isoformat(), "kind": "consulta_" + "abcd"[day]})
            assert answer.status_code == 201, answer.text
        salud.close()

        with sessions() as session:
            session.execute(update(Application).where(
                Application.person_id == uuid.UUID(person),
                Application.program_code == "becas_cultura")
                .values(expected_decision_on=city_today() - timedelta(days=3)))
            session.commit()
        return str(person)

    def test_one_call_gives_the_whole_situation(self, live: LiveServer, sessions: Any,
                                                clerk: httpx.Client,
                                                supervisor: httpx.Client) -> None:
        person = self._busy_person(live, sessions, clerk, supervisor)
        answer = clerk.get(f"/persons/{person}/overview")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["person"]["id"] == person and body["person"]["curp"]
        assert len(body["household"]["members"]) == 4
        agencies = {e["agency"]["code"] for e in body["enrollments"]}
        assert agencies == {"salud", "sedeso", "styfe"}
        assert {a["program"] for a in body["open_applications"]} == {"apoyo_madres_solas",
                                                                     "becas_cultura"}
        assert all(a["expected_decision_on"] and a["status"] == "submitted"
                   for a in body["open_applications"])
        assert len(body["deliveries"]) == 4
        assert [o["program"] for o in body["overdue"]] == ["becas_cultura"]
        assert body["overdue"][0]["days_late"] == 3

    def test_query_count_does_not_grow_with_the_person(
        self, live: LiveServer, sessions: Any, clerk: httpx.Client, supervisor: httpx.Client,
        statements: list[str]
    ) -> None:
        busy = self._busy_person(live, sessions, clerk, supervisor)
        quiet = new_person(clerk)["id"]

        def queries(person: str) -> int:
            counts = []
            for _ in range(2):
                statements.clear()
                assert clerk.get(f"/persons/{person}/overview").status_code == 200
                counts.append(len(statements))
            return min(counts)

        assert queries(busy) == queries(quiet) <= 10

    def test_scope_and_roles(self, live: LiveServer, sessions: Any, clerk: httpx.Client,
                             other_clerk: httpx.Client) -> None:
        person = new_person(clerk)["id"]
        assert other_clerk.get(f"/persons/{person}/overview").status_code == 404
        salud = agency_client(live, sessions, "salud")
        assert salud.get(f"/persons/{person}/overview").status_code == 403
        salud.close()

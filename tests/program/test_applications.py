"""Applications and enrollments over HTTP: lifecycle, folios, invariants (also concurrently)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from redangel.common.clock import city_today
from redangel.program.models import Application
from tests.builders import person_payload
from tests.conftest import LiveServer, login, unique_suffix


@pytest.fixture
def person(clerk: httpx.Client) -> str:
    return str(clerk.post("/persons", json=person_payload(unique_suffix())).json()["id"])


def apply(clerk: httpx.Client, person: str, program: str) -> httpx.Response:
    return clerk.post("/applications", json={"person_id": person, "program": program})


def move(client: httpx.Client, folio: str, to: str, reason: str | None = None) -> httpx.Response:
    etag = client.get(f"/applications/{folio}").headers["etag"]
    return client.post(f"/applications/{folio}/transitions", json={"to": to, "reason": reason},
                       headers={"If-Match": etag})


def test_application_life_to_enrollment(clerk: httpx.Client, supervisor: httpx.Client,
                                        person: str) -> None:
    created = apply(clerk, person, "servicios_medicos_gratuitos")
    assert created.status_code == 201, created.text
    folio = created.json()["folio"]
    assert created.json()["documents"][0]["received"] is False
    assert move(clerk, folio, "in_review").json()["status"] == "in_review"
    approved = move(supervisor, folio, "approved")
    assert approved.status_code == 200, approved.text
    enrollment = approved.json()["enrollment_id"]
    tag = supervisor.get(f"/enrollments/{enrollment}").headers["etag"]
    suspended = supervisor.post(f"/enrollments/{enrollment}/transitions",
                           json={"to": "suspended", "reason": "documents_missing"},
                           headers={"If-Match": tag})
    assert suspended.json()["status"] == "suspended"
    overview = clerk.get(f"/persons/{person}/programs").json()
    assert overview["enrollments"][0]["status"] == "suspended"
    assert overview["enrollments"][0]["agency"] == "Secretaría de Salud"


def test_illegal_transition_names_the_allowed_ones(clerk: httpx.Client, supervisor: httpx.Client,
                                                   person: str) -> None:
    folio = apply(clerk, person, "comedores_comunitarios").json()["folio"]
    answer = move(supervisor, folio, "approved")
    assert answer.status_code == 409
    assert answer.json()["allowed"] == ["in_review", "rejected"]
    rejected = move(supervisor, folio, "rejected", "No vive en zona prioritaria")
    assert rejected.json()["decision_reason"] == "No vive en zona prioritaria"
    assert move(clerk, folio, "in_review").json()["allowed"] == []


def test_one_open_application_per_program(clerk: httpx.Client, person: str) -> None:
    assert apply(clerk, person, "becas_cultura").status_code == 201
    again = apply(clerk, person, "becas_cultura")
    assert again.status_code == 409 and again.json()["code"] == "application_open"


def test_mistyped_folio_is_caught_by_its_check_character(clerk: httpx.Client, person: str) -> None:
    folio = apply(clerk, person, "prepa_si").json()["folio"]
    assert clerk.get(f"/applications/{folio.lower().replace('-', '')}").status_code == 200
    body = folio[3:7] + folio[8:12]
    if body[0] != body[1]:
        swapped = body[1] + body[0] + body[2:]
    else:
        swapped = body[:7] + ("1" if body[7] != "1" else "2")
    typo = f"RA-{swapped[:4]}-{swapped[4:]}-{folio[-1]}"
    answer = clerk.get(f"/applications/{typo}")
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["code"] == "folio_invalid"


def test_exclusive_programs_cannot_both_be_active(clerk: httpx.Client, supervisor: httpx.Client,
                                                  person: str) -> None:
    first = apply(clerk, person, "seguro_desempleo").json()["folio"]
    second = apply(clerk, person, "apoyo_jovenes_riesgo").json()["folio"]
    for folio in (first, second):
        move(clerk, folio, "in_review")
    assert move(supervisor, first, "approved").status_code == 200
    clash = move(supervisor, second, "approved")
    assert clash.status_code == 409
    assert clash.json()["excluded_by"] == ["seguro_desempleo"]


def test_concurrent_approvals_of_exclusive_programs_let_one_through(
    live: LiveServer, world: Any, clerk: httpx.Client, person: str
) -> None:
    folios = [apply(clerk, person, code).json()["folio"]
              for code in ("seguro_desempleo", "apoyo_jovenes_riesgo")]
    for folio in folios:
        move(clerk, folio, "in_review")
    deciders = [login(live, world.supervisor, world.password) for _ in folios]
    with ThreadPoolExecutor(2) as pool:
        pairs = zip(deciders, folios, strict=True)
        answers = list(pool.map(lambda pair: move(pair[0], pair[1], "approved"), pairs))
    assert sorted(a.status_code for a in answers) == [200, 409]
    live_enrollments = [e for e in clerk.get(f"/persons/{person}/programs").json()["enrollments"]
                        if e["status"] == "active"]
    assert len(live_enrollments) == 1
    for c in deciders:
        c.close()


def test_other_office_cannot_see_or_decide(clerk: httpx.Client, other_clerk: httpx.Client,
                                          person: str) -> None:
    folio = apply(clerk, person, "prepa_si").json()["folio"]
    assert other_clerk.get(f"/applications/{folio}").status_code == 404
    answer = other_clerk.post(f"/applications/{folio}/transitions", json={"to": "in_review"},
                              headers={"If-Match": "*"})
    assert answer.status_code == 404


def test_supervisor_sees_overdue_applications(live: LiveServer, world, clerk: httpx.Client,  # type: ignore[no-untyped-def]
                                              person: str, sessions) -> None:
    folio = apply(clerk, person, "becas_cultura").json()["folio"]
    with sessions() as session:
        session.execute(update(Application).where(Application.folio == folio)
                        .values(expected_decision_on=city_today() - timedelta(days=9)))
        session.commit()
    supervisor = login(live, world.supervisor, world.password)
    rows = supervisor.get("/offices/current/overdue").json()
    mine = next(r for r in rows if r["folio"] == folio)
    assert mine["days_late"] == 9
    assert [r["days_late"] for r in rows] == sorted((r["days_late"] for r in rows), reverse=True)
    assert clerk.get("/offices/current/overdue").status_code == 403
    supervisor.close()

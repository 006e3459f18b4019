"""A clerk runs "birth of a child" for a mother, sees the bundle with reasons, applies, gets folios."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select

from redangel.common.clock import city_today
from redangel.lifeevent.models import Evaluation
from tests.builders import person_payload
from tests.conftest import unique_suffix


def register_mother_and_baby(clerk: httpx.Client) -> tuple[str, str, str]:
    suffix = unique_suffix()
    born = (city_today() - timedelta(days=20)).isoformat()
    mother = clerk.post("/persons", json=person_payload(
        suffix, birth_date="1996-05-01",
        attributes={"marital_status": "single", "monthly_income": "6000.00",
                    "low_development_area": True},
        sensitive={"health_coverage": "none"})).json()
    baby = clerk.post("/persons", json=person_payload(
        suffix, given_names="Sofía", birth_date=born, with_curp=False)).json()
    household = clerk.post("/households", json={"borough": "iztapalapa", "members": [
        {"person_id": mother["id"], "relationship": "head", "since": "2015-01-01"},
        {"person_id": baby["id"], "relationship": "child", "since": born}]})
    assert household.status_code == 201, household.text
    return mother["id"], baby["id"], born


def test_events_are_listed_in_both_languages(anon: httpx.Client) -> None:
    answer = anon.get("/life-events")
    assert answer.status_code == 200
    events = {e["code"]: e for e in answer.json()["events"]}
    assert len(events) >= 12
    birth = events["birth_of_child"]
    assert birth["label"] == {"es": "Nacimiento de un hijo", "en": "Birth of a child"}
    assert birth["questions"][0]["name"] == "child_birth_date"


def test_birth_of_a_child_bundle_then_apply_in_one_step(clerk: httpx.Client) -> None:
    mother, _, born = register_mother_and_baby(clerk)
    evaluated = clerk.post("/life-events/birth_of_child/evaluations",
                           json={"person_id": mother, "answers": {"child_birth_date": born}})
    assert evaluated.status_code == 201, evaluated.text
    body = evaluated.json()
    verdicts = {r["program"]: r["verdict"] for r in body["results"]}
    assert verdicts == {"bebe_seguro": "eligible", "apoyo_madres_solas": "eligible",
                        "servicios_medicos_gratuitos": "eligible", "comedores_comunitarios": "eligible"}
    bebe = next(r for r in body["results"] if r["program"] == "bebe_seguro")
    assert bebe["reason"]["es"].startswith("Cumple") and bebe["documents"]
    assert len(body["catalog_version"]) == 64
    chosen = ["bebe_seguro", "apoyo_madres_solas"]
    key = f"apply-{body['evaluation_id']}"
    applied = clerk.post("/life-events/birth_of_child/applications",
                         json={"evaluation_id": body["evaluation_id"], "programs": chosen},
                         headers={"Idempotency-Key": key})
    assert applied.status_code == 201, applied.text
    folios = [a["folio"] for a in applied.json()["applications"]]
    assert len(folios) == 2 and all(f.startswith("RA-") for f in folios)
    again = clerk.post("/life-events/birth_of_child/applications",
                       json={"evaluation_id": body["evaluation_id"], "programs": chosen},
                       headers={"Idempotency-Key": key})
    assert again.json() == applied.json()
    read = clerk.get(f"/applications/{folios[0]}").json()
    assert read["status"] == "submitted" and read["channel"] == "office"
    overview = clerk.get(f"/persons/{mother}/programs").json()
    assert sorted(a["program"] for a in overview["applications"]) == sorted(chosen)


def test_applying_for_a_program_that_was_not_eligible_is_refused(clerk: httpx.Client) -> None:
    mother, _, born = register_mother_and_baby(clerk)
    body = clerk.post("/life-events/job_loss/evaluations",
                      json={"person_id": mother, "answers": {"formal_job": False,
                                                              "job_end_date": born}}).json()
    answer = clerk.post("/life-events/job_loss/applications",
                        json={"evaluation_id": body["evaluation_id"], "programs": ["seguro_desempleo"]})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "programs.0"


def test_wrong_answers_are_named(clerk: httpx.Client) -> None:
    mother, _, _ = register_mother_and_baby(clerk)
    answer = clerk.post("/life-events/birth_of_child/evaluations",
                        json={"person_id": mother, "answers": {"child_birth_date": "yesterday"}})
    assert answer.status_code == 422
    assert "child_birth_date" in answer.json()["errors"][0]["field"] + answer.json()["detail"]
    unknown = clerk.post("/life-events/no_such_event/evaluations", json={"person_id": mother})
    assert unknown.status_code == 404


def test_missing_facts_give_needs_information(clerk: httpx.Client) -> None:
    person = clerk.post("/persons", json=person_payload(unique_suffix(), birth_date="1950-01-01",
                                                        sensitive={})).json()
    body = clerk.post("/life-events/turning_68/evaluations", json={"person_id": person["id"]}).json()
    medical = next(r for r in body["results"] if r["program"] == "servicios_medicos_gratuitos")
    assert medical["verdict"] == "needs_information"
    assert medical["missing"] == ["person.health_coverage"]
    assert "seguridad social" in medical["reason"]["es"]


def test_anonymous_screening_stores_nothing(anon: httpx.Client, sessions) -> None:  # type: ignore[no-untyped-def]

    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(Evaluation))
    answer = anon.post("/screening", json={"event_code": "turning_68", "person": {
        "age": 70, "resident_since": "2000-01-01", "health_coverage": "none"}})
    assert answer.status_code == 200, answer.text
    verdicts = {r["program"]: r["verdict"] for r in answer.json()["results"]}
    assert verdicts["pension_adultos_mayores"] == "eligible"
    assert verdicts["comedores_comunitarios"] == "needs_information"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Evaluation)) == before
    refused = anon.post("/screening", json={"person": {"age": 70, "curp": "HEGG560427MVZRRL04"}})
    assert refused.status_code == 422

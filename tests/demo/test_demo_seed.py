"""`demo seed` on a real database: the named persons' life events give the verdicts the guide
promises, the history holds the database's invariants, and a supervisor can work a demo
application (its submitter is on record, so separation of duties lets them decide)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from redangel.common.clock import city_today
from redangel.demo import civil_registry, named, seed
from redangel.program.models import Application, Enrollment
from tests.conftest import LiveServer, fresh_database, login, make_settings, migrate, start_server
from tests.web.test_office_crvs import signed_in

PERSONS = 400


@pytest.fixture(scope="module")
def demo(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A database of its own, loaded by the demo seed, served over HTTP."""
    data_dir: Path = tmp_path_factory.mktemp(f"demo-{backend}")
    with fresh_database(backend, data_dir, "demo") as url:
        settings = make_settings(url, data_dir, rate_limit_login_per_minute=1000)
        migrate(settings)
        server = start_server(settings)
        app: Any = server.app
        try:
            with app.state.sessionmaker() as session:
                offices = seed.ensure_offices(session)
                seed.ensure_logins(session, offices)
                session.commit()
            assert seed.seed_population(app.state.engine, keyring=app.state.keyring,
                                        persons=PERSONS, seed=2026, offices=offices,
                                        catalog=app.state.catalog) == PERSONS
            yield server
        finally:
            server.stop()
            if backend == "postgresql":
                time.sleep(0.3)


@pytest.fixture
def clerk(demo: LiveServer) -> Iterator[httpx.Client]:
    client = login(demo, "clerk", "demo-redangel-2026")
    yield client
    client.close()


def verdicts(client: httpx.Client, event: str, person: Any, **answers: str) -> dict[str, Any]:
    answer = client.post(f"/life-events/{event}/evaluations",
                         json={"person_id": str(person), "answers": answers})
    assert answer.status_code == 201, answer.text
    return {r["program"]: r for r in answer.json()["results"]}


def test_yolanda_turning_68_the_wizard_asks_for_her_residence_date(clerk: httpx.Client) -> None:
    shown = clerk.get(f"/persons/{named.YOLANDA}").json()
    assert (shown["given_names"], shown["first_surname"], shown["second_surname"],
            shown["address"]["borough"]) == ("Yolanda", "Hernández", "Rojas", "iztapalapa")
    results = verdicts(clerk, "turning_68", named.YOLANDA)
    assert results["pension_adultos_mayores"]["verdict"] == "needs_information"
    assert results["pension_adultos_mayores"]["missing"] == ["person.resident_since"]
    assert results["servicios_medicos_gratuitos"]["verdict"] == "eligible"
    assert results["comedores_comunitarios"]["verdict"] == "not_eligible"


def test_itzel_birth_of_a_child_finds_her_programs(clerk: httpx.Client) -> None:
    overview = clerk.get(f"/persons/{named.ITZEL}/overview").json()
    members = {m["person_id"]: m for m in overview["household"]["members"]}
    born = members[str(named.MATEO)]["birth_date"]
    results = verdicts(clerk, "birth_of_child", named.ITZEL, child_birth_date=born)
    assert results["bebe_seguro"]["verdict"] == "eligible"
    assert results["apoyo_madres_solas"]["verdict"] == "eligible"
    assert results["comedores_comunitarios"]["verdict"] == "eligible"
    assert results["servicios_medicos_gratuitos"]["verdict"] == "needs_information"
    assert [e["program"] for e in overview["enrollments"]] == ["prepa_si"]
    assert overview["enrollments"][0]["status"] == "exited"


def test_the_loaded_history_holds_the_invariants(demo: LiveServer) -> None:
    app: Any = demo.app
    with app.state.sessionmaker() as session:
        programs = set(session.scalars(select(Enrollment.program_code).distinct()))
        statuses = set(session.scalars(select(Application.status).distinct()))
        live = session.execute(
            select(Enrollment.person_id, Enrollment.program_code, func.count())
            .where(Enrollment.status.in_(("active", "suspended")))
            .group_by(Enrollment.person_id, Enrollment.program_code)
            .having(func.count() > 1)).all()
        both = session.execute(
            select(func.count()).select_from(Enrollment)
            .where(Enrollment.program_code == "seguro_desempleo",
                   Enrollment.status.in_(("active", "suspended")),
                   Enrollment.person_id.in_(select(Enrollment.person_id).where(
                       Enrollment.program_code == "apoyo_jovenes_riesgo",
                       Enrollment.status.in_(("active", "suspended")))))).scalar()
    assert len(programs) == 15
    assert statuses == {"submitted", "in_review", "approved", "rejected"}
    assert live == [] and both == 0


def test_a_supervisor_decides_an_overdue_demo_application(demo: LiveServer) -> None:
    supervisor = login(demo, "supervisor", "demo-redangel-2026")
    try:
        late = supervisor.get("/offices/current/overdue").json()
        assert late, "the demo office has no overdue applications"
        folio = late[0]["folio"]
        current = supervisor.get(f"/applications/{folio}")
        to = "approved" if current.json()["status"] == "in_review" else "in_review"
        moved = supervisor.post(f"/applications/{folio}/transitions", json={"to": to},
                                headers={"If-Match": current.headers["ETag"]})
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == to
    finally:
        supervisor.close()


def test_rosa_maria_heads_the_supervisors_outreach_list(demo: LiveServer) -> None:
    supervisor = login(demo, "supervisor", "demo-redangel-2026")
    try:
        since = (city_today() - timedelta(days=90)).isoformat()  # the outreach page's default
        answer = supervisor.post("/outreach", json={"program": "pension_adultos_mayores",
                                                    "since": since})
        assert answer.status_code == 200, answer.text
        names = [p["full_name"] for p in answer.json()["persons"]]
        assert "Rosa María Torres Ávila" in names
    finally:
        supervisor.close()


def test_a_new_steward_finds_two_births_to_review(demo: LiveServer) -> None:
    app: Any = demo.app
    with app.state.sessionmaker() as session:
        sent = civil_registry.seed_review_events(session, keyring=app.state.keyring,
                                                 catalog=app.state.catalog)
        session.commit()
    with app.state.sessionmaker() as session:  # once only
        assert civil_registry.seed_review_events(session, keyring=app.state.keyring,
                                                 catalog=app.state.catalog) == 0
    assert sent == 2
    steward = signed_in(demo, "steward", "demo-redangel-2026")
    try:
        listed = steward.get("/office/crvs", params={"lang": "en"})
        assert listed.status_code == 200
        links = sorted(set(re.findall(r'href="(/office/crvs/[0-9a-f-]{36})"', listed.text)))
        assert len(links) == 2 and listed.text.count("Nobody in the registry matched the mother") == 2
        pages = [steward.get(link).text for link in links]
        assert sum('id="candidate-1"' in p and "nearly the same" in p for p in pages) == 1
        assert sum('id="no-candidates"' in p for p in pages) == 1
    finally:
        steward.close()

"""Late requests climb the chain of command one level per run of the escalation job; each level
sees its queue (the agency only its own programs), acting stops the clock, and runs at once
never raise a request twice."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from redangel.common.clock import city_today
from redangel.program import deadlines, escalation, escalation_rules
from redangel.program.followup_schemas import EscalationRun
from redangel.program.models import Application, EscalationNotice
from tests.conftest import LiveServer
from tests.program.helpers import agency_client, folio_of, move, new_person

PROGRAM = "comedores_comunitarios"  # run by sedeso


@pytest.fixture(scope="module")
def chain(settings: Any) -> escalation_rules.Chain:
    return escalation_rules.load(settings.catalog_path)


@pytest.fixture
def sedeso(live: LiveServer, sessions: Any) -> httpx.Client:
    return agency_client(live, sessions, "sedeso")


@pytest.fixture
def styfe(live: LiveServer, sessions: Any) -> httpx.Client:
    return agency_client(live, sessions, "styfe")


def late(clerk: httpx.Client, sessions: Any, days: int = 2) -> tuple[str, Application]:
    """A new application whose promised answer was due `days` days ago."""
    folio = folio_of(clerk, new_person(clerk)["id"], PROGRAM)
    with sessions() as session:
        session.execute(update(Application).where(Application.folio == folio)
                        .values(expected_decision_on=city_today() - timedelta(days=days)))
        app = session.scalars(select(Application).where(Application.folio == folio)).one()
        session.commit()
        session.expunge(app)
    return folio, app


def run(sessions: Any, chain: escalation_rules.Chain, app: Application,
        hours: float) -> EscalationRun:
    """One job run in its own transaction, `hours` after the application breached."""
    with sessions() as session:
        moment = deadlines.breached_at(app.expected_decision_on) + timedelta(hours=hours)
        result = escalation.run(session, chain=chain, now=moment)
        session.commit()
    return result


def notices(sessions: Any, app: Application) -> list[tuple[int, str, str]]:
    with sessions() as session:
        return [(n.level, n.role, n.action) for n in session.scalars(
            select(EscalationNotice).where(EscalationNotice.application_id == app.id)
            .order_by(EscalationNotice.id))]


def escalated_folios(client: httpx.Client) -> dict[str, int]:
    answer = client.get("/agency/escalations")
    assert answer.status_code == 200, answer.text
    return {i["folio"]: i["level"] for i in answer.json()["items"]}


class TestEscalation:
    def test_climbs_one_level_per_run_and_each_level_sees_it(
            self, clerk: httpx.Client, supervisor: httpx.Client, sedeso: httpx.Client,
            styfe: httpx.Client, sessions: Any, chain: escalation_rules.Chain) -> None:
        folio, app = late(clerk, sessions)
        assert run(sessions, chain, app, 1).acted
        assert notices(sessions, app) == [(1, "office_supervisor", "escalated")]
        run(sessions, chain, app, 1)  # again, nothing new is due: no second notice
        assert notices(sessions, app) == [(1, "office_supervisor", "escalated")]
        assert folio not in escalated_folios(sedeso)  # the program lead is not told yet

        run(sessions, chain, app, 200)  # long past every level: still one level per run
        assert [n[0] for n in notices(sessions, app)] == [1, 2]
        assert escalated_folios(sedeso)[folio] == 2
        assert folio not in escalated_folios(styfe)  # another agency never sees it
        feed = sedeso.get("/agency/changes", params={"cursor": "0", "limit": 1000}).json()
        raised = [c for c in feed["changes"] if c["action"] == "escalated"
                  and c["data"]["folio"] == folio]
        assert [c["data"]["level"] for c in raised] == [1, 2]

        run(sessions, chain, app, 200)
        assert [n[0] for n in notices(sessions, app)] == [1, 2, 3]
        run(sessions, chain, app, 200)  # the chain has no fourth level
        assert [n[0] for n in notices(sessions, app)] == [1, 2, 3]

        assert move(supervisor, folio, "in_review").status_code == 200  # acting stops the clock
        assert folio not in escalated_folios(sedeso)
        promised = supervisor.get(f"/applications/{folio}").json()["expected_decision_on"]
        assert promised == (city_today() + timedelta(days=chain.restart_days)).isoformat()
        assert notices(sessions, app)[-1] == (3, "coordinator", "stopped")

    def test_a_decision_stops_it_for_good(
            self, clerk: httpx.Client, supervisor: httpx.Client, sedeso: httpx.Client,
            sessions: Any, chain: escalation_rules.Chain) -> None:
        folio, app = late(clerk, sessions)
        assert move(supervisor, folio, "in_review").status_code == 200  # not escalated yet: no change
        run(sessions, chain, app, 1)
        run(sessions, chain, app, 60)
        assert escalated_folios(sedeso)[folio] == 2
        assert move(supervisor, folio, "rejected", "No cumple el requisito").status_code == 200
        assert folio not in escalated_folios(sedeso)
        run(sessions, chain, app, 500)
        assert notices(sessions, app)[-1] == (2, "program_lead", "stopped")

    def test_two_runs_at_once_raise_a_request_once(
            self, clerk: httpx.Client, sessions: Any, chain: escalation_rules.Chain) -> None:
        _, app = late(clerk, sessions)
        run(sessions, chain, app, 1)  # at level 1: both runs below read the same row
        start = threading.Barrier(2)
        results: list[EscalationRun] = []

        def job() -> None:
            with sessions() as session:
                start.wait()
                moment = deadlines.breached_at(app.expected_decision_on) + timedelta(hours=60)
                results.append(escalation.run(session, chain=chain, now=moment))
                session.commit()

        threads = [threading.Thread(target=job) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(results) == 2
        assert notices(sessions, app) == [(1, "office_supervisor", "escalated"),
                                          (2, "program_lead", "escalated")]

    def test_only_agencies_read_the_agency_queue(self, clerk: httpx.Client,
                                                 anon: httpx.Client) -> None:
        assert clerk.get("/agency/escalations").status_code == 403
        assert anon.get("/agency/escalations").status_code == 401

"""Following a request by folio and birth date from any channel: Open311 fields as JSON, the
same answer for a wrong folio and a wrong birth date, a rate limit per address, and one rating
per decided request."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from redangel.audit.models import AuditEvent
from redangel.config import Settings
from redangel.program.models import Application, Feedback
from tests.conftest import LiveServer, start_server
from tests.program.helpers import approve, folio_of, move, new_person

PROGRAM = "comedores_comunitarios"


@pytest.fixture
def request_of(clerk: httpx.Client) -> tuple[str, str]:
    """(folio, birth date) of a new open application."""
    person = new_person(clerk)
    return folio_of(clerk, person["id"], PROGRAM), person["birth_date"]


def status(anon: httpx.Client, folio: str, born: str, **headers: str) -> httpx.Response:
    return anon.post("/requests/status", json={"folio": folio, "birth_date": born},
                     headers=headers)


class TestStatusByFolio:
    def test_open311_fields_for_the_right_pair(self, anon: httpx.Client,
                                               request_of: tuple[str, str]) -> None:
        folio, born = request_of
        answer = status(anon, folio.lower().replace("-", " "), born, **{"Accept-Language": "en"})
        assert answer.status_code == 200, answer.text
        [item] = answer.json()
        assert item["service_request_id"] == folio and item["status"] == "open"
        assert item["status_notes"].startswith("Received")
        assert item["agency_responsible"] and item["service_name"]
        for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
            assert item[key]
        assert born not in answer.text

    def test_wrong_folio_and_wrong_date_get_the_same_answer(
            self, anon: httpx.Client, request_of: tuple[str, str], sessions: Any) -> None:
        folio, born = request_of
        other_day = ("1901-01-01" if born != "1901-01-01" else "1902-02-02")
        wrong_date = status(anon, folio, other_day)
        wrong_folio = status(anon, "RA-0000-0000-0", born)
        typo = status(anon, folio[:-1] + ("A" if folio[-1] != "A" else "B"), born)
        for answer in (wrong_date, wrong_folio, typo):
            assert answer.status_code == 404
        bodies = [{k: v for k, v in a.json().items() if k != "instance"}
                  for a in (wrong_date, wrong_folio, typo)]
        assert bodies[0] == bodies[1] == bodies[2]
        assert bodies[0]["code"] == "folio_no_match"
        es = status(anon, folio, other_day, **{"Accept-Language": "es"}).json()["detail"]
        en = status(anon, folio, other_day, **{"Accept-Language": "en"}).json()["detail"]
        assert "folio" in es and "No request matches" in en and es != en

    def test_a_match_is_audited_against_the_person(
            self, anon: httpx.Client, clerk: httpx.Client, sessions: Any) -> None:
        person = new_person(clerk)
        folio = folio_of(clerk, person["id"], PROGRAM)
        assert status(anon, folio, person["birth_date"]).status_code == 200
        with sessions() as session:
            seen = session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "application.folio",
                AuditEvent.person_id == uuid.UUID(person["id"]), AuditEvent.purpose == "follow_up"))
        assert seen == 1

    def test_bad_input_is_refused_by_field(self, anon: httpx.Client) -> None:
        answer = anon.post("/requests/status", json={"folio": "RA", "birth_date": "mañana"})
        assert answer.status_code == 422
        assert anon.post("/requests/status", json={"folio": "x" * 41,
                                                   "birth_date": "1950-01-01"}).status_code == 422
        nul = anon.post("/requests/status", json={"folio": "RA\u0000", "birth_date": "1950-01-01"})
        assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "folio"


@pytest.fixture
def limited(settings: Settings) -> Iterator[LiveServer]:
    """A server on the test database that allows three lookups a minute per address."""
    server = start_server(settings.model_copy(update={"rate_limit_folio_per_minute": 3}))
    yield server
    server.stop()


def test_guessing_is_rate_limited_per_address(limited: LiveServer,
                                              request_of: tuple[str, str]) -> None:
    folio, born = request_of
    with httpx.Client(base_url=limited.url, timeout=30) as client:
        answers = [client.post("/api/v1/requests/status",
                               json={"folio": folio, "birth_date": f"1950-01-0{d}"})
                   for d in range(1, 5)]
        assert [a.status_code for a in answers] == [404, 404, 404, 429]
        assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
        # The right pair is refused too: the page shares the window with the API.
        page = client.post("/folio", data={"folio": folio, "birth_date": born})
        assert page.status_code == 429


class TestRatingOnTheFolioPage:
    def test_one_rating_per_decided_request(
            self, live: LiveServer, clerk: httpx.Client, supervisor: httpx.Client,
            sessions: Any) -> None:
        person = new_person(clerk)
        folio = folio_of(clerk, person["id"], PROGRAM)
        form = {"folio": folio, "birth_date": person["birth_date"], "rating": "4",
                "comment": "Me atendieron bien"}
        with httpx.Client(base_url=live.url, timeout=30) as web:
            early = web.post("/folio/rating", data=form)
            assert early.status_code == 409  # not decided yet: nothing to rate
            approve(supervisor, folio)
            page = web.post("/folio", data={"folio": folio, "birth_date": person["birth_date"]})
            assert 'action="/folio/rating"' in page.text
            first = web.post("/folio/rating", data=form)
            assert first.status_code == 200 and 'id="notice"' in first.text
            second = web.post("/folio/rating", data={**form, "rating": "1"})
            assert second.status_code == 409
            assert "ya fue calificada" in second.text
        with sessions() as session:
            row = session.scalars(select(Feedback).join(
                Application, Application.id == Feedback.application_id)
                .where(Application.folio == folio)).one()
            assert (row.rating, row.channel) == (4, "website")  # the first answer stands
            assert row.comment_sealed and b"atendieron" not in row.comment_sealed

    def test_a_rejected_request_may_be_rated(self, live: LiveServer, clerk: httpx.Client,
                                             supervisor: httpx.Client) -> None:
        person = new_person(clerk)
        folio = folio_of(clerk, person["id"], PROGRAM)
        assert move(supervisor, folio, "rejected", "Faltó un documento").status_code == 200
        with httpx.Client(base_url=live.url, timeout=30) as web:
            answer = web.post("/folio/rating", data={"folio": folio,
                                                     "birth_date": person["birth_date"],
                                                     "rating": "2"})
            assert answer.status_code == 200
            bad = web.post("/folio/rating", data={"folio": folio,
                                                  "birth_date": person["birth_date"],
                                                  "rating": "9"})
            assert bad.status_code in (409, 422)

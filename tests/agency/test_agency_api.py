"""The agency API over real HTTP: scope, allowlist, lists with cursors, deciding, change feed,
roll export, CURP lookup and the DCI search — with the examples of docs/agency-api.md posted."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from redangel.person.fields import AVAILABLE, allowed
from tests.conftest import LiveServer, login
from tests.program.helpers import (
    agency_client,
    approve,
    folio_of,
    move,
    move_enrollment,
    new_person,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "agency-api.md"
DOC_CURP = "HEGG560427MVZRRL04"


@pytest.fixture
def styfe(live: LiveServer, sessions: Any) -> Iterator[httpx.Client]:
    client = agency_client(live, sessions, "styfe")
    yield client
    client.close()


@pytest.fixture
def salud(live: LiveServer, sessions: Any) -> Iterator[httpx.Client]:
    client = agency_client(live, sessions, "salud")
    yield client
    client.close()


def pages(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        answer = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return items


class TestScope:
    def test_only_agency_clients_may_call(self, clerk: httpx.Client, anon: httpx.Client) -> None:
        assert clerk.get("/agency/applications").status_code == 403
        assert anon.get("/agency/applications").status_code == 401
        assert clerk.post("/agency/persons/lookup", json={"curp": DOC_CURP}).status_code == 403

    def test_another_agency_sees_nothing_of_a_shared_person(
        self, clerk: httpx.Client, styfe: httpx.Client, salud: httpx.Client
    ) -> None:
        person = new_person(clerk)
        styfe_folio = folio_of(clerk, person["id"], "seguro_desempleo")
        salud_enrollment = approve(salud, folio_of(clerk, person["id"],
                                                   "servicios_medicos_gratuitos"))
        assert salud.get(f"/applications/{styfe_folio}").status_code == 404
        denied = salud.post(f"/applications/{styfe_folio}/transitions",
                            json={"to": "in_review"}, headers={"If-Match": "*"})
        assert denied.status_code == 404
        assert styfe.get(f"/enrollments/{salud_enrollment}").status_code == 404
        seen = styfe.get(f"/persons/{person['id']}/programs").json()
        assert [a["program"] for a in seen["applications"]] == ["seguro_desempleo"]
        assert seen["enrollments"] == []
        mine = styfe.get(f"/agency/persons/{person['id']}").json()
        assert [a["program"] for a in mine["applications"]] == ["seguro_desempleo"]
        stranger = new_person(clerk)
        assert styfe.get(f"/agency/persons/{stranger['id']}").status_code == 404
        lookup = styfe.post("/agency/persons/lookup", json={"curp": stranger["curp"]})
        assert lookup.status_code == 404

    def test_person_answers_carry_only_allowlisted_fields(
        self, clerk: httpx.Client, styfe: httpx.Client, salud: httpx.Client
    ) -> None:
        person = new_person(clerk, sensitive={"disability": "permanent",
                                              "health_coverage": "none",
                                              "family_violence": True})
        folio_of(clerk, person["id"], "seguro_desempleo")
        folio_of(clerk, person["id"], "servicios_medicos_gratuitos")
        for client, agency in ((styfe, "styfe"), (salud, "salud")):
            found = client.post("/agency/persons/lookup", json={"curp": person["curp"]})
            assert found.status_code == 200, found.text
            keys = set(found.json()["person"])
            assert keys == set(allowed(agency)) and keys <= AVAILABLE
            assert "family_violence" not in keys and "disability" not in keys
            assert found.json()["person"]["curp"] == person["curp"]
        assert salud.post("/agency/persons/lookup", json={"curp": person["curp"]}).json()[
            "person"]["health_coverage"] == "none"
        bad = styfe.post("/agency/persons/lookup", json={"curp": person["curp"][:-1] + "X"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "curp"


class TestListsAndDecisions:
    def test_filtered_lists_page_with_cursors(self, clerk: httpx.Client,
                                              styfe: httpx.Client) -> None:
        folios = {folio_of(clerk, new_person(clerk)["id"], "seguro_desempleo") for _ in range(5)}
        items = pages(styfe, "/agency/applications", status="submitted",
                      program="seguro_desempleo", borough="iztapalapa", limit=2)
        got = [i["folio"] for i in items]
        assert len(got) == len(set(got)) and folios <= set(got)
        keys = [(i["submitted_at"], i["folio"]) for i in items]
        assert [k[0] for k in keys] == sorted(k[0] for k in keys)
        assert all(i["program"] == "seguro_desempleo" and i["status"] == "submitted"
                   and i["borough"] == "iztapalapa" for i in items)
        assert not folios & {i["folio"] for i in pages(styfe, "/agency/applications",
                                                       borough="coyoacan")}
        assert styfe.get("/agency/applications", params={"cursor": "nope"}).status_code == 422
        assert styfe.get("/agency/applications", params={"limit": 1000}).status_code == 422

    def test_agency_decides_with_if_match_and_moves_enrollments(
        self, clerk: httpx.Client, styfe: httpx.Client
    ) -> None:
        folio = folio_of(clerk, new_person(clerk)["id"], "seguro_desempleo")
        no_tag = styfe.post(f"/applications/{folio}/transitions", json={"to": "in_review"})
        assert no_tag.status_code == 428
        stale = styfe.post(f"/applications/{folio}/transitions", json={"to": "in_review"},
                           headers={"If-Match": '"application-x-v0"'})
        assert stale.status_code == 412
        enrollment = approve(styfe, folio)
        roll = pages(styfe, "/agency/enrollments", status="active", program="seguro_desempleo",
                     limit=100)
        assert enrollment in {e["id"] for e in roll}
        assert move_enrollment(styfe, enrollment, "exited", "moved_away").status_code == 200
        read = styfe.get(f"/enrollments/{enrollment}").json()
        assert read["status"] == "exited" and read["transitions"][-1]["actor_kind"] == "agency"

    def test_the_roll_by_borough_follows_the_person_who_moves(
        self, clerk: httpx.Client, styfe: httpx.Client
    ) -> None:
        person = new_person(clerk)["id"]
        enrollment = approve(styfe, folio_of(clerk, person, "seguro_desempleo"))

        def shown(borough: str) -> set[str]:
            return {e["id"] for e in pages(styfe, "/agency/enrollments", borough=borough,
                                           program="seguro_desempleo", limit=100)}

        assert enrollment in shown("iztapalapa")
        tag = clerk.get(f"/persons/{person}").headers["etag"]
        moved = clerk.patch(f"/persons/{person}", headers={"If-Match": tag}, json={
            "address": {"borough": "coyoacan", "postal_code": "04000"}})
        assert moved.status_code == 200, moved.text
        assert enrollment in shown("coyoacan") and enrollment not in shown("iztapalapa")

    def test_the_roll_pages_in_its_scope_and_audits_each_person_shown(
        self, clerk: httpx.Client, styfe: httpx.Client, salud: httpx.Client, sessions: Any
    ) -> None:
        people = [new_person(clerk)["id"] for _ in range(3)]
        for person in people:
            approve(styfe, folio_of(clerk, person, "seguro_desempleo"))
        with sessions() as session:
            mark = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) or 0
        roll = pages(styfe, "/agency/enrollments", program="seguro_desempleo",
                     borough="iztapalapa", limit=2)
        assert set(people) <= {e["person_id"] for e in roll}
        keys = [(e["started_on"], e["id"]) for e in roll]
        assert keys == sorted(keys) and len(keys) == len(set(keys))
        with sessions() as session:
            audited = session.execute(select(AuditEvent.person_id, AuditEvent.agency_code).where(
                AuditEvent.id > mark, AuditEvent.action == "agency.list_enrollments")).all()
        assert {str(p) for p, _ in audited} == {e["person_id"] for e in roll}
        assert {agency for _, agency in audited} == {"styfe"}
        assert not {e["person_id"] for e in pages(salud, "/agency/enrollments")} & set(people)
        assert styfe.get("/agency/enrollments", params={"cursor": "nope"}).status_code == 422


class TestChangeFeed:
    def _all(self, client: httpx.Client, cursor: str = "0") -> tuple[list[dict[str, Any]], str]:
        seen: list[dict[str, Any]] = []
        while True:
            answer = client.get("/agency/changes", params={"cursor": cursor, "limit": 7})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            if body["changes"]:
                assert body["changes"][0]["seq"] == int(cursor) + 1  # never a gap
            seen += body["changes"]
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return seen, cursor

    def test_changes_come_in_order_and_resume(self, clerk: httpx.Client,
                                              styfe: httpx.Client) -> None:
        _, start = self._all(styfe)
        folio = folio_of(clerk, new_person(clerk)["id"], "seguro_desempleo")
        enrollment = approve(styfe, folio)
        changes, end = self._all(styfe, start)
        mine = [(c["entity"], c["action"]) for c in changes
                if c["data"].get("folio") == folio or c["id"] == enrollment]
        assert mine == [("application", "submitted"), ("application", "in_review"),
                        ("enrollment", "active"), ("application", "approved")]
        assert changes[-1]["data"]["status"] == "approved"
        again, same = self._all(styfe, end)
        assert again == [] and same == end
        assert styfe.get("/agency/changes", params={"cursor": "-1"}).status_code == 422

    def test_concurrent_writers_never_make_the_reader_miss_or_repeat(
        self, live: LiveServer, world: Any, sessions: Any, clerk: httpx.Client,
        styfe: httpx.Client
    ) -> None:
        _, start = self._all(styfe)
        people = [new_person(clerk)["id"] for _ in range(8)]
        stop = threading.Event()
        read: list[dict[str, Any]] = []

        def reader() -> None:
            cursor = start
            client = agency_client(live, sessions, "styfe")
            try:
                while not stop.is_set():
                    body = client.get("/agency/changes",
                                      params={"cursor": cursor, "limit": 5}).json()
                    if body["changes"]:
                        assert body["changes"][0]["seq"] == int(cursor) + 1
                    read.extend(body["changes"])
                    cursor = body["next_cursor"]
                tail, _ = self._all(client, cursor)
                read.extend(tail)
            finally:
                client.close()

        def writer(person: str) -> None:
            c = login(live, world.clerk, world.password)
            decider = login(live, world.supervisor, world.password)
            try:
                approve(decider, folio_of(c, person, "seguro_desempleo"))
            finally:
                c.close()
                decider.close()

        with ThreadPoolExecutor(len(people) + 1) as pool:
            reading = pool.submit(reader)
            for done in [pool.submit(writer, p) for p in people]:
                done.result()
            stop.set()
            reading.result()
        seqs = [c["seq"] for c in read]
        assert seqs == list(range(int(start) + 1, int(start) + 1 + len(seqs)))
        everything, _ = self._all(styfe, start)
        assert [c["seq"] for c in everything] == seqs
        assert len([c for c in read if c["entity"] == "enrollment"]) >= len(people)


class TestExport:
    def test_roll_streams_as_ndjson_with_allowlisted_person(
        self, clerk: httpx.Client, styfe: httpx.Client
    ) -> None:
        enrolled = {approve(styfe, folio_of(clerk, new_person(clerk)["id"], "seguro_desempleo"))
                    for _ in range(3)}
        with styfe.stream("GET", "/agency/roll.ndjson",
                          params={"program": "seguro_desempleo", "status": "active"}) as answer:
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("application/x-ndjson")
            lines = [line for line in answer.iter_lines() if line]
        rows = [json.loads(line) for line in lines]
        # each line is its value as compact JSON writes it, the enrollment's fields first
        assert lines == [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows]
        assert all(list(r) == ["enrollment_id", "program", "status", "started_on", "ended_on",
                               "exit_reason", "person"] for r in rows)
        assert enrolled <= {r["enrollment_id"] for r in rows}
        assert all(r["status"] == "active" and r["program"] == "seguro_desempleo" for r in rows)
        assert all(set(r["person"]) == set(allowed("styfe")) for r in rows)
        listed = pages(styfe, "/agency/enrollments", status="active",
                       program="seguro_desempleo", limit=100)
        assert {r["enrollment_id"] for r in rows} == {e["id"] for e in listed}


def doc_examples() -> dict[str, Any]:
    """The JSON blocks of docs/agency-api.md, each named by the `<!-- example: name -->` before it."""
    text = DOC.read_text()
    found = re.findall(r"<!-- example: ([a-z0-9-]+) -->\s*```json\n(.*?)```", text, re.S)
    return {name: json.loads(body) for name, body in found}


def shape(value: Any) -> Any:
    """The keys of a JSON value, recursively (values left out)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


class TestDocumentedExamples:
    @pytest.fixture
    def enrolled(self, clerk: httpx.Client) -> dict[str, Any]:
        person = new_person(clerk)
        folio = folio_of(clerk, person["id"], "seguro_desempleo")
        move(clerk, folio, "in_review")
        return person

    def test_lookup_example(self, styfe: httpx.Client, enrolled: dict[str, Any]) -> None:
        examples = doc_examples()
        body = json.loads(json.dumps(examples["lookup-request"]).replace(DOC_CURP,
                                                                         enrolled["curp"]))
        answer = styfe.post("/agency/persons/lookup", json=body)
        assert answer.status_code == 200, answer.text
        assert shape(answer.json()["person"]) == shape(examples["lookup-response"]["person"])
        assert shape(answer.json()["applications"]) == shape(
            examples["lookup-response"]["applications"])

    def test_dci_search_example(self, styfe: httpx.Client, enrolled: dict[str, Any]) -> None:
        examples = doc_examples()
        request = json.loads(json.dumps(examples["dci-search-request"]).replace(
            DOC_CURP, enrolled["curp"]))
        answer = styfe.post("/agency/dci/registry/sync/search", json=request)
        assert answer.status_code == 200, answer.text
        body, documented = answer.json(), examples["dci-search-response"]
        assert shape(body["header"]) == shape(documented["header"])
        responses = body["message"]["search_response"]
        assert [r["reference_id"] for r in responses] == [
            r["reference_id"] for r in documented["message"]["search_response"]]
        assert [(r["status"], r.get("status_reason_code")) for r in responses] == [
            (r["status"], r.get("status_reason_code"))
            for r in documented["message"]["search_response"]]
        found = responses[0]["data"]["reg_records"][0]["demographic_info"]["identifier"]
        assert {"@type": "Identifier", "identifier_type": "CURP",
                "identifier_value": enrolled["curp"]} in found
        assert shape(responses[0]["data"]) == shape(
            documented["message"]["search_response"][0]["data"])

    def test_changes_example(self, styfe: httpx.Client, enrolled: dict[str, Any]) -> None:
        documented = doc_examples()["changes-response"]
        body = styfe.get("/agency/changes", params={"limit": 1}).json()
        assert shape(body) == shape(documented)

    def test_lists_example(self, styfe: httpx.Client, enrolled: dict[str, Any]) -> None:
        documented = doc_examples()["applications-response"]
        body = styfe.get("/agency/applications", params={"limit": 1}).json()
        item = {k: v for k, v in body["items"][0].items() if k != "transitions"}
        assert set(item) == set(documented["items"][0]) and set(body) == set(documented)

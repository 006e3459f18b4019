"""A household seen from another office: one member in scope (a baby registered without an
address) opens the household, but not its other members — they are counted, never shown, and
their memberships cannot be ended from there."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from tests.builders import person_payload
from tests.conftest import unique_suffix

COYOACAN = {"borough": "coyoacan", "colonia": "Centro", "postal_code": "04000",
            "street": "Calle Allende 3"}


def _person(desk: httpx.Client, **overrides: Any) -> dict[str, Any]:
    answer = desk.post("/persons", json=person_payload(unique_suffix(), **overrides))
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture
def family(other_clerk: httpx.Client) -> dict[str, Any]:
    """Mother and father of Coyoacán, and their baby registered there without an address."""
    mother = _person(other_clerk, address=COYOACAN)
    father = _person(other_clerk, address=COYOACAN, given_names="José", sex="H")
    baby = _person(other_clerk, address=None, with_curp=False, given_names="Sofía",
                   birth_date="2026-01-10")
    answer = other_clerk.post("/households", json={"borough": "coyoacan", "members": [
        {"person_id": mother["id"], "relationship": "head", "since": "2020-01-01"},
        {"person_id": father["id"], "relationship": "spouse", "since": "2020-01-01"},
        {"person_id": baby["id"], "relationship": "child", "since": "2026-01-10"}]})
    assert answer.status_code == 201, answer.text
    house = answer.json()
    ids = {m["person_id"]: m["membership_id"] for m in house["members"]}
    return {"household": house["id"], "mother": mother, "father": father, "baby": baby,
            "membership": ids}


def _no_trace(answer: httpx.Response, *persons: dict[str, Any]) -> None:
    for person in persons:
        assert person["id"] not in answer.text
        assert person["first_surname"] not in answer.text


class TestAnotherOfficeReadsTheHousehold:
    def test_only_the_member_in_scope_is_listed_and_the_others_counted(
        self, clerk: httpx.Client, family: dict[str, Any]
    ) -> None:
        answer = clerk.get(f"/households/{family['household']}")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [m["person_id"] for m in body["members"]] == [family["baby"]["id"]]
        assert body["members_elsewhere"] == 2
        _no_trace(answer, family["mother"], family["father"])

    def test_the_owning_office_sees_everyone_as_before(
        self, other_clerk: httpx.Client, family: dict[str, Any]
    ) -> None:
        body = other_clerk.get(f"/households/{family['household']}").json()
        assert {m["person_id"] for m in body["members"]} == {
            family[k]["id"] for k in ("mother", "father", "baby")}
        assert body["members_elsewhere"] == 0

    def test_the_overview_of_the_baby_lists_only_the_baby(
        self, clerk: httpx.Client, family: dict[str, Any]
    ) -> None:
        answer = clerk.get(f"/persons/{family['baby']['id']}/overview")
        assert answer.status_code == 200, answer.text
        household = answer.json()["household"]
        assert [m["person_id"] for m in household["members"]] == [family["baby"]["id"]]
        assert household["members_elsewhere"] == 2
        _no_trace(answer, family["mother"], family["father"])

    def test_each_office_reads_the_overview_in_its_own_scope_in_turn(
        self, clerk: httpx.Client, other_clerk: httpx.Client, family: dict[str, Any]
    ) -> None:
        baby = f"/persons/{family['baby']['id']}/overview"
        everyone = {family[k]["id"] for k in ("mother", "father", "baby")}
        for _ in range(2):  # the statement kept for one principal is never another's
            owning = other_clerk.get(baby).json()["household"]
            assert {m["person_id"] for m in owning["members"]} == everyone
            assert owning["members_elsewhere"] == 0
            answer = clerk.get(baby)
            assert [m["person_id"] for m in answer.json()["household"]["members"]] == [
                family["baby"]["id"]]
            _no_trace(answer, family["mother"], family["father"])

    def test_only_the_persons_shown_are_audited(
        self, clerk: httpx.Client, family: dict[str, Any], sessions: Any
    ) -> None:
        with sessions() as session:
            mark = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) or 0
        assert clerk.get(f"/households/{family['household']}").status_code == 200
        with sessions() as session:
            read = session.execute(select(AuditEvent.action, AuditEvent.person_id).where(
                AuditEvent.id > mark, AuditEvent.actor_role == "clerk")).all()
        assert [(a, str(p)) for a, p in read] == [("household.read", family["baby"]["id"])]


    def test_the_overview_audits_the_person_and_each_member_it_shows(
        self, clerk: httpx.Client, other_clerk: httpx.Client, family: dict[str, Any],
        sessions: Any
    ) -> None:
        ids = {k: family[k]["id"] for k in ("mother", "father", "baby")}
        for reader, shown in ((other_clerk, ("mother", "father")), (clerk, ())):
            with sessions() as session:
                mark = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) or 0
            assert reader.get(f"/persons/{ids['baby']}/overview").status_code == 200
            with sessions() as session:
                read = session.execute(select(AuditEvent.action, AuditEvent.person_id).where(
                    AuditEvent.id > mark, AuditEvent.person_id.in_(
                        [uuid.UUID(i) for i in ids.values()]))).all()
            assert sorted((a, str(p)) for a, p in read) == sorted(
                [("person.read", ids["baby"])] + [("household.read", ids[k]) for k in shown])


class TestAnotherOfficeCannotEndTheirMemberships:
    def test_ending_an_out_of_scope_membership_is_not_found(
        self, clerk: httpx.Client, other_clerk: httpx.Client, family: dict[str, Any]
    ) -> None:
        url = f"/households/{family['household']}"
        etag = clerk.get(url).headers["etag"]
        mother = family["membership"][family["mother"]["id"]]
        answer = clerk.post(f"{url}/members/{mother}/end",
                            json={"until": "2026-02-01", "reason": "moved_out"},
                            headers={"If-Match": etag})
        assert answer.status_code == 404, answer.text
        _no_trace(answer, family["mother"], family["father"])
        members = {m["person_id"]: m for m in other_clerk.get(url).json()["members"]}
        assert members[family["mother"]["id"]]["until"] is None

    def test_the_member_in_scope_may_still_leave(
        self, clerk: httpx.Client, family: dict[str, Any]
    ) -> None:
        url = f"/households/{family['household']}"
        etag = clerk.get(url).headers["etag"]
        baby = family["membership"][family["baby"]["id"]]
        answer = clerk.post(f"{url}/members/{baby}/end",
                            json={"until": "2026-02-01", "reason": "moved_out"},
                            headers={"If-Match": etag})
        assert answer.status_code == 200, answer.text
        assert answer.json()["members"][0]["until"] == "2026-02-01"
        _no_trace(answer, family["mother"], family["father"])

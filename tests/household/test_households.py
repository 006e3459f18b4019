"""Households over real HTTP: forming one, joining, leaving, moving, with history kept."""

from __future__ import annotations

import httpx
import pytest

from tests.builders import person_payload
from tests.conftest import unique_suffix


def new_person(clerk: httpx.Client, **overrides: object) -> str:
    answer = clerk.post("/persons", json=person_payload(unique_suffix(), **overrides))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


@pytest.fixture
def mother_and_child(clerk: httpx.Client) -> tuple[str, str]:
    return new_person(clerk), new_person(clerk, given_names="Sofía", birth_date="2015-06-01")


def form(clerk: httpx.Client, members: list[tuple[str, str, str]], **headers: str) -> httpx.Response:
    body = {"borough": "iztapalapa",
            "members": [{"person_id": p, "relationship": r, "since": s} for p, r, s in members]}
    return clerk.post("/households", json=body, headers=headers)


class TestForming:
    def test_household_with_members_reads_back(self, clerk: httpx.Client, mother_and_child) -> None:
        mother, child = mother_and_child
        answer = form(clerk, [(mother, "head", "2010-01-01"), (child, "child", "2015-06-01")])
        assert answer.status_code == 201, answer.text
        members = {m["person_id"]: m for m in answer.json()["members"]}
        assert members[mother]["relationship"] == "head"
        assert members[child]["until"] is None
        person = clerk.get(f"/persons/{child}").json()
        assert person["household"]["household_id"] == answer.json()["id"]

    def test_a_person_cannot_be_in_two_households(self, clerk: httpx.Client, mother_and_child) -> None:
        mother, child = mother_and_child
        assert form(clerk, [(mother, "head", "2010-01-01")]).status_code == 201
        answer = form(clerk, [(child, "head", "2020-01-01"), (mother, "parent", "2020-01-01")])
        assert answer.status_code == 409
        assert answer.json()["person_ids"] == [mother]

    def test_two_heads_refused(self, clerk: httpx.Client, mother_and_child) -> None:
        mother, child = mother_and_child
        answer = form(clerk, [(mother, "head", "2010-01-01"), (child, "head", "2015-06-01")])
        assert answer.status_code == 422

    def test_unknown_person_is_named(self, clerk: httpx.Client) -> None:
        answer = form(clerk, [("6b0f8a57-5bd2-4c5e-9d6a-4d6b7e0b0c11", "head", "2010-01-01")])
        assert answer.status_code == 404
        assert answer.json()["errors"][0]["field"] == "members.0.person_id"

    def test_idempotent_creation(self, clerk: httpx.Client, mother_and_child) -> None:
        mother, _ = mother_and_child
        first = form(clerk, [(mother, "head", "2010-01-01")], **{"Idempotency-Key": f"hh-{mother}"})
        again = form(clerk, [(mother, "head", "2010-01-01")], **{"Idempotency-Key": f"hh-{mother}"})
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"]


class TestMoving:
    def test_leave_one_household_and_join_another_keeps_history(
        self, clerk: httpx.Client, mother_and_child
    ) -> None:
        mother, child = mother_and_child
        first = form(clerk, [(mother, "head", "2010-01-01"), (child, "child", "2015-06-01")])
        household = first.json()
        membership = next(m for m in household["members"] if m["person_id"] == child)
        end_url = f"/households/{household['id']}/members/{membership['membership_id']}/end"
        missing = clerk.post(end_url, json={"until": "2024-01-31", "reason": "moved_to_other_household"})
        assert missing.status_code == 428
        ended = clerk.post(end_url, json={"until": "2024-01-31", "reason": "moved_to_other_household"},
                           headers={"If-Match": first.headers["etag"]})
        assert ended.status_code == 200, ended.text
        grandmother = new_person(clerk, given_names="Josefina", birth_date="1950-03-03")
        second = form(clerk, [(grandmother, "head", "2000-01-01"), (child, "grandparent", "2024-02-01")])
        assert second.status_code == 201, second.text
        old = clerk.get(f"/households/{household['id']}").json()
        past = next(m for m in old["members"] if m["person_id"] == child)
        assert past["until"] == "2024-01-31" and past["end_reason"] == "moved_to_other_household"
        assert clerk.get(f"/persons/{child}").json()["household"]["household_id"] == second.json()["id"]

    def test_stale_etag_is_412(self, clerk: httpx.Client, mother_and_child) -> None:
        mother, child = mother_and_child
        first = form(clerk, [(mother, "head", "2010-01-01")])
        household = first.json()
        joined = clerk.post(f"/households/{household['id']}/members",
                            json={"person_id": child, "relationship": "child", "since": "2015-06-01"})
        assert joined.status_code == 201, joined.text
        membership = next(m for m in joined.json()["members"] if m["person_id"] == child)
        answer = clerk.post(
            f"/households/{household['id']}/members/{membership['membership_id']}/end",
            json={"until": "2024-01-31", "reason": "moved_out"}, headers={"If-Match": first.headers["etag"]})
        assert answer.status_code == 412

    def test_end_before_start_is_refused(self, clerk: httpx.Client, mother_and_child) -> None:
        mother, _ = mother_and_child
        first = form(clerk, [(mother, "head", "2010-01-01")])
        membership = first.json()["members"][0]["membership_id"]
        answer = clerk.post(f"/households/{first.json()['id']}/members/{membership}/end",
                            json={"until": "2009-01-01", "reason": "moved_out"},
                            headers={"If-Match": first.headers["etag"]})
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "until"

    def test_other_office_cannot_see_the_household(
        self, clerk: httpx.Client, other_clerk: httpx.Client, mother_and_child
    ) -> None:
        mother, _ = mother_and_child
        household = form(clerk, [(mother, "head", "2010-01-01")]).json()
        assert other_clerk.get(f"/households/{household['id']}").status_code == 404

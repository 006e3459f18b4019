"""The person registry over real HTTP: create, read, update, duplicates, idempotency, errors."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select

from redangel.common.clock import city_today
from redangel.history.models import HistoryEntry
from tests.builders import person_payload
from tests.conftest import unique_suffix


def create(client: httpx.Client, payload: dict, **headers: str) -> httpx.Response:
    return client.post("/persons", json=payload, headers=headers)


class TestCreateAndRead:
    def test_created_person_reads_back_with_sealed_fields_opened(self, clerk: httpx.Client) -> None:
        payload = person_payload(unique_suffix())
        created = create(clerk, payload)
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["curp"] == payload["curp"]
        assert created.headers["etag"].endswith('-v1"')
        uuid.UUID(body["id"])  # opaque, not sequential
        read = clerk.get(f"/persons/{body['id']}", params={"purpose": "attention"})
        assert read.status_code == 200
        assert read.json()["phone"] == "5512345678"
        assert read.json()["sensitive"]["disability"] == "none"
        assert read.json()["address"]["borough"] == "iztapalapa"

    def test_person_without_curp_is_registered_without_one(self, clerk: httpx.Client) -> None:
        created = create(clerk, person_payload(unique_suffix(), with_curp=False))
        assert created.status_code == 201, created.text
        assert created.json()["curp"] is None

    def test_unknown_id_is_404_problem(self, clerk: httpx.Client) -> None:
        answer = clerk.get(f"/persons/{uuid.uuid4()}")
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/problem+json")


class TestCurpValidation:
    def test_wrong_check_digit_names_the_reason(self, clerk: httpx.Client) -> None:
        payload = person_payload(unique_suffix())
        digit = int(payload["curp"][-1])
        payload["curp"] = payload["curp"][:-1] + str((digit + 1) % 10)
        answer = create(clerk, payload, **{"Accept-Language": "en"})
        assert answer.status_code == 422
        error = answer.json()["errors"][0]
        assert error["field"] == "curp" and error["code"] == "curp_check_digit"
        assert "check digit" in error["reason"]

    def test_birth_date_inconsistent_with_curp(self, clerk: httpx.Client) -> None:
        payload = person_payload(unique_suffix())
        payload["birth_date"] = "1991-01-01"
        answer = create(clerk, payload)
        assert answer.status_code == 422
        assert [e["code"] for e in answer.json()["errors"]] == ["curp_birth_date"]
        assert "fecha de nacimiento" in answer.json()["errors"][0]["reason"]

    def test_sex_inconsistent_with_curp(self, clerk: httpx.Client) -> None:
        payload = person_payload(unique_suffix())
        payload["sex"] = "H"
        answer = create(clerk, payload)
        assert answer.status_code == 422
        assert "curp_sex" in [e["code"] for e in answer.json()["errors"]]

    def test_letter_o_in_digit_position_is_read_as_zero(self, clerk: httpx.Client) -> None:
        payload = person_payload(unique_suffix(), birth_date="1980-10-05")
        payload["curp"] = payload["curp"][:4] + payload["curp"][4:10].replace("0", "O") + payload["curp"][10:]
        answer = create(clerk, payload)
        assert answer.status_code == 201, answer.text
        assert "O" not in answer.json()["curp"][4:10]

    def test_bad_format(self, clerk: httpx.Client) -> None:
        answer = create(clerk, person_payload(unique_suffix(), curp="ABC"))
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "curp"


class TestDuplicates:
    def test_same_curp_is_409_with_the_existing_record(self, clerk: httpx.Client) -> None:
        payload = person_payload(unique_suffix())
        first = create(clerk, payload).json()
        again = dict(payload, given_names="María Guadalupe", phone="5599999999")
        answer = create(clerk, again)
        assert answer.status_code == 409
        assert answer.json()["code"] == "duplicate_curp"
        assert answer.json()["existing"]["id"] == first["id"]

    def test_same_name_and_birth_date_within_one_typo_is_409_until_confirmed(
        self, clerk: httpx.Client
    ) -> None:
        suffix = unique_suffix()
        first = create(clerk, person_payload(suffix, with_curp=False)).json()
        typo = person_payload(suffix, with_curp=False, given_names="Maria Guadalupw",
                              birth_date=first["birth_date"])
        answer = create(clerk, typo)
        assert answer.status_code == 409
        assert answer.json()["code"] == "possible_duplicate"
        assert [c["id"] for c in answer.json()["candidates"]] == [first["id"]]
        confirmed = create(clerk, dict(typo, confirm_distinct_from=[first["id"]]))
        assert confirmed.status_code == 201, confirmed.text

    def test_different_birth_date_is_not_a_duplicate(self, clerk: httpx.Client) -> None:
        suffix = unique_suffix()
        create(clerk, person_payload(suffix, with_curp=False, birth_date="1970-01-01"))
        answer = create(clerk, person_payload(suffix, with_curp=False, birth_date="1971-01-01"))
        assert answer.status_code == 201


class TestIdempotency:
    def test_replay_returns_the_first_response_and_creates_one_record(self, clerk: httpx.Client) -> None:
        payload = person_payload(unique_suffix())
        key = str(uuid.uuid4())
        first = create(clerk, payload, **{"Idempotency-Key": key})
        second = create(clerk, payload, **{"Idempotency-Key": key})
        assert first.status_code == second.status_code == 201
        assert second.json() == first.json()
        assert second.headers.get("idempotent-replay") == "true"
        found = clerk.post("/persons/search", json={"curp": payload["curp"]}).json()["items"]
        assert len(found) == 1

    def test_same_key_other_body_is_422(self, clerk: httpx.Client) -> None:
        key = str(uuid.uuid4())
        assert create(clerk, person_payload(unique_suffix()), **{"Idempotency-Key": key}).status_code == 201
        answer = create(clerk, person_payload(unique_suffix()), **{"Idempotency-Key": key})
        assert answer.status_code == 422
        assert answer.json()["code"] == "idempotency_mismatch"


class TestUpdate:
    def test_if_match_required_and_checked(self, clerk: httpx.Client) -> None:
        created = create(clerk, person_payload(unique_suffix()))
        pid, tag = created.json()["id"], created.headers["etag"]
        missing = clerk.patch(f"/persons/{pid}", json={"phone": "5500000000"})
        assert missing.status_code == 428
        ok = clerk.patch(f"/persons/{pid}", json={"phone": "5500000000"}, headers={"If-Match": tag})
        assert ok.status_code == 200, ok.text
        assert ok.json()["phone"] == "5500000000" and ok.json()["version"] == 2
        stale = clerk.patch(f"/persons/{pid}", json={"phone": "5511111111"}, headers={"If-Match": tag})
        assert stale.status_code == 412
        assert clerk.get(f"/persons/{pid}").json()["phone"] == "5500000000"

    def test_history_records_who_and_what(self, clerk: httpx.Client, sessions) -> None:  # type: ignore[no-untyped-def]

        created = create(clerk, person_payload(unique_suffix()))
        pid = created.json()["id"]
        clerk.patch(f"/persons/{pid}", json={"attributes": {"employment_status": "unemployed"}},
                    headers={"If-Match": created.headers["etag"]})
        with sessions() as session:
            rows = session.scalars(select(HistoryEntry).where(
                HistoryEntry.entity_id == uuid.UUID(pid)).order_by(HistoryEntry.id)).all()
        assert [r.action for r in rows] == ["create", "update"]
        assert rows[1].changes == {"fields": ["attributes"]}
        assert rows[1].actor_kind == "staff"


class TestBadInput:
    def test_unknown_field_is_named(self, clerk: httpx.Client) -> None:
        answer = create(clerk, dict(person_payload(unique_suffix()), favourite_color="red"))
        assert answer.status_code == 422
        assert answer.json()["errors"][0] == {
            "field": "favourite_color", "code": "field_extra", "reason": "no es un campo permitido"}

    def test_nul_byte_is_refused(self, clerk: httpx.Client) -> None:
        answer = create(clerk, person_payload(unique_suffix(), given_names="Ana\x00"))
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "given_names"

    def test_oversize_string_and_number(self, clerk: httpx.Client) -> None:
        long_name = create(clerk, person_payload(unique_suffix(), given_names="A" * 101))
        assert long_name.status_code == 422
        assert long_name.json()["errors"][0]["code"] == "field_too_long"
        rich = create(clerk, person_payload(unique_suffix(), attributes={"monthly_income": 10**30}))
        assert rich.status_code == 422
        assert rich.json()["errors"][0]["field"] == "attributes.monthly_income"

    def test_malformed_json_is_a_problem_not_a_crash(self, clerk: httpx.Client) -> None:
        answer = clerk.post("/persons", content=b"{not json", headers={"content-type": "application/json"})
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "Traceback" not in answer.text

    def test_future_birth_date(self, clerk: httpx.Client) -> None:
        tomorrow = (city_today() + timedelta(days=1)).isoformat()
        answer = create(clerk, person_payload(unique_suffix(), with_curp=False, birth_date=tomorrow))
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["code"] == "date_future"

    def test_birth_date_past_the_calendar_is_refused_as_out_of_range(self, clerk: httpx.Client) -> None:
        answer = create(clerk, person_payload(unique_suffix(), with_curp=False, birth_date="2999-01-01"))
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["code"] == "date_range"

    def test_english_by_accept_language(self, clerk: httpx.Client) -> None:
        answer = clerk.post("/persons", json={}, headers={"Accept-Language": "en-US,en;q=0.9"})
        assert answer.status_code == 422
        assert answer.headers["content-language"] == "en"
        assert {e["reason"] for e in answer.json()["errors"]} == {"is required"}

"""Every /api/v1 answer says `Cache-Control: no-store`: they carry personal data, and no
browser or proxy cache may keep a copy (on a shared desk or anywhere between)."""

from __future__ import annotations

import uuid

import httpx

from tests.builders import person_payload
from tests.conftest import unique_suffix


def test_api_answers_are_never_stored(clerk: httpx.Client, anon: httpx.Client) -> None:
    created = clerk.post("/persons", json=person_payload(unique_suffix()))
    assert created.status_code == 201, created.text
    answers = [created, clerk.get(f"/persons/{created.json()['id']}"),
               clerk.get(f"/persons/{uuid.uuid4()}"), clerk.get("/auth/me"),
               anon.get(f"/persons/{uuid.uuid4()}"), anon.get("/no-such-route"),
               anon.get("/life-events")]
    for answer in answers:
        assert answer.headers.get("cache-control") == "no-store", (answer.request.url,
                                                                   answer.status_code)

"""Shared steps of the program and agency tests: persons, applications, moves, agency clients."""

from __future__ import annotations

from typing import Any

import httpx

from redangel.auth import service as auth
from tests.builders import person_payload
from tests.conftest import LiveServer, unique_suffix


def new_person(clerk: httpx.Client, **overrides: Any) -> dict[str, Any]:
    """Register a person in the clerk's borough; returns the created body."""
    answer = clerk.post("/persons", json=person_payload(unique_suffix(), **overrides))
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def apply(clerk: httpx.Client, person: str, program: str, **headers: str) -> httpx.Response:
    """Apply for a program on the person's behalf."""
    return clerk.post("/applications", json={"person_id": person, "program": program},
                      headers=headers)


def folio_of(clerk: httpx.Client, person: str, program: str) -> str:
    """Apply and return the folio (the application must be created)."""
    answer = apply(clerk, person, program)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["folio"])


def move(client: httpx.Client, folio: str, to: str, reason: str | None = None) -> httpx.Response:
    """Move an application with the ETag just read."""
    etag = client.get(f"/applications/{folio}").headers["etag"]
    return client.post(f"/applications/{folio}/transitions", json={"to": to, "reason": reason},
                       headers={"If-Match": etag})


def approve(client: httpx.Client, folio: str) -> str:
    """Review and approve; returns the enrollment id."""
    assert move(client, folio, "in_review").status_code == 200
    answer = move(client, folio, "approved")
    assert answer.status_code == 200, answer.text
    return str(answer.json()["enrollment_id"])


def move_enrollment(client: httpx.Client, enrollment: str, to: str,
                    reason: str | None = None) -> httpx.Response:
    """Move an enrollment with the ETag just read."""
    etag = client.get(f"/enrollments/{enrollment}").headers["etag"]
    return client.post(f"/enrollments/{enrollment}/transitions",
                       json={"to": to, "reason": reason}, headers={"If-Match": etag})


_CLIENTS: dict[tuple[str, str], tuple[str, str]] = {}


def agency_client(live: LiveServer, sessions: Any, agency: str) -> httpx.Client:
    """An HTTP client authenticated as a client of a catalog agency (OAuth2 client credentials)."""
    key = (live.url, agency)
    if key not in _CLIENTS:
        with sessions() as session:
            client, secret = auth.create_agency_client(session, agency_code=agency)
            session.commit()
        _CLIENTS[key] = (client.client_id, secret)
    client_id, secret = _CLIENTS[key]
    http = httpx.Client(base_url=live.url + "/api/v1", timeout=60)
    token = http.post("/auth/token", data={"grant_type": "client_credentials",
                                           "client_id": client_id, "client_secret": secret})
    assert token.status_code == 200, token.text
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return http

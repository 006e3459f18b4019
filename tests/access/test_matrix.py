"""The authorization matrix, exercised over HTTP for every route × every kind of principal.

A principal outside a route's row is refused before anything is read: 401 without a
credential, 403 for a role that may not call it. A principal in the row, asking for an object
outside its scope (here: an id that is not theirs), gets 404 — or 422 when the body is not even
valid — never the object. The meta-test fails when a route has no row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.access.matrix import EXEMPT_PREFIXES, MATRIX, PUBLIC
from tests.conftest import LiveServer, login

ROLES = ("anonymous", "clerk", "supervisor", "analyst", "admin", "agency", "device", "citizen")
PARAMS = {
    "person_id": str(uuid.uuid4()),
    "household_id": str(uuid.uuid4()),
    "membership_id": "1",
    "issuance_id": str(uuid.uuid4()),
    "serial": "0000000000000000",
    "folio": "RA-0000-0000-0",
    "enrollment_id": str(uuid.uuid4()),
    "event_code": "birth_of_child",
}


def test_every_api_route_has_a_row(live: LiveServer) -> None:
    schema = live.app.openapi()  # type: ignore[attr-defined]
    routes = set()
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/"):
            assert path.startswith(EXEMPT_PREFIXES), f"{path} is neither API nor exempt"
            continue
        routes |= {(method.upper(), path) for method in operations}
    hidden = [
        r
        for r in live.app.routes  # type: ignore[attr-defined]
        if getattr(r, "path", "").startswith("/api/") and not getattr(r, "include_in_schema", True)
    ]
    assert hidden == [], "API routes must be documented so that the matrix sees them"
    missing = sorted(routes - set(MATRIX))
    assert missing == [], f"routes without an authorization decision in tests/access/matrix.py: {missing}"
    stale = sorted(set(MATRIX) - routes)
    assert stale == [], f"matrix rows for routes that no longer exist: {stale}"


@pytest.fixture(scope="module")
def principals(live: LiveServer, world, sessions) -> Iterator[dict[str, httpx.Client]]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from redangel.auth.models import KioskDevice
    from redangel.auth.secrets import token_hash
    from redangel.auth.service import open_kiosk_session
    from tests.builders import person_payload
    from tests.conftest import unique_suffix

    clients = {
        role: login(live, getattr(world, role), world.password)
        for role in ("clerk", "supervisor", "analyst", "admin")
    }
    base = live.url + "/api/v1"
    clients["anonymous"] = httpx.Client(base_url=base)
    token = httpx.post(
        f"{base}/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": world.agency_client_id,
            "client_secret": world.agency_secret,
        },
    ).json()
    clients["agency"] = httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    clients["device"] = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {world.kiosk_token}"})
    created = clients["clerk"].post("/persons", json=person_payload(unique_suffix()))
    someone = uuid.UUID(created.json()["id"])
    with sessions() as session:
        device = session.scalar(
            select(KioskDevice).where(KioskDevice.token_hash == token_hash(world.kiosk_token))
        )
        citizen_token, kiosk = open_kiosk_session(session, device=device, person_id=someone, card_serial=None)
        kiosk.pin_verified = True
        session.commit()
    clients["citizen"] = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {citizen_token}"})
    yield clients
    for client in clients.values():
        client.close()


def _call(client: httpx.Client, method: str, path: str) -> httpx.Response:
    url = path.removeprefix("/api/v1").format(**PARAMS)
    if method in ("POST", "PATCH"):
        return client.request(method, url, json={}, headers={"If-Match": "*"})
    return client.request(method, url, headers={"If-Match": "*"})


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_route_against_every_principal(principals, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    allowed = MATRIX[(method, path)]
    for role in ROLES:
        if method == "DELETE" and role in ("citizen", "device") and role in allowed:
            continue  # ending the card session here would end it for the rows that follow
        if path.endswith("/logout") and role != "anonymous":
            continue  # signing out here would sign the shared clients out for the rows that follow
        answer = _call(principals[role], method, path)
        status = answer.status_code
        assert status < 500, (role, method, path, answer.text)
        if allowed == PUBLIC:
            assert status not in (401, 403), (role, method, path, status)
        elif role == "anonymous":
            assert status == 401, (method, path, status)
        elif role not in allowed:
            assert status == 403, (role, method, path, status, answer.text)
        else:
            assert status not in (401, 403), (role, method, path, status, answer.text)
            if "{" in path and path != "/api/v1/life-events/{event_code}/evaluations":
                # the ids asked for belong to nobody in scope: never an object back
                assert not 200 <= status < 300, (role, method, path, status)

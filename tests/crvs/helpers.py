"""Shared steps of the civil registry tests: a registered civil registry, families, programs."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from redangel.auth.principal import SYSTEM
from redangel.common.clock import city_today
from redangel.crvs import service, simulator
from tests.builders import person_payload
from tests.conftest import unique_suffix
from tests.dci.standard import errors, request_body, validator
from tests.program.helpers import approve, folio_of

NOTIFY = request_body("registry", "/registry/notify")
ACK = validator("registry", "#/components/responses/Response/content/application~1json/schema")
TRANSPORT = validator("registry", "#/components/responses/HttpErrorResponse/content/"
                                  "application~1json/schema")
CALLBACK_HEADER = validator("registry", "#/components/schemas/MsgCallbackHeader_V1.0.0")


def register(sessions: Any) -> simulator.CivilRegistry:
    """A civil registry with a fresh key, registered as an admin would."""
    registry = simulator.CivilRegistry(sender_id=f"civil-{unique_suffix()}", key=simulator.new_key())
    with sessions() as session:
        service.add_source(session, principal=SYSTEM, sender_id=registry.sender_id,
                           name="Registro Civil de la Ciudad de México",
                           public_key=simulator.public_text(registry.key), receiver_id="redangel")
        session.commit()
    return registry


def send(live_url: str, registry: simulator.CivilRegistry, events: list[dict[str, Any]],
         **envelope: Any) -> httpx.Response:
    """Sign and post a notify; the request is checked against the standard first."""
    body = registry.envelope(events, **envelope)
    assert errors(NOTIFY, body) == []
    with httpx.Client(base_url=live_url, timeout=60) as client:
        return registry.send(client, body)


def post_raw(live_url: str, body: Any) -> httpx.Response:
    """Post a body as is."""
    with httpx.Client(base_url=live_url, timeout=60) as client:
        return client.post("/api/v1/crvs/registry/notify", json=body)


def acked(answer: httpx.Response) -> None:
    """The notify was taken, and the answer is the standard's acknowledgement."""
    assert answer.status_code == 200, answer.text
    assert errors(ACK, answer.json()) == []
    assert answer.json()["message"]["ack_status"] == "ACK"


def person(clerk: httpx.Client, **overrides: Any) -> dict[str, Any]:
    """Register a person at the clerk's office; the created body (with its CURP)."""
    answer = clerk.post("/persons", json=person_payload(unique_suffix(), **overrides))
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def household(clerk: httpx.Client, members: list[tuple[str, str]], since: str = "2015-01-01") -> str:
    """Form a household; returns its id."""
    answer = clerk.post("/households", json={"borough": "iztapalapa", "members": [
        {"person_id": p, "relationship": r, "since": since} for p, r in members]})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def enrol(clerk: httpx.Client, supervisor: httpx.Client, person_id: str, program: str) -> str:
    """Apply at the office and have the supervisor approve; the enrollment id."""
    return approve(supervisor, folio_of(clerk, person_id, program))


def event_of(admin: httpx.Client, reference_id: str) -> dict[str, Any]:
    """The event a reference id was notified under, as an admin sees it."""
    items = admin.get("/crvs/events", params={"limit": 200}).json()["items"]
    found = [e for e in items if e["reference_id"] == reference_id]
    assert len(found) == 1, items[:3]
    return found[0]


_ISSUED: set[str] = set()  # the babies' CURPs drawn in this test session


def newborn(mother_curp: str | None, *, ref: str, born: date | None = None,
            **extra: Any) -> tuple[dict[str, Any], str]:
    """A birth event for a new baby and the baby's CURP. Babies born the same day share most of
    a CURP: only the surname's first two consonants and the homonymy letter tell them apart
    (9,600 CURPs a day), so a CURP drawn twice in one session is drawn again; a repeat would read
    as a baby already registered."""
    born = born or city_today() - timedelta(days=3)
    while True:
        first = f"{unique_suffix()}rangel"
        curp = simulator.child_curp(given="Mateo", first=first, second="López", sex="H", born=born,
                                    homonymy=random.choice("ABCDEFGHJKLMNPQRSTUVWXYZ"))
        if curp not in _ISSUED:
            _ISSUED.add(curp)
            break
    event = simulator.birth(reference_id=ref, curp=curp, given="Mateo", first=first,
                            second="López", sex="H", born=born, mother_curp=mother_curp,
                            at=datetime.now(UTC), **extra)
    return event, curp

"""The authorization matrix over HTTP: every route × principal × relation, and a meta-test
that fails when a route of the app has no row in tests/security/matrix.py."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from fastapi import routing
from fastapi.routing import APIRoute

from redangel.auth import service as auth
from redangel.auth.models import AgencyClient, KioskDevice
from redangel.auth.principal import SYSTEM
from redangel.auth.service import open_kiosk_session
from redangel.program.models import Program
from redangel.program.service import APPLICATION_MOVES, ENROLLMENT_MOVES
from redangel.rolls import service as rolls
from redangel.rolls.mapping import parse_mapping
from redangel.rolls.readers import read_roll
from tests.builders import person_payload
from tests.conftest import LiveServer, login, unique_suffix
from tests.security.matrix import (
    BIRTH,
    EXEMPT_PREFIXES,
    MATRIX,
    MEETINGS,
    REASONS,
    RELATIONS,
    ROLES,
    ROLL_CSV,
    ROLL_MAPPING,
    STALE,
    STANDARD_ANSWERS,
    TRANSITIONS,
    Expect,
    Meeting,
    Row,
    Side,
)

API = "/api/v1"


def _flat_routes(routes: list[Any]) -> list[Any]:
    """Every route of the app with its full path (FastAPI >= 0.16x keeps included routers lazy)."""
    flatten = getattr(routing, "iter_route_contexts", None)
    if flatten is None:  # older FastAPI: included routes are already flat
        return [_Plain(r) for r in routes]
    return list(flatten(routes))


@dataclass
class _Plain:
    route: Any

    def __getattr__(self, name: str) -> Any:
        return self.route if name == "original_route" else getattr(self.route, name)


def test_every_route_of_the_app_has_a_row(live: LiveServer) -> None:
    """Walk app.routes: each API route × method needs a row; everything else an exempt prefix."""
    missing, unexempt, seen = [], [], set()
    for route in _flat_routes(live.app.routes):  # type: ignore[attr-defined]
        path = getattr(route, "path", None) or ""
        if isinstance(route.original_route, APIRoute) and path.startswith(API):
            for method in sorted(set(route.methods or ()) - {"HEAD", "OPTIONS"}):
                seen.add((method, path))
                if (method, path) not in MATRIX:
                    missing.append(f"{method} {path}")
        elif not path.startswith(EXEMPT_PREFIXES):
            unexempt.append(path)
    assert not missing, (
        "routes without a row in tests/security/matrix.py (add the request to send and the "
        f"status each principal must get): {missing}")
    assert not unexempt, (
        f"routes outside {API} not covered by EXEMPT_PREFIXES in tests/security/matrix.py: "
        f"{unexempt}")
    stale = sorted(f"{m} {p}" for m, p in set(MATRIX) - seen)
    assert not stale, f"rows in tests/security/matrix.py for routes that do not exist: {stale}"


def test_every_row_decides_for_every_principal() -> None:
    """A row names a status for every principal, so no pair is silently skipped."""
    for key, row in MATRIX.items():
        assert set(row.expect) == set(ROLES), (key, set(ROLES) ^ set(row.expect))


@dataclass
class World:
    """Both sides and the credentials of every principal."""

    a: Side
    b: Side
    clients: dict[str, httpx.Client]
    device_id: Any
    device_token: str
    live: LiveServer
    staff: dict[str, str]
    password: str
    agency_creds: tuple[str, str]
    desks: dict[tuple[str, str], httpx.Client]  # (side, "clerk" | "supervisor") → its desk


def _ok(answer: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _side(desk: httpx.Client, decider: httpx.Client, borough: str, program: str) -> Side:
    suffix = unique_suffix()
    address = {"borough": borough, "colonia": "Centro", "postal_code": "09000", "street": "Calle 1"}
    person = _ok(desk.post("/persons", json=person_payload(suffix, address=address)))
    newcomer = _ok(desk.post("/persons", json=person_payload(unique_suffix(), address=address)))
    house = _ok(desk.post("/households", json={
        "borough": borough,
        "members": [{"person_id": person["id"], "relationship": "head", "since": "2020-01-01"}]}))
    folio = _ok(desk.post("/applications", json={"person_id": person["id"], "program": program}))
    folio_id = folio["folio"]
    for to in ("in_review", "approved"):  # the office's supervisor decides, not the clerk
        etag = decider.get(f"/applications/{folio_id}").headers["etag"]
        moved = _ok(decider.post(f"/applications/{folio_id}/transitions", json={"to": to},
                                 headers={"If-Match": etag}), 200)
    card = _ok(desk.post("/cards/issuances", json={
        "person_id": person["id"], "card_public_key": "B" * 43 + "="}))
    evaluation = _ok(desk.post("/life-events/birth_of_child/evaluations",
                               json={"person_id": person["id"], "answers": BIRTH}))
    return Side(
        person_id=person["id"], curp=person["curp"], surname=suffix,
        household_id=house["id"], membership_id=house["members"][0]["membership_id"],
        folio=folio_id, enrollment_id=moved["enrollment_id"], issuance_id=card["issuance_id"],
        serial=card["serial"], evaluation_id=evaluation["evaluation_id"],
        newcomer_id=newcomer["id"], program=program,
    )


def _roll_import(live: LiveServer, sessions: Any, side: Side) -> str:
    """An import of the side's agency roll (read, not merged)."""
    mapping = parse_mapping(ROLL_MAPPING, name="mapping")
    data = ROLL_CSV.encode()
    roll = read_roll(data, name="roll.csv", mapping=mapping, max_bytes=10_000)
    with sessions() as session:
        program = session.get(Program, side.program)
        imp = rolls.start(session, keyring=live.app.state.keyring,  # type: ignore[attr-defined]
                          principal=SYSTEM, roll=roll, data=data, agency_code=program.agency_code,
                          program_code=side.program, mapping=mapping)
        session.commit()
        return str(imp.id)


def _agency_token(live: LiveServer, client_id: str, secret: str) -> str:
    answer = httpx.post(f"{live.url}{API}/auth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    return str(_ok(answer, 200)["access_token"])


@pytest.fixture(scope="module")
def two_sides(live: LiveServer, world, sessions) -> Iterator[World]:  # type: ignore[no-untyped-def]

    tag = f"{random.randrange(16**6):06x}"
    with sessions() as session:
        codes = {c.client_id: c.agency_code for c in session.query(AgencyClient).filter(
            AgencyClient.client_id.in_([world.agency_client_id, world.other_agency_client_id]))}
        for name, client_id in (("pa", world.agency_client_id), ("pb", world.other_agency_client_id)):
            session.add(Program(code=f"{name}{tag}", agency_code=codes[client_id],
                                name_es=f"Programa {name}", name_en=f"Program {name}",
                                expected_days=30, documents=[]))
        device, device_token = auth.create_kiosk_device(session, name=f"matrix-{tag}",
                                                        office_id=world.office_id)
        other_supervisor = f"other-supervisor-{tag}"
        auth.create_user(session, username=other_supervisor, password=world.password,
                         role="supervisor", display_name="other supervisor",
                         office_id=world.other_office_id)
        session.commit()
        device_id = device.id
    clerk = login(live, world.clerk, world.password)
    clients = {"clerk": clerk}
    for role in ("supervisor", "analyst", "admin"):
        clients[role] = login(live, getattr(world, role), world.password)
    desks = {("a", "clerk"): clerk, ("a", "supervisor"): clients["supervisor"],
             ("b", "clerk"): login(live, world.other_clerk, world.password),
             ("b", "supervisor"): login(live, other_supervisor, world.password)}
    a = _side(clerk, clients["supervisor"], "iztapalapa", f"pa{tag}")
    b = _side(desks["b", "clerk"], desks["b", "supervisor"], "coyoacan", f"pb{tag}")
    a, b = (replace(side, roll_id=_roll_import(live, sessions, side)) for side in (a, b))
    base = live.url + API
    clients["anonymous"] = httpx.Client(base_url=base, timeout=30)
    token = _agency_token(live, world.agency_client_id, world.agency_secret)
    clients["agency"] = httpx.Client(base_url=base, timeout=30,
                                     headers={"Authorization": f"Bearer {token}"})
    clients["device"] = httpx.Client(base_url=base, timeout=30,
                                     headers={"Authorization": f"Bearer {device_token}"})
    staff = {role: getattr(world, role) for role in ("clerk", "supervisor", "analyst", "admin")}
    yield World(a, b, clients, device_id, device_token, live, staff, world.password,
                (world.agency_client_id, world.agency_secret), desks)
    for client in {*clients.values(), *desks.values()}:
        client.close()


def _citizen(w: World, sessions: Any) -> httpx.Client:
    """A fresh card session of side A's person at the matrix kiosk, PIN verified."""
    with sessions() as session:
        device = session.get(KioskDevice, w.device_id)
        token, kiosk = open_kiosk_session(session, device=device, person_id=_uuid(w.a.person_id),
                                          card_serial=None)
        kiosk.pin_verified = True
        session.commit()
    return httpx.Client(base_url=w.live.url + API, timeout=30,
                        headers={"Authorization": f"Bearer {token}"})


def _uuid(text: str) -> Any:
    return uuid.UUID(text)


def _client(w: World, role: str, row: Row, sessions: Any) -> tuple[httpx.Client, bool]:
    """The client of a role; a fresh one (to be closed) when the call ends its session."""
    if role == "citizen":
        return _citizen(w, sessions), True
    if row.ends_session and role in w.staff:
        return login(w.live, w.staff[role], w.password), True
    if row.ends_session and role == "agency":
        token = _agency_token(w.live, *w.agency_creds)
        return httpx.Client(base_url=w.live.url + API, timeout=30,
                            headers={"Authorization": f"Bearer {token}"}), True
    return w.clients[role], False


def _call(client: httpx.Client, method: str, path: str, row: Row, side: Side) -> httpx.Response:
    url = path.removeprefix(API).format(**side.params)
    body = row.body(side) if row.body else None
    if row.form:
        return client.request(method, url, data=body, headers=dict(row.headers))
    return client.request(method, url, json=body, headers=dict(row.headers), params=row.query)


def _expected(expect: Expect) -> tuple[frozenset[int], frozenset[int]]:
    pair = expect if isinstance(expect, tuple) else (expect, expect)
    return tuple(  # type: ignore[return-value]
        frozenset({s}) if isinstance(s, int) else s for s in pair)


def _no_leak(answer: httpx.Response, side: Side, context: str) -> None:
    text = answer.text
    assert side.curp not in text and side.surname not in text, (
        f"{context}: the other side's CURP or name in the answer: {text[:300]}")
    if 200 <= answer.status_code < 300:
        assert side.person_id not in text, f"{context}: the other side's person in {text[:300]}"


CASES = [(m, p, role) for (m, p) in sorted(MATRIX) for role in ROLES]


@pytest.mark.parametrize(("method", "path", "role"), CASES,
                         ids=[f"{m} {p} {r}" for m, p, r in CASES])
def test_route_principal_relation(two_sides: World, sessions, method: str, path: str,  # type: ignore[no-untyped-def]
                                  role: str) -> None:
    row = MATRIX[(method, path)]
    want = _expected(row.expect[role])
    for side, wanted, relation in zip((two_sides.a, two_sides.b), want, RELATIONS[role],
                                      strict=True):
        client, fresh = _client(two_sides, role, row, sessions)
        try:
            answer = _call(client, method, path, row, side)
        finally:
            if fresh:
                client.close()
        context = f"{method} {path} as {role} ({relation})"
        assert answer.status_code in wanted, (
            f"{context}: got {answer.status_code}, matrix says {sorted(wanted)}: {answer.text[:400]}")
        if answer.status_code >= 400 and path not in STANDARD_ANSWERS:
            assert answer.headers["content-type"].startswith("application/problem+json"), context
        if side is two_sides.b:
            _no_leak(answer, side, context)


def test_every_transition_has_a_row_for_every_meeting() -> None:
    """Each move of the state machines has a row, and each row decides every meeting."""
    moves = {("application", f, t) for f, tos in APPLICATION_MOVES.items() for t in tos}
    moves |= {("enrollment", f, t) for f, tos in ENROLLMENT_MOVES.items() for t in tos}
    assert set(TRANSITIONS) == moves, set(TRANSITIONS) ^ moves
    meetings = {(m.role, m.relation) for m in MEETINGS}
    for key, row in TRANSITIONS.items():
        assert set(row) == meetings, (key, set(row) ^ meetings)
    assert {m.role for m in MEETINGS} == set(ROLES)


BOROUGHS = {"a": "iztapalapa", "b": "coyoacan"}


def _open(desk: httpx.Client, decider: httpx.Client, person_desk: httpx.Client, side: Side,
          borough: str, entity: str, state: str) -> str:
    """An application (or enrollment) in `state`, submitted at `desk`, decided by `decider`."""
    address = {"borough": borough, "colonia": "Centro", "postal_code": "09000",
               "street": "Calle 2"}
    person = _ok(person_desk.post("/persons", json=person_payload(unique_suffix(),
                                                                  address=address)))
    folio = _ok(desk.post("/applications", json={"person_id": person["id"],
                                                 "program": side.program}))["folio"]
    steps = {"submitted": [], "in_review": ["in_review"], "active": ["in_review", "approved"],
             "suspended": ["in_review", "approved"]}[state]
    moved: dict[str, Any] = {}
    for to in steps:
        etag = decider.get(f"/applications/{folio}").headers["etag"]
        moved = _ok(decider.post(f"/applications/{folio}/transitions", json={"to": to},
                                 headers={"If-Match": etag}), 200)
    if entity == "application":
        return str(folio)
    enrollment = str(moved["enrollment_id"])
    if state == "suspended":
        etag = decider.get(f"/enrollments/{enrollment}").headers["etag"]
        _ok(decider.post(f"/enrollments/{enrollment}/transitions",
                         json={"to": "suspended", "reason": "other"},
                         headers={"If-Match": etag}), 200)
    return enrollment


@pytest.fixture(scope="module")
def transition_objects(two_sides: World) -> dict[tuple[str, str, str, str], str]:
    """(entity, from state, side, submitted_by) → folio or enrollment id, for every meeting."""
    w = two_sides
    out = {}
    wanted = {(m.side, m.submitted_by) for m in MEETINGS}
    for entity, state, _ in TRANSITIONS:
        for side_name, submitted_by in sorted(wanted):
            key = (entity, state, side_name, submitted_by)
            if key in out:
                continue
            side = w.a if side_name == "a" else w.b
            # who decides the earlier steps: someone other than the submitter
            decider = (w.clients["agency"] if (side_name, submitted_by) == ("a", "supervisor")
                       else w.desks[side_name, "supervisor"])
            out[key] = _open(w.desks[side_name, submitted_by], decider,
                             w.desks[side_name, "clerk"], side, BOROUGHS[side_name], entity,
                             state)
    return out


TRANSITION_CASES = [(key, m) for key in sorted(TRANSITIONS) for m in MEETINGS]


@pytest.mark.parametrize(("transition", "meeting"), TRANSITION_CASES,
                         ids=[f"{e} {f}->{t} {m.role} ({m.relation})"
                              for (e, f, t), m in TRANSITION_CASES])
def test_transition_principal_relation(two_sides: World, transition_objects: Any, sessions: Any,
                                       transition: tuple[str, str, str], meeting: Meeting) -> None:
    """Separation of duties, per transition: who may take each step, met in each relation."""
    entity, state, to = transition
    want = TRANSITIONS[transition][meeting.role, meeting.relation]
    target = transition_objects[entity, state, meeting.side, meeting.submitted_by]
    path = (f"/applications/{target}/transitions" if entity == "application"
            else f"/enrollments/{target}/transitions")
    client, fresh = ((_citizen(two_sides, sessions), True) if meeting.role == "citizen"
                     else (two_sides.clients[meeting.role], False))
    try:
        answer = client.post(path, json={"to": to, "reason": REASONS.get(to)},
                             headers=STALE)
    finally:
        if fresh:
            client.close()
    context = f"{entity} {state}->{to} as {meeting.role} ({meeting.relation})"
    assert answer.status_code == want, f"{context}: got {answer.status_code}: {answer.text[:400]}"
    if answer.status_code >= 400:
        assert answer.headers["content-type"].startswith("application/problem+json"), context

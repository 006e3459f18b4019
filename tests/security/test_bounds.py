"""Every date and number a request carries is bounded: out of range is a 422 problem naming the
field and the range in Spanish and English, never a 500 (`?submitted_to=9999-12-31` was one) and
never a stored date no person's life could hold."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.builders import person_payload
from tests.conftest import LiveServer, login, unique_suffix
from tests.program.helpers import agency_client, new_person

LATE, EARLY = "9999-12-31", "0001-01-01"
RANGE = ("1900-01-01", "2200-12-31")


@dataclass(frozen=True)
class Case:
    """One bounded input: who sends it, where, and the field the problem must name."""

    who: str
    method: str
    path: str
    field: str
    send: Callable[[Any, str], dict[str, Any]]  # (person id, value) -> httpx keyword arguments
    value: Any = LATE
    names_range: bool = True


def _query(name: str) -> Callable[[Any, str], dict[str, Any]]:
    return lambda _, value: {"params": {name: value}}


def _body(make: Callable[[Any, Any], dict[str, Any]]) -> Callable[[Any, str], dict[str, Any]]:
    return lambda person, value: {"json": make(person, value)}


CASES = [
    *(Case("agency", "GET", "/agency/applications", name, _query(name), value)
      for name in ("submitted_from", "submitted_to") for value in (LATE, EARLY)),
    *(Case("agency", "GET", "/agency/enrollments", name, _query(name), value)
      for name in ("started_from", "started_to") for value in (LATE, EARLY)),
    Case("clerk", "POST", "/persons/search", "birth_date", _body(lambda _, v: {"birth_date": v})),
    Case("clerk", "POST", "/persons", "birth_date",
         _body(lambda _, v: {**person_payload(unique_suffix(), with_curp=False), "birth_date": v}),
         "1899-12-31"),
    Case("clerk", "POST", "/persons", "resident_since", _body(lambda _, v: {
        **person_payload(unique_suffix(), with_curp=False), "attributes": {"resident_since": v}})),
    Case("clerk", "POST", "/life-events/turning_68/evaluations", "as_of",
         _body(lambda p, v: {"person_id": p, "as_of": v})),
    *(Case("clerk", "POST", "/life-events/birth_of_child/evaluations", "child_birth_date",
           _body(lambda p, v: {"person_id": p, "answers": {"child_birth_date": v}}), value)
      for value in (LATE, EARLY)),
    Case("clerk", "POST", "/screening", "child_birth_date", _body(lambda _, v: {
        "event_code": "birth_of_child", "person": {"age": 30}, "answers": {"child_birth_date": v}})),
    Case("clerk", "POST", "/screening", "resident_since",
         _body(lambda _, v: {"person": {"age": 30, "resident_since": v}}), EARLY),
    *(Case("supervisor", "POST", "/outreach", name,
           _body(lambda _, v, n=name: {"program": "apoyo_madres", n: v}))  # type: ignore[misc]
      for name in ("as_of", "since")),
    Case("clerk", "POST", "/households", "since", _body(lambda p, v: {
        "members": [{"person_id": p, "relationship": "head", "since": v}]}), EARLY),
    Case("clerk", "POST", f"/households/{uuid.uuid4()}/members", "since",
         _body(lambda p, v: {"person_id": p, "relationship": "child", "since": v})),
    Case("clerk", "POST", f"/households/{uuid.uuid4()}/members/1/end", "until",
         _body(lambda _, v: {"until": v, "reason": "other"})),
    Case("clerk", "POST", f"/households/{uuid.uuid4()}/members/{2**31}/end", "membership_id",
         _body(lambda _, __: {"until": "2020-01-01", "reason": "other"}), names_range=False),
    Case("agency", "POST", f"/enrollments/{uuid.uuid4()}/deliveries", "delivered_on",
         _body(lambda _, v: {"delivered_on": v, "kind": "cash"})),
    # the numbers: page sizes and counts
    Case("agency", "GET", "/agency/applications", "limit", _query("limit"), 101, names_range=False),
    Case("agency", "GET", "/agency/enrollments", "limit", _query("limit"), 0, names_range=False),
    Case("agency", "GET", "/agency/changes", "limit", _query("limit"), 1001, names_range=False),
    Case("clerk", "POST", "/persons/search", "limit", _body(lambda _, v: {"limit": v}), 10**20,
         names_range=False),
    Case("supervisor", "POST", "/outreach", "limit",
         _body(lambda _, v: {"program": "apoyo_madres", "limit": v}), 1001, names_range=False),
    Case("supervisor", "GET", "/offices/current/overdue", "limit", _query("limit"), 201,
         names_range=False),
]


@pytest.fixture(scope="module")
def callers(live: LiveServer, world: Any, sessions: Any) -> Iterator[dict[str, httpx.Client]]:
    clients = {"clerk": login(live, world.clerk, world.password),
               "supervisor": login(live, world.supervisor, world.password),
               "agency": agency_client(live, sessions, "styfe")}
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture(scope="module")
def person_id(callers: dict[str, httpx.Client]) -> str:
    return str(new_person(callers["clerk"])["id"])


@pytest.mark.parametrize("case", CASES,
                         ids=[f"{c.method} {c.path.split('/')[1]} {c.field}={c.value}" for c in CASES])
def test_out_of_range_is_a_problem_naming_the_field(callers: dict[str, httpx.Client],
                                                    person_id: str, case: Case) -> None:
    client = callers[case.who]
    for lang, words in (("es", "debe ser una fecha entre el"), ("en", "must be a date between")):
        answer = client.request(case.method, case.path, headers={"Accept-Language": lang,
                                                                 "Connection": "close"},
                                **case.send(person_id, case.value))
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        named = [e for e in problem["errors"] if e["field"].rsplit(".", 1)[-1] == case.field]
        assert named, problem
        if case.names_range:
            reason = named[0]["reason"]
            assert all(day in reason for day in RANGE), reason
            if named[0]["code"] == "date_range":
                assert words in reason, reason


def test_the_edges_of_the_range_are_accepted(callers: dict[str, httpx.Client]) -> None:
    agency = callers["agency"]
    for name in ("submitted_from", "submitted_to"):
        for day in RANGE:
            answer = agency.get("/agency/applications", params={name: day})
            assert answer.status_code == 200, answer.text
    found = callers["clerk"].post("/persons/search", json={"birth_date": RANGE[0]})
    assert found.status_code == 200, found.text

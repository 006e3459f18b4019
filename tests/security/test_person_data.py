"""The field level of the authorization matrix, and audit completeness, over HTTP.

For every route of the matrix and every principal that reaches it on its own side (A): the
person fields of the answer are a subset of what that principal may see there
(tests/security/person_data.py), and the request left one audit event, by that principal, for
every person the answer showed. A route whose answer shows side A's person but that has no
field policy fails, named; so does a route of the matrix that nobody classified.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from redangel.audit.models import AuditEvent
from redangel.auth.models import AgencyClient
from redangel.common.clock import city_today
from redangel.program.models import Application
from tests.program.helpers import folio_of, new_person
from tests.security.matrix import MATRIX, Row, Side
from tests.security.person_data import (
    FIELD_POLICY,
    ID_ONLY,
    NO_PERSON_DATA,
    parse,
    person_fields_in,
)
from tests.security.test_matrix import API, World, _client, _expected, two_sides

__all__ = ["two_sides"]  # the matrix's two-sided world, built again for this module


def test_every_route_of_the_matrix_is_classified() -> None:
    """Each route shows persons (with a field policy), names one by id only, or shows nobody."""
    kinds = {"FIELD_POLICY": set(FIELD_POLICY), "ID_ONLY": set(ID_ONLY),
             "NO_PERSON_DATA": set(NO_PERSON_DATA)}
    unclassified = sorted(f"{m} {p}" for m, p in set(MATRIX) - set().union(*kinds.values()))
    assert not unclassified, (
        "routes without a field policy in tests/security/person_data.py (say which person "
        f"fields each principal may receive, or that the route shows nobody): {unclassified}")
    twice = sorted(f"{m} {p}" for m, p in set(FIELD_POLICY) & (set(ID_ONLY) | NO_PERSON_DATA))
    assert not twice, f"routes classified twice: {twice}"
    stale = sorted(f"{m} {p}" for m, p in set().union(*kinds.values()) - set(MATRIX))
    assert not stale, f"classified routes that are not in the matrix: {stale}"


def _reaches(row: Row, role: str) -> bool:
    return role != "anonymous" and any(200 <= s < 300 for s in _expected(row.expect[role])[0])


CASES = [(m, p, role) for (m, p), row in sorted(MATRIX.items())
         for role in row.expect if _reaches(row, role)]


def _code(sessions: Any, client_id: str) -> str:
    with sessions() as session:
        return str(session.scalar(select(AgencyClient.agency_code)
                                  .where(AgencyClient.client_id == client_id)))


def _mark(sessions: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0))) or 0)


def _audited(sessions: Any, after: int, role: str) -> set[str]:
    """The persons with an audit event by a principal of this role since the mark."""
    with sessions() as session:
        rows = session.scalars(select(AuditEvent.person_id).where(
            AuditEvent.id > after, AuditEvent.actor_role == role,
            AuditEvent.person_id.is_not(None))).all()
    return {str(r) for r in rows}


def _send(client: httpx.Client, method: str, path: str, row: Row,
          side: Side) -> tuple[httpx.Response, dict[str, Any]]:
    url = path.removeprefix(API).format(**side.params)
    body = row.body(side) if row.body else None
    if row.form:
        return client.request(method, url, data=body, headers=dict(row.headers)), {}
    answer = client.request(method, url, json=body, headers=dict(row.headers), params=row.query)
    return answer, body if isinstance(body, dict) else {}


@pytest.mark.parametrize(("method", "path", "role"), CASES,
                         ids=[f"{m} {p} {r}" for m, p, r in CASES])
def test_answer_fields_and_audit(two_sides: World, sessions: Any, world: Any, method: str,
                                 path: str, role: str) -> None:
    """Keys of the answer ⊆ the principal's fields on this route; one audit event per person
    shown; an answer showing side A's person needs a field policy."""
    row, side = MATRIX[(method, path)], two_sides.a
    route = f"{method} {path} as {role}"
    mark = _mark(sessions)
    client, fresh = _client(two_sides, role, row, sessions)
    try:
        answer, sent = _send(client, method, path, row, side)
    finally:
        if fresh:
            client.close()
    if not 200 <= answer.status_code < 300:
        pytest.skip(f"{route}: {answer.status_code} (an earlier call changed the state)")
    body = parse(answer.text, answer.headers.get("content-type", ""))
    policy = FIELD_POLICY.get((method, path))
    fields = (policy.fields_of(body) if policy and policy.fields_of
              else person_fields_in(body))
    names_a = side.person_id in answer.text or side.curp in answer.text \
        or side.surname in answer.text
    if policy is None:
        if (method, path) in ID_ONLY:
            assert not fields and side.curp not in answer.text and side.surname not in answer.text, (
                f"{route}: an id-only route answered person fields {sorted(fields)}")
            return
        assert not names_a, (
            f"{route} returns person data without a field policy in "
            f"tests/security/person_data.py: {answer.text[:300]}")
        return
    code = _code(sessions, world.agency_client_id) if role == "agency" else ""
    may = policy.allowed(role, code)
    assert fields <= may, (
        f"{route}: person fields this principal may not receive: {sorted(fields - may)}")
    shown = policy.shown(body, side, sent)
    missing = sorted(shown - _audited(sessions, mark, role))
    assert not missing, (
        f"{route} showed {len(shown)} person(s) and left no audit event for {missing}")


def test_the_overdue_list_audits_each_person_it_lists(clerk: httpx.Client,
                                                      supervisor: httpx.Client,
                                                      sessions: Any) -> None:
    """The matrix's world has nothing overdue: here a late application of the office's person."""
    person = new_person(clerk)["id"]
    folio = folio_of(clerk, person, "comedores_comunitarios")
    with sessions() as session:
        session.execute(update(Application).where(Application.folio == folio).values(
            expected_decision_on=city_today() - timedelta(days=3650)))
        session.commit()
    mark = _mark(sessions)
    answer = supervisor.get("/offices/current/overdue", params={"limit": 200})
    assert answer.status_code == 200, answer.text
    listed = {row["person_id"] for row in answer.json()}
    assert person in listed
    missing = sorted(listed - _audited(sessions, mark, "supervisor"))
    assert not missing, f"GET /offices/current/overdue left no audit event for {missing}"

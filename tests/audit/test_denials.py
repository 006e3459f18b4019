"""Denied requests in the audit: a principal's denial is one event naming them; anonymous
denials are only counted, per address and minute, and never land in a person's accesses."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from redangel.audit.denials import OTHERS, Denial, DenialTally
from redangel.audit.models import AuditEvent
from tests.builders import person_payload
from tests.conftest import unique_suffix

CROWD_CALLS = 250


def _max_id(sessions: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
                   or 0)


def test_anonymous_denials_do_not_bury_real_accesses(  # type: ignore[no-untyped-def]
    clerk: httpx.Client, other_clerk: httpx.Client, anon: httpx.Client, sessions,
) -> None:
    created = clerk.post("/persons", json=person_payload(unique_suffix()))
    assert created.status_code == 201, created.text
    person_id = created.json()["id"]
    assert clerk.get(f"/persons/{person_id}").status_code == 200
    assert other_clerk.get(f"/persons/{person_id}").status_code == 404  # a real principal
    mark = _max_id(sessions)
    for _ in range(CROWD_CALLS):
        assert anon.get(f"/persons/{person_id}").status_code == 401
    view = clerk.get(f"/persons/{person_id}/accesses", params={"limit": 200})
    assert view.status_code == 200, view.text
    actions = [a["action"] for a in view.json()]
    assert "person.create" in actions and "person.read" in actions
    assert actions.count("denied:GET /persons/{person_id}") == 1  # the other clerk's
    assert len(actions) < 10
    with sessions() as session:  # not one row per call: the crowd is only counted
        written = session.scalars(select(AuditEvent).where(
            AuditEvent.id > mark, AuditEvent.actor_role == "anonymous")).all()
    assert len(written) < 10 and all(e.person_id is None for e in written)


def test_the_tally_writes_one_aggregate_per_address_and_minute(sessions) -> None:  # type: ignore[no-untyped-def]
    tally = DenialTally(sessions, max_addresses=3)
    mark = _max_id(sessions)
    for index in range(5):
        for _ in range(index + 1):
            tally.count(Denial(principal=None, action="denied:GET /api/v1/persons/{person_id}",
                               person_id=None, outcome="unauthenticated",
                               address=f"192.0.2.{index}"))
    assert tally.flush() == 0  # the minute has not ended
    assert tally.flush(everything=True) in (4, 8)  # 3 addresses and the rest; 2 minutes at most
    with sessions() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.id > mark)
                               .order_by(AuditEvent.id)).all()
    assert {r.action for r in rows} == {"denied:anonymous"}
    assert all(r.person_id is None and r.actor_role == "anonymous" for r in rows)
    assert sum(int(r.detail["count"]) for r in rows) == 1 + 2 + 3 + 4 + 5
    assert OTHERS in {r.detail["address"] for r in rows}

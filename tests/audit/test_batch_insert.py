"""A transaction's audit events are written in one statement however many (a page of persons
shown is one event each): every event is stored whole, as it was hashed, and then sealed."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, text

from redangel.audit import chain
from redangel.audit import service as audit
from redangel.audit.models import AuditEvent, AuditSeal
from redangel.auth.principal import Principal
from tests.audit.sealing import seal_everything

DETAIL = {"rows": 3, "note": "Peña \"x\"", "program": None, "nested": {"ids": [1, 2]}}


def _record(sessions: Any) -> tuple[Principal, Principal, list[uuid.UUID]]:
    """A page of three persons shown to an agency and a search by a clerk, in one transaction."""
    agency = Principal(kind="agency", id=str(uuid.uuid4()), role="agency", agency_code="dif")
    clerk = Principal(kind="staff", id=str(uuid.uuid4()), role="clerk",
                      office_id=uuid.uuid4(), office_borough="tlalpan")
    shown = [uuid.uuid4() for _ in range(3)]
    with sessions() as session:
        audit.record_shown(session, principal=agency, action="agency.list_enrollments",
                           person_ids=shown, purpose="program_administration", detail=DETAIL)
        audit.record(session, principal=clerk, action="person.search", person_id=None,
                     purpose="attention", outcome="not_found")
        session.commit()
    return agency, clerk, shown


def _stored(sessions: Any, *principals: Principal) -> list[AuditEvent]:
    with sessions() as session:
        return list(session.scalars(
            select(AuditEvent).where(AuditEvent.actor_id.in_([p.id for p in principals]))
            .order_by(AuditEvent.id)))


class TestBatchInsert:
    def test_each_event_is_stored_whole(self, sessions: Any) -> None:
        agency, clerk, shown = _record(sessions)
        rows = _stored(sessions, agency, clerk)
        assert [(r.actor_kind, r.actor_id, r.actor_role, r.office_id, r.agency_code, r.action,
                 r.person_id, r.purpose, r.outcome, r.detail) for r in rows] == [
            *[("agency", agency.id, "agency", None, "dif", "agency.list_enrollments", person,
               "program_administration", "ok", DETAIL) for person in shown],
            ("staff", clerk.id, "clerk", clerk.office_id, None, "person.search", None,
             "attention", "not_found", {})]
        for row in rows:  # what `audit verify` recomputes from a stored row (the instant too)
            assert chain.digest({name: getattr(row, name) for name in chain.FIELDS}) == row.digest
        assert len({row.digest for row in rows}) == 4

    def test_one_transaction_and_the_json_as_the_json_type_writes_it(
            self, sessions: Any, backend: str) -> None:
        agency, clerk, _ = _record(sessions)
        with sessions() as session:
            stored = session.execute(
                select(AuditEvent.xid, text("CAST(audit_event.detail AS TEXT)"))
                .where(AuditEvent.actor_id.in_([agency.id, clerk.id]))
                .order_by(AuditEvent.id)).all()
        if backend == "postgresql":  # the sealer takes a transaction's events together
            assert len({xid for xid, _ in stored}) == 1 and stored[0][0] is not None
        assert [detail for _, detail in stored] == [
            '{"rows": 3, "note": "Pe\\u00f1a \\"x\\"", "program": null, "nested": {"ids": [1, 2]}}'
        ] * 3 + ["{}"]

    def test_the_batch_is_sealed(self, sessions: Any) -> None:
        agency, clerk, _ = _record(sessions)
        seal_everything(sessions)
        ids = [row.id for row in _stored(sessions, agency, clerk)]
        with sessions() as session:
            sealed = session.scalars(select(AuditSeal.event_id)
                                     .where(AuditSeal.event_id.in_(ids))).all()
        assert sorted(sealed) == sorted(ids) and len(ids) == 4

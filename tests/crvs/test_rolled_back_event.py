"""An event of a notify whose work is rolled back to its savepoint leaves nothing behind, and
takes nothing of the work before it: its audit events and change-feed entries are not written
when the notify commits, those of an earlier event and a change queued outside any savepoint
are, on SQLite and PostgreSQL. The events'
own work is stood in for here (a change recorded, then, for the second, a refusal), so that the
refusal comes after the change whatever the catalog and the data."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from redangel.audit import service as audit
from redangel.audit.models import AuditEvent
from redangel.crvs import vital
from redangel.crvs.models import CrvsEvent
from redangel.errors import Conflict
from redangel.program import changes
from redangel.program.models import ChangeEntry


def test_a_rolled_back_event_leaves_no_change_and_no_audit_and_keeps_the_earlier_ones(
        sessions: Any, keyring: Any, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    processed, queued, refused = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def exited(session: Any, person: uuid.UUID) -> None:
        # An entry as a real exit writes it: the agency's feed is read by other tests.
        changes.record(session, agency_code="styfe", entity="enrollment", entity_id=person,
                       person_id=person, program_code="seguro_desempleo", action="exited",
                       data={"id": str(person), "person_id": str(person),
                             "program": "seguro_desempleo", "status": "exited",
                             "started_on": "2026-01-05", "ended_on": "2026-12-01",
                             "exit_reason": "death", "version": 2})

    def ends(ctx: vital.Context, event: CrvsEvent, record: Any) -> dict[str, Any]:
        exited(ctx.session, record)
        audit.record(ctx.session, principal=ctx.principal(), action="enrollment.exit",
                     person_id=record, purpose="civil_registry")
        if record == refused:
            raise Conflict("household_head_ambiguous")
        return {}

    monkeypatch.setattr(vital, "_death", ends)
    events = [CrvsEvent(id=uuid.uuid4(), kind="death") for _ in range(2)]
    with sessions() as session:
        ctx = vital.Context(session=session, keyring=keyring, catalog=None, sender_id="rc-test")
        vital.run(ctx, events[0], record=processed)
        exited(session, queued)  # queued outside any savepoint, as a service does after one
        vital.run(ctx, events[1], record=refused)
        session.commit()
    assert [e.state for e in events] == ["processed", "needs_review"]
    everyone = [processed, queued, refused]
    with sessions() as session:
        fed = session.scalars(select(ChangeEntry.person_id).where(
            ChangeEntry.person_id.in_(everyone))).all()
        audited = session.scalars(select(AuditEvent.person_id).where(
            AuditEvent.person_id.in_(everyone))).all()
    assert sorted(fed) == sorted([processed, queued]) and audited == [processed]

"""What a registered death ends in the programs, and what a reversal of it gives back.

A death ends every live enrollment with reason `death` on the day of death (not the day the
civil registry told us), closes every open application (rejected, reason `person_deceased`),
and enters both in the agencies' change feed. What it ended is returned as plain ids and
former states, so a reversal can put back exactly that: an enrollment reactivated as it was
(active or suspended, same start), unless the program has a live enrollment for the person
again; an application reopened unless another is open.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.db import utcnow
from redangel.history import service as history
from redangel.program import changes, repository
from redangel.program.models import Application, Enrollment
from redangel.program.service import application_data, enrollment_data

DECEASED = "person_deceased"


def _feed(session: Session, row: Application | Enrollment, entity: str, action: str,
          data: dict[str, Any]) -> None:
    program = repository.program(session, row.program_code)
    assert program is not None
    _record(session, program.agency_code, row, entity, action, data)


def _record(session: Session, agency_code: str, row: Application | Enrollment, entity: str,
            action: str, data: dict[str, Any]) -> None:
    changes.record(session, agency_code=agency_code, entity=entity, entity_id=row.id,
                   person_id=row.person_id, program_code=row.program_code, action=action,
                   data=data)


def end_for_death(session: Session, *, principal: Principal, person_id: uuid.UUID,
                  died_on: date) -> dict[str, Any]:
    """Exit every live enrollment on the day of death and close every open application, in a
    fixed number of statements however many there are (each kind read and locked with its
    agency in one query and changed in one UPDATE, their history written in one batch). The
    feed's entries are built from the rows as read and what was changed (objects never added
    to the session)."""
    ended: list[dict[str, str]] = []
    exits = {"reason": "death", "on": died_on.isoformat()}
    for row in repository.exit_live_enrollments(session, person_id, day=died_on, reason="death"):
        ended.append({"id": str(row.id), "status": row.status, "program": row.program_code})
        now = Enrollment(id=row.id, person_id=row.person_id, program_code=row.program_code,
                         status="exited", started_on=row.started_on, ended_on=died_on,
                         exit_reason="death", version=row.version + 1)
        _record(session, row.agency_code, now, "enrollment", "exited", enrollment_data(now))
    closed: list[dict[str, str]] = []
    decided = utcnow()
    for row in repository.close_open_applications(session, person_id, reason=DECEASED,
                                                  at=decided):
        closed.append({"id": str(row.id), "status": row.status, "program": row.program_code})
        app = Application(id=row.id, folio=row.folio, person_id=row.person_id,
                          program_code=row.program_code, channel=row.channel, status="rejected",
                          submitted_at=row.submitted_at,
                          expected_decision_on=row.expected_decision_on,
                          decision_reason=DECEASED, decided_at=decided, version=row.version + 1)
        _record(session, row.agency_code, app, "application", "rejected", application_data(app))
    history.record_many(session, principal=principal, entity="enrollment", action="exited",
                        changes=[(uuid.UUID(e["id"]), exits) for e in ended])
    history.record_many(session, principal=principal, entity="application", action="rejected",
                        changes=[(uuid.UUID(a["id"]), {"reason": DECEASED}) for a in closed])
    if ended or closed:
        audit.record(session, principal=principal, action="program.death", person_id=person_id,
                     purpose="program_administration",
                     detail={"enrollments": len(ended), "applications": len(closed)})
    return {"enrollments": ended, "applications": closed}


def restore_after_reversal(session: Session, *, principal: Principal, person_id: uuid.UUID,
                           ended: dict[str, Any]) -> tuple[list[str], list[dict[str, str]]]:
    """Put back what `end_for_death` ended; returns the programs restored and, for each thing
    that could not be, its program and why."""
    restored: list[str] = []
    refused: list[dict[str, str]] = []
    before = {e["id"]: e["status"] for e in ended.get("enrollments", [])}
    for row in repository.enrollments_by_id(session, [uuid.UUID(i) for i in before]):
        if row.status != "exited" or row.exit_reason != "death":
            refused.append({"program": row.program_code, "what": "enrollment",
                            "why": "changed_since"})
            continue
        try:
            with session.begin_nested():
                row.status, row.ended_on, row.exit_reason = before[str(row.id)], None, None
                row.version += 1
                session.flush()
        except IntegrityError:
            refused.append({"program": row.program_code, "what": "enrollment",
                            "why": "enrolled_again"})
            continue
        restored.append(row.program_code)
        history.record(session, principal=principal, entity="enrollment", entity_id=row.id,
                       action=row.status, changes={"reason": "death_reversed"})
        _feed(session, row, "enrollment", row.status, enrollment_data(row))
    opened = {a["id"]: a["status"] for a in ended.get("applications", [])}
    for app in repository.applications_by_id(session, [uuid.UUID(i) for i in opened]):
        if app.status != "rejected" or app.decision_reason != DECEASED:
            refused.append({"program": app.program_code, "what": "application",
                            "why": "changed_since"})
            continue
        try:
            with session.begin_nested():
                app.status, app.decision_reason, app.decided_at = opened[str(app.id)], None, None
                app.version += 1
                session.flush()
        except IntegrityError:
            refused.append({"program": app.program_code, "what": "application",
                            "why": "applied_again"})
            continue
        history.record(session, principal=principal, entity="application", entity_id=app.id,
                       action=app.status, changes={"reason": "death_reversed"})
        _feed(session, app, "application", app.status, application_data(app))
    audit.record(session, principal=principal, action="program.death_reversed",
                 person_id=person_id, purpose="program_administration",
                 detail={"restored": len(restored), "not_restored": len(refused)})
    return restored, refused


def deliveries_after(session: Session, *, person_id: uuid.UUID, day: date) -> list[Any]:
    """The person's deliveries dated after a day (the day of death), with their agency."""
    return list(repository.deliveries_after(session, person_id, day))

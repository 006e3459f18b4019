"""Late requests up the chain of command: the escalation job, each level's queue, and the
clock that stops when someone acts (late complaints climb the same chain in the same run:
`complaint_escalation`).

A request breaches at the start of the day after its expected decision date (the city's
calendar, `program.deadlines`). The job (`redangel escalate`, safe every few minutes) raises each
breached request one level per run once the level's hours since the breach have passed, records
who was told, and puts an "escalated" entry in the owning agency's change feed. Runs exclude each
other (`escalation_repository.try_job_lock`) and each raise is a conditional update, so a request
is never raised twice. Acting on an escalated request (review, documents recorded, decision)
stops its clock: an open one is promised a new date `restart_days` ahead, and climbs again from
the first level if that date passes too.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import SYSTEM, Principal
from redangel.common.clock import city_today
from redangel.common.names import full_name
from redangel.common.types import Names
from redangel.db import utcnow
from redangel.history import service as history
from redangel.person.policy import person_condition
from redangel.program import changes, complaint_escalation, deadlines, escalation_rules
from redangel.program import escalation_repository as repository
from redangel.program.escalation_rules import Chain
from redangel.program.followup_schemas import EscalatedApplication, EscalationRun, Notice
from redangel.program.models import Application, Escalation, EscalationNotice, Program

BATCH = 5000
"""Breached requests one run looks at; the oldest breaches first, the rest on the next run."""


def _feed_data(app: Application, level: int, role: str, at: datetime) -> dict[str, Any]:
    return {"folio": app.folio, "person_id": str(app.person_id), "program": app.program_code,
            "status": app.status, "expected_decision_on": app.expected_decision_on.isoformat(),
            "level": level, "role": role, "at": at.isoformat()}


def run(session: Session, *, chain: Chain, now: datetime | None = None) -> EscalationRun:
    """One run of the escalation job: raise each breached request one level when it is due."""
    now = now or utcnow()
    if not repository.try_job_lock(session):
        return EscalationRun(acted=False, raised=0, looked_at=0)
    rows = repository.breached(session, city_today(now), len(chain.levels), BATCH)
    raised = 0
    for app, esc, agency_code, office_code in (tuple(r) for r in rows):
        levels = chain.for_program(app.program_code)
        hours = (now - deadlines.breached_at(app.expected_decision_on)).total_seconds() / 3600
        due = chain.due(levels, hours)
        current = esc.level if esc is not None else 0
        if due <= current:
            continue
        level = levels[current]
        if esc is None:
            session.add(Escalation(application_id=app.id, program_code=app.program_code,
                                   agency_code=agency_code, level=0, reached_at=now,
                                   restart_days=chain.restart_days))
            session.flush()
        if not repository.raise_level(session, app.id, seen=current, to=level.number,
                                      role=level.role, at=now):
            continue
        raised += 1
        repository.add_notice(session, EscalationNotice(
            application_id=app.id, level=level.number, role=level.role,
            told=escalation_rules.told(level.role, agency_code, office_code), action="escalated", at=now))
        history.record(session, principal=SYSTEM, entity="application", entity_id=app.id,
                       action="escalated", changes={"level": level.number, "role": level.role})
        changes.record(session, agency_code=agency_code, entity="application", entity_id=app.id,
                       person_id=app.person_id, program_code=app.program_code,
                       action="escalated", data=_feed_data(app, level.number, level.role, now))
    complaints_raised, complaints_seen = complaint_escalation.raise_late(session, chain=chain,
                                                                         now=now)
    return EscalationRun(acted=True, raised=raised, looked_at=len(rows),
                         complaints_raised=complaints_raised, complaints_looked_at=complaints_seen)


def stop_clock(session: Session, *, principal: Principal, application: Application,
               program: Program, decided: bool) -> None:
    """Someone acted on the request: an escalated one stops climbing; if still open, it is
    promised a new date `restart_days` ahead (the citizen sees it) and starts again from zero."""
    esc = repository.escalation_of(session, application.id)
    if esc is None or esc.level == 0:
        return
    now = utcnow()
    repository.add_notice(session, EscalationNotice(
        application_id=application.id, level=esc.level, role=esc.role or "office_supervisor",
        told=f"{principal.kind}:{principal.role}", action="stopped", at=now))
    esc.level, esc.stopped_at = 0, now
    if not decided:
        promised = city_today() + timedelta(days=esc.restart_days)
        if promised > application.expected_decision_on:
            application.expected_decision_on = promised
            history.record(session, principal=principal, entity="application",
                           entity_id=application.id, action="new_date",
                           changes={"expected_decision_on": promised.isoformat()})
    changes.record(session, agency_code=program.agency_code, entity="application",
                   entity_id=application.id, person_id=application.person_id,
                   program_code=program.code, action="escalation_stopped",
                   data=_feed_data(application, 0, esc.role or "office_supervisor", now))
    session.flush()


def _items(session: Session, rows: Any, *, with_person: bool) -> list[EscalatedApplication]:
    today = city_today()
    told = defaultdict(list)
    apps = [tuple(r) for r in rows]
    for n in repository.notices(session, [a[0].id for a in apps]):
        told[n.application_id].append(Notice(level=n.level, role=n.role, told=n.told,
                                             action=n.action, at=n.at))
    items = []
    for row in apps:
        app, esc, name_es, name_en, agency, agency_es, agency_en = row[:7]
        items.append(EscalatedApplication(
            folio=app.folio, program=app.program_code, program_name=Names(es=name_es, en=name_en),
            agency=agency, agency_name=Names(es=agency_es, en=agency_en), status=app.status,
            level=esc.level, role=esc.role, reached_at=esc.reached_at,
            expected_decision_on=app.expected_decision_on,
            days_late=deadlines.days_late(app.expected_decision_on, today),
            person_id=app.person_id if with_person else None,
            person=full_name(*row[7:10]) if with_person else None, notices=told[app.id]))
    return items


def queue(session: Session, *, principal: Principal, limit: int = 200) -> list[EscalatedApplication]:
    """The escalated requests the principal's level sees: an office's supervisor those of the
    office's persons; an agency those of its own programs that reached its program lead; the
    coordination unit those that reached it, across agencies, without personal data."""
    scope: ColumnElement[bool]
    if principal.kind == "staff" and principal.role == "supervisor":
        at_least, scope, with_person = 1, person_condition(principal), True
    elif principal.kind == "agency" and principal.agency_code:
        at_least, scope, with_person = 2, Program.agency_code == principal.agency_code, False
    elif principal.kind == "staff" and principal.role == "coordinator":
        at_least, scope, with_person = 3, true(), False
    else:
        return []
    rows = repository.escalated(session, at_least=at_least, scope=scope, limit=limit,
                                with_person=with_person)
    items = _items(session, rows, with_person=with_person)
    if with_person:
        audit.record_shown(session, principal=principal, action="application.escalations",
                           person_ids=(r[0].person_id for r in rows), purpose="supervision")
    return items

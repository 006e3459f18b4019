"""Person 360: one answer with the person, the household and everything across agencies.

A fixed number of queries whatever the counts: the person (with the current membership), the
household's members, applications, enrollments and latest deliveries — each one query joined to
program and agency names, never one query per row.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import true
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.common.names import full_name
from redangel.crypto.keyring import Keyring
from redangel.person import service as person_service
from redangel.person.policy import person_condition
from redangel.program import deadlines, repository
from redangel.program.models import OPEN_APPLICATION
from redangel.program.schemas import application_out, delivery_out, enrollment_out

DELIVERIES_SHOWN = 20


def _names(es: str, en: str) -> dict[str, str]:
    return {"es": es, "en": en}


def overview(session: Session, *, keyring: Keyring, principal: Principal,
             person_id: uuid.UUID, purpose: str) -> dict[str, Any]:
    """The person's whole situation across agencies (the read is audited once)."""
    _, read = person_service.read(session, keyring=keyring, principal=principal,
                                  person_id=person_id, purpose=purpose)
    rows = repository.household_members(session, person_id, person_condition(principal))
    members = [m for m in rows if m.shown]
    others = [m.person_id for m in members if m.person_id != person_id]
    if others:  # the household's members shown beside the person are reads of them too
        audit.record_shown(session, principal=principal, action="household.read",
                           person_ids=others, purpose=purpose)
    applications, enrollments = repository.person_programs(
        session, person_id, true(), true())
    deliveries = repository.recent_deliveries(session, person_id, DELIVERIES_SHOWN)
    today = city_today()
    open_apps: list[dict[str, Any]] = []
    decided: list[dict[str, Any]] = []
    overdue: list[dict[str, Any]] = []
    for row in applications:
        app = row[0]
        item = {**application_out(app).model_dump(mode="json"),
                "program_name": _names(row.name_es, row.name_en),
                "agency": {"code": row.agency_code, "name": _names(row.agency_es, row.agency_en)}}
        if app.status in OPEN_APPLICATION:
            late = deadlines.days_late(app.expected_decision_on, today)
            item["days_late"] = late
            item["overdue"] = deadlines.is_overdue(app.status, app.expected_decision_on, today)
            open_apps.append(item)
            if item["overdue"]:
                overdue.append({"kind": "application", "folio": app.folio,
                                "program": app.program_code, "status": app.status,
                                "expected_decision_on": app.expected_decision_on.isoformat(),
                                "days_late": late})
        else:
            decided.append(item)
    return {
        "as_of": today.isoformat(),
        "person": read.model_dump(mode="json"),
        "household": None if not rows else {
            "id": str(rows[0].household_id),
            "members_elsewhere": len(rows) - len(members),
            "members": [{"person_id": str(m.person_id), "relationship": m.relationship,
                         "since": m.since.isoformat(),
                         "name": full_name(m.given_names, m.first_surname, m.second_surname),
                         "birth_date": m.birth_date.isoformat()} for m in members],
        },
        "enrollments": [
            {**enrollment_out(row[0]).model_dump(mode="json"),
             "program_name": _names(row.name_es, row.name_en),
             "agency": {"code": row.agency_code, "name": _names(row.agency_es, row.agency_en)}}
            for row in enrollments
        ],
        "open_applications": open_apps,
        "decided_applications": decided,
        "deliveries": [{**delivery_out(row[0]).model_dump(mode="json"),
                        "program_name": _names(row.name_es, row.name_en)} for row in deliveries],
        "overdue": sorted(overdue, key=lambda o: -int(o["days_late"])),
    }

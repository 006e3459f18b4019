"""Person 360: one answer with the person, the household and everything across agencies.

A fixed number of queries whatever the counts: the person (with the current membership), the
household's members, applications, enrollments and latest deliveries — each one query joined to
program and agency names, never one query per row. The rows are plain (`overview_repository`)
and the answer is validated once, as a whole, into the read model.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.common.names import full_name
from redangel.crypto.keyring import Keyring
from redangel.errors import Forbidden
from redangel.person import service as person_service
from redangel.person.policy import person_condition
from redangel.person.schemas import PersonRead
from redangel.program import deadlines, policy
from redangel.program import overview_repository as repository
from redangel.program.models import OPEN_APPLICATION
from redangel.program.schemas import PersonOverview

DELIVERIES_SHOWN = 20


@lru_cache(maxsize=256)
def _household(principal: Principal) -> Select[*tuple[Any, ...]]:
    """The household statement in this principal's scope, built once per principal (the
    scope is a function of the principal alone: `person_condition`)."""
    return repository.household_statement(person_condition(principal))


def _program_name(row: Any) -> dict[str, str]:
    return {"es": row.program_es, "en": row.program_en}


def _agency(row: Any) -> dict[str, Any]:
    return {"code": row.agency_code, "name": {"es": row.agency_es, "en": row.agency_en}}


def _application(row: Any) -> dict[str, Any]:
    return {"folio": row.folio, "person_id": row.person_id, "program": row.program,
            "channel": row.channel, "status": row.status, "submitted_at": row.submitted_at,
            "expected_decision_on": row.expected_decision_on, "decided_at": row.decided_at,
            "decision_reason": row.decision_reason, "documents": row.documents or [],
            "version": row.version, "program_name": _program_name(row), "agency": _agency(row)}


def _enrollment(row: Any) -> dict[str, Any]:
    return {"id": row.id, "person_id": row.person_id, "program": row.program,
            "status": row.status, "started_on": row.started_on, "ended_on": row.ended_on,
            "exit_reason": row.exit_reason, "version": row.version,
            "program_name": _program_name(row), "agency": _agency(row)}


def _delivery(row: Any) -> dict[str, Any]:
    return {"id": row.id, "enrollment_id": row.enrollment_id, "person_id": row.person_id,
            "program": row.program, "delivered_on": row.delivered_on, "kind": row.kind,
            "amount": row.amount, "place": row.place, "program_name": _program_name(row)}


def overview(session: Session, *, keyring: Keyring, principal: Principal,
             person_id: uuid.UUID, purpose: str) -> PersonOverview:
    """The person's whole situation across agencies (the read is audited once)."""
    _, read = person_service.read(session, keyring=keyring, principal=principal,
                                  person_id=person_id, purpose=purpose)
    if not isinstance(read, PersonRead):  # the overview is for the front desk and the holder
        raise Forbidden()
    rows = repository.household_members(session, person_id, _household(principal))
    members = [m for m in rows if m.shown]
    others = [m.person_id for m in members if m.person_id != person_id]
    if others:  # the household's members shown beside the person are reads of them too
        audit.record_shown(session, principal=principal, action="household.read",
                           person_ids=others, purpose=purpose)
    household = None if not rows else {
        "id": rows[0].household_id, "members_elsewhere": len(rows) - len(members),
        "members": [{"person_id": m.person_id, "relationship": m.relationship, "since": m.since,
                     "birth_date": m.birth_date,
                     "name": full_name(m.given_names, m.first_surname, m.second_surname)}
                    for m in members]}
    public_only = policy.public_screen(principal)
    applications = repository.applications(session, person_id, public_only=public_only)
    enrollments = repository.enrollments(session, person_id, public_only=public_only)
    deliveries = repository.recent_deliveries(session, person_id, DELIVERIES_SHOWN,
                                              public_only=public_only)
    today = city_today()
    open_apps: list[dict[str, Any]] = []
    decided: list[dict[str, Any]] = []
    for row in applications:
        if row.status in OPEN_APPLICATION:
            open_apps.append({
                **_application(row),
                "days_late": deadlines.days_late(row.expected_decision_on, today),
                "overdue": deadlines.is_overdue(row.status, row.expected_decision_on, today)})
        else:
            decided.append(_application(row))
    overdue = [{"kind": "application", "folio": a["folio"], "program": a["program"],
                "status": a["status"], "expected_decision_on": a["expected_decision_on"],
                "days_late": a["days_late"]}
               for a in open_apps if a["overdue"]]
    return PersonOverview.model_validate({
        "as_of": today,
        "person": read,
        "household": household,
        "enrollments": [_enrollment(row) for row in enrollments],
        "open_applications": open_apps,
        "decided_applications": decided,
        "deliveries": [_delivery(row) for row in deliveries],
        "overdue": sorted(overdue, key=lambda o: -o["days_late"]),
    })


def private_programs(catalog: Any) -> frozenset[str]:
    """The codes of the programs never named on a public screen (the catalog's `sensitive`)."""
    return frozenset(code for code, program in catalog.programs.items() if program.sensitive)


def public_screen(session: Session, *, keyring: Keyring, principal: Principal,
                  person_id: uuid.UUID) -> PersonOverview:
    """The card holder's programs, applications and deliveries as a public screen may show
    them: the person 360 (read and audited as `self_service`), which names no sensitive program
    to a card holder (`policy.public_screen`)."""
    return overview(session, keyring=keyring, principal=principal, person_id=person_id,
                    purpose="self_service")

"""What a citizen sees about themself at a kiosk: programs they might qualify for, and who
looked at their data.

Why a module of its own: the kiosk pages call services, never repositories; these two views
exist for the card holder alone (PIN required, scoped by `auth.policy`, each read audited),
and nothing they compute is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from redangel.audit import repository as audit_repository
from redangel.audit import service as audit
from redangel.auth.policy import person_condition
from redangel.auth.principal import Principal
from redangel.crypto.keyring import Keyring
from redangel.errors import NotFound
from redangel.person import repository as persons
from redangel.person.service import require_pin

HOLDING = ("already_enrolled",)


def _in_scope(session: Session, principal: Principal, person_id: uuid.UUID) -> None:
    require_pin(principal)
    if persons.get(session, person_id, person_condition(principal)) is None:
        raise NotFound()


def might_qualify(session: Session, *, catalog: Any, keyring: Keyring, principal: Principal,
                  person_id: uuid.UUID, held: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Programs the person may get (eligible or needs information), over the whole catalog.

    The screening runs on the registry's facts of the person and their household; programs the
    person holds or has applied for (`held`) are left out; nothing is stored.
    """
    from redangel import eligibility
    from redangel.lifeevent.facts import household_of
    from redangel.program.repository import live_program_codes

    _in_scope(session, principal, person_id)
    person, household = household_of(session, keyring=keyring, person_id=person_id)
    current = sorted(live_program_codes(session, person_id))
    result = eligibility.evaluate(catalog, event_code=None, person=person, household=household,
                                  answers={}, as_of=date.today(), current_programs=current)
    audit.record(session, principal=principal, action="person.screen", person_id=person_id,
                 purpose="self_service")
    skip = set(current) | set(held)
    out = []
    for item in result.to_dict().get("results", []):
        if item["verdict"] == eligibility.NOT_ELIGIBLE or item["program"] in skip:
            continue
        if any(c.get("kind") in HOLDING for c in item.get("conflicts", [])):
            continue
        out.append(item)
    return sorted(out, key=lambda i: (i["verdict"] != eligibility.ELIGIBLE, i["program"]))


def accesses(session: Session, *, principal: Principal, person_id: uuid.UUID,
             limit: int = 50) -> list[dict[str, Any]]:
    """Who read or changed the person's data, newest first (as `GET /persons/{id}/accesses`)."""
    _in_scope(session, principal, person_id)
    rows = audit_repository.accesses_of(session, person_id, limit=limit)
    audit.record(session, principal=principal, action="person.accesses", person_id=person_id,
                 purpose="data_subject_access")
    return [{"at": r.at, "by": r.actor_kind, "office": r.office_name,
             "agency": {"es": r.agency_es, "en": r.agency_en} if r.agency_es else None,
             "action": r.action, "purpose": r.purpose, "outcome": r.outcome} for r in rows]

"""What the audit tells a person about themself: who read or changed their data, and why.

One function for both surfaces that show it: `GET /persons/{id}/accesses` (the person through
the API, or staff) and the kiosk's "who looked at my data" page. It lives with the person, not
in `audit/`: the person's scope decides who may ask, and every domain writes to the audit.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from redangel.audit import repository
from redangel.audit import service as audit
from redangel.audit.schemas import SubjectAccess
from redangel.auth.principal import Principal
from redangel.common.types import Names
from redangel.errors import NotFound
from redangel.person import repository as persons
from redangel.person.policy import person_condition
from redangel.person.service import require_pin


def check_subject(session: Session, *, principal: Principal, person_id: uuid.UUID) -> None:
    """Refuse unless the PIN was proven (card holders) and the person is in the principal's scope."""
    require_pin(principal)
    if persons.get(session, person_id, person_condition(principal)) is None:
        raise NotFound()


def accesses(session: Session, *, principal: Principal, person_id: uuid.UUID,
             limit: int = 50) -> list[SubjectAccess]:
    """Who read or changed the person's data, newest first (this reading is audited too)."""
    check_subject(session, principal=principal, person_id=person_id)
    rows = repository.accesses_of(session, person_id, limit=limit)
    audit.record(session, principal=principal, action="person.accesses", person_id=person_id,
                 purpose="data_subject_access")
    return [SubjectAccess(at=r.at, by=r.actor_kind, office=r.office_name,
                          agency=Names(es=r.agency_es, en=r.agency_en) if r.agency_es else None,
                          action=r.action, purpose=r.purpose, outcome=r.outcome) for r in rows]

"""Demo data-rights requests at the Iztapalapa office, so the desk's pages are not empty: an
access already delivered, a rectification and a cancellation waiting, an opposition recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redangel.auth.models import Office, UserAccount
from redangel.auth.principal import Principal
from redangel.person.models import Person
from redangel.rights import service as rights
from redangel.rights.schemas import RightsRequestCreate

REQUESTS = (("access", None, "voter_card"), ("rectification", None, "passport"),
            ("cancellation", None, "voter_card"), ("opposition", "outreach", "voter_card"))


def seed_requests(session: Session, *, settings: Any) -> int:
    """Receive the demo requests once (nothing when the office already has some)."""
    clerk = session.scalar(select(UserAccount).where(UserAccount.username == "clerk"))
    if clerk is None or clerk.office_id is None:
        return 0
    office = session.get(Office, clerk.office_id)
    principal = Principal(kind="staff", id=str(clerk.id), role="clerk", office_id=clerk.office_id,
                          office_borough=office.borough if office else None)
    if rights.office_requests(session, principal=principal):
        return 0
    persons = session.scalars(
        select(Person.id).where(Person.borough == principal.office_borough,
                                Person.blocked_at.is_(None))
        .order_by(Person.name_key, Person.id).limit(len(REQUESTS))).all()
    for person_id, (right, use, document) in zip(persons, REQUESTS, strict=False):
        row = rights.receive(session, principal=principal, settings=settings,
                             data=RightsRequestCreate(person_id=person_id, right=right,
                                                      identity_document=document, use=use))
        if right == "access":
            rights.deliver_access(session, principal=principal, request_id=row.id)
        elif right == "opposition":
            rights.record_opposition(session, principal=principal, request_id=row.id)
    return len(persons)

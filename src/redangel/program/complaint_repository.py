"""The SQL of complaints: by folio (with the person's birth date and the agency's names), an
office's list, and their climb up the chain of command."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session

from redangel.auth.models import Agency, Office
from redangel.history.models import HistoryEntry
from redangel.person.models import Person
from redangel.program.models import Complaint


def _usable() -> ColumnElement[bool]:
    """The complaint's person is not blocked (a cancelled record is out of every use at once)."""
    return ~exists().where(Person.id == Complaint.person_id, Person.blocked_at.is_not(None))


def by_folio(session: Session, folio: str, *, for_update: bool = False) -> Any:
    """A complaint with its person's birth date and first surname and the agency's names (none
    of a blocked person)."""
    stmt = (select(Complaint, Person.birth_date, Person.first_surname, Agency.name_es,
                   Agency.name_en)
            .join(Person, Person.id == Complaint.person_id)
            .join(Agency, Agency.code == Complaint.agency_code)
            .where(Complaint.folio == folio, Person.blocked_at.is_(None)))
    if for_update:
        stmt = stmt.with_for_update(of=Complaint)
    return session.execute(stmt).first()


def of_office(session: Session, office_id: uuid.UUID | None, categories: Sequence[str] | None,
              limit: int = 200) -> Sequence[Any]:
    """An office's complaints (of these categories, or all), open ones first, oldest first."""
    stmt = (select(Complaint.folio, Complaint.category, Complaint.status, Complaint.filed_at,
                   Complaint.expected_answer_on, Agency.name_es, Agency.name_en,
                   Complaint.escalated_role)
            .join(Agency, Agency.code == Complaint.agency_code)
            .where(Complaint.office_id == office_id, _usable()))
    if categories is not None:
        stmt = stmt.where(Complaint.category.in_(categories))
    return session.execute(stmt.order_by(Complaint.status.desc(), Complaint.filed_at,
                                         Complaint.id).limit(limit)).all()


def agencies(session: Session) -> Sequence[Any]:
    """Every agency a complaint may concern (code and names)."""
    return session.execute(select(Agency.code, Agency.name_es, Agency.name_en)
                           .order_by(Agency.name_es)).all()


def late(session: Session, today: date, top: int, limit: int) -> Sequence[Any]:
    """Unanswered complaints past their answer date and below the chain's top level `top`, with
    the office's code, oldest answer date first."""
    return session.execute(
        select(Complaint, Office.code)
        .outerjoin(Office, Office.id == Complaint.office_id)
        .where(Complaint.status == "submitted", Complaint.expected_answer_on < today,
               Complaint.level < top, _usable())
        .order_by(Complaint.expected_answer_on, Complaint.id)
        .limit(limit)
    ).all()


def raise_level(session: Session, complaint_id: uuid.UUID, *, seen: int, to: int, role: str,
                at: datetime) -> bool:
    """Raise a complaint from the level read to the next; False when another run did first."""
    done = session.execute(
        update(Complaint)
        .where(Complaint.id == complaint_id, Complaint.level == seen,
               Complaint.status == "submitted")
        .values(level=to, escalated_role=role, escalated_at=at)
        .execution_options(synchronize_session=False))
    return bool(getattr(done, "rowcount", 0))


def escalated(session: Session, *, at_least: int, scope: ColumnElement[bool],
              limit: int) -> Sequence[Any]:
    """Unanswered complaints escalated to `at_least` or higher within `scope`, highest level and
    oldest first, with the agency's names and the office's name."""
    return session.execute(
        select(Complaint.folio, Complaint.category, Complaint.agency_code, Agency.name_es,
               Agency.name_en, Office.name.label("office_name"), Complaint.level,
               Complaint.escalated_role,
               Complaint.escalated_at, Complaint.expected_answer_on)
        .join(Agency, Agency.code == Complaint.agency_code)
        .outerjoin(Office, Office.id == Complaint.office_id)
        .where(Complaint.status == "submitted", Complaint.level >= at_least, scope, _usable())
        .order_by(Complaint.level.desc(), Complaint.expected_answer_on, Complaint.id)
        .limit(limit)
    ).all()


def escalations_of(session: Session, complaint_id: uuid.UUID) -> Sequence[Any]:
    """When a complaint was raised up the chain (moments only), oldest first."""
    return session.execute(
        select(HistoryEntry.action, HistoryEntry.at)
        .where(HistoryEntry.entity == "complaint", HistoryEntry.entity_id == complaint_id,
               HistoryEntry.action == "escalated")
        .order_by(HistoryEntry.id)
    ).all()


def of_person(session: Session, person_id: uuid.UUID) -> Sequence[Any]:
    """A person's complaints with the agency's names, oldest first."""
    return session.execute(
        select(Complaint, Agency.name_es, Agency.name_en)
        .join(Agency, Agency.code == Complaint.agency_code)
        .where(Complaint.person_id == person_id)
        .order_by(Complaint.filed_at, Complaint.id)).all()

"""The SQL of complaints: by folio (with the person's birth date and the agency's names), and
an office's list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redangel.auth.models import Agency
from redangel.person.models import Person
from redangel.program.models import Complaint


def by_folio(session: Session, folio: str, *, for_update: bool = False) -> Any:
    """A complaint with its person's birth date and first surname and the agency's names."""
    stmt = (select(Complaint, Person.birth_date, Person.first_surname, Agency.name_es,
                   Agency.name_en)
            .join(Person, Person.id == Complaint.person_id)
            .join(Agency, Agency.code == Complaint.agency_code)
            .where(Complaint.folio == folio))
    if for_update:
        stmt = stmt.with_for_update(of=Complaint)
    return session.execute(stmt).first()


def of_office(session: Session, office_id: uuid.UUID | None, categories: Sequence[str] | None,
              limit: int = 200) -> Sequence[Any]:
    """An office's complaints (of these categories, or all), open ones first, oldest first."""
    stmt = (select(Complaint.folio, Complaint.category, Complaint.status, Complaint.filed_at,
                   Complaint.expected_answer_on, Agency.name_es, Agency.name_en)
            .join(Agency, Agency.code == Complaint.agency_code)
            .where(Complaint.office_id == office_id))
    if categories is not None:
        stmt = stmt.where(Complaint.category.in_(categories))
    return session.execute(stmt.order_by(Complaint.status.desc(), Complaint.filed_at,
                                         Complaint.id).limit(limit)).all()


def agencies(session: Session) -> Sequence[Any]:
    """Every agency a complaint may concern (code and names)."""
    return session.execute(select(Agency.code, Agency.name_es, Agency.name_en)
                           .order_by(Agency.name_es)).all()

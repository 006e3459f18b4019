"""All SQL about agencies, programs, applications, enrollments and deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from redangel.person.models import Person
from redangel.program.models import (
    LIVE_ENROLLMENT,
    OPEN_APPLICATION,
    Agency,
    Application,
    Enrollment,
    Program,
)


def live_program_codes(session: Session, person_id: uuid.UUID) -> set[str]:
    """Programs the person is enrolled in (active or suspended) or has an open application for."""
    enrolled = session.scalars(select(Enrollment.program_code).where(
        Enrollment.person_id == person_id, Enrollment.status.in_(LIVE_ENROLLMENT))).all()
    applied = session.scalars(select(Application.program_code).where(
        Application.person_id == person_id, Application.status.in_(OPEN_APPLICATION))).all()
    return set(enrolled) | set(applied)


def live_enrollment_codes(session: Session, person_id: uuid.UUID) -> set[str]:
    """Programs the person is enrolled in (active or suspended)."""
    return set(session.scalars(select(Enrollment.program_code).where(
        Enrollment.person_id == person_id, Enrollment.status.in_(LIVE_ENROLLMENT))).all())


def program(session: Session, code: str) -> Program | None:
    """A program by code."""
    return session.get(Program, code)


def application_by_folio(session: Session, folio: str, visible: ColumnElement[bool],
                         *, for_update: bool = False) -> Application | None:
    """An application whose person the principal may see."""
    stmt = (select(Application).join(Person, Person.id == Application.person_id)
            .where(Application.folio == folio, visible))
    return session.scalar(stmt.with_for_update(of=Application) if for_update else stmt)


def enrollment(session: Session, enrollment_id: uuid.UUID, visible: ColumnElement[bool],
               *, for_update: bool = False) -> Enrollment | None:
    """An enrollment whose person the principal may see."""
    stmt = (select(Enrollment).join(Person, Person.id == Enrollment.person_id)
            .where(Enrollment.id == enrollment_id, visible))
    return session.scalar(stmt.with_for_update(of=Enrollment) if for_update else stmt)


def person_programs(session: Session, person_id: uuid.UUID) -> tuple[Sequence[Any], Sequence[Any]]:
    """A person's applications and enrollments with program and agency names (two queries)."""
    applications = session.execute(
        select(Application, Program.name_es, Program.name_en, Agency.name_es.label("agency_es"))
        .join(Program, Program.code == Application.program_code)
        .join(Agency, Agency.code == Program.agency_code)
        .where(Application.person_id == person_id).order_by(Application.submitted_at.desc())
    ).all()
    enrollments = session.execute(
        select(Enrollment, Program.name_es, Program.name_en, Agency.name_es.label("agency_es"))
        .join(Program, Program.code == Enrollment.program_code)
        .join(Agency, Agency.code == Program.agency_code)
        .where(Enrollment.person_id == person_id).order_by(Enrollment.started_on.desc())
    ).all()
    return applications, enrollments


def overdue(session: Session, visible: ColumnElement[bool], today: date, limit: int) -> Sequence[Any]:
    """Open applications past their expected decision date, most late first."""
    return session.execute(
        select(Application, Program.name_es, Person.given_names, Person.first_surname)
        .join(Person, Person.id == Application.person_id)
        .join(Program, Program.code == Application.program_code)
        .where(Application.status.in_(OPEN_APPLICATION), Application.expected_decision_on < today,
               visible)
        .order_by(Application.expected_decision_on).limit(limit)
    ).all()

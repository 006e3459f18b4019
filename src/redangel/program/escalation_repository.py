"""All SQL about late applications' escalation, the citizen's follow-up by folio, and ratings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, text, update
from sqlalchemy.orm import Session

from redangel.auth.models import Agency, Office
from redangel.history.models import HistoryEntry
from redangel.person.models import Person
from redangel.program.models import (
    OPEN_APPLICATION,
    Application,
    Delivery,
    Enrollment,
    Escalation,
    EscalationNotice,
    Feedback,
    Program,
)

JOB_LOCK_KEY = 0x5245_4441_4E47  # "REDANG": the escalation job's advisory lock on PostgreSQL


def try_job_lock(session: Session) -> bool:
    """Take the escalation job's lock for this transaction; False when another run holds it.

    PostgreSQL: a transaction-scoped advisory lock, released at commit or rollback. SQLite: the
    transaction already holds the database's single write lock (`BEGIN IMMEDIATE`), so a second
    run waits for the first to commit and then finds nothing left to raise.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"),
                               {"key": JOB_LOCK_KEY}))


def breached(session: Session, today: date, top: int, limit: int) -> Sequence[Any]:
    """Open applications past their expected decision date and below the chain's top level
    `top`, with their escalation (or None), the program's agency and the submitting office's
    code, oldest breach first (those at the top are left out, so they never crowd the batch)."""
    return session.execute(
        select(Application, Escalation, Program.agency_code, Office.code)
        .join(Program, Program.code == Application.program_code)
        .outerjoin(Escalation, Escalation.application_id == Application.id)
        .outerjoin(Office, Office.id == Application.office_id)
        .where(Application.status.in_(OPEN_APPLICATION), Application.expected_decision_on < today,
               or_(Escalation.level.is_(None), Escalation.level < top))
        .order_by(Application.expected_decision_on, Application.id)
        .limit(limit)
    ).all()


def raise_level(session: Session, application_id: uuid.UUID, *, seen: int, to: int, role: str,
                at: datetime) -> bool:
    """Raise an escalation from the level read to the next; False when another run did first."""
    done = session.execute(
        update(Escalation)
        .where(Escalation.application_id == application_id, Escalation.level == seen)
        .values(level=to, role=role, reached_at=at, stopped_at=None)
        .execution_options(synchronize_session=False))
    return bool(getattr(done, "rowcount", 0))


def escalation_of(session: Session, application_id: uuid.UUID) -> Escalation | None:
    """The escalation row of an application, if it ever breached."""
    return session.get(Escalation, application_id)


def add_notice(session: Session, notice: EscalationNotice) -> None:
    """Record who was told (or who acted)."""
    session.add(notice)


def escalated(session: Session, *, at_least: int, scope: ColumnElement[bool], limit: int,
              with_person: bool = False) -> Sequence[Any]:
    """Open applications escalated to `at_least` or higher within `scope`, highest level and
    oldest first, with program and agency names (and the person's names when asked)."""
    columns: list[Any] = [Application, Escalation, Program.name_es, Program.name_en,
                          Agency.code, Agency.name_es, Agency.name_en]
    if with_person:
        columns += [Person.given_names, Person.first_surname, Person.second_surname]
    stmt = (select(*columns)
            .join(Escalation, Escalation.application_id == Application.id)
            .join(Program, Program.code == Application.program_code)
            .join(Agency, Agency.code == Program.agency_code)
            .join(Person, Person.id == Application.person_id)
            .where(Escalation.level >= at_least, Application.status.in_(OPEN_APPLICATION), scope)
            .order_by(Escalation.level.desc(), Application.expected_decision_on, Application.id)
            .limit(limit))
    return session.execute(stmt).all()


def notices(session: Session, application_ids: Sequence[uuid.UUID]) -> Sequence[EscalationNotice]:
    """Who was told about these applications, oldest first (one query for a page)."""
    if not application_ids:
        return []
    return session.scalars(select(EscalationNotice)
                           .where(EscalationNotice.application_id.in_(application_ids))
                           .order_by(EscalationNotice.id)).all()


def by_folio(session: Session, folio: str) -> Any:
    """An application by folio with its person's birth date, program and agency names (none of
    a blocked person)."""
    return session.execute(
        select(Application, Person.birth_date, Program.name_es, Program.name_en, Program.sensitive,
               Agency.name_es, Agency.name_en, Program.agency_code, Person.first_surname)
        .join(Person, Person.id == Application.person_id)
        .join(Program, Program.code == Application.program_code)
        .join(Agency, Agency.code == Program.agency_code)
        .where(Application.folio == folio, Person.blocked_at.is_(None))
    ).first()


def application_history(session: Session, application_id: uuid.UUID) -> Sequence[Any]:
    """What happened to an application (action and moment only), oldest first."""
    return session.execute(
        select(HistoryEntry.action, HistoryEntry.at)
        .where(HistoryEntry.entity == "application", HistoryEntry.entity_id == application_id)
        .order_by(HistoryEntry.id)
    ).all()


def has_delivery(session: Session, application_id: uuid.UUID) -> bool:
    """Whether a delivery was recorded under the enrollment this application created."""
    return session.scalar(
        select(Delivery.id).join(Enrollment, Enrollment.id == Delivery.enrollment_id)
        .where(Enrollment.application_id == application_id).limit(1)) is not None


def feedback_of(session: Session, application_id: uuid.UUID) -> Feedback | None:
    """The rating given for an application, if any."""
    return session.get(Feedback, application_id)


def rated_folios(session: Session, folios: Sequence[str]) -> set[str]:
    """Which of these folios already have a rating (one query for a page)."""
    if not folios:
        return set()
    return set(session.scalars(select(Application.folio)
                               .join(Feedback, Feedback.application_id == Application.id)
                               .where(Application.folio.in_(folios))).all())


def decided_unrated(session: Session, limit: int) -> Sequence[Any]:
    """Decided applications without a rating, with their program's agency, oldest first."""
    return session.execute(
        select(Application, Program.agency_code)
        .join(Program, Program.code == Application.program_code)
        .outerjoin(Feedback, Feedback.application_id == Application.id)
        .where(Application.status.in_(("approved", "rejected")), Feedback.application_id.is_(None))
        .order_by(Application.submitted_at, Application.id).limit(limit)
    ).all()

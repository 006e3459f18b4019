"""The SQL of data-rights requests, and the erasure of a cancelled person across every table.

The erasure is the one place that knows where a person's data lies: the person row (names,
sealed CURP, contact and sensitive facts, blind index), the name-search postings and the terms
only they carried, history payloads, evaluations, outreach contacts, the agency change feed's
copies and the idempotency records naming them. What stays (a legal hold): the row's id as a
tombstone, the applications, enrollments, deliveries, cards and household memberships (ids,
dates and amounts: public-spending records), the rights requests, and the audit chain, whose
rows hold ids and never personal data (docs/decisions/2026-12-07-data-rights.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Engine, delete, exists, select, text, update
from sqlalchemy.orm import Session

from redangel.common.bounds import FIRST_DAY
from redangel.crvs.models import CrvsEvent
from redangel.history.models import HistoryEntry
from redangel.idempotency.models import IdempotencyRecord
from redangel.lifeevent.models import Evaluation, OutreachContact
from redangel.linkage.models import PersonMerge
from redangel.person.models import (
    NameTerm,
    NameTermVariant,
    Opposition,
    Person,
    PersonNamePair,
    PersonNameTerm,
)
from redangel.program.models import (
    Application,
    ApplicationNote,
    ChangeEntry,
    Complaint,
    Enrollment,
    Feedback,
)
from redangel.rights.models import RightsRequest
from redangel.rolls.models import RollRow


def add(session: Session, row: RightsRequest) -> None:
    """Insert a request."""
    session.add(row)
    session.flush()


def of_office(session: Session, request_id: uuid.UUID, office_id: uuid.UUID | None, *,
              lock: bool = False) -> RightsRequest | None:
    """A request received by this office (None for another office's)."""
    stmt = select(RightsRequest).where(RightsRequest.id == request_id,
                                       RightsRequest.office_id == office_id)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def by_folio(session: Session, folio: str, office_id: uuid.UUID | None) -> RightsRequest | None:
    """A request of this office by its folio."""
    return session.scalar(select(RightsRequest).where(RightsRequest.folio == folio,
                                                      RightsRequest.office_id == office_id))


def office_requests(session: Session, office_id: uuid.UUID | None,
                    limit: int) -> Sequence[RightsRequest]:
    """The office's requests, open ones first, then by due day."""
    return session.scalars(
        select(RightsRequest).where(RightsRequest.office_id == office_id)
        .order_by((RightsRequest.status == "open").desc(), RightsRequest.due_on,
                  RightsRequest.id).limit(limit)).all()


def person_requests(session: Session, person_id: uuid.UUID) -> Sequence[RightsRequest]:
    """Every request about one person, newest first."""
    return session.scalars(select(RightsRequest).where(RightsRequest.person_id == person_id)
                           .order_by(RightsRequest.received_at.desc())).all()


def latest_person_change(session: Session, person_id: uuid.UUID, since: datetime) -> int | None:
    """The newest history row of a change to the person made since a moment."""
    return session.scalar(
        select(HistoryEntry.id).where(HistoryEntry.entity == "person",
                                      HistoryEntry.entity_id == person_id,
                                      HistoryEntry.action == "update", HistoryEntry.at >= since)
        .order_by(HistoryEntry.id.desc()).limit(1))


def block(session: Session, person_id: uuid.UUID, at: datetime) -> None:
    """Mark a person blocked from every use."""
    session.execute(update(Person).where(Person.id == person_id, Person.blocked_at.is_(None))
                    .values(blocked_at=at))


def oppose(session: Session, person_id: uuid.UUID, use: str, at: datetime) -> None:
    """Record that the person refuses this use (once; a repeat keeps the first date)."""
    if not opposes(session, person_id, use):
        session.add(Opposition(person_id=person_id, use=use, since=at))
        session.flush()


def opposes(session: Session, person_id: uuid.UUID, use: str) -> bool:
    """Whether the person refused this use."""
    return bool(session.scalar(select(exists().where(Opposition.person_id == person_id,
                                                     Opposition.use == use))))


def oppositions(session: Session, person_id: uuid.UUID) -> list[str]:
    """The uses the person refused."""
    return list(session.scalars(select(Opposition.use).where(Opposition.person_id == person_id)
                                .order_by(Opposition.use)))


def due_erasures(session: Session, today: date) -> Sequence[RightsRequest]:
    """Cancellations decided whose retention has run out and whose person is not erased yet."""
    return session.scalars(
        select(RightsRequest).where(RightsRequest.right == "cancellation",
                                    RightsRequest.status == "done",
                                    RightsRequest.erased_at.is_(None),
                                    RightsRequest.erase_after <= today)
        .order_by(RightsRequest.erase_after, RightsRequest.id).with_for_update()).all()


def erase_person(session: Session, person_id: uuid.UUID, at: datetime) -> dict[str, int]:
    """Erase everything personal held about a blocked person, leaving a tombstone row; returns
    the rows touched per table. Running it again finds nothing more to erase."""
    touched: dict[str, int] = {}

    def count(name: str, result: object) -> None:
        touched[name] = touched.get(name, 0) + int(getattr(result, "rowcount", 0) or 0)

    applications = list(session.scalars(select(Application.id).where(
        Application.person_id == person_id)))
    folios = list(session.scalars(select(Application.folio).where(
        Application.person_id == person_id)))
    enrollments = list(session.scalars(select(Enrollment.id).where(
        Enrollment.person_id == person_id)))
    contacts = list(session.scalars(select(OutreachContact.id).where(
        OutreachContact.person_id == person_id)))
    entities = [person_id, *applications, *enrollments, *contacts]
    count("history_entry", session.execute(
        update(HistoryEntry).where(HistoryEntry.entity_id.in_(entities))
        .values(changes={}).execution_options(synchronize_session=False)))
    count("outreach_contact", session.execute(
        delete(OutreachContact).where(OutreachContact.person_id == person_id)))
    count("evaluation", session.execute(
        delete(Evaluation).where(Evaluation.person_id == person_id)))
    count("application", session.execute(
        update(Application).where(Application.person_id == person_id)
        .values(evaluation=None).execution_options(synchronize_session=False)))
    count("change_entry", session.execute(
        update(ChangeEntry).where(ChangeEntry.person_id == person_id)
        .values(data={}).execution_options(synchronize_session=False)))
    # What the other doors kept of the person, sealed: staff's notes on their requests, their
    # complaints' words and answers, a citizen's comments on the service, the
    # civil registry's record of their events, an agency roll's rows, a merge's snapshot (the
    # merge can no longer be undone once one of its two persons is erased).
    count("feedback", session.execute(
        update(Feedback).where(Feedback.application_id.in_(applications))
        .values(comment_sealed=None).execution_options(synchronize_session=False)))
    count("application_note", session.execute(
        delete(ApplicationNote).where(ApplicationNote.application_id.in_(applications))))
    count("complaint", session.execute(
        update(Complaint).where(Complaint.person_id == person_id)
        .values(text_sealed=b"", answer_sealed=None).execution_options(synchronize_session=False)))
    count("crvs_event", session.execute(
        update(CrvsEvent).where(CrvsEvent.person_id == person_id)
        .values(record_sealed=b"", subject_index=None).execution_options(synchronize_session=False)))
    count("roll_row", session.execute(
        update(RollRow).where(RollRow.person_id == person_id)
        .values(values_sealed=b"", borough=None, postal_code=None)
        .execution_options(synchronize_session=False)))
    count("person_merge", session.execute(
        update(PersonMerge).where((PersonMerge.survivor_id == person_id)
                                  | (PersonMerge.absorbed_id == person_id))
        .values(snapshot_sealed=b"").execution_options(synchronize_session=False)))
    remembered = [str(person_id), *folios, *(str(i) for i in applications)]
    count("idempotency_record", session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.entity_id.in_(remembered))))
    term_ids = list(session.scalars(select(PersonNameTerm.term_id).where(
        PersonNameTerm.person_id == person_id)))
    count("person_name_pair", session.execute(
        delete(PersonNamePair).where(PersonNamePair.person_id == person_id)))
    count("person_name_term", session.execute(
        delete(PersonNameTerm).where(PersonNameTerm.person_id == person_id)))
    if term_ids:  # the terms nobody else carries go, with their one-typo variants
        orphans = list(session.scalars(select(NameTerm.id).where(
            NameTerm.id.in_(term_ids),
            ~exists().where(PersonNameTerm.term_id == NameTerm.id))))
        if orphans:
            session.execute(delete(NameTermVariant).where(NameTermVariant.term_id.in_(orphans)))
            count("name_term", session.execute(delete(NameTerm).where(NameTerm.id.in_(orphans))))
    count("person", session.execute(
        update(Person).where(Person.id == person_id, Person.erased_at.is_(None)).values(
            curp_index=None, curp_sealed=None, given_names="", first_surname="",
            second_surname=None, name_key="", sex="X", birth_date=FIRST_DAY, birth_state=None,
            borough=None, postal_code=None, contact_sealed=None, attributes={},
            sensitive_sealed=None, deceased_on=None, erased_at=at, updated_at=at,
            version=Person.version + 1)
        .execution_options(synchronize_session=False)))
    return touched


def compact(engine: Engine) -> None:
    """Rewrite the database so erased values leave its files: on SQLite the WAL is checkpointed
    and the file rebuilt (VACUUM, outside any transaction: on a raw connection, since the
    engine's connections begin one on every use); on PostgreSQL the touched tables are vacuumed
    so their dead row versions are reclaimed."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement in ("PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM",
                              "PRAGMA wal_checkpoint(TRUNCATE)"):
                cursor.execute(statement)
            cursor.close()
        finally:
            raw.close()
        return
    with engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("person", "person_name_term", "person_name_pair", "name_term", "name_term_variant",
                      "history_entry", "evaluation", "outreach_contact", "change_entry",
                      "application", "idempotency_record", "feedback", "crvs_event", "roll_row",
                      "person_merge", "application_note", "complaint"):
            autocommit.execute(text(f"VACUUM {table}"))

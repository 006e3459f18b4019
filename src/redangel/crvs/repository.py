"""All SQL about civil registries, their messages and events, and proactive offers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, bindparam, exists, insert, or_, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, make_transient_to_detached

from redangel.card.models import Card
from redangel.common.sql import insert_returning_unless_conflict
from redangel.crvs.models import (
    CrvsEvent,
    CrvsMessage,
    CrvsSource,
    CrvsSubscription,
    DeliveryAfterDeath,
    ProactiveOffer,
)
from redangel.person.models import Membership, Person
from redangel.person.policy import verified_caller_condition
from redangel.program.models import LIVE_ENROLLMENT, Application, Enrollment, Program


def source(session: Session, sender_id: str) -> CrvsSource | None:
    """A registered civil registry by its sender id."""
    return session.get(CrvsSource, sender_id)


def sources(session: Session) -> Sequence[CrvsSource]:
    """Every registered civil registry."""
    return session.scalars(select(CrvsSource).order_by(CrvsSource.sender_id)).all()


_SOURCE_AND_TAKEN = select(CrvsSource, exists().where(
    CrvsMessage.sender_id == bindparam("sender_id"), CrvsMessage.message_id == bindparam("message_id"),
    CrvsMessage.outcome == "taken").label("taken")).where(CrvsSource.sender_id == bindparam("sender_id"))


def source_and_taken(session: Session, sender_id: str, message_id: str) -> tuple[CrvsSource | None, bool]:
    """A registered civil registry by its sender id and whether it already sent a message taken
    under this id, in one round trip."""
    row = session.execute(_SOURCE_AND_TAKEN, {"sender_id": sender_id,
                                              "message_id": message_id}).one_or_none()
    return (None, False) if row is None else (row[0], bool(row.taken))


def take_message(session: Session, row: dict[str, Any]) -> bool:
    """Insert a message as taken unless this sender's `message_id` was taken before (one
    statement, no savepoint); whether it was inserted."""
    return insert_returning_unless_conflict(
        session, CrvsMessage.__table__, row, on=("sender_id", "message_id"),
        where="outcome = 'taken'")


def take_event(session: Session, event: CrvsEvent) -> bool:
    """Insert a notified event unless its sender notified its `reference_id` before (one
    statement: the unique index decides, also between concurrent deliveries); whether it was
    inserted. An inserted event joins the session as a row it loaded, so what is set on it
    next is written as an UPDATE."""
    row = {column.key: getattr(event, column.key) for column in CrvsEvent.__table__.columns}
    if not insert_returning_unless_conflict(session, CrvsEvent.__table__, row,
                                            on=("sender_id", "reference_id")):
        return False
    make_transient_to_detached(event)
    session.add(event)
    return True


def take_message_and_event(session: Session, message: dict[str, Any],
                           event: CrvsEvent) -> tuple[bool, bool] | None:
    """`take_message` and `take_event` in one statement on PostgreSQL (a message of one event,
    the usual case): whether the message was taken, and whether its event was (only when the
    message was). None on a database that cannot (SQLite): the caller takes them one by one.
    An inserted event joins the session as `take_event` leaves it."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    values = {f"m_{column.key}": message[column.key] for column in CrvsMessage.__table__.columns}
    values.update({f"e_{column.key}": getattr(event, column.key)
                   for column in CrvsEvent.__table__.columns if column.key != "message_id"})
    row = session.execute(_take_message_and_event(), values).one()
    if row.event:
        make_transient_to_detached(event)
        session.add(event)
    return bool(row.message), bool(row.event)


@lru_cache(maxsize=1)
def _take_message_and_event() -> Select[bool, bool]:
    """The message inserted unless its `message_id` was taken, and the event inserted from the
    inserted message (so not at all when it was not) unless its `reference_id` was notified:
    the two unique indexes decide, as in the two statements; built once."""
    messages, events = cast(Table, CrvsMessage.__table__), cast(Table, CrvsEvent.__table__)
    message = (postgresql.insert(messages)
               .values({c.key: bindparam(f"m_{c.key}", type_=c.type) for c in messages.columns})
               .on_conflict_do_nothing(index_elements=["sender_id", "message_id"],
                                       index_where=text("outcome = 'taken'"))
               .returning(messages.c.id).cte("taken_message"))
    columns = list(events.columns)
    chosen = select(*[message.c.id if c.key == "message_id" else bindparam(f"e_{c.key}", type_=c.type)
                      for c in columns]).select_from(message)
    event = (postgresql.insert(events).from_select([c.key for c in columns], chosen)
             .on_conflict_do_nothing(index_elements=["sender_id", "reference_id"])
             .returning(events.c.id).cte("taken_event"))
    return select(exists(select(message.c.id)).label("message"),
                  exists(select(event.c.id)).label("event"))


def event(session: Session, event_id: uuid.UUID, *, for_update: bool = False) -> CrvsEvent | None:
    """One event."""
    stmt = select(CrvsEvent).where(CrvsEvent.id == event_id)
    return session.scalar(stmt.with_for_update() if for_update else stmt)


def events(session: Session, *, state: str | None, limit: int) -> Sequence[CrvsEvent]:
    """Events, newest first, of one state or all."""
    stmt = select(CrvsEvent).order_by(CrvsEvent.received_at.desc(), CrvsEvent.id).limit(limit)
    if state is not None:
        stmt = stmt.where(CrvsEvent.state == state)
    return session.scalars(stmt).all()


def events_of_transaction(session: Session, sender_id: str, transaction_id: str) -> Sequence[CrvsEvent]:
    """The events a sender notified under one transaction id."""
    return session.scalars(select(CrvsEvent).where(
        CrvsEvent.sender_id == sender_id, CrvsEvent.transaction_id == transaction_id)
        .order_by(CrvsEvent.received_at, CrvsEvent.reference_id)).all()


def events_by_reference(session: Session, sender_id: str,
                        references: list[str]) -> Sequence[CrvsEvent]:
    """The events a sender notified under these reference ids."""
    return session.scalars(select(CrvsEvent).where(
        CrvsEvent.sender_id == sender_id, CrvsEvent.reference_id.in_(references))).all()


def subscriptions(session: Session, sender_id: str, *, states: tuple[str, ...] | None = None,
                  for_update: bool = False) -> Sequence[CrvsSubscription]:
    """A civil registry's subscriptions, of these states or all, oldest first."""
    stmt = select(CrvsSubscription).where(CrvsSubscription.sender_id == sender_id) \
        .order_by(CrvsSubscription.requested_at, CrvsSubscription.reg_event_type)
    if states is not None:
        stmt = stmt.where(CrvsSubscription.state.in_(states))
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).all()


_WAITING_FOR = (select(CrvsEvent).where(CrvsEvent.subject_index == bindparam("subject_index"),
                                         CrvsEvent.state == "waiting")
                .order_by(CrvsEvent.received_at).with_for_update())


def waiting_for(session: Session, subject_index: str) -> Sequence[CrvsEvent]:
    """Events waiting for the person with this CURP to be registered, oldest first, locked."""
    return session.scalars(_WAITING_FOR, {"subject_index": subject_index}).all()


def waiting(session: Session, limit: int) -> Sequence[CrvsEvent]:
    """Events waiting for their person, oldest first, locked."""
    return session.scalars(select(CrvsEvent).where(CrvsEvent.state == "waiting")
                           .order_by(CrvsEvent.received_at).limit(limit).with_for_update()).all()


def last_death(session: Session, person_id: uuid.UUID) -> CrvsEvent | None:
    """The person's latest processed death, locked (a reversal undoes it)."""
    return session.scalar(select(CrvsEvent).where(
        CrvsEvent.person_id == person_id, CrvsEvent.kind == "death",
        CrvsEvent.state == "processed").order_by(CrvsEvent.processed_at.desc())
        .limit(1).with_for_update())


@lru_cache(maxsize=16)
def _person_by_curp_index(visible: ColumnElement[bool] | None) -> Select[Person]:
    stmt = select(Person).where(Person.curp_index == bindparam("curp_index"))
    return (stmt if visible is None else stmt.where(visible)).with_for_update()


def person_by_curp_index(session: Session, curp_index: str, *,
                         visible: ColumnElement[bool] | None = None) -> Person | None:
    """The person holding a CURP (of those `visible`, when given), locked (the statement built
    once per condition: a principal's condition that is always the same object is built once)."""
    return session.scalar(_person_by_curp_index(visible), {"curp_index": curp_index})


@dataclass(frozen=True)
class BirthSubjects:
    """What a birth looks up before it registers the child: who holds the child's CURP, the
    mother holding hers (when it is given and her record is `visible`), and whether events
    wait for the child's CURP."""

    child: Person | None
    mother: Person | None
    waited: bool | None
    """None when neither record was there to say (no row came back)."""


@lru_cache(maxsize=16)
def _birth_subjects(visible: ColumnElement[bool]) -> Select[Person, bool, bool]:
    waited = exists().where(CrvsEvent.subject_index == bindparam("child"),
                            CrvsEvent.state == "waiting")
    return (select(Person, visible.label("visible"), waited.label("waited"))
            .where(or_(Person.curp_index == bindparam("child"),
                       Person.curp_index == bindparam("mother")))
            .with_for_update(of=Person))


def birth_subjects(session: Session, *, child_index: str, mother_index: str | None,
                   visible: ColumnElement[bool]) -> BirthSubjects:
    """The child's and the mother's records by their CURPs' blind indexes, locked, and whether
    events wait for the child, in one round trip (the statement built once per condition).
    When neither is registered no row comes back to tell whether events wait (`waited` None)."""
    child = mother = None
    waited: bool | None = None
    for row in session.execute(_birth_subjects(visible),
                               {"child": child_index, "mother": mother_index}):
        person = row[0]
        waited = bool(row.waited)
        if person.curp_index == child_index:
            child = person
        if mother_index is not None and person.curp_index == mother_index and row.visible:
            mother = person
    return BirthSubjects(child=child, mother=mother, waited=waited)


def person(session: Session, person_id: uuid.UUID) -> Person | None:
    """A person by id: the row this transaction already loaded, without asking again."""
    return session.get(Person, person_id)


def persons_by_linkage(session: Session, *, name_key: str, birth_date: date,
                       borough: str | None, visible: ColumnElement[bool]) -> Sequence[Person]:
    """Living persons with this normalised name and birth date (and borough when known), of
    those `visible` (three at most: more than one is already too many)."""
    stmt = select(Person).where(Person.name_key == name_key, Person.birth_date == birth_date,
                                Person.deceased_on.is_(None), visible).limit(3)
    if borough is not None:
        stmt = stmt.where(Person.borough == borough)
    return session.scalars(stmt).all()


def living_members(session: Session, person_id: uuid.UUID) -> Sequence[uuid.UUID]:
    """The other living members of the household the person belonged to until their death
    or belongs to now (the latest membership)."""
    latest = select(Membership.household_id).where(Membership.person_id == person_id) \
        .order_by(Membership.until.is_(None).desc(), Membership.until.desc()).limit(1) \
        .scalar_subquery()
    return session.scalars(select(Membership.person_id).join(Person, Person.id == Membership.person_id)
                           .where(Membership.household_id == latest, Membership.until.is_(None),
                                  Membership.person_id != person_id, Person.deceased_on.is_(None))
                           .order_by(Person.birth_date)).all()


def offers(session: Session, where: ColumnElement[bool], limit: int, *,
           public_screen: bool = False) -> Sequence[Any]:
    """Offers with their program names and folios, newest first (on a public screen, none of
    a sensitive program)."""
    stmt = (select(ProactiveOffer, Program.name_es, Program.name_en, Application.folio)
            .join(Program, Program.code == ProactiveOffer.program_code)
            .outerjoin(Application, Application.id == ProactiveOffer.application_id)
            .join(Person, Person.id == ProactiveOffer.person_id)
            .where(where).order_by(ProactiveOffer.offered_at.desc(), ProactiveOffer.id).limit(limit))
    if public_screen:
        stmt = stmt.where(Program.sensitive.is_(False))
    return session.execute(stmt).all()


def offer(session: Session, offer_id: uuid.UUID, where: ColumnElement[bool], *,
          public_screen: bool = False) -> ProactiveOffer | None:
    """One offer the principal may see, locked."""
    stmt = (select(ProactiveOffer).join(Person, Person.id == ProactiveOffer.person_id)
            .join(Program, Program.code == ProactiveOffer.program_code)
            .where(ProactiveOffer.id == offer_id, where))
    if public_screen:
        stmt = stmt.where(Program.sensitive.is_(False))
    return session.scalar(stmt.with_for_update(of=ProactiveOffer))


def living_with_curp(session: Session, *, sex: str | None, born_from: date, born_to: date,
                     limit: int, skip: int = 0, covered: bool = False) -> Sequence[Any]:
    """Living registered persons with a CURP born in a span (the simulator's subjects); when
    `covered`, only those with a live enrollment and an active card."""
    stmt = (select(Person.id, Person.curp_sealed, Person.birth_date, Person.given_names,
                   Person.first_surname, Person.second_surname)
            .where(Person.curp_sealed.isnot(None), Person.deceased_on.is_(None),
                   Person.birth_date.between(born_from, born_to))
            .order_by(Person.id).offset(skip).limit(limit))
    if sex is not None:
        stmt = stmt.where(Person.sex == sex)
    if covered:
        stmt = stmt.where(
            exists().where(Enrollment.person_id == Person.id,
                           Enrollment.status.in_(LIVE_ENROLLMENT)),
            exists().where(Card.person_id == Person.id, Card.status == "active"))
    return session.execute(stmt).all()


def deliveries_after_death(session: Session, agency_code: str, limit: int) -> Sequence[DeliveryAfterDeath]:
    """An agency's deliveries dated after a registered death, newest flag first."""
    return session.scalars(select(DeliveryAfterDeath).where(DeliveryAfterDeath.agency_code == agency_code)
                           .order_by(DeliveryAfterDeath.flagged_at.desc(),
                                     DeliveryAfterDeath.delivery_id).limit(limit)).all()


def pending_review(session: Session, limit: int) -> Sequence[CrvsEvent]:
    """Events that need a steward's review or wait for their person, oldest first."""
    return session.scalars(select(CrvsEvent).where(CrvsEvent.state.in_(("needs_review", "waiting")))
                           .order_by(CrvsEvent.received_at, CrvsEvent.id).limit(limit)).all()


def review_candidates(session: Session, *, birth_date: date | None, name_key: str | None,
                      per_day: int = 300, per_name: int = 50) -> list[Person]:
    """Usable registered persons born that day, and those with that normalised name (the
    review's candidates, scored by the caller); each list read by its own index."""
    found: list[Person] = []
    if birth_date is not None:
        found += session.scalars(select(Person).where(Person.birth_date == birth_date,
                                                      verified_caller_condition())
                                 .order_by(Person.id).limit(per_day)).all()
    if name_key:
        found += session.scalars(select(Person).where(Person.name_key == name_key,
                                                      verified_caller_condition())
                                 .order_by(Person.id).limit(per_name)).all()
    return found


def usable_person(session: Session, person_id: uuid.UUID, *, for_update: bool = False) -> Person | None:
    """A usable, unmerged registered person by id (a steward's choice)."""
    stmt = select(Person).where(Person.id == person_id, verified_caller_condition())
    return session.scalar(stmt.with_for_update() if for_update else stmt)


def usable_person_by_curp_index(session: Session, curp_index: str) -> Person | None:
    """The usable, unmerged person holding a CURP."""
    return session.scalar(select(Person).where(Person.curp_index == curp_index,
                                               verified_caller_condition()))


def insert_offers(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert proactive offers in one statement however many (plain rows, none loaded back)."""
    if rows:
        session.execute(insert(ProactiveOffer.__table__), rows)  # type: ignore[arg-type]

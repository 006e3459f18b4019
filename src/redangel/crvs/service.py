"""The civil registry door's one service: registering a civil registry, receiving its
notifications, showing events to admins and data stewards, running again the events that
waited or needed review, and the proactive offers those events opened."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import SYSTEM, Principal
from redangel.common.clock import city_today
from redangel.crvs import gate, intake, repository, review, subscription, vital
from redangel.crvs.models import EVENT_STATES, CrvsSource
from redangel.crvs.offers import decide, list_offers
from redangel.crvs.schemas import (
    EventOut,
    EventPage,
    FlaggedDelivery,
    PersonRecord,
    SourceOut,
    SubscriptionOut,
)
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.dci import signature
from redangel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound

__all__ = ["add_source", "decide", "dismiss", "events", "flagged_deliveries", "list_offers",
           "on_subscribe", "on_unsubscribe", "receive", "resolve", "retry", "retry_waiting",
           "review_event", "review_queue", "simulation_subjects", "sources", "subscribe",
           "subscriptions", "txn_status", "undelivered", "unsubscribe"]

DEFAULT_RECEIVER = "redangel"
EVENT_READERS = ("admin", "steward")


def _admin(principal: Principal) -> None:
    if principal.kind not in ("staff", "system") or principal.role not in ("admin", "system"):
        raise Forbidden()


def add_source(session: Session, *, principal: Principal, sender_id: str, name: str,
               public_key: str, receiver_id: str) -> CrvsSource:
    """Register a civil registry: the sender id it signs as and its Ed25519 public key."""
    _admin(principal)
    problems = []
    for field, value in (("sender_id", sender_id), ("receiver_id", receiver_id)):
        if not value or len(value) > 99 or not value.isascii() or not value.isprintable() \
                or " " in value:
            problems.append(FieldError(field, "field_invalid", {"detail": "1-99 ASCII, no spaces"}))
    try:
        signature.public_key_from_text(public_key)
    except ValueError:
        problems.append(FieldError("public_key", "field_invalid",
                                   {"detail": "base64 of a 32-byte Ed25519 key"}))
    if not name.strip() or len(name) > 200:
        problems.append(FieldError("name", "field_required"))
    if problems:
        raise InvalidInput(fields=problems)
    if repository.source(session, sender_id) is not None:
        raise Conflict("source_exists")
    row = CrvsSource(sender_id=sender_id, name=name.strip(), public_key=public_key.strip(),
                     receiver_id=receiver_id, active=True, created_by=principal.id,
                     created_at=utcnow())
    session.add(row)
    session.flush()
    audit.record(session, principal=principal, action="crvs.source_add", person_id=None,
                 purpose="administration", detail={"sender_id": sender_id})
    return row


def sources(session: Session) -> list[SourceOut]:
    """Every registered civil registry."""
    return [SourceOut(sender_id=s.sender_id, name=s.name, receiver_id=s.receiver_id,
                      active=s.active, created_at=s.created_at)
            for s in repository.sources(session)]


def receive(session: Session, *, keyring: Keyring, catalog: Any, raw: Any,
            now: datetime) -> gate.Answer:
    """A civil registry's `notify`, checked and run (see `intake`)."""
    return intake.receive(session, keyring=keyring, catalog=catalog, raw=raw, now=now,
                          receiver=DEFAULT_RECEIVER)


def on_subscribe(session: Session, *, raw: Any, now: datetime) -> gate.Answer:
    """A civil registry's `on-subscribe` (see `subscription`)."""
    return subscription.on_subscribe(session, raw=raw, now=now, receiver=DEFAULT_RECEIVER)


def on_unsubscribe(session: Session, *, raw: Any, now: datetime) -> gate.Answer:
    """A civil registry's `on-unsubscribe` (see `subscription`)."""
    return subscription.on_unsubscribe(session, raw=raw, now=now, receiver=DEFAULT_RECEIVER)


def txn_status(session: Session, *, raw: Any, now: datetime, secret_key: str) -> gate.Answer:
    """A civil registry's `txn-status` about events it notified (see `subscription`)."""
    return subscription.txn_status(session, raw=raw, now=now, receiver=DEFAULT_RECEIVER,
                                   secret_key=secret_key)


subscribe = subscription.subscribe
review_queue = review.queue
review_event = review.review
resolve = review.resolve
dismiss = review.dismiss
DISMISS_REASONS = review.DISMISS_REASONS
unsubscribe = subscription.unsubscribe
undelivered = subscription.undelivered


def subscriptions(session: Session, sender_id: str) -> list[SubscriptionOut]:
    """A civil registry's subscriptions and their states."""
    return [SubscriptionOut(reg_event_type=r.reg_event_type, state=r.state, code=r.code,
                            reason=r.reason, requested_at=r.requested_at,
                            answered_at=r.answered_at)
            for r in repository.subscriptions(session, sender_id)]


def _event_reader(principal: Principal) -> None:
    if principal.kind != "staff" or principal.role not in EVENT_READERS:
        raise Forbidden()


def _out(row: Any) -> EventOut:
    return EventOut(id=row.id, sender_id=row.sender_id, transaction_id=row.transaction_id,
                    reference_id=row.reference_id, kind=row.kind, state=row.state,
                    reason=row.reason, registered_on=row.registered_on, person_id=row.person_id,
                    outcome=row.outcome or {}, attempts=row.attempts,
                    received_at=row.received_at, processed_at=row.processed_at)


def events(session: Session, *, principal: Principal, state: str | None, limit: int) -> EventPage:
    """Events and their outcomes for admins and data stewards (no personal data in them)."""
    _event_reader(principal)
    if state is not None and state not in EVENT_STATES:
        raise InvalidInput(fields=[FieldError("state", "field_choice",
                                              {"choices": ", ".join(EVENT_STATES)})])
    return EventPage(items=[_out(r) for r in repository.events(session, state=state, limit=limit)])


def retry(session: Session, *, keyring: Keyring, catalog: Any, principal: Principal,
          event_id: uuid.UUID) -> EventOut:
    """Run again an event that waits or needs review (say, once the steward registered the
    mother it did not find)."""
    _event_reader(principal)
    row = repository.event(session, event_id, for_update=True)
    if row is None:
        raise NotFound(fields=[FieldError("event_id", "not_found")])
    if row.state not in ("waiting", "needs_review"):
        raise Conflict("event_not_pending")
    record = PersonRecord.model_validate_json(keyring.open(
        row.record_sealed, table="crvs_event", column="record", row_id=row.id))
    row.attempts += 1
    vital.run(vital.Context(session=session, keyring=keyring, catalog=catalog,
                            sender_id=row.sender_id), row, record)
    audit.record(session, principal=principal, action="crvs.retry", person_id=None,
                 purpose="data_stewardship", detail={"event": str(row.id), "state": row.state})
    return _out(row)


def retry_waiting(session: Session, *, keyring: Keyring, catalog: Any, limit: int = 500) -> int:
    """Run again every waiting event (the command `redangel crvs retry`); returns how many."""
    rows = repository.waiting(session, limit)
    for row in rows:
        record = PersonRecord.model_validate_json(keyring.open(
            row.record_sealed, table="crvs_event", column="record", row_id=row.id))
        row.attempts += 1
        vital.run(vital.Context(session=session, keyring=keyring, catalog=catalog,
                                sender_id=row.sender_id), row, record)
    if rows:
        audit.record(session, principal=SYSTEM, action="crvs.retry", person_id=None,
                     purpose="data_stewardship", detail={"events": len(rows)})
    return len(rows)


@dataclass(frozen=True)
class Subject:
    """A registered person as a civil registry knows them: CURP, birth date and name."""

    id: uuid.UUID
    curp: str
    birth_date: date
    given_names: str = ""
    first_surname: str = ""
    second_surname: str | None = None


def simulation_subjects(session: Session, *, keyring: Keyring, mothers: int, deceased: int,
                        skip: int = 0, covered: bool = False) -> tuple[list[Subject], list[Subject]]:
    """Women of 18 to 45 (mothers of the simulated births) and adults (the simulated deaths;
    with `covered`, adults enrolled in a program and holding an active card, whose death ends
    and revokes something), with their CURPs opened for the simulator (audited: it reads
    personal data)."""
    today = city_today()

    def opened(rows: Any) -> list[Subject]:
        return [Subject(id=r.id, curp=keyring.open(r.curp_sealed, table="person", column="curp",
                                                   row_id=r.id).decode(), birth_date=r.birth_date,
                        given_names=r.given_names, first_surname=r.first_surname,
                        second_surname=r.second_surname)
                for r in rows]

    women = opened(repository.living_with_curp(
        session, sex="M", born_from=today - timedelta(days=45 * 365),
        born_to=today - timedelta(days=18 * 366), limit=mothers, skip=skip))
    taken = {w.id for w in women}
    adults = [s for s in opened(repository.living_with_curp(
        session, sex=None, born_from=today - timedelta(days=95 * 365),
        born_to=today - timedelta(days=46 * 366), limit=deceased + len(taken), skip=skip,
        covered=covered))
        if s.id not in taken][:deceased]
    audit.record_shown(session, principal=SYSTEM, action="crvs.simulate",
                       person_ids=[s.id for s in women + adults], purpose="civil_registry_simulation")
    return women, adults


def flagged_deliveries(session: Session, *, principal: Principal, limit: int) -> list[FlaggedDelivery]:
    """The agency's deliveries dated after a registered death (its own programs only)."""
    if principal.kind != "agency" or not principal.agency_code:
        raise Forbidden()
    rows = repository.deliveries_after_death(session, principal.agency_code, limit)
    audit.record_shown(session, principal=principal, action="crvs.flagged_deliveries",
                       person_ids=list(dict.fromkeys(r.person_id for r in rows)),
                       purpose="program_administration")
    return [FlaggedDelivery(delivery_id=r.delivery_id, person_id=r.person_id,
                            program=r.program_code, delivered_on=r.delivered_on,
                            died_on=r.died_on, flagged_at=r.flagged_at) for r in rows]

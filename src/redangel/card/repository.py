"""All SQL about cards, issuer keys and kiosk challenges."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from redangel.card.models import REVOKED_STATUSES, Card, IssuerKey, KioskChallenge


def active_issuer_key(session: Session) -> IssuerKey | None:
    """The issuer key that signs new cards."""
    return session.scalar(select(IssuerKey).where(IssuerKey.status == "active")
                          .order_by(IssuerKey.created_at.desc()).limit(1))


def issuer_keys(session: Session) -> Sequence[IssuerKey]:
    """Every issuer key, active or retired (retired keys still verify older cards)."""
    return session.scalars(select(IssuerKey).order_by(IssuerKey.created_at)).all()


def retire_issuer_keys(session: Session) -> None:
    """Stop signing with the current keys (they keep verifying)."""
    session.execute(update(IssuerKey).where(IssuerKey.status == "active").values(status="retired"))


def next_generation(session: Session, person_id: uuid.UUID) -> int:
    """One more than the person's highest card generation."""
    return int(session.scalar(select(func.coalesce(func.max(Card.generation), 0))
                              .where(Card.person_id == person_id)) or 0) + 1


def card(session: Session, card_id: uuid.UUID, *, for_update: bool = False) -> Card | None:
    """A card by id."""
    stmt = select(Card).where(Card.id == card_id)
    return session.scalar(stmt.with_for_update() if for_update else stmt)


def card_by_serial(session: Session, serial: str, *, for_update: bool = False) -> Card | None:
    """A card by its serial."""
    stmt = select(Card).where(Card.serial == serial)
    return session.scalar(stmt.with_for_update() if for_update else stmt)


def active_card(session: Session, person_id: uuid.UUID) -> Card | None:
    """The person's active card."""
    return session.scalar(select(Card).where(Card.person_id == person_id, Card.status == "active"))


_REVOKE_ACTIVE = (
    update(Card).where(Card.person_id == bindparam("holder"), Card.status == "active")
    .values(status="revoked", status_reason=bindparam("reason"),
            status_changed_at=bindparam("at"))
    .returning(Card.serial).execution_options(synchronize_session=False))


def revoke_active(session: Session, person_id: uuid.UUID, *, reason: str, at: datetime) -> str | None:
    """Revoke the person's active card in one statement; its serial, or None when there was none."""
    return session.scalar(_REVOKE_ACTIVE, {"holder": person_id, "reason": reason, "at": at})


def cards_of(session: Session, person_id: uuid.UUID) -> Sequence[Card]:
    """Every card a person has had, newest first."""
    return session.scalars(select(Card).where(Card.person_id == person_id)
                           .order_by(Card.generation.desc())).all()


def revoked_serials(session: Session) -> list[str]:
    """Serials of every card that must no longer open a session."""
    return list(session.scalars(select(Card.serial).where(Card.status.in_(REVOKED_STATUSES))).all())


def revocation_stamp(session: Session) -> tuple[int, object]:
    """A cheap fingerprint of the revocation state (count, last change)."""
    row = session.execute(select(func.count(), func.max(Card.status_changed_at))
                          .where(Card.status.in_(REVOKED_STATUSES))).one()
    return int(row[0]), row[1]


def challenge(session: Session, challenge_id: uuid.UUID, device_id: uuid.UUID) -> KioskChallenge | None:
    """An unused challenge issued to this kiosk, locked for use."""
    return session.scalar(select(KioskChallenge).where(
        KioskChallenge.id == challenge_id, KioskChallenge.device_id == device_id,
        KioskChallenge.used_at.is_(None)).with_for_update())

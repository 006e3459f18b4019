"""Queries for accounts, sessions, agency clients and kiosk devices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from redangel.auth.kiosk_models import KioskSession
from redangel.auth.models import AgencyClient, KioskDevice, Office, UserAccount, UserSession


def user_by_username(session: Session, username: str) -> UserAccount | None:
    """The active account with this username."""
    return session.scalar(
        select(UserAccount).where(UserAccount.username == username, UserAccount.active.is_(True))
    )


def live_session(session: Session, token_hash: str, now: datetime) -> Any:
    """A staff session that is neither revoked nor expired, with what makes its principal (the
    session's id, CSRF token and last activity; the account's id, role and office; the office's
    borough), or None. Plain columns: every request runs this, and changes none of them."""
    return session.execute(
        select(UserSession.id.label("session_id"), UserSession.csrf_token,
               UserSession.last_seen_at, UserAccount.id.label("user_id"), UserAccount.role,
               UserAccount.office_id, Office.borough)
        .join(UserAccount, UserAccount.id == UserSession.user_id)
        .outerjoin(Office, Office.id == UserAccount.office_id)
        .where(
            UserSession.token_hash == token_hash,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
            UserAccount.active.is_(True),
        )
    ).one_or_none()


def touch_session(session: Session, session_id: int, now: datetime) -> None:
    """Record activity on a staff session."""
    session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))


def revoke_session(session: Session, session_id: int, now: datetime) -> None:
    """End a staff session."""
    session.execute(update(UserSession).where(UserSession.id == session_id).values(revoked_at=now))


def touch_kiosk_session(session: Session, kiosk_session_id: int, now: datetime) -> None:
    """Record the citizen's activity on a kiosk card session."""
    session.execute(update(KioskSession).where(KioskSession.id == kiosk_session_id)
                    .values(last_seen_at=now))


def end_kiosk_session(session: Session, kiosk_session_id: int, now: datetime) -> None:
    """End a kiosk card session that is still open."""
    session.execute(update(KioskSession).where(KioskSession.id == kiosk_session_id,
                                               KioskSession.ended_at.is_(None))
                    .values(ended_at=now))


def agency_client(session: Session, client_id: str) -> AgencyClient | None:
    """An agency client by its public client id (active or not)."""
    return session.scalar(select(AgencyClient).where(AgencyClient.client_id == client_id))


def kiosk_device_by_token(session: Session, token_hash: str) -> KioskDevice | None:
    """An active kiosk device by its token hash."""
    return session.scalar(
        select(KioskDevice).where(KioskDevice.token_hash == token_hash, KioskDevice.active.is_(True))
    )


def live_kiosk_session(session: Session, token_hash: str) -> KioskSession | None:
    """A kiosk card session that has not ended."""
    return session.scalar(
        select(KioskSession).where(
            KioskSession.token_hash == token_hash, KioskSession.ended_at.is_(None)
        )
    )


def office(session: Session, office_id: object) -> Office | None:
    """An office by id."""
    return session.get(Office, office_id)


def office_by_code(session: Session, code: str) -> Office | None:
    """An office by its code."""
    return session.scalar(select(Office).where(Office.code == code))


def device_open_session(session: Session, device_id: object) -> KioskSession | None:
    """The card session currently open at a kiosk, if any (newest first)."""
    return session.scalar(
        select(KioskSession).where(KioskSession.device_id == device_id,
                                   KioskSession.ended_at.is_(None))
        .order_by(KioskSession.opened_at.desc()).limit(1)
    )

"""Queries for accounts, sessions, agency clients and kiosk devices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import namedtuple_row
from sqlalchemy import ClauseElement, bindparam, select, update
from sqlalchemy.orm import Session

from redangel.auth.kiosk_models import KioskSession
from redangel.auth.models import AgencyClient, KioskDevice, Office, UserAccount, UserSession
from redangel.common.sql import postgres_statement


def user_by_username(session: Session, username: str) -> UserAccount | None:
    """The active account with this username."""
    return session.scalar(
        select(UserAccount).where(UserAccount.username == username, UserAccount.active.is_(True))
    )


# A staff session that is neither revoked nor expired, with what makes its principal (the
# session's id, CSRF token, last activity and end; the account's id, role and office; the
# office's borough). Plain columns: every request runs this, and changes none of them.
_LIVE_SESSION = (
    select(UserSession.id.label("session_id"), UserSession.csrf_token, UserSession.last_seen_at,
           UserSession.expires_at, UserAccount.id.label("user_id"), UserAccount.role,
           UserAccount.office_id, Office.borough)
    .join(UserAccount, UserAccount.id == UserSession.user_id)
    .outerjoin(Office, Office.id == UserAccount.office_id)
    .where(
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.revoked_at.is_(None),
        UserSession.expires_at > bindparam("now"),
        UserAccount.active.is_(True),
    )
)
_TOUCH_SESSION = (update(UserSession).where(UserSession.id == bindparam("session_id"))
                  .values(last_seen_at=bindparam("now")))
_REVOKE_SESSION = (update(UserSession).where(UserSession.id == bindparam("session_id"))
                   .values(revoked_at=bindparam("now")))
# Whether an agency client may still act, and for which agency.
_CLIENT_STANDING = select(AgencyClient.client_id, AgencyClient.agency_code, AgencyClient.active
                          ).where(AgencyClient.client_id == bindparam("client_id"))


def live_session(session: Session, token_hash: str, now: datetime) -> Any:
    """The live staff session with this token hash and what makes its principal, or None."""
    return session.execute(_LIVE_SESSION, {"token_hash": token_hash, "now": now}).one_or_none()


def touch_session(session: Session, session_id: int, now: datetime) -> None:
    """Record activity on a staff session."""
    session.execute(_TOUCH_SESSION, {"session_id": session_id, "now": now})


def revoke_session(session: Session, session_id: int, now: datetime) -> None:
    """End a staff session."""
    session.execute(_REVOKE_SESSION, {"session_id": session_id, "now": now})


def _postgres_text(statement: ClauseElement) -> str:
    return postgres_statement(statement)[0]


# The same statements as PostgreSQL text, for a connection of the event loop's own (see
# `redangel.auth.dependencies.current_principal`): resolving a caller takes no worker thread
# and no ORM.
_LIVE_SESSION_SQL = _postgres_text(_LIVE_SESSION)
_TOUCH_SESSION_SQL = _postgres_text(_TOUCH_SESSION)
_REVOKE_SESSION_SQL = _postgres_text(_REVOKE_SESSION)
_CLIENT_STANDING_SQL = _postgres_text(_CLIENT_STANDING)


async def live_session_async(conn: AsyncConnection[Any], token_hash: str, now: datetime) -> Any:
    """`live_session` on an async PostgreSQL connection."""
    cursor = conn.cursor(row_factory=namedtuple_row)
    await cursor.execute(_LIVE_SESSION_SQL, {"token_hash": token_hash, "now": now})
    return await cursor.fetchone()


async def touch_session_async(conn: AsyncConnection[Any], session_id: int, now: datetime) -> None:
    """`touch_session` on an async PostgreSQL connection (committed by itself)."""
    await conn.execute(_TOUCH_SESSION_SQL, {"session_id": session_id, "now": now})


async def revoke_session_async(conn: AsyncConnection[Any], session_id: int, now: datetime) -> None:
    """`revoke_session` on an async PostgreSQL connection (committed by itself)."""
    await conn.execute(_REVOKE_SESSION_SQL, {"session_id": session_id, "now": now})


def client_standing(session: Session, client_id: str) -> Any:
    """An agency client's id, agency and whether it is active, or None."""
    return session.execute(_CLIENT_STANDING, {"client_id": client_id}).one_or_none()


async def client_standing_async(conn: AsyncConnection[Any], client_id: str) -> Any:
    """`client_standing` on an async PostgreSQL connection."""
    cursor = conn.cursor(row_factory=namedtuple_row)
    await cursor.execute(_CLIENT_STANDING_SQL, {"client_id": client_id})
    return await cursor.fetchone()


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

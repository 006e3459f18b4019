"""Authentication for each kind of actor: staff sessions, agency tokens, kiosk sessions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import jwt
from psycopg import AsyncConnection
from sqlalchemy.orm import Session

from redangel.auth import repository
from redangel.auth.kiosk_models import KioskSession
from redangel.auth.models import STAFF_ROLES, AgencyClient, KioskDevice, UserAccount, UserSession
from redangel.auth.principal import Principal
from redangel.auth.ratelimit import LoginThrottle
from redangel.auth.secrets import hash_password, new_token, token_hash, verify_password
from redangel.config import Settings
from redangel.db import utcnow, write_beside
from redangel.errors import AppError, FieldError, InvalidInput, Unauthenticated

TOKEN_ALGORITHM = "HS256"
TOUCH_AFTER = timedelta(seconds=30)  # a session's last activity is recorded at most this often


@dataclass(frozen=True)
class LoginResult:
    """A new staff session: the token for the cookie and the CSRF token for the page."""

    token: str
    csrf_token: str
    user: UserAccount
    expires_at: datetime


def login(session: Session, *, settings: Settings, throttle: LoginThrottle, address: str,
          username: str, password: str) -> LoginResult:
    """Check a staff member's password and open a session; attempts from one address for one
    account are slowed by growing delays (`LoginThrottle`), other addresses are not."""
    throttle.attempt(f"user:{username}", address)
    user = repository.user_by_username(session, username)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        throttle.failed(f"user:{username}", address)
        raise Unauthenticated("bad_credentials")
    throttle.succeeded(f"user:{username}", address)
    now = utcnow()
    token = new_token("rs")
    csrf = secrets.token_urlsafe(24)
    expires = now + timedelta(hours=settings.session_absolute_hours)
    session.add(
        UserSession(
            token_hash=token_hash(token), user_id=user.id, csrf_token=csrf,
            created_at=now, last_seen_at=now, expires_at=expires,
        )
    )
    session.flush()
    return LoginResult(token=token, csrf_token=csrf, user=user, expires_at=expires)


def staff_principal(session: Session, *, settings: Settings, token: str, via_cookie: bool) -> Principal:
    """The staff principal of a session token, enforcing idle and absolute expiry."""
    now = utcnow()
    found = repository.live_session(session, token_hash(token), now)
    principal, follow_up = _staff(found, settings=settings, now=now, via_cookie=via_cookie)
    if follow_up is not None:
        write_beside(session, partial(follow_up, session_id=found.session_id, now=now))
    if principal is None:
        raise Unauthenticated()
    return principal


async def staff_principal_async(conn: AsyncConnection[Any], *, settings: Settings, token: str,
                                via_cookie: bool) -> Principal:
    """`staff_principal` on the event loop's own connection (PostgreSQL): no worker thread."""
    now = utcnow()
    found = await repository.live_session_async(conn, token_hash(token), now)
    principal, follow_up = _staff(found, settings=settings, now=now, via_cookie=via_cookie)
    if follow_up is repository.revoke_session:
        await repository.revoke_session_async(conn, found.session_id, now)
    elif follow_up is repository.touch_session:
        await repository.touch_session_async(conn, found.session_id, now)
    if principal is None:
        raise Unauthenticated()
    return principal


def _staff(found: Any, *, settings: Settings, now: datetime, via_cookie: bool
           ) -> tuple[Principal | None, Callable[..., None] | None]:
    """The principal of a live session row (None when there is none or it idled out), and the
    write it leaves: ending an idle session, or recording activity every 30 seconds."""
    if found is None:
        return None, None
    if now - found.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        return None, repository.revoke_session
    principal = Principal(
        kind="staff", id=str(found.user_id), role=found.role, office_id=found.office_id,
        office_borough=found.borough,
        session_id=found.session_id, csrf_token=found.csrf_token, via_cookie=via_cookie,
    )
    return principal, repository.touch_session if now - found.last_seen_at > TOUCH_AFTER else None


def logout(session: Session, principal: Principal) -> None:
    """End the principal's staff session."""
    if principal.session_id is not None:
        repository.revoke_session(session, principal.session_id, utcnow())


def _token_key(settings: Settings) -> bytes:
    return hashlib.sha256(b"redangel-agency-token|" + settings.secret_key.encode()).digest()


def issue_agency_token(
    session: Session, *, settings: Settings, throttle: LoginThrottle, address: str,
    client_id: str, client_secret: str,
) -> tuple[str, int]:
    """OAuth2 client credentials: a short-lived signed JWT for an active agency client (wrong
    secrets slowed per client and address, as staff sign-in is)."""
    throttle.attempt(f"client:{client_id}", address)
    client = repository.agency_client(session, client_id)
    valid = verify_password(client.secret_hash if client else None, client_secret)
    if client is None or not valid or not client.active:
        throttle.failed(f"client:{client_id}", address)
        raise Unauthenticated("bad_credentials")
    throttle.succeeded(f"client:{client_id}", address)
    now = utcnow()
    lifetime = settings.token_minutes * 60
    claims = {
        "iss": settings.token_issuer, "aud": settings.token_audience, "sub": client.client_id,
        "agency": client.agency_code, "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + lifetime, "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _token_key(settings), algorithm=TOKEN_ALGORITHM), lifetime


def agency_principal(session: Session, *, settings: Settings, token: str) -> Principal:
    """Verify an agency JWT (signature, issuer, audience, expiry) and that its client is active."""
    claims = _agency_claims(settings, token)
    return _agency(repository.client_standing(session, str(claims["sub"])))


async def agency_principal_async(conn: AsyncConnection[Any], *, settings: Settings,
                                 token: str) -> Principal:
    """`agency_principal` on the event loop's own connection (PostgreSQL): no worker thread."""
    claims = _agency_claims(settings, token)
    return _agency(await repository.client_standing_async(conn, str(claims["sub"])))


def _agency_claims(settings: Settings, token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, _token_key(settings), algorithms=[TOKEN_ALGORITHM],
            audience=settings.token_audience, issuer=settings.token_issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("token_invalid", reason="expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise Unauthenticated("token_invalid", reason="audience") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("token_invalid", reason="signature") from exc
    return claims


def _agency(client: Any) -> Principal:
    if client is None or not client.active:
        raise Unauthenticated("token_invalid", reason="revoked")
    return Principal(kind="agency", id=client.client_id, role="agency", agency_code=client.agency_code)


def kiosk_device(session: Session, token: str) -> KioskDevice:
    """The kiosk device presenting this device token."""
    device = repository.kiosk_device_by_token(session, token_hash(token))
    if device is None:
        raise Unauthenticated()
    return device


def kiosk_device_by_id(session: Session, device_id: uuid.UUID) -> KioskDevice:
    """An active kiosk device by id (the principal was already authenticated)."""
    device = session.get(KioskDevice, device_id)
    if device is None or not device.active:
        raise Unauthenticated()
    return device


def device_principal(session: Session, *, token: str) -> Principal:
    """The principal of a kiosk device itself (before any card is tapped)."""
    device = kiosk_device(session, token)
    return Principal(kind="kiosk", id=str(device.id), role="device", office_id=device.office_id)


def kiosk_principal(session: Session, *, settings: Settings, token: str) -> Principal:
    """The citizen principal of a live kiosk card session, ending it when idle too long."""
    kiosk = repository.live_kiosk_session(session, token_hash(token))
    if kiosk is None:
        raise Unauthenticated()
    now = utcnow()
    if now - kiosk.last_seen_at > timedelta(seconds=settings.kiosk_session_idle_seconds):
        write_beside(session, partial(repository.end_kiosk_session, kiosk_session_id=kiosk.id,
                                      now=now))
        raise Unauthenticated()
    write_beside(session, partial(repository.touch_kiosk_session, kiosk_session_id=kiosk.id,
                                  now=now))
    return _card_holder(kiosk)


def _card_holder(kiosk: KioskSession) -> Principal:
    """The citizen principal of a card session."""
    return Principal(
        kind="kiosk", id=str(kiosk.device_id), role="citizen", person_id=kiosk.person_id,
        session_id=kiosk.id, pin_verified=kiosk.pin_verified,
    )


def device_session(session: Session, *, device_id: uuid.UUID, settings: Settings) -> KioskSession | None:
    """The live card session at a kiosk (ended here when it idled out)."""
    kiosk = repository.device_open_session(session, device_id)
    if kiosk is None:
        return None
    if utcnow() - kiosk.last_seen_at > timedelta(seconds=settings.kiosk_session_idle_seconds):
        kiosk.ended_at = utcnow()
        session.flush()
        return None
    return kiosk


def open_kiosk_session(
    session: Session, *, device: KioskDevice, person_id: uuid.UUID, card_serial: str | None
) -> tuple[str, KioskSession]:
    """Open a card session at a kiosk for one person; any earlier one of that kiosk ends."""
    now = utcnow()
    while (earlier := repository.device_open_session(session, device.id)) is not None:
        earlier.ended_at = now
        session.flush()
    token = new_token("rc")
    row = KioskSession(
        token_hash=token_hash(token), device_id=device.id, person_id=person_id,
        card_serial=card_serial, opened_at=now, last_seen_at=now,
    )
    session.add(row)
    session.flush()
    return token, row


def end_kiosk_session(session: Session, principal: Principal) -> None:
    """End the kiosk card session of this principal (card removed)."""
    if principal.kind == "kiosk" and principal.session_id is not None:
        row = session.get(KioskSession, principal.session_id)
        if row is not None and row.ended_at is None:
            row.ended_at = utcnow()
            session.flush()


def create_user(
    session: Session, *, username: str, password: str, role: str, display_name: str,
    office_id: uuid.UUID | None,
) -> UserAccount:
    """Create a staff account (CLI and demo)."""
    if role not in STAFF_ROLES:
        raise InvalidInput(fields=[FieldError("role", "field_choice", {"choices": ", ".join(STAFF_ROLES)})])
    if len(password) < 10:
        raise InvalidInput(fields=[FieldError("password", "field_too_short", {"min": 10})])
    user = UserAccount(
        username=username, password_hash=hash_password(password), role=role,
        display_name=display_name, office_id=office_id,
    )
    session.add(user)
    session.flush()
    return user


def office_id(session: Session, code: str) -> uuid.UUID | None:
    """The id of the office with this code (e.g. MOD-09), or None when there is none."""
    office = repository.office_by_code(session, code)
    return office.id if office is not None else None


def create_agency_client(session: Session, *, agency_code: str) -> tuple[AgencyClient, str]:
    """Create an agency client; the secret is returned once and stored hashed."""
    secret = secrets.token_urlsafe(32)
    client = AgencyClient(
        client_id=f"{agency_code}-{secrets.token_hex(4)}", secret_hash=hash_password(secret),
        agency_code=agency_code,
    )
    session.add(client)
    session.flush()
    return client, secret


def revoke_agency_client(session: Session, *, client_id: str) -> None:
    """Revoke an agency client: its tokens stop working at once."""
    client = repository.agency_client(session, client_id)
    if client is None:
        raise AppError("not_found")
    client.active = False
    client.revoked_at = utcnow()
    session.flush()


def set_dci_key(session: Session, *, client_id: str, sender_id: str, public_key: str) -> None:
    """Store the key an agency client signs its DCI messages with (checked by the agency
    domain, which reads DCI messages); a new key replaces the old at once."""
    client = repository.agency_client(session, client_id)
    if client is None:
        raise AppError("not_found")
    client.dci_sender_id, client.dci_public_key = sender_id, public_key
    session.flush()


def dci_key(session: Session, *, client_id: str) -> tuple[str, str] | None:
    """The sender id and public key an agency client signs DCI messages with, if registered."""
    client = repository.agency_client(session, client_id)
    if client is None or not client.dci_sender_id or not client.dci_public_key:
        return None
    return client.dci_sender_id, client.dci_public_key


def create_kiosk_device(
    session: Session, *, name: str, office_id: uuid.UUID | None
) -> tuple[KioskDevice, str]:
    """Register a kiosk; its device token is returned once and stored hashed."""
    token = new_token("rk")
    device = KioskDevice(name=name, token_hash=token_hash(token), office_id=office_id)
    session.add(device)
    session.flush()
    return device, token


def _screen_key(settings: Settings) -> bytes:
    return hashlib.sha256(b"redangel-kiosk-screen|" + settings.secret_key.encode()).digest()


def kiosk_screen_token(*, settings: Settings, session_token: str) -> str:
    """The proof a kiosk screen needs to show a card session: derived from the session's token.

    Only the kiosk agent that opened the session (with the chip's signature) receives it, and
    hands it to its own screen over loopback; the long-lived device token alone cannot show a
    citizen's views, and the proof dies with its session (card removed, or idle).
    """
    digest = hmac.new(_screen_key(settings), token_hash(session_token).encode(), hashlib.sha256)
    return "rv_" + digest.hexdigest()


def _shows(settings: Settings, kiosk: KioskSession, screen: str | None) -> bool:
    """Whether a screen's proof belongs to this card session."""
    if not screen or len(screen) > 200:
        return False
    digest = hmac.new(_screen_key(settings), kiosk.token_hash.encode(), hashlib.sha256)
    return hmac.compare_digest(screen, "rv_" + digest.hexdigest())


def device_citizen(session: Session, *, device_id: uuid.UUID, settings: Settings,
                   screen: str | None, activity: bool) -> Principal | None:
    """The citizen principal of the card session open at a kiosk, for the screen holding that
    session's proof (`kiosk_screen_token`); None when there is none, or the proof is not its own.

    The kiosk page is authenticated as the device; the citizen's data is shown from the card
    session the kiosk agent opened there, with the same principal `kiosk_principal` builds.
    `activity` says whether this request is the citizen's own (a page they asked for: it keeps
    the session alive) or a background poll (it does not).
    """
    kiosk = device_session(session, device_id=device_id, settings=settings)
    if kiosk is None or not _shows(settings, kiosk, screen):
        return None
    if activity:
        kiosk.last_seen_at = utcnow()
        session.flush()
    return _card_holder(kiosk)


def bind_screen(session: Session, *, device_id: uuid.UUID, settings: Settings, screen: str) -> bool:
    """Whether `screen` is the proof of the card session open at this kiosk right now."""
    kiosk = device_session(session, device_id=device_id, settings=settings)
    return kiosk is not None and _shows(settings, kiosk, screen)


def end_device_session(session: Session, *, device_id: uuid.UUID, settings: Settings) -> bool:
    """End the card session open at a kiosk (the card left, or the screen idled out); False when
    none was open."""
    kiosk = device_session(session, device_id=device_id, settings=settings)
    if kiosk is None:
        return False
    kiosk.ended_at = utcnow()
    session.flush()
    return True


def office_name(session: Session, office_id: uuid.UUID | None) -> str | None:
    """The name of an office (a kiosk's own, to tell a citizen where to go), if it exists."""
    if office_id is None:
        return None
    office = repository.office(session, office_id)
    return office.name if office is not None else None

"""Resolving the principal of a request, and the guards endpoints declare.

Every route under /api/v1 except sign-in and token issuance depends on `current_principal`;
the route-coverage test walks the app to prove it.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from redangel.auth import service
from redangel.auth.principal import Principal
from redangel.auth.ratelimit import address_key
from redangel.config import Settings
from redangel.db import DbSession, on_loop_connection
from redangel.errors import Forbidden, Unauthenticated

SESSION_COOKIE = "redangel_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings_dep)]


@dataclass(frozen=True)
class _Credential:
    kind: str  # staff | kiosk | device | agency
    token: str
    via_cookie: bool = False


def _credential(request: Request) -> _Credential:
    """What the request presents: a bearer token by its prefix, else the session cookie."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > 4096:
            raise Unauthenticated()
        for prefix, kind in (("rs_", "staff"), ("rc_", "kiosk"), ("rk_", "device")):
            if token.startswith(prefix):
                return _Credential(kind, token)
        if token.count(".") == 2:
            return _Credential("agency", token)
        raise Unauthenticated()
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie or len(cookie) > 200:
        raise Unauthenticated()
    return _Credential("staff", cookie, via_cookie=True)


def _resolve(session: Session, settings: Settings, credential: _Credential) -> Principal:
    if credential.kind == "staff":
        return service.staff_principal(session, settings=settings, token=credential.token,
                                       via_cookie=credential.via_cookie)
    if credential.kind == "kiosk":
        return service.kiosk_principal(session, settings=settings, token=credential.token)
    if credential.kind == "device":
        return service.device_principal(session, token=credential.token)
    return service.agency_principal(session, settings=settings, token=credential.token)


async def _resolve_on_loop(pool: AsyncConnectionPool[Any], settings: Settings,
                           credential: _Credential) -> Principal:
    async def resolve(conn: AsyncConnection[Any]) -> Principal:
        if credential.kind == "staff":
            return await service.staff_principal_async(
                conn, settings=settings, token=credential.token, via_cookie=credential.via_cookie)
        return await service.agency_principal_async(conn, settings=settings, token=credential.token)

    return await on_loop_connection(pool, resolve)


async def current_principal(request: Request, session: DbSession, settings: AppSettings) -> Principal:
    """Authenticate the request by bearer token or session cookie (with CSRF on writes).

    On PostgreSQL, staff sessions and agency tokens are resolved on the event loop's own small
    connection pool (`app.state.loop_pool`), in one query and without a worker thread;
    kiosk card sessions, and everything on SQLite, in the request's session."""
    credential = _credential(request)
    pool: AsyncConnectionPool[Any] | None = getattr(request.app.state, "loop_pool", None)
    if pool is not None and credential.kind in ("staff", "agency"):
        principal = await _resolve_on_loop(pool, settings, credential)
    else:
        principal = await run_in_threadpool(_resolve, session, settings, credential)
    if credential.via_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
            raise Forbidden("csrf")
    request.state.principal = principal
    limiter = request.app.state.rate_limiter
    limiter.hit("request", principal.key, settings.rate_limit_requests_per_minute)
    for bucket, per_minute in getattr(request.state, "rate_limits", ()):
        limiter.hit(bucket, principal.key, per_minute)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that admits only principals with one of these roles."""

    async def guard(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Forbidden()
        return principal

    guard.__name__ = f"require_{'_'.join(roles)}"
    return guard


FRONT_DESK = ("clerk", "supervisor")
KioskDevicePrincipal = Annotated[Principal, Depends(require_roles("device"))]
CardHolder = Annotated[Principal, Depends(require_roles("citizen"))]
FrontDesk = Annotated[Principal, Depends(require_roles(*FRONT_DESK))]
PersonReader = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "agency", "citizen"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]


def rate_limit(bucket: str, setting: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency limiting a bucket per client address (and per principal when known)."""

    async def limit(request: Request) -> None:
        settings: Settings = request.app.state.settings
        per_minute = int(getattr(settings, setting))
        address = address_key(request.client.host if request.client else None)
        request.app.state.rate_limiter.hit(bucket, f"ip:{address}", per_minute)
        # Route dependencies run before the principal is known: `current_principal` counts the
        # same bucket against the principal too, so changing address does not reset a limit.
        pending: list[tuple[str, int]] = getattr(request.state, "rate_limits", [])
        request.state.rate_limits = [*pending, (bucket, per_minute)]

    return limit


def limit_subject(request: Request, bucket: str, subject: str, per_minute: int) -> None:
    """Count a bucket against a named subject (a username or client id being tried)."""
    request.app.state.rate_limiter.hit(bucket, subject, per_minute)

"""Resolving the principal of a request, and the guards endpoints declare.

Every route under /api/v1 except sign-in and token issuance depends on `current_principal`;
the route-coverage test walks the app to prove it.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from redangel.auth import service
from redangel.auth.principal import Principal
from redangel.auth.ratelimit import address_key
from redangel.config import Settings
from redangel.db import DbSession
from redangel.errors import Forbidden, Unauthenticated

SESSION_COOKIE = "redangel_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings_dep)]


def current_principal(request: Request, session: DbSession, settings: AppSettings) -> Principal:
    """Authenticate the request by bearer token or session cookie (with CSRF on writes)."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > 4096:
            raise Unauthenticated()
        if token.startswith("rs_"):
            principal = service.staff_principal(session, settings=settings, token=token, via_cookie=False)
        elif token.startswith("rc_"):
            principal = service.kiosk_principal(session, settings=settings, token=token)
        elif token.startswith("rk_"):
            principal = service.device_principal(session, token=token)
        elif token.count(".") == 2:
            principal = service.agency_principal(session, settings=settings, token=token)
        else:
            raise Unauthenticated()
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie or len(cookie) > 200:
            raise Unauthenticated()
        principal = service.staff_principal(session, settings=settings, token=cookie, via_cookie=True)
        if request.method not in SAFE_METHODS:
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

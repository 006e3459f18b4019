"""Who is using a page: the clerk's session cookie, the kiosk's device cookie, CSRF on forms.

Pages use the same sessions as the API (`auth.service`): a clerk signed in on `/office` holds the
HttpOnly, SameSite=Strict `redangel_session` cookie; every form that changes something carries
the session's CSRF token in a hidden field (or the `X-CSRF-Token` header from page scripts).
A kiosk is set up once with its device token, kept in the HttpOnly `redangel_kiosk` cookie; the
citizen's card session is the one the kiosk agent opened for that device.
"""

from __future__ import annotations

import hmac
import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from redangel.auth import service
from redangel.auth.dependencies import SAFE_METHODS, SESSION_COOKIE, AppSettings
from redangel.auth.principal import Principal
from redangel.db import DbSession
from redangel.errors import AppError, Forbidden, Unauthenticated

KIOSK_COOKIE = "redangel_kiosk"
STAFF_PAGES = ("clerk", "supervisor")


class Redirect(AppError):
    """Send the browser elsewhere (a page needs a sign-in, or a form was handled)."""

    status = 303
    code = "redirect"

    def __init__(self, location: str) -> None:
        super().__init__()
        self.location = location

    def headers(self) -> dict[str, str]:
        return {"Location": self.location}


def _staff(request: Request, session: DbSession, settings: AppSettings) -> Principal:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie or len(cookie) > 200:
        raise Redirect(f"/office/login?next={_next(request)}")
    try:
        principal = service.staff_principal(session, settings=settings, token=cookie, via_cookie=True)
    except Unauthenticated:
        raise Redirect(f"/office/login?next={_next(request)}&expired=1") from None
    if principal.role not in STAFF_PAGES:
        raise Forbidden()
    request.state.principal = principal
    request.state.csrf_token = principal.csrf_token or ""
    limiter = request.app.state.rate_limiter
    limiter.hit("request", principal.key, settings.rate_limit_requests_per_minute)
    return principal


def _next(request: Request) -> str:
    path = request.url.path if request.method in SAFE_METHODS else "/office"
    return quote(path, safe="/")


async def csrf_checked(request: Request, principal: Annotated[Principal, Depends(_staff)]) -> Principal:
    """The staff principal of a page, with the CSRF token checked on anything but a read."""
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not sent and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token", "")
            sent = value if isinstance(value, str) else ""
        if not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
            raise Forbidden("csrf")
    return principal


OfficeUser = Annotated[Principal, Depends(csrf_checked)]


def safe_next(value: str | None, default: str = "/office") -> str:
    """A local address to return to after signing in (never another site)."""
    if value and value.startswith("/office") and "//" not in value and "\\" not in value:
        return value[:200]
    return default


def kiosk_device(request: Request, session: DbSession) -> Principal:
    """The kiosk device showing this page (set up once with its device token)."""
    token = request.cookies.get(KIOSK_COOKIE)
    if not token or len(token) > 200:
        raise Redirect("/kiosk/setup")
    try:
        principal = service.device_principal(session, token=token)
    except Unauthenticated:
        raise Redirect("/kiosk/setup?invalid=1") from None
    request.state.principal = principal
    return principal


KioskDevice = Annotated[Principal, Depends(kiosk_device)]


# ---------- kiosk: the citizen at the device (this section belongs to the kiosk pages) ----------

def _kiosk_citizen(request: Request, session: DbSession, device: KioskDevice) -> Principal:
    """The card holder at this kiosk, for a page the citizen asked for (keeps the session alive).

    No card session open (the card left, or the kiosk idled out): back to the idle screen.
    """
    settings = request.app.state.settings
    citizen = service.device_citizen(session, device_id=uuid.UUID(device.id), settings=settings,
                                     activity=True)
    if citizen is None:
        raise Redirect("/kiosk")
    request.state.principal = citizen
    return citizen


KioskCitizen = Annotated[Principal, Depends(_kiosk_citizen)]

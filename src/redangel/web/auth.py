"""Who is using a page: the clerk's session cookie, the kiosk's device cookie, CSRF on forms.

Pages use the same sessions as the API (`auth.service`): a clerk signed in on `/office` holds the
HttpOnly, SameSite=Strict `redangel_session` cookie; every form that changes something carries
the session's CSRF token in a hidden field (or the `X-CSRF-Token` header from page scripts).
The sign-in form itself, before any session, carries a pre-session token bound to a cookie, so
that another site cannot sign a browser in to an account of its choosing (login CSRF).
A kiosk is set up once with its device token, kept in the HttpOnly `redangel_kiosk` cookie; the
citizen's card session is the one the kiosk agent opened for that device.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request

from redangel.auth import service
from redangel.auth.dependencies import SAFE_METHODS, SESSION_COOKIE, AppSettings
from redangel.auth.principal import Principal
from redangel.config import Settings
from redangel.db import DbSession
from redangel.errors import AppError, Forbidden, Unauthenticated

KIOSK_COOKIE = "redangel_kiosk"
KIOSK_SCREEN_COOKIE = "redangel_kiosk_screen"  # the proof of the card session on this screen
STAFF_PAGES = ("clerk", "supervisor")
STEWARD_PAGES = ("steward", "admin")
"""The data steward's pages (legacy rolls: import, review, report)."""
ANALYTICS_PAGES = ("analyst", "supervisor")
ROLE_PAGES = {
    "coordinator": ("/office", "/office/escalations", "/office/logout"),
    "call_center": ("/office", "/office/call", "/office/call/rating", "/office/call/apply",
                    "/office/logout"),
}
"""The only pages of the console the coordination unit and the call center open: neither
searches or opens a person."""


class Redirect(AppError):
    """Send the browser elsewhere (a page needs a sign-in, or a form was handled)."""

    status = 303
    code = "redirect"

    def __init__(self, location: str) -> None:
        super().__init__()
        self.location = location

    def headers(self) -> dict[str, str]:
        return {"Location": self.location}


def _signed_in(request: Request, session: DbSession, settings: AppSettings,
               roles: tuple[str, ...]) -> Principal:
    """The staff member of this browser's session, if their role may open these pages."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie or len(cookie) > 200:
        raise Redirect(f"/office/login?next={_next(request)}")
    try:
        principal = service.staff_principal(session, settings=settings, token=cookie, via_cookie=True)
    except Unauthenticated:
        raise Redirect(f"/office/login?next={_next(request)}&expired=1") from None
    if principal.role not in roles and request.url.path not in ROLE_PAGES.get(
            principal.role, ()):
        raise Forbidden()
    request.state.principal = principal
    request.state.csrf_token = principal.csrf_token or ""
    limiter = request.app.state.rate_limiter
    limiter.hit("request", principal.key, settings.rate_limit_requests_per_minute)
    return principal


def _staff(request: Request, session: DbSession, settings: AppSettings) -> Principal:
    return _signed_in(request, session, settings, STAFF_PAGES)


def _steward(request: Request, session: DbSession, settings: AppSettings) -> Principal:
    return _signed_in(request, session, settings, STEWARD_PAGES)


def _anyone(request: Request, session: DbSession, settings: AppSettings) -> Principal:
    return _signed_in(request, session, settings,
                      STAFF_PAGES + STEWARD_PAGES + ANALYTICS_PAGES + tuple(ROLE_PAGES))


def _next(request: Request) -> str:
    path = request.url.path if request.method in SAFE_METHODS else "/office"
    return quote(path, safe="/")


async def _check_csrf(request: Request, principal: Principal) -> Principal:
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


async def csrf_checked(request: Request, principal: Annotated[Principal, Depends(_staff)]) -> Principal:
    """The staff principal of a page, with the CSRF token checked on anything but a read."""
    return await _check_csrf(request, principal)


async def steward_checked(request: Request,
                          principal: Annotated[Principal, Depends(_steward)]) -> Principal:
    """The data steward of a page, with the CSRF token checked on anything but a read."""
    return await _check_csrf(request, principal)


async def anyone_checked(request: Request,
                         principal: Annotated[Principal, Depends(_anyone)]) -> Principal:
    """Whoever is signed in to the office pages (signing out)."""
    return await _check_csrf(request, principal)


OfficeUser = Annotated[Principal, Depends(csrf_checked)]
StewardUser = Annotated[Principal, Depends(steward_checked)]
SignedInUser = Annotated[Principal, Depends(anyone_checked)]


def _analytics_reader(request: Request, session: DbSession, settings: AppSettings) -> Principal:
    """An analyst, or a supervisor (who sees their office's slice), on the analytics pages: they
    only read, so no CSRF token is asked for."""
    return _signed_in(request, session, settings, ANALYTICS_PAGES)


AnalyticsUser = Annotated[Principal, Depends(_analytics_reader)]

LOGIN_COOKIE = "redangel_login"  # the sign-in form's pre-session nonce
CROSS_SITE = frozenset({"cross-site", "same-site"})


def _login_proof(settings: Settings, nonce: str) -> str:
    key = hashlib.sha256(b"redangel-login-form|" + settings.secret_key.encode()).digest()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


def login_form_token(request: Request, settings: Settings) -> tuple[str, str]:
    """The sign-in form's pre-session token: the nonce for its cookie, and the keyed proof of
    that nonce for the form's hidden field (a nonce already in the browser is kept)."""
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not (16 <= len(nonce) <= 64 and nonce.isascii()):
        nonce = secrets.token_urlsafe(24)
    return nonce, _login_proof(settings, nonce)


def _foreign(value: str | None, host: str) -> bool:
    """Whether an Origin or Referer names another site than the one the request came to."""
    if not value or value == "null":
        return False  # absent or hidden (no-referrer): the token decides
    return urlsplit(value).netloc.lower() != host.lower()


def login_form_sent_here(request: Request, settings: Settings, proof: str) -> bool:
    """Whether a sign-in POST came from this site's own form (no login CSRF).

    The browser's Sec-Fetch-Site, Origin and Referer must not name another site, and the form's
    proof must match the nonce in this browser's SameSite=Strict cookie, which a page of another
    site can neither read nor send.
    """
    host = request.headers.get("host", "")
    if request.headers.get("sec-fetch-site", "") in CROSS_SITE:
        return False
    if _foreign(request.headers.get("origin"), host) or _foreign(
            request.headers.get("referer"), host):
        return False
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or len(nonce) > 64 or not proof or len(proof) > 128:
        return False
    return hmac.compare_digest(proof, _login_proof(settings, nonce))


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

    No card session open (the card left, or the kiosk idled out), or this browser does not hold
    the proof the kiosk agent handed its own screen for that session: back to the idle screen.
    """
    settings = request.app.state.settings
    citizen = service.device_citizen(session, device_id=uuid.UUID(device.id), settings=settings,
                                     screen=request.cookies.get(KIOSK_SCREEN_COOKIE),
                                     activity=True)
    if citizen is None:
        raise Redirect("/kiosk")
    request.state.principal = citizen
    return citizen


KioskCitizen = Annotated[Principal, Depends(_kiosk_citizen)]

"""The clerk's console at /office: sign in and out here; each page's module is included below.

Pages call services, never repositories; the request owns the transaction like any API call.
`search` (home), `enroll`, `persons` (person 360), `events` (life-event wizard and receipt),
`cards`, `supervisor` (queue, overdue), `edit` (correcting a person's data), `members`
(household changes) and `applications` (an application's follow-up, an enrollment's moves) each
hold one page family.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from redangel.auth import service as auth
from redangel.auth.dependencies import SESSION_COOKIE, AppSettings
from redangel.auth.ratelimit import address_key
from redangel.config import Settings
from redangel.db import DbSession
from redangel.errors import RateLimited, Unauthenticated
from redangel.program import service as programs
from redangel.web import i18n
from redangel.web.auth import (
    LOGIN_COOKIE,
    OfficeUser,
    Redirect,
    SignedInUser,
    login_form_sent_here,
    login_form_token,
    safe_next,
)
from redangel.web.office import (
    applications,
    call,
    cards,
    complaints,
    crvs,
    edit,
    enroll,
    events,
    members,
    merges,
    outreach,
    persons,
    rights,
    rolls,
    search,
    supervisor,
)
from redangel.web.templating import render

router = APIRouter(prefix="/office", include_in_schema=False)

Text = Annotated[str, Form(max_length=256)]
LOGIN_FORM_SECONDS = 2 * 3600  # how long an open sign-in form stays usable
STEWARD_LANDINGS = ("/office/rolls", "/office/merges", "/office/crvs")
"""Where a data steward's sign-in may lead (any other page sends them to the rolls)."""


def _login_page(request: Request, settings: Settings, *, next_page: str, username: str = "",
                error: str = "", expired: bool = False, status_code: int = 200,
                headers: dict[str, str] | None = None) -> Response:
    """The sign-in form, with its pre-session token (cookie and hidden field)."""
    nonce, proof = login_form_token(request, settings)
    response = render(request, "office/login.html", {
        "next": next_page, "username": username, "error": error, "expired": expired,
        "login_token": proof}, status_code=status_code, headers=headers)
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, secure=settings.cookie_secure,
                        samesite="strict", max_age=LOGIN_FORM_SECONDS, path="/office/login")
    return response


@router.get("/login")
def login_page(request: Request, settings: AppSettings) -> Response:
    """The sign-in form."""
    return _login_page(request, settings, next_page=safe_next(request.query_params.get("next")),
                       expired=request.query_params.get("expired") == "1")


@router.post("/login")
def login(request: Request, session: DbSession, settings: AppSettings,
          username: Annotated[str, Form(max_length=64)] = "", password: Text = "",
          next_page: Annotated[str, Form(alias="next", max_length=200)] = "/office",
          login_token: Annotated[str, Form(max_length=128)] = "") -> Response:
    """Check the password, open a session (HttpOnly cookie) and go where the clerk was going."""
    lang = i18n.page_lang(request)
    if not login_form_sent_here(request, settings, login_token):
        return _login_page(request, settings, next_page=safe_next(next_page), status_code=403,
                           error=i18n.translate(lang, "This sign-in form did not come from the "
                                                      "office console's own page. Sign in again "
                                                      "on this page."))
    address = address_key(request.client.host if request.client else None)
    try:
        request.app.state.rate_limiter.hit("login", f"ip:{address}", settings.rate_limit_login_per_minute)
        result = auth.login(session, settings=settings, throttle=request.app.state.login_throttle,
                            address=address, username=username, password=password)
    except RateLimited as refused:
        return _login_page(request, settings, next_page=safe_next(next_page), username=username,
                           error=(i18n.translate(lang, "Too many sign-in attempts. Wait one second "
                                                       "and try again.")
                                  if refused.retry_after == 1 else
                                  i18n.translate(lang, "Too many sign-in attempts. Wait {seconds} "
                                                       "seconds and try again.").format(
                                      seconds=refused.retry_after)),
                           status_code=429, headers=refused.headers())
    except Unauthenticated:
        return _login_page(request, settings, next_page=safe_next(next_page), username=username,
                           error=i18n.translate(lang, "Wrong user name or password."),
                           status_code=401)
    if result.user.role == "analyst" and not safe_next(next_page).startswith("/office/analytics"):
        next_page = "/office/analytics"  # the analysts' console is the only page of theirs
    if result.user.role not in ("clerk", "supervisor", "analyst", "coordinator", "call_center",
                                "steward"):
        auth.logout(session, auth.staff_principal(session, settings=settings, token=result.token,
                                                  via_cookie=True))
        return _login_page(request, settings, next_page="/office", username=username,
                           error=i18n.translate(lang, "The office console is for clerks, "
                                                      "supervisors and data stewards."),
                           status_code=403)
    landing = safe_next(next_page)
    if result.user.role == "steward" and not landing.startswith(STEWARD_LANDINGS):
        landing = "/office/rolls"
    response = RedirectResponse(landing, status_code=303)
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, secure=settings.cookie_secure,
                        samesite="strict", max_age=settings.session_absolute_hours * 3600, path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/office/login")
    return response


@router.post("/logout")
def logout(session: DbSession, principal: SignedInUser) -> Response:
    """End the clerk's session and forget the cookie."""
    auth.logout(session, principal)
    response = RedirectResponse("/office/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("")
def home(request: Request, session: DbSession, principal: OfficeUser) -> Response:
    """The search-first home page; a supervisor's also counts the office's queue above it."""
    if principal.role == "coordinator":
        raise Redirect("/office/escalations")
    if principal.role == "call_center":
        raise Redirect("/office/call")
    if principal.role != "supervisor":
        return search.home(request)
    found = programs.queue(session, principal=principal, shown=0)
    return search.home(request, queue={"counts": found["counts"], "kinds": supervisor.GROUPS,
                                       "more_than": found["more_than"]})


# `enroll` before `persons`: /office/persons/new is not a person id.
for module in (search, enroll, persons, events, cards, supervisor, outreach, edit, members,
               applications, call, rights, rolls, merges, crvs, complaints):
    router.include_router(module.router)

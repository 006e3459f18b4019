"""The clerk's console at /office: sign in and out here; each page's module is included below.

Pages call services, never repositories; the request owns the transaction like any API call.
`search` (home), `enroll`, `persons` (person 360), `events` (life-event wizard and receipt),
`cards` and `supervisor` each hold one page family.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from redangel.auth import service as auth
from redangel.auth.dependencies import SESSION_COOKIE, AppSettings, limit_subject
from redangel.db import DbSession
from redangel.errors import RateLimited, Unauthenticated
from redangel.web import i18n
from redangel.web.auth import OfficeUser, safe_next
from redangel.web.office import cards, enroll, events, persons, search, supervisor
from redangel.web.templating import render

router = APIRouter(prefix="/office", include_in_schema=False)

Text = Annotated[str, Form(max_length=256)]


@router.get("/login")
def login_page(request: Request) -> Response:
    """The sign-in form."""
    return render(request, "office/login.html", {
        "next": safe_next(request.query_params.get("next")), "username": "", "error": "",
        "expired": request.query_params.get("expired") == "1"})


@router.post("/login")
def login(request: Request, session: DbSession, settings: AppSettings,
          username: Annotated[str, Form(max_length=64)] = "", password: Text = "",
          next_page: Annotated[str, Form(alias="next", max_length=200)] = "/office") -> Response:
    """Check the password, open a session (HttpOnly cookie) and go where the clerk was going."""
    lang = i18n.page_lang(request)
    address = request.client.host if request.client else "unknown"
    try:
        request.app.state.rate_limiter.hit("login", f"ip:{address}", settings.rate_limit_login_per_minute)
        limit_subject(request, "login", f"user:{username.casefold()}", settings.rate_limit_login_per_minute)
        result = auth.login(session, settings=settings, username=username, password=password)
    except (Unauthenticated, RateLimited) as refused:
        text = (i18n.translate(lang, "Please wait a minute before trying again.")
                if isinstance(refused, RateLimited)
                else i18n.translate(lang, "Wrong user name or password."))
        return render(request, "office/login.html", {
            "next": safe_next(next_page), "username": username, "error": text, "expired": False},
            status_code=429 if isinstance(refused, RateLimited) else 401)
    if result.user.role not in ("clerk", "supervisor"):
        auth.logout(session, auth.staff_principal(session, settings=settings, token=result.token,
                                                  via_cookie=True))
        return render(request, "office/login.html", {
            "next": "/office", "username": username, "expired": False,
            "error": i18n.translate(lang, "The office console is for clerks and supervisors.")},
            status_code=403)
    response = RedirectResponse(safe_next(next_page), status_code=303)
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, secure=settings.cookie_secure,
                        samesite="strict", max_age=settings.session_absolute_hours * 3600, path="/")
    return response


@router.post("/logout")
def logout(session: DbSession, principal: OfficeUser) -> Response:
    """End the clerk's session and forget the cookie."""
    auth.logout(session, principal)
    response = RedirectResponse("/office/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("")
def home(request: Request, principal: OfficeUser) -> Response:
    """The search-first home page."""
    return search.home(request)


# `enroll` before `persons`: /office/persons/new is not a person id.
for module in (search, enroll, persons, events, cards, supervisor):
    router.include_router(module.router)

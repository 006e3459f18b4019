"""Wiring the pages into the app: routers, static files, page headers and HTML error pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from redangel.common.middleware import PageHeaders
from redangel.errors import AppError, Unauthenticated
from redangel.i18n import message
from redangel.web import i18n
from redangel.web.analytics.pages import router as analytics_router
from redangel.web.auth import Redirect
from redangel.web.kiosk.pages import router as kiosk_router
from redangel.web.office.pages import router as office_router
from redangel.web.public.folio import router as folio_router
from redangel.web.public.pages import router as public_router
from redangel.web.templating import TEMPLATES, render

PAGE_PREFIXES = ("/office", "/kiosk", "/screening", "/folio")
STATIC_DIR = TEMPLATES.parent / "static"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def page_error(request: Request, error: AppError) -> Response:
    """An error on a page: a sign-in redirect, or a plain page saying what to do next."""
    if isinstance(error, Redirect):
        return RedirectResponse(error.location, status_code=303)
    if isinstance(error, Unauthenticated):
        target = "/kiosk" if request.url.path.startswith("/kiosk") else "/office/login"
        return RedirectResponse(target, status_code=303)
    lang = i18n.page_lang(request)
    home = "/kiosk" if request.url.path.startswith("/kiosk") else (
        "/screening" if request.url.path.startswith("/screening") else (
            "/folio" if request.url.path.startswith("/folio") else "/office"))
    return render(request, "error.html", {
        "status": error.status, "detail": message(error.code, lang, **error.params),
        "fields": [(f.field, message(f.code, lang, **f.params)) for f in error.fields],
        "home": home,
    }, status_code=error.status, headers=error.headers())


def mount_pages(app: FastAPI) -> None:
    """Add the office console, the kiosk and the public screening page to the app."""
    settings = app.state.settings
    agents = " ".join(o for o in (_origin(settings.desk_agent_url), _origin(settings.kiosk_agent_url)) if o)
    policy = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              f"connect-src 'self' {agents}; form-action 'self'; frame-ancestors 'none'; "
              "base-uri 'none'; object-src 'none'")
    app.state.page_error = page_error
    app.state.page_prefixes = PAGE_PREFIXES
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (analytics_router, office_router, kiosk_router, public_router, folio_router):
        app.include_router(router)

    # Pages carry personal data: never stored by the browser or any cache, so nothing is left
    # behind on a shared desk or a public kiosk. Plain ASGI: the API's answers pass untouched.
    app.add_middleware(PageHeaders, prefixes=PAGE_PREFIXES, headers={
        "Cache-Control": "no-store", "Pragma": "no-cache", "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY"})

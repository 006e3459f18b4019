"""The citizen's kiosk at /kiosk: idle screen, card session, PIN, the citizen's own views.

The page is authenticated as the kiosk device (`web.auth.KioskDevice`); what it shows of a
citizen comes from the card session the kiosk agent opened at this device
(`web.auth.KioskCitizen`), and only to the screen holding that session's proof: the agent hands
it to its own screen over loopback, the script posts it to `/kiosk/screen`, and it lives in an
HttpOnly cookie — the long-lived device token alone, replayed from another machine while a card
is on the reader, shows nothing. Pages the citizen asks for keep that session alive; the
background poll (`/kiosk/state`) does not. The PIN never reaches these pages: the screen's
keypad talks to the agent on loopback, which proves the PIN to the service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from redangel.auth import service as auth
from redangel.auth.dependencies import AppSettings
from redangel.auth.principal import Principal
from redangel.config import Settings
from redangel.crvs import service as crvs
from redangel.crypto.dependencies import KeyringDep
from redangel.crypto.keyring import Keyring
from redangel.db import DbSession
from redangel.errors import FieldError, Forbidden, InvalidInput, Unauthenticated
from redangel.lifeevent import self_service
from redangel.person import accesses as subject
from redangel.person import service as persons
from redangel.program import followup
from redangel.program import overview as program_overview
from redangel.program.schemas import PersonOverview
from redangel.web import i18n
from redangel.web.auth import KIOSK_COOKIE, KIOSK_SCREEN_COOKIE, KioskCitizen, KioskDevice, Redirect
from redangel.web.kiosk import words
from redangel.web.templating import render

router = APIRouter(prefix="/kiosk", include_in_schema=False)
PAGE_IDLE_SECONDS = 60

TILES = (
    ("programs", i18n._("My programs"), "star"),
    ("applications", i18n._("My applications"), "list"),
    ("deliveries", i18n._("Next deliveries"), "calendar"),
    ("eligible", i18n._("Programs I might qualify for"), "search"),
    ("accesses", i18n._("Who looked at my data and why"), "eye"),
)
STARS = (
    (1, i18n._("Very bad")), (2, i18n._("Bad")), (3, i18n._("Fair")), (4, i18n._("Good")),
    (5, i18n._("Very good")),
)


def _context(request: Request, settings: Any, **values: Any) -> dict[str, Any]:
    # One minute without a touch ends the session on screen (sooner if the service's own idle
    # limit is shorter, so the screen never shows a session the service already ended).
    idle = min(PAGE_IDLE_SECONDS, settings.kiosk_session_idle_seconds)
    return {"agent_url": settings.kiosk_agent_url, "idle_seconds": idle, **values}


@router.get("/setup")
def setup_page(request: Request, settings: AppSettings) -> Response:
    """Where a technician pastes the kiosk's device token, once."""
    return render(request, "kiosk/setup.html", _context(
        request, settings, screen="setup", error="",
        invalid=request.query_params.get("invalid") == "1"))


@router.post("/setup")
def setup(request: Request, session: DbSession, settings: AppSettings,
          token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Check the device token and keep it in the kiosk's HttpOnly cookie."""
    address = request.client.host if request.client else "unknown"
    request.app.state.rate_limiter.hit("login", f"ip:{address}", settings.rate_limit_login_per_minute)
    lang = i18n.page_lang(request)
    token = token.strip()
    try:
        if not token.startswith("rk_"):
            raise Unauthenticated()
        auth.device_principal(session, token=token)
    except Unauthenticated:
        return render(request, "kiosk/setup.html", _context(
            request, settings, screen="setup", invalid=False,
            error=i18n.translate(lang, "This device token is not valid. Copy it again from the "
                                       "kiosk's registration.")), status_code=401)
    response = RedirectResponse("/kiosk", status_code=303)
    response.set_cookie(KIOSK_COOKIE, token, httponly=True, secure=settings.cookie_secure,
                        samesite="strict", max_age=365 * 24 * 3600, path="/kiosk")
    return response


@router.get("")
def idle(request: Request, session: DbSession, settings: AppSettings,
         device: KioskDevice) -> Response:
    """The idle screen: an invitation to tap the card."""
    if auth.device_citizen(session, device_id=uuid.UUID(device.id), settings=settings,
                           screen=request.cookies.get(KIOSK_SCREEN_COOKIE),
                           activity=False) is not None:
        raise Redirect("/kiosk/me")
    return render(request, "kiosk/idle.html", _context(request, settings, screen="idle"))


@router.get("/state")
def state(request: Request, session: DbSession, settings: AppSettings,
          device: KioskDevice) -> Response:
    """What the screen's script polls (no personal data): is a card session open for this screen,
    and is one open at this kiosk at all (`card`: the screen then gets its proof from the agent)."""
    device_id = uuid.UUID(device.id)
    citizen = auth.device_citizen(session, device_id=device_id, settings=settings,
                                  screen=request.cookies.get(KIOSK_SCREEN_COOKIE),
                                  activity=False)
    card = citizen is not None or auth.device_session(
        session, device_id=device_id, settings=settings) is not None
    return JSONResponse({"session": citizen is not None, "card": card,
                         "pin_verified": bool(citizen and citizen.pin_verified)})


@router.post("/end")
def end(request: Request, session: DbSession, settings: AppSettings,
        device: KioskDevice) -> Response:
    """The screen idled out: end the card session open here (called by the screen's script)."""
    if request.headers.get("x-kiosk-screen") != "1":  # a custom header: never a cross-site form
        raise Forbidden()
    auth.end_device_session(session, device_id=uuid.UUID(device.id), settings=settings)
    return Response(status_code=204)


@router.post("/touch")
def touch(request: Request, session: DbSession, settings: AppSettings,
          device: KioskDevice) -> Response:
    """The citizen touched the screen without changing page: that is activity, like a page view."""
    if request.headers.get("x-kiosk-screen") != "1":
        raise Forbidden()
    citizen = auth.device_citizen(session, device_id=uuid.UUID(device.id), settings=settings,
                                  screen=request.cookies.get(KIOSK_SCREEN_COOKIE),
                                  activity=True)
    return Response(status_code=204 if citizen is not None else 404)


@router.post("/screen")
def screen(request: Request, session: DbSession, settings: AppSettings, device: KioskDevice,
           token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """The screen's script hands over the proof its kiosk agent gave it for the card session
    just opened; kept in an HttpOnly cookie, it lets this browser show that session's views."""
    if request.headers.get("x-kiosk-screen") != "1":  # a custom header: never a cross-site form
        raise Forbidden()
    if not auth.bind_screen(session, device_id=uuid.UUID(device.id), settings=settings,
                            screen=token):
        raise Forbidden()
    response = Response(status_code=204)
    response.set_cookie(KIOSK_SCREEN_COOKIE, token, httponly=True, secure=settings.cookie_secure,
                        samesite="strict", path="/kiosk")
    return response


@router.get("/ended")
def ended(request: Request, settings: AppSettings, device: KioskDevice) -> Response:
    """'Your session ended': shown a moment, in Spanish again, before the idle screen."""
    if request.query_params.get("lang") != "es":  # the next citizen starts in Spanish
        raise Redirect("/kiosk/ended?lang=es")
    return render(request, "kiosk/ended.html", _context(request, settings, screen="ended"))


def _overview(request: Request, session: DbSession, keyring: Any,
              citizen: Principal) -> PersonOverview:
    """The card holder's 360 as a public screen may show it (no sensitive programs)."""
    assert citizen.person_id is not None
    return program_overview.public_screen(session, keyring=keyring, principal=citizen,
                                          person_id=citizen.person_id)


def _needs_pin(citizen: Principal) -> None:
    """Personal views wait for the PIN: back to the keypad until it is proven."""
    if not citizen.pin_verified:
        raise Redirect("/kiosk/me")


@router.get("/me")
def home(request: Request, session: DbSession, settings: AppSettings, keyring: KeyringDep,
         citizen: KioskCitizen) -> Response:
    """The citizen's start: the PIN keypad until the PIN is proven, then the tiles."""
    given = ""
    offers: list[Any] = []
    if citizen.pin_verified:
        assert citizen.person_id is not None
        person = persons.get(session, principal=citizen, person_id=citizen.person_id,
                             purpose="self_service")
        given = person.given_names
        offers = crvs.list_offers(session, principal=citizen, person_id=citizen.person_id,
                                  open_only=True)
    return render(request, "kiosk/home.html", _context(
        request, settings, screen="citizen", given=given, tiles=TILES, offers=offers,
        pin_verified=citizen.pin_verified, done=request.query_params.get("done", "")[:10]))


@router.post("/me/offers/{offer_id}")
def accept_offer(request: Request, session: DbSession, citizen: KioskCitizen,
                 offer_id: uuid.UUID) -> Response:
    """The card holder, behind the PIN, says yes to a program offered to them: it is applied
    for (the session cookie is SameSite=Strict: no other site can post this)."""
    _needs_pin(citizen)
    crvs.decide(session, principal=citizen, offer_id=offer_id, accept=True)
    return RedirectResponse("/kiosk/me?done=applied", status_code=303)


def _overview_page(request: Request, session: DbSession, settings: Settings, keyring: Keyring,
                   citizen: Principal, view: str, **shown: Callable[[PersonOverview, str], Any]
                   ) -> Response:
    """One of the views built from the card holder's 360 (behind the PIN), in words."""
    _needs_pin(citizen)
    lang = i18n.page_lang(request)
    data = _overview(request, session, keyring, citizen)
    return render(request, f"kiosk/{view}.html", _context(
        request, settings, screen="citizen", view=view,
        **{name: make(data, lang) for name, make in shown.items()}))


@router.get("/me/programs")
def programs(request: Request, session: DbSession, settings: AppSettings, keyring: KeyringDep,
             citizen: KioskCitizen) -> Response:
    """My programs: what the citizen is enrolled in, in words."""
    return _overview_page(request, session, settings, keyring, citizen, "programs",
                          enrollments=words.enrollments)


@router.get("/me/applications")
def applications(request: Request, session: DbSession, settings: AppSettings,
                 keyring: KeyringDep, citizen: KioskCitizen) -> Response:
    """My applications: each request with its folio, its state and the expected answer date;
    a decided one not yet rated offers the five answers of the rating."""
    _needs_pin(citizen)
    lang = i18n.page_lang(request)
    data = _overview(request, session, keyring, citizen)
    listed = words.applications(data, lang)
    rated = followup.rated(session, [a["folio"] for a in listed if not a["open"]])
    for item in listed:
        item["may_rate"] = not item["open"] and item["folio"] not in rated
    return render(request, "kiosk/applications.html", _context(
        request, settings, screen="citizen", view="applications", applications=listed,
        stars=STARS, thanked=request.query_params.get("rated", "")[:20]))


@router.post("/me/rating")
def rating(request: Request, session: DbSession, settings: AppSettings, keyring: KeyringDep,
           citizen: KioskCitizen, folio: Annotated[str, Form(max_length=40)] = "",
           stars: Annotated[str, Form(max_length=1)] = "") -> Response:
    """The card holder rates one of their decided requests, once (after the PIN)."""
    _needs_pin(citizen)
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.url.netloc:  # never a cross-site form
        raise Forbidden()
    if stars not in {"1", "2", "3", "4", "5"}:
        raise InvalidInput(fields=[FieldError("rating", "field_range")])
    followup.rate_own(session, keyring=keyring, principal=citizen, folio=folio,
                      rating=int(stars), comment="")
    return RedirectResponse(f"/kiosk/me/applications?rated={quote(folio[:20])}", status_code=303)


@router.get("/me/deliveries")
def deliveries(request: Request, session: DbSession, settings: AppSettings,
               keyring: KeyringDep, citizen: KioskCitizen) -> Response:
    """Next deliveries: the dates ahead (answers expected) and the latest deliveries received."""
    return _overview_page(request, session, settings, keyring, citizen, "deliveries",
                          upcoming=words.upcoming, deliveries=words.deliveries)


@router.get("/me/eligible")
def eligible(request: Request, session: DbSession, settings: AppSettings, keyring: KeyringDep,
             citizen: KioskCitizen, device: KioskDevice) -> Response:
    """Programs I might qualify for: a screening on the card holder's facts, nothing stored."""
    _needs_pin(citizen)
    assert citizen.person_id is not None
    data = _overview(request, session, keyring, citizen)
    held = [a.program for a in data.open_applications]
    found = self_service.might_qualify(session, catalog=request.app.state.catalog,
                                       keyring=keyring, principal=citizen,
                                       person_id=citizen.person_id, held=held)
    return render(request, "kiosk/eligible.html", _context(
        request, settings, screen="citizen", view="eligible", programs=found,
        office=auth.office_name(session, device.office_id)))


@router.get("/me/accesses")
def accesses(request: Request, session: DbSession, settings: AppSettings,
             citizen: KioskCitizen) -> Response:
    """Who looked at my data and why: the audit's accesses of this person, in words."""
    _needs_pin(citizen)
    assert citizen.person_id is not None
    lang = i18n.page_lang(request)
    rows = subject.accesses(session, principal=citizen, person_id=citizen.person_id)
    return render(request, "kiosk/accesses.html", _context(
        request, settings, screen="citizen", view="accesses",
        accesses=words.accesses(rows, lang)))

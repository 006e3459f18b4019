"""The call center's console at /office/call: a caller's request, after identity is checked.

The operator asks the stated questions (the folio, the applicant's birth date and first
surname) and types the answers; nothing is shown until all three match, and a wrong answer gets
the same refusal whichever it was. The operator then reads the status, the promised date and
the history (no personal data) and may record the caller's rating of a decided request. Every
lookup is audited against the operator with the channel `call_center`, and counts against the
operator's lookup limit.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from redangel.common.bounds import FIRST_DAY, LAST_DAY
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import Conflict, Forbidden, InvalidInput, NotFound
from redangel.i18n import message
from redangel.program import followup
from redangel.web import i18n
from redangel.web.auth import OfficeUser
from redangel.web.i18n import _
from redangel.web.public.folio import ACTIONS, COMPLAINT_CATEGORIES, STARS
from redangel.web.templating import render

router = APIRouter()
Short = Annotated[str, Form(max_length=100)]
QUESTIONS = (
    _("What is the folio printed on your receipt?"),
    _("What is the applicant's birth date?"),
    _("What is the applicant's first surname?"),
)


def _page(request: Request, *, values: dict[str, str], errors: dict[str, str],
          found: Any = None, notice: str = "", status_code: int = 200,
          offered: list[Any] | None = None, started: str = "") -> Response:
    lang = i18n.page_lang(request)
    return render(request, "office/call.html", {
        "offered": [(code, getattr(name, lang)) for code, name in offered or []],
        "started": started,
        "nav": "call", "values": values, "errors": errors, "questions": QUESTIONS,
        "found": found.model_dump() if found else None,
        "words": followup.words(found, lang) if found else "", "actions": ACTIONS,
        "stars": STARS, "notice": notice, "complaint_categories": COMPLAINT_CATEGORIES},
        status_code=status_code)


def _answers(request: Request, folio: str, birth_date: str,
             surname: str) -> tuple[dict[str, str], date | None]:
    lang = i18n.page_lang(request)
    errors: dict[str, str] = {}
    try:
        born: date | None = date.fromisoformat(birth_date.strip())
    except ValueError:
        born = None
    if born is not None and not FIRST_DAY <= born <= LAST_DAY:
        born = None
    if not folio.strip():
        errors["folio"] = i18n.translate(lang, "Write the folio printed on your receipt.")
    if born is None:
        errors["birth_date"] = i18n.translate(lang, "Write the applicant's birth date.")
    if not surname.strip():
        errors["surname"] = i18n.translate(lang, "Write the surname the caller gives.")
    return errors, born


def _operator(request: Request, principal: Any) -> None:
    if principal.role != "call_center":
        raise Forbidden()
    request.app.state.rate_limiter.hit("folio", principal.key,
                                       request.app.state.settings.rate_limit_folio_per_minute)


@router.get("/call")
def form(request: Request, principal: OfficeUser) -> Response:
    """The stated questions, empty."""
    if principal.role != "call_center":
        raise Forbidden()
    return _page(request, values={"folio": "", "birth_date": "", "surname": ""}, errors={})


@router.post("/call")
def lookup(request: Request, session: DbSession, keyring: KeyringDep, principal: OfficeUser,
           folio: Short = "", birth_date: Short = "", surname: Short = "") -> Response:
    """The caller's request once the three answers match; the same refusal otherwise."""
    _operator(request, principal)
    values = {"folio": folio, "birth_date": birth_date, "surname": surname}
    errors, born = _answers(request, folio, birth_date, surname)
    if errors or born is None:
        return _page(request, values=values, errors=errors, status_code=422)
    try:
        found = followup.status_or_complaint(session, keyring=keyring, folio=folio,
                                             birth_date=born, surname=surname,
                                             principal=principal, channel="call_center")
    except NotFound as error:
        return _page(request, values=values, status_code=404,
                     errors={"form": message(error.code, i18n.page_lang(request))})
    offered = _offered(request, session, folio, born, surname) if found.kind == "application" else []
    return _page(request, values=values, errors={}, found=found, offered=offered)


def _offered(request: Request, session: DbSession, folio: str, born: date,
             surname: str) -> list[Any]:
    return followup.caller_programs(session, catalog=request.app.state.catalog, folio=folio,
                                    birth_date=born, surname=surname)


@router.post("/call/apply")
def start(request: Request, session: DbSession, principal: OfficeUser, folio: Short = "",
          birth_date: Short = "", surname: Short = "", program: Short = "") -> Response:
    """Start an application (channel `call_center`) for the verified caller's person, then show
    the new folio to read aloud."""
    _operator(request, principal)
    lang = i18n.page_lang(request)
    values = {"folio": folio, "birth_date": birth_date, "surname": surname}
    errors, born = _answers(request, folio, birth_date, surname)
    if errors or born is None:
        return _page(request, values=values, errors=errors, status_code=422)
    try:
        found = followup.status(session, folio=folio, birth_date=born, surname=surname,
                                principal=principal, channel="call_center")
    except NotFound as error:
        return _page(request, values=values, status_code=404,
                     errors={"form": message(error.code, lang)})
    try:
        app = followup.start_for_caller(session, catalog=request.app.state.catalog,
                                        principal=principal, folio=folio, birth_date=born,
                                        surname=surname, program_code=program)
    except (InvalidInput, Conflict, NotFound) as error:
        code = error.fields[0].code if error.fields else error.code
        return _page(request, values=values, found=found, status_code=error.status,
                     offered=_offered(request, session, folio, born, surname),
                     errors={"program": message(code, lang)})
    return _page(request, values=values, errors={}, found=found, started=app.folio,
                 offered=_offered(request, session, folio, born, surname), status_code=201)


@router.post("/call/rating")
def rate(request: Request, session: DbSession, keyring: KeyringDep, principal: OfficeUser,
         folio: Short = "", birth_date: Short = "", surname: Short = "", rating: Short = "",
         comment: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Record the caller's one rating of a decided request (channel `call_center`)."""
    _operator(request, principal)
    lang = i18n.page_lang(request)
    values = {"folio": folio, "birth_date": birth_date, "surname": surname}
    errors, born = _answers(request, folio, birth_date, surname)
    if errors or born is None:
        return _page(request, values=values, errors=errors, status_code=422)
    try:
        found = followup.status(session, folio=folio, birth_date=born, surname=surname,
                                principal=principal, channel="call_center")
    except NotFound as error:
        return _page(request, values=values, status_code=404,
                     errors={"form": message(error.code, lang)})
    if rating not in {"1", "2", "3", "4", "5"} or (not comment.isprintable() and comment.strip()):
        return _page(request, values=values, found=found, status_code=422, errors={
            "rating": i18n.translate(lang, "Choose how the service was, from very bad to very good.")})
    try:
        followup.rate_by_folio(session, keyring=keyring, folio=folio, birth_date=born,
                               surname=surname, rating=int(rating), comment=comment,
                               channel="call_center", principal=principal)
    except Conflict as error:
        return _page(request, values=values, found=found, status_code=409,
                     errors={"rating": message(error.code, lang)})
    return _page(request, values=values, errors={}, found=found.model_copy(update={"rated": True}),
                 notice=i18n.translate(lang, "Thank you. Your answer was recorded."))

"""The public page "Consulta tu folio" at /folio: a request's status by folio and birth date.

Anyone holding the folio and the applicant's birth date reads the status in words, the date the
answer is promised for and what happened to the request, without any personal data; once it is
decided (or its benefit delivered) the citizen may rate the service, once. A wrong folio and a
wrong birth date get the same answer; each lookup counts against the client's address (the
app's rate limiter), and misses are counted in the audit trail. Both travel by POST, never in
an address. Works without JavaScript.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from redangel.auth.ratelimit import address_key
from redangel.common.bounds import FIRST_DAY, LAST_DAY
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import Conflict, NotFound
from redangel.i18n import message
from redangel.program import followup
from redangel.program.followup_api import count_miss
from redangel.web import i18n
from redangel.web.i18n import _
from redangel.web.templating import render

router = APIRouter(prefix="/folio", include_in_schema=False)
Short = Annotated[str, Form(max_length=40)]
ACTIONS = {
    "submitted": _("Request received"),
    "in_review": _("The agency began its review"),
    "documents": _("Documents recorded"),
    "new_date": _("A new date was promised for the answer"),
    "escalated": _("The people responsible were told the answer is late"),
    "approved": _("Approved"),
    "rejected": _("Not approved"),
    "complaint_filed": _("Complaint received"),
    "complaint_answered": _("The office answered the complaint"),
}
COMPLAINT_CATEGORIES: dict[str, str] = {
    "poor_treatment": _("Poor treatment"), "delay": _("Delay"),
    "benefit_not_delivered": _("A benefit not delivered"), "wrong_decision": _("A wrong decision"),
    "family_violence": _("Family violence"), "disability_access": _("Disability access"),
    "other": _("Another reason"),
}
"""What a complaint is about, in words (program.models.COMPLAINT_CATEGORIES)."""
STARS = (
    (5, _("Very good")), (4, _("Good")), (3, _("Fair")), (2, _("Bad")), (1, _("Very bad")),
)


def _limit(request: Request) -> None:
    settings = request.app.state.settings
    address = address_key(request.client.host if request.client else None)
    request.app.state.rate_limiter.hit("folio", f"ip:{address}",
                                       settings.rate_limit_folio_per_minute)


def _birth(text: str) -> date | None:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def _page(request: Request, *, values: dict[str, str], errors: dict[str, str],
          found: Any = None, notice: str = "", status_code: int = 200) -> Response:
    lang = i18n.page_lang(request)
    return render(request, "public/folio.html", {
        "values": values, "errors": errors, "found": found.model_dump() if found else None,
        "words": followup.words(found, lang) if found else "", "actions": ACTIONS,
        "stars": STARS, "notice": notice, "complaint_categories": COMPLAINT_CATEGORIES},
        status_code=status_code)


@router.get("")
def form(request: Request) -> Response:
    """The folio and birth date, empty."""
    return _page(request, values={"folio": "", "birth_date": ""}, errors={})


def _check(request: Request, folio: str, birth_date: str) -> tuple[dict[str, str], date | None]:
    lang = i18n.page_lang(request)
    errors: dict[str, str] = {}
    if not folio.strip():
        errors["folio"] = i18n.translate(lang, "Write the folio printed on your receipt.")
    born = _birth(birth_date)
    if born is None:
        errors["birth_date"] = i18n.translate(lang, "Write the applicant's birth date.")
    return errors, born


@router.post("")
def lookup(request: Request, session: DbSession, keyring: KeyringDep, folio: Short = "",
           birth_date: Short = "") -> Response:
    """The request's status when folio and birth date match; the same refusal otherwise."""
    _limit(request)
    values = {"folio": folio, "birth_date": birth_date}
    errors, born = _check(request, folio, birth_date)
    if errors or born is None:
        return _page(request, values=values, errors=errors, status_code=422)
    try:
        found = followup.status_or_complaint(session, keyring=keyring, folio=folio,
                                             birth_date=born)
    except NotFound as error:
        count_miss(request)
        said = message(error.code, i18n.page_lang(request))
        return _page(request, values=values, errors={"form": said}, status_code=404)
    return _page(request, values=values, errors={}, found=found)


@router.post("/rating")
def rate(request: Request, session: DbSession, keyring: KeyringDep, folio: Short = "",
         birth_date: Short = "", rating: Short = "",
         comment: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Record the citizen's one rating of a decided request, then show the request again."""
    _limit(request)
    lang = i18n.page_lang(request)
    values = {"folio": folio, "birth_date": birth_date}
    errors, born = _check(request, folio, birth_date)
    if errors or born is None:
        return _page(request, values=values, errors=errors, status_code=422)
    try:
        found = followup.status(session, folio=folio, birth_date=born)
    except NotFound as error:
        count_miss(request)
        return _page(request, values=values, errors={"form": message(error.code, lang)},
                     status_code=404)
    if any(ord(c) < 32 and c not in "\n\r\t" for c in comment):
        return _page(request, values=values, found=found, status_code=422, errors={
            "comment": i18n.translate(lang, "Write the comment in plain words.")})
    if rating not in {"1", "2", "3", "4", "5"}:
        return _page(request, values=values, found=found, status_code=422, errors={
            "rating": i18n.translate(lang, "Choose how the service was, from very bad to very good.")})
    try:
        followup.rate_by_folio(session, keyring=keyring, folio=folio, birth_date=born,
                               rating=int(rating), comment=comment, channel="website")
    except Conflict as error:
        return _page(request, values=values, found=found, status_code=409,
                     errors={"rating": message(error.code, lang)})
    found = found.model_copy(update={"rated": True})
    return _page(request, values=values, errors={}, found=found,
                 notice=i18n.translate(lang, "Thank you. Your answer was recorded."))

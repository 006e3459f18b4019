"""The office's data-rights desk (ARCO): receiving a request with the identity document seen,
answering it, and the person's printable copy of everything held about them.

Rules, scope and audit are in `rights.service`; this module reads the forms and says what went
wrong beside the field. Clerks and supervisors receive and answer requests; only the
supervisor blocks a record or refuses a request (the service says so; the page shows the
buttons accordingly).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from redangel.common.names import full_name
from redangel.common.types import BOROUGHS
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import AppError, FieldError, InvalidInput
from redangel.rights import service
from redangel.rights.schemas import RightsRequestCreate
from redangel.web import i18n
from redangel.web.auth import OfficeUser
from redangel.web.i18n import _
from redangel.web.kiosk import words
from redangel.web.office import labels
from redangel.web.office.forms import Form, Problems, problems_of, text
from redangel.web.templating import long_date, money, render

router = APIRouter()

RIGHTS: dict[str, str] = {
    "access": _("Access: a copy of everything held"),
    "rectification": _("Rectification: correct the data"),
    "cancellation": _("Cancellation: block and erase the record"),
    "opposition": _("Opposition: refuse a use of the data"),
}
DOCUMENTS: dict[str, str] = {
    "voter_card": _("Voter card (INE)"), "passport": _("Passport"),
    "professional_license": _("Professional license"), "military_card": _("Military service card"),
}
USES: dict[str, str] = {
    "outreach": _("Calls and appointments offering programs"),
    "proactive_offers": _("Offers of programs before the person asks"),
}
STATUSES: dict[str, str] = {"open": _("Open"), "done": _("Answered"), "refused": _("Refused")}
OUTCOMES: dict[str, str] = {
    "delivered": _("The person received their data"), "rectified": _("The data was corrected"),
    "blocked": _("The record is blocked; it will be erased"),
    "use_refused": _("The use is refused from now on"),
    "not_the_holder": _("The person asking is not the holder of the data"),
    "legal_obligation": _("A legal obligation requires keeping the data"),
    "already_answered": _("The same request was already answered"),
}
REFUSALS = {code: OUTCOMES[code] for code in ("not_the_holder", "legal_obligation",
                                              "already_answered")}
PersonQuery = Annotated[uuid.UUID | None, Query()]
# Each fact a person's record may hold, in words, and the words of its values.
FACTS: dict[str, tuple[str, dict[str, str]]] = {
    "employment_status": (_("Work"), labels.EMPLOYMENT),
    "monthly_income": (_("Monthly income"), {}),
    "schooling_level": (_("Schooling"), labels.SCHOOLING),
    "school_sector": (_("School"), labels.SCHOOL_SECTORS),
    "studying": (_("Studying now"), {}),
    "grade_average": (_("Grade average"), {}),
    "arts_training": (_("Arts training"), {}),
    "marital_status": (_("Marital status"), labels.MARITAL),
    "low_development_area": (_("Lives in a low-development area"), {}),
    "resident_since": (_("Lives in the city since"), {}),
    "pregnant": (_("Pregnant"), {}),
    "disability": (_("Disability"), labels.DISABILITY),
    "health_coverage": (_("Health coverage"), labels.HEALTH),
    "family_violence": (_("Family violence"), {}),
}
YES_NO = {True: _("Yes"), False: _("No")}


def _words() -> dict[str, Any]:
    return {"rights": RIGHTS, "documents": DOCUMENTS, "uses": USES, "statuses": STATUSES,
            "outcomes": OUTCOMES, "refusals": REFUSALS}


@router.get("/rights")
def rights_list(request: Request, session: DbSession, principal: OfficeUser) -> Response:
    """The office's data-rights requests, open ones first by due day."""
    found = service.office_requests(session, principal=principal)
    return render(request, "office/rights_list.html", {"nav": "rights", "requests": found,
                                                       **_words()})


def _new_page(request: Request, person_id: uuid.UUID | None, *, values: dict[str, str],
              problems: Problems | None = None, status_code: int = 200) -> Response:
    return render(request, "office/rights_new.html", {
        "nav": "rights", "person_id": person_id, "values": values,
        "problems": problems or Problems(), **_words()}, status_code=status_code)


@router.get("/rights/new")
def new_request(request: Request, principal: OfficeUser, person: PersonQuery = None) -> Response:
    """The form to receive a request for a person (opened from the person's page)."""
    return _new_page(request, person, values={})


@router.post("/rights")
def receive(request: Request, session: DbSession, principal: OfficeUser, form: Form) -> Response:
    """Receive the request (identity checked) and show it with its folio and deadline."""
    values = {name: text(form, name, 64) for name in ("person_id", "right", "identity_document",
                                                      "use")}
    try:
        person_id = uuid.UUID(values["person_id"])
    except ValueError:
        raise InvalidInput(fields=[FieldError("person_id", "field_invalid",
                                              {"detail": "uuid"})]) from None
    try:
        data = RightsRequestCreate.model_validate({
            "person_id": person_id, "right": values["right"],
            "identity_document": values["identity_document"] or None,
            "use": values["use"] or None})
        row = service.receive(session, principal=principal,
                              settings=request.app.state.settings, data=data)
    except (AppError, ValidationError) as error:
        if isinstance(error, AppError) and error.status != 422:
            raise
        return _new_page(request, person_id, values=values,
                         problems=problems_of(error, i18n.page_lang(request)), status_code=422)
    return RedirectResponse(f"/office/rights/{row.id}?done=received", status_code=303)


@router.get("/rights/{request_id}")
def request_page(request: Request, request_id: uuid.UUID, session: DbSession,
                 principal: OfficeUser,
                 done: Annotated[str, Query(max_length=20)] = "") -> Response:
    """One request: its folio, deadline, what came of it, and the next step."""
    row = service.view(session, principal=principal, request_id=request_id)
    return render(request, "office/rights_request.html", {
        "nav": "rights", "r": row, "done": done if done in ("received", "answered") else "",
        **_words()})


@router.get("/rights/{request_id}/access")
def access_page(request: Request, request_id: uuid.UUID, session: DbSession,
                principal: OfficeUser, keyring: KeyringDep) -> Response:
    """Everything held about the person, as a page to print and hand over."""
    data = service.export(session, keyring=keyring, principal=principal, request_id=request_id)
    p = data.overview.person
    lang = i18n.page_lang(request)
    held = {**p.attributes, **(p.sensitive or {})}
    facts = [(i18n.translate(lang, FACTS[k][0]) if k in FACTS else k.replace("_", " "),
              _fact_words(lang, k, v)) for k, v in held.items() if v is not None]
    return render(request, "office/rights_access.html", {
        "nav": "rights", "x": data, "p": p, "request_id": request_id,
        "full_name": full_name(p.given_names, p.first_surname, p.second_surname),
        "labels": labels, "accesses": words.accesses(data.accesses, lang), "facts": facts,
        "boroughs": BOROUGHS,
        **_words()})


def _fact_words(lang: str, key: str, value: object) -> str:
    """A fact's value as a person reads it."""
    if isinstance(value, bool):
        return i18n.translate(lang, YES_NO[value])
    choices = FACTS.get(key, ("", {}))[1]
    if isinstance(value, str) and value in choices:
        return i18n.translate(lang, choices[value])
    if key == "monthly_income":
        return money(value, lang)
    if key == "resident_since" and isinstance(value, str):
        return long_date(value, lang)
    return str(value)


@router.get("/rights/{request_id}/access.json")
def access_file(request: Request, request_id: uuid.UUID, session: DbSession,
                principal: OfficeUser, keyring: KeyringDep) -> Response:
    """Everything held about the person, as a JSON file to download."""
    data = service.export(session, keyring=keyring, principal=principal, request_id=request_id)
    return Response(data.model_dump_json(indent=2), media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="datos-{data.folio}.json"',
        "Cache-Control": "no-store"})


ACTIONS = {"deliver": service.deliver_access, "close": service.close_rectification,
           "oppose": service.record_opposition}


@router.post("/rights/{request_id}/{step}")
def answer(request: Request, request_id: uuid.UUID, step: str, session: DbSession,
           principal: OfficeUser, form: Form) -> Response:
    """Answer a request: deliver an access, close a rectification, record an opposition, block
    a record (cancellation) or refuse the request."""
    if step == "block":
        service.block(session, principal=principal, settings=request.app.state.settings,
                      request_id=request_id)
    elif step == "refuse":
        service.refuse(session, principal=principal, request_id=request_id,
                       reason=text(form, "reason", 24))
    elif step in ACTIONS:
        ACTIONS[step](session, principal=principal, request_id=request_id)
    else:
        service.get(session, principal=principal, request_id=request_id)
        raise InvalidInput(fields=[FieldError("step", "field_choice",
                                              {"choices": ", ".join([*ACTIONS, "block",
                                                                     "refuse"])})])
    return RedirectResponse(f"/office/rights/{request_id}?done=answered", status_code=303)

"""Complaints (quejas) at the office: recorded from the person's page, listed for the office,
answered by its supervisor.

The service (`program.complaints`) decides who reads what: family violence and disability
access complaints open only for the office's supervisors; any other office's complaint is not
found. The form's answer is its folio, to give the citizen with the date the answer is due.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from redangel.auth.principal import Principal
from redangel.common.names import full_name
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import AppError
from redangel.person import service as persons
from redangel.program import complaints
from redangel.web import i18n
from redangel.web.auth import OfficeUser
from redangel.web.i18n import _
from redangel.web.office.forms import Form, Problems, problems_of, text
from redangel.web.office.supervisor import ROLES
from redangel.web.public.folio import COMPLAINT_CATEGORIES as CATEGORIES
from redangel.web.templating import render

router = APIRouter()
STATUSES: dict[str, str] = {"submitted": _("Waiting for an answer"), "answered": _("Answered")}


def _form_page(request: Request, session: DbSession, principal: Principal,
               person_id: uuid.UUID, *, values: dict[str, str] | None = None,
               problems: Problems | None = None, folio: str = "", status: int = 200) -> Response:
    person = persons.get(session, principal=principal, person_id=person_id, purpose="complaint")
    lang = i18n.page_lang(request)
    return render(request, "office/complaint_new.html", {
        "person_id": person_id, "categories": CATEGORIES, "agencies": [
            (code, getattr(names, lang)) for code, names in complaints.agencies(session)],
        "name": full_name(person.given_names, person.first_surname, person.second_surname),
        "values": {"category": "", "agency": "", "text": "", **(values or {})},
        "problems": problems or Problems(), "folio": folio, "text_max": complaints.TEXT_MAX,
    }, status_code=status)


@router.get("/persons/{person_id}/complaint")
def new(request: Request, person_id: uuid.UUID, session: DbSession, principal: OfficeUser,
        folio: str = "") -> Response:
    """The complaint form (after recording, the folio to give the citizen)."""
    return _form_page(request, session, principal, person_id, folio=folio[:20])


@router.post("/persons/{person_id}/complaint")
def record(request: Request, person_id: uuid.UUID, session: DbSession, principal: OfficeUser,
           keyring: KeyringDep, form: Form) -> Response:
    """Record the complaint, then show its folio (redirect after post)."""
    values = {"category": text(form, "category", 32), "agency": text(form, "agency", 32),
              "text": text(form, "text", complaints.TEXT_MAX + 1)}
    try:
        row = complaints.file(session, keyring=keyring, principal=principal, person_id=person_id,
                              category=values["category"], agency_code=values["agency"],
                              text=values["text"])
    except AppError as error:
        session.rollback()
        return _form_page(request, session, principal, person_id, values=values,
                          problems=problems_of(error, i18n.page_lang(request)),
                          status=error.status)
    return RedirectResponse(f"/office/persons/{person_id}/complaint?folio={row.folio}",
                            status_code=303)


@router.get("/complaints")
def listing(request: Request, session: DbSession, principal: OfficeUser) -> Response:
    """The office's complaints this member of staff may read, open ones first."""
    return render(request, "office/complaints.html", {
        "nav": "complaints", "rows": complaints.office_list(session, principal=principal),
        "categories": CATEGORIES, "statuses": STATUSES, "roles": ROLES})


def _page(request: Request, session: DbSession, keyring: Any, principal: Principal, folio: str,
          *, problems: Problems | None = None, answer: str = "", done: bool = False,
          status: int = 200) -> Response:
    shown = complaints.read(session, keyring=keyring, principal=principal, folio=folio)
    return render(request, "office/complaint.html", {
        "nav": "complaints", "c": shown, "categories": CATEGORIES, "statuses": STATUSES,
        "problems": problems or Problems(), "answer": answer, "done": done,
        "text_max": complaints.TEXT_MAX}, status_code=status)


@router.get("/complaints/{folio}")
def complaint(request: Request, folio: str, session: DbSession, principal: OfficeUser,
              keyring: KeyringDep, done: str = "") -> Response:
    """A complaint: the citizen's words, its status and, for the supervisor, the answer form."""
    return _page(request, session, keyring, principal, folio[:40], done=done == "answered")


@router.post("/complaints/{folio}/answer")
def answer(request: Request, folio: str, session: DbSession, principal: OfficeUser,
           keyring: KeyringDep, form: Form) -> Response:
    """The supervisor's answer, which the citizen reads on the folio page."""
    said = text(form, "answer", complaints.TEXT_MAX + 1)
    try:
        row = complaints.answer(session, keyring=keyring, principal=principal, folio=folio[:40],
                                text=said)
    except AppError as error:
        if error.status in (403, 404):
            raise
        session.rollback()
        return _page(request, session, keyring, principal, folio[:40], answer=said,
                     problems=problems_of(error, i18n.page_lang(request)), status=error.status)
    return RedirectResponse(f"/office/complaints/{row.folio}?done=answered", status_code=303)

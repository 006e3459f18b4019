"""The supervisor's outreach list: people of the office newly eligible for a program, to call or
give an appointment, with what came of each contact.

The list and the contacts come from `lifeevent.outreach_service` (scope, sealing and audit are
there); this module only reads the form and says what went wrong beside the field. Clerks get
the 403 page, as on the overdue list.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from redangel.common.clock import city_today
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import AppError, FieldError, Forbidden, InvalidInput
from redangel.lifeevent import outreach_service
from redangel.web import i18n
from redangel.web.auth import OfficeUser
from redangel.web.i18n import _
from redangel.web.office.forms import Form, Problems, problems_of, text
from redangel.web.templating import render

router = APIRouter()
SHOWN = 60
PERIODS: dict[int, str] = {30: _("the last 30 days"), 90: _("the last 90 days"),
                           365: _("the last year")}
KINDS: dict[str, str] = {"call": _("Phone call"), "appointment": _("Appointment at the office")}
OUTCOMES: dict[str, str] = {
    "scheduled": _("Appointment booked"), "reached": _("Reached"),
    "not_reached": _("Could not be reached"), "applied": _("Applied"),
    "declined": _("Does not want it"),
}
Days = Annotated[int, Query(ge=1, le=365)]
ProgramCode = Annotated[str, Query(max_length=48)]


def _page(request: Request, session: DbSession, principal: OfficeUser, keyring: KeyringDep,
          days: int, program: str, *, problems: Problems | None = None, failed: str = "",
          values: dict[str, str] | None = None, done: str = "", status_code: int = 200
          ) -> Response:
    catalog = request.app.state.catalog
    days = days if days in PERIODS else 90
    program = program if program in catalog.programs else ""
    work = outreach_service.worklist(session, catalog=catalog, keyring=keyring,
                                     principal=principal, program=program or None,
                                     since=city_today() - timedelta(days=days), limit=SHOWN)
    lang = i18n.page_lang(request)
    programs = sorted(((code, p.name.to_dict()[lang]) for code, p in catalog.programs.items()),
                      key=lambda item: item[1])
    return render(request, "office/outreach.html", {
        "nav": "outreach", "work": work, "days": days, "program": program,
        "programs": programs, "periods": PERIODS, "kinds": KINDS,
        "outcomes": OUTCOMES, "limit": SHOWN, "problems": problems or Problems(),
        "failed": failed, "values": values or {}, "done": done,
    }, status_code=status_code)


@router.get("/outreach")
def outreach_page(request: Request, session: DbSession, principal: OfficeUser,
                  keyring: KeyringDep, days: Days = 90, program: ProgramCode = "",
                  done: Annotated[str, Query(max_length=120)] = "") -> Response:
    """People of the office newly eligible for a program, and the contacts about each."""
    if principal.role != "supervisor":
        raise Forbidden()
    return _page(request, session, principal, keyring, days, program, done=done)


def item_key(person_id: Any, program: str) -> str:
    """The anchor of one person and program on the page."""
    return f"c-{person_id}-{program}"


@router.post("/outreach/contacts")
def record_contact(request: Request, session: DbSession, principal: OfficeUser,
                   keyring: KeyringDep, form: Form) -> Response:
    """Record a call or an appointment and its outcome, then back to the list at that person."""
    if principal.role != "supervisor":
        raise Forbidden()
    lang = i18n.page_lang(request)
    values = {name: text(form, name, 600) for name in ("person_id", "program", "kind", "outcome",
                                                       "appointment_on", "note", "days", "only")}
    days = int(values["days"]) if values["days"].isascii() and values["days"].isdigit() else 90
    try:
        person_id = uuid.UUID(values["person_id"])
    except ValueError:
        raise InvalidInput(fields=[FieldError("person_id", "field_invalid",
                                              {"detail": "uuid"})]) from None
    key = item_key(person_id, values["program"][:48])
    try:
        appointment_on = _day(values["appointment_on"])
        outreach_service.record_contact(
            session, keyring=keyring, principal=principal, person_id=person_id,
            program_code=values["program"][:48], kind=values["kind"],
            outcome=values["outcome"], appointment_on=appointment_on, note=values["note"])
    except AppError as error:
        if error.status != 422:
            raise
        return _page(request, session, principal, keyring, days, values["only"][:48],
                     problems=problems_of(error, lang), failed=key, values=values,
                     status_code=422)
    query = urlencode({"days": days, "program": values["only"][:48], "done": key})
    return RedirectResponse(f"/office/outreach?{query}#{key}", status_code=303)


def _day(raw: str) -> date | None:
    """A typed date, or why not."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(fields=[FieldError("appointment_on", "field_date")]) from None

"""Following an application to its end, and moving an enrollment, from the office console.

The application page shows where the request stands, its history (who moved it, when, why),
the checklist of documents (ticked as the citizen brings them), and the decision. Deciding is a
supervisor's work and never the work of whoever submitted the application: the page asks the
program service before it offers the form, and shows the service's refusal in words. Approving
also enrols the person; the enrollment page lets a supervisor suspend, reactivate or end it.
Each form carries the version it was read at; the same form sent twice applies once.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from redangel.auth.principal import Principal
from redangel.common.names import full_name
from redangel.crypto.dependencies import KeyringDep
from redangel.crypto.keyring import Keyring
from redangel.db import DbSession
from redangel.errors import AppError, FieldError, Forbidden, InvalidInput
from redangel.i18n import message
from redangel.person import service as persons
from redangel.program import followup, notes, reads
from redangel.program import service as programs
from redangel.program.models import EXIT_REASONS, SUSPEND_REASONS
from redangel.web import i18n
from redangel.web.auth import OfficeUser
from redangel.web.i18n import _
from redangel.web.office import labels
from redangel.web.office.forms import Form, Problems, problems_of, text, texts
from redangel.web.templating import render

router = APIRouter()

REASON_MAX = 200
ACTIONS: dict[str, str] = {
    "submitted": _("Submitted"), "in_review": _("Put in review"), "approved": _("Approved"),
    "rejected": _("Rejected"), "documents": _("Documents received"), "active": _("Active"),
    "suspended": _("Suspended"), "exited": _("Ended"),
    "escalated": _("Escalated: late, the chain of command was told"),
    "new_date": _("A new answer date was promised"),
    "note": _("A note was written"),
}
SUSPEND: dict[str, str] = {
    "documents_missing": _("Documents are missing"),
    "under_investigation": _("Under review for a possible irregularity"),
    "temporary_absence": _("The person is away for a while"), "other": _("Another reason"),
}
EXIT: dict[str, str] = {
    "death": _("The person died"), "moved_away": _("Moved out of the city"),
    "no_longer_eligible": _("No longer meets the program's rules"),
    "voluntary": _("The person asked to leave"), "end_of_term": _("The program's term ended"),
}
assert set(SUSPEND) == set(SUSPEND_REASONS) and set(EXIT) == set(EXIT_REASONS)
DONE: dict[str, str] = {
    "documents": _("Saved: the documents are marked as received."),
    "approved": _("Saved: the application is approved and the person is enrolled."),
    "rejected": _("Saved: the application is rejected. The reason is what the citizen will read."),
    "active": _("Saved: the benefit is active again."),
    "suspended": _("Saved: the benefit is suspended."), "exited": _("Saved: the benefit ended."),
    "rating": _("Saved: the citizen's rating of the service."),
    "note": _("Saved: the note is on the request."),
}
STARS = (
    (5, _("Very good")), (4, _("Good")), (3, _("Fair")), (2, _("Bad")), (1, _("Very bad")),
)


def _program_name(request: Request, code: str) -> dict[str, str]:
    program = request.app.state.catalog.programs.get(code)
    return program.name.to_dict() if program else {"es": code, "en": code}


def _refusal(error: AppError, lang: i18n.Lang) -> str:
    """Why the service refuses a decision, in words (the field's reason says who may decide)."""
    for item in error.fields:
        return message(item.code, lang, **item.params)
    return message(error.code, lang, **error.params)


def _may_decide(session: DbSession, principal: Principal, app: Any, lang: i18n.Lang) -> str:
    """'' when this principal may decide the application, else the service's refusal in words."""
    try:
        programs.authorize_application_move(session, principal=principal, application=app,
                                            to="approved")
    except Forbidden as refused:
        return _refusal(refused, lang)
    return ""


def _application_page(request: Request, session: DbSession, principal: Principal, folio: str, *,
                      problems: Problems | None = None, form: str = "",
                      values: dict[str, Any] | None = None, done: str = "",
                      status: int = 200) -> Response:
    lang = i18n.page_lang(request)
    app, shown = reads.application(session, principal=principal, folio=folio)
    keyring: Keyring = request.app.state.keyring  # as `KeyringDep` reads it
    person = persons.get(session, principal=principal, person_id=app.person_id,
                         purpose="follow_up")
    return render(request, "office/application.html", {
        "app": shown, "program_name": _program_name(request, app.program_code),
        "person_name": full_name(person.given_names, person.first_surname, person.second_surname),
        "open": app.status in ("submitted", "in_review"), "refusal": _may_decide(
            session, principal, app, lang), "me": principal.id, "actions": ACTIONS,
        "labels": labels, "problems": problems or Problems(), "form": form,
        "values": {"to": "", "reason": "", "note": "", **(values or {})},
        "done": DONE.get(done, ""), "reason_max": REASON_MAX, "stars": STARS,
        "notes": notes.of(session, keyring=keyring, principal=principal, application=app),
        "note_max": notes.NOTE_MAX,
        "rated": app.folio in followup.rated(session, [app.folio]),
    }, status_code=status)


@router.get("/applications/{folio}")
def application(request: Request, folio: str, session: DbSession, principal: OfficeUser,
                done: str = "") -> Response:
    """An application: status, history, documents and, for a supervisor, the decision."""
    return _application_page(request, session, principal, folio[:40], done=done[:12])


def _stale(lang: i18n.Lang) -> Problems:
    return Problems(i18n.translate(lang, "Someone else changed this while you had the page open. "
                                         "Nothing was saved. Check it as it is now, then send "
                                         "again."))


@router.post("/applications/{folio}/documents")
def documents(request: Request, folio: str, session: DbSession, principal: OfficeUser,
              form: Form) -> Response:
    """Tick the checklist's documents the citizen brought."""
    lang = i18n.page_lang(request)
    app = programs.find_application(session, principal=principal, folio=folio[:40],
                                    for_update=True)
    here = f"/office/applications/{app.folio}"
    try:
        received = sorted({int(i) for i in texts(form, "received", 4)})
    except ValueError:
        received = []
    already = {i for i, d in enumerate(app.documents or []) if d.get("received")}
    if text(form, "version", 12) != str(app.version):
        if received and set(received) <= already:
            return RedirectResponse(f"{here}?done=documents", status_code=303)
        return _application_page(request, session, principal, folio, problems=_stale(lang),
                                 form="documents", status=409)
    try:
        if not [i for i in received if i not in already]:
            raise InvalidInput(fields=[FieldError("received", "documents_none")])
        programs.mark_documents(session, principal=principal, application=app,
                                received=received)
    except AppError as error:
        return _application_page(request, session, principal, folio, form="documents",
                                 problems=problems_of(error, lang), status=error.status)
    return RedirectResponse(f"{here}?done=documents", status_code=303)


@router.post("/applications/{folio}/notes")
def note(request: Request, folio: str, session: DbSession, principal: OfficeUser,
         keyring: KeyringDep, form: Form) -> Response:
    """Write a note on the request: what was done or agreed (an escalated one stops climbing)."""
    lang = i18n.page_lang(request)
    app = programs.find_application(session, principal=principal, folio=folio[:40],
                                    for_update=True)
    said = text(form, "note", notes.NOTE_MAX * 2)
    try:
        notes.add(session, keyring=keyring, principal=principal, application=app, text=said)
    except AppError as error:
        session.rollback()
        return _application_page(request, session, principal, folio, form="note",
                                 values={"note": said}, problems=problems_of(error, lang),
                                 status=error.status)
    return RedirectResponse(f"/office/applications/{app.folio}?done=note", status_code=303)


@router.post("/applications/{folio}/rating")
def rating(request: Request, folio: str, session: DbSession, principal: OfficeUser,
           keyring: KeyringDep, form: Form) -> Response:
    """Record the rating the citizen gives at the desk for a decided request (once)."""
    lang = i18n.page_lang(request)
    app = programs.find_application(session, principal=principal, folio=folio[:40],
                                    for_update=True)
    stars = text(form, "rating", 1)
    comment = text(form, "comment", 500)
    try:
        if stars not in {"1", "2", "3", "4", "5"}:
            raise InvalidInput(fields=[FieldError("rating", "field_range")])
        followup.rate_at_office(session, keyring=keyring, principal=principal, application=app,
                                rating=int(stars), comment=comment)
    except AppError as error:
        return _application_page(request, session, principal, folio, form="rating",
                                 problems=problems_of(error, lang), status=error.status)
    return RedirectResponse(f"/office/applications/{app.folio}?done=rating", status_code=303)


@router.post("/applications/{folio}/decision")
def decide(request: Request, folio: str, session: DbSession, principal: OfficeUser,
           form: Form) -> Response:
    """Approve (enrolling the person) or reject, with a reason the citizen can read."""
    lang = i18n.page_lang(request)
    app = programs.find_application(session, principal=principal, folio=folio[:40],
                                    for_update=True)
    here = f"/office/applications/{app.folio}"
    to = text(form, "to", 16)
    reason = text(form, "reason", 1000)
    values = {"to": to, "reason": reason}

    def again(problems: Problems, status: int) -> Response:
        return _application_page(request, session, principal, folio, problems=problems,
                                 form="decision", values=values, status=status)

    # The form is offered only to whoever may decide; a decision sent anyway is refused by the
    # service before anything about versions is said, and the denial is audited like the API's.
    programs.authorize_application_move(session, principal=principal, application=app, to=to
                                        if to in ("approved", "rejected") else "approved")
    if text(form, "version", 12) != str(app.version):
        if app.status == to:
            return RedirectResponse(f"{here}?done={to}", status_code=303)
        return again(_stale(lang), 409)
    problems = Problems()
    if to not in ("approved", "rejected"):
        problems.fields["to"] = i18n.translate(lang, "Choose whether to approve or reject.")
    if not reason:
        problems.fields["reason"] = message("reason_required", lang)
    elif len(reason) > REASON_MAX:
        problems.fields["reason"] = message("field_too_long", lang, max=REASON_MAX)
    if problems.fields:
        return again(problems, 422)
    try:
        if to == "approved" and app.status == "submitted":  # reviewed and approved in one step
            programs.move_application(session, principal=principal, application=app,
                                      to="in_review", reason=None)
        programs.move_application(session, principal=principal, application=app, to=to,
                                  reason=reason)
    except AppError as error:
        session.rollback()  # an approval refused half-way (a program it excludes) leaves nothing
        return again(problems_of(error, lang), error.status)
    return RedirectResponse(f"{here}?done={to}", status_code=303)


def _enrollment_page(request: Request, session: DbSession, principal: Principal,
                     enrollment_id: uuid.UUID, *, problems: Problems | None = None,
                     values: dict[str, str] | None = None, done: str = "",
                     status: int = 200) -> Response:
    lang = i18n.page_lang(request)
    row, shown = reads.enrollment(session, principal=principal, enrollment_id=enrollment_id)
    person = persons.get(session, principal=principal, person_id=row.person_id,
                         purpose="follow_up")
    try:
        programs.authorize_enrollment_move(session, principal=principal, enrollment=row)
        refusal = ""
    except Forbidden as refused:
        refusal = _refusal(refused, lang)
    return render(request, "office/enrollment.html", {
        "row": shown, "program_name": _program_name(request, row.program_code),
        "person_name": full_name(person.given_names, person.first_surname, person.second_surname),
        "moves": programs.ENROLLMENT_MOVES[row.status], "refusal": refusal,
        "actions": ACTIONS, "suspend": SUSPEND.items(), "exit": EXIT.items(), "labels": labels,
        "reasons": {**SUSPEND, **EXIT}, "problems": problems or Problems(),
        "values": {"to": "", "reason": "", **(values or {})}, "done": DONE.get(done, ""),
    }, status_code=status)


@router.get("/enrollments/{enrollment_id}")
def enrollment(request: Request, enrollment_id: uuid.UUID, session: DbSession,
               principal: OfficeUser, done: str = "") -> Response:
    """An enrollment: status, history and, for a supervisor, suspend, reactivate or end it."""
    return _enrollment_page(request, session, principal, enrollment_id, done=done[:12])


@router.post("/enrollments/{enrollment_id}/move")
def move(request: Request, enrollment_id: uuid.UUID, session: DbSession, principal: OfficeUser,
         form: Form) -> Response:
    """Suspend, reactivate or end a benefit, with its reason."""
    lang = i18n.page_lang(request)
    row = reads.find_enrollment(session, principal=principal, enrollment_id=enrollment_id,
                                for_update=True)
    to = text(form, "to", 16)
    reason = text(form, "reason", 32) if to != "active" else "reinstated"
    values = {"to": to, "reason": reason}
    here = f"/office/enrollments/{enrollment_id}"

    def again(problems: Problems, status: int) -> Response:
        return _enrollment_page(request, session, principal, enrollment_id, problems=problems,
                                values=values, status=status)

    programs.authorize_enrollment_move(session, principal=principal, enrollment=row)  # audited
    if text(form, "version", 12) != str(row.version):
        if row.status == to:
            return RedirectResponse(f"{here}?done={to}", status_code=303)
        return again(_stale(lang), 409)
    wanted = {"suspended": SUSPEND, "exited": EXIT}.get(to)
    if wanted is not None and reason not in wanted:
        return again(Problems(fields={f"reason_{to}": i18n.translate(
            lang, "Choose the reason; the citizen and the agency will see it.")}), 422)
    try:
        programs.move_enrollment(session, principal=principal, enrollment=row, to=to,
                                 reason=reason, note=None)
    except AppError as error:
        return again(problems_of(error, lang), error.status)
    return RedirectResponse(f"{here}?done={to}", status_code=303)

"""Person 360: the clerk states why a record is opened, then sees everything across agencies.

The purpose is asked before any of the person's data is shown, and the service audits the
opening with it (`program.overview.overview`). From here the clerk runs a life event, issues or
replaces a card, or reports one lost.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from redangel.auth.principal import Principal
from redangel.card import service as cards
from redangel.common.names import full_name
from redangel.common.types import BOROUGHS
from redangel.crvs import service as crvs
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import AppError, NotFound
from redangel.program import overview as overviews
from redangel.program.schemas import PersonOverview
from redangel.web import i18n
from redangel.web.auth import OfficeUser
from redangel.web.office import labels
from redangel.web.office.forms import Form, age_of, city_day, message_page, problems_of, text
from redangel.web.templating import render

router = APIRouter()
_EARLIEST = datetime.min.replace(tzinfo=UTC)
Purpose = Annotated[str, Query(max_length=32)]
NOTICES = {
    "reported": i18n._("The card was reported. It no longer works anywhere; issue a new one when "
                       "the citizen asks."),
    "accepted": i18n._("The application was made; its folio is under Open applications."),
    "declined": i18n._("The person's answer was recorded; nothing was applied for."),
}
OFFER_REASONS = {
    "birth_of_child": i18n._("after the birth of a child"),
    "death_of_family_member": i18n._("after the death of a family member"),
}


def purposes_for(principal: Principal) -> dict[str, str]:
    """The purposes this clerk may state when opening a record."""
    return labels.SUPERVISOR_PURPOSES if principal.role == "supervisor" else labels.PURPOSES


def history(data: PersonOverview, card_rows: list[Any]) -> list[dict[str, Any]]:
    """What happened to the person's applications, enrollments and cards, newest first."""
    items: list[dict[str, Any]] = []
    for app in [*data.open_applications, *data.decided_applications]:
        items.append({"at": app.submitted_at, "kind": "submitted", "what": app})
        if app.decided_at is not None:
            items.append({"at": app.decided_at, "kind": app.status, "what": app})
    for row in data.enrollments:
        items.append({"at": row.started_on, "kind": "enrolled", "what": row})
        if row.ended_on is not None:
            items.append({"at": row.ended_on, "kind": "exited", "what": row})
    for card in card_rows:
        items.append({"at": card.issued_at, "kind": "card_issued", "what": card})
        if card.status not in ("active", "pending_write"):
            items.append({"at": card.status_changed_at, "kind": "card_status", "what": card})
    return sorted(items, key=lambda item: _when(item["at"]), reverse=True)


def _when(at: date | datetime) -> tuple[date, int, datetime]:
    """Where a moment or a bare day falls on the city's calendar: a bare day (an enrollment's
    start) sorts after that day's moments, so it follows the approval that made it."""
    if isinstance(at, datetime):
        return city_day(at), 0, at
    return at, 1, _EARLIEST


@router.get("/persons/{person_id}")
def person(request: Request, person_id: uuid.UUID, session: DbSession, principal: OfficeUser,
           keyring: KeyringDep, purpose: Purpose = "", suggest: Purpose = "",
           done: Purpose = "") -> Response:
    """Ask why the record is opened; with a purpose, the person's whole situation."""
    allowed = purposes_for(principal)
    if purpose not in allowed:
        return render(request, "office/purpose.html", {
            "person_id": person_id, "purposes": allowed,
            "suggest": suggest if suggest in allowed else "attention",
            "asked_again": bool(purpose)})
    data = overviews.overview(session, keyring=keyring, principal=principal,
                              person_id=person_id, purpose=purpose)
    card_rows = cards.cards_of(session, principal=principal, person_id=person_id)
    active = next((c for c in card_rows if c.status == "active"), None)
    offers = crvs.list_offers(session, principal=principal, person_id=person_id, open_only=True)
    return render(request, "office/person.html", {
        "person_id": person_id, "purpose": purpose, "purpose_words": allowed[purpose],
        "data": data, "p": data.person, "age": age_of(data.person.birth_date),
        "full_name": full_name(data.person.given_names, data.person.first_surname,
                               data.person.second_surname),
        "cards": card_rows, "active_card": active, "history": history(data, card_rows),
        "when": city_day, "labels": labels, "boroughs": BOROUGHS,
        "notice": NOTICES.get(done, ""), "offers": offers, "offer_reasons": OFFER_REASONS,
    })


@router.post("/persons/{person_id}/cards/{serial}/report")
def report_card(request: Request, person_id: uuid.UUID, serial: str, session: DbSession,
                principal: OfficeUser, form: Form) -> Response:
    """Report the person's card lost, stolen or damaged: it stops working at once."""
    lang = i18n.page_lang(request)
    status = text(form, "status", 16)
    purpose = text(form, "purpose", 32)
    back = f"/office/persons/{person_id}"
    if status not in labels.CARD_REPORTS:
        return message_page(request, status=422, home=back, detail=i18n.translate(
            lang, "Choose whether the card was lost, stolen or damaged."))
    try:
        # Only this person's own card is reported from their page (404 for anyone else's).
        if serial not in {c.serial for c in cards.cards_of(session, principal=principal,
                                                           person_id=person_id)}:
            raise NotFound()
        cards.report(session, principal=principal, serial=serial, status=status)
    except AppError as error:
        return message_page(request, status=error.status, home=back,
                            detail=problems_of(error, lang).summary)
    purpose = purpose if purpose in purposes_for(principal) else "card_issuance"
    return RedirectResponse(f"{back}?purpose={purpose}&done=reported", status_code=303)


@router.post("/persons/{person_id}/offers/{offer_id}")
def decide_offer(request: Request, person_id: uuid.UUID, offer_id: uuid.UUID, session: DbSession,
                 principal: OfficeUser, form: Form) -> Response:
    """The person, at the desk, accepts a proactive offer (the application opens) or declines it."""
    lang = i18n.page_lang(request)
    decision = text(form, "decision", 8)
    purpose = text(form, "purpose", 32)
    back = f"/office/persons/{person_id}"
    if decision not in ("accept", "decline"):
        return message_page(request, status=422, home=back, detail=i18n.translate(
            lang, "Say whether the person accepts or declines."))
    try:
        # Only this person's own offers are answered from their page (404 for anyone else's).
        mine = crvs.list_offers(session, principal=principal, person_id=person_id, open_only=True)
        if offer_id not in {o.id for o in mine}:
            raise NotFound()
        crvs.decide(session, principal=principal, offer_id=offer_id, accept=decision == "accept")
    except AppError as error:
        return message_page(request, status=error.status, home=back,
                            detail=problems_of(error, lang).summary)
    purpose = purpose if purpose in purposes_for(principal) else "application"
    done = "accepted" if decision == "accept" else "declined"
    return RedirectResponse(f"{back}?purpose={purpose}&done={done}", status_code=303)

"""The data steward's pages at /office/crvs: the civil registry's events that found nobody, more
than one person, or wait for a person not registered; each event's facts beside the registered
persons it may be about, and the steward's decision with the keyboard (a candidate's number
chooses them, X says nobody in the registry, N leaves the event for later).

Pages call the civil registry's service only; it checks the role, reads the facts through the
review's field policy and audits every reading and decision.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from redangel.common.types import BOROUGHS
from redangel.crvs import service as crvs
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import AppError
from redangel.web import i18n
from redangel.web.auth import StewardUser
from redangel.web.i18n import _
from redangel.web.office.forms import Form, Problems, problems_of, text
from redangel.web.office.roll_labels import FIELDS as ROLL_FIELDS
from redangel.web.office.roll_labels import LEVELS
from redangel.web.templating import render

router = APIRouter(prefix="/crvs")

KINDS: dict[str, str] = {
    "birth": _("Birth"), "death": _("Death"), "death_reversal": _("Death reversed"),
    "data_modification": _("Data change"),
}
REASONS: dict[str, str] = {
    "mother_not_found": _("Nobody in the registry matched the mother"),
    "mother_ambiguous": _("Several persons in the registry matched the mother"),
    "mother_deceased": _("The mother found is recorded as deceased before the birth"),
    "person_not_found": _("Nobody in the registry has this CURP"),
    "person_not_registered": _("Waiting for an earlier event: nobody registered has this CURP yet"),
    "not_in_registry": _("The steward said it is nobody in the registry"),
    "not_in_city": _("The steward said it is not about a person the city's programs serve"),
}
OTHER_REASON = _("A rule of the registry refused it")
STATES: dict[str, str] = {
    "processed": _("Processed"), "needs_review": _("Needs review"), "waiting": _("Waiting"),
    "rejected": _("Closed: about nobody in the registry"), "received": _("Received, not yet run"),
}
DISMISS: dict[str, str] = {
    "not_in_registry": _("Nobody in the registry is this person"),
    "not_in_city": _("It is not about a person the city's programs serve"),
}
CONSEQUENCES: dict[str, str] = {
    "birth": _("The child will be registered in her household (or in a new one she heads), and "
               "the programs a birth opens will be offered to her."),
    "death": _("The person will be recorded as deceased on the day the civil registry gives: their "
               "programs end on that day, their card is revoked, their household gets a new head, "
               "and the survivors are offered what a death opens."),
    "death_reversal": _("The person's recorded death will be undone: their programs come back "
                        "where they can, and a new card is issued at the office."),
    "data_modification": _("The person's name, sex or birth date will change to what the civil "
                           "registry sent."),
}
FIELDS: dict[str, str] = {**ROLL_FIELDS, "curp_letters": _("Letters of the name in the CURP")}
SEXES: dict[str, str] = {"M": _("Woman"), "H": _("Man"), "X": _("Non-binary")}
Search = Annotated[str, Query(max_length=64)]


@router.get("")
def index(request: Request, session: DbSession, principal: StewardUser) -> Response:
    """The events waiting for a steward, oldest first, with why each waits."""
    return render(request, "office/crvs_events.html", {
        "nav": "crvs", "items": crvs.review_queue(session, principal=principal), "kinds": KINDS,
        "reasons": REASONS, "other_reason": OTHER_REASON, "states": STATES})


def _page(request: Request, session: DbSession, principal: StewardUser, keyring: KeyringDep,
          event_id: uuid.UUID, *, search: str = "", choose: str = "",
          problems: Problems | None = None, status_code: int = 200) -> Response:
    problems = problems or Problems()
    try:
        found = crvs.review_event(session, keyring=keyring, principal=principal,
                                  event_id=event_id, search=(choose or search) or None)
    except AppError as error:
        if error.status in (403, 404):
            raise
        problems = problems_of(error, i18n.page_lang(request))
        found = crvs.review_event(session, keyring=keyring, principal=principal, event_id=event_id)
        status_code = error.status
    queue = [i.id for i in crvs.review_queue(session, principal=principal)]
    if event_id in queue:  # the events after this one, then those before: leaving moves on
        at = queue.index(event_id)
        queue = queue[at + 1:] + queue[:at]
    confirm = found.searched[0] if choose and found.searched and not problems else None
    return render(request, "office/crvs_event.html", {
        "nav": "crvs", "review": found, "kinds": KINDS, "reasons": REASONS, "confirm": confirm,
        "consequence": CONSEQUENCES[found.item.kind],
        "other_reason": OTHER_REASON, "states": STATES, "dismiss": DISMISS, "fields": FIELDS,
        "levels": LEVELS, "sexes": SEXES, "boroughs": BOROUGHS, "search": search,
        "problems": problems, "next_id": queue[0] if queue else None}, status_code=status_code)


@router.get("/{event_id}")
def show(request: Request, session: DbSession, principal: StewardUser, keyring: KeyringDep,
         event_id: uuid.UUID, q: Search = "", choose: Search = "") -> Response:
    """An event's facts beside the persons it may be about (and the one the steward searched);
    with `choose`, the person chosen and what confirming will do."""
    return _page(request, session, principal, keyring, event_id, search=q.strip(),
                 choose=choose.strip())


@router.post("/{event_id}/person")
def choose(request: Request, session: DbSession, principal: StewardUser, keyring: KeyringDep,
           event_id: uuid.UUID, form: Form) -> Response:
    """The steward names the person (a birth's mother); the event runs as a matched one would."""
    try:
        person_id = uuid.UUID(text(form, "person_id", 64))
        crvs.resolve(session, keyring=keyring, catalog=request.app.state.catalog,
                     principal=principal, event_id=event_id, person_id=person_id)
    except (AppError, ValidationError, ValueError) as error:  # refused before anything was written
        session.rollback()
        if isinstance(error, AppError) and error.status in (403, 404) \
                and not any(f.field == "person_id" for f in error.fields):
            raise
        if isinstance(error, ValueError) and not isinstance(error, ValidationError):
            return _page(request, session, principal, keyring, event_id, status_code=422,
                         problems=Problems(i18n.translate(i18n.page_lang(request),
                                                          "Choose a person from the list.")))
        status = error.status if isinstance(error, AppError) else 422
        return _page(request, session, principal, keyring, event_id, status_code=status,
                     problems=problems_of(error, i18n.page_lang(request)))
    return RedirectResponse(f"/office/crvs/{event_id}", status_code=303)


@router.post("/{event_id}/nobody")
def nobody(request: Request, session: DbSession, principal: StewardUser, keyring: KeyringDep,
           event_id: uuid.UUID, form: Form) -> Response:
    """The steward says the event is about nobody in the registry: it closes, with the reason."""
    try:
        crvs.dismiss(session, principal=principal, event_id=event_id,
                     reason=text(form, "reason", 32))
    except AppError as error:
        session.rollback()
        if error.status in (403, 404):
            raise
        return _page(request, session, principal, keyring, event_id, status_code=error.status,
                     problems=problems_of(error, i18n.page_lang(request)))
    return RedirectResponse(f"/office/crvs/{event_id}", status_code=303)

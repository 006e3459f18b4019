"""Issuing or replacing a card at the desk, through the card agent beside the reader.

The page never sees the card: its script (`static/js/office.js`) sends the person's id and the
PIN the citizen types to the desk's card agent on loopback (`settings.desk_agent_url`), which
drives the reader and talks to the service with the clerk's session; the page polls the agent
for progress and shows the slip with the PUK. The PIN reaches only the agent and the chip.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.responses import Response

from redangel.auth import service as auth
from redangel.card import service as cards
from redangel.common.names import full_name
from redangel.db import DbSession
from redangel.person import service as persons
from redangel.web.auth import OfficeUser
from redangel.web.office import labels
from redangel.web.templating import render

router = APIRouter()


@router.get("/persons/{person_id}/card")
def issue_page(request: Request, person_id: uuid.UUID, session: DbSession,
               principal: OfficeUser) -> Response:
    """The citizen types a PIN twice; the card agent personalizes the card on the reader."""
    person = persons.get(session, principal=principal, person_id=person_id, purpose="card_issuance")
    card_rows = cards.cards_of(session, principal=principal, person_id=person_id)
    active = next((c for c in card_rows if c.status == "active"), None)
    return render(request, "office/card_issue.html", {
        "person_id": person_id, "active_card": active, "labels": labels,
        "name": full_name(person.given_names, person.first_surname, person.second_surname),
        "agent": request.app.state.settings.desk_agent_url,
        "office": auth.office_name(session, principal.office_id) or ""})

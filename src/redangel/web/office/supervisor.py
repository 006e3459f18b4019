"""The supervisor's pages: the office's queue (overdue, at risk, on track, and what was escalated
up the chain of command), the overdue list, and the coordination unit's escalated requests.

Where an application stands is `program.deadlines.standing`, computed by the program service;
these pages only group, count and format.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from redangel.db import DbSession
from redangel.errors import Forbidden
from redangel.program import complaint_escalation, escalation
from redangel.program import service as programs
from redangel.web.auth import OfficeUser
from redangel.web.i18n import _
from redangel.web.office import labels
from redangel.web.public.folio import COMPLAINT_CATEGORIES
from redangel.web.templating import render

router = APIRouter()
SHOWN = 200
QUEUE_SHOWN = 50  # rows listed per group; the counts cover every open application
GROUPS: dict[str, tuple[str, str, str]] = {  # standing -> (badge class, heading, explanation)
    "overdue": ("bad", _("Overdue"), _("The decision date has passed. Follow each up with its "
                                       "agency today.")),
    "at_risk": ("warn", _("At risk"), _("Less than a quarter of the time the program promised "
                                        "is left.")),
    "on_track": ("ok", _("On time"), _("Still well within the time the program promised.")),
}
ROLES = {  # who a level of the chain of command tells
    "office_supervisor": _("The office's supervisor"),
    "program_lead": _("The agency's program lead"),
    "coordinator": _("The city's coordination unit"),
}


@router.get("/overdue")
def overdue(request: Request, session: DbSession, principal: OfficeUser) -> Response:
    """Open applications of the office's persons past their expected decision date (supervisors)."""
    if principal.role != "supervisor":
        raise Forbidden()
    rows = programs.overdue(session, principal=principal, limit=SHOWN)
    return render(request, "office/overdue.html", {"nav": "overdue", "rows": rows,
                                                   "labels": labels, "limit": SHOWN})


@router.get("/queue")
def queue(request: Request, session: DbSession, principal: OfficeUser) -> Response:
    """The office's open applications: overdue first, then at risk, then the rest, with counts."""
    if principal.role != "supervisor":
        raise Forbidden()
    found = programs.queue(session, principal=principal, shown=QUEUE_SHOWN)
    raised = escalation.queue(session, principal=principal, limit=QUEUE_SHOWN)
    return render(request, "office/queue.html", {
        "nav": "queue", "counts": found["counts"], "groups": found["groups"],
        "more_than": found["more_than"], "kinds": GROUPS, "labels": labels,
        "shown": QUEUE_SHOWN, "escalated": [e.model_dump() for e in raised], "roles": ROLES})


@router.get("/escalations")
def escalations(request: Request, session: DbSession, principal: OfficeUser) -> Response:
    """The coordination unit's queue: requests escalated past the agencies, and unanswered
    complaints that reached it, across the city, without personal data."""
    if principal.role != "coordinator":
        raise Forbidden()
    raised = escalation.queue(session, principal=principal, limit=SHOWN)
    late = complaint_escalation.queue(session, principal=principal, limit=SHOWN)
    return render(request, "office/escalations.html", {
        "nav": "escalations", "escalated": [e.model_dump() for e in raised], "roles": ROLES,
        "limit": SHOWN, "complaints": [c.model_dump() for c in late],
        "categories": COMPLAINT_CATEGORIES})

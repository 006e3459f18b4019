"""The supervisor's view of the office's overdue applications, most late first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from redangel.db import DbSession
from redangel.errors import Forbidden
from redangel.program import service as programs
from redangel.web.auth import OfficeUser
from redangel.web.office import labels
from redangel.web.templating import render

router = APIRouter()
SHOWN = 200


@router.get("/overdue")
def overdue(request: Request, session: DbSession, principal: OfficeUser) -> Response:
    """Open applications of the office's persons past their expected decision date (supervisors)."""
    if principal.role != "supervisor":
        raise Forbidden()
    rows = programs.overdue(session, principal=principal, limit=SHOWN)
    return render(request, "office/overdue.html", {"nav": "overdue", "rows": rows,
                                                   "labels": labels, "limit": SHOWN})

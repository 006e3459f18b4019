"""HTTP endpoint for following a request by its folio from any channel (Open311 GeoReport v2).

Anonymous, rate limited per client address, and the same 404 for a wrong folio and a wrong birth
date; misses are counted in the audit trail per address and minute, a match is audited against
the person. The folio and birth date travel in the body, never in the address.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from redangel.audit.denials import Denial
from redangel.auth.dependencies import rate_limit
from redangel.common.openapi import ERRORS
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import NotFound, request_lang
from redangel.program import followup
from redangel.program.followup_schemas import FolioQuery, Open311Request

router = APIRouter(tags=["follow-up"])
FOLIO_LIMIT = Depends(rate_limit("folio", "rate_limit_folio_per_minute"))


def count_miss(request: Request) -> None:
    """Count a wrong folio or birth date against the client's address (never one row each)."""
    request.app.state.denial_tally.count(Denial(
        principal=None, action="denied:folio", person_id=None, outcome="folio_no_match",
        address=request.client.host if request.client else "unknown"))


@router.post("/requests/status", response_model=list[Open311Request], responses=ERRORS,
             dependencies=[FOLIO_LIMIT])
def request_status(data: FolioQuery, request: Request, session: DbSession,
                   keyring: KeyringDep) -> list[Open311Request]:
    """A request's or a complaint's status by folio and the citizen's birth date, as Open311
    GeoReport v2's `service_requests` answer (one item)."""
    lang = request_lang(request)
    try:
        found = followup.status_or_complaint(session, keyring=keyring, folio=data.folio,
                                             birth_date=data.birth_date)
    except NotFound:
        count_miss(request)
        raise
    return [followup.open311(found, status_notes=followup.words(found, lang), lang=lang)]

"""HTTP endpoints of roll imports under /api/v1/rolls: an agency (or an admin or data steward)
sends a roll with its mapping; the import runs as a job; its state and quality report are read
back. Merging stays with the data steward's pages (a person decides what enters the registry).
"""

from __future__ import annotations

import base64
import binascii
import threading
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from redangel.auth.dependencies import CurrentPrincipal
from redangel.common.clock import city_today
from redangel.common.openapi import ERRORS, with_errors
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession, read_only
from redangel.errors import FieldError, InvalidInput
from redangel.rolls import service
from redangel.rolls.mapping import parse_mapping
from redangel.rolls.models import RollImport
from redangel.rolls.readers import read_roll
from redangel.rolls.report import QualityReport
from redangel.rolls.schemas import RollCreate, RollImportRead

router = APIRouter(prefix="/rolls", tags=["rolls"])


def read(imp: RollImport) -> RollImportRead:
    """The API's view of an import."""
    return RollImportRead(
        id=imp.id, agency=imp.agency_code, program=imp.program_code, file_name=imp.file_name,
        status=imp.status, stop_reason=imp.stop_reason, rows_total=imp.rows_total,
        rows_done=imp.rows_done, link_threshold=imp.link_threshold,
        review_threshold=imp.review_threshold, created_at=imp.created_at, merged_at=imp.merged_at)


@router.post("", status_code=202, response_model=RollImportRead, responses=with_errors(409))
def create_import(data: RollCreate, request: Request, session: DbSession,
                  principal: CurrentPrincipal, keyring: KeyringDep) -> Response:
    """Send a roll: checked whole (a bad file names its line and column and writes nothing),
    then read and linked as a job. The same file for the same program resumes its import."""
    service.require_importer(principal)
    try:
        content = base64.b64decode(data.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(fields=[FieldError("content_base64", "roll_file_base64")]) from None
    program = service.program_of(session, principal=principal, program_code=data.program)
    mapping = parse_mapping(data.mapping, name="mapping")
    roll = read_roll(content, name=data.file_name, mapping=mapping,
                     max_bytes=request.app.state.settings.roll_max_bytes)
    imp = service.start(session, keyring=keyring, principal=principal, roll=roll, data=content,
                        agency_code=program.agency_code, program_code=program.code,
                        mapping=mapping, link_threshold=data.link_threshold,
                        review_threshold=min(data.review_threshold, data.link_threshold))
    state = request.app.state
    threading.Thread(target=service.run_when_committed, daemon=True, name=f"roll-{imp.id}",
                     kwargs={"sessions": state.sessionmaker, "keyring": state.keyring,
                             "principal": principal, "import_id": imp.id,
                             "today": city_today()}).start()
    return JSONResponse(read(imp).model_dump(mode="json"), status_code=202)


@router.get("/{roll_id}", response_model=RollImportRead, responses=ERRORS)
@read_only
def read_import(roll_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal) -> RollImportRead:
    """An import's state and progress."""
    return read(service.get(session, principal=principal, import_id=roll_id))


@router.get("/{roll_id}/report", response_model=QualityReport, responses=ERRORS)
@read_only
def read_report(roll_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal) -> QualityReport:
    """An import's data-quality report: every row accounted for."""
    imp = service.get(session, principal=principal, import_id=roll_id)
    return service.quality(session, principal=principal, imp=imp)

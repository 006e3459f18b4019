"""HTTP endpoints for merging two registry records and undoing it, under /api/v1/merges.

Only a data steward merges (`Steward`). Merging and unmerging are idempotent under an
Idempotency-Key: a retried request answers the first answer again, never a second merge.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from redangel.auth.dependencies import require_roles
from redangel.auth.principal import Principal
from redangel.common.openapi import ERRORS, with_errors
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession, read_only
from redangel.idempotency.dependencies import Idempotent
from redangel.idempotency.service import Idempotency
from redangel.linkage import service
from redangel.linkage.schemas import MergeCreate, MergeRead, UnmergeIn

router = APIRouter(prefix="/merges", tags=["merges"])
Steward = Annotated[Principal, Depends(require_roles(service.STEWARD))]


def _answer(session: DbSession, principal: Principal, merge_id: uuid.UUID, idem: Idempotency | None,
            status: int) -> JSONResponse:
    row = service.get(session, principal=principal, merge_id=merge_id)
    if idem is not None:
        idem.remember(status, entity=("person_merge", row.id))
    return JSONResponse(service.read(row).model_dump(mode="json"), status_code=status)


@router.post("", status_code=201, response_model=MergeRead, responses=with_errors(409))
def create_merge(data: MergeCreate, session: DbSession, principal: Steward, keyring: KeyringDep,
                 idem: Idempotent) -> Response:
    """Merge two records of one person: the absorbed record's programs, cards, household and
    history move to the survivor, which keeps each field by the survivorship rules."""
    if (replay := idem.claim(data)) is not None:
        return replay.mark(_answer(session, principal, replay.entity_uuid, None, 201))
    row = service.merge(session, keyring=keyring, principal=principal, data=data)
    return _answer(session, principal, row.id, idem, 201)


@router.get("/{merge_id}", response_model=MergeRead, responses=ERRORS)
@read_only
def read_merge(merge_id: uuid.UUID, session: DbSession, principal: Steward) -> Response:
    """A merge: which record survived, what it kept from which, what moved, whether undone."""
    return _answer(session, principal, merge_id, None, 200)


@router.post("/{merge_id}/unmerge", status_code=200, response_model=MergeRead,
             responses=with_errors(409))
def unmerge(merge_id: uuid.UUID, data: UnmergeIn, session: DbSession, principal: Steward,
            keyring: KeyringDep, idem: Idempotent) -> Response:
    """Undo a merge: both records come back exactly as they were, the moved rows go back, and
    the pair is remembered as two different persons."""
    if (replay := idem.claim(data)) is not None:
        return replay.mark(_answer(session, principal, replay.entity_uuid, None, 200))
    row = service.unmerge(session, keyring=keyring, principal=principal, merge_id=merge_id, data=data)
    return _answer(session, principal, row.id, idem, 200)

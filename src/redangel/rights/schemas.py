"""Shapes of data-rights requests: what the office sends, and the read models it gets back."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from redangel.audit.schemas import SubjectAccess
from redangel.card.schemas import CardStatus
from redangel.common.types import Strict
from redangel.program.followup_schemas import HeldComplaint, HeldNote
from redangel.program.schemas import PersonOverview

Right = Literal["access", "rectification", "cancellation", "opposition"]
Status = Literal["open", "done", "refused"]


class RightsRequestCreate(Strict):
    """A request received at the office: whose, which right, and the identity document seen."""

    person_id: uuid.UUID
    right: Right
    identity_document: str | None = Field(default=None, max_length=24)
    use: str | None = Field(default=None, max_length=32)


class RightsRefusal(Strict):
    """Why a request is refused (a reason from the list, read to the person)."""

    reason: str = Field(max_length=24)


class RightsRequestOut(BaseModel):
    """A request and where it stands."""

    id: uuid.UUID
    folio: str
    person_id: uuid.UUID
    right: Right
    use: str | None
    status: Status
    identity_document: str
    received_at: datetime
    due_on: date
    overdue: bool
    outcome: str | None
    decided_at: datetime | None
    history_id: int | None
    erase_after: date | None
    erased_at: datetime | None


class AccessExport(BaseModel):
    """Everything held about a person, for the access right: their record, household,
    programs, applications (and the notes staff wrote on them), deliveries, cards, their
    complaints, the uses they refused, their data-rights requests and who accessed their data
    and why."""

    folio: str
    generated_at: datetime
    overview: PersonOverview
    cards: list[CardStatus]
    refused_uses: list[str]
    complaints: list[HeldComplaint]
    notes: list[HeldNote]
    requests: list[RightsRequestOut]
    accesses: list[SubjectAccess]

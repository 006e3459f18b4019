"""Request and response shapes of applications, enrollments, deliveries and the person overview."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from redangel.common.types import Day, ShortText, Strict

ProgramCode = Annotated[str, StringConstraints(min_length=1, max_length=48, pattern=r"^[a-z0-9_]+$")]
Channel = Literal["office", "kiosk", "website", "call_center", "agency", "proactive"]
ExitReason = Literal["death", "moved_away", "no_longer_eligible", "voluntary", "end_of_term"]
SuspendReason = Literal["documents_missing", "under_investigation", "temporary_absence", "other"]
DeliveryKind = Annotated[str, StringConstraints(min_length=2, max_length=32, pattern=r"^[a-z_]+$")]


class ApplicationCreate(Strict):
    """Apply for one program on a person's behalf."""

    person_id: uuid.UUID
    program: ProgramCode
    channel: Channel = "office"


class ApplicationMove(Strict):
    """Move an application: in_review, approved or rejected (with a reason the citizen reads)."""

    to: Literal["in_review", "approved", "rejected"]
    reason: ShortText | None = None


class EnrollmentMove(Strict):
    """Suspend, reactivate or exit an enrollment; suspending and exiting need a reason."""

    to: Literal["active", "suspended", "exited"]
    reason: ExitReason | SuspendReason | Literal["reinstated"] | None = None
    note: ShortText | None = None


class DocumentsReceived(Strict):
    """Which documents of the checklist were received (by position)."""

    received: list[Annotated[int, Field(ge=0, le=50)]] = Field(max_length=50)


class DeliveryCreate(Strict):
    """A service or benefit delivered to an enrolled person."""

    delivered_on: Day
    kind: DeliveryKind
    amount: Decimal | None = Field(default=None, ge=0, le=10_000_000, decimal_places=2)
    place: ShortText | None = None


class Transition(BaseModel):
    """One step of an application's or enrollment's life: who, when, why."""

    at: datetime
    action: str
    actor_kind: str
    actor_id: str
    reason: str | None = None


class ApplicationOut(BaseModel):
    """An application and where it stands."""

    folio: str
    person_id: uuid.UUID
    program: str
    channel: str
    status: str
    submitted_at: datetime
    expected_decision_on: date
    decided_at: datetime | None = None
    decision_reason: str | None
    documents: list[dict[str, Any]]
    version: int
    enrollment_id: uuid.UUID | None = None
    transitions: list[Transition] | None = None


class EnrollmentOut(BaseModel):
    """A place on a program's roll."""

    id: uuid.UUID
    person_id: uuid.UUID
    program: str
    status: str
    started_on: date
    ended_on: date | None
    exit_reason: str | None
    version: int
    transitions: list[Transition] | None = None


class DeliveryOut(BaseModel):
    """A recorded delivery."""

    id: uuid.UUID
    enrollment_id: uuid.UUID
    person_id: uuid.UUID
    program: str
    delivered_on: date
    kind: str
    amount: Decimal | None
    place: str | None


def application_out(app: Any, enrollment_id: uuid.UUID | None = None,
                    transitions: list[Transition] | None = None) -> ApplicationOut:
    """The API view of an application row."""
    return ApplicationOut(folio=app.folio, person_id=app.person_id, program=app.program_code,
                          channel=app.channel, status=app.status, submitted_at=app.submitted_at,
                          expected_decision_on=app.expected_decision_on,
                          decided_at=app.decided_at, decision_reason=app.decision_reason,
                          documents=app.documents or [], version=app.version,
                          enrollment_id=enrollment_id, transitions=transitions)


def enrollment_out(row: Any, transitions: list[Transition] | None = None) -> EnrollmentOut:
    """The API view of an enrollment row."""
    return EnrollmentOut(id=row.id, person_id=row.person_id, program=row.program_code,
                         status=row.status, started_on=row.started_on, ended_on=row.ended_on,
                         exit_reason=row.exit_reason, version=row.version,
                         transitions=transitions)


def delivery_out(row: Any) -> DeliveryOut:
    """The API view of a delivery row."""
    return DeliveryOut(id=row.id, enrollment_id=row.enrollment_id, person_id=row.person_id,
                       program=row.program_code, delivered_on=row.delivered_on, kind=row.kind,
                       amount=row.amount, place=row.place)

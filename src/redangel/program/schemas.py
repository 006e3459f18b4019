"""Request and response shapes of applications, enrollments and the person overview."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, StringConstraints

from redangel.common.types import ShortText, Strict

ProgramCode = Annotated[str, StringConstraints(min_length=1, max_length=48, pattern=r"^[a-z0-9_]+$")]
Channel = Literal["office", "kiosk", "website", "call_center", "agency", "proactive"]


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
    """Suspend, reactivate or exit an enrollment."""

    to: Literal["active", "suspended", "exited"]
    reason: Literal["death", "moved_away", "no_longer_eligible", "voluntary", "end_of_term",
                    "documents_missing", "reinstated"] | None = None


class ApplicationOut(BaseModel):
    """An application and where it stands."""

    folio: str
    person_id: uuid.UUID
    program: str
    channel: str
    status: str
    submitted_at: datetime
    expected_decision_on: date
    decision_reason: str | None
    documents: list[dict[str, Any]]
    version: int
    enrollment_id: uuid.UUID | None = None


class EnrollmentOut(BaseModel):
    """A place on a program's roll."""

    id: uuid.UUID
    program: str
    status: str
    started_on: date
    ended_on: date | None
    exit_reason: str | None
    version: int


def application_out(app: Any, enrollment_id: uuid.UUID | None = None) -> ApplicationOut:
    """The API view of an application row."""
    return ApplicationOut(folio=app.folio, person_id=app.person_id, program=app.program_code,
                          channel=app.channel, status=app.status, submitted_at=app.submitted_at,
                          expected_decision_on=app.expected_decision_on,
                          decision_reason=app.decision_reason, documents=app.documents or [],
                          version=app.version, enrollment_id=enrollment_id)


def enrollment_out(row: Any) -> EnrollmentOut:
    """The API view of an enrollment row."""
    return EnrollmentOut(id=row.id, program=row.program_code, status=row.status,
                         started_on=row.started_on, ended_on=row.ended_on,
                         exit_reason=row.exit_reason, version=row.version)

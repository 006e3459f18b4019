"""Request and response shapes of applications, enrollments, deliveries and the read models
built from them: a person's programs, the person overview and the office's overdue list.

The read models are what the services hand to the API and to the pages alike: dates are dates,
statuses are the literals below, money is `Decimal`; whether an application is late (and by
how many days) is already computed by `program.deadlines`, so a page only formats it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from redangel.common.types import Day, Names, ShortText, Strict
from redangel.household.schemas import Relationship
from redangel.person.schemas import PersonRead

ProgramCode = Annotated[str, StringConstraints(min_length=1, max_length=48, pattern=r"^[a-z0-9_]+$")]
Channel = Literal["office", "kiosk", "website", "call_center", "agency", "proactive"]
ExitReason = Literal["death", "moved_away", "no_longer_eligible", "voluntary", "end_of_term"]
SuspendReason = Literal["documents_missing", "under_investigation", "temporary_absence", "other"]
DeliveryKind = Annotated[str, StringConstraints(min_length=2, max_length=32, pattern=r"^[a-z_]+$")]
ApplicationStatus = Literal["submitted", "in_review", "approved", "rejected"]
EnrollmentStatus = Literal["active", "suspended", "exited"]


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


class AgencyRef(BaseModel):
    """The agency that runs a program: its code and its name."""

    code: str
    name: Names


class ApplicationDocument(Names):
    """One document of an application's checklist (its name), and whether it was received."""

    received: bool


class ApplicationOut(BaseModel):
    """An application and where it stands."""

    folio: str
    person_id: uuid.UUID
    program: str
    channel: Channel
    status: ApplicationStatus
    submitted_at: datetime
    expected_decision_on: date
    decided_at: datetime | None = None
    decision_reason: str | None
    documents: list[ApplicationDocument]
    version: int
    enrollment_id: uuid.UUID | None = None
    transitions: list[Transition] | None = None


class EnrollmentOut(BaseModel):
    """A place on a program's roll."""

    id: uuid.UUID
    person_id: uuid.UUID
    program: str
    status: EnrollmentStatus
    started_on: date
    ended_on: date | None
    exit_reason: ExitReason | None
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


class ProgramApplication(ApplicationOut):
    """A person's application with its program's names and agency, and whether it is late."""

    program_name: Names
    agency: str
    overdue: bool


class ProgramEnrollment(EnrollmentOut):
    """A person's enrollment with its program's names and agency."""

    program_name: Names
    agency: str


class PersonPrograms(BaseModel):
    """A person's applications and enrollments (an agency's own programs' only)."""

    applications: list[ProgramApplication]
    enrollments: list[ProgramEnrollment]


class OverviewApplication(ApplicationOut):
    """An application in the person overview, with its program's names and its agency."""

    program_name: Names
    agency: AgencyRef


class OpenApplication(OverviewApplication):
    """An open application in the overview, with its days late (`program.deadlines`)."""

    days_late: int
    overdue: bool


class OverviewEnrollment(EnrollmentOut):
    """An enrollment in the person overview, with its program's names and its agency."""

    program_name: Names
    agency: AgencyRef


class OverviewDelivery(DeliveryOut):
    """A recent delivery in the person overview, with its program's names."""

    program_name: Names


class OverdueItem(BaseModel):
    """Something of the person's that is late: today only applications past their date."""

    kind: Literal["application"]
    folio: str
    program: str
    status: ApplicationStatus
    expected_decision_on: date
    days_late: int


class HouseholdMember(BaseModel):
    """A member of the person's household shown beside them."""

    person_id: uuid.UUID
    relationship: Relationship
    since: date
    name: str
    birth_date: date


class HouseholdSummary(BaseModel):
    """The person's household: the members in the reader's scope, and how many are not."""

    id: uuid.UUID
    members_elsewhere: int
    members: list[HouseholdMember]


class PersonOverview(BaseModel):
    """Person 360: the person, the household and everything across agencies, as of a day."""

    as_of: date
    person: PersonRead
    household: HouseholdSummary | None
    enrollments: list[OverviewEnrollment]
    open_applications: list[OpenApplication]
    decided_applications: list[OverviewApplication]
    deliveries: list[OverviewDelivery]
    overdue: list[OverdueItem]


class OverdueApplication(BaseModel):
    """An open application of the office's persons past its expected decision date."""

    folio: str
    program: str
    program_name: Names
    person: str
    person_id: uuid.UUID
    expected_decision_on: date
    days_late: int
    status: ApplicationStatus


def application_out(app: Any, enrollment_id: uuid.UUID | None = None,
                    transitions: list[Transition] | None = None) -> ApplicationOut:
    """The API view of an application row."""
    return ApplicationOut(folio=app.folio, person_id=app.person_id, program=app.program_code,
                          channel=app.channel, status=app.status, submitted_at=app.submitted_at,
                          expected_decision_on=app.expected_decision_on,
                          decided_at=app.decided_at, decision_reason=app.decision_reason,
                          documents=[ApplicationDocument.model_validate(d)
                                     for d in app.documents or []], version=app.version,
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

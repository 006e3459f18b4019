"""Shapes of the follow-up of requests: escalations each level sees, the citizen's status by
folio (with Open311 GeoReport v2's field names for other channels), and ratings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from redangel.common.types import Day, Names, Strict, no_control_chars

EscalationRole = Literal["office_supervisor", "program_lead", "coordinator"]
FeedbackChannel = Literal["kiosk", "website", "office", "call_center"]
FolioText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
                     AfterValidator(no_control_chars)]
Comment = Annotated[str, StringConstraints(max_length=500), AfterValidator(no_control_chars)]


class Notice(BaseModel):
    """Who was told of a late request (or who acted and stopped its clock), and when."""

    level: int
    role: EscalationRole
    told: str
    action: Literal["escalated", "stopped"]
    at: datetime


class EscalatedApplication(BaseModel):
    """An open application raised up the chain of command, as its level sees it."""

    folio: str
    program: str
    program_name: Names
    agency: str
    agency_name: Names
    status: Literal["submitted", "in_review"]
    level: int
    role: EscalationRole
    reached_at: datetime
    expected_decision_on: date
    days_late: int
    person_id: uuid.UUID | None = None
    person: str | None = None
    notices: list[Notice] = Field(default_factory=list)


class EscalatedComplaint(BaseModel):
    """An unanswered complaint raised up the chain of command, as an agency or the coordination
    unit sees it: never the citizen's words nor who they are; no category when it is one only
    the office's supervisors may read (family violence, disability access)."""

    folio: str
    category: str | None
    agency: str
    agency_name: Names
    office: str | None
    """The name of the office that must answer it."""
    level: int
    role: EscalationRole
    reached_at: datetime
    expected_answer_on: date
    days_late: int


class HeldComplaint(BaseModel):
    """A person's complaint as their access copy shows it: their words and the answer."""

    folio: str
    category: str
    agency_name: Names
    status: Literal["submitted", "answered"]
    filed_at: datetime
    text: str
    answer: str | None


class HeldNote(BaseModel):
    """A note staff wrote on one of the person's applications, as their access copy shows it."""

    folio: str
    at: datetime
    text: str


class EscalationPage(BaseModel):
    """The agency's escalated applications (its own programs only) and the unanswered
    complaints about it that reached its program lead."""

    items: list[EscalatedApplication]
    complaints: list[EscalatedComplaint] = Field(default_factory=list)


class EscalationRun(BaseModel):
    """What one run of the escalation job did."""

    acted: bool
    raised: int
    looked_at: int
    complaints_raised: int = 0
    complaints_looked_at: int = 0


class FolioQuery(Strict):
    """A citizen's folio and birth date: both must match or nothing is said."""

    folio: FolioText
    birth_date: Day


class FolioEvent(BaseModel):
    """One step of a request's history, without who did it."""

    action: str
    at: datetime


class FolioStatus(BaseModel):
    """A request's status as its citizen may read it; no personal data."""

    folio: str
    status: Literal["submitted", "in_review", "approved", "rejected", "answered"]
    kind: Literal["application", "complaint"] = "application"
    category: str | None = None
    program_name: Names | None
    agency_name: Names
    requested_at: datetime
    updated_at: datetime
    expected_decision_on: date
    standing: Literal["overdue", "at_risk", "on_track", "decided"]
    days_late: int
    decision_reason: str | None
    history: list[FolioEvent]
    may_rate: bool
    rated: bool


class Open311Request(BaseModel):
    """A request in Open311 GeoReport v2's shape (`GET /requests/{id}` answer item)."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    agency_responsible: str
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime


class FeedbackCreate(Strict):
    """A rating of a decided request, 1 (bad) to 5 (very good), with an optional comment."""

    folio: FolioText
    birth_date: Day
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: Comment = ""

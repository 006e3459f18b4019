"""Shapes of the agency API: CURP lookup, the lists, the change feed and the person an agency sees.

The answers are the contract partners integrate with (`docs/agency-api.md`): their keys and the
way each value is written are pinned by the agency tests, so a change here is a change to
every agency's integration.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, PlainSerializer, StringConstraints

from redangel.common.types import Strict
from redangel.person.schemas import PersonAllowlisted
from redangel.program.schemas import (
    ApplicationOut,
    ApplicationStatus,
    Channel,
    EnrollmentOut,
    EnrollmentStatus,
    ExitReason,
)

Curp = Annotated[str, StringConstraints(min_length=1, max_length=18)]


class PersonLookup(Strict):
    """Find a person connected to the agency's programs by CURP (in the body, never the URL)."""

    curp: Curp


Moment = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str,
                                             when_used="json")]
"""A UTC moment written as Python's `isoformat` (`+00:00`), as the change feed always has."""


class AgencyApplication(ApplicationOut):
    """An application of the agency's programs, with the person's borough."""

    borough: str | None


class AgencyApplicationPage(BaseModel):
    """One page of the agency's applications and the cursor to the next (`null` on the last)."""

    items: list[AgencyApplication]
    next_cursor: str | None


class AgencyEnrollment(EnrollmentOut):
    """An enrollment on the agency's roll, with the person's borough."""

    borough: str | None


class AgencyEnrollmentPage(BaseModel):
    """One page of the agency's roll and the cursor to the next (`null` on the last)."""

    items: list[AgencyEnrollment]
    next_cursor: str | None


class AgencyPerson(BaseModel):
    """A person of the agency's programs: the allowlisted fields and the agency's own programs."""

    person: PersonAllowlisted
    applications: list[ApplicationOut]
    enrollments: list[EnrollmentOut]


class _Feed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplicationState(_Feed):
    """An application's state right after a change, as the feed carries it."""

    folio: str
    person_id: uuid.UUID
    program: str
    channel: Channel
    status: ApplicationStatus
    submitted_at: Moment
    expected_decision_on: date
    decision_reason: str | None
    version: int


class EnrollmentState(_Feed):
    """An enrollment's state right after a change, as the feed carries it."""

    id: uuid.UUID
    person_id: uuid.UUID
    program: str
    status: EnrollmentStatus
    started_on: date
    ended_on: date | None
    exit_reason: ExitReason | None
    version: int


class DeliveryState(_Feed):
    """A delivery as the feed carries it (the amount in pesos, written as a string)."""

    id: uuid.UUID
    enrollment_id: uuid.UUID
    person_id: uuid.UUID
    program: str
    delivered_on: date
    kind: str
    amount: Decimal | None
    place: str | None


class EscalationState(_Feed):
    """A late application raised up the chain of command (level 1 the office's supervisor, 2
    the agency's program lead, 3 the coordination unit), or its clock stopped (level 0)."""

    folio: str
    person_id: uuid.UUID
    program: str
    status: ApplicationStatus
    expected_decision_on: date
    level: int
    role: Literal["office_supervisor", "program_lead", "coordinator"]
    at: Moment


class Change(_Feed):
    """One change of the agency's records, numbered in commit order."""

    seq: int
    at: Moment
    entity: Literal["application", "enrollment", "delivery"]
    id: uuid.UUID
    person_id: uuid.UUID | None
    program: str
    action: Literal["submitted", "in_review", "approved", "rejected", "active", "suspended",
                    "exited", "delivered", "escalated", "escalation_stopped", "person_merged",
                    "person_unmerged"]
    """`person_merged`: the record moved to the person's surviving record (`person_id`) when two
    records of one person were merged; `person_unmerged`: moved back when the merge was undone."""
    data: ApplicationState | EnrollmentState | DeliveryState | EscalationState


class ChangePage(BaseModel):
    """The changes after a cursor; `next_cursor` resumes after the last, `has_more` says ask again."""

    changes: list[Change]
    next_cursor: str
    has_more: bool



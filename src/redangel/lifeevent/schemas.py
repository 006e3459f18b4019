"""Request and response shapes of the life-event API."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from redangel.common.types import Borough, Day, Names, Sex, Strict
from redangel.person.schemas import Attributes, Sensitive

Code = Annotated[str, StringConstraints(min_length=1, max_length=48, pattern=r"^[a-z0-9_]+$")]
AnswerValue = (Annotated[str, StringConstraints(max_length=200)] | bool | int | float | Day | None)
Answers = Annotated[dict[Code, AnswerValue], Field(max_length=40)]
Channel = Literal["office", "kiosk", "website", "call_center"]


class EvaluateRequest(Strict):
    """Run a life event for a registered person with the clerk's answers."""

    person_id: uuid.UUID
    answers: Answers = Field(default_factory=dict)
    as_of: Day | None = None


class ApplyRequest(Strict):
    """Apply, in one step, for the chosen programs of an evaluation."""

    evaluation_id: uuid.UUID
    programs: list[Code] = Field(min_length=1, max_length=20)
    channel: Channel = "office"


class ScreeningPerson(Attributes, Sensitive):
    """Facts for anonymous screening: an age instead of a birth date, nothing identifying."""

    age: int = Field(ge=0, le=120)
    sex: Sex | None = None
    borough: Borough | None = None
    relationship: Literal["head", "spouse", "child", "parent", "grandparent", "other_relative",
                          "other"] | None = None


class ScreeningRequest(Strict):
    """Facts in, verdicts out; nothing is stored."""

    event_code: Code | None = None
    person: ScreeningPerson
    household: list[ScreeningPerson] = Field(default_factory=list, max_length=20)
    answers: Answers = Field(default_factory=dict)


class EvaluationOut(BaseModel):
    """An evaluation: per program a verdict with its reasons, under a catalog version."""

    evaluation_id: uuid.UUID | None = None
    event_code: str | None
    catalog_version: str
    as_of: date
    results: list[dict[str, Any]]


class AppliedOut(BaseModel):
    """The applications created for a bundle, with their folios."""

    evaluation_id: uuid.UUID
    applications: list[dict[str, Any]]


class OutreachRequest(Strict):
    """Who became eligible for a program between two dates (default: this month so far)."""

    program: Code
    as_of: Day | None = None
    since: Day | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class OutreachOut(BaseModel):
    """Newly eligible persons: a count, and (for supervisors) who they are."""

    program: str
    as_of: date
    since: date
    catalog_version: str
    newly_eligible: int
    persons: list[dict[str, Any]]


class EventQuestion(BaseModel):
    """A fact a life event asks for: its name, type, label and (for choices) the options."""

    name: str
    type: str
    label: Names
    required: bool
    options: list[str]


class LifeEventOut(BaseModel):
    """A life event with its questions and the bundle of programs it leads to."""

    code: str
    label: Names
    category: str
    proactive: bool
    questions: list[EventQuestion]
    programs: list[str]


class LifeEventCatalog(BaseModel):
    """Every life event of the catalog, under the catalog's version."""

    catalog_version: str
    events: list[LifeEventOut]

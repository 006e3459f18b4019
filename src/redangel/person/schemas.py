"""Request and response shapes of the person API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    SerializerFunctionWrapHandler,
    StringConstraints,
    field_validator,
    model_serializer,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from redangel.common.clock import city_today
from redangel.common.types import (
    Borough,
    Day,
    Name,
    Sex,
    ShortText,
    State,
    Strict,
    no_control_chars,
)
from redangel.errors import AppErrorValue
from redangel.person import curp as curp_rules

Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9]{10,13}$")]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254,
                           pattern=r"^[^@\s\x00]{1,64}@[^@\s\x00]{1,189}\.[A-Za-z]{2,}$"),
]
PostalCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]


def _curp_shape(value: str) -> str:
    normalised = curp_rules.normalise(value)
    found = curp_rules.problems(normalised)
    if found:
        raise AppErrorValue(found[0].code)
    return normalised


CurpField = Annotated[
    str, StringConstraints(max_length=18, min_length=18), AfterValidator(_curp_shape)
]


def _past(value: date) -> date:
    if value > city_today():
        raise AppErrorValue("date_future")
    return value


PastDate = Annotated[Day, AfterValidator(_past)]


class Address(Strict):
    """Where the person lives."""

    borough: Borough
    colonia: ShortText | None = None
    postal_code: PostalCode | None = None
    street: ShortText | None = None


class Attributes(Strict):
    """Facts programs decide on; a new program's fact is added here, not as a column."""

    schooling_level: Literal["none", "preschool", "primary", "secondary", "upper_secondary",
                             "higher"] | None = None
    school_sector: Literal["public", "private"] | None = None
    studying: bool | None = None
    employment_status: Literal["formal", "informal", "unemployed", "student", "retired",
                               "homemaker", "other"] | None = None
    monthly_income: Decimal | None = Field(default=None, ge=0, le=10_000_000, decimal_places=2)
    grade_average: Decimal | None = Field(default=None, ge=0, le=10, decimal_places=2)
    arts_training: bool | None = None
    marital_status: Literal["single", "married", "free_union", "divorced", "widowed",
                            "separated"] | None = None
    low_development_area: bool | None = None
    resident_since: PastDate | None = None
    pregnant: bool | None = None


class Sensitive(Strict):
    """Facts stored encrypted: disability, health coverage, family violence."""

    disability: Literal["none", "temporary", "permanent"] | None = None
    health_coverage: Literal["none", "imss", "issste", "pemex_sedena", "private",
                             "other"] | None = None
    family_violence: bool | None = None


class PersonCreate(Strict):
    """A new person as a clerk enters them."""

    curp: CurpField | None = None
    given_names: Name
    first_surname: Name
    second_surname: Name | None = None
    sex: Sex
    birth_date: PastDate
    birth_state: State | None = None
    phone: Phone | None = None
    email: Email | None = None
    address: Address | None = None
    attributes: Attributes = Attributes()
    sensitive: Sensitive = Sensitive()
    confirm_distinct_from: list[uuid.UUID] = Field(default_factory=list, max_length=20)

    @field_validator("confirm_distinct_from")
    @classmethod
    def _unique(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        return sorted(set(value), key=str)


class PersonUpdate(Strict):
    """A partial change; only the fields sent are changed."""

    curp: CurpField | None = None
    given_names: Name | None = None
    first_surname: Name | None = None
    second_surname: Name | None = None
    sex: Sex | None = None
    birth_date: PastDate | None = None
    birth_state: State | None = None
    phone: Phone | None = None
    email: Email | None = None
    address: Address | None = None
    attributes: Attributes | None = None
    sensitive: Sensitive | None = None
    deceased_on: PastDate | None = None


class MembershipBrief(BaseModel):
    """The household a person currently belongs to."""

    household_id: uuid.UUID
    relationship: str
    since: date


class PersonRead(BaseModel):
    """A person as staff and the person themself see them."""

    id: uuid.UUID
    version: int
    curp: str | None
    given_names: str
    first_surname: str
    second_surname: str | None
    sex: str
    birth_date: date
    birth_state: str | None
    phone: str | None = None
    email: str | None = None
    address: Address | None = None
    attributes: dict[str, object]
    sensitive: dict[str, object] | None = None
    deceased_on: date | None = None
    household: MembershipBrief | None = None
    created_at: datetime
    updated_at: datetime


class PersonAllowlisted(BaseModel):
    """A person as an agency sees them: only the fields its allowlist names.

    A field the allowlist does not name is absent from the answer, not null: the serializer
    keeps only the fields that were set (`person.fields.view` sets exactly the allowed ones).
    The OpenAPI shows the fields as declared, every one but `id` optional, as they may be absent.
    """

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    curp: str | None = None
    given_names: str | None = None
    first_surname: str | None = None
    second_surname: str | None = None
    sex: str | None = None
    birth_date: date | None = None
    birth_state: str | None = None
    borough: str | None = None
    postal_code: str | None = None
    deceased_on: date | None = None
    phone: str | None = None
    email: str | None = None
    address: dict[str, str | None] | None = None
    disability: str | None = None
    health_coverage: str | None = None
    schooling_level: str | None = None
    school_sector: str | None = None
    studying: bool | None = None
    employment_status: str | None = None
    monthly_income: str | int | float | None = None  # as stored: demo rows hold numbers
    grade_average: str | int | float | None = None
    arts_training: bool | None = None
    marital_status: str | None = None
    low_development_area: bool | None = None

    @model_serializer(mode="wrap")
    def _only_allowed(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        shown: dict[str, object] = handler(self)
        return {k: v for k, v in shown.items() if k in self.model_fields_set}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """The schema of the declared fields, not of the filtering serializer (an open dict)."""
        return handler(cast(CoreSchema, {k: v for k, v in core_schema.items()
                                         if k != "serialization"}))


PersonShown = PersonRead | PersonAllowlisted
"""A person as one principal may see them: staff and the card holder the whole record, an
agency its allowlist (`person.service.project`)."""


class PersonBrief(BaseModel):
    """Just enough to pick the right person from a list."""

    id: uuid.UUID
    full_name: str
    birth_date: date
    sex: str
    borough: str | None
    has_curp: bool
    match: Literal["exact", "approximate"] = "exact"


class SearchRequest(Strict):
    """Search by CURP, by name (accents, case, abbreviations and one typo tolerated), by birth
    date and by borough, combined."""

    # A few characters too many are a mistyped CURP to explain (its length), not a refusal.
    curp: Annotated[str, StringConstraints(min_length=1, max_length=24)] | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200),
                    AfterValidator(no_control_chars)] | None = None
    birth_date: Day | None = None
    borough: Borough | None = None
    cursor: Annotated[str, StringConstraints(max_length=600)] | None = None
    limit: int = Field(default=20, ge=1, le=100)


class NearTerm(BaseModel):
    """A typed name word that matched one of the person's within one typo, each as written."""

    typed: str
    found: str


class SearchHit(PersonBrief):
    """A search result; an approximate one says which typed words it matched only nearly."""

    near: list[NearTerm] = []


class LookAlike(BaseModel):
    """Two results on the page that may be one person registered twice, and why."""

    first: uuid.UUID
    second: uuid.UUID
    reason: Literal["one_typo", "same_words", "same_birth_and_surnames"]


class SearchPage(BaseModel):
    """One page of search results (exact matches before approximate ones), how many match in
    all, and the cursor to the next page."""

    items: list[SearchHit]
    next_cursor: str | None
    total: int = 0
    exact_total: int = 0
    look_alikes: list[LookAlike] = []


class DuplicateCandidates(BaseModel):
    """Persons who look like the one being entered: those in the clerk's scope shown, those
    registered elsewhere only as opaque references to confirm a different person with."""

    candidates: list[PersonBrief]
    elsewhere: list[uuid.UUID] = []

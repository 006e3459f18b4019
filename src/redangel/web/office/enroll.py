"""Registering a person and their household in one flow: the head first, then each member.

The registry refuses a second record for the same person: when the service finds look-alikes
(same birth date, names one typo apart) the page shows them and asks the clerk whether it is
the same person ("open that record", or add that person to the household) or a different one
(the form is sent again with `confirm_distinct_from`, which the service records).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from redangel.auth.dependencies import limit_subject
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.common.types import BOROUGHS
from redangel.config import Settings
from redangel.crypto.dependencies import KeyringDep
from redangel.crypto.keyring import Keyring
from redangel.db import DbSession
from redangel.errors import AppError, Conflict
from redangel.household import service as households
from redangel.household.schemas import HouseholdCreate, MemberIn
from redangel.person import service as persons
from redangel.person.models import Person
from redangel.person.schemas import PersonCreate
from redangel.web import i18n
from redangel.web.auth import OfficeUser
from redangel.web.office import labels
from redangel.web.office.forms import Form, Problems, problems_of, strip_empty, text, texts
from redangel.web.templating import render

router = APIRouter()

FIELDS = ("given_names", "first_surname", "second_surname", "sex", "birth_date", "curp",
          "birth_state", "phone", "street", "colonia", "postal_code", "borough",
          "employment_status", "monthly_income", "schooling_level", "marital_status",
          "health_coverage", "relationship")
ADDRESS = ("street", "colonia", "postal_code", "borough")


def values_of(form: FormData) -> dict[str, str]:
    """What the clerk typed, to show the form again as it was."""
    return {name: text(form, name, 200) for name in FIELDS}


def payload_of(values: dict[str, str], confirmed: list[str]) -> dict[str, Any]:
    """The `PersonCreate` body for the typed values (blank fields left out)."""
    income = re.sub(r"[\s$,]", "", values["monthly_income"])
    address = {k: values[k] for k in ("borough", "colonia", "postal_code", "street")}
    return strip_empty({
        "curp": re.sub(r"[\s-]", "", values["curp"]).upper(),
        "given_names": values["given_names"], "first_surname": values["first_surname"],
        "second_surname": values["second_surname"], "sex": values["sex"],
        "birth_date": values["birth_date"], "birth_state": values["birth_state"],
        "phone": re.sub(r"[\s()-]", "", values["phone"]),
        "address": address if any(address.values()) else None,
        "attributes": {"employment_status": values["employment_status"], "monthly_income": income,
                       "schooling_level": values["schooling_level"],
                       "marital_status": values["marital_status"]},
        "sensitive": {"health_coverage": values["health_coverage"]},
        "confirm_distinct_from": confirmed,
    })


def register(request: Request, session: DbSession, *, keyring: Keyring, principal: Principal,
             form: FormData, lang: i18n.Lang) -> tuple[Person | None, dict[str, Any]]:
    """Create the person typed in the form, or say why not (problems, look-alikes, CURP holder;
    someone registered at another office only as such)."""
    settings: Settings = request.app.state.settings  # the duplicate check is a city-wide search
    limit_subject(request, "search", principal.key, settings.rate_limit_search_per_minute)
    values = values_of(form)
    confirmed = texts(form, "candidate") if text(form, "distinct") == "1" else []
    refused: dict[str, Any] = {"values": values, "problems": Problems(), "candidates": [],
                               "existing": None, "elsewhere": [], "status": 422}
    try:
        data = PersonCreate.model_validate(payload_of(values, confirmed))
        return persons.create(session, keyring=keyring, principal=principal, data=data), refused
    except Conflict as conflict:
        refused["problems"] = problems_of(conflict, lang)
        refused["candidates"] = conflict.extra.get("candidates", [])
        refused["existing"] = conflict.extra.get("existing")
        refused["elsewhere"] = conflict.extra.get("elsewhere", [])
        refused["status"] = conflict.status
    except (AppError, ValidationError) as error:
        refused["problems"] = problems_of(error, lang)
    return None, refused


def form_context(principal: Principal, values: dict[str, str] | None = None) -> dict[str, Any]:
    """The choices every person form offers."""
    return {
        "values": values or {name: "" for name in FIELDS} | {"borough": principal.office_borough or ""},
        "boroughs": list(BOROUGHS.items()), "borough_names": BOROUGHS, "labels": labels,
        "states": [*labels.STATE_NAMES.items(), ("NE", labels.BORN_ABROAD)],
        "problems": Problems(), "candidates": [], "existing": None, "elsewhere": [],
    }


@router.get("/persons/new")
def new_person(request: Request, principal: OfficeUser) -> Response:
    """The form for the first person of a household (or a person on their own)."""
    return render(request, "office/enroll.html", {"nav": "enroll", "household": True,
                                                  **form_context(principal)})


@router.post("/persons/new")
def create_person(request: Request, session: DbSession, principal: OfficeUser,
                  keyring: KeyringDep, form: Form) -> Response:
    """Register the person; start their household as its head unless the clerk unticked it."""
    lang = i18n.page_lang(request)
    person, refused = register(request, session, keyring=keyring, principal=principal,
                               form=form, lang=lang)
    start_household = text(form, "household") == "1"
    if person is None:
        return render(request, "office/enroll.html", {
            "nav": "enroll", "household": start_household,
            **form_context(principal, refused["values"]), **refused},
            status_code=refused["status"])
    if not start_household:
        return RedirectResponse(f"/office/persons/{person.id}?suggest=registration", status_code=303)
    household = households.create(session, principal=principal, data=HouseholdCreate(
        borough=person.borough, members=[MemberIn(person_id=person.id, relationship="head",
                                                  since=city_today())]))
    return RedirectResponse(f"/office/households/{household.id}?added={person.id}", status_code=303)


def _household_page(request: Request, session: DbSession, *, keyring: Keyring, principal: Principal,
                    household_id: uuid.UUID, added: str = "", form: dict[str, Any] | None = None,
                    status: int = 200) -> Response:
    household = households.get(session, principal=principal, household_id=household_id)
    read = households.read(session, principal=principal, household=household,
                           purpose="registration")
    current = [m for m in read.members if m.until is None]
    head = next((m for m in current if m.relationship == "head"), None)
    defaults = {name: "" for name in FIELDS}
    if head is not None and form is None:  # the member usually lives at the head's address
        head_row = persons.get(session, principal=principal, person_id=head.person_id,
                               purpose="registration")
        head_data = persons.to_read(session, keyring=keyring, person=head_row, principal=principal)
        if head_data.address:
            defaults.update({k: v or "" for k, v in head_data.address.model_dump().items()
                             if k in ADDRESS})
        defaults["phone"] = head_data.phone or ""
    context = form_context(principal, defaults)
    if form is not None:
        context.update(form)
    just_added = next((m for m in current if str(m.person_id) == added), None)
    return render(request, "office/household.html", {
        "nav": "enroll", "household": read, "members": current, "head": head,
        "just_added": just_added,
        "relationships": [(k, v) for k, v in labels.RELATIONSHIPS.items() if k != "head"],
        **context}, status_code=status)


@router.get("/households/{household_id}")
def household(request: Request, household_id: uuid.UUID, session: DbSession, principal: OfficeUser,
              keyring: KeyringDep, added: str = "") -> Response:
    """The household being registered: its members, and the form for the next one."""
    return _household_page(request, session, keyring=keyring, principal=principal,
                           household_id=household_id, added=added[:40])


@router.post("/households/{household_id}/members")
def add_member(request: Request, household_id: uuid.UUID, session: DbSession,
               principal: OfficeUser, keyring: KeyringDep, form: Form) -> Response:
    """Register a new member (or take an existing person) and add them with their relationship."""
    lang = i18n.page_lang(request)
    relationship = text(form, "relationship", 32)
    existing = text(form, "existing_person_id", 40)

    def page(status: int, form: dict[str, Any]) -> Response:
        return _household_page(request, session, keyring=keyring, principal=principal,
                               household_id=household_id, status=status, form=form)

    if relationship not in labels.RELATIONSHIPS or relationship == "head":
        values = values_of(form)
        return page(422, {"values": values, "problems": Problems(
            fields={"relationship": i18n.translate(lang, "Choose how this person is related to "
                                                         "the head of the household.")})})
    household = households.get(session, principal=principal, household_id=household_id,
                               for_update=True)
    refused: dict[str, Any] = {}
    if existing:
        try:
            person_id = uuid.UUID(existing)
        except ValueError:
            person_id = uuid.UUID(int=0)
    else:
        person, refused = register(request, session, keyring=keyring, principal=principal,
                                   form=form, lang=lang)
        if person is None:
            return page(refused["status"], refused)
        person_id = person.id
    try:
        households.add_member(session, principal=principal, household=household, member=MemberIn(
            person_id=person_id, relationship=relationship, since=city_today()))
    except AppError as error:
        if not existing:
            raise  # the new person is rolled back with the request: nothing is left half done
        return page(error.status, {"values": values_of(form), "problems": problems_of(error, lang)})
    return RedirectResponse(f"/office/households/{household_id}?added={person_id}", status_code=303)

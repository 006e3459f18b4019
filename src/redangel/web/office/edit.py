"""Correcting and completing a person's data from the 360: three forms, each change with a reason.

Personal data, address and phone, and the facts programs decide on are each saved on their own
through the person service (history and audit in the request's transaction). Every form carries
the version it was read at and the values it showed: when someone else saved the record in
between, nothing is written and the clerk is told what changed (field, before → after), with
what they typed still in the form. The same form sent twice (a double click) applies once: the
second finds its change already made and answers as the first did.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from redangel.auth.principal import Principal
from redangel.common.names import full_name
from redangel.common.types import BOROUGHS
from redangel.crypto.dependencies import KeyringDep
from redangel.crypto.keyring import Keyring
from redangel.db import DbSession
from redangel.errors import AppError
from redangel.person import service as persons
from redangel.person.schemas import PersonRead, PersonUpdate
from redangel.web import i18n
from redangel.web.auth import OfficeUser
from redangel.web.i18n import _
from redangel.web.office import labels
from redangel.web.office.forms import Form, Problems, problems_of, text
from redangel.web.templating import long_date, render

router = APIRouter()

SECTIONS: dict[str, tuple[str, ...]] = {
    "personal": ("given_names", "first_surname", "second_surname", "sex", "birth_date",
                 "birth_state", "curp"),
    "contact": ("street", "colonia", "postal_code", "borough", "phone", "email"),
    "facts": ("resident_since", "health_coverage", "disability", "employment_status",
              "monthly_income", "schooling_level", "school_sector", "studying",
              "marital_status", "pregnant"),
}
FIELDS = tuple(name for names in SECTIONS.values() for name in names)
REQUIRED = ("given_names", "first_surname", "sex", "birth_date")
ADDRESS = ("street", "colonia", "postal_code", "borough")
SENSITIVE = ("health_coverage", "disability")
YES_NO: dict[str, str] = {"yes": _("Yes"), "no": _("No")}
DISABILITY: dict[str, str] = {"none": _("No disability"), "temporary": _("Temporary"),
                              "permanent": _("Permanent")}
SECTORS: dict[str, str] = {"public": _("Public school"), "private": _("Private school")}
REASONS: dict[str, str] = {
    "citizen_reported": _("The citizen reported a change"),
    "document_shown": _("Corrected from a document the citizen showed"),
    "typing_error": _("A typing error when it was registered"),
    "moved": _("The person moved house"),
    "other": _("Another reason"),
}
assert set(REASONS) == set(persons.CHANGE_REASONS)
LABELS: dict[str, str] = {
    "given_names": _("Given names"), "first_surname": _("First surname"),
    "second_surname": _("Second surname"), "sex": _("Sex"), "birth_date": _("Birth date"),
    "birth_state": _("State of birth"), "curp": "CURP", "street": _("Street and number"),
    "colonia": _("Neighbourhood (colonia)"), "postal_code": _("Postal code"),
    "borough": _("Borough"), "phone": _("Phone"), "email": _("Email"),
    "resident_since": _("Lives in the city since"), "health_coverage": _("Health coverage"),
    "disability": _("Disability"), "employment_status": _("Work"),
    "monthly_income": _("Monthly income (pesos)"), "schooling_level": _("Schooling"),
    "school_sector": _("School"), "studying": _("Studying now"),
    "marital_status": _("Marital status"), "pregnant": _("Pregnant"),
}
CHOICES: dict[str, dict[str, str]] = {
    "sex": labels.SEXES, "birth_state": {**labels.STATE_NAMES, "NE": labels.BORN_ABROAD},
    "borough": BOROUGHS, "health_coverage": labels.HEALTH, "disability": DISABILITY,
    "employment_status": labels.EMPLOYMENT, "schooling_level": labels.SCHOOLING,
    "school_sector": SECTORS, "studying": YES_NO, "marital_status": labels.MARITAL,
    "pregnant": YES_NO,
}


def _word(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def values_of_record(person: PersonRead) -> dict[str, str]:
    """The record's fields as the forms show them (text; yes/no for facts that are true or false)."""
    address = person.address.model_dump() if person.address else {}
    facts = {**person.attributes, **(person.sensitive or {})}
    out = {name: _word(getattr(person, name, None)) for name in SECTIONS["personal"]}
    out |= {name: _word(address.get(name)) for name in ADDRESS}
    out |= {"phone": _word(person.phone), "email": _word(person.email)}
    out |= {name: _word(facts.get(name)) for name in SECTIONS["facts"]}
    return out


def same(name: str, first: str, second: str) -> bool:
    """Whether two typed values of a field say the same thing (case of a CURP, an amount's zeros)."""
    if name == "monthly_income":
        try:
            return Decimal(_money(first) or "-1") == Decimal(_money(second) or "-1")
        except InvalidOperation:
            return first == second
    if name in ("curp", "phone"):
        return re.sub(r"[\s()-]", "", first).upper() == re.sub(r"[\s()-]", "", second).upper()
    return first.strip() == second.strip()


def _money(value: str) -> str:
    return re.sub(r"[\s$,]", "", value)


def shown(name: str, value: str, lang: i18n.Lang) -> str:
    """A field's value in words, as the page shows it ('—' when empty)."""
    if not value:
        return "—"
    if name in CHOICES:
        return i18n.translate(lang, CHOICES[name].get(value, value))
    if name in ("birth_date", "resident_since"):
        try:
            return long_date(value, lang)
        except ValueError:
            return value
    return value


def changes_between(before: dict[str, str], after: dict[str, str],
                    lang: i18n.Lang) -> list[tuple[str, str, str]]:
    """(field, before, after) in words for every field that differs."""
    return [(i18n.translate(lang, LABELS[name]), shown(name, before.get(name, ""), lang),
             shown(name, after.get(name, ""), lang))
            for name in FIELDS if not same(name, before.get(name, ""), after.get(name, ""))]


def _optional(value: str) -> str | None:
    return value or None


def _flag(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def payload_of(section: str, typed: dict[str, str], current: dict[str, str]) -> dict[str, Any]:
    """The `PersonUpdate` body for the fields of a section the clerk changed."""
    changed = [n for n in SECTIONS[section] if not same(n, typed[n], current[n])]
    if section == "personal":
        body: dict[str, Any] = {n: _optional(typed[n]) for n in changed}
        if body.get("curp"):
            body["curp"] = re.sub(r"[\s-]", "", body["curp"]).upper()
        return body
    if section == "contact":
        body = {}
        if "phone" in changed:
            body["phone"] = _optional(re.sub(r"[\s()-]", "", typed["phone"]))
        if "email" in changed:
            body["email"] = _optional(typed["email"])
        if set(changed) & set(ADDRESS):
            address = {n: _optional(typed[n]) for n in ADDRESS}
            body["address"] = address if any(address.values()) else None
        return body
    attributes: dict[str, Any] = {}
    sensitive: dict[str, Any] = {}
    for name in changed:
        value: Any = typed[name]
        if name in ("studying", "pregnant"):
            value = _flag(value)
        elif name == "monthly_income":
            value = _money(value) or None
        else:
            value = _optional(value)
        (sensitive if name in SENSITIVE else attributes)[name] = value
    return {**({"attributes": attributes} if attributes else {}),
            **({"sensitive": sensitive} if sensitive else {})}


def typed_of(form: FormData, section: str, current: dict[str, str]) -> dict[str, str]:
    """What the clerk typed in a section; the other sections keep the record's values."""
    return {name: text(form, name, 200) if name in SECTIONS[section] else current[name]
            for name in FIELDS}


def _page(request: Request, *, person_id: uuid.UUID, person: PersonRead,
          values: dict[str, str] | None = None, section: str = "", saved: str = "",
          problems: Problems | None = None, changed: list[tuple[str, str, str]] | None = None,
          reason: str = "", status: int = 200) -> Response:
    record = values_of_record(person)
    return render(request, "office/person_edit.html", {
        "person_id": person_id, "version": person.version, "was": record,
        "values": values or record, "section": section, "saved": saved, "reason_typed": reason,
        "problems": problems or Problems(), "changed": changed or [],
        "name": full_name(person.given_names, person.first_surname, person.second_surname),
        "labels": labels, "boroughs": list(BOROUGHS.items()),
        "states": [*labels.STATE_NAMES.items(), ("NE", labels.BORN_ABROAD)],
        "choices": CHOICES, "reasons": REASONS.items(), "fields": FIELDS,
    }, status_code=status)


def _read(session: DbSession, keyring: Keyring, principal: Principal,
          person_id: uuid.UUID) -> PersonRead:
    """The record as the form shows it: a read for correcting data (scoped, audited)."""
    _, read = persons.read(session, keyring=keyring, principal=principal,
                           person_id=person_id, purpose="registration")
    assert isinstance(read, PersonRead)  # clerks and supervisors see the whole record
    return read


@router.get("/persons/{person_id}/edit")
def edit_page(request: Request, person_id: uuid.UUID, session: DbSession, principal: OfficeUser,
              keyring: KeyringDep, saved: str = "") -> Response:
    """The person's data in three forms, each saved with a reason."""
    person = _read(session, keyring, principal, person_id)
    return _page(request, person_id=person_id, person=person,
                 saved=saved if saved in SECTIONS else "")


@router.post("/persons/{person_id}/edit/{section}")
def save(request: Request, person_id: uuid.UUID, section: str, session: DbSession,
         principal: OfficeUser, keyring: KeyringDep, form: Form) -> Response:
    """Save one section: refused beside the field, stale told with what changed, or applied once."""
    lang = i18n.page_lang(request)
    if section not in SECTIONS:
        section = "personal"
    row = persons.for_update(session, principal=principal, person_id=person_id)
    person = _read(session, keyring, principal, person_id)
    current = values_of_record(person)
    typed = typed_of(form, section, current)
    sent_version = text(form, "version", 12)
    done = RedirectResponse(f"/office/persons/{person_id}/edit?saved={section}", status_code=303)

    def again(problems: Problems, status: int,
              changed: list[tuple[str, str, str]] | None = None) -> Response:
        return _page(request, person_id=person_id, person=person, values=typed,
                     section=section, problems=problems, changed=changed,
                     reason=text(form, "reason", 32), status=status)

    if sent_version != str(row.version):
        was = {name: text(form, f"was_{name}", 200) for name in FIELDS}
        mine = [n for n in SECTIONS[section] if not same(n, typed[n], was[n])]
        if mine and all(same(n, typed[n], current[n]) for n in mine):
            return done  # this very change is already saved (the form was sent twice)
        # Keep what the clerk changed; every field they did not touch shows the record as it is
        # now, so saving again cannot undo the other person's change by accident.
        typed = {n: typed[n] if n in mine else current[n] for n in FIELDS}
        return again(Problems(i18n.translate(
            lang, "Someone else changed this record while you had it open. Nothing was saved. "
                  "Check what changed below, then save again.")), 409,
            changes_between(was, current, lang))
    problems = Problems()
    for name in REQUIRED:
        if name in SECTIONS[section] and not typed[name]:
            problems.fields[name] = i18n.translate(
                lang, "This cannot be left blank: type it as it appears on the citizen's document.")
    reason = text(form, "reason", 32)
    if reason not in REASONS:
        problems.fields["reason"] = i18n.translate(
            lang, "Choose why the data is changed; it is kept in the record's history.")
    if problems.fields:
        return again(problems, 422)
    body = payload_of(section, typed, current)
    if not body:
        return again(Problems(i18n.translate(
            lang, "Nothing was changed: correct a field first, then save.")), 422)
    try:
        persons.update(session, keyring=keyring, principal=principal, person=row,
                       data=PersonUpdate.model_validate(body), reason=reason)
    except (AppError, ValidationError) as error:  # refused before anything was changed
        return again(problems_of(error, lang), getattr(error, "status", 422))
    return done

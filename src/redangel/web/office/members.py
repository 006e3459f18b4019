"""Household changes from the 360: a member leaves, joins another household, or becomes head.

Each change has its date and goes through the household service, which keeps every past
membership and refuses a person outside the clerk's scope. The forms carry the household's
version: when someone changed the household in between, nothing is written and the clerk sees
the members as they are now, with what they typed kept; the same form sent twice applies once.
"""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from redangel.auth.dependencies import limit_subject
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.common.names import full_name
from redangel.crypto.dependencies import KeyringDep
from redangel.crypto.keyring import Keyring
from redangel.db import DbSession
from redangel.errors import AppError, FieldError, InvalidInput, NotFound
from redangel.household import service as households
from redangel.household.schemas import HouseholdRead, MemberIn, MembershipEnd
from redangel.person import search as person_search
from redangel.person import service as persons
from redangel.person.schemas import PersonRead, SearchRequest
from redangel.web import i18n
from redangel.web.auth import OfficeUser
from redangel.web.i18n import _
from redangel.web.office import labels
from redangel.web.office.forms import Form, Problems, problems_of, text
from redangel.web.templating import render

router = APIRouter()

ACTIONS = ("leave", "join", "head")
LEAVE_REASONS: dict[str, str] = {
    "moved_out": _("Moved out"), "death": _("Died"),
    "correction": _("It was a registration mistake"), "other": _("Another reason"),
}
DONE: dict[str, str] = {
    "leave": _("Saved: the person left the household on the date given."),
    "join": _("Saved: the person now belongs to the other household."),
    "head": _("Saved: the person is now the head of the household."),
}
MEMBER_RELATIONSHIPS = [(k, v) for k, v in labels.RELATIONSHIPS.items() if k != "head"]


def _person(session: DbSession, keyring: Keyring, principal: Principal,
            person_id: uuid.UUID) -> PersonRead:
    _, read = persons.read(session, keyring=keyring, principal=principal, person_id=person_id,
                           purpose="registration")
    assert isinstance(read, PersonRead)  # clerks and supervisors see the whole record
    return read


def _household(session: DbSession, principal: Principal,
               person: PersonRead) -> HouseholdRead | None:
    if person.household is None:
        return None
    household = households.get(session, principal=principal,
                               household_id=person.household.household_id)
    return households.read(session, principal=principal, household=household,
                           purpose="registration")


def _page(request: Request, *, person: PersonRead, household: HouseholdRead | None,
          action: str = "", values: dict[str, str] | None = None,
          problems: Problems | None = None, done: str = "", status: int = 200) -> Response:
    today = city_today().isoformat()
    current = [m for m in household.members if m.until is None] if household else []
    return render(request, "office/household_changes.html", {
        "person": person, "name": full_name(person.given_names, person.first_surname,
                                            person.second_surname),
        "household": household, "members": current,
        "is_head": person.household is not None and person.household.relationship == "head",
        "action": action, "problems": problems or Problems(), "done": DONE.get(done, ""),
        "values": {"until": today, "since": today, "on": today, "reason": "", "curp": "",
                   "relationship": "", "former_head": "", **(values or {})},
        "leave_reasons": LEAVE_REASONS.items(), "relationships": MEMBER_RELATIONSHIPS,
        "labels": labels,
    }, status_code=status)


@router.get("/persons/{person_id}/household")
def changes_page(request: Request, person_id: uuid.UUID, session: DbSession,
                 principal: OfficeUser, keyring: KeyringDep, done: str = "") -> Response:
    """The person's household now, and the three changes a clerk can record."""
    person = _person(session, keyring, principal, person_id)
    return _page(request, person=person, household=_household(session, principal, person),
                 done=done[:8])


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(fields=[FieldError(field, "field_date")]) from None


def _already_done(action: str, person: PersonRead, shown_in: str,
                  target: uuid.UUID | None) -> bool:
    """Whether the change this form asks for already holds (the form was sent twice)."""
    now = person.household
    if action == "leave":
        return now is None or str(now.household_id) != shown_in
    if action == "join":
        return now is not None and target is not None and now.household_id == target
    return now is not None and str(now.household_id) == shown_in and now.relationship == "head"


def _target(request: Request, session: DbSession, keyring: Keyring, principal: Principal,
            curp: str) -> uuid.UUID:
    """The household of the person with this CURP (a search, limited and audited like one)."""
    settings = request.app.state.settings
    limit_subject(request, "search", principal.key, settings.rate_limit_search_per_minute)
    try:
        query = SearchRequest(curp=curp.replace(" ", "").upper(), limit=1)
    except ValidationError:
        raise InvalidInput(fields=[FieldError("curp", "curp_format")]) from None
    found = person_search.search(session, keyring=keyring, principal=principal, query=query)
    if not found.items:
        raise NotFound(fields=[FieldError("curp", "member_not_found")])
    other = _person(session, keyring, principal, found.items[0].id)
    if other.household is None:
        raise InvalidInput(fields=[FieldError("curp", "member_not_found")])
    return other.household.household_id


def _apply(request: Request, session: DbSession, keyring: Keyring, principal: Principal, *,
           action: str, person: PersonRead, values: dict[str, str]) -> None:
    """Record one change through the household service (raises the service's refusals)."""
    if action == "join":
        target_id = _target(request, session, keyring, principal, values["curp"])
        if values["relationship"] not in dict(MEMBER_RELATIONSHIPS):
            raise InvalidInput(fields=[FieldError("relationship", "relationship_choice")])
        since = _day(values["since"], "since")
        # Both households are locked in one order (by id), so that two moves in opposite
        # directions cannot wait on each other.
        ids = sorted({target_id, *([person.household.household_id] if person.household else [])})
        locked = {i: households.get(session, principal=principal, household_id=i,
                                    for_update=True) for i in ids}
        target = locked[target_id]
        if person.household is None:
            households.add_member(session, principal=principal, household=target, member=MemberIn(
                person_id=person.id, relationship=values["relationship"], since=since))
            return
    assert person.household is not None
    household = households.get(session, principal=principal,
                               household_id=person.household.household_id, for_update=True)
    membership = _membership_id(session, principal, household.id, person.id)
    if action == "leave":
        if values["reason"] not in LEAVE_REASONS:
            raise InvalidInput(fields=[FieldError("reason", "leave_reason")])
        households.end_member(session, principal=principal, household=household,
                              membership_id=membership, data=MembershipEnd.model_validate(
                                  {"until": _day(values["until"], "until"),
                                   "reason": values["reason"]}))
    elif action == "join":
        households.move_member(session, principal=principal, household=household,
                               membership_id=membership, to=target, on=since,
                               relationship=values["relationship"])
    else:
        households.make_head(session, principal=principal, household=household,
                             person_id=person.id, on=_day(values["on"], "on"),
                             former_head_becomes=values["former_head"] or "other_relative")


def _membership_id(session: DbSession, principal: Principal, household_id: uuid.UUID,
                   person_id: uuid.UUID) -> int:
    household = households.get(session, principal=principal, household_id=household_id)
    read = households.read(session, principal=principal, household=household,
                           purpose="registration")
    for member in read.members:
        if member.person_id == person_id and member.until is None:
            return member.membership_id
    raise NotFound()


@router.post("/persons/{person_id}/household/{action}")
def change(request: Request, person_id: uuid.UUID, action: str, session: DbSession,
           principal: OfficeUser, keyring: KeyringDep, form: Form) -> Response:
    """Record a leave, a move to another household, or a new head; refused in words beside the
    field, stale told, a second identical sending answered as the first."""
    lang = i18n.page_lang(request)
    action = action if action in ACTIONS else "leave"
    person = _person(session, keyring, principal, person_id)
    values = {name: text(form, name, 40) for name in (
        "until", "since", "on", "reason", "curp", "relationship", "former_head")}
    household = _household(session, principal, person)
    done = RedirectResponse(f"/office/persons/{person_id}/household?done={action}",
                            status_code=303)
    shown_in = text(form, "household", 40)
    now_in = str(household.id) if household else ""
    if shown_in != now_in or (household and text(form, "version", 12) != str(household.version)):
        target = None
        if action == "join" and values["curp"]:
            try:
                target = _target(request, session, keyring, principal, values["curp"])
            except AppError:
                target = None
        if _already_done(action, person, shown_in, target):
            return done
        return _page(request, person=person, household=household, action=action, values=values,
                     problems=Problems(i18n.translate(
                         lang, "Someone else changed this household while you had the page open. "
                               "Nothing was saved. Check the members as they are now, then send "
                               "again.")), status=409)
    try:
        _apply(request, session, keyring, principal, action=action, person=person,
               values=values)
    except AppError as error:
        return _page(request, person=person, household=household, action=action, values=values,
                     problems=problems_of(error, lang), status=error.status)
    return done

"""Households: forming them, joining and leaving, keeping every past membership."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.errors import Conflict, FieldError, InvalidInput, NotFound
from redangel.history import service as history
from redangel.household import repository
from redangel.household.models import RELATIONSHIPS, Household
from redangel.household.schemas import (
    HouseholdCreate,
    HouseholdRead,
    MemberIn,
    MemberOut,
    MembershipEnd,
)
from redangel.person.models import Membership
from redangel.person.policy import person_condition


def _check_people(session: Session, principal: Principal, members: list[MemberIn]) -> None:
    ids = [m.person_id for m in members]
    if len(set(ids)) != len(ids):
        raise InvalidInput(fields=[FieldError("members", "field_invalid", {"detail": "repeated person"})])
    seen = repository.visible_person_ids(session, ids, person_condition(principal))
    for index, member in enumerate(members):
        if member.person_id not in seen:
            raise NotFound(fields=[FieldError(f"members.{index}.person_id", "not_found")])
    if sum(1 for m in members if m.relationship == "head") > 1:
        raise InvalidInput(fields=[FieldError("members", "field_invalid", {"detail": "two heads"})])
    busy = repository.open_memberships(session, ids)
    if busy:
        raise Conflict("membership_open", extra={"person_ids": sorted(str(m.person_id) for m in busy)})


def _add(session: Session, household: Household, member: MemberIn) -> None:
    try:
        with session.begin_nested():
            session.add(Membership(household_id=household.id, person_id=member.person_id,
                                   relationship=member.relationship, since=member.since))
    except IntegrityError as exc:
        raise Conflict("membership_open", extra={"person_ids": [str(member.person_id)]}) from exc


def create(session: Session, *, principal: Principal, data: HouseholdCreate) -> Household:
    """Form a household from persons who belong to no other household now."""
    _check_people(session, principal, data.members)
    household = Household(id=uuid.uuid4(), version=1, borough=data.borough,
                          registered_office_id=principal.office_id)
    session.add(household)
    session.flush()
    for member in data.members:
        _add(session, household, member)
        audit.record(session, principal=principal, action="household.join",
                     person_id=member.person_id, purpose="registration")
    history.record(session, principal=principal, entity="household", entity_id=household.id,
                   action="create", changes={"members": [str(m.person_id) for m in data.members]})
    return household


def get(session: Session, *, principal: Principal, household_id: uuid.UUID,
        for_update: bool = False) -> Household:
    """A household the principal may see (404 otherwise)."""
    household = repository.visible(session, household_id, person_condition(principal),
                                   for_update=for_update)
    if household is None:
        raise NotFound()
    return household


def of_member_for_update(session: Session, *, principal: Principal,
                         person_id: uuid.UUID) -> tuple[Household, str] | None:
    """The household a person in the principal's scope belongs to now, locked, with their
    relationship in it; None when they belong to none. The caller has found the person through
    the principal's condition: a household with them as a member is one the principal may see."""
    return repository.of_member_for_update(session, person_id)


def add_member(session: Session, *, principal: Principal, household: Household, member: MemberIn,
               registered_now: bool = False) -> None:
    """A person joins a household. `registered_now`: the person was registered by the same
    principal in this same transaction (a newborn), so they are in scope and nobody can hold a
    membership of theirs yet: neither is looked for."""
    if registered_now:
        session.add(Membership(household_id=household.id, person_id=member.person_id,
                               relationship=member.relationship, since=member.since))
    else:
        _check_people(session, principal, [member])
        _add(session, household, member)
    household.version += 1
    session.flush()
    history.record(session, principal=principal, entity="household", entity_id=household.id,
                   action="member_added", changes={"person_id": str(member.person_id),
                                                   "relationship": member.relationship})
    audit.record(session, principal=principal, action="household.join",
                 person_id=member.person_id, purpose="registration")


def end_member(session: Session, *, principal: Principal, household: Household,
               membership_id: int, data: MembershipEnd) -> None:
    """A person leaves a household; the membership is kept with its end date and reason."""
    membership = repository.membership(session, household.id, membership_id)
    # Ending a membership touches its member: outside the principal's scope it is not found.
    if membership is None or not repository.visible_person_ids(
            session, [membership.person_id], person_condition(principal)):
        raise NotFound()
    if membership.until is not None:
        raise Conflict("membership_ended")
    if data.until < membership.since:
        raise InvalidInput(fields=[FieldError("until", "membership_dates")])
    membership.until = data.until
    membership.end_reason = data.reason
    household.version += 1
    session.flush()
    history.record(session, principal=principal, entity="household", entity_id=household.id,
                   action="member_ended", changes={"person_id": str(membership.person_id),
                                                   "reason": data.reason})
    audit.record(session, principal=principal, action="household.leave",
                 person_id=membership.person_id, purpose="registration")


def move_member(session: Session, *, principal: Principal, household: Household,
                membership_id: int, to: Household, relationship: str, on: date) -> None:
    """A person leaves one household and joins another on the same day (both households locked
    by the caller; the member must be in the principal's scope)."""
    if to.id == household.id:
        raise InvalidInput(fields=[FieldError("household", "same_household")])
    if relationship == "head":
        raise InvalidInput(fields=[FieldError("relationship", "head_by_move")])
    end_member(session, principal=principal, household=household, membership_id=membership_id,
               data=MembershipEnd(until=on, reason="moved_to_other_household"))
    membership = repository.membership(session, household.id, membership_id)
    assert membership is not None
    add_member(session, principal=principal, household=to, member=MemberIn(
        person_id=membership.person_id, relationship=relationship, since=on))


def make_head(session: Session, *, principal: Principal, household: Household,
              person_id: uuid.UUID, on: date, former_head_becomes: str) -> None:
    """A member becomes the head of the household from `on`; the former head stays with the
    relationship given. Both memberships are closed that day and reopened with the new roles,
    so the history keeps who was head when. Each person touched must be in scope."""
    current = {m.person_id: m for m in repository.open_members(session, household.id)}
    member = current.get(person_id)
    head = next((m for m in current.values() if m.relationship == "head"), None)
    if member is None:
        raise NotFound(fields=[FieldError("person_id", "not_found")])
    if head is not None and head.person_id == person_id:
        raise Conflict("already_head")
    if former_head_becomes == "head" or (head is not None and former_head_becomes not in RELATIONSHIPS):
        raise InvalidInput(fields=[FieldError("former_head", "field_choice",
                                              {"choices": ", ".join(RELATIONSHIPS[1:])})])
    touched = [m for m in (member, head) if m is not None]
    seen = repository.visible_person_ids(session, [m.person_id for m in touched],
                                         person_condition(principal))
    if any(m.person_id not in seen for m in touched):
        raise NotFound()
    if any(on < m.since for m in touched):
        raise InvalidInput(fields=[FieldError("since", "membership_dates")])
    for m in touched:
        m.until, m.end_reason = on, "relationship_change"
    session.flush()
    _add(session, household, MemberIn(person_id=person_id, relationship="head", since=on))
    if head is not None:
        _add(session, household, MemberIn(person_id=head.person_id,
                                          relationship=former_head_becomes, since=on))
    household.version += 1
    session.flush()
    history.record(session, principal=principal, entity="household", entity_id=household.id,
                   action="head_changed", changes={"head": str(person_id), "former_head": (
                       str(head.person_id) if head is not None else None)})
    for m in touched:
        audit.record(session, principal=principal, action="household.relationship",
                     person_id=m.person_id, purpose="registration")


def read(session: Session, *, principal: Principal, household: Household,
         purpose: str) -> HouseholdRead:
    """A household's memberships of persons in the principal's scope (each shown person audited
    with the purpose); the others are only counted, as registered elsewhere."""
    rows = repository.members(session, household.id, person_condition(principal))
    shown = [row for row in rows if row.shown]
    audit.record_shown(session, principal=principal, action="household.read",
                       person_ids=(row[0].person_id for row in shown), purpose=purpose,
                       detail={"household": str(household.id)})
    return HouseholdRead(
        id=household.id, version=household.version, borough=household.borough,
        members=[
            MemberOut(
                membership_id=m.id, person_id=m.person_id,
                full_name=" ".join(x for x in (given, first, second) if x),
                birth_date=born, relationship=m.relationship, since=m.since, until=m.until,
                end_reason=m.end_reason,
            )
            for m, given, first, second, born, _ in (tuple(row) for row in shown)
        ],
        members_elsewhere=len({row[0].person_id for row in rows if not row.shown}
                              - {row[0].person_id for row in shown}),
    )

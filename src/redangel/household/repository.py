"""All SQL about households and memberships."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, exists, null, select, update
from sqlalchemy.orm import Session

from redangel.household.models import Household
from redangel.person.models import Membership, Person


@lru_cache(maxsize=16)
def _visible(person_visible: ColumnElement[bool], for_update: bool) -> Select[Household]:
    """`visible`'s statement for one condition object, built once."""
    stmt = select(Household).where(
        Household.id == bindparam("household_id"),
        exists().where(
            Membership.household_id == Household.id, Membership.person_id == Person.id,
            person_visible,
        ),
    )
    return stmt.with_for_update() if for_update else stmt


def visible(session: Session, household_id: uuid.UUID, person_visible: ColumnElement[bool],
            *, for_update: bool = False) -> Household | None:
    """A household with at least one member (ever) the principal may see."""
    return session.scalar(_visible(person_visible, for_update), {"household_id": household_id})


_OF_MEMBER = (select(Household, Membership.relationship)
              .join(Membership, Membership.household_id == Household.id)
              .where(Membership.person_id == bindparam("person_id"), Membership.until.is_(None))
              .limit(1).with_for_update(of=Household))


def of_member_for_update(session: Session, person_id: uuid.UUID) -> tuple[Household, str] | None:
    """The household a person belongs to now, locked, with their relationship in it (one
    statement), or None when they belong to none."""
    row = session.execute(_OF_MEMBER, {"person_id": person_id}).first()
    return (row[0], row[1]) if row is not None else None


def members(session: Session, household_id: uuid.UUID,
            person_visible: ColumnElement[bool]) -> Sequence[Any]:
    """Every membership of a household, in one query; `shown` says whether the principal may
    see the member, and the member's name and birth date are read only when it may."""
    return session.execute(
        select(Membership, *shown_person_columns(person_visible))
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.household_id == household_id)
        .order_by(Membership.since, Membership.id)
    ).all()


def shown_person_columns(person_visible: ColumnElement[bool]) -> list[Any]:
    """A member's name and birth date, NULL outside the principal's scope, and `shown`."""
    def only_shown(column: Any) -> Any:
        return case((person_visible, column), else_=null()).label(column.key)

    return [only_shown(Person.given_names), only_shown(Person.first_surname),
            only_shown(Person.second_surname), only_shown(Person.birth_date),
            case((person_visible, 1), else_=0).label("shown")]


def open_memberships(session: Session, person_ids: list[uuid.UUID]) -> Sequence[Membership]:
    """Open memberships of any of these persons."""
    return session.scalars(
        select(Membership).where(Membership.person_id.in_(person_ids), Membership.until.is_(None))
    ).all()


def visible_person_ids(session: Session, ids: list[uuid.UUID],
                       person_visible: ColumnElement[bool]) -> set[uuid.UUID]:
    """Which of these persons the principal may see."""
    return set(session.scalars(select(Person.id).where(Person.id.in_(ids), person_visible)).all())


def membership(session: Session, household_id: uuid.UUID, membership_id: int) -> Membership | None:
    """One membership of a household."""
    return session.scalar(
        select(Membership).where(
            Membership.id == membership_id, Membership.household_id == household_id
        )
    )


def open_members(session: Session, household_id: uuid.UUID) -> Sequence[Membership]:
    """The open memberships of one household."""
    return session.scalars(
        select(Membership).where(Membership.household_id == household_id,
                                 Membership.until.is_(None)).order_by(Membership.id)
    ).all()


_OPEN_MEMBERS_BORN = (
    select(Membership, Person.birth_date, Person.deceased_on)
    .join(Person, Person.id == Membership.person_id)
    .where(Membership.household_id == bindparam("household_id"), Membership.until.is_(None))
    .order_by(Membership.id).with_for_update(of=Membership))


def open_members_born(session: Session, household_id: uuid.UUID) -> Sequence[Any]:
    """The open memberships of a household with each member's birth date and death, locked."""
    return session.execute(_OPEN_MEMBERS_BORN, {"household_id": household_id}).all()


def memberships_by_id(session: Session, ids: Sequence[int]) -> Sequence[Membership]:
    """Memberships by id, locked."""
    return session.scalars(select(Membership).where(Membership.id.in_(ids))
                           .order_by(Membership.id).with_for_update()).all()


_BUMP_HOUSEHOLD_OF = (
    update(Household).where(Household.id == select(Membership.household_id).where(
        Membership.person_id == bindparam("member"), Membership.until.is_(None))
        .limit(1).scalar_subquery())
    .values(version=Household.version + 1)
    .returning(Household.id, Household.version).execution_options(synchronize_session=False))


def bump_household_of(session: Session, person_id: uuid.UUID) -> tuple[uuid.UUID, int] | None:
    """Lock the household the person belongs to now and count a change to it, in one statement;
    its id and new version, or None when the person belongs to none."""
    row = session.execute(_BUMP_HOUSEHOLD_OF, {"member": person_id}).first()
    return (row[0], row[1]) if row is not None else None


def household_for_update(session: Session, household_id: uuid.UUID) -> Household | None:
    """A household, locked."""
    return session.scalar(select(Household).where(Household.id == household_id).with_for_update())

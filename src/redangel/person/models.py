"""The person: one record per human being, across every program and agency.

Contact details and sensitive attributes (disability, health coverage, family violence) are
stored sealed by the keyring; the CURP is stored sealed and found through a blind index.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, new_id, utcnow


class Person(Base):
    """A registered person (beneficiary or household member)."""

    __tablename__ = "person"
    __table_args__ = (
        Index("ix_person_birth_date_name", "birth_date", "name_key"),
        Index("ix_person_borough_name", "borough", "name_key", "id"),
        Index("ix_person_name_key_id", "name_key", "id"),
        # The few cancelled persons every agency read leaves out (`NOT EXISTS ... blocked`).
        Index("ix_person_blocked", "id", postgresql_where=text("blocked_at IS NOT NULL"),
              sqlite_where=text("blocked_at IS NOT NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer, default=1)
    curp_index: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    curp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    given_names: Mapped[str] = mapped_column(String(100))
    first_surname: Mapped[str] = mapped_column(String(100))
    second_surname: Mapped[str | None] = mapped_column(String(100), nullable=True)
    name_key: Mapped[str] = mapped_column(String(320))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    birth_state: Mapped[str | None] = mapped_column(String(2), nullable=True)
    borough: Mapped[str | None] = mapped_column(String(32), nullable=True)
    postal_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sensitive_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    key_version: Mapped[int] = mapped_column(Integer, default=0, index=True)
    deceased_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    confirmed_distinct: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    """Set when this record was merged into another (`linkage/`): it answers no search and its
    id resolves to the survivor (`service.current_id`)."""
    registered_office_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("office.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Cancellation (the person's right, `rights/`): blocked from every use at once, erased later.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Opposition(Base):
    """A use of their data the person refused (opposition right): outreach leaves them out.

    It lives with the person so that every domain below `rights/` can respect it through
    `person.policy.not_opposed`; the request that recorded it is in `rights/`.
    """

    __tablename__ = "person_opposition"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), primary_key=True)
    use: Mapped[str] = mapped_column(String(32), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NameTerm(Base):
    """One distinct name term in the registry (a small dictionary, shared by all persons)."""

    __tablename__ = "name_term"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(60), unique=True)


class NameTermVariant(Base):
    """A term and its one-deletion variants, for finding names within one typo."""

    __tablename__ = "name_term_variant"

    variant: Mapped[str] = mapped_column(String(60), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("name_term.id"), primary_key=True)


class PersonNameTerm(Base):
    """Which persons carry which name term (the posting list of the name search)."""

    __tablename__ = "person_name_term"

    term_id: Mapped[int] = mapped_column(ForeignKey("name_term.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("person.id"), primary_key=True, index=True
    )


class PersonNamePair(Base):
    """Which persons carry both terms of a pair (the lower term id first): a given name and a
    surname typed together are answered from one short posting list, not by intersecting the
    two long ones of each term. Ids only, like `PersonNameTerm`: no name is readable here.

    A pair row exists only beside the person's two `PersonNameTerm` rows and goes with them, so
    a term no posting names is named by no pair either; `second_term_id` has no foreign key of
    its own, which would make every erasure of a last term scan this table."""

    __tablename__ = "person_name_pair"

    first_term_id: Mapped[int] = mapped_column(ForeignKey("name_term.id"), primary_key=True)
    second_term_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("person.id"), primary_key=True, index=True
    )


class Membership(Base):
    """A person's membership of a household from `since` until `until` (open when null).

    History is kept, never overwritten. It lives with the person: a person's read shows their
    household, and the household domain (above this one) forms and changes memberships.
    """

    __tablename__ = "household_membership"
    __table_args__ = (
        Index(
            "uq_membership_one_open_per_person",
            "person_id",
            unique=True,
            sqlite_where=text("until IS NULL"),
            postgresql_where=text("until IS NULL"),
        ),
        Index(
            "uq_membership_one_open_head",
            "household_id",
            unique=True,
            sqlite_where=text("until IS NULL AND relationship = 'head'"),
            postgresql_where=text("until IS NULL AND relationship = 'head'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    relationship: Mapped[str] = mapped_column(String(20))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

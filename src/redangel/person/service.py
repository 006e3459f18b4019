"""Registering, reading, changing and finding persons: the rules of the registry."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.policy import person_condition
from redangel.auth.principal import Principal
from redangel.common.names import sort_key, within_one_edit
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from redangel.history import service as history
from redangel.person import curp as curp_rules
from redangel.person import repository
from redangel.person.models import Person
from redangel.person.schemas import (
    Address,
    MembershipBrief,
    PersonBrief,
    PersonCreate,
    PersonRead,
    PersonUpdate,
)

TABLE = "person"
CONTACT_FIELDS = ("phone", "email", "address")


def brief(row: Any, match: str = "exact") -> PersonBrief:
    """The pick-from-a-list view of a person row."""
    names = [row.given_names, row.first_surname, row.second_surname]
    return PersonBrief(
        id=row.id, full_name=" ".join(n for n in names if n), birth_date=row.birth_date,
        sex=row.sex, borough=row.borough, has_curp=bool(row.has_curp), match=match,
    )


def _check_curp(curp: str, data: dict[str, Any]) -> None:
    found = curp_rules.problems(
        curp, birth_date=data["birth_date"], sex=data["sex"], birth_state=data.get("birth_state"),
        given_names=data["given_names"], first_surname=data["first_surname"],
        second_surname=data.get("second_surname"),
    )
    if found:
        raise InvalidInput(
            fields=[FieldError("curp", p.code, {"curp_value": p.curp_value}) for p in found]
        )


def _refuse_duplicates(
    session: Session, *, keyring: Keyring, curp: str | None, name_key: str, birth_date: date,
    confirmed: set[uuid.UUID], exclude: uuid.UUID | None = None,
) -> str | None:
    curp_index = keyring.blind_index("curp", curp) if curp else None
    if curp_index:
        holder = repository.by_curp_index(session, curp_index)
        if holder is not None and holder.id != exclude:
            raise Conflict("duplicate_curp", extra={"existing": brief(holder).model_dump(mode="json")})
    if exclude is None:
        lookalikes = [
            row for row in repository.born_on(session, birth_date)
            if row.id not in confirmed and within_one_edit(row.name_key, name_key)
        ]
        if lookalikes:
            raise Conflict(
                "possible_duplicate",
                extra={"candidates": [brief(r).model_dump(mode="json") for r in lookalikes]},
            )
    return curp_index


def _seal(keyring: Keyring, person: Person, *, curp: str | None, contact: dict[str, Any],
          sensitive: dict[str, Any]) -> None:
    pid = person.id
    person.curp_sealed = (
        keyring.seal(curp.encode(), table=TABLE, column="curp", row_id=pid) if curp else None
    )
    person.contact_sealed = keyring.seal_json(contact, table=TABLE, column="contact", row_id=pid)
    person.sensitive_sealed = keyring.seal_json(sensitive, table=TABLE, column="sensitive", row_id=pid)
    person.key_version = keyring.active_version


def _opened(keyring: Keyring, person: Person) -> tuple[str | None, dict[str, Any], dict[str, Any]]:
    pid = person.id
    curp = (
        keyring.open(person.curp_sealed, table=TABLE, column="curp", row_id=pid).decode()
        if person.curp_sealed else None
    )
    contact = keyring.open_json(person.contact_sealed, table=TABLE, column="contact", row_id=pid) or {}
    sensitive = keyring.open_json(person.sensitive_sealed, table=TABLE, column="sensitive", row_id=pid) or {}
    return curp, contact, sensitive


def to_read(session: Session, *, keyring: Keyring, person: Person, principal: Principal) -> PersonRead:
    """The full view of a person, with sealed fields opened."""
    curp, contact, sensitive = _opened(keyring, person)
    membership = repository.current_membership(session, person.id)
    return PersonRead(
        id=person.id, version=person.version, curp=curp, given_names=person.given_names,
        first_surname=person.first_surname, second_surname=person.second_surname,
        sex=person.sex, birth_date=person.birth_date, birth_state=person.birth_state,
        phone=contact.get("phone"), email=contact.get("email"),
        address=Address(**contact["address"]) if contact.get("address") else None,
        attributes=person.attributes or {},
        sensitive=sensitive if principal.kind in ("staff", "kiosk") else None,
        deceased_on=person.deceased_on,
        household=MembershipBrief(
            household_id=membership.household_id, relationship=membership.relationship,
            since=membership.since,
        ) if membership else None,
        created_at=person.created_at, updated_at=person.updated_at,
    )


def require_pin(principal: Principal) -> None:
    """At a kiosk, personal details need the card's PIN first."""
    if principal.kind == "kiosk" and not principal.pin_verified:
        raise Forbidden("pin_required")


def create(
    session: Session, *, keyring: Keyring, principal: Principal, data: PersonCreate
) -> Person:
    """Register a person, refusing duplicates by CURP and by name and birth date."""
    fields = data.model_dump()
    if data.curp:
        _check_curp(data.curp, fields)
    name_key = sort_key(data.given_names, data.first_surname, data.second_surname)
    curp_index = _refuse_duplicates(
        session, keyring=keyring, curp=data.curp, name_key=name_key, birth_date=data.birth_date,
        confirmed=set(data.confirm_distinct_from),
    )
    now = utcnow()
    person = Person(
        id=uuid.uuid4(), version=1, curp_index=curp_index, given_names=data.given_names,
        first_surname=data.first_surname, second_surname=data.second_surname, name_key=name_key,
        sex=data.sex, birth_date=data.birth_date, birth_state=data.birth_state,
        borough=data.address.borough if data.address else None,
        postal_code=data.address.postal_code if data.address else None,
        attributes=data.attributes.model_dump(mode="json", exclude_none=True),
        confirmed_distinct=bool(data.confirm_distinct_from),
        registered_office_id=principal.office_id, created_at=now, updated_at=now,
    )
    contact = {k: fields[k] for k in CONTACT_FIELDS if fields.get(k) is not None}
    _seal(keyring, person, curp=data.curp, contact=contact,
          sensitive=data.sensitive.model_dump(mode="json", exclude_none=True))
    session.add(person)
    session.flush()
    repository.replace_name_terms(session, person.id, name_key.split())
    changes: dict[str, Any] = {"fields": sorted(k for k, v in fields.items() if v not in (None, {}, []))}
    if data.confirm_distinct_from:
        changes["confirmed_distinct_from"] = [str(i) for i in data.confirm_distinct_from]
    history.record(session, principal=principal, entity="person", entity_id=person.id,
                   action="create", changes=changes)
    audit.record(session, principal=principal, action="person.create", person_id=person.id,
                 purpose="registration")
    return person


def get(session: Session, *, principal: Principal, person_id: uuid.UUID, purpose: str) -> Person:
    """Open a person's record for a stated purpose (audited); 404 outside the principal's scope."""
    require_pin(principal)
    person = repository.get(session, person_id, person_condition(principal))
    if person is None:
        raise NotFound()
    audit.record(session, principal=principal, action="person.read", person_id=person.id,
                 purpose=purpose)
    return person


def update(
    session: Session, *, keyring: Keyring, principal: Principal, person: Person,
    data: PersonUpdate,
) -> Person:
    """Apply a partial change to a person (the caller has checked If-Match)."""
    sent = data.model_dump(exclude_unset=True)
    if not sent:
        return person
    curp, contact, sensitive = _opened(keyring, person)
    current = {
        "curp": curp, "given_names": person.given_names, "first_surname": person.first_surname,
        "second_surname": person.second_surname, "sex": person.sex, "birth_date": person.birth_date,
        "birth_state": person.birth_state,
    }
    merged = {**current, **{k: v for k, v in sent.items() if k in current}}
    if merged["curp"] and ({"curp", "given_names", "first_surname", "second_surname", "sex",
                            "birth_date", "birth_state"} & sent.keys()):
        _check_curp(merged["curp"], merged)
    name_key = sort_key(merged["given_names"], merged["first_surname"], merged["second_surname"])
    if "curp" in sent:
        person.curp_index = _refuse_duplicates(
            session, keyring=keyring, curp=merged["curp"], name_key=name_key,
            birth_date=merged["birth_date"], confirmed=set(), exclude=person.id,
        )
    for key in ("given_names", "first_surname", "second_surname", "sex", "birth_date", "birth_state"):
        setattr(person, key, merged[key])
    if name_key != person.name_key:
        person.name_key = name_key
        repository.replace_name_terms(session, person.id, name_key.split())
    for key in CONTACT_FIELDS:
        if key in sent:
            contact[key] = sent[key]
            if key == "address":
                person.borough = sent[key]["borough"] if sent[key] else None
                person.postal_code = sent[key].get("postal_code") if sent[key] else None
    if "attributes" in sent:
        person.attributes = {**(person.attributes or {}),
                             **data.attributes.model_dump(mode="json", exclude_unset=True)}  # type: ignore[union-attr]
    if "sensitive" in sent:
        sensitive = {**sensitive, **data.sensitive.model_dump(mode="json", exclude_unset=True)}  # type: ignore[union-attr]
    if "deceased_on" in sent:
        person.deceased_on = sent["deceased_on"]
    _seal(keyring, person, curp=merged["curp"], contact=contact, sensitive=sensitive)
    person.version += 1
    person.updated_at = utcnow()
    session.flush()
    history.record(session, principal=principal, entity="person", entity_id=person.id,
                   action="update", changes={"fields": sorted(sent)})
    audit.record(session, principal=principal, action="person.update", person_id=person.id,
                 purpose="rectification")
    return person

"""Registering, reading, changing and finding persons: the rules of the registry."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from types import EllipsisType
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common.names import full_name, sort_key
from redangel.common.sql import postgres_statement
from redangel.crypto.keyring import Keyring
from redangel.db import Reader, on_loop_connection, utcnow
from redangel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from redangel.history import service as history
from redangel.person import curp as curp_rules
from redangel.person import fields as allowlist
from redangel.person import lookalike, repository
from redangel.person.models import Membership, Person
from redangel.person.policy import person_condition
from redangel.person.schemas import (
    Address,
    MembershipBrief,
    PersonAllowlisted,
    PersonBrief,
    PersonCreate,
    PersonRead,
    PersonShown,
    PersonUpdate,
)

TABLE = "person"
CONTACT_FIELDS = ("phone", "email", "address")
CHANGE_REASONS = ("citizen_reported", "document_shown", "typing_error", "moved", "other")
_IDENTITY = frozenset({"curp", "given_names", "first_surname", "second_surname", "sex",
                       "birth_date", "birth_state"})
_OPENED_FOR = _IDENTITY | frozenset(CONTACT_FIELDS) | {"sensitive"}
"""The fields whose change needs the sealed columns opened (the CURP checked against the
identity, contact details or sensitive facts rewritten); a change of none of them (a death,
attributes) leaves the sealed columns as they are."""
"""Why a person's data was changed: codes, so that the history holds no free text about them."""


def brief(row: Any, match: str = "exact") -> PersonBrief:
    """The pick-from-a-list view of a person row."""
    return PersonBrief(
        id=row.id, full_name=full_name(row.given_names, row.first_surname, row.second_surname),
        birth_date=row.birth_date, sex=row.sex, borough=row.borough, has_curp=bool(row.has_curp),
        match=match,
    )


def _check_curp(curp: str, data: dict[str, Any]) -> None:
    found = curp_rules.problems(
        curp, birth_date=data["birth_date"], sex=data["sex"], birth_state=data.get("birth_state"),
        given_names=data["given_names"], first_surname=data["first_surname"],
        second_surname=data.get("second_surname"),
    )
    if found:
        raise InvalidInput(
            fields=[FieldError("curp", p.code, p.message_params()) for p in found]
        )


def duplicate_ref(keyring: Keyring, principal: Principal, person_id: uuid.UUID) -> uuid.UUID:
    """An opaque stand-in for a look-alike outside the principal's scope: it lets the clerk
    confirm a different person without learning who the registered one is."""
    digest = keyring.blind_index("duplicate_ref", f"{principal.office_id}:{person_id}")
    return uuid.UUID(digest[:32])


def _audit_checked(session: Session, principal: Principal, person_id: uuid.UUID, *, by: str,
                   shown: bool) -> None:
    audit.record(session, principal=principal, action="person.duplicate_check",
                 person_id=person_id, purpose="duplicate_check",
                 outcome="shown" if shown else "elsewhere", detail={"by": by},
                 survive_rollback=True)


def _refuse_duplicates(
    session: Session, *, keyring: Keyring, principal: Principal, curp: str | None,
    name_key: str, birth_date: date, confirmed: set[uuid.UUID], exclude: uuid.UUID | None = None,
    curp_checked: bool = False,
) -> str | None:
    """Refuse a second record of a person (409), looking across the whole city; each person
    found is audited, and one outside the principal's scope is only said to be registered
    elsewhere (docs/decisions/2026-11-22-clerk-scope.md)."""
    curp_index = keyring.blind_index("curp", curp) if curp else None
    if curp_index and not curp_checked:
        holder = repository.by_curp_index(session, curp_index)
        if holder is not None and holder.id != exclude:
            shown = bool(repository.visible_ids(session, [holder.id], person_condition(principal)))
            _audit_checked(session, principal, holder.id, by="curp", shown=shown)
            if not shown:
                raise Conflict("registered_elsewhere")
            raise Conflict("duplicate_curp", extra={"existing": brief(holder).model_dump(mode="json")})
    if exclude is None:
        lookalikes = [row for row in repository.born_on(session, birth_date)
                      if lookalike.names_reason(row.name_key, name_key) is not None]
        visible = repository.visible_ids(session, [r.id for r in lookalikes],
                                         person_condition(principal))
        candidates: list[dict[str, Any]] = []
        elsewhere: list[str] = []
        for row in lookalikes:
            ref = row.id if row.id in visible else duplicate_ref(keyring, principal, row.id)
            if row.id in confirmed or ref in confirmed:
                continue
            _audit_checked(session, principal, row.id, by="name", shown=row.id in visible)
            if row.id in visible:
                candidates.append(brief(row).model_dump(mode="json"))
            else:
                elsewhere.append(str(ref))
        if candidates or elsewhere:
            raise Conflict("possible_duplicate" if candidates else "possible_duplicate_elsewhere",
                           extra={"candidates": candidates, "elsewhere": elsewhere})
    return curp_index


def _confirmed_ids(session: Session, *, keyring: Keyring, principal: Principal,
                   birth_date: date, sent: list[uuid.UUID]) -> list[uuid.UUID]:
    """The persons a clerk confirmed as different, with opaque references turned back into ids."""
    refs = {duplicate_ref(keyring, principal, row.id): row.id
            for row in repository.born_on(session, birth_date)}
    return sorted({refs.get(i, i) for i in sent}, key=str)


def _flush_unique(session: Session, person: Person, recheck: Callable[[], object] | None, *,
                  savepoint: bool = True) -> None:
    """Flush a person, answering a uniqueness race (two clerks entering one CURP at once) as
    the sequential duplicate is answered: 409, never a 500 with the values in the log.
    Without `savepoint` the new row is flushed in the caller's transaction, which a race then
    spoils: the caller rolls it back on the 409 (the full check cannot run in it any more)."""
    try:
        if recheck is None:  # a change to a loaded row: the whole transaction is lost anyway
            session.flush()
            return
        if not savepoint:
            session.add(person)
            session.flush()
            return
        with session.begin_nested():  # a new row: only its savepoint is lost
            session.add(person)
            session.flush()
    except IntegrityError:
        if recheck is not None and savepoint:
            recheck()  # the other transaction has committed: its person is found like any other
        raise Conflict("duplicate_curp") from None


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


def opened_fields(keyring: Keyring, person: Person) -> tuple[str | None, dict[str, Any], dict[str, Any]]:
    """A record's sealed CURP, contact details and sensitive facts, opened."""
    return _opened(keyring, person)


def seal_fields(keyring: Keyring, person: Person, *, curp: str | None, contact: dict[str, Any],
                sensitive: dict[str, Any]) -> None:
    """Seal a record's CURP, contact details and sensitive facts under its own id; the CURP's
    blind index follows."""
    _seal(keyring, person, curp=curp, contact=contact, sensitive=sensitive)
    person.curp_index = keyring.blind_index("curp", curp) if curp else None


def reindex_name(session: Session, person: Person) -> None:
    """Bring a record's normalised name and its name-search terms in line with its names."""
    person.name_key = sort_key(person.given_names, person.first_surname, person.second_surname)
    repository.replace_name_terms(session, person.id, person.name_key.split())


@dataclass(frozen=True)
class _OpenMembership:
    household_id: uuid.UUID
    relationship: str
    since: date


def to_read(session: Session | None, *, keyring: Keyring, person: Person, principal: Principal,
            membership: Membership | _OpenMembership | EllipsisType | None = ...) -> PersonRead:
    """The full view of a person, with sealed fields opened (their open household membership
    read now, in `session`, unless the caller read it with the person)."""
    curp, contact, sensitive = _opened(keyring, person)
    if membership is ...:
        if session is None:
            raise TypeError("a person's membership is read with them, or in a session")
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


def sees_whole_record(principal: Principal) -> bool:
    """Clerks, supervisors, the card holder (their own record) and the system see every field."""
    return ((principal.kind == "staff" and principal.role in ("clerk", "supervisor"))
            or (principal.kind == "kiosk" and principal.role == "citizen")
            or principal.kind == "system")


def project(session: Session | None, *, keyring: Keyring, principal: Principal,
            person: Person, membership: Membership | _OpenMembership | EllipsisType | None = ...
            ) -> PersonShown:
    """The person as this principal may see them: the whole record for the front desk and the
    card holder, the agency's allowlist for an agency; nobody else sees a record (403)."""
    if principal.kind == "agency":
        fields = allowlist.allowed(principal.agency_code)
        return PersonAllowlisted.model_validate(
            allowlist.view(person, person_id=person.id, keyring=keyring, fields=fields))
    if sees_whole_record(principal):
        return to_read(session, keyring=keyring, person=person, principal=principal,
                       membership=membership)
    raise Forbidden()


def standing_purpose(principal: Principal) -> str:
    """The purpose a read is audited with when the caller states none."""
    if principal.kind == "agency":
        return "program_administration"
    if principal.kind == "kiosk":
        return "self_service"
    return "attention"


def stated_purpose(principal: Principal, purpose: str | None, *, choices: tuple[str, ...]) -> str:
    """The purpose a read is audited with: the one stated, when it is one this caller may state
    among the route's `choices`. A person's own visit to a kiosk (`self_service`) is theirs alone:
    their access history shows it as their own, so staff and agencies cannot state it, and a
    card holder states nothing else."""
    if purpose is None:
        return standing_purpose(principal)
    own = principal.kind == "kiosk"
    allowed = [c for c in choices if (c == "self_service") == own]
    if purpose not in allowed:
        raise InvalidInput(fields=[FieldError("purpose", "field_choice",
                                              {"choices": ", ".join(allowed)})])
    return purpose


@lru_cache(maxsize=4096)
def _read_statement(principal: Principal) -> Any:
    """The read of one person in this principal's scope, composed once per principal."""
    return repository.read_statement(person_condition(principal))


def read(session: Session, *, keyring: Keyring, principal: Principal, person_id: uuid.UUID,
         purpose: str) -> tuple[Any, PersonShown]:
    """Open a person's record for a purpose: scoped (404), audited, projected for the
    principal (the person and their household membership read in one query, as a plain row)."""
    require_pin(principal)
    person = repository.read_visible(session, _read_statement(principal), person_id)
    if person is None:
        raise NotFound()
    _audit_read(session, principal, person, purpose)
    return person, _shown(keyring, principal, person)


@lru_cache(maxsize=4096)
def _loop_read_statement(principal: Principal) -> tuple[str, dict[str, Any]]:
    """`_read_statement` with the read's audit event inserted by the same statement, as
    PostgreSQL text for the event loop's connections, composed once per principal."""
    return postgres_statement(audit.audited_on_loop(_read_statement(principal)))


async def read_shown(reader: Reader, *, keyring: Keyring, principal: Principal,
                     person_id: uuid.UUID, purpose: str) -> tuple[Any, PersonShown]:
    """`read`, on the event loop's own connection when the reader has one: the same scope (404),
    the same field policy, and the audit event committed by the statement that reads the person,
    before the answer is written."""
    if reader.loop is None:
        return await reader.in_thread(partial(read, keyring=keyring, principal=principal,
                                              person_id=person_id, purpose=purpose))
    statement, params = loop_read(principal, person_id=person_id, purpose=purpose)
    person = await on_loop_connection(
        reader.loop, partial(repository.read_visible_async, statement=statement, params=params))
    return shown_by(keyring, principal, person)


def loop_read(principal: Principal, *, person_id: uuid.UUID, purpose: str
              ) -> tuple[str, dict[str, Any]]:
    """The statement (PostgreSQL text) and parameters of a person's read on an event loop's
    connection, its audit event inserted by the same statement; its row, or none, goes to
    `shown_by`. For a service that sends it with other statements in one round trip."""
    require_pin(principal)
    statement, bound = _loop_read_statement(principal)
    event = audit.read_event(principal=principal, action="person.read", person_id=person_id,
                             purpose=purpose)
    return statement, {**bound, **audit.loop_event_params(event), "person_id": person_id}


def shown_by(keyring: Keyring, principal: Principal, person: Any) -> tuple[Any, PersonShown]:
    """The person a `loop_read` found, as this principal may see them; 404 when it found
    nobody."""
    if person is None:
        raise NotFound()
    return person, _shown(keyring, principal, person)


def _shown(keyring: Keyring, principal: Principal, person: Any) -> PersonShown:
    membership = (_OpenMembership(person.membership_household_id, person.membership_relationship,
                                  person.membership_since)
                  if person.membership_household_id is not None else None)
    return project(None, keyring=keyring, principal=principal, person=person,
                   membership=membership)


def require_pin(principal: Principal) -> None:
    """At a kiosk, personal details need the card's PIN first."""
    if principal.kind == "kiosk" and not principal.pin_verified:
        raise Forbidden("pin_required")


def create(
    session: Session, *, keyring: Keyring, principal: Principal, data: PersonCreate,
    lives_in: tuple[str | None, str | None] = (None, None), curp_unregistered: bool = False,
    savepoint: bool = True,
) -> Person:
    """Register a person, refusing duplicates by CURP and by name and birth date. `lives_in`
    (borough, postal code) says where a person without an address of their own lives (a newborn
    with the mother): written with the person, never into their sealed contact.
    `curp_unregistered`: the caller has just looked the CURP up in this transaction and found
    nobody holding it, so it is not looked up again (a holder registered meanwhile is still
    refused, by the unique index and the full check after it). `savepoint=False`: the caller
    rolls its whole transaction back on any refusal, so the row needs no savepoint of its own
    (a holder registered meanwhile is refused as `duplicate_curp` without the full check)."""
    fields = data.model_dump()
    if data.curp:
        _check_curp(data.curp, fields)
    name_key = sort_key(data.given_names, data.first_surname, data.second_surname)

    def refuse(curp_checked: bool = False) -> str | None:
        return _refuse_duplicates(
            session, keyring=keyring, principal=principal, curp=data.curp, name_key=name_key,
            birth_date=data.birth_date, confirmed=set(data.confirm_distinct_from),
            curp_checked=curp_checked,
        )

    curp_index = refuse(curp_unregistered)
    now = utcnow()
    person = Person(
        id=uuid.uuid4(), version=1, curp_index=curp_index, given_names=data.given_names,
        first_surname=data.first_surname, second_surname=data.second_surname, name_key=name_key,
        sex=data.sex, birth_date=data.birth_date, birth_state=data.birth_state,
        borough=data.address.borough if data.address else lives_in[0],
        postal_code=data.address.postal_code if data.address else lives_in[1],
        attributes=data.attributes.model_dump(mode="json", exclude_none=True),
        confirmed_distinct=bool(data.confirm_distinct_from),
        registered_office_id=principal.office_id, created_at=now, updated_at=now,
    )
    contact = {k: fields[k] for k in CONTACT_FIELDS if fields.get(k) is not None}
    _seal(keyring, person, curp=data.curp, contact=contact,
          sensitive=data.sensitive.model_dump(mode="json", exclude_none=True))
    _flush_unique(session, person, refuse, savepoint=savepoint)
    repository.add_name_terms(session, person.id, name_key.split())
    changes: dict[str, Any] = {"fields": sorted(k for k, v in fields.items() if v not in (None, {}, []))}
    if data.confirm_distinct_from:
        changes["confirmed_distinct_from"] = [str(i) for i in _confirmed_ids(
            session, keyring=keyring, principal=principal, birth_date=data.birth_date,
            sent=data.confirm_distinct_from)]
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
    _audit_read(session, principal, person, purpose)
    return person


def _audit_read(session: Session, principal: Principal, person: Person, purpose: str) -> None:
    audit.record(session, principal=principal, action="person.read", person_id=person.id,
                 purpose=purpose)


MERGE_DEPTH = 16


def current_id(session: Session, person_id: uuid.UUID) -> uuid.UUID:
    """The record that now stands for a person: the id itself, or, for a record merged into
    another (`linkage/`), the survivor's, following merges of merges."""
    current = person_id
    for _ in range(MERGE_DEPTH):
        survivor = repository.merged_into(session, current)
        if survivor is None:
            return current
        current = survivor
    return current


def for_update(session: Session, *, principal: Principal, person_id: uuid.UUID) -> Person:
    """A person in the principal's scope, locked for a change; 404 outside it."""
    person = repository.get_for_update(session, person_id, person_condition(principal))
    if person is None:
        raise NotFound()
    return person


def update(
    session: Session, *, keyring: Keyring, principal: Principal, person: Person,
    data: PersonUpdate, source: str | None = None, reason: str | None = None,
) -> Person:
    """Apply a partial change to a person (the caller has checked If-Match). `source` says where
    the changed facts came from (e.g. `stated_at_office`), `reason` is a code (`CHANGE_REASONS`);
    both are kept in the history with the names of the fields changed, never their values."""
    if reason is not None and reason not in CHANGE_REASONS:
        raise InvalidInput(fields=[FieldError("reason", "field_choice",
                                              {"choices": ", ".join(CHANGE_REASONS)})])
    sent = data.model_dump(exclude_unset=True)
    if not sent:
        return person
    reseal = not _OPENED_FOR.isdisjoint(sent)
    curp, contact, sensitive = _opened(keyring, person) if reseal else (None, {}, {})
    current = {
        "curp": curp, "given_names": person.given_names, "first_surname": person.first_surname,
        "second_surname": person.second_surname, "sex": person.sex, "birth_date": person.birth_date,
        "birth_state": person.birth_state,
    }
    merged = {**current, **{k: v for k, v in sent.items() if k in current}}
    if merged["curp"] and not _IDENTITY.isdisjoint(sent):
        _check_curp(merged["curp"], merged)
    name_key = sort_key(merged["given_names"], merged["first_surname"], merged["second_surname"])
    if "curp" in sent:
        person.curp_index = _refuse_duplicates(
            session, keyring=keyring, principal=principal, curp=merged["curp"],
            name_key=name_key, birth_date=merged["birth_date"], confirmed=set(),
            exclude=person.id,
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
    if reseal:
        _seal(keyring, person, curp=merged["curp"], contact=contact, sensitive=sensitive)
    person.version += 1
    person.updated_at = utcnow()
    _flush_unique(session, person, None)
    changes: dict[str, Any] = {"fields": sorted(sent)}
    if source is not None:  # which facts, never their values (sealed facts stay sealed)
        changes["facts"] = sorted({*sent.get("attributes", {}), *sent.get("sensitive", {}),
                                   *("borough" if k == "address" else k
                                     for k in sent if k not in ("attributes", "sensitive"))})
        changes["source"] = source
    if reason is not None:
        changes["reason"] = reason
    history.record(session, principal=principal, entity="person", entity_id=person.id,
                   action="update", changes=changes)
    audit.record(session, principal=principal, action="person.update", person_id=person.id,
                 purpose="rectification", detail={"reason": reason} if reason else None)
    return person


SEALED = (("curp_sealed", "curp"), ("contact_sealed", "contact"), ("sensitive_sealed", "sensitive"))


def reseal_batch(session: Session, *, keyring: Keyring, version: int, batch: int) -> tuple[int, int]:
    """Re-seal up to `batch` persons still sealed with a key older than `version` (a row changed
    meanwhile is skipped: the service sealed it anew, or, when the change touched no sealed
    column, a later batch reads it again); returns (read, re-sealed)."""
    rows = repository.sealed_before(session, version, limit=batch)
    done = 0
    for row in rows:
        values: dict[str, object] = {"key_version": version}
        for attr, column in SEALED:
            blob = getattr(row, attr)
            if blob is not None:
                plain = keyring.open(blob, table=TABLE, column=column, row_id=row.id)
                values[attr] = keyring.seal(plain, table=TABLE, column=column, row_id=row.id)
        done += repository.reseal(session, row.id, version=row.version, values=values)
    return len(rows), done


def left_to_reseal(session: Session, *, version: int) -> int:
    """Whether any person is still sealed with a key older than `version` (1) or none is (0)."""
    return len(repository.sealed_before(session, version, limit=1))


def count_registered(session: Session) -> int:
    """How many persons the registry holds."""
    return repository.count_all(session)

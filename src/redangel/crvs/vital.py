"""What each vital event does to the registry: a birth, a death, a death reversal, a data
modification. Each runs inside the notification's transaction, in a savepoint of its own: a
rule that refuses (a duplicate, an inconsistent CURP) rolls back that event alone and sends it
to review; anything unexpected fails the whole notification, which is then not acknowledged.
A notification of one event runs it first without the savepoint; should it not end processed,
the whole transaction is rolled back and the notification taken again, its event guarded
(`intake`): the same outcome, two statements fewer for every event that goes through.

Matching (`docs/crvs.md`): a person is found by the CURP the civil registry gives (`UIN`);
a birth's mother (the first parent) without a CURP is found by the registry's linkage, her
normalised name and birth date (and borough when given); nobody or more than one → review.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.card import service as cards
from redangel.common.clock import city_today
from redangel.common.names import sort_key
from redangel.crvs import offers, repository
from redangel.crvs.models import CrvsEvent, DeliveryAfterDeath
from redangel.crvs.schemas import SEXES, Parent, PersonRecord
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.errors import AppError
from redangel.history import service as history
from redangel.household import after_death as households
from redangel.household import service as household_service
from redangel.household.schemas import HouseholdCreate, MemberIn
from redangel.person import service as person_service
from redangel.person.models import Person
from redangel.person.policy import person_condition
from redangel.person.schemas import PersonCreate, PersonUpdate
from redangel.program import after_death as program_after_death
from redangel.program import changes
from redangel.program import service as program_service


@dataclass
class Context:
    """What every event's work needs."""

    session: Session
    keyring: Keyring
    catalog: Any
    sender_id: str
    chosen_mother: uuid.UUID | None = None
    """The mother a data steward chose for a birth whose mother was not found, or not alone."""
    whole_transaction: bool = False
    """The event runs without a savepoint of its own: on any refusal the caller rolls back the
    whole transaction, so what it writes needs no savepoint either (`run`, unguarded)."""

    def programs(self) -> frozenset[str]:
        """The codes of the programs on the registry's books (read at most every few seconds
        per process: `program.service.loaded_codes`)."""
        return program_service.loaded_codes(self.session)

    def principal(self, office_id: uuid.UUID | None = None) -> Principal:
        """The civil registry as the actor of the changes it causes."""
        return Principal(kind="system", id=f"crvs:{self.sender_id}"[:64], role="system",
                         office_id=office_id)

    def curp_index(self, curp: str) -> str:
        """The CURP's blind index, as the person table keeps it."""
        return self.keyring.blind_index("curp", curp)


class Outcome(Exception):
    """An event ends in a state other than processed, with its reason."""

    def __init__(self, state: str, reason: str) -> None:
        super().__init__(reason)
        self.state = state
        self.reason = reason


class Unguarded(Exception):
    """An event run without a savepoint of its own did not end processed: what it did is undone
    only by rolling back the whole transaction (the caller then runs it again, guarded)."""


def run(ctx: Context, event: CrvsEvent, record: PersonRecord, *, guarded: bool = True) -> None:
    """Do what the event says, setting its state, reason, person and outcome. `guarded=False`
    runs it without its savepoint (two statements fewer) for a caller that can roll the whole
    transaction back: any ending but processed raises `Unguarded`."""
    work = {"birth": _birth, "death": _death, "death_reversal": _reversal,
            "data_modification": _modification}[event.kind]
    if not guarded:
        try:
            with history.batched(ctx.session):  # the event's history rows in one INSERT
                event.outcome = work(replace(ctx, whole_transaction=True), event, record)
        except (Outcome, AppError) as refused:
            raise Unguarded() from refused
        event.state, event.reason = "processed", None
        event.processed_at = utcnow()
        ctx.session.flush()
        return
    marks = audit.queued(ctx.session), changes.queued(ctx.session)
    try:
        with ctx.session.begin_nested(), history.batched(ctx.session):
            event.outcome = work(replace(ctx, whole_transaction=False), event, record)
            event.state, event.reason = "processed", None
            event.processed_at = utcnow()  # written with the outcome, in one UPDATE
    except Outcome as out:
        _forget(ctx.session, marks)  # what the event did was rolled back
        event.state, event.reason, event.processed_at = out.state, out.reason, utcnow()
    except AppError as error:
        _forget(ctx.session, marks)
        event.state, event.reason = "needs_review", error.code[:48]
        event.processed_at = utcnow()
    ctx.session.flush()


def _forget(session: Session, marks: tuple[int, int]) -> None:
    """Forget what an event rolled back to its savepoint had queued for the audit trail and for
    the agencies' change feed (both are written only at commit)."""
    audit.forget_since(session, marks[0])
    changes.forget_since(session, marks[1])


def _subject(ctx: Context, record: PersonRecord) -> Person | None:
    curp = record.id_of("UIN")
    return repository.person_by_curp_index(ctx.session, ctx.curp_index(curp)) if curp else None


def _parent_curp(record: PersonRecord, which: int) -> str | None:
    """The CURP the record gives for a parent (first or second), if any."""
    given = record.parent1_identifier if which == 0 else record.parent2_identifier
    if given is not None and given.identifier_type == "UIN":
        return given.value
    described: Parent | None = record.parents[which] if len(record.parents) > which else None
    if described is None:
        return None
    return next((i.identifier_value for i in described.identifier
                 if i.identifier_type == "UIN"), None)


def _parent(ctx: Context, record: PersonRecord, which: int) -> list[Person]:
    """The registered persons a parent of the record can be (0, 1 or more); the rows are kept,
    so using them asks the database nothing more."""
    if which == 0 and ctx.chosen_mother is not None:
        chosen = repository.person(ctx.session, ctx.chosen_mother)
        return [chosen] if chosen is not None else []
    described: Parent | None = record.parents[which] if len(record.parents) > which else None
    curp = _parent_curp(record, which)
    visible = person_condition(ctx.principal())  # never a blocked or merged-away record
    if curp is not None:
        found = repository.person_by_curp_index(ctx.session, ctx.curp_index(curp), visible=visible)
        return [found] if found is not None else []
    if described is None or described.name is None or described.birth_date is None:
        return []
    first, second = described.name.surnames
    borough = next((a.borough for a in described.address if a.borough), None)
    return list(repository.persons_by_linkage(
        ctx.session, name_key=sort_key(described.name.given_name, first, second),
        birth_date=described.birth_date, borough=borough, visible=visible))


def _birth(ctx: Context, event: CrvsEvent, record: PersonRecord) -> dict[str, Any]:
    curp = record.id_of("UIN")
    assert curp is not None
    # The child, the mother named by her CURP and whether events wait for the child: one look.
    mother_curp = _parent_curp(record, 0) if ctx.chosen_mother is None else None
    found = repository.birth_subjects(
        ctx.session, child_index=ctx.curp_index(curp),
        mother_index=ctx.curp_index(mother_curp) if mother_curp is not None else None,
        visible=person_condition(ctx.principal()))  # never a blocked or merged-away mother
    if found.child is not None:
        event.person_id = found.child.id
        return {"child": str(found.child.id), "already_registered": True}
    mothers = ([found.mother] if found.mother is not None else []) if mother_curp is not None \
        else _parent(ctx, record, 0)
    if len(mothers) != 1:
        raise Outcome("needs_review", "mother_not_found" if not mothers else "mother_ambiguous")
    mother = mothers[0]
    if mother.deceased_on is not None and record.birth_date and mother.deceased_on < record.birth_date:
        raise Outcome("needs_review", "mother_deceased")
    principal = ctx.principal(mother.registered_office_id)
    assert record.name is not None and record.birth_date is not None and record.sex is not None
    first, second = record.name.surnames
    child = person_service.create(ctx.session, keyring=ctx.keyring, principal=principal, data=PersonCreate(
        curp=curp, given_names=record.name.given_name, first_surname=first, second_surname=second,
        sex=SEXES.get(record.sex, "X"), birth_date=record.birth_date, birth_state=curp[11:13]),
        lives_in=(mother.borough, mother.postal_code),
        curp_unregistered=True,  # nobody holds it (`birth_subjects`), in this transaction
        savepoint=not ctx.whole_transaction)
    outcome: dict[str, Any] = {"child": str(child.id), "mother": str(mother.id)}
    belongs = household_service.of_member_for_update(ctx.session, principal=principal,
                                                     person_id=mother.id)
    if belongs is None:
        household = household_service.create(ctx.session, principal=principal, data=HouseholdCreate(
            borough=mother.borough, members=[
                MemberIn(person_id=mother.id, relationship="head", since=record.birth_date),
                MemberIn(person_id=child.id, relationship="child", since=record.birth_date)]))
        outcome.update(household=str(household.id), relationship="child", household_created=True)
    else:
        household, hers = belongs
        relationship = "child" if hers in ("head", "spouse") else "other_relative"
        household_service.add_member(ctx.session, principal=principal, household=household,
                                     member=MemberIn(person_id=child.id, relationship=relationship,
                                                     since=record.birth_date), registered_now=True)
        outcome.update(household=str(household.id), relationship=relationship)
    others = _parent(ctx, record, 1)
    if len(others) == 1:
        outcome["other_parent"] = str(others[0].id)
    outcome["offers"] = offers.offer(
        ctx.session, catalog=ctx.catalog, keyring=ctx.keyring, principal=principal, event=event,
        person_ids=[mother.id], life_event="birth_of_child",
        answers={"child_birth_date": record.birth_date}, office_id=mother.registered_office_id,
        loaded=ctx.programs())[mother.id]
    ctx.session.flush()
    # Events that waited for the child's CURP (a death notified before the birth): looked for
    # unless the first look said there are none.
    outcome["retried"] = 0 if found.waited is False else _retry_waiting(ctx, child)
    event.person_id = child.id  # written with the outcome, in one UPDATE
    return outcome


def _retry_waiting(ctx: Context, person: Person) -> int:
    """Run the events that waited for this person to be registered (a death before its birth)."""
    assert person.curp_index is not None
    waited = repository.waiting_for(ctx.session, person.curp_index)
    for row in waited:
        record = PersonRecord.model_validate_json(ctx.keyring.open(
            row.record_sealed, table="crvs_event", column="record", row_id=row.id))
        row.attempts += 1
        run(ctx, row, record)
    return len(waited)


def _death(ctx: Context, event: CrvsEvent, record: PersonRecord) -> dict[str, Any]:
    person = _subject(ctx, record)
    if person is None:
        raise Outcome("waiting", "person_not_registered")
    # The event names its person only when it ends processed (a savepoint rolled back expires
    # what was set in it): set last, it is written with the outcome, in one UPDATE.
    died_on = record.death_date
    assert died_on is not None
    if person.deceased_on is not None:
        event.person_id = person.id
        return {"already_deceased": True}
    if died_on > city_today() or died_on < person.birth_date:
        raise Outcome("rejected", "death_date_invalid")
    principal = ctx.principal(person.registered_office_id)
    person_service.update(ctx.session, keyring=ctx.keyring, principal=principal, person=person,
                          data=PersonUpdate(deceased_on=died_on), source="civil_registry")
    ended = program_after_death.end_for_death(ctx.session, principal=principal,
                                              person_id=person.id, died_on=died_on)
    serial = cards.revoke_for_death(ctx.session, principal=principal, person_id=person.id)
    household, survivors = households.leave_by_death(ctx.session, principal=principal,
                                                     person_id=person.id, died_on=died_on)
    if household is None:  # in no household now: the one they belonged to last
        survivors = list(repository.living_members(ctx.session, person.id))
    flagged = _flag_deliveries(ctx, event, person.id, died_on)
    provider = bool(household and household["was_head"])
    offered = offers.offer(
        ctx.session, catalog=ctx.catalog, keyring=ctx.keyring, principal=principal, event=event,
        person_ids=survivors,
        life_event="death_of_family_member", answers={"provider_died": provider},
        office_id=person.registered_office_id, loaded=ctx.programs())
    event.person_id = person.id
    return {"died_on": died_on.isoformat(), "programs": ended, "card_revoked": serial is not None,
            "household": household, "deliveries_after_death": flagged,
            "offers": {str(member): programs for member, programs in offered.items()}}


def _flag_deliveries(ctx: Context, event: CrvsEvent, person_id: uuid.UUID, died_on: date) -> int:
    rows = program_after_death.deliveries_after(ctx.session, person_id=person_id, day=died_on)
    for row in rows:
        ctx.session.merge(DeliveryAfterDeath(
            delivery_id=row.id, event_id=event.id, agency_code=row.agency_code,
            person_id=person_id, program_code=row.program_code, delivered_on=row.delivered_on,
            died_on=died_on))
    return len(rows)


def _reversal(ctx: Context, event: CrvsEvent, record: PersonRecord) -> dict[str, Any]:
    person = _subject(ctx, record)
    if person is None:
        raise Outcome("needs_review", "person_not_found")
    event.person_id = person.id
    if person.deceased_on is None:
        return {"not_deceased": True}
    principal = ctx.principal(person.registered_office_id)
    death = repository.last_death(ctx.session, person.id)
    person_service.update(ctx.session, keyring=ctx.keyring, principal=principal, person=person,
                          data=PersonUpdate(deceased_on=None), source="civil_registry")
    not_restored: list[dict[str, str]] = [{"what": "card", "why": "new_card_needed"}]
    if death is None or death.outcome.get("reversed"):
        not_restored.append({"what": "programs", "why": "death_not_notified"})
        return {"restored": [], "not_restored": not_restored}
    restored, refused = program_after_death.restore_after_reversal(
        ctx.session, principal=principal, person_id=person.id,
        ended=death.outcome.get("programs") or {})
    not_restored.extend(refused)
    if death.outcome.get("household"):
        why = households.restore(ctx.session, principal=principal,
                                 change=death.outcome["household"])
        if why is not None:
            not_restored.append({"what": "household", "why": why})
    death.outcome = {**death.outcome, "reversed": True, "reversed_by": str(event.id)}
    return {"death_event": str(death.id), "restored": restored, "not_restored": not_restored}


def _modification(ctx: Context, event: CrvsEvent, record: PersonRecord) -> dict[str, Any]:
    person = _subject(ctx, record)
    if person is None:
        raise Outcome("needs_review", "person_not_found")
    event.person_id = person.id
    changed: dict[str, Any] = {}
    if record.name is not None:
        first, second = record.name.surnames
        changed.update(given_names=record.name.given_name, first_surname=first,
                       second_surname=second)
    if record.sex in SEXES:
        changed["sex"] = SEXES[record.sex]
    if record.birth_date is not None:
        changed["birth_date"] = record.birth_date
    principal = ctx.principal(person.registered_office_id)
    person_service.update(ctx.session, keyring=ctx.keyring, principal=principal, person=person,
                          data=PersonUpdate(**changed), source="civil_registry", reason="document_shown")
    return {"fields": sorted(changed)}

"""Merging two registry records of one person, and undoing it: the data steward's door.

`merge` keeps the survivor, with each field chosen by the survivorship rules
(`survivorship.py`) and the provenance of each (which record, its office and agencies, when it
last changed); moves everything the absorbed record held (enrollments, applications,
deliveries, cards, household memberships, evaluations, outreach contacts, its history) to the
survivor; hides the absorbed record from every search and read (`Person.merged_into_id`, in the
one scope condition), while its id keeps resolving to the survivor for agencies
(`person.service.current_id`); tells each agency whose programs moved through the change feed;
and keeps both records as they were, sealed, in the merge. `unmerge` puts both records back
exactly from that snapshot, moves back exactly the rows that moved, remembers the pair as two
different persons (never merged or proposed again), and tells the agencies again. Both write
history and audit in the same transaction. Only a data steward merges; a steward works on the
whole city's registry (deduplication crosses offices), and every merge is audited.

Refused rather than guessed: two different CURPs; both records enrolled in or applying to the
same program, both with an active card, or both in a household (end one first); a pair a
person said were different.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.errors import Conflict, FieldError, Forbidden, NotFound
from redangel.history import service as history
from redangel.linkage import repository, snapshot, survivorship
from redangel.linkage.models import PersonMerge
from redangel.linkage.schemas import FieldSource, MergeCreate, MergeRead, RecordSource, UnmergeIn
from redangel.person import service as persons
from redangel.person.models import Person
from redangel.program import service as programs

STEWARD = "steward"
TABLE = "person_merge"
PURPOSE = "registry_merge"


def _require_steward(principal: Principal) -> None:
    if principal.kind != "staff" or principal.role != STEWARD:
        raise Forbidden()


def _side(keyring: Keyring, person: Person) -> survivorship.Side:
    curp, contact, sensitive = persons.opened_fields(keyring, person)
    values = {name: getattr(person, name) for name in
              (*survivorship.IDENTITY, *survivorship.PLACE, "deceased_on", "confirmed_distinct")}
    return survivorship.Side(values=values, curp=curp, contact=contact, sensitive=sensitive,
                             attributes=dict(person.attributes or {}), updated_at=person.updated_at)


def _source(session: Session, person: Person) -> dict[str, Any]:
    return {"person_id": str(person.id),
            "office_id": str(person.registered_office_id) if person.registered_office_id else None,
            "agencies": repository.agencies_of(session, person.id),
            "updated_at": person.updated_at.isoformat()}


def _locked_pair(session: Session, data: MergeCreate) -> tuple[Person, Person]:
    if data.survivor_id == data.absorbed_id:
        raise Conflict("merge_same_record", fields=[FieldError("absorbed_id", "merge_same_record")])
    found: dict[uuid.UUID, Person] = {}
    for name, pid in sorted((("survivor_id", data.survivor_id), ("absorbed_id", data.absorbed_id)),
                            key=lambda item: str(item[1])):  # lock in id order: no deadlock
        person = repository.person_for_update(session, pid)
        if person is None:
            raise NotFound(fields=[FieldError(name, "not_found")])
        found[pid] = person
    return found[data.survivor_id], found[data.absorbed_id]


def _refuse_conflicts(session: Session, survivor: Person, absorbed: Person,
                      kept_curps: tuple[str | None, str | None]) -> None:
    if repository.blocked(session, survivor.id, absorbed.id) is not None:
        raise Conflict("merge_blocked")
    if None not in kept_curps and kept_curps[0] != kept_curps[1]:
        raise Conflict("merge_curp_differs")
    shared = repository.shared_live_programs(session, survivor.id, absorbed.id)
    if shared:
        raise Conflict("merge_both_in_program", extra={"programs": shared})
    held = repository.both_hold(session, survivor.id, absorbed.id)
    if "card" in held:
        raise Conflict("merge_both_carded")
    if "household" in held:
        raise Conflict("merge_both_housed")


def merge(session: Session, *, keyring: Keyring, principal: Principal, data: MergeCreate) -> PersonMerge:
    """Merge the absorbed record into the survivor; returns the merge (for `unmerge`)."""
    _require_steward(principal)
    survivor, absorbed = _locked_pair(session, data)
    survivor_side, absorbed_side = _side(keyring, survivor), _side(keyring, absorbed)
    _refuse_conflicts(session, survivor, absorbed, (survivor_side.curp, absorbed_side.curp))
    merge_id = uuid.uuid4()
    saved = {"survivor": snapshot.dump(survivor), "absorbed": snapshot.dump(absorbed)}
    sources = {"survivor": _source(session, survivor), "absorbed": _source(session, absorbed)}
    moved = repository.held_ids(session, absorbed.id)
    kept = survivorship.keep(survivor_side, absorbed_side)

    absorbed.curp_index = None  # the CURP may pass to the survivor: its index is unique
    absorbed.merged_into_id = survivor.id
    absorbed.version += 1
    absorbed.updated_at = utcnow()
    session.flush()
    for name, value in kept.values.items():
        setattr(survivor, name, value)
    survivor.attributes = kept.attributes
    persons.seal_fields(keyring, survivor, curp=kept.curp, contact=kept.contact, sensitive=kept.sensitive)
    persons.reindex_name(session, survivor)
    survivor.version += 1
    survivor.updated_at = utcnow()
    repository.move(session, moved, to=survivor.id)

    row = PersonMerge(
        id=merge_id, survivor_id=survivor.id, absorbed_id=absorbed.id, reason=data.reason,
        actor_kind=principal.kind, actor_id=principal.id, merged_at=utcnow(),
        survivorship={"fields": [{"field": f, "source": s, "rule": r} for f, s, r in kept.sources],
                      "sources": sources},
        moved={name: [str(i) for i in ids] for name, ids in moved.items()},
        snapshot_sealed=keyring.seal_json(saved, table=TABLE, column="snapshot", row_id=merge_id),
    )
    session.add(row)
    session.flush()
    taken = sorted({f for f, s, _ in kept.sources if s == "absorbed"})
    history.record(session, principal=principal, entity="person", entity_id=survivor.id, action="merged",
                   changes={"merge": str(merge_id), "absorbed": str(absorbed.id), "taken": taken})
    history.record(session, principal=principal, entity="person", entity_id=absorbed.id,
                   action="merged_into", changes={"merge": str(merge_id), "survivor": str(survivor.id)})
    for pid in (survivor.id, absorbed.id):
        audit.record(session, principal=principal, action="person.merge", person_id=pid, purpose=PURPOSE,
                     detail={"merge": str(merge_id), "reason": data.reason})
    programs.announce_moved(session, application_ids=_uuids(moved, "application"),
                            enrollment_ids=_uuids(moved, "enrollment"), action="person_merged")
    return row


def _uuids(moved: dict[str, list[Any]], name: str) -> list[uuid.UUID]:
    return [uuid.UUID(str(i)) for i in moved.get(name, [])]


def _stored_ids(moved: dict[str, list[str]]) -> dict[str, list[Any]]:
    return {name: [int(i) if name in repository.INTEGER_IDS else uuid.UUID(i) for i in ids]
            for name, ids in moved.items()}


def unmerge(session: Session, *, keyring: Keyring, principal: Principal, merge_id: uuid.UUID,
            data: UnmergeIn) -> PersonMerge:
    """Undo a merge: both records as they were, the moved rows back, the pair never merged again."""
    _require_steward(principal)
    row = repository.merge_for_update(session, merge_id)
    if row is None:
        raise NotFound()
    if row.unmerged_at is not None:
        raise Conflict("merge_already_undone")
    first, second = sorted((row.survivor_id, row.absorbed_id), key=str)
    locked = {pid: repository.person_any_for_update(session, pid) for pid in (first, second)}
    survivor, absorbed = locked[row.survivor_id], locked[row.absorbed_id]
    assert survivor is not None and absorbed is not None  # foreign keys: merged records stay
    if survivor.merged_into_id is not None:
        raise Conflict("merge_superseded")
    saved = keyring.open_json(row.snapshot_sealed, table=TABLE, column="snapshot", row_id=row.id)
    moved = _stored_ids(row.moved)

    survivor.curp_index = None
    absorbed.curp_index = None
    session.flush()
    snapshot.restore(survivor, saved["survivor"])
    snapshot.restore(absorbed, saved["absorbed"])
    absorbed.merged_into_id = None
    for person in (survivor, absorbed):
        person.version += 1
        person.updated_at = utcnow()
        persons.reindex_name(session, person)
    repository.move(session, moved, to=absorbed.id)
    row.unmerged_at = utcnow()
    row.unmerge_reason = data.reason
    row.unmerged_by = principal.id
    repository.block(session, survivor.id, absorbed.id, reason=data.reason, merge_id=row.id,
                     actor_id=principal.id)
    for pid, other in ((survivor.id, absorbed.id), (absorbed.id, survivor.id)):
        history.record(session, principal=principal, entity="person", entity_id=pid, action="unmerged",
                       changes={"merge": str(row.id), "other": str(other), "reason": data.reason})
        audit.record(session, principal=principal, action="person.unmerge", person_id=pid,
                     purpose=PURPOSE, detail={"merge": str(row.id), "reason": data.reason})
    programs.announce_moved(session, application_ids=_uuids(moved, "application"),
                            enrollment_ids=_uuids(moved, "enrollment"), action="person_unmerged")
    session.flush()
    return row


def get(session: Session, *, principal: Principal, merge_id: uuid.UUID) -> PersonMerge:
    """A merge, for the steward."""
    _require_steward(principal)
    row = repository.merge(session, merge_id)
    if row is None:
        raise NotFound()
    return row


def recent(session: Session, *, principal: Principal, limit: int = 20) -> list[PersonMerge]:
    """The latest merges, newest first, for the steward (ids and reasons; no personal values)."""
    _require_steward(principal)
    return repository.recent_merges(session, limit)


def read(row: PersonMerge) -> MergeRead:
    """The answer about a merge (ids, sources and rules; no personal values)."""
    info = row.survivorship or {}
    return MergeRead(
        id=row.id, survivor_id=row.survivor_id, absorbed_id=row.absorbed_id, reason=row.reason,
        merged_at=row.merged_at, merged_by=row.actor_id,
        fields=[FieldSource.model_validate(f) for f in info.get("fields", [])],
        sources=[RecordSource.model_validate(info["sources"][k]) for k in ("survivor", "absorbed")
                 if k in info.get("sources", {})],
        moved={name: len(ids) for name, ids in (row.moved or {}).items()},
        unmerged_at=row.unmerged_at, unmerge_reason=row.unmerge_reason,
    )


def blocked_pairs(session: Session, person_ids: list[uuid.UUID], *, prefix: str = "") -> list[frozenset[str]]:
    """Pairs among these records said to be different persons (an unmerge), as the linkage engine
    takes them (`matching.engine.link(..., blocked=...)`): each record's key is `prefix` + its id."""
    return [frozenset((f"{prefix}{a}", f"{prefix}{b}"))
            for a, b in repository.blocked_pairs(session, person_ids)]

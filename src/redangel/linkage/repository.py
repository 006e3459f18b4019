"""The SQL of merging: what each record holds, moving rows between records, merges and blocks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from redangel.card.models import Card
from redangel.history.models import HistoryEntry
from redangel.lifeevent.models import Evaluation, OutreachContact
from redangel.linkage.models import PersonMerge, PersonPairBlock
from redangel.person.models import Membership, Person
from redangel.program.models import (
    LIVE_ENROLLMENT,
    OPEN_APPLICATION,
    Application,
    Delivery,
    Enrollment,
    Program,
)

HELD: dict[str, Any] = {
    "enrollment": Enrollment, "application": Application, "delivery": Delivery, "card": Card,
    "household_membership": Membership, "evaluation": Evaluation, "outreach_contact": OutreachContact,
}
"""Every table whose rows belong to one person's record (by `person_id`); history is apart."""
INTEGER_IDS = frozenset({"household_membership", "history_entry"})


def person_for_update(session: Session, person_id: uuid.UUID) -> Person | None:
    """A record not merged into another, locked for the rest of the transaction."""
    return session.scalar(
        select(Person).where(Person.id == person_id, Person.merged_into_id.is_(None)).with_for_update()
    )


def person_any_for_update(session: Session, person_id: uuid.UUID) -> Person | None:
    """A record, merged or not, locked for the rest of the transaction."""
    return session.scalar(select(Person).where(Person.id == person_id).with_for_update())


def held_ids(session: Session, person_id: uuid.UUID) -> dict[str, list[uuid.UUID | int]]:
    """Per table, the ids of the rows a record holds (history: its own history entries)."""
    out: dict[str, list[uuid.UUID | int]] = {}
    for name, model in HELD.items():
        out[name] = list(session.scalars(select(model.id).where(model.person_id == person_id)
                                         .order_by(model.id)))
    out["history_entry"] = list(session.scalars(
        select(HistoryEntry.id).where(HistoryEntry.entity == "person", HistoryEntry.entity_id == person_id)
        .order_by(HistoryEntry.id)))
    return out


def agencies_of(session: Session, person_id: uuid.UUID) -> list[str]:
    """The agencies whose programs a record is enrolled in or applied to."""
    codes: set[str] = set()
    for model in (Enrollment, Application):
        stmt = select(Program.agency_code).join(model, model.program_code == Program.code)
        codes.update(session.scalars(stmt.where(model.person_id == person_id).distinct()))
    return sorted(codes)


def move(session: Session, ids: dict[str, list[Any]], *, to: uuid.UUID) -> None:
    """Point the listed rows at another record."""
    for name, model in HELD.items():
        if ids.get(name):
            session.execute(update(model).where(model.id.in_(ids[name])).values(person_id=to))
    if ids.get("history_entry"):
        session.execute(update(HistoryEntry).where(HistoryEntry.id.in_(ids["history_entry"]))
                        .values(entity_id=to))


def shared_live_programs(session: Session, a: uuid.UUID, b: uuid.UUID) -> list[str]:
    """Programs in which both records have a live enrollment or an open application."""
    codes: set[str] = set()
    for model, statuses in ((Enrollment, LIVE_ENROLLMENT), (Application, OPEN_APPLICATION)):
        rows = session.execute(
            select(model.program_code).where(model.person_id.in_([a, b]), model.status.in_(statuses))
            .group_by(model.program_code).having(func.count(func.distinct(model.person_id)) > 1)
        ).scalars()
        codes.update(rows)
    return sorted(codes)


def both_hold(session: Session, a: uuid.UUID, b: uuid.UUID) -> list[str]:
    """What both records hold that a person can hold only once: an active card, an open household."""
    found = []
    cards = session.scalar(select(func.count(func.distinct(Card.person_id)))
                           .where(Card.person_id.in_([a, b]), Card.status == "active"))
    if (cards or 0) > 1:
        found.append("card")
    homes = session.scalar(select(func.count(func.distinct(Membership.person_id)))
                           .where(Membership.person_id.in_([a, b]), Membership.until.is_(None)))
    if (homes or 0) > 1:
        found.append("household")
    return found


def blocked(session: Session, a: uuid.UUID, b: uuid.UUID) -> PersonPairBlock | None:
    """The block on this pair of records, if they were said to be different persons."""
    low, high = sorted((a, b), key=str)
    return session.get(PersonPairBlock, (low, high))


def blocked_pairs(session: Session, ids: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """The blocked pairs among these records."""
    if not ids:
        return []
    wanted = list(ids)
    rows = session.execute(select(PersonPairBlock.low_id, PersonPairBlock.high_id).where(
        or_(PersonPairBlock.low_id.in_(wanted), PersonPairBlock.high_id.in_(wanted)))).all()
    return [(r.low_id, r.high_id) for r in rows]


def block(session: Session, a: uuid.UUID, b: uuid.UUID, **values: Any) -> None:
    """Remember that two records are different persons (once)."""
    low, high = sorted((a, b), key=str)
    if session.get(PersonPairBlock, (low, high)) is None:
        session.add(PersonPairBlock(low_id=low, high_id=high, **values))


def merge_for_update(session: Session, merge_id: uuid.UUID) -> PersonMerge | None:
    """A merge, locked for the rest of the transaction."""
    return session.scalar(select(PersonMerge).where(PersonMerge.id == merge_id).with_for_update())


def merge(session: Session, merge_id: uuid.UUID) -> PersonMerge | None:
    """A merge."""
    return session.get(PersonMerge, merge_id)


def recent_merges(session: Session, limit: int) -> list[PersonMerge]:
    """The latest merges, newest first (one query, bounded)."""
    return list(session.scalars(select(PersonMerge).order_by(PersonMerge.merged_at.desc(),
                                                             PersonMerge.id).limit(limit)))


def live_merge_between(session: Session, a: uuid.UUID, b: uuid.UUID) -> PersonMerge | None:
    """The merge, not undone, of one of these records into the other."""
    return session.scalar(select(PersonMerge).where(
        PersonMerge.unmerged_at.is_(None),
        or_(and_(PersonMerge.survivor_id == a, PersonMerge.absorbed_id == b),
            and_(PersonMerge.survivor_id == b, PersonMerge.absorbed_id == a))))


def later_merges(session: Session, person_id: uuid.UUID, after: Any) -> int:
    """How many merges, not undone, absorbed records into this one after a moment."""
    return int(session.scalar(select(func.count()).select_from(PersonMerge).where(
        PersonMerge.survivor_id == person_id, PersonMerge.unmerged_at.is_(None),
        PersonMerge.merged_at > after)) or 0)

"""The household after a registered death: the member leaves on the day of death and, when
they were its head, the household gets a new head by one rule; a reversal puts it back.

The rule for the new head (`docs/crvs.md`): the living spouse, when there is exactly one;
else the oldest living adult (18 or over on the day of death), when exactly one is oldest; in
any other case (no adult, two born the same day) the household is left without a head and a
supervisor of the office confirms one (`household.service.make_head`), since nobody should be
named head of a family by a tie-break.

A reversal restores the household as it was only if nothing changed in it since the death
(its version is the one the death left); otherwise it says so and leaves it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.history import service as history
from redangel.household import repository
from redangel.person.models import Membership

ADULT = 18


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def choose_head(members: list[tuple[Membership, date]], on: date) -> Membership | None:
    """The new head by the rule above, or None when a supervisor must choose."""
    spouses = [m for m, _ in members if m.relationship == "spouse"]
    if len(spouses) == 1:
        return spouses[0]
    adults = [(born, m) for m, born in members if _age(born, on) >= ADULT]
    if not adults:
        return None
    adults.sort(key=lambda pair: pair[0])
    if len(adults) > 1 and adults[0][0] == adults[1][0]:
        return None
    return adults[0][1]


def leave_by_death(session: Session, *, principal: Principal, person_id: uuid.UUID,
                   died_on: date) -> dict[str, Any] | None:
    """End the person's membership on the day of death; re-head the household if they led it.
    Returns what changed (to undo it), or None when the person belonged to no household."""
    mine = repository.open_memberships(session, [person_id])
    if not mine:
        return None
    household = repository.household_for_update(session, mine[0].household_id)
    assert household is not None
    rows = repository.open_members_born(session, household.id)
    own = next(m for m, _, _ in rows if m.person_id == person_id)
    own.until, own.end_reason = max(died_on, own.since), "death"
    ended, created = [own.id], []
    change: dict[str, Any] = {"household_id": str(household.id), "was_head": own.relationship == "head",
                              "head": None, "head_to_confirm": False}
    if own.relationship == "head":
        living = [(m, born) for m, born, dead in rows if m.person_id != person_id and dead is None]
        head = choose_head(living, died_on)
        session.flush()
        if head is None:
            change["head_to_confirm"] = bool(living)
        else:
            since = max(died_on, head.since)
            head.until, head.end_reason = since, "relationship_change"
            ended.append(head.id)
            session.flush()
            new = Membership(household_id=household.id, person_id=head.person_id,
                             relationship="head", since=since)
            session.add(new)
            session.flush()
            created.append(new.id)
            change["head"] = str(head.person_id)
    household.version += 1
    session.flush()
    change.update(ended=ended, created=created, version=household.version)
    history.record(session, principal=principal, entity="household", entity_id=household.id,
                   action="member_died", changes={"person_id": str(person_id),
                                                  "head": change["head"],
                                                  "head_to_confirm": change["head_to_confirm"]})
    audit.record(session, principal=principal, action="household.leave", person_id=person_id,
                 purpose="registration", detail={"reason": "death"})
    return change


def restore(session: Session, *, principal: Principal, change: dict[str, Any]) -> str | None:
    """Undo `leave_by_death` if the household is as the death left it; else the reason not."""
    household = repository.household_for_update(session, uuid.UUID(change["household_id"]))
    if household is None or household.version != change["version"]:
        return "household_changed_since"
    for row in repository.memberships_by_id(session, change["created"]):
        row.until, row.end_reason = row.since, "death_reversed"
    session.flush()
    for row in repository.memberships_by_id(session, change["ended"]):
        row.until, row.end_reason = None, None
    household.version += 1
    session.flush()
    history.record(session, principal=principal, entity="household", entity_id=household.id,
                   action="death_reversed", changes={"restored": len(change["ended"])})
    return None

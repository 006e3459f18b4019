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
                   died_on: date) -> tuple[dict[str, Any] | None, list[uuid.UUID]]:
    """End the person's membership on the day of death; re-head the household if they led it.
    Returns what changed (to undo it), or None when the person belonged to no household, and
    the household's living members left (eldest first). Four statements however large the
    household: the household locked and counted, its members read, their changes written."""
    bumped = repository.bump_household_of(session, person_id)
    if bumped is None:
        return None, []
    household_id, version = bumped
    rows = repository.open_members_born(session, household_id)
    own = next(m for m, _, _ in rows if m.person_id == person_id)
    own.until, own.end_reason = max(died_on, own.since), "death"
    living = sorted(((m, born) for m, born, dead in rows if m.person_id != person_id and dead is None),
                    key=lambda pair: pair[1])
    change: dict[str, Any] = {"household_id": str(household_id),
                              "was_head": own.relationship == "head", "head": None,
                              "head_to_confirm": False}
    new: Membership | None = None
    if own.relationship == "head":
        head = choose_head(living, died_on)
        if head is None:
            change["head_to_confirm"] = bool(living)
        else:
            since = max(died_on, head.since)
            head.until, head.end_reason = since, "relationship_change"
            new = Membership(household_id=household_id, person_id=head.person_id,
                             relationship="head", since=since)
            session.add(new)
            change["head"] = str(head.person_id)
    session.flush()  # the memberships ended first, then the new head's (one head at a time)
    ended = [own.id] + ([m.id for m, _ in living if m.until is not None])
    change.update(ended=ended, created=[new.id] if new is not None else [], version=version)
    history.record(session, principal=principal, entity="household", entity_id=household_id,
                   action="member_died", changes={"person_id": str(person_id),
                                                  "head": change["head"],
                                                  "head_to_confirm": change["head_to_confirm"]})
    audit.record(session, principal=principal, action="household.leave", person_id=person_id,
                 purpose="registration", detail={"reason": "death"})
    return change, [m.person_id for m, _ in living]


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

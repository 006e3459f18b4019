"""The one authorization policy: which persons a principal may see, as a SQL condition.

Applied inside the queries themselves, so an object outside scope is simply not found (404).
Clerks and supervisors: persons living in their office's borough, registered by their office,
or with no borough yet. Agencies: persons connected to their own programs. Kiosk: the card
holder alone. Analysts and admins: no person records at all. A person whose record was
cancelled (`Person.blocked_at`, the cancellation right) is outside every scope at once: every
door that reads persons through this condition answers "not found" for them.

An agency's reach is the program domain's rule (`program.policy.agency_person_condition`: its
programs' enrollments and applications), and `program/` sits above `person/` in the order of
domains. The app wires that rule in once at start (`main.create_app` calls
`reach_agencies_by`); until it is wired an agency's condition is refused loudly, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, and_, exists, false, or_, true

from redangel.auth.principal import Principal
from redangel.person.models import Opposition, Person

AgencyReach = Callable[[str], ColumnElement[bool]]
_agency_reach: list[AgencyReach] = []


def reach_agencies_by(rule: AgencyReach) -> None:
    """Name the rule that says which persons an agency reaches (given its code)."""
    _agency_reach[:] = [rule]


def usable() -> ColumnElement[bool]:
    """Persons whose record may be used at all: not blocked by a cancellation."""
    return Person.blocked_at.is_(None)


def not_opposed(use: str) -> ColumnElement[bool]:
    """Persons who have not refused this use of their data (the opposition right)."""
    return ~exists().where(Opposition.person_id == Person.id, Opposition.use == use)


_SYSTEM = and_(Person.blocked_at.is_(None), Person.merged_into_id.is_(None), true())
"""The system's condition, one object: statements built with it can be built once."""


def person_condition(principal: Principal) -> ColumnElement[bool]:
    """The condition a person row must satisfy to be visible to this principal: never a record
    blocked by a cancellation, nor one merged into another (`linkage/`), whose survivor answers
    instead."""
    if principal.kind == "system":
        return _SYSTEM
    return and_(usable(), Person.merged_into_id.is_(None), _scope(principal))


def verified_caller_condition() -> ColumnElement[bool]:
    """The condition for a person a call-center operator has proven by the caller's stated
    answers (folio, birth date, first surname): any usable, unmerged record, whatever office."""
    return and_(usable(), Person.merged_into_id.is_(None))


def _scope(principal: Principal) -> ColumnElement[bool]:
    if principal.kind == "staff" and principal.role in ("clerk", "supervisor"):
        conditions: list[ColumnElement[bool]] = [Person.borough.is_(None)]
        if principal.office_borough:
            conditions.append(Person.borough == principal.office_borough)
        if principal.office_id:
            conditions.append(Person.registered_office_id == principal.office_id)
        return or_(*conditions)
    if principal.kind == "kiosk" and principal.person_id is not None:
        return Person.id == principal.person_id
    if principal.kind == "agency" and principal.agency_code:
        if not _agency_reach:
            raise RuntimeError("an agency's reach is not wired in: call reach_agencies_by first")
        return _agency_reach[0](principal.agency_code)
    if principal.kind == "system":
        return true()
    return false()

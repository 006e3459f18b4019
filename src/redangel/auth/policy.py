"""The one authorization policy: which persons a principal may see, as a SQL condition.

Applied inside the queries themselves, so an object outside scope is simply not found (404).
Clerks and supervisors: persons living in their office's borough, registered by their office,
or with no borough yet. Agencies: persons connected to their own programs. Kiosk: the card
holder alone. Analysts and admins: no person records at all.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from redangel.auth.principal import Principal
from redangel.person.models import Person


def person_condition(principal: Principal) -> ColumnElement[bool]:
    """The condition a person row must satisfy to be visible to this principal."""
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
        from redangel.program.policy import agency_person_condition

        return agency_person_condition(principal.agency_code)
    if principal.kind == "system":
        return true()
    return false()

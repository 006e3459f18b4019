"""An agency's view of the registry: persons connected to its own programs, nobody else.

Two conditions: which persons an agency may see at all (`agency_person_condition`, used by the
one authorization policy), and which program objects — applications, enrollments, deliveries,
changes — it may see or act on (`program_condition`): only those of its own programs, even for
a person it shares with another agency.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from redangel.auth.principal import Principal
from redangel.person.models import Person
from redangel.program.models import Application, Enrollment, Program


def agency_programs(agency_code: str | ColumnElement[str]) -> Any:
    """The codes of an agency's programs, as a subquery (the agency's code given, or bound
    when the statement runs)."""
    return select(Program.code).where(Program.agency_code == agency_code)


def agency_person_condition(agency_code: str) -> ColumnElement[bool]:
    """Persons enrolled in, or applying to, one of the agency's programs (never a blocked one)."""
    own_programs = agency_programs(agency_code)
    # Aliases: inside a query on enrollments or applications themselves, the subqueries must not
    # correlate to the outer rows.
    enrollment, application = aliased(Enrollment), aliased(Application)
    return and_(Person.blocked_at.is_(None), or_(
        exists().where(enrollment.person_id == Person.id,
                       enrollment.program_code.in_(own_programs)),
        exists().where(application.person_id == Person.id,
                       application.program_code.in_(own_programs)),
    ))


def public_screen(principal: Principal) -> bool:
    """Whether this principal reads on a public screen: a card holder (role `citizen`, at a
    kiosk), to whom the catalog's sensitive programs are never named."""
    return principal.role == "citizen"


def public_program(program_column: Any) -> ColumnElement[bool]:
    """Programs a public screen may name: none of the catalog's sensitive ones."""
    private = select(Program.code).where(Program.sensitive.is_(True))
    return program_column.not_in(private)  # type: ignore[no-any-return]


def shown_to(principal: Principal, program_column: Any) -> ColumnElement[bool]:
    """Which programs may be named to this principal: a card holder on a public screen never
    sees the catalog's sensitive ones (`public_program`); everyone else sees all."""
    return public_program(program_column) if public_screen(principal) else true()


def program_condition(principal: Principal, program_column: Any) -> ColumnElement[bool]:
    """Which program objects this principal may see: an agency only its own programs', a card
    holder none of the sensitive ones (`shown_to`)."""
    if principal.kind == "agency":
        if not principal.agency_code:
            return false()
        return program_column.in_(agency_programs(principal.agency_code))  # type: ignore[no-any-return]
    return shown_to(principal, program_column)

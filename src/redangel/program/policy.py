"""An agency's view of the registry: persons connected to its own programs, nobody else."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select

from redangel.person.models import Person
from redangel.program.models import Application, Enrollment, Program


def agency_person_condition(agency_code: str) -> ColumnElement[bool]:
    """Persons enrolled in, or applying to, one of the agency's programs."""
    own_programs = select(Program.code).where(Program.agency_code == agency_code)
    return or_(
        exists().where(Enrollment.person_id == Person.id, Enrollment.program_code.in_(own_programs)),
        exists().where(
            Application.person_id == Person.id, Application.program_code.in_(own_programs)
        ),
    )

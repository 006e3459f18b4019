"""Demo complaints at the Iztapalapa office, so the complaint pages are not empty: one answered,
one waiting on time, and two long past their answer date — which the demo's escalation runs
raise up the chain of command to the agency and the coordination unit (one of them about
family violence, which only the office's supervisors read)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from redangel.auth.models import Office, UserAccount
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.crypto.keyring import Keyring
from redangel.person.models import Person
from redangel.program import complaints

COMPLAINTS = (
    ("delay", "sedeso", "Llevo tres meses esperando respuesta de mi solicitud del comedor.", 15),
    ("family_violence", "dif", "Necesito apoyo; en mi casa no estoy segura.", 15),
    ("poor_treatment", "salud", "En la ventanilla me hablaron de mala manera.", 0),
    ("benefit_not_delivered", "iaam", "Este mes no me llegó el depósito de la pensión.", 0),
)
ANSWER = "Revisamos su caso con la dependencia; el depósito se hará esta semana."


def _staff(session: Session, username: str) -> Principal | None:
    user = session.scalar(select(UserAccount).where(UserAccount.username == username))
    if user is None or user.office_id is None:
        return None
    office = session.get(Office, user.office_id)
    return Principal(kind="staff", id=str(user.id), role=user.role, office_id=user.office_id,
                     office_borough=office.borough if office else None)


def seed_complaints(session: Session, *, keyring: Keyring) -> int:
    """Record the demo complaints once (nothing when the office already has some)."""
    clerk, boss = _staff(session, "clerk"), _staff(session, "supervisor")
    if clerk is None or boss is None or complaints.office_list(session, principal=boss):
        return 0
    persons = session.scalars(
        select(Person.id).where(Person.borough == clerk.office_borough,
                                Person.blocked_at.is_(None))
        .order_by(Person.name_key.desc(), Person.id).limit(len(COMPLAINTS))).all()
    for person_id, (category, agency, words, days_late) in zip(persons, COMPLAINTS, strict=False):
        row = complaints.file(session, keyring=keyring, principal=clerk, person_id=person_id,
                              category=category, agency_code=agency, text=words)
        if days_late:  # filed weeks ago and never answered
            row.filed_at -= timedelta(days=days_late + 14)
            row.expected_answer_on = city_today() - timedelta(days=days_late)
        elif category == "benefit_not_delivered":
            session.flush()
            complaints.answer(session, keyring=keyring, principal=boss, folio=row.folio,
                              text=ANSWER)
    session.flush()
    return len(persons)

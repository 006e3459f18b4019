"""The clerk's journey in the office console, as steps other browser tests can chain.

Each step drives the page as a clerk does (Spanish labels, the default) and returns the ids it
made: sign in → `enroll_household` → `run_birth_of_child` (apply, receipt) → `issue_card`. The
end-to-end test chains them with the kiosk's steps.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from redangel.common.clock import city_today
from redangel.person import curp as curp_rules

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass
class Member:
    """A person the clerk types into the form."""

    given_names: str
    first_surname: str
    second_surname: str | None
    sex: str
    birth_date: date
    relationship: str = "head"
    with_curp: bool = True
    marital_status: str = ""
    monthly_income: str = ""
    health_coverage: str = ""
    employment_status: str = ""
    street: str = "Calle Ermita 45"
    colonia: str = "San Lucas"
    postal_code: str = "09000"

    @property
    def full_name(self) -> str:
        """The name as the pages show it."""
        return " ".join(n for n in (self.given_names, self.first_surname, self.second_surname) if n)

    salt: int = field(default_factory=lambda: random.randrange(10**6))

    @property
    def curp(self) -> str:
        """A CURP that agrees with the name, birth date, sex and state (Mexico City).

        Its homonymy character is drawn at random (fixed per member): CURPs of different test
        families share their first letters often enough to collide otherwise.
        """
        homonymy = ("0123456789"[self.salt % 10] if self.birth_date.year < 2000
                    else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[self.salt % 26])
        return curp_rules.build(given_names=self.given_names, first_surname=self.first_surname,
                                second_surname=self.second_surname, birth_date=self.birth_date,
                                sex=self.sex, birth_state="DF", homonymy=homonymy)


@dataclass
class Household:
    """What `enroll_household` registered."""

    id: str
    head: str
    people: dict[str, str] = field(default_factory=dict)  # full name -> person id


def family_of_three(suffix: str, *, baby_days: int = 20) -> list[Member]:
    """A mother living with her partner and their newborn, on a low income, without coverage."""
    baby = city_today() - timedelta(days=baby_days)
    return [
        Member("Guadalupe", f"{suffix}martínez", "Reyes", "M",
               date(1990, 1, 1) + timedelta(days=random.randrange(3000)),
               marital_status="free_union", monthly_income="4200", health_coverage="none",
               employment_status="informal"),
        Member("José Luis", f"{suffix}ramírez", "Ortiz", "H", date(1994, 9, 3), "spouse",
               with_curp=False, marital_status="free_union", monthly_income="3800",
               health_coverage="none", employment_status="informal"),
        Member("Sofía", f"{suffix}ramírez", f"{suffix}martínez", "M", baby, "child",
               with_curp=False, health_coverage="none"),
    ]


def fill_person(page: Any, member: Member) -> None:
    """Type a person into the registration form (head or member)."""
    page.get_by_label("Nombre(s)").fill(member.given_names)
    page.get_by_label("Primer apellido").fill(member.first_surname)
    page.get_by_label("Segundo apellido").fill(member.second_surname or "")
    page.get_by_label("Sexo").select_option(member.sex)
    page.get_by_label("Fecha de nacimiento").fill(member.birth_date.isoformat())
    page.get_by_label("Estado de nacimiento").select_option("DF")
    page.get_by_label("CURP (opcional)").fill(member.curp if member.with_curp else "")
    page.get_by_label("Calle y número").fill(member.street)
    page.get_by_label("Colonia").fill(member.colonia)
    page.get_by_label("Código postal").fill(member.postal_code)
    page.get_by_label("Alcaldía", exact=True).select_option("iztapalapa")
    for label, value in (("Trabajo", member.employment_status), ("Estado civil", member.marital_status),
                         ("Servicio de salud", member.health_coverage)):
        if value:
            page.get_by_label(label, exact=True).select_option(value)
    if member.monthly_income:
        page.get_by_label("Ingreso mensual (pesos)").fill(member.monthly_income)


def register_head(page: Any, head: Member) -> tuple[str, str]:
    """Register the head of a household; returns (household id, person id)."""
    page.goto("/office/persons/new")
    fill_person(page, head)
    page.get_by_role("button", name="Registrar", exact=True).click()
    page.wait_for_url(re.compile(rf".*/office/households/({UUID})\?added=({UUID})$"))
    found = re.search(rf"/households/({UUID})\?added=({UUID})", page.url)
    assert found, page.url
    return found.group(1), found.group(2)


def add_member(page: Any, household_id: str, member: Member, *, different_person: bool = False) -> str:
    """Add a new member on the household page; with `different_person`, answer the look-alike
    question "no, it is a different person". Returns the new person's id."""
    if f"/office/households/{household_id}" not in page.url:
        page.goto(f"/office/households/{household_id}")
    page.get_by_label("Parentesco con la persona jefa del hogar").select_option(member.relationship)
    fill_person(page, member)
    page.get_by_role("button", name="Registrar y agregar al hogar").click()
    if different_person:
        page.get_by_role("button", name="No, es otra persona: registrarla").click()
    page.wait_for_url(re.compile(rf".*/office/households/{household_id}\?added={UUID}$"))
    found = re.search(rf"added=({UUID})", page.url)
    assert found, page.url
    return found.group(1)


def enroll_household(page: Any, members: list[Member]) -> Household:
    """Register the first member as head, then every other one; returns the ids made."""
    household_id, head_id = register_head(page, members[0])
    household = Household(household_id, head_id, {members[0].full_name: head_id})
    for member in members[1:]:
        household.people[member.full_name] = add_member(page, household_id, member)
    return household


def open_person(page: Any, person_id: str, purpose: str = "Atención a la persona en ventanilla") -> None:
    """Open a person's record, stating the purpose first as the page asks."""
    page.goto(f"/office/persons/{person_id}")
    page.get_by_label(purpose).check()
    page.get_by_role("button", name="Abrir el expediente").click()
    page.wait_for_url(re.compile(rf".*/office/persons/{person_id}\?purpose="))


def answer_birth_of_child(page: Any, person_id: str, child_birth_date: date) -> None:
    """Pick "birth of a child" for the person and answer its question (the bundle is shown)."""
    page.goto(f"/office/persons/{person_id}/events")
    page.get_by_role("link", name="Nacimiento de un hijo").click()
    page.get_by_label("Fecha de nacimiento del bebé").fill(child_birth_date.isoformat())
    page.get_by_role("button", name="Ver los programas").click()
    page.get_by_role("heading", name=re.compile("lo que la persona puede recibir")).wait_for()


def run_birth_of_child(page: Any, person_id: str, child_birth_date: date) -> list[str]:
    """Birth of a child: answer, apply for every eligible program, return the receipt's folios."""
    answer_birth_of_child(page, person_id, child_birth_date)
    page.get_by_role("button", name="Solicitar los programas marcados").click()
    page.wait_for_url(re.compile(rf".*/office/persons/{person_id}/receipt\?folio="))
    return [f.inner_text() for f in page.locator(".receipt dd.folio").all()]


def issue_card(page: Any, person_id: str, pin: str) -> str:
    """Issue a card on the desk's reader (a blank card must be on it); returns its serial."""
    if f"/office/persons/{person_id}/card" not in page.url:
        page.goto(f"/office/persons/{person_id}/card")
    page.get_by_text("El lector de tarjetas está listo").wait_for()
    page.get_by_label("NIP", exact=True).fill(pin)
    page.get_by_label("Repita el NIP").fill(pin)
    page.locator("#issue-button").click()
    page.get_by_text("Tarjeta emitida y activada.").wait_for(timeout=30_000)
    return str(page.locator("#slip-serial").inner_text())
